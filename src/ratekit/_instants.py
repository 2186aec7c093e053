"""The one conversion point between friendly instants and ratekit's internal ones.

Inside ratekit an instant is an ``int``: microseconds since 1970-01-01T00:00:00Z. That
makes comparisons and durations plain integer operations (0.04 µs instead of 7-15 µs
for pendulum arithmetic) and makes DST irrelevant to durations: the difference of two
instants is always elapsed time.

At the door, `to_us()` accepts an aware `datetime.datetime` (stdlib or
pendulum) or an ISO-8601 string with an offset or ``Z``. Naive datetimes and strings
without an offset are rejected: a billing library must not guess a timezone.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Final

from ._shown import show
from .errors import BadSpanError, BadTimeError, RatekitTypeError

__all__ = [
    "EPOCH",
    "US_PER_DAY",
    "US_PER_HOUR",
    "US_PER_SECOND",
    "check_us",
    "exact_us",
    "format_us",
    "format_when",
    "from_us",
    "to_us",
]

UTC: Final = _dt.UTC
EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH: Final = EPOCH.replace(tzinfo=None)
US_PER_SECOND: Final = 1_000_000
US_PER_MINUTE: Final = 60 * US_PER_SECOND
US_PER_HOUR: Final = 3_600 * US_PER_SECOND
US_PER_DAY: Final = 86_400 * US_PER_SECOND
EPOCH_ORDINAL: Final = EPOCH.toordinal()
ONE_US: Final = _dt.timedelta(microseconds=1)

#: A decimal fraction of a second (of the time or of the offset): ``.5``, ``,123456789``.
_FRACTION: Final = re.compile(r"[.,](\d+)")
_US_DIGITS: Final = 6

#: The smallest and largest instants ratekit represents (datetime's own range, in UTC).
MIN_US: Final = (_dt.datetime.min.replace(tzinfo=UTC) - EPOCH) // ONE_US
MAX_US: Final = (_dt.datetime.max.replace(tzinfo=UTC) - EPOCH) // ONE_US


def datetime_to_us(value: _dt.datetime, what: str = "instant") -> int:
    """Microseconds since the epoch of an aware datetime (exact; honours ``fold``).

    ```pycon
    >>> datetime_to_us(_dt.datetime(2026, 3, 1, 1, tzinfo=_dt.timezone(_dt.timedelta(hours=1))))
    1772323200000000

    ```
    """
    try:
        offset = value.utcoffset()
    except Exception as error:  # a hand-written tzinfo's own failure: named, not leaked
        if type(value).__name__ == "NaTType":
            # pandas' missing instant: a datetime subclass whose utcoffset() raises
            raise BadTimeError(
                f"{what} is pandas' NaT, a missing instant; give an aware datetime or an "
                "ISO-8601 string with an offset, e.g. '2026-03-01T00:00:00Z' (drop the "
                "rows with a missing time first, e.g. frame.dropna(subset=[...]))."
            ) from None
        local = value.replace(tzinfo=None).isoformat()
        raise BadTimeError(
            f"{what} {local!r} (tzinfo {type(value.tzinfo).__name__}): its tzinfo's "
            f"utcoffset() raised {type(error).__name__}: "
            f"{error}; give it a zoneinfo.ZoneInfo (such as ZoneInfo('Europe/Zurich')) or a "
            "datetime.timezone."
        ) from error
    if offset is None:
        raise BadTimeError(
            f"{what} {value.isoformat()!r} is a naive datetime; ratekit compares instants, "
            "so give it a timezone, e.g. datetime(..., tzinfo=datetime.UTC) or "
            "pendulum.datetime(..., tz='Europe/Zurich')."
        )
    nanoseconds = getattr(value, "nanosecond", 0) if type(value) is not _dt.datetime else 0
    if nanoseconds:
        # A pandas Timestamp keeps nanoseconds that ``microsecond`` does not show.
        raise BadTimeError(
            f"{what} {show(value)} has a fraction of a second finer than a microsecond "
            f"({nanoseconds} ns past the microsecond); ratekit keeps instants to the "
            "microsecond and drops no digit, so round it first, e.g. timestamp.floor('us')."
        )
    days = value.toordinal() - EPOCH_ORDINAL
    seconds = days * 86_400 + value.hour * 3_600 + value.minute * 60 + value.second
    us = seconds * US_PER_SECOND + value.microsecond - offset // ONE_US
    if not MIN_US <= us <= MAX_US:
        raise BadTimeError(
            f"{what} {value.isoformat()!r} lies outside the instants ratekit represents "
            f"({format_us(MIN_US)} to {format_us(MAX_US)}) once converted to UTC."
        )
    return us


def check_fraction(text: str, what: str) -> None:
    """Refuse an ISO-8601 text whose fraction of a second is finer than a microsecond.

    Extra digits that are zeros are exact and pass; ``fromisoformat`` would drop the
    others silently. Raises [`BadTimeError`][ratekit.BadTimeError] naming the value.

    ```pycon
    >>> check_fraction("2026-03-01T00:00:00.1234560Z", "at")

    ```
    """
    for fraction in _FRACTION.findall(text):
        if fraction[_US_DIGITS:].strip("0"):
            raise BadTimeError(
                f"{what} {show(text)} has a fraction of a second finer than a microsecond "
                f"(.{show(fraction)[1:-1]}); ratekit keeps instants to the microsecond and drops "
                f"no digit, so give at most {_US_DIGITS} decimals (or zeros after them)."
            )


#: The text of an instant ratekit reads (RFC 3339, with ISO 8601's extended variants): a
#: date ``YYYY-MM-DD``; ``T`` (or ``t`` or one space); ``hh:mm``, ``hh:mm:ss`` or
#: ``hh:mm:ss.f`` (a fraction of at least one digit, after ``.`` or ``,``); then ``Z`` (or
#: ``z``) or an offset ``±hh:mm``, ``±hhmm``, ``±hh`` or ``±hh:mm:ss`` (whole seconds), or
#: nothing (refused later: no offset, as is a date alone). ASCII digits only, nothing
#: before or after.
_INSTANT_TEXT: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
    r"(?:[Zz]|[+-][0-9]{2}(?::[0-9]{2}(?::[0-9]{2})?|[0-9]{2})?)?)?"
)
#: What the refusal of an instant's text says is accepted.
_INSTANT_FORMS: Final = (
    "write it as RFC 3339: a date, 'T', a time (a fraction of a second after '.', to "
    "the microsecond), then 'Z' or an offset of whole minutes or seconds, with nothing "
    "around it, like '2026-03-01T00:00:00Z' or '2026-03-01T01:00:00.5+01:00'"
)
#: An offset whose minutes or seconds are 60 or more (``+05:60``, ``+0560``, ``+05:30:99``),
#: which datetime would read as a larger offset (``+06:00``).
_OFFSET_PAST_60: Final = re.compile(r"[+-]\d\d(?::?[6-9]\d(?::\d\d)?|:\d\d:[6-9]\d)$")
#: An offset of 24 hours or more (``+24:00``), which no zone has and datetime refuses.
_OFFSET_24: Final = re.compile(r"[+-](?:2[4-9]|[3-9]\d)(?::?\d\d(?::\d\d)?)?$")
#: A time of day at second 60 (``23:59:60``): a leap second, valid RFC 3339.
_LEAP_SECOND: Final = re.compile(r"[T t]\d\d:\d\d:60(?:[.,]\d+)?(?:[zZ]|[+-]\d\d|$)")


def _as_utc(parsed: _dt.datetime, text: str, what: str) -> _dt.datetime:
    """``parsed``, read from ``text`` without an offset, as UTC; a date alone is refused."""
    if len(text) == len("YYYY-MM-DD"):  # a day, which starts at no one instant
        raise BadTimeError(
            f"{what} {show(text)} is a date without a time of day, not an instant; "
            f"write its time, like '{text}T00:00:00' (read as UTC)."
        )
    return parsed.replace(tzinfo=_dt.UTC)


def to_us(value: object, what: str = "instant", *, naive_utc: bool = False) -> int:
    """Convert an aware datetime or an ISO-8601 string with an offset to epoch microseconds.

    ``what`` names the value in error messages (``"Span start"``, ``"event 'e1' at"``).
    A string is RFC 3339 (`_INSTANT_TEXT` says precisely what is read): no blanks around
    it, no fraction in its offset (which may have whole seconds, ``+05:30:15``); a
    fraction of a second finer than a microsecond raises
    [`BadTimeError`][ratekit.BadTimeError] unless its extra digits are zeros (nothing is
    silently dropped). With ``naive_utc`` (the adapters' option, for feeds that write UTC
    without saying so), a string of that shape without an offset is read as UTC; every
    other shape is refused as without it, and so is a date without a time of day.

    ```pycon
    >>> to_us("2026-03-01T00:00:00Z")
    1772323200000000
    >>> to_us("2026-03-01T01:00:00+01:00")
    1772323200000000

    ```
    """
    if isinstance(value, _dt.datetime):
        return datetime_to_us(value, what)
    if isinstance(value, str):
        value = str.__str__(value)  # its text: a subclass's own methods stay out
        check_fraction(value, what)
        if _INSTANT_TEXT.fullmatch(value) is None:
            blanks = " (it has blanks around it)" if value != value.strip() else ""
            raise BadTimeError(
                f"{what} {show(value)} is not an instant ratekit reads{blanks}; {_INSTANT_FORMS}."
            )
        past = _OFFSET_PAST_60.search(value)
        if past is not None:
            raise BadTimeError(
                f"{what} {show(value)} has the offset {past.group()!r}, whose minutes or seconds "
                "are 60 or more; an offset is '+hh:mm' (or '+hh:mm:ss') with minutes and "
                "seconds from 00 to 59, like '+05:30'."
            )
        try:
            parsed = _dt.datetime.fromisoformat(value.upper())  # "t" and "z" as RFC 3339
        except ValueError:
            if _LEAP_SECOND.search(value):
                raise BadTimeError(
                    f"{what} {show(value)} is a leap second (second 60), which ratekit cannot "
                    "place: it counts time as POSIX time, without leap seconds. Write the "
                    "instant as second 59 or as the next minute's second 0."
                ) from None
            offset = _OFFSET_24.search(value)
            if offset is not None:
                raise BadTimeError(
                    f"{what} {show(value)} has the offset {offset.group()!r}, of 24 hours or "
                    "more; an offset is less than 24 hours, like '+05:30' or '-23:00'."
                ) from None
            if value.startswith("0000-"):
                raise BadTimeError(
                    f"{what} {show(value)} is written in year 0000, before the first date "
                    "ratekit reads (0001-01-01); write the instant in UTC, like "
                    "'0001-01-01T00:00:00Z'."
                ) from None
            raise BadTimeError(
                f"{what} {show(value)} is not an instant ratekit reads (no such date or "
                f"time); {_INSTANT_FORMS}."
            ) from None
        if parsed.utcoffset() is None and naive_utc:
            parsed = _as_utc(parsed, value, what)
        if parsed.utcoffset() is None:
            raise BadTimeError(
                f"{what} {show(value)} has no UTC offset; ratekit compares instants, so write it "
                f"with an offset or 'Z', e.g. '{parsed.isoformat()}Z'."
            )
        return datetime_to_us(parsed, what)
    if isinstance(value, _dt.date):
        raise BadTimeError(
            f"{what} {show(value)} is a date, not an instant; a day starts at a different "
            "instant in every timezone, so give an aware datetime."
        )
    hint = ""
    if isinstance(value, int) and not isinstance(value, bool):
        # the lean path's instants are epoch microseconds: say how to give one
        hint = (
            "; for an epoch time n, give datetime(1970, 1, 1, tzinfo=timezone.utc) + "
            "timedelta(seconds=n), or timedelta(microseconds=n) for microseconds"
        )
    raise RatekitTypeError(
        f"{what} must be an aware datetime or an ISO-8601 string with an offset, "
        f"not {type(value).__name__}: {show(value)}{hint}."
    )


def from_us(us: int) -> _dt.datetime:
    """The aware UTC datetime of an instant in epoch microseconds.

    ```pycon
    >>> from_us(1772323200000000).isoformat()
    '2026-03-01T00:00:00+00:00'

    ```
    """
    try:
        return EPOCH + _dt.timedelta(microseconds=us)
    except OverflowError:
        raise BadTimeError(
            f"instant {us} µs since the epoch is outside the instants ratekit represents "
            f"({MIN_US} to {MAX_US} µs, that is 0001-01-01 to 9999-12-31 in UTC)."
        ) from None


def format_us(us: int) -> str:
    """A compact ISO-8601 UTC text of an instant, for reprs and messages.

    Microseconds are shown only when present.

    ```pycon
    >>> format_us(1772323200000000)
    '2026-03-01T00:00:00Z'
    >>> format_us(1772323200000001)
    '2026-03-01T00:00:00.000001Z'

    ```
    """
    # isoformat, unlike strftime("%Y"), pads years before 1000 to four digits. Naive, as
    # it is written: no aware datetime made, then its zone dropped (anomaly messages
    # write two or three instants each).
    try:
        return (_NAIVE_EPOCH + _dt.timedelta(microseconds=us)).isoformat() + "Z"
    except OverflowError:
        from_us(us)  # raises the error that names ratekit's range of instants
        raise


def format_when(lo: int, hi: int) -> str:
    """``[lo, hi)`` (an assignment's span) as the user gave it: open sides unsaid.

    ```pycon
    >>> format_when(MIN_US, 1772323200000000), format_when(1772323200000000, MAX_US)
    ('until 2026-03-01T00:00:00Z', 'from 2026-03-01T00:00:00Z')

    ```
    """
    if lo == MIN_US:
        return "always" if hi == MAX_US else f"until {format_us(hi)}"
    return f"from {format_us(lo)}" + ("" if hi == MAX_US else f" until {format_us(hi)}")


def check_us(value: object, what: str) -> int:
    """``value`` when it is an ``int`` of epoch microseconds within ratekit's instants.

    The microsecond fast paths (``Span.from_us``, ``Timeline.set_us``, the cycles'
    ``boundaries_us`` and ``containing_us``, the windows' ``within_us``) test
    ``type(x) is int`` and the range inline, which costs a few tens of nanoseconds, and
    call this only to raise the error: a ``float``, ``bool`` or ``Decimal`` is a
    [`RatekitTypeError`][ratekit.RatekitTypeError], an int outside `MIN_US` .. `MAX_US`
    a [`BadTimeError`][ratekit.BadTimeError]. An ``int`` subclass (an ``IntEnum``, a
    library's own int) is taken by its exact value (``int.__index__``), as every int door
    takes it, and that exact ``int`` is returned: callers go on with the return value.

    ```pycon
    >>> check_us(0, "t_us")
    0
    >>> check_us(1.5, "Span.from_us start_us")
    Traceback (most recent call last):
    ...
    ratekit.RatekitTypeError: Span.from_us start_us must be an int of microseconds since the epoch, not float: 1.5.

    ```
    """
    if type(value) is not int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise RatekitTypeError(
                f"{what} must be an int of microseconds since the epoch, "
                f"not {type(value).__name__}: {show(value)}."
            )
        value = int.__index__(value)  # the exact int: a subclass's comparisons may say anything
    if not MIN_US <= value <= MAX_US:
        raise BadTimeError(
            f"{what} {show(value)} µs lies outside the instants ratekit represents "
            f"({MIN_US} to {MAX_US} µs since the epoch, that is {format_us(MIN_US)} to "
            f"{format_us(MAX_US)})."
        )
    return value


def exact_us(value: object, what: str) -> int:
    """``value`` as the exact ``int`` it holds, its range left to the caller's own check.

    For the fast paths that test only ``type(x) is int`` inline and judge the range
    themselves (a calendar's or a window's own refusal of an instant it cannot compute):
    an ``int`` subclass goes on as its exact value (``int.__index__``) to the same checks
    a plain int meets; anything else is `check_us`'s [`RatekitTypeError`][ratekit.RatekitTypeError].

    ```pycon
    >>> import enum
    >>> class Mark(enum.IntEnum):
    ...     FAR = 10**20
    >>> exact_us(Mark.FAR, "t_us"), type(exact_us(Mark.FAR, "t_us"))
    (100000000000000000000, <class 'int'>)

    ```
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__index__(value)
    return check_us(value, what)


def check_pair_us(
    start_us: object, end_us: object, what: str, span: str = "span"
) -> tuple[int, int]:
    """``(start_us, end_us)`` checked by `check_us()`, with ``start_us <= end_us``.

    ``what`` names the method, ``span`` the span in the message of a reversed pair.

    ```pycon
    >>> check_pair_us(5, 3, "Span.from_us", "Span")
    Traceback (most recent call last):
    ...
    ratekit.BadSpanError: Span end 1970-01-01T00:00:00.000003Z comes before its start 1970-01-01T00:00:00.000005Z; a span is [start, end) with start <= end.

    ```
    """
    start = check_us(start_us, f"{what} start_us")
    end = check_us(end_us, f"{what} end_us")
    if end < start:
        raise BadSpanError(
            f"{span} end {format_us(end)} comes before its start {format_us(start)}; "
            "a span is [start, end) with start <= end."
        )
    return start, end
