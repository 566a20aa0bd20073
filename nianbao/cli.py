"""The `nianbao` command line: arguments, one function per command, and one-line errors. Nothing in flows/,
extractors/, transforms/ or store/ imports it."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime

from nianbao.extractors.inputs import InputError, read_input
from nianbao.extractors.page import NotAReportError
from nianbao.flows.signals import RECEIVED, stop_on_signals, stopped
from nianbao.store.keys import InvalidKey, check_adcode, check_year


def _argument(check):
    """An argparse type from a key check (store.keys): its InvalidKey becomes argparse's one-line error."""
    def convert(value: str):
        try:
            return check(value)
        except InvalidKey as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


_year_arg, _adcode_arg = _argument(check_year), _argument(check_adcode)


def _delay_arg(value: str) -> float:
    from nianbao.extractors.http import check_delay

    try:
        return check_delay(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _json_default(o):
    if isinstance(o, (date, datetime)):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def parse_one(path_or_url: str, args):
    from nianbao.transforms.report import parse_report

    data, url, fetched_at, ctype = read_input(path_or_url)
    return parse_report(data, url, fetched_at, publisher=args.publisher, adcode=args.adcode,
                        year=args.year, content_type=ctype, max_pages=getattr(args, "max_pages", None))


def cmd_parse(args) -> int:
    if args.out:
        from nianbao.flows.parse_to_store import parse_paths_to_store

        return parse_paths_to_store(args.inputs, args.out, args)
    if len(args.inputs) != 1:
        print("nianbao parse: give one input, or use --out DIR for several", file=sys.stderr)
        return 2
    try:
        parsed = parse_one(args.inputs[0], args)
    except (InputError, NotAReportError) as exc:
        from nianbao.extractors.http import redact

        msg, name = str(exc), redact(args.inputs[0])  # a password in a URL is never printed
        if not msg.startswith(name):
            msg = f"{name}: {msg}"
        print(f"nianbao parse: {msg}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(parsed.as_dict(), sys.stdout, ensure_ascii=False, default=_json_default)
        sys.stdout.write("\n")
    else:
        from nianbao.flows.summary import render_report

        print(render_report(parsed))
    return 0


def cmd_datasets(args) -> int:
    from nianbao.store.parquet_store import datasets_summary
    from nianbao.store.read import require_store

    require_store(args.root)
    rows = datasets_summary(args.root)
    if not rows:
        print(f"no datasets in {args.root}")
        return 0
    print(f"{'dataset':20} {'partitions':>10} {'files':>7} {'rows':>12} {'MB':>8}  updated")
    for r in rows:
        print(f"{r['dataset']:20} {r['partitions']:>10} {r['files']:>7} {r['rows']:>12} {r['bytes'] / 1e6:>8.2f}  "
              f"{r['updated_at']}")
    return 0


def cmd_sql(args) -> int:
    import duckdb

    from nianbao.store.read import duckdb_connection, require_store

    require_store(args.root)
    try:
        con = duckdb_connection(args.root, confined=True)
        kinds = {s.type for s in con.extract_statements(args.query)}
        if kinds - {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}:
            print("nianbao sql: only queries (SELECT, WITH, DESCRIBE, SUMMARIZE, EXPLAIN) are run; the store and "
                  "the files around it are read-only here", file=sys.stderr)
            return 2
        df = con.sql(args.query).df()
    except duckdb.Error as exc:
        print(f"nianbao sql: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    print(df.to_csv(index=False) if args.csv else df.to_string(index=False, max_rows=args.max_rows))
    return 0


def cmd_store_verify(args) -> int:
    from nianbao.store.parquet_store import repair, verify
    from nianbao.store.read import require_store

    require_store(args.root)
    if args.repair:
        changes = repair(args.root)
        for c in changes:
            print(f"repaired {c}")
        print(f"{args.root}: manifests rebuilt from the files, {len(changes)} change(s)")
    problems = verify(args.root)
    for p in problems:
        print(p)
    print(f"{args.root}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    from nianbao.store import report_log

    if waiting := report_log.logged(args.root):
        print(f"{args.root}: {waiting} logged batch(es) not yet folded into the datasets (the next write or "
              "`nianbao store compact` folds them)")
    if moved := report_log.unreadable(args.root):
        print(f"{args.root}: {len(moved)} logged batch(es) could not be read and were set aside in "
              f"{report_log.UNREADABLE_DIR}/; `nianbao reprocess` rebuilds their reports from the archive")
    return 1 if problems or moved else 0


def cmd_registry_discover(args) -> int:
    """Walk government site directories from a root and write what was found as a registry CSV (atomically:
    an interrupted walk leaves any earlier file whole)."""
    from nianbao.extractors.directory import Directory, registry_rows, write_registry
    from nianbao.extractors.http import PoliteSession
    from nianbao.flows.signals import stop_on_signals

    if not args.root.startswith(("http://", "https://")):
        raise InputError(f"{args.root}: the root must be an http(s) URL (a portal that links its governments)")
    stop_on_signals()
    walk = Directory(PoliteSession(delay=args.delay if args.delay is not None else 1.0), args.root,
                     max_sites=args.max_sites, max_depth=args.max_depth, workers=args.parallel)
    sites = walk.walk()
    write_registry(registry_rows(sites), args.out)
    levels: dict[str, int] = {}
    for s in sites:
        levels[s.level] = levels.get(s.level, 0) + 1
    marked = sum(1 for s in sites if s.status != "ok")
    print(f"{len(sites) - 1} sites found from {args.root} "
          f"({', '.join(f'{n} {lvl}' for lvl, n in levels.items() if lvl != 'national')}); "
          f"{marked} moved or unreachable, marked; {len(walk.refused)} links to private addresses refused")
    print(f"registry written to {args.out}: review it, then `nianbao crawl --registry {args.out} --out DIR`")
    return 0


def cmd_store_compact(args) -> int:
    from nianbao.store import report_log
    from nianbao.store.parquet_store import compact
    from nianbao.store.read import require_store

    require_store(args.root)
    waiting = report_log.logged(args.root)
    if waiting:  # a killed run's logged reports first: the compacted store holds every report
        report_log.fold(args.root)
        print(f"{args.root}: {waiting} logged batch(es) folded in")
    done = compact(args.root)
    for dataset, n in done.items():
        if n:
            print(f"{dataset}: {n} partition(s) compacted")
    print(f"{args.root}: every partition is one part-0.parquet ({sum(done.values())} compacted)")
    return 0


def _log_level(args) -> str:
    return "DEBUG" if getattr(args, "verbose", False) else "WARNING" if getattr(args, "quiet", False) else "INFO"


def _registry_portals(args):
    from nianbao.extractors.crawler import Portal, load_registry

    if args.registry:
        try:
            return load_registry(args.registry)
        except (OSError, ValueError) as exc:
            raise InputError(f"{args.registry}: {exc}") from None
    if not (args.portal and args.publisher and args.adcode):
        raise InputError("give --registry FILE, or --portal URL with --publisher and --adcode")
    return [Portal(id="cli", publisher=args.publisher, adcode=args.adcode, entry_url=args.portal,
                   delay=args.delay)]


def cmd_crawl(args) -> int:
    from nianbao.flows.prefect_env import quiet_prefect

    quiet_prefect(_log_level(args))
    try:
        portals = _registry_portals(args)  # checked here, so a bad row is one line before any flow starts
    except InputError as exc:
        print(f"nianbao {args.command}: {exc}", file=sys.stderr)
        return 2
    # a registry goes to the flow as its path (a national one is too big to be a flow parameter)
    flow_portals = None if args.registry else portals
    from nianbao.flows.nightly import backfill, local_run, nightly
    from nianbao.flows.pipeline import archive_root

    if args.dask_address:
        from prefect_dask import DaskTaskRunner

        runner = DaskTaskRunner(address=args.dask_address)
        nightly_flow, backfill_flow = nightly.with_options(task_runner=runner), backfill.with_options(task_runner=runner)
    else:
        from prefect.task_runners import ThreadPoolTaskRunner

        runner = ThreadPoolTaskRunner(max_workers=args.parallel)
        nightly_flow, backfill_flow = nightly.with_options(task_runner=runner), backfill.with_options(task_runner=runner)
    try:
        archive = str(archive_root(args.out, args.archive))
    except ValueError as exc:
        print(f"nianbao {args.command}: {exc}", file=sys.stderr)
        return 2
    with local_run():
        if args.command == "backfill":
            state = backfill_flow(registry=args.registry, out=args.out, since=args.since, until=args.until,
                                  portal_list=flow_portals, progress=True, archive=archive, delay=args.delay,
                                  return_state=True)
        else:  # a crawl without --since walks every listing page, as a first crawl of a portal must
            state = nightly_flow(registry=args.registry, out=args.out, since=args.since if args.since is not None else 0,
                                 portals=flow_portals, progress=True, archive=archive, delay=args.delay,
                                 return_state=True)
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, BaseException):  # the run itself crashed (not one portal): its one line
        print(f"nianbao {args.command}: the run failed: {type(summary).__name__}: {summary}", file=sys.stderr)
        return 2
    from nianbao.flows.summary import print_summary

    print_summary(summary, args.out, archive)
    return 0 if summary.portals_failed == 0 else 1


def cmd_reprocess(args) -> int:
    from nianbao.flows.prefect_env import quiet_prefect

    quiet_prefect(_log_level(args))
    from nianbao.flows.nightly import local_run, reprocess_flow
    from nianbao.flows.reprocess import archive_shards

    archive_shards(args.out, args.archive, args.allow_empty)  # refuse before starting a flow: one line, exit 2
    with local_run():
        result = reprocess_flow(out=args.out, registry=args.registry, parser_version=args.parser_version,
                                archive=args.archive, allow_empty=args.allow_empty)
    print(f"reprocessed {result['reports']} archived report(s) with parser {result['parser_version']}"
          f"{' (skipped: already current)' if result['skipped'] else ''}; {result['failed']} not readable now; "
          f"{result['kept']} kept as stored (no archived bytes to rebuild them from, or unreadable now)")
    return 0


def cmd_serve(args) -> int:
    from nianbao.flows.deployments import serve_deployments
    from nianbao.flows.pipeline import default_registry, resolve_out

    serve_deployments(args.registry or str(default_registry()), resolve_out(args.out))
    return 0


def cmd_report(args) -> int:
    from nianbao.flows.coverage_report import write_report
    from nianbao.store.read import require_store

    require_store(args.root)
    print(f"wrote {write_report(args.root)}")
    return 0


def cmd_docs(args) -> int:
    from nianbao.store.dictionary import OUTPUT, write

    # from a checkout: its docs/; from an installed wheel (OUTPUT under site-packages): the path asked for
    target = args.out or (OUTPUT if OUTPUT.parent.is_dir() and "site-packages" not in OUTPUT.parts
                          else "DATA_DICTIONARY.md")
    print(f"wrote {write(target)}")
    return 0


def _log_flags(p) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--quiet", action="store_true", help="log problems only (no per-portal lines)")
    g.add_argument("--verbose", action="store_true", help="debug logging, Prefect's included")


class _Parser(argparse.ArgumentParser):
    """argparse, with a bad argument reported in one line (no usage dump), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="nianbao", description="China's government information-disclosure "
                                 "annual reports as clean data.")
    from nianbao import __version__

    ap.add_argument("--version", action="version", version=f"nianbao {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("parse", help="parse report pages (files or URLs)")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL",
                   help="report pages: files (HTML, text, PDF, Word, pictures), directories of them, or http(s) URLs")
    p.add_argument("--publisher", help="the report's publisher (发布机构), overriding the page")
    p.add_argument("--adcode", type=_adcode_arg, help="the publisher's 6-digit region code, overriding the page")
    p.add_argument("--year", type=_year_arg, help="the year the statistics cover, overriding the page")
    p.add_argument("--json", action="store_true", help="print one JSON object (the contract's shape)")
    p.add_argument("--max-pages", type=int, default=None, metavar="N",
                   help="read PDFs of up to N pages (default 60; longer ones are refused)")
    p.add_argument("--out", metavar="DIR", help="upsert the parsed pages into the store at DIR")
    p.add_argument("--archive", metavar="DIR", help="with --out: keep the bytes read here (default DIR/_archive)")
    p.set_defaults(func=cmd_parse)

    for name, helptext in (("crawl", "crawl portals (one entry URL or a registry) into a store"),
                           ("backfill", "walk portals' listings back to --since (default 2008); resumable")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--portal", metavar="URL", help="entry URL: a 政府信息公开年报 column or a 信息公开 home")
        p.add_argument("--publisher", help="the portal's default publisher")
        p.add_argument("--adcode", type=_adcode_arg, help="the portal's default 6-digit region code")
        p.add_argument("--registry", metavar="FILE", help="a portals CSV (see data/portals.csv)")
        p.add_argument("--out", required=True, metavar="DIR", help="the store: a directory or s3://bucket/prefix")
        p.add_argument("--archive", metavar="DIR", help="raw responses (default DIR/_archive; required for s3://)")
        p.add_argument("--since", type=_year_arg, default=2008 if name == "backfill" else None,
                       help="walk listings back to this report year")
        if name == "backfill":
            p.add_argument("--until", type=_year_arg, help="skip reports after this year")
        # flows.nightly.DEFAULT_PARALLEL, not imported: it would load Prefect for every command
        p.add_argument("--parallel", type=int, default=32, help="tasks in flight (default 32): a task crawls one portal, "
                       "or in a run of over 128 portals a group of up to 32 at once; one host stays at its own pace "
                       "however many of its portals run")
        p.add_argument("--delay", type=_delay_arg, help="seconds between requests to one host (default 1)")
        p.add_argument("--dask-address", help="run the portal tasks on this Dask scheduler (tcp://host:8786)")
        _log_flags(p)
        p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("reprocess", help="re-parse every archived report with the current parser (no network)")
    p.add_argument("--out", required=True, metavar="DIR", help="the store to rebuild")
    p.add_argument("--archive", metavar="DIR", help="raw responses (default DIR/_archive)")
    p.add_argument("--registry", metavar="FILE", help="portal defaults (publisher, adcode) for pages naming none")
    p.add_argument("--parser-version", help="skip when every stored report already has this parser version")
    _log_flags(p)
    p.add_argument("--allow-empty", action="store_true",
                   help="run even when the archive is missing or empty (every stored report is kept as it is)")
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser("serve", help="register the Prefect deployments (nightly at 02:00 Asia/Shanghai) and serve")
    p.add_argument("--registry", help="a portals CSV (default: the registry shipped with nianbao)")
    p.add_argument("--out", default="out", help="the store (default: $NIANBAO_HOME/out, or ./out)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("datasets", help="list the datasets of a store, their partitions and rows")
    p.add_argument("--root", default="out", help="the store (default: ./out)")
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser("sql", help="query a store with DuckDB (one view per dataset)")
    p.add_argument("query", help="one SQL query (SELECT, WITH, DESCRIBE, SUMMARIZE, EXPLAIN) over the views")
    p.add_argument("--root", default="out", help="the store (default: ./out)")
    p.add_argument("--csv", action="store_true", help="print CSV")
    p.add_argument("--max-rows", type=int, default=60, help="rows printed as a table (default 60; --csv prints all)")
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("report", help="write DIR/_report/index.html: what the store covers, in charts")
    p.add_argument("--root", default="out", help="the store (default: ./out)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("docs", help="write the data dictionary (DATA_DICTIONARY.md) from the schemas and vocabulary")
    p.add_argument("--out", help="the file to write (default: docs/DATA_DICTIONARY.md in a checkout, "
                                 "./DATA_DICTIONARY.md from an installed package)")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("registry", help="grow the registry of portals")
    reg_sub = p.add_subparsers(dest="registry_command", required=True)
    d = reg_sub.add_parser("discover", help="walk government site directories (政府网站导航, 区县政府, 部门网站 …) "
                                            "from a root and write every site found as a registry CSV")
    d.add_argument("root", help="the root URL: a portal that links the governments below it (e.g. the national "
                                "portal's 地方政府 list)")
    d.add_argument("--out", required=True, metavar="FILE", help="the registry CSV to write")
    d.add_argument("--delay", type=_delay_arg, help="seconds between requests to one host (default 1)")
    d.add_argument("--parallel", type=int, default=32, help="sites fetched at once (default 32, directory.WORKERS; "
                   "one host stays at its own pace)")
    d.add_argument("--max-sites", type=int, default=5000, help="stop after this many sites (default 5000)")
    d.add_argument("--max-depth", type=int, default=4, help="levels below the root (default 4: province to "
                                                            "township)")
    d.set_defaults(func=cmd_registry_discover)

    p = sub.add_parser("store", help="store maintenance")
    store_sub = p.add_subparsers(dest="store_command", required=True)
    v = store_sub.add_parser("verify", help="check every file against the manifests")
    v.add_argument("--root", default="out", help="the store (default: ./out)")
    v.add_argument("--repair", action="store_true", help="first rebuild the manifests from the files (after a crash)")
    v.set_defaults(func=cmd_store_verify)
    c = store_sub.add_parser("compact", help="merge each partition's part files into one part-0.parquet "
                                            "(deterministic: same rows, same bytes)")
    c.add_argument("--root", default="out", help="the store (default: ./out)")
    c.set_defaults(func=cmd_store_compact)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Run one command. Errors a user can act on (a bad input, an unwritable or damaged store) are one line on
    stderr and exit 2; nothing already stored is changed by them."""
    args = build_parser().parse_args(argv)
    if args.command in ("crawl", "backfill", "reprocess", "serve"):
        stop_on_signals()
    try:
        return args.func(args)
    except KeyboardInterrupt as exc:
        return stopped(f"nianbao {args.command}", exc)
    except BrokenPipeError:  # `nianbao parse … | head`: the reader has all it wanted; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 141  # 128 + SIGPIPE, as `yes | head` ends
    except Exception as exc:
        if RECEIVED:  # a signal's KeyboardInterrupt that library code wrapped in its own error
            return stopped(f"nianbao {args.command}", exc)
        line = _user_error(exc, args)
        if line is None:
            raise
        print(f"nianbao {args.command}: {line}", file=sys.stderr)
        return 2


def _user_error(exc: Exception, args) -> str | None:
    """The one line for an error a user can act on, or None for a bug. Checked by class name so that
    `nianbao parse` never imports the store (pyarrow, pandas) just to be ready for its errors."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"StoreError", "InvalidKey", "ReprocessError", "InputError", "OSError"}:
        return str(exc)
    if names & {"ArchiveError", "DatabaseError"}:  # an archive index edited, damaged or not SQLite at all
        where = getattr(args, "archive", None) or getattr(args, "out", None) or getattr(args, "root", None)
        return str(exc) if "ArchiveError" in names else \
            f"{where}: an archive index is unreadable ({str(exc).splitlines()[0][:120]})"
    if "ArrowException" in names:
        root = getattr(args, "out", None) or getattr(args, "root", None)
        return (f"{root}: a stored Parquet file is unreadable ({str(exc).splitlines()[0][:160]}); "
                f"run `nianbao store verify --root {root}` to find it")
    return None


if __name__ == "__main__":
    sys.exit(main())
