"""Timezones: the one door (`zone()`), their names, and calls into their offsets.

Every public door that takes a timezone (cycles, windows, ``Plan(tz=...)``,
``bill(tz=...)``, ``Rater(tz=...)``, plan data, exports) reads it through `zone()`, or
through `portable_name()` where it keeps the zone as text. A ``ZoneInfo`` that `zone()`
keeps as it is (read from a file, or a subclass) runs code ratekit did not write: `zone()`
tries its offsets at a few instants before it is trusted (`probe()`), and calendars ask
its offsets through `offset_at()` and `local_at()`, which turn whatever it raises or
returns amiss into a [`BadTimeError`][ratekit.BadTimeError] naming the zone.
"""

from __future__ import annotations

import datetime as _dt
import re
import zoneinfo
from typing import Final

from ._instants import EPOCH, ONE_US, format_us
from ._text import plain_choice
from .errors import BadCalendarError, BadTimeError, RatekitTypeError

__all__ = [
    "ACCEPTED_ZONES",
    "from_zone",
    "local_at",
    "offset_at",
    "offset_change_us",
    "portable_name",
    "probe",
    "raised",
    "utc_offset_us",
    "zone",
    "zone_failed",
    "zone_key",
    "zone_name",
]

_UTC: Final = _dt.UTC

#: What an IANA key looks like: ASCII words joined by "/" ("America/Argentina/Salta",
#: "Etc/GMT+1"), at most 64 characters. Anything else is refused before the file system
#: is asked (a 300-character name made zoneinfo raise OSError; "Europe" is a directory).
_IANA_KEY: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,3}")
_IANA_KEY_MAX: Final = 64
_IANA_ADVICE: Final = "give one such as 'Europe/Zurich', 'America/New_York' or 'UTC'"

#: The timezones ratekit accepts, as its errors list them.
ACCEPTED_ZONES: Final = (
    "an IANA name such as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset "
    "such as 'UTC+05:45'"
)
_NAME_ADVICE: Final = f"give {ACCEPTED_ZONES}"
_ZONE_ADVICE: Final = f"{_NAME_ADVICE} (as text, a zoneinfo.ZoneInfo or a datetime.timezone)"
_KEPT_ADVICE: Final = (
    f"{_NAME_ADVICE} (as text, a zoneinfo.ZoneInfo of an IANA key or a datetime.timezone)"
)


def _shown(value: object) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 80 else text[:60] + "..."


def _unknown_zone(tz: object, what: str) -> BadCalendarError:
    return BadCalendarError(
        f"{what} {_shown(tz)} is not a known IANA timezone name; {_NAME_ADVICE}."
    )


#: Names a zone directory may hold that are no portable IANA zone: ``localtime`` is the
#: host's own zone (another on every machine), ``posixrules`` the host's default rules,
#: ``Factory`` a placeholder of no place; ``posix/`` and ``right/`` are copies of the
#: database some hosts add (``right/`` counting leap seconds).
_HOST_ZONES: Final = frozenset({"localtime", "posixrules", "factory"})
_HOST_PREFIXES: Final = ("posix/", "right/")


def _not_portable(name: str, tz: object, what: str) -> None:
    folded = name.lower()
    if folded in _HOST_ZONES or folded.startswith(_HOST_PREFIXES):
        raise BadCalendarError(
            f"{what} {_shown(tz)} is not a portable IANA timezone name (it depends on the "
            f"host machine or names no place); {_IANA_ADVICE}: a zone of the IANA database, "
            "the same on every machine."
        )


def _named_zone(name: str, tz: object, what: str) -> zoneinfo.ZoneInfo:
    if len(name) > _IANA_KEY_MAX or not _IANA_KEY.fullmatch(name):
        raise _unknown_zone(tz, what)
    _not_portable(name, tz, what)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise _unknown_zone(tz, what) from None


#: How ratekit names a fixed offset ("UTC+05:45", "UTC-03:30:15"), and reads it back.
_OFFSET_NAME: Final = re.compile(r"UTC([+-])([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{6}))?)?")


def _fixed(name: str, tz: object, what: str) -> _dt.timezone | None:
    """The fixed offset a name as `zone_name()` writes it stands for (None: not one)."""
    found = _OFFSET_NAME.fullmatch(name)
    if found is None:
        return None
    sign, hours, minutes, seconds, micros = found.groups()
    offset = _dt.timedelta(
        hours=int(hours),
        minutes=int(minutes),
        seconds=int(seconds or 0),
        microseconds=int(micros or 0),
    )
    if not offset or offset >= _dt.timedelta(hours=24) or max(int(minutes), int(seconds or 0)) > 59:
        raise BadCalendarError(
            f"{what} {_shown(tz)} is not a fixed offset ratekit reads: one is written "
            "'UTC+HH:MM' (or with ':SS'), not zero (write 'UTC') and less than 24 hours; "
            f"or {_IANA_ADVICE}."
        )
    return _dt.timezone(-offset if sign == "-" else offset)


def zone(tz: object, what: str) -> _dt.tzinfo:
    """The timezone of a name or of a timezone object: the one door for zones.

    Accepted:

    - an IANA name (``"Europe/Zurich"``, ``"UTC"``, ``"Etc/GMT-1"``), portable: the
      host's ``"localtime"`` and ``"posixrules"``, ``"Factory"`` and the ``posix/`` and
      ``right/`` copies are refused, their meaning changing from machine to machine;
    - a `zoneinfo.ZoneInfo`, including pendulum's timezones (a subclass): one
      with an IANA key becomes the shared ``ZoneInfo`` of that key, so equal zones compare
      equal; one read from a file under another key (or none) is kept as it is, once
      `probe()` has tried its offsets: it runs code ratekit did not write;
    - a fixed offset: `datetime.timezone` (a zero offset, ``datetime.UTC`` or not,
      becomes ``ZoneInfo("UTC")``; another drops its name) or ``pendulum.FixedTimezone`` (becomes a ``datetime.timezone``),
      or its name as `zone_name()` writes it (``"UTC+05:45"``), whatever name the
      ``datetime.timezone`` was given (``timezone(timedelta(hours=1), "CET")`` is
      ``"UTC+01:00"``, never the IANA zone ``"CET"`` with its summer time).

    Refused with [`BadCalendarError`][ratekit.BadCalendarError]: unknown or malformed names (checked
    by shape before any file is read: a 300-character name made zoneinfo raise
    ``OSError``), hand-written tzinfo classes, whose offsets ratekit cannot trust, and a
    ``ZoneInfo`` kept as it is whose offsets fail when tried; other types raise [`RatekitTypeError`][ratekit.RatekitTypeError]. ``what`` names the value in
    errors.

    ```pycon
    >>> zone("Europe/Zurich", "tz")
    zoneinfo.ZoneInfo(key='Europe/Zurich')
    >>> zone("a" * 300, "daily tz")
    Traceback (most recent call last):
    ...
    ratekit.BadCalendarError: daily tz 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa... is not a known IANA timezone name; give an IANA name such as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45'.

    ```
    """
    tz = plain_choice(tz)  # a str subclass is the name it holds (its __eq__ left out)
    if isinstance(tz, str) or tz is _UTC:
        fixed = _fixed(tz, tz, what) if isinstance(tz, str) else None
        if fixed is not None:
            return fixed
        return _named_zone(tz if isinstance(tz, str) else "UTC", tz, what)
    if isinstance(tz, zoneinfo.ZoneInfo):
        key: object = tz.key
        if isinstance(key, str):
            _not_portable(key, tz, what)
        try:
            if isinstance(key, str):
                return _named_zone(key, tz, what)
        except BadCalendarError:
            pass  # read from a file under a key of its own
        probe(tz, what)  # kept as it is: its offsets are tried before it is trusted
        return tz
    if isinstance(tz, _dt.timezone):
        # Named by its offset, never by the name it was given: zero is UTC itself, so
        # that timezone(timedelta(0), "GMT") and "UTC" make equal cycles and plans.
        shift = tz.utcoffset(None)
        return _dt.timezone(shift) if shift else _named_zone("UTC", tz, what)
    if isinstance(tz, _dt.tzinfo):
        offset = getattr(tz, "offset", None)
        if type(tz).__name__ == "FixedTimezone" and isinstance(offset, int):
            try:
                return _dt.timezone(_dt.timedelta(seconds=offset))
            except (ValueError, OverflowError):
                pass
        raise BadCalendarError(
            f"{what} {_shown(tz)} is a tzinfo ratekit cannot trust (not a zoneinfo.ZoneInfo "
            f"nor a fixed datetime.timezone); {_ZONE_ADVICE}."
        )
    if tz is None:
        raise RatekitTypeError(
            f"{what} is None; ratekit never guesses a timezone, so {_ZONE_ADVICE}."
        )
    raise RatekitTypeError(
        f"{what} must be a timezone, not {type(tz).__name__}: {_shown(tz)}; {_ZONE_ADVICE}."
    )


def zone_key(tz: object) -> object:
    """What a timezone value compares by: equal for values `zone()` reads as one zone.

    ``"Europe/Zurich"`` and ``ZoneInfo("Europe/Zurich")``, ``"UTC+05:45"`` and
    ``timezone(timedelta(hours=5, minutes=45))``, ``"UTC"`` and ``datetime.UTC`` compare
    equal; None (and a value `zone()` refuses) compares as itself.

    ```pycon
    >>> zone_key("UTC+05:45") == zone_key(_dt.timezone(_dt.timedelta(hours=5, minutes=45)))
    True

    ```
    """
    if tz is None:
        return None
    try:
        resolved = zone(tz, "tz")
    except (BadCalendarError, RatekitTypeError):
        return tz
    if isinstance(resolved, _dt.timezone) and not resolved.utcoffset(None):
        return zone("UTC", "tz")
    return resolved


def zone_name(tz: _dt.tzinfo) -> str:
    """A short name for a tzinfo that `zone()` reads back (its IANA key when it has one).

    A fixed offset is named by its offset (``"UTC+05:45"``), not by the name its
    ``datetime.timezone`` was given; a ``ZoneInfo`` read from a file without a key is
    named by ``str()`` (for reprs: `portable_name()` refuses it).

    ```pycon
    >>> zone_name(zone("UTC", "tz"))
    'UTC'
    >>> zone_name(_dt.timezone(-_dt.timedelta(hours=3, minutes=30), "NST"))
    'UTC-03:30'

    ```
    """
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    if isinstance(tz, _dt.timezone):
        offset = tz.utcoffset(None)
        if not offset:
            return "UTC"
        sign = "-" if offset < _dt.timedelta(0) else "+"
        seconds, micros = divmod(abs(offset) // _dt.timedelta(microseconds=1), 1_000_000)
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        text = f"UTC{sign}{hours:02d}:{minutes:02d}"
        if seconds or micros:
            text += f":{seconds:02d}" + (f".{micros:06d}" if micros else "")
        return text
    return str(tz)


def portable_name(tz: object, what: str) -> str:
    """The name of a timezone kept as text (an invoice's, a snapshot's): read back alike.

    Through `zone()`; a ``ZoneInfo`` read from a file under no IANA key has no name that
    another process reads back: refused with [`BadCalendarError`][ratekit.BadCalendarError].
    """
    name = zone_name(zone(tz, what))
    try:
        zone(name, what)
    except BadCalendarError:
        raise BadCalendarError(
            f"{what} {_shown(tz)} has no name ratekit can keep and read back (a ZoneInfo "
            f"read from a file has no IANA key); {_KEPT_ADVICE}."
        ) from None
    return name


#: Instants (UTC) at which `probe()` tries a zone kept as it is: the epoch, a winter
#: and a summer of either hemisphere, and far from now.
_PROBES: Final = tuple(
    _dt.datetime(*when, tzinfo=_UTC)
    for when in ((1970, 1, 1), (2000, 1, 15), (2026, 1, 15), (2026, 7, 15), (2100, 7, 1))
)


def _problem(tz: _dt.tzinfo, moment: _dt.datetime) -> str | None:
    """What went wrong asking ``tz`` its offsets around ``moment`` (None: nothing)."""
    naive = moment.replace(tzinfo=None)
    try:
        offsets = (
            naive.replace(tzinfo=tz).utcoffset(),
            naive.replace(tzinfo=tz, fold=1).utcoffset(),
            moment.astimezone(tz).utcoffset(),
        )
    except Exception as error:
        return raised(error)
    if None in offsets:
        return "gave no UTC offset (None)"
    return None


def _cut(text: str) -> str:
    return text if len(text) <= 120 else text[:100] + "..."


def probe(tz: _dt.tzinfo, what: str) -> None:
    """Refuse a zone whose offsets cannot be had at a few instants (BadCalendarError).

    ``utcoffset()`` at local times (both folds) and conversion from UTC (``fromutc()``),
    at the instants of ``_PROBES``; ``datetime`` itself refuses an offset that is not a
    ``timedelta`` or not within a day. Costs about 20 µs, once per door.
    """
    for moment in _PROBES:
        problem = _problem(tz, moment)
        if problem is not None:
            raise BadCalendarError(
                f"{what} {_shown(tz)} cannot be used: asked the UTC offset at "
                f"{moment.replace(tzinfo=None).isoformat()}, it {problem}; {_ZONE_ADVICE}."
            )


def raised(error: BaseException) -> str:
    """What a zone's call raised, as `zone_failed()` says it."""
    return f"raised {type(error).__name__}: {_cut(str(error).rstrip('.'))}"


def zone_failed(tz: _dt.tzinfo, when: str, problem: str) -> BadTimeError:
    """The error of a zone whose offset at ``when`` could not be had (``problem``).

    Marked, so that a calendar reaching past the years it holds (which it treats as
    the end of its range) tells it from a zone that failed: `from_zone()`.
    """
    error = BadTimeError(
        f"timezone {_shown(tz)} failed: asked the UTC offset at {when}, it {problem}; "
        f"{_ZONE_ADVICE}."
    )
    vars(error)[_MARK] = True
    return error


_MARK: Final = "_ratekit_zone_failed"


def from_zone(error: BaseException) -> bool:
    """Whether ``error`` is one of `zone_failed()`: a zone failed, not a range ended."""
    return bool(vars(error).get(_MARK, False))


def offset_at(tz: _dt.tzinfo, naive: _dt.datetime, fold: int = 0) -> _dt.timedelta:
    """The UTC offset of ``tz`` at a local (naive) time, or a BadTimeError naming ``tz``."""
    try:
        offset = naive.replace(tzinfo=tz, fold=fold).utcoffset()
    except Exception as error:
        raise zone_failed(tz, f"local time {naive.isoformat()}", raised(error)) from None
    if offset is None:
        raise zone_failed(tz, f"local time {naive.isoformat()}", "gave no UTC offset (None)")
    return offset


def local_at(tz: _dt.tzinfo, t_us: int) -> _dt.datetime:
    """The instant ``t_us`` as a local time of ``tz`` (aware), or a BadTimeError naming ``tz``.

    For instants of the calendars' range (years 2 to 9998), whose local dates
    ``datetime`` holds in any zone.
    """
    moment = EPOCH + _dt.timedelta(microseconds=t_us)
    try:
        local = moment.astimezone(tz)
        offset = local.utcoffset()
    except Exception as error:
        raise zone_failed(tz, format_us(t_us), raised(error)) from None
    if offset is None:
        raise zone_failed(tz, format_us(t_us), "gave no UTC offset (None)")
    return local


def utc_offset_us(tz: _dt.tzinfo, t_us: int) -> int:
    """The UTC offset of ``tz`` at the instant ``t_us``, in µs (a BadTimeError naming ``tz``)."""
    offset = local_at(tz, t_us).utcoffset()
    assert offset is not None  # local_at refuses a zone that gives None
    return offset // ONE_US


def offset_change_us(tz: _dt.tzinfo, inside_us: int, outside_us: int, offset_us: int) -> int:
    """The instant nearest ``inside_us``, toward ``outside_us``, whose offset is not ``offset_us``.

    ``tz``'s offset is ``offset_us`` at ``inside_us`` and another at ``outside_us``, on
    either side of it, with one change between: bisects for it, O(log distance) offsets
    asked (about 40 over a day). Forward it is the change's first instant; backward, the
    last instant before the change.
    """
    while abs(outside_us - inside_us) > 1:
        middle = (inside_us + outside_us) // 2
        if utc_offset_us(tz, middle) == offset_us:
            inside_us = middle
        else:
            outside_us = middle
    return outside_us
