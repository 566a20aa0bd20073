"""Reading what a user names on the command line: a file or an http(s) URL, as bytes with their source."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

MAX_INPUT_BYTES = 20 * 1024 * 1024  # one report; the crawler caps downloads at the same size


class InputError(Exception):
    """An input that cannot be read at all (missing file, failed download)."""


def read_input(path_or_url: str) -> tuple[bytes, str, datetime, str | None]:
    """Bytes, source_url, fetched_at and content type of a file or URL."""
    if path_or_url.startswith(("http://", "https://")):
        from nianbao.extractors.fetch import FetchError, fetch_once

        try:
            return fetch_once(path_or_url)
        except FetchError as exc:
            raise InputError(str(exc)) from None
    p = Path(path_or_url)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"{path_or_url}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path_or_url}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path_or_url}: is a directory (use --out to parse a directory)")
    if not stat.S_ISREG(st.st_mode):  # a FIFO would hang, /dev/zero never ends
        raise InputError(f"{path_or_url}: not a regular file")
    if st.st_size > MAX_INPUT_BYTES:
        raise InputError(f"{path_or_url}: {st.st_size / 2**20:.0f} MB, over the {MAX_INPUT_BYTES // 2**20} MB limit "
                         "for one report")
    try:
        with open(p, "rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)  # the file may have grown since stat
    except OSError as exc:
        raise InputError(f"{path_or_url}: {exc.strerror}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{path_or_url}: over the {MAX_INPUT_BYTES // 2**20} MB limit for one report")
    mtime = datetime.fromtimestamp(st.st_mtime, tz=UTC)
    return data, p.resolve().as_uri(), mtime, None
