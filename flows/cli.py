"""The `nianbao` command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from extractors.page import NotAReportError


class InputError(Exception):
    """An input that cannot be read at all (missing file, failed download)."""


def _json_default(o):
    if isinstance(o, (date, datetime)):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def read_input(path_or_url: str) -> tuple[bytes, str, datetime, str | None]:
    """Bytes, source_url, fetched_at and content type of a file or URL."""
    if path_or_url.startswith(("http://", "https://")):
        from extractors.fetch import fetch_once

        return fetch_once(path_or_url)
    p = Path(path_or_url)
    if not p.exists():
        raise InputError(f"{path_or_url}: no such file")
    if p.is_dir():
        raise InputError(f"{path_or_url}: is a directory (use --out to parse a directory)")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{path_or_url}: {exc.strerror}") from None
    mtime = datetime.fromtimestamp(p.stat().st_mtime, tz=UTC)
    return data, p.resolve().as_uri(), mtime, None


def parse_one(path_or_url: str, args):
    from transforms.report import parse_report

    data, url, fetched_at, ctype = read_input(path_or_url)
    return parse_report(data, url, fetched_at, publisher=args.publisher, adcode=args.adcode,
                        year=args.year, content_type=ctype)


def cmd_parse(args) -> int:
    if args.out:
        from flows.parse_to_store import parse_paths_to_store

        return parse_paths_to_store(args.inputs, args.out, args)
    if len(args.inputs) != 1:
        print("nianbao parse: give one input, or use --out DIR for several", file=sys.stderr)
        return 2
    try:
        parsed = parse_one(args.inputs[0], args)
    except (InputError, NotAReportError) as exc:
        msg = str(exc)
        if not msg.startswith(args.inputs[0]):
            msg = f"{args.inputs[0]}: {msg}"
        print(f"nianbao parse: {msg}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(parsed.as_dict(), sys.stdout, ensure_ascii=False, default=_json_default)
        sys.stdout.write("\n")
    else:
        from flows.summary import render_report

        print(render_report(parsed))
    return 0


def cmd_datasets(args) -> int:
    from store.parquet_store import datasets_summary

    rows = datasets_summary(args.root)
    if not rows:
        print(f"no datasets in {args.root}")
        return 0
    print(f"{'dataset':20} {'partitions':>10} {'rows':>12} {'MB':>8}  updated")
    for r in rows:
        print(f"{r['dataset']:20} {r['partitions']:>10} {r['rows']:>12} {r['bytes'] / 1e6:>8.2f}  {r['updated_at']}")
    return 0


def cmd_sql(args) -> int:
    import duckdb

    from store.read import duckdb_connection

    try:
        df = duckdb_connection(args.root).sql(args.query).df()
    except duckdb.Error as exc:
        print(f"nianbao sql: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    print(df.to_csv(index=False) if args.csv else df.to_string(index=False, max_rows=args.max_rows))
    return 0


def cmd_store_verify(args) -> int:
    from store.parquet_store import verify

    problems = verify(args.root)
    for p in problems:
        print(p)
    print(f"{args.root}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


def cmd_docs(args) -> int:
    from store.dictionary import write

    print(f"wrote {write()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="nianbao", description="China's government information-disclosure "
                                 "annual reports as clean data.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="parse report pages (files or URLs)")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--publisher", help="the report's publisher (发布机构), overriding the page")
    p.add_argument("--adcode", help="the publisher's 6-digit region code, overriding the page")
    p.add_argument("--year", type=int, help="the year the statistics cover, overriding the page")
    p.add_argument("--json", action="store_true", help="print one JSON object (the contract's shape)")
    p.add_argument("--out", metavar="DIR", help="upsert the parsed pages into the store at DIR")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("datasets", help="list the datasets of a store, their partitions and rows")
    p.add_argument("--root", default="out", help="the store (default: ./out)")
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser("sql", help="query a store with DuckDB (one view per dataset)")
    p.add_argument("query")
    p.add_argument("--root", default="out", help="the store (default: ./out)")
    p.add_argument("--csv", action="store_true", help="print CSV")
    p.add_argument("--max-rows", type=int, default=60)
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("docs", help="regenerate docs/DATA_DICTIONARY.md from the schemas and vocabulary")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("store", help="store maintenance")
    store_sub = p.add_subparsers(dest="store_command", required=True)
    v = store_sub.add_parser("verify", help="check every file against the manifests")
    v.add_argument("--root", default="out")
    v.set_defaults(func=cmd_store_verify)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "adcode", None) and not (len(args.adcode) == 6 and args.adcode.isdigit()):
        print(f"nianbao {args.command}: --adcode {args.adcode!r} is not a 6-digit region code", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
