"""Serve the sample portals on 127.0.0.1 (tests and `make demo`).

A real HTTP server with what the crawler must cope with: ETag and
Last-Modified validators answered with 304, a page that fails once with
500, a slow page, a 412 challenge, a redirect, and a request log (with
times) so tests can check robots and rate limits from the server's side.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from nianbao.sample_portal.site import Resource, _li, build_site

SLOW_SECONDS = 1.5


@dataclass
class LoggedRequest:
    at: float  # time.monotonic() when the request arrived
    method: str
    path: str
    headers: dict[str, str]
    status: int


class SamplePortal:
    """Start with .start(); .url is the base URL; .stop() when done (also a context manager)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, fallback_to_free_port: bool = True):
        self.site = build_site()
        self.modified: dict[str, str] = {}
        self.failed_once: set[str] = set()
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._started = formatdate(time.time() - 86400, usegmt=True)
        try:
            self.httpd = ThreadingHTTPServer((host, port), self._handler())
        except OSError:
            if not fallback_to_free_port:
                raise
            self.httpd = ThreadingHTTPServer((host, 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SamplePortal:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def change(self, path: str, body: bytes) -> None:
        """Re-publish a page with new content (new ETag and Last-Modified)."""
        with self._lock:
            self.site[path] = Resource(body, self.site[path].content_type)
            self.modified[path] = formatdate(time.time(), usegmt=True)

    def requests_to(self, prefix: str = "/") -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if r.path.startswith(prefix)]

    def _handler(self):
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):  # noqa: N802 (http.server's name)
                self._answer("GET")

            def do_POST(self):  # noqa: N802: Hanweb's dataproxy.jsp is called with POST, its parameters a form
                self._answer("POST")

            def _answer(self, method: str):
                arrived = time.monotonic()
                status = portal._serve(self, method)
                with portal._lock:
                    portal.log.append(LoggedRequest(arrived, method, self.path,
                                                    {k.lower(): v for k, v in self.headers.items()}, status))

        return Handler

    def _serve(self, h: BaseHTTPRequestHandler, method: str = "GET") -> int:
        parts = urlsplit(h.path)
        if parts.path == "/module/web/jpage/dataproxy.jsp":
            if method != "POST":  # as Hanweb installs that answer only the POST their own pages send
                return _send(h, 405, b"", "text/plain", {"Allow": "POST"})
            length = int(h.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(h.rfile.read(length).decode("utf-8", "replace")))
            return self._dataproxy(h, {**dict(parse_qsl(parts.query)), **form})
        if method != "GET":
            return _send(h, 405, b"", "text/plain", {"Allow": "GET"})
        res = self.site.get(h.path) or self.site.get(parts.path)
        if res is None:
            return _send(h, 404, b"<html><body>404 Not Found</body></html>", "text/html")
        if res.behaviour.startswith("redirect:"):
            return _send(h, 301, b"", "text/html", {"Location": res.behaviour.split(":", 1)[1]})
        if res.behaviour == "fail_once" and h.path not in self.failed_once:
            self.failed_once.add(h.path)
            return _send(h, 500, b"<html><body>Internal Server Error</body></html>", "text/html")
        if res.behaviour == "slow":
            time.sleep(SLOW_SECONDS)
        etag = '"' + hashlib.sha1(res.body).hexdigest()[:16] + '"'
        last_modified = self.modified.get(parts.path, self._started)
        if res.status == 200 and h.headers.get("If-None-Match") == etag:
            return _send(h, 304, b"", None, {"ETag": etag, "Last-Modified": last_modified})
        return _send(h, res.status, res.body, res.content_type, {"ETag": etag, "Last-Modified": last_modified})

    def _dataproxy(self, h: BaseHTTPRequestHandler, q: dict[str, str]) -> int:
        import json

        res = self.site.get("hanweb-proxy:" + q.get("columnid", ""))
        if res is None:
            return _send(h, 404, b"", "text/xml")
        entries = json.loads(res.body)
        start, end = int(q.get("startrecord", 1)), int(q.get("endrecord", len(entries)))
        records = "".join(f"<record><![CDATA[{_li(*e)}]]></record>" for e in entries[start - 1:end])
        body = f'<?xml version="1.0" encoding="UTF-8"?><datastore><recordset>{records}</recordset></datastore>'.encode()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if h.headers.get("If-None-Match") == etag:
            return _send(h, 304, b"", None, {"ETag": etag})
        return _send(h, 200, body, "text/xml; charset=utf-8", {"ETag": etag})


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str | None, extra: dict | None = None) -> int:
    h.send_response(status)
    if ctype:
        h.send_header("Content-Type", ctype)
    for k, v in (extra or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if body:
        h.wfile.write(body)
    return status


def registry_rows(base_url: str, delay: float = 0.05) -> list[dict]:
    """Registry entries pointing at a running sample portal (what the demo and the tests crawl)."""
    from nianbao.sample_portal.site import load_spec

    rows = []
    for p in load_spec()["portals"]:
        entry = p.get("home") or p["column"]
        rows.append({"id": p["id"], "publisher": p["publisher"], "adcode": p["adcode"], "entry_url": base_url + entry,
                     "delay": str(delay), "max_connections": "2", "encoding": "", "enabled": "true",
                     "verified": "sample", "notes": f"bundled sample portal ({p['style']})"})
    return rows


def main(argv: list[str] | None = None) -> None:
    """Serve the sample portals by hand and write a registry pointing at them, to crawl them yourself."""
    import argparse
    import csv

    ap = argparse.ArgumentParser(prog="python -m nianbao.sample_portal.server", description=main.__doc__)
    ap.add_argument("--port", type=int, default=8765, help="the port to serve on (default 8765)")
    ap.add_argument("--registry", default="sample_portals.csv", help="where to write the registry CSV")
    args = ap.parse_args(argv)
    with SamplePortal(port=args.port) as sp:
        rows = registry_rows(sp.url)
        with open(args.registry, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        print(f"sample portals on {sp.url}; registry written to {args.registry}. In another shell:\n"
              f"  nianbao crawl --registry {args.registry} --out out\n(Ctrl-C stops the portals)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
