"""The crawl → parse → store steps for one portal, with no Prefect in them.

The Prefect flows (flows/nightly.py) call these functions as tasks; the unit
tests call them directly. One portal's failure is caught and recorded here,
so the others always run.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pyarrow as pa

from nianbao.extractors.archive import Archive
from nianbao.extractors.crawler import CrawlResult, FetchedReport, Portal, crawl_portal
from nianbao.extractors.http import PoliteSession, hosts_sharing
from nianbao.extractors.page import NotAReportError, UnsupportedFormat
from nianbao.flows import parse_pool
from nianbao.store import report_log
from nianbao.store.from_reports import UnstorableReport, log_batch, partition_of
from nianbao.store.fs import is_uri
from nianbao.store.keys import check_portal_id
from nianbao.store.parquet_store import upsert
from nianbao.store.schemas import SCHEMAS
from nianbao.transforms.regions import lookup
from nianbao.transforms.report import FIRST_NATIONAL_FORMAT_YEAR, ParsedReport, image_kind, parse_report

ARCHIVE_DIR = "_archive"  # beside the datasets; readers skip names starting with "_"


def home() -> Path:
    """NIANBAO_HOME, else the working directory: where relative stores (out) and archives live. Workers
    start flows in directories of their own, so a deployment sets NIANBAO_HOME."""
    return Path(os.environ.get("NIANBAO_HOME") or ".")


def resolve_out(out: str | Path) -> str:
    """A store path as given when absolute or an object-store URI; otherwise under home()."""
    if is_uri(out) or Path(out).is_absolute():
        return str(out)
    return str(home() / out)


def default_registry() -> Path:
    """The registry shipped with nianbao (data/portals.csv, also inside an installed wheel)."""
    from nianbao.data import data_file

    return data_file("portals.csv")


def archive_root(out: str | Path, archive: str | Path | None = None) -> Path:
    """Where raw responses are kept: --archive, or <out>/_archive for a local store.

    The archive is sharded per portal (<root>/<portal id>/), so portal tasks
    running at once, on one machine or several, never share an index.
    """
    if archive:
        return Path(archive)
    if is_uri(out):
        raise ValueError(f"{out} is an object store: give --archive DIR for the raw responses (a local or shared disk)")
    return Path(out) / ARCHIVE_DIR


def portal_archive(root: str | Path, portal_id: str) -> Archive:
    return Archive(Path(root) / check_portal_id(portal_id))  # an id like ../x must not leave the archive


@dataclass
class PortalOutcome:
    portal_id: str
    parsed: list[ParsedReport] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)
    unchanged: int = 0
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    requests: int = 0
    bytes: int = 0
    logged: list[dict] = field(default_factory=list)  # reports encoded for the store's log: what the summary needs
    batches: list[bytes] = field(default_factory=list)  # those reports as store-log batches, until logged

    @property
    def reports(self) -> int:
        """Reports parsed, whether still held or already encoded."""
        return len(self.parsed) + len(self.logged)

    def encode_reports(self) -> None:
        """Encode the parsed reports as one store-log batch and keep only their ids, hashes and failed
        checks: done in the portal's task as the portal ends, so a task holds no more than its running
        portals' parsed reports, and the flow run, the store's one writer, only writes bytes."""
        if self.parsed:
            self.batches.append(report_log.encode(log_batch(self.parsed)))
            self.logged += [{k: p.report[k] for k in ("report_id", "content_sha256", "checks_failed")}
                            for p in self.parsed]
            self.parsed = []

    @property
    def failures(self) -> dict[str, int]:
        """URLs not read, by outcome (every outcome but ok and not_modified)."""
        out: dict[str, int] = {}
        for row in self.log:
            if row["outcome"] not in ("ok", "not_modified"):
                out[row["outcome"]] = out.get(row["outcome"], 0) + 1
        return out


def log_outcomes(out: str | Path, outcomes: list[PortalOutcome]) -> None:
    """Append the outcomes' reports to the store's log in one write (durable at once; readers see them after
    the next fold)."""
    for o in outcomes:
        o.encode_reports()
    report_log.append_encoded(out, [b for o in outcomes for b in o.batches])
    for o in outcomes:
        o.batches = []


@dataclass
class RunSummary:
    portals_ok: int = 0
    portals_failed: int = 0
    reports_new: int = 0
    reports_changed: int = 0
    reports_unchanged: int = 0
    checks_failed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"portals: {self.portals_ok} ok, {self.portals_failed} failed",
               f"reports: {self.reports_new} new, {self.reports_changed} changed, {self.reports_unchanged} unchanged",
               f"checks failed: {self.checks_failed}",
               "fetch outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
               f"time: {self.seconds:.1f} s"]
        return out + [f"failed: {f}" for f in self.failures]

    @property
    def failed_portals(self) -> list[str]:
        return [f.split(":", 1)[0] for f in self.failures]


def make_session(polite: bool = True, delay: float = 1.0, hosts_dir: str | Path | None = None) -> PoliteSession:
    """A portal task's session; with ``hosts_dir`` (beside the archive, which every worker mounts) its per-host
    spacing is shared with every other process and machine of the run."""
    return PoliteSession(delay=delay if polite else 0.0, backoff=1.0 if polite else 0.05,
                         hosts=hosts_sharing(hosts_dir) if hosts_dir else None)


def process_portal(portal: Portal, archive_dir: str | Path, since: int | None = None,
                   session: PoliteSession | None = None, stored_shas: set[str] | None = None,
                   until: int | None = None) -> PortalOutcome:
    """Crawl one portal incrementally and parse what is new or changed. Never raises.

    An unchanged report is parsed again only when its bytes are not in the
    store (``stored_shas``): a run killed between archiving and storing
    resumes where it stopped.
    """
    result = PortalOutcome(portal.id, started_at=datetime.now(UTC))
    archive = portal_archive(archive_dir, portal.id)
    own_session = session is None
    session = session or make_session()
    requests_before, bytes_before = session.requests, session.bytes
    try:
        crawl: CrawlResult = crawl_portal(portal, session, archive, since, until)
        result.log, result.unchanged, result.error = crawl.log, crawl.unchanged, crawl.error
        by_url = {row["url"]: row for row in result.log if row["kind"] == "report"}
        missing = [k for k in crawl.known if stored_shas is not None and not _stored(k, stored_shas)]
        result.unchanged -= len(missing)
        firsts: dict[tuple, str] = {}  # the same bytes at many URLs (mirrors, a farm) are parsed once
        to_parse = []
        for fetched in crawl.new + missing:
            first = firsts.setdefault(_content_key(fetched), fetched.url)
            if first != fetched.url:
                _mark(by_url.get(fetched.url), "duplicate", f"the same bytes as {first}: parsed once")
            else:
                to_parse.append((fetched,))
        for (fetched,), future in parse_pool.in_order(partial(parse_fetched, portal=portal), to_parse):
            row = by_url.get(fetched.url) or next((r for r in result.log if r["url"] == fetched.url), None)
            try:
                parsed = future.result()
                try:
                    partition_of(parsed.report)
                except UnstorableReport as exc:
                    raise NotAReportError(str(exc)) from None
            except NotAReportError as exc:
                _mark(row, "unsupported_format" if isinstance(exc, UnsupportedFormat) else "not_a_report", str(exc))
                continue
            except Exception as exc:  # a parser bug must not lose the portal's other reports
                _mark(row, "parse_error", f"{type(exc).__name__}: {exc}")
                continue
            result.parsed.append(parsed)
            if row is not None:
                row["report_id"] = parsed.report["report_id"]
                row["adcode"] = parsed.report["adcode"]
                row["year"] = parsed.report["year"]  # a report's fetch rows sit in the report's year
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        archive.close()
        if own_session:
            session.close()
        result.finished_at = datetime.now(UTC)
        result.requests, result.bytes = session.requests - requests_before, session.bytes - bytes_before
    return result


def parse_fetched(fetched: FetchedReport, portal: Portal | None) -> ParsedReport:
    """The report a fetched page holds; when its tables are pictures, the page with the pictures read by OCR;
    when the page is only a link to its report (附件：…年报.pdf), the report in the linked file, with the page
    as source_url and the file as document_url."""
    def parse(body: bytes, url: str, ctype: str | None, images: list[bytes] = ()) -> ParsedReport:
        return parse_report(body, url, fetched.fetched_at, content_type=ctype,
                            default_publisher=portal.publisher if portal else None,
                            default_adcode=portal.adcode if portal else None, table_images=images)

    page, page_error = None, None
    try:
        page = parse(fetched.body, fetched.url, fetched.content_type)
    except NotAReportError as exc:
        page_error = exc
    pictures = [body for _, body, _ in fetched.attachments if image_kind(body) in ("JPEG", "PNG")]
    if page is not None and pictures and not _has_tables(page) and \
            (page.report["year"] or 9999) >= FIRST_NATIONAL_FORMAT_YEAR:
        # a national-format report whose tables may be pictures: read them by OCR
        pictured = parse(fetched.body, fetched.url, fetched.content_type, pictures)
        if _has_tables(pictured):
            return pictured
    if page is not None and _has_figures(page):
        return page
    for url, body, ctype in fetched.attachments:  # the page names its report but the figures are in the file
        if image_kind(body) in ("JPEG", "PNG"):
            continue  # pictures were read above, as the page's tables
        try:
            parsed = parse(body, url, ctype)
        except NotAReportError:
            continue
        if _has_figures(parsed):
            parsed.report["source_url"], parsed.report["document_url"] = fetched.url, url
            return parsed
    if page is None:
        raise page_error
    return page


def _content_key(fetched: FetchedReport) -> tuple:
    """What makes two fetched reports the same report: the page's bytes and its attachments' bytes."""
    return (fetched.sha256, *(hashlib.sha256(body).hexdigest() for _, body, _ in fetched.attachments))


def _has_tables(p: ParsedReport) -> bool:
    return bool(p.active_disclosure or p.applications or p.reviews_litigation)


def _has_figures(p: ParsedReport) -> bool:
    return bool(p.active_disclosure or p.applications or p.reviews_litigation or p.legacy_metrics)


def _stored(fetched: FetchedReport, stored_shas: set[str]) -> bool:
    """Whether the store already holds this report: its page's bytes, or one of its attachments'."""
    return fetched.sha256 in stored_shas or any(hashlib.sha256(body).hexdigest() in stored_shas
                                                 for _, body, _ in fetched.attachments)


def _mark(row: dict | None, outcome: str, detail: str) -> None:
    if row is not None:
        row["outcome"], row["detail"] = outcome, detail[:300]


def stored_reports(out: str | Path) -> dict[str, str]:
    """{report_id: content_sha256} of the reports already in the store (two columns, read with pyarrow)."""
    from nianbao.store.read import dataset

    table = dataset(out, "reports").to_table(columns=["report_id", "content_sha256"])
    return dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))


def stored_shas_by_portal(out: str | Path, known: dict[str, str]) -> dict[str, set[str]]:
    """{portal_id: content hashes of the stored reports that portal's fetches produced}, from the fetch log."""
    from nianbao.store.read import dataset

    try:
        log = dataset(out, "fetch_log").to_table(columns=["portal_id", "report_id"]).to_pylist()
    except Exception:  # no fetch log yet
        return {}
    out_map: dict[str, set[str]] = {}
    for row in log:
        sha = known.get(row["report_id"]) if row["report_id"] else None
        if sha:
            out_map.setdefault(row["portal_id"], set()).add(sha)
    return out_map


def store_outcomes(out: str | Path, outcomes: list[PortalOutcome], portals: dict[str, Portal],
                   started: float, known: dict[str, str]) -> RunSummary:
    """Log the outcomes' reports not yet logged, fold the store's log into the partitions, and write the
    fetch log and portal runs; the store is the only writer of Parquet.

    ``known`` ({report_id: content_sha256} already stored) tells new from changed reports; it is
    updated here, so a run reads the reports dataset once, not once per portal.
    """
    summary = RunSummary()
    log_outcomes(out, outcomes)
    report_log.fold(out)
    runs = []
    for o in outcomes:
        counts = {"new": 0, "changed": 0, "unchanged": o.unchanged}
        if o.error:
            summary.portals_failed += 1
            summary.failures.append(f"{o.portal_id}: {o.error}")
        else:
            summary.portals_ok += 1
        for rep in o.logged:
            before = known.get(rep["report_id"])
            kind = "new" if before is None else "changed" if before != rep["content_sha256"] else "unchanged"
            counts[kind] += 1  # unchanged: the same bytes found again (e.g. at a new URL)
            summary.checks_failed += rep["checks_failed"]
            known[rep["report_id"]] = rep["content_sha256"]
        summary.reports_new += counts["new"]
        summary.reports_changed += counts["changed"]
        summary.reports_unchanged += counts["unchanged"]
        for row in o.log:
            summary.outcomes[row["outcome"]] = summary.outcomes.get(row["outcome"], 0) + 1
        runs.append({"portal_id": o.portal_id, "adcode": portals[o.portal_id].adcode, "started_at": o.started_at,
                     "finished_at": o.finished_at, "requests": o.requests, "bytes": o.bytes,
                     "reports_new": counts["new"], "reports_changed": counts["changed"],
                     "reports_unchanged": counts["unchanged"], "failures": json.dumps(o.failures, sort_keys=True),
                     "error": o.error})
    write_fetch_log(out, outcomes, portals)
    write_portal_runs(out, runs, portals)
    summary.seconds = time.monotonic() - started
    return summary


def write_portal_runs(out: str | Path, runs: list[dict], portals: dict[str, Portal]) -> None:
    """One portal_runs row per portal run, partitioned by the run's year and the portal's province."""
    batches: dict[tuple[int, str | None], list[dict]] = {}
    now = datetime.now(UTC)
    for run in runs:
        run = {**run, "started_at": run["started_at"] or now, "finished_at": run["finished_at"] or now}
        batches.setdefault((run["started_at"].year, _province(portals[run["portal_id"]])), []).append(run)
    _append(out, "portal_runs", batches)


def write_fetch_log(out: str | Path, outcomes: list[PortalOutcome], portals: dict[str, Portal]) -> None:
    """fetch_log rows, partitioned by the portal's province and by year: a report's rows by the report's year
    (so they sit beside its data), every other row by the year of the fetch."""
    batches: dict[tuple[int, str | None], list[dict]] = {}
    now = datetime.now(UTC)
    for o in outcomes:
        portal = portals[o.portal_id]
        for row in o.log:
            fetched = row.get("fetched_at") or now
            full = {"report_id": row.get("report_id"), "adcode": row.get("adcode") or portal.adcode, **row,
                    "fetched_at": fetched}
            batches.setdefault((row.get("year") or fetched.year, _province(portal)), []).append(full)
    _append(out, "fetch_log", batches)


def _province(portal: Portal) -> str | None:
    region = lookup(portal.adcode)
    return region.province if region else None


def _append(out: str | Path, dataset: str, batches: dict[tuple[int, str | None], list[dict]]) -> None:
    """Add rows to an append-only log dataset (fetch_log, portal_runs): nothing stored is replaced."""
    schema = SCHEMAS[dataset]
    tables = {k: pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema=schema)
              for k, rows in batches.items()}
    if tables:
        upsert(out, dataset, tables, replace_ids={k: () for k in tables})
