"""Reading already-parsed JSON with errors that name the position and the field.

Every adapter reads dicts and lists through these helpers, so a missing or malformed
field raises [`BadRecordError`][ratekit.BadRecordError] naming where it is in the input
(``resources[3].entity.state``), what was found and what would be accepted. Nothing else
escapes: a record that ratekit itself refuses (an instant without an offset) is re-raised
with the same position in front, and a caller's own object that raises when it is read
(a mapping other than a dict, a list subclass, a ``str`` subclass) is read once, at the
door, where its failure becomes a `BadRecordError` naming its position, the error chained.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import itertools
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Final, TypeVar

from ratekit._caller_objects import raised
from ratekit._decimals import to_decimal
from ratekit._descriptions import MAX_KEYS, _attributes, plain_str
from ratekit._instants import to_us
from ratekit._shown import _Bounded, some
from ratekit._text import is_text, not_text
from ratekit._values import collection
from ratekit.errors import BadRecordError, RatekitError, RatekitTypeError
from ratekit.policies import Meter

__all__ = [
    "NAMES_SHOWN",
    "Position",
    "as_number",
    "at",
    "attributes",
    "build",
    "collect",
    "count",
    "entries",
    "failed",
    "instant",
    "mapping",
    "meter_named",
    "meters_by_name",
    "not_garbled",
    "number",
    "one_value",
    "optional_text",
    "raised",
    "reading",
    "show",
    "skipping",
    "text",
    "valid_text",
]

T = TypeVar("T")

#: A position in the input: the path to a value, such as ``resources[3].entity``.
Position = str

_ABSENT: Final = object()


class _Short(_Bounded):
    """ratekit's bounded repr (dicts in their own order), a level and more items deeper.

    Hostile input (a list nested 100,000 deep, a million items, an int of 5,000 digits)
    must give an error message, not a RecursionError or a second of formatting.
    """

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 4
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = 12


_SHORT: Final = _Short()


def one_value(first: object, second: object) -> bool:
    """Whether a payload gives one value twice: of one type and equal (1 is not True).

    Where a payload gives a field under two names (or two forms), the adapters read it
    when both say the same. A caller's own objects whose comparison raises, or says
    something other than a bool, are two values (the payload is then refused naming
    both, never left to raise). O(1) plus the comparison.
    """
    if first is second:
        return True
    try:
        return type(first) is type(second) and bool(first == second)
    except Exception:  # a caller's __eq__ or __bool__ may raise anything
        return False


def show(value: object) -> str:
    """``value`` as a message shows it: a bounded repr of at most 80 characters."""
    try:
        text = _SHORT.repr(value)
    except (RecursionError, ValueError):  # a hand-built object's own repr, an enormous int
        text = f"a value of type {type(value).__name__}"
    return text if len(text) <= 80 else text[:77] + "..."


def at(position: Position, key: str | int) -> Position:
    """The position of ``key`` inside ``position`` (``a.b``, ``a[3]``)."""
    if isinstance(key, int):
        return f"{position}[{key}]"
    return f"{position}.{key}" if position else key


def failed(what: str, where: Position, holder: object, error: Exception) -> BadRecordError:
    """The error for a caller's object (``holder``, at ``where``) that raised ``error`` when read."""
    accepted = "a mapping whose items can be read, such as a dict"
    if not isinstance(holder, Mapping):
        accepted = "a list whose items can be read"
    kind = "mapping" if isinstance(holder, Mapping) else "list"
    return BadRecordError(
        f"{what} {where or 'the input'} could not be read: its {kind} "
        f"({type(holder).__name__}) raised {raised(error)}; give {accepted}."
    )


def mapping(value: object, position: Position, what: str) -> Mapping[str, object]:
    """``value`` as a JSON object, or BadRecordError naming ``position``.

    A ``dict`` is taken as it is; any other mapping runs the caller's code, so it is read
    once, here, into a dict (at most `MAX_KEYS` items): an error it raises names ``position``.
    """
    if type(value) is dict:
        return value if all(type(key) is str for key in value) else _plain_keys(value)
    if isinstance(value, Mapping):
        try:
            items = list(itertools.islice(value.items(), MAX_KEYS + 1))
            read = dict(items)
        except Exception as error:  # the caller's mapping may raise anything
            raise failed(what, position, value, error) from error
        if len(read) > MAX_KEYS:
            raise BadRecordError(
                f"{what} {position or 'the input'} holds more than {MAX_KEYS:,} items (or "
                "never ends); a record is a JSON object of a few fields."
            )
        return _plain_keys(read)
    where = position or "the input"
    raise BadRecordError(f"{what} {where} must be a JSON object (a dict), not {show(value)}.")


def _plain_keys(value: dict[object, object]) -> dict[str, object]:
    """``value`` with a ``str`` subclass key read as its text: its own ``__eq__`` stays out.

    The adapters compare field names (``key == "entity"``, ``key in bookkeeping``); a
    caller's subclass would run its own code there. Other keys stay, for the reader that
    refuses them to name. O(size).
    """
    plain = {plain_str(key) if isinstance(key, str) else key: item for key, item in value.items()}
    return typing.cast("dict[str, object]", plain)  # (a non-str key: refused where read)


def _get(data: Mapping[str, object], key: str) -> object:
    try:
        return data.get(key, _ABSENT)
    except TypeError:  # an unhashable key in a hand-built mapping
        return _ABSENT


def text(data: Mapping[str, object], key: str, position: Position, what: str) -> str:
    """The non-empty string at ``data[key]``."""
    value = _get(data, key)
    if isinstance(value, str) and value:
        return valid_text(value, at(position, key), what)
    where = at(position, key)
    if value is _ABSENT:
        raise BadRecordError(f"{what} {where} is missing; it must be a non-empty string.")
    raise BadRecordError(f"{what} {where} must be a non-empty string, not {show(value)}.")


def optional_text(
    data: Mapping[str, object], key: str, position: Position, what: str
) -> str | None:
    """The string at ``data[key]``, or None when it is absent, null or empty."""
    value = _get(data, key)
    if value is _ABSENT or value is None:
        return None
    if isinstance(value, str):
        return valid_text(value, at(position, key), what) or None
    raise BadRecordError(f"{what} {at(position, key)} must be a string or null, not {show(value)}.")


def valid_text(value: str, where: Position, what: str) -> str:
    r"""``value`` (found at ``where``) as plain text, refused naming ``where`` when it is no Unicode text.

    A lone surrogate (text decoded with ``errors="surrogateescape"``, JSON's ``"\ud800"``)
    would be refused later by the record it makes, named by that record's id rather than
    by the feed's field. O(length).
    """
    plain = plain_str(value)  # a subclass's methods (__eq__, __hash__) stay out
    if not is_text(plain):
        raise BadRecordError(str(not_text(f"{what} {where}", plain)))
    return plain


def number(data: Mapping[str, object], key: str, position: Position, what: str) -> Decimal:
    """The finite decimal number at ``data[key]`` (an int, a float through its repr, a numeric string)."""
    value = _get(data, key)
    where = at(position, key)
    if value is _ABSENT:
        raise BadRecordError(f"{what} {where} is missing; it must be a number.")
    return as_number(value, where, what)


def as_number(value: object, where: Position, what: str) -> Decimal:
    """``value`` (found at ``where``) as a finite decimal number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise BadRecordError(f"{what} {where} must be a number, not {show(value)}.")
    try:  # the one door for numbers: it also refuses what ratekit cannot read exactly
        return to_decimal(value, f"{what} {where}")
    except RatekitError as error:
        raise BadRecordError(f"{error} (a number like 512 or '1.5e3' is accepted)") from None


def reading(value: Decimal, where: Position, what: str) -> Decimal:
    """``value`` (found at ``where``) as a cumulative counter's reading: never negative.

    Metering reads a decrease as a reset and counts the new reading from zero, so a
    negative reading would be counted as negative usage.
    """
    if value < 0:
        raise BadRecordError(
            f"{what} {where} is {value}, but a cumulative counter's reading counts up "
            "from zero and is never negative (a number >= 0 is accepted)."
        )
    return value


def count(data: Mapping[str, object], key: str, position: Position, what: str) -> int:
    """The non-negative integer at ``data[key]`` (an instance count, a memory in MB)."""
    value = number(data, key, position, what)
    if value != value.to_integral_value() or value < 0:
        raise BadRecordError(
            f"{what} {at(position, key)} must be a whole number >= 0, not {show(value)}."
        )
    return int(value)


def instant(
    data: Mapping[str, object],
    key: str,
    position: Position,
    what: str,
    *,
    naive_utc: bool | None = None,
) -> int:
    """The instant at ``data[key]`` (an ISO-8601 string with an offset), in epoch microseconds.

    With ``naive_utc``, a string without an offset is read as UTC (the caller's explicit
    choice, for feeds that write UTC without saying so); where the adapter has that option
    (``naive_utc`` given, ``False``), an instant refused for having no offset says so. As
    RFC 3339 allows, ``t`` and ``z`` may be lower case.
    """
    value = _get(data, key)
    where = at(position, key)
    if value is _ABSENT:
        raise BadRecordError(
            f"{what} {where} is missing; it must be an ISO-8601 instant like '2026-03-02T08:00:00Z'."
        )
    if not isinstance(value, str | _dt.datetime):
        raise BadRecordError(
            f"{what} {where} must be an ISO-8601 instant like '2026-03-02T08:00:00Z', "
            f"not {show(value)}."
        )
    if isinstance(value, str):
        value = plain_str(value)
    if isinstance(value, str) and value != value.upper():
        # RFC 3339 (CloudEvents' time, most JSON APIs) allows a lower-case 't' and 'z';
        # an instant that does not read so is refused as it was written
        with contextlib.suppress(RatekitError):
            return _to_us(value.upper(), f"{what} {where}", bool(naive_utc))
    try:
        return _to_us(value, f"{what} {where}", bool(naive_utc))
    except RatekitError as error:
        message = str(error)
        if naive_utc is False and _read_as_utc(value, f"{what} {where}"):
            message += (
                " If the feed writes its instants in UTC without an offset (as Nova and"
                " Ceilometer do), pass naive_utc=True."
            )
        raise BadRecordError(message) from None


def _read_as_utc(value: str | _dt.datetime, what: str) -> bool:
    """Whether ``value``, refused, would be read with ``naive_utc=True``."""
    try:
        _to_us(value, what, True)
    except RatekitError:
        return False
    return True


def _to_us(value: str | _dt.datetime, what: str, naive_utc: bool) -> int:
    # the one door for instants: with naive_utc it reads the shapes it always reads
    return to_us(value, what, naive_utc=naive_utc)


def entries(
    feed: object,
    position: Position,
    what: str,
    *,
    page_key: str | None = None,
    check: Callable[[Mapping[str, object], Position, str], None] | None = None,
) -> Iterator[tuple[Position, Mapping[str, object]]]:
    """The records of ``feed`` with their positions, in the feed's order.

    ``feed`` is a list of records (or any iterable of them, read once: a generator
    parsing a JSON-lines file), or (with ``page_key``) one page ``{page_key: [...]}`` or
    a list of such pages, read in order. A feed or page that raises when it is read
    (its own ``__iter__``, ``__getitem__`` or a generator's body) is refused naming its
    position. ``check`` is given each page (and its position) before its records.
    """
    if page_key is not None and isinstance(feed, Mapping):
        page = mapping(feed, position, what)
        if page_key in page:
            if check is not None:
                check(page, position, what)
            yield from entries(page[page_key], at(position, page_key), what)
            return
    if isinstance(feed, Mapping | str | bytes | bytearray) or not isinstance(feed, Iterable):
        accepted = "a list of records"
        if page_key is not None:
            accepted += f", a page {{'{page_key}': [...]}} or a list of pages"
        where = f" {position}" if position else ""
        raise BadRecordError(f"{what} feed{where} must be {accepted}, not {show(feed)}.")
    for index, item in _listed(feed, position, what):
        where = at(position, index)
        if page_key is not None and isinstance(item, Mapping):
            record = mapping(item, where, what)
            if page_key in record:
                if check is not None:
                    check(record, where, what)
                yield from entries(record[page_key], at(where, page_key), what)
            else:
                yield where, record
        else:
            yield where, mapping(item, where, what)


def _listed(feed: Iterable[object], position: Position, what: str) -> Iterator[tuple[int, object]]:
    """The items of ``feed`` with their indices; an error its own code raises names the index."""
    index = 0
    try:
        iterator = iter(feed)
    except Exception as error:  # a list subclass's own __iter__ may raise anything
        raise failed(what, position, feed, error) from error
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except Exception as error:  # ... or its __getitem__, on any item
            raise failed(what, at(position, index), feed, error) from error
        yield index, item
        index += 1


def attributes(value: Mapping[str, object], where: Position, what: str) -> dict[str, object]:
    """``value`` (the object at ``where``) checked and frozen as an event's attributes.

    A value no description holds (NaN, a set, an int key, a list that raises when read),
    however deep, raises [`BadRecordError`][ratekit.BadRecordError] naming ``where`` and
    the dotted path inside it (``[1].payload attribute 'image_meta.size'``), where an
    `Event` would name only the record. O(size).
    """
    try:
        return dict(_attributes(value, f"{what} {where or 'the input'}"))
    except RatekitError as error:  # a bad quantity or type inside: a malformed record
        # a caller's object that raised when read stays the cause, as the door chained it
        raise BadRecordError(str(error)) from error.__cause__


def build(position: Position, make: Callable[[], T]) -> T:
    """``make()``, with any RatekitError it raises re-raised naming ``position``."""
    try:
        return make()
    except RatekitError as error:
        raise BadRecordError(f"{position}: {error}") from None


def collect(
    feed: object, what: str, read: Callable[[Mapping[str, object], Position], T | None]
) -> list[T]:
    """``read(record, position)`` for each record of ``feed``, in order, the ``None``s left out.

    ``read`` returns ``None`` for a record it skips (an unknown meter with
    ``unknown="skip"``).
    """
    out: list[T] = []
    for position, item in entries(feed, "", what):
        value = read(item, position)
        if value is not None:
            out.append(value)
    return out


def skipping(unknown: object, argument: str) -> bool:
    """Whether ``unknown`` (``"error"`` or ``"skip"``, the argument named ``argument``) skips."""
    plain = plain_str(unknown) if isinstance(unknown, str) else None
    if plain not in {"error", "skip"}:
        raise RatekitTypeError(f"{argument} must be 'error' or 'skip', not {show(unknown)}.")
    return plain == "skip"  # the caller's str subclass: its own __eq__ stays out


def meters_by_name(meters: Iterable[Meter], argument: str) -> dict[str, Meter]:
    """The meters by name; anything but a `Meter` is refused naming ``argument``.

    Names are unique, as `rk.meter` and `rk.rate` require: of two meters of one name (the
    ready ``cpu`` in hours and one of the caller's in seconds) one would convert every
    sample, silently, and a rating given the other would read the values in its unit.
    """
    found: dict[str, Meter] = {}
    # one Meter, or None, is no list of them; another iterable is read once, named
    for meter in collection(meters, argument, accepted="a list of Meter values"):
        if not isinstance(meter, Meter):
            raise RatekitTypeError(f"{argument} must be Meter values, not {show(meter)}.")
        if meter.name in found:
            raise RatekitTypeError(
                f"{argument} holds two meters named {meter.name!r} ({show(found[meter.name])} "
                f"and {show(meter)}); meter names are unique: give one meter of each name, "
                "the one you rate with."
            )
        found[meter.name] = meter
    return found


#: How many names a message lists of those it accepts (a caller's meters, a spec's types),
#: in the order given, before saying how many more there are: a list of thousands is cut.
NAMES_SHOWN: Final = 10


def meter_named(
    meters: Mapping[str, Meter], name: str, where: Position, what: str, *, skip: bool
) -> Meter | None:
    """The meter called ``name`` (read at ``where``); ``None`` when none is and ``skip``.

    Without ``skip``, an unknown name raises [`BadRecordError`][ratekit.BadRecordError]
    listing the meters; with it, so does a meter's name garbled (`not_garbled`).
    """
    meter = meters.get(name)
    if meter is None and skip:
        not_garbled(name, meters, where, what, "meter")
    if meter is None and not skip:
        # the first few, as given: a caller may declare thousands
        known = some(meters, NAMES_SHOWN, as_given=True) or "none"
        raise BadRecordError(
            f"{what} {where} is {show(name)}, which no meter names "
            f"(meters: {known}; or pass unknown='skip')."
        )
    return meter


def not_garbled(
    name: str, known: Iterable[str], where: Position, what: str, kind: str, *, skip: bool = True
) -> None:
    """Refuse ``name`` (read at ``where``) when it is a ``known`` one garbled.

    A name that equals a known one once blanks around it are stripped and its case folded
    (``"cpu "``, ``"CPU"``) is no other feed's name but that one written badly: skipped, its
    usage would be dropped without a word, so it is refused naming the field, what it is
    (``kind``) and the name it resembles, as a garbled state word is. ``skip`` says the
    name was to be skipped as unknown (``unknown="skip"``); without it, the name was to be
    kept in a description that a meter's selector matches as written (an Exoscale
    ``entity``, a Cloud Foundry ``service_instance_type``), where it would match nothing.
    O(len(known)).
    """
    folded = name.strip().casefold()
    for candidate in known:
        if candidate != name and candidate.strip().casefold() == folded:
            why = (
                "unknown='skip' skips only the names no record of this feed reads, never a "
                "known one misspelt"
                if skip
                else f"a meter selects {show(candidate)} as written, and would bill this "
                "record under none"
            )
            raise BadRecordError(
                f"{what} {where} is {show(name)}, which is {kind} {show(candidate)} but for its "
                f"case or the blanks around it; write {show(candidate)} ({why})."
            )
