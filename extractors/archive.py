"""The raw archive: every response kept, bodies content-addressed.

Bodies are files under objects/<2 hex>/<sha256> (the same bytes stored once);
an SQLite index records every response (URL, status, headers, fetch time,
sha256) and, per URL, the current document with its validators for
conditional requests. SQLite rather than WARC: the crawler asks "what do I
hold for this URL" on every request, and a transactional index answers that
directly while staying one portable file; bodies stay plain files that any
tool can read. Parsing needs nothing but this directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nianbao.extractors.http import Response

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    id INTEGER PRIMARY KEY, url TEXT NOT NULL, requested_url TEXT, portal_id TEXT, kind TEXT,
    outcome TEXT, status INTEGER, headers TEXT, sha256 TEXT, bytes INTEGER, fetched_at TEXT, elapsed_ms INTEGER,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS responses_url ON responses(url);
CREATE TABLE IF NOT EXISTS documents (
    url TEXT PRIMARY KEY, portal_id TEXT, kind TEXT, sha256 TEXT NOT NULL, content_type TEXT,
    etag TEXT, last_modified TEXT, first_fetched_at TEXT NOT NULL, last_checked_at TEXT NOT NULL,
    final_url TEXT NOT NULL  -- differs from url when url redirects there
);
CREATE TABLE IF NOT EXISTS parse_options (  -- what a user gave `nianbao parse --out` for a file (never a server)
    url TEXT PRIMARY KEY, options TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS columns (  -- report columns found from a portal's entry page, walked first next run
    portal_id TEXT NOT NULL, entry_url TEXT NOT NULL, column_url TEXT NOT NULL, path TEXT NOT NULL,
    found_at TEXT NOT NULL, PRIMARY KEY (portal_id, entry_url, column_url)
);
"""
TMP_PREFIX = ".tmp-"  # a body being written; renamed into place when whole
LOCAL_SHARD = "local"  # the shard of files given to `nianbao parse --out` (no registry portal may take this id)
PARSE_OPTIONS = ("publisher", "adcode", "year")  # the overrides `nianbao parse` takes, kept for reprocess
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ArchiveError(ValueError):
    """The archive's index holds something its own code never writes (edited or damaged); names it."""


def check_parse_options(options, where: str = "parse options") -> dict:
    """The parse options of a file as the archive keeps them: only publisher, adcode and year, each checked.
    Raises ArchiveError (one line) for anything else."""
    from nianbao.store.keys import InvalidKey, check_adcode, check_year

    if not isinstance(options, dict) or set(options) - set(PARSE_OPTIONS):
        raise ArchiveError(f"{where}: {str(options)[:80]!r} is not a set of {', '.join(PARSE_OPTIONS)}")
    out = {}
    try:
        if options.get("publisher") is not None:
            if not isinstance(options["publisher"], str) or not 0 < len(options["publisher"]) <= 200:
                raise InvalidKey(f"publisher {str(options['publisher'])[:40]!r} is not a name")
            out["publisher"] = options["publisher"]
        if options.get("adcode") is not None:
            out["adcode"] = check_adcode(options["adcode"])
        if options.get("year") is not None:
            out["year"] = check_year(options["year"])
    except InvalidKey as exc:
        raise ArchiveError(f"{where}: {exc}") from None
    return out


@dataclass
class Document:
    url: str
    portal_id: str | None
    kind: str | None
    sha256: str
    content_type: str | None
    etag: str | None
    last_modified: str | None
    first_fetched_at: datetime  # when these bytes were first fetched (a 304 keeps it)
    last_checked_at: datetime
    final_url: str  # where the URL redirects (itself when it does not)


class Archive:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.problems: list[str] = []  # damaged index rows skipped by documents(), each named
        self._db = sqlite3.connect(self.root / "index.sqlite", check_same_thread=False, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._remove_stale_temporaries()

    def close(self) -> None:
        self._db.close()

    def object_path(self, sha: str) -> Path:
        """Where a body lives. The sha256 comes from the index, a file: anything but 64 hex digits (an edited
        ``../../etc/passwd``) is refused rather than read or written outside the archive."""
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
            raise ArchiveError(f"{self.root}/index.sqlite: {str(sha)[:80]!r} is not a sha256 (the index was edited "
                               "or damaged)")
        return self.root / "objects" / sha[:2] / sha

    def put_body(self, body: bytes) -> str:
        sha = hashlib.sha256(body).hexdigest()
        path = self.object_path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(body)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
            except BaseException:  # a full disk, a signal: no half-written body is left behind
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        return sha

    def _remove_stale_temporaries(self) -> None:
        """Temporary bodies a killed process left (older than an hour: none is being written now)."""
        old = time.time() - 3600
        for tmp in self.root.glob(f"objects/*/{TMP_PREFIX}*"):
            try:
                if tmp.stat().st_mtime < old:
                    tmp.unlink()
            except OSError:
                pass

    def body(self, sha: str) -> bytes:
        return self.object_path(sha).read_bytes()

    def record(self, resp: Response, portal_id: str | None = None, kind: str | None = None) -> str | None:
        """Log one response; keep its body and update the URL's document when it carries content."""
        sha = self.put_body(resp.body) if resp.outcome == "ok" else None
        now = resp.fetched_at.isoformat()
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO responses (url, requested_url, portal_id, kind, outcome, status, headers, sha256, bytes,"
                " fetched_at, elapsed_ms, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (resp.url, resp.requested_url, portal_id, kind, resp.outcome, resp.status,
                 json.dumps(resp.headers, ensure_ascii=False, sort_keys=True), sha, len(resp.body), now,
                 resp.elapsed_ms, resp.detail))
            for url in {resp.url, resp.requested_url}:
                if sha:
                    old = self._db.execute("SELECT sha256, first_fetched_at FROM documents WHERE url=?",
                                           (url,)).fetchone()
                    first = old[1] if old and old[0] == sha else now
                    self._db.execute(
                        "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?)",
                        (url, portal_id, kind, sha, resp.headers.get("content-type"), resp.headers.get("etag"),
                         resp.headers.get("last-modified"), first, now, resp.url))
                elif resp.outcome == "not_modified":
                    self._db.execute("UPDATE documents SET last_checked_at=? WHERE url=?", (now, url))
        return sha

    def document(self, url: str) -> Document | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM documents WHERE url=?", (url,)).fetchone()
        if not row:
            return None
        try:
            self.object_path(row[3])
            return Document(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                            datetime.fromisoformat(row[7]), datetime.fromisoformat(row[8]), row[9])
        except (TypeError, ValueError) as exc:
            raise ArchiveError(f"{self.root}/index.sqlite: the row of {str(url)[:80]} is damaged ({exc})") from None

    def latest_headers(self, url: str) -> dict[str, str]:
        """The headers of the newest response recorded for ``url`` with a body (empty when none)."""
        with self._lock:
            row = self._db.execute("SELECT headers FROM responses WHERE url=? AND sha256 IS NOT NULL "
                                   "ORDER BY id DESC LIMIT 1", (url,)).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def set_parse_options(self, url: str, options: dict) -> None:
        """Keep the options a user gave for this file (``nianbao parse --publisher …``), for reprocess."""
        options = check_parse_options(options)
        with self._lock, self._db:
            if options:
                self._db.execute("INSERT OR REPLACE INTO parse_options VALUES (?, ?)",
                                 (url, json.dumps(options, ensure_ascii=False, sort_keys=True)))
            else:
                self._db.execute("DELETE FROM parse_options WHERE url=?", (url,))

    def parse_options(self, url: str) -> dict:
        """The options a user gave for this file ({} when none); ArchiveError when the row was edited."""
        with self._lock:
            row = self._db.execute("SELECT options FROM parse_options WHERE url=?", (url,)).fetchone()
        if not row:
            return {}
        try:
            options = json.loads(row[0])
        except (TypeError, ValueError):
            raise ArchiveError(f"{self.root}/index.sqlite: the parse options of {url[:80]} are not JSON") from None
        return check_parse_options(options, f"{self.root}/index.sqlite: the parse options of {url[:80]}")

    def columns(self, portal_id: str, entry_url: str) -> list[str]:
        """The report columns an earlier run found from this entry page (its walk starts there)."""
        with self._lock:
            rows = self._db.execute("SELECT column_url FROM columns WHERE portal_id=? AND entry_url=? ORDER BY rowid",
                                    (portal_id, entry_url)).fetchall()
        return [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith(("http://", "https://"))]

    def set_columns(self, portal_id: str, entry_url: str, found: dict[str, list[str]]) -> None:
        """Record the columns found from an entry page, each with the pages that led there (replacing the
        earlier ones: a site that moved its column is followed, not remembered wrong)."""
        now = datetime.now(UTC).isoformat()
        with self._lock, self._db:
            self._db.execute("DELETE FROM columns WHERE portal_id=? AND entry_url=?", (portal_id, entry_url))
            self._db.executemany("INSERT OR REPLACE INTO columns VALUES (?,?,?,?,?)",
                                 [(portal_id, entry_url, url, json.dumps(path, ensure_ascii=False), now)
                                  for url, path in found.items()])

    def documents(self, kind: str | None = None) -> list[Document]:
        with self._lock:
            rows = self._db.execute("SELECT url FROM documents" + (" WHERE kind=?" if kind else "") + " ORDER BY url",
                                    (kind,) if kind else ()).fetchall()
        docs = []
        for (url,) in rows:
            try:
                doc = self.document(url)
            except ArchiveError as exc:  # an edited row costs that document, never the others
                self.problems.append(str(exc))
                continue
            if doc:
                docs.append(doc)
        return docs

    def count(self, outcome: str | None = None) -> int:
        with self._lock:
            q = "SELECT count(*) FROM responses" + (" WHERE outcome=?" if outcome else "")
            return self._db.execute(q, (outcome,) if outcome else ()).fetchone()[0]
