"""One-off download of a report URL for `nianbao parse URL`, through the polite client."""

from __future__ import annotations

from datetime import datetime

from nianbao.extractors.http import PoliteSession, redact


class FetchError(RuntimeError):
    """The URL could not be fetched (the message names it and says why)."""


def fetch_once(url: str) -> tuple[bytes, str, datetime, str | None]:
    """(body, final URL, fetch time, content type); robots.txt and size limits apply as in a crawl.

    The user named this URL, so it may be on a private address when it names that address itself (an
    intranet mirror, a test server: http://10.1.2.3/…). Messages never repeat a password the URL carries.
    """
    session = PoliteSession(delay=0.0, retries=2, backoff=0.5)
    session.allow_portal(url)
    resp = session.fetch(url)
    if not resp.ok:
        status = f" (HTTP {resp.status})" if resp.status else ""
        raise FetchError(f"{redact(url)}: {resp.outcome}{status}{': ' + resp.detail if resp.detail else ''}")
    return resp.body, resp.url, resp.fetched_at, resp.content_type
