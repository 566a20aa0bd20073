"""One-off download of a report URL for `nianbao parse URL`."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

USER_AGENT = "nianbao/0.1 (+https://github.com/nianbao/nianbao; open-data research crawler)"
MAX_BYTES = 20 * 1024 * 1024


def fetch_once(url: str, timeout: float = 30.0) -> tuple[bytes, str, datetime, str | None]:
    from flows.cli import InputError

    try:
        resp = requests.get(url, headers={"User-Agent": USER_AGENT}, timeout=timeout, stream=True)
        resp.raise_for_status()
        chunks, size = [], 0
        for chunk in resp.iter_content(65536):
            size += len(chunk)
            if size > MAX_BYTES:
                raise InputError(f"{url}: larger than {MAX_BYTES} bytes")
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise InputError(f"{url}: {type(exc).__name__}: {exc}".splitlines()[0]) from None
    return b"".join(chunks), url, datetime.now(UTC), resp.headers.get("Content-Type")
