"""The values that become directory names: report years, adcodes and portal ids, checked at every entry point.

A year like 99999, an adcode of non-ASCII digits or a portal id like ../x
would become a partition or archive folder that breaks readers or escapes
the store, so each is refused with a message naming the bad value.
"""

from __future__ import annotations

import re
from datetime import date

FIRST_YEAR = 2008  # the first reports under the 2008 regulations
_ADCODE = re.compile(r"[0-9]{6}")
_PORTAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


class InvalidKey(ValueError):
    """A year, adcode or portal id that cannot name a partition or folder."""


def last_year() -> int:
    """Reports describe a finished year; next year's is allowed for clocks and time zones ahead of ours."""
    return date.today().year + 1


def check_year(year, what: str = "year") -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise InvalidKey(f"{what} {year!r} is not a year") from None
    if isinstance(year, str) and not year.strip().isascii():
        raise InvalidKey(f"{what} {year!r} is not a year in ASCII digits")
    if not FIRST_YEAR <= value <= last_year():
        raise InvalidKey(f"{what} {value} is outside {FIRST_YEAR}–{last_year()}")
    return value


def check_adcode(adcode: str, what: str = "adcode") -> str:
    if not isinstance(adcode, str) or not _ADCODE.fullmatch(adcode):
        raise InvalidKey(f"{what} {adcode!r} is not a 6-digit region code (ASCII digits)")
    return adcode


def check_portal_id(portal_id: str) -> str:
    if not isinstance(portal_id, str) or not _PORTAL_ID.fullmatch(portal_id) or ".." in portal_id:
        raise InvalidKey(f"portal id {portal_id!r} is not a safe name (letters, digits, _ . -; no '..')")
    if portal_id == "local":
        raise InvalidKey("portal id 'local' is reserved for the files given to `nianbao parse --out`")
    return portal_id
