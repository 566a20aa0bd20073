"""Crawl one portal: find its report column, walk every listing page, fetch every report.

Incremental through the archive: every request is conditional on what the
archive holds (a 304 reuses the archived body for listings and costs no
parse for reports). Failures are data: each URL gets a typed outcome in the
returned fetch log, and nothing here raises for one bad page.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from nianbao.extractors import discovery
from nianbao.extractors.archive import Archive
from nianbao.extractors.decode import DecodeError, decode_bytes
from nianbao.extractors.http import PoliteSession, Response, check_delay, redact, registrable_domain
from nianbao.store.keys import check_adcode, check_portal_id

MAX_LISTING_PAGES = 300
MAX_REQUESTS = 3000  # per portal per run (registry column max_requests): a runaway site costs a bounded run
MAX_ATTACHMENTS = 20  # files and pictures fetched for one report page (a real one links a few)
COLUMN_DEPTH = 4  # home page -> 政务公开 -> 法定主动公开内容 -> 年报 column
MAX_SEARCH_PAGES = 24  # pages read looking for the column from one entry page
MAX_SECONDS = 4 * 3600.0  # per portal per run (registry column max_seconds): a slow site costs a bounded night


@dataclass
class Portal:
    id: str
    publisher: str
    adcode: str
    entry_url: str
    delay: float | None = None
    max_connections: int | None = None
    encoding: str | None = None
    enabled: bool = True
    max_requests: int | None = None
    max_seconds: float | None = None


@dataclass
class FetchedReport:
    url: str
    title: str
    body: bytes
    content_type: str | None
    fetched_at: datetime  # when these bytes were first fetched
    sha256: str
    # (url, body, content type) of the files the page links (附件：…年报.pdf): read when the page itself is
    # only a link to its report
    attachments: list[tuple[str, bytes, str | None]] = field(default_factory=list)


@dataclass
class CrawlResult:
    portal: Portal
    new: list[FetchedReport] = field(default_factory=list)  # new or changed reports, to parse
    known: list[FetchedReport] = field(default_factory=list)  # unchanged (304 or same bytes), body from the archive
    unchanged: int = 0
    log: list[dict] = field(default_factory=list)  # fetch_log rows
    error: str | None = None

    def outcomes(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.log:
            out[row["outcome"]] = out.get(row["outcome"], 0) + 1
        return out


def load_registry(path: str | Path) -> list[Portal]:
    """data/portals.csv: id, publisher, adcode, entry_url, delay, max_connections, encoding, enabled, … (more
    columns, as `nianbao registry discover` writes, are kept for review and ignored here)."""
    portals = []
    with open(path, encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f), start=2):
            enabled = (row.get("enabled") or "true").strip().lower() in ("true", "1", "yes")
            if not enabled and not (row.get("adcode") or "").strip():
                continue  # listed for review (a discovered site whose place is unknown), never crawled
            try:
                portals.append(Portal(
                    id=check_portal_id(row["id"]), publisher=row["publisher"], adcode=check_adcode(row["adcode"]),
                    entry_url=row["entry_url"],
                    delay=check_delay(row["delay"]) if row.get("delay") else None,
                    max_connections=int(row["max_connections"]) if row.get("max_connections") else None,
                    encoding=row.get("encoding") or None,
                    max_requests=int(row["max_requests"]) if row.get("max_requests") else None,
                    max_seconds=float(row["max_seconds"]) if row.get("max_seconds") else None,
                    enabled=enabled))
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{path}: line {i}: {exc}") from None
    return portals


class PortalCrawler:
    def __init__(self, portal: Portal, session: PoliteSession, archive: Archive, since: int | None = None,
                 until: int | None = None):
        self.portal = portal
        self.session = session
        self.archive = archive
        self.since = since
        self.until = until
        self.site = registrable_domain(urlsplit(portal.entry_url).hostname or "")
        self.result = CrawlResult(portal)
        self.seen: set[str] = set()
        self.listings: dict[str, tuple[str, list[discovery.Link]]] = {}
        self.budget = portal.max_requests or MAX_REQUESTS
        self.fetches = 0
        self.cutoff = time.monotonic() + (portal.max_seconds or MAX_SECONDS)
        self.stopped: str | None = None  # why the portal's run stopped early (budget or deadline spent)
        self.not_fetched = 0  # URLs left for a later run once it stopped
        session.allow_portal(portal.entry_url, portal.delay, portal.max_connections)
        if session.on_robots is None:  # robots.txt is archived and re-checked conditionally like any page
            session.on_robots = lambda r: archive.record(r, None, "robots")
            session.robots_archived = self._archived

    def _archived(self, url: str) -> tuple[str | None, str | None, bytes] | None:
        doc = self.archive.document(url)
        return (doc.etag, doc.last_modified, self.archive.body(doc.sha256)) if doc else None

    # -- fetching -------------------------------------------------------------------------------------------
    def _log(self, url: str, kind: str, outcome: str, resp: Response | None = None, sha: str | None = None,
             detail: str = "") -> None:
        self.result.log.append({
            "portal_id": self.portal.id, "url": redact(url), "kind": kind, "outcome": outcome,
            "status": resp.status if resp else None, "fetched_at": resp.fetched_at if resp else None,
            "content_sha256": sha, "bytes": len(resp.body) if resp else 0,
            "elapsed_ms": resp.elapsed_ms if resp else 0, "detail": detail or (resp.detail if resp else ""),
        })

    def _on_site(self, url: str) -> bool:
        return registrable_domain(urlsplit(url).hostname or "") == self.site

    def fetch(self, url: str, kind: str) -> tuple[Response, bytes | None, bool]:
        """(response, body or the archived body on 304, changed?)"""
        doc = self.archive.document(url)
        if self.exhausted():
            self.not_fetched += 1
            return Response(url, url, "deferred", detail=self.stopped), None, False
        self.fetches += 1
        # a list endpoint the page's script calls with POST (Hanweb dataproxy): its parameters go as a form
        form = dict(parse_qsl(urlsplit(url).query)) if url.endswith(discovery.POST_MARK) else None
        resp = self.session.fetch(url, etag=doc.etag if doc else None, last_modified=doc.last_modified if doc else None,
                                  form=form, cutoff=self.cutoff)
        sha = self.archive.record(resp, self.portal.id, kind)
        if resp.outcome == "not_modified" and doc:
            resp.headers.setdefault("content-type", doc.content_type or "")
            return resp, self.archive.body(doc.sha256), False
        if resp.outcome == "ok":
            changed = not doc or doc.sha256 != sha
            return resp, resp.body, changed
        return resp, None, False

    def exhausted(self) -> bool:
        """Whether the portal's request budget or time for this run is spent (then ``stopped`` says which)."""
        if self.stopped is None:
            if self.fetches >= self.budget:
                self.stopped = f"the portal's budget of {self.budget} requests for this run is spent"
            elif time.monotonic() >= self.cutoff:
                self.stopped = f"the portal's {self.portal.max_seconds or MAX_SECONDS:g} s for this run are spent"
        return self.stopped is not None

    def _text(self, body: bytes, resp: Response) -> str:
        try:
            return decode_bytes(body, resp.content_type if not self.portal.encoding else
                                f"text/html; charset={self.portal.encoding}")
        except DecodeError:
            return ""

    # -- the walk -------------------------------------------------------------------------------------------
    def run(self) -> CrawlResult:
        try:
            starts = self.find_columns()
            if not starts:
                entry = next((r["outcome"] for r in self.result.log if r["url"] == self.portal.entry_url), "?")
                self.result.error = f"no annual-report column found from the entry URL (entry page: {entry})"
                return self.result
            reports = self.walk_listings(starts)
            for i, link in enumerate(reports):
                if self.exhausted():  # one row for what is left, not one per URL (a link farm lists millions)
                    self.not_fetched += len(reports) - i
                    break
                try:
                    self.fetch_report(link)
                except Exception as exc:  # one URL's malformed response costs that URL, not the portal
                    self._log(link.url, "report", "error", detail=f"{type(exc).__name__}: {exc}"[:300])
            if self.stopped:
                self._log(self.portal.entry_url, "portal", "deferred",
                          detail=f"{self.stopped}: {self.not_fetched} URL(s) left for a later run")
        except Exception as exc:  # one portal's failure is recorded; the run goes on
            self.result.error = f"{type(exc).__name__}: {exc}"
            self._log(self.portal.entry_url, "portal", "error", detail=self.result.error)
        return self.result

    def _listing(self, url: str) -> tuple[str, list[discovery.Link]] | None:
        """A listing page's text and links, or None (logged) when it cannot be had or read."""
        if url in self.listings:  # the entry page is read by find_column and again by walk_listings
            return self.listings[url]
        try:
            return self._read_listing(url)
        except Exception as exc:  # one URL's malformed response costs that URL, not the portal
            self._log(url, "listing", "error", detail=f"{type(exc).__name__}: {exc}"[:300])
            self.listings[url] = None
            return None

    def _read_listing(self, url: str) -> tuple[str, list[discovery.Link]] | None:
        resp, body, _ = self.fetch(url, "listing")
        if body is None:
            self._log(url, "listing", resp.outcome, resp)
            return None
        self._log(url, "listing", resp.outcome, resp, sha=None)
        text = self._text(body, resp)
        if text.lstrip().startswith(("{", "[")):
            items, pages = discovery.json_links(text, resp.url)
            got = text, items + [discovery.Link(p, "下一页") for p in pages]
        else:
            got = text, discovery.links(text, resp.url) + discovery.hanweb_records(text, resp.url)
        self.listings[url] = got
        return got

    def find_columns(self) -> list[str]:
        """Listing pages to walk: the columns an earlier run found from this entry page, while they still list
        reports; else the ones found now, searched from the entry (a home page, its disclosure section, or
        the column itself) and recorded for the next run."""
        known = [url for url in self.archive.columns(self.portal.id, self.portal.entry_url) if self._on_site(url)]
        starts = [url for url in known if self._lists_reports(url)]
        if starts:
            return starts
        starts, paths = self._search_columns()
        if starts:
            self.archive.set_columns(self.portal.id, self.portal.entry_url, {url: paths[url] for url in starts})
        return starts

    def _lists_reports(self, url: str) -> bool:
        got = self._listing(url)
        return bool(got and (discovery.report_links(got[1])[0] or discovery.json_apis(got[0], url)))

    def _search_columns(self) -> tuple[list[str], dict[str, list[str]]]:
        """Breadth-first from the entry page, on site and bounded: links named like the 年报 column first,
        then links into the disclosure section (政府信息公开, 政务公开, 法定主动公开内容) that holds it. The entry
        itself is a start when it lists reports (a home page's "latest reports" box is not the whole column,
        so a column it links to is walked too). Returns the starts and the pages that led to each."""
        entry = self.portal.entry_url
        paths: dict[str, list[str]] = {entry: [entry]}
        starts: list[str] = []
        queue, tried = [entry], set()
        for _depth in range(COLUMN_DEPTH):
            next_queue, next_columns = [], []
            for url in queue:
                if url in tried or len(tried) >= MAX_SEARCH_PAGES:
                    continue
                tried.add(url)
                got = self._listing(url)
                if got is None:
                    continue
                text, page_links = got
                reports, _ = discovery.report_links(page_links)
                if reports or discovery.json_apis(text, url):  # a listing (maybe filled by a list API)
                    starts.append(url)
                found = [c for c in discovery.column_candidates(page_links) if self._on_site(c.url)]
                columns = [c for c in found if not discovery.is_section_link(c)][:3]
                sections = [c for c in found if discovery.is_section_link(c)][:2]
                next_columns += [c.url for c in columns if c.url not in paths]
                for c in columns + sections:
                    if c.url not in paths:
                        paths[c.url] = paths[url] + [c.url]
                        next_queue.append(c.url)
            if starts:
                # one more look: a column link named on a page that lists reports may hold the full column
                for url in next_columns[:1]:
                    if self._lists_reports(url):
                        starts.insert(0, url)
                return starts, paths
            queue = next_queue
            if not queue:
                break
        self._log(entry, "listing", "not_a_report", detail="no annual-report column found")
        return [], paths

    def walk_listings(self, starts: list[str]) -> list[discovery.ReportLink]:
        found: dict[str, discovery.ReportLink] = {}
        queue, done = list(starts), set()
        while queue and len(done) < MAX_LISTING_PAGES and not self.exhausted():
            url = queue.pop(0)
            if url in done:
                continue
            done.add(url)
            got = self._listing(url)
            self.listings.pop(url, None)  # read once here: keeping every listing's text costs memory, not requests
            if got is None:
                continue
            text, page_links = got
            reports, decoys = discovery.report_links(page_links)
            for d in decoys[:max(0, self.budget - len(self.seen))]:
                if d.url not in self.seen:
                    self.seen.add(d.url)
                    self._log(d.url, "report", "not_a_report", detail=f"decoy title: {d.text[:60]}")
            new = [r for r in reports if r.url not in found]
            for r in new[:max(0, self.budget - len(found))]:  # more than the budget can fetch is never read
                found[r.url] = r
            if reports and not new:
                continue  # a page repeating one already read (a server ignoring the page asked for) leads no further
            years = [r.year for r in reports if r.year]
            if self.since and years and max(years) < self.since:
                continue  # listings run newest first: later pages are older still
            try:
                later = discovery.next_pages(text, url, page_links)
            except Exception as exc:
                self._log(url, "listing", "error", detail=f"paging: {type(exc).__name__}: {exc}"[:300])
                later = []
            for nxt in later:
                if nxt not in done and len(queue) < MAX_LISTING_PAGES and self._on_site(nxt):
                    queue.append(nxt)
        return list(found.values())

    def fetch_report(self, link: discovery.ReportLink) -> None:
        if link.url in self.seen:
            return
        self.seen.add(link.url)
        if link.year and ((self.since and link.year < self.since) or (self.until and link.year > self.until)):
            return
        if not self._on_site(link.url):
            self._log(link.url, "report", "off_site", detail=f"leaves {self.site}: recorded, not followed")
            return
        resp, body, changed = self.fetch(link.url, "report")
        if body is None:
            outcome = resp.outcome
            if resp.status in (412, 521) or (resp.outcome == "http_4xx" and discovery.is_js_challenge(resp.status, "")):
                outcome = "js_challenge"
            self._log(link.url, "report", outcome, resp)
            return
        doc = self.archive.document(link.url)
        text = self._text(body, resp)
        if discovery.is_js_challenge(resp.status, text):
            self._log(link.url, "report", "js_challenge", resp)
            return
        if discovery.is_soft_404(text):
            self._log(link.url, "report", "soft_404", resp)
            return
        self._log(resp.url, "report", resp.outcome, resp, sha=doc.sha256 if doc else None)
        page_links = discovery.links(text, resp.url) if text else []
        attachments = []
        linked = discovery.attachments(page_links) + (discovery.table_images(text, resp.url) if text else [])
        for att in linked[:MAX_ATTACHMENTS]:
            if att.url in self.seen:
                continue
            self.seen.add(att.url)
            if not self._on_site(att.url):
                self._log(att.url, "attachment", "off_site")
                continue
            a_resp, a_body, a_changed = self.fetch(att.url, "attachment")
            a_doc = self.archive.document(att.url)
            self._log(att.url, "attachment", a_resp.outcome, a_resp, sha=a_doc.sha256 if a_doc and a_body else None)
            if a_body is not None:
                attachments.append((a_resp.url, a_body, a_resp.content_type))
                changed = changed or a_changed  # a replaced attachment is a changed report
        final = self.archive.document(resp.url) or doc  # the final URL after redirects is where it lives
        fetched = FetchedReport(resp.url, link.title, body, resp.content_type, final.first_fetched_at, final.sha256,
                                attachments)
        if changed:
            self.result.new.append(fetched)
        else:
            self.result.known.append(fetched)
            self.result.unchanged += 1


def crawl_portal(portal: Portal, session: PoliteSession, archive: Archive, since: int | None = None,
                 until: int | None = None) -> CrawlResult:
    return PortalCrawler(portal, session, archive, since, until).run()
