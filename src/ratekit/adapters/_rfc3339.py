"""RFC 3339 timestamps, for the feeds whose specification promises them.

ratekit's door for instants (`ratekit._instants.to_us`) also reads ISO 8601's extended
variants: a ``,`` before the fraction of a second, a space for ``T``, ``hh:mm`` without
seconds, offsets ``+hhmm``, ``+hh`` and ``+hh:mm:ss``. A feed whose specification says
RFC 3339 (CloudEvents' ``time``; the Cloud Controller's ``created_at``, written
``YYYY-MM-DDThh:mm:ssZ``) never writes those, so one that does is not that feed, and is
refused here before it is read, naming the record and the field.

RFC 3339's ``date-time`` (section 5.6): ``YYYY-MM-DD``, ``T``, ``hh:mm:ss``, an optional
fraction of any length after ``.``, then ``Z`` or ``+hh:mm``/``-hh:mm``; ``t`` and ``z``
may be lower case (its note to section 5.6). Its other note, that an application may
choose a space for ``T``, is no part of the grammar the two specifications name. What
the grammar accepts is then read by the door as usual, which refuses what no instant is:
hour 24, a leap second (``:60``, valid RFC 3339, which ratekit's POSIX time cannot
place), a day the month lacks, a fraction finer than a microsecond.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from ratekit._descriptions import plain_str
from ratekit.errors import BadRecordError

from . import _reading as r

__all__ = ["check"]

#: RFC 3339's date-time, exactly (the values of each field are the door's to check).
_DATE_TIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
#: A date and a time of ISO 8601's extended forms, to say which part is not RFC 3339's.
_PARTS: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?P<sep>[Tt ])[0-9]{2}:[0-9]{2}(?P<sec>:[0-9]{2})?"
    r"(?P<frac>[.,][0-9]+)?(?P<offset>[Zz]|[+-][0-9:]*)?"
)
_ACCEPTED: Final = (
    "a date, 'T', hh:mm:ss with an optional fraction of a second after '.', then 'Z' or "
    "an offset '+hh:mm' or '-hh:mm', like '2026-03-01T10:00:00.5Z' or "
    "'2026-03-01T11:00:00+01:00'"
)


def _why(text: str) -> str:
    """What in ``text`` is not RFC 3339, when it is an ISO 8601 form ratekit knows."""
    parts = _PARTS.fullmatch(text)
    if parts is None:
        return ""
    offset = parts.group("offset")
    if parts.group("sep") == " ":
        return ": a space separates its date and time, where RFC 3339's date-time has 'T'"
    if parts.group("sec") is None:
        return ": its time has no seconds, which RFC 3339 requires (hh:mm:ss)"
    if (parts.group("frac") or ".").startswith(","):
        return ": a ',' comes before its fraction of a second, where RFC 3339 allows only '.'"
    if offset is None:
        return ": it has no offset, which RFC 3339 requires ('Z' or '+hh:mm')"
    return f": its offset {offset!r} is not RFC 3339's 'Z', '+hh:mm' or '-hh:mm'"


def check(
    data: Mapping[str, object],
    key: str,
    position: r.Position,
    what: str,
    *,
    record: str,
    promise: str,
) -> None:
    """Refuse ``data[key]`` when it is a string but not an RFC 3339 date-time.

    ``record`` names the record (``"event id 'e-1'"``), ``promise`` the specification
    that promises RFC 3339 (``"CloudEvents requires"``). Anything else (absent, not a
    string, an aware datetime) is left to `_reading.instant`, which says what it is.
    Raises [`BadRecordError`][ratekit.BadRecordError]. O(length).
    """
    value = data.get(key)
    if not isinstance(value, str):
        return
    text = plain_str(value)
    if _DATE_TIME.fullmatch(text):
        return
    raise BadRecordError(
        f"{what} {r.at(position, key)} ({record}) is {r.show(text)}, not an RFC 3339 "
        f"timestamp as {promise}{_why(text)}. Write {_ACCEPTED}."
    )
