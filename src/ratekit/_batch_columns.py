"""The column checks of the lean input path: one field of many records at a time.

[`RecordBatch`][ratekit.RecordBatch] checks a batch per column: the types of a column as a
set, ints by their minimum and maximum, at C speed when every value has the exact type
(``str``, ``int``); only a column that holds something else is walked value by value,
with the friendly constructors' rules (a ``str`` subclass becomes a plain ``str``, an
``int`` subclass a plain ``int``, ``bool`` is refused). Attribute mappings are frozen by
`Descriptions` as their records are read. Messages name the record by the list the
caller gave and its index there (``samples[3]``: the batch itself holds its events
first), its id if it has one, then the field and the value, and say what is accepted.
"""

from __future__ import annotations

import math
import operator
import sys
import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final

from ._decimals import _INT_LIMIT, INT_HIGH, INT_LOW, to_decimal
from ._descriptions import EMPTY, _attributes, _FrozenDict, plain_str
from ._instants import MAX_US, MIN_US
from ._shown import show, type_name
from ._text import is_text
from .errors import BadRecordError, BadTimeError, RatekitError, RatekitTypeError

T = typing.TypeVar("T")
E = typing.TypeVar("E", bound=Exception)

__all__ = ["Column", "Descriptions", "Refusal", "Told", "record_label"]

_intern = sys.intern
#: An int's exact Decimal (``Decimal.from_float`` takes ints: the same value and exponent).
_STR: Final = frozenset({str})
_INT: Final = frozenset({int})
_OPTIONAL_STR: Final = frozenset({str, type(None)})
_OPTIONAL_INT: Final = frozenset({int, type(None)})
#: The attribute values whose equality proves identity of what the door makes of them:
#: equal values of one of these exact types freeze to equal, same-typed values (unlike
#: 1 and True, 1 and 1.0, Decimal("1") and Decimal("1.0"), 0.0 and -0.0).
_PLAIN_VALUES: Final = frozenset({str, int, bool, type(None)})
_NUMBERS: Final = (int, float, str, Decimal)
_INT_FIELDS: Final = frozenset({"at_us", "seq"})
_NOT_TEXT: Final = (
    "it must be valid Unicode text: it holds a surrogate code point, which UTF-8 cannot "
    "encode (give text decoded strictly from its bytes, or with errors='replace')"
)
_NUMPY_HINT: Final = (
    " A numpy array holds numpy scalars, refused where rk.Event and rk.Sample refuse them: "
    "give the column as array.tolist(), which holds Python values (a pandas Series with "
    "missing values: series.astype(object).where(series.notna(), None).tolist(), which "
    "gives None for them)."
)
#: The same for a field every record has: its missing values cannot become None.
_REQUIRED_NUMPY_HINT: Final = (
    " A numpy array holds numpy scalars, refused where rk.Event and rk.Sample refuse them: "
    "give the column as array.tolist(), which holds Python values (a pandas Series with "
    "missing values: every record has its {0}, so first {1})."
)
_DATETIME_HINT: Final = (
    " A pandas datetime column gives epoch microseconds as "
    "series.dt.as_unit('us').astype('int64').tolist(), whatever its unit (a column "
    "without a timezone is read as UTC)."
)
#: NaT as an int64 (pandas' ``iNaT``): what ``series.dt.as_unit("us").astype("int64")``
#: makes of a missing instant, without a word.
_NAT_INT: Final = -(2**63)
_NAT_HINT: Final = (
    " It is how pandas writes a missing instant (NaT) as an int64: a datetime column "
    "converted with series.dt.as_unit('us').astype('int64') gives it for each gap; every "
    "record has its at_us, so leave out the records without one first "
    "(frame.dropna(subset=[...]) on the datetime column)."
)
#: Types of datetimes, told by name (numpy and pandas not imported).
_DATETIMES: Final = frozenset({"datetime64", "Timestamp", "datetime"})
_MISSING_HINT: Final = (
    " A missing value (pandas' NaN, NA or NaT) is None here: give the column as "
    "series.astype(object).where(series.notna(), None).tolist(), or a frame's columns as "
    'frame.astype(object).where(frame.notna(), None).to_dict("list") (see the Usage page).'
)
_GAPS_HINT: Final = (
    " A pandas int column with gaps holds floats: turn its missing values into None, as "
    "series.astype(object).where(series.notna(), None).tolist() does, and its floats into "
    "ints (see the Usage page)."
)
#: The same for a field every record has (``at_us``): its gaps cannot become None.
_REQUIRED_GAPS_HINT: Final = (
    " A pandas int column with gaps holds floats: every record has its {0}, so leave out "
    "the records without one (frame.dropna(subset=[{0!r}])), then give the column's "
    "floats as ints (series.astype('int64').tolist())."
)
#: The types of pandas' missing values other than NaN, told by name (pandas not imported).
_PANDAS_MISSING: Final = frozenset({"NAType", "NaTType"})


#: The fields whose ``None`` the batch accepts (no attributes, no id, no seq): a missing
#: value there becomes ``None``; in any other field a record cannot go without it.
_NONE_ACCEPTED: Final = frozenset({"attributes", "id", "seq"})


def _missing(value: object) -> bool:
    """``value`` is a missing value as pandas gives one: a NaN, ``NA`` or ``NaT``."""
    if isinstance(value, float):
        return math.isnan(value)
    kind = type(value)
    return kind.__name__ in _PANDAS_MISSING and kind.__module__.partition(".")[0] == "pandas"


def _missing_hint(field: str) -> str:
    """What a message adds for a missing value in ``field``: how to give what is accepted."""
    if field in _NONE_ACCEPTED:
        return _MISSING_HINT
    return (
        " A missing value (pandas' NaN, NA or NaT) has no place here, nor None: every "
        f"record has its {field}; {_instead(field)}."
    )


def _instead(field: str) -> str:
    """What to do with the records missing ``field``, which every record has."""
    if field == "kind":
        return (
            "fill the column's gaps with a kind, or leave the column out for the default "
            "kind of every record"
        )
    return f"leave out the records without one (frame.dropna(subset=[{field!r}]))"


def _hint(value: object, field: str) -> str:
    """What a message adds for a value from numpy or pandas: how to give it instead."""
    kind = type(value)
    module = getattr(kind, "__module__", "")
    if _missing(value) or (value is None and field not in _NONE_ACCEPTED):
        return _missing_hint(field)  # None too, where a record cannot go without the field
    if isinstance(value, float) and field in _INT_FIELDS and value.is_integer():
        return _GAPS_HINT if field in _NONE_ACCEPTED else _REQUIRED_GAPS_HINT.format(field)
    if field == "at_us" and kind.__name__ in _DATETIMES:
        return _DATETIME_HINT
    if field == "at_us" and kind is int and value == _NAT_INT:
        return _NAT_HINT
    return _numpy_hint(field) if module == "numpy" else ""


def _numpy_hint(field: str) -> str:
    """How to give a numpy column's values as Python ones, its gaps as ``field`` takes them."""
    if field in _NONE_ACCEPTED:
        return _NUMPY_HINT
    return _REQUIRED_NUMPY_HINT.format(field, _instead(field))


def record_label(what: str, index: int, record_id: object) -> str:
    """How a message names a record: the list given and its index there, then its id.

    ``what`` is ``"event"`` or ``"sample"``: ``events[3] (id 'e7')``, ``samples[0]``.
    """
    named = (
        f" (id {show(plain_str(record_id))})"
        if isinstance(record_id, str) and str.__len__(record_id)
        else ""
    )
    return f"{what}s[{index}]{named}"


def located(index: int, error: E) -> E:
    """``error``, marked as naming the record at ``index`` of its list (see `first_bad`)."""
    error._record_index = index  # type: ignore[attr-defined]
    return error


def first_bad(
    build: typing.Callable[[Mapping[str, Sequence[object]], int], T],
    columns: Mapping[str, Sequence[object]],
    count: int,
) -> T:
    """``build(columns, count)``; if it raises, the error naming the first bad record.

    The columns are checked one after another, so the error raised names the first bad
    record of the first column with one. Each error marks its record's index
    (`located`): the records before it are built again, and an error there names an
    earlier record, until the records before the one named build. Each round leaves out
    a column whose first bad record was named, so at most one round per column, on the
    error path only.
    """
    try:
        return build(columns, count)
    except RatekitError as error:
        named = error
    index: int | None = getattr(named, "_record_index", None)
    while index:
        prefix = {field: values[:index] for field, values in columns.items()}
        try:
            build(prefix, index)
        except RatekitError as earlier:
            named, index = earlier, getattr(earlier, "_record_index", None)
            continue
        break
    raise named


class Refusal:
    """A mapping refused when its record was read, kept until its column is checked.

    A feed read as it goes (a generator of tuples, a generator column) is read whole
    before any column is checked: a bad mapping is kept so, and raised when the
    attributes column is checked (`Column.descriptions()`), in the order of the columns'
    checks, so that the first bad record is named whatever field is bad in it.
    """

    __slots__ = ("error", "given")

    def __init__(self, error: RatekitError, given: object) -> None:
        self.error = error
        self.given = given  # the mapping as read (`_copied`), for a message showing its row


#: How deep `_copied()` copies a refused mapping's dicts and lists: past the deepest a
#: description may nest (32 levels), so a mapping that contains itself is cut there.
_COPY_DEPTH: Final = 34


def _copied(value: object, depth: int = 0) -> object:
    """A refused mapping's plain dicts and lists copied as they are now, other values kept.

    Only ``dict`` and ``list`` (exact types, which run no caller's code when read) are
    copied, to ``_COPY_DEPTH`` levels: a caller's own mapping may never end or refuse to
    be copied, so it is kept as it is. O(items), on the error path only.
    """
    if depth > _COPY_DEPTH:
        return value
    try:
        if type(value) is dict:
            return {key: _copied(item, depth + 1) for key, item in value.items()}
        if type(value) is list:
            return [_copied(item, depth + 1) for item in value]
    except Exception:  # a key's own __hash__ may raise when the copy is made
        return value
    return value


class Descriptions:
    """Attribute mappings frozen as their records are read, equal plain ones shared.

    Each record gets its mapping as it was when its record was read (a feed may reuse one
    dict between the tuples it yields). A ``dict`` of ``str`` keys and ``str``, ``int``,
    ``bool`` or ``None`` values is checked and frozen once per distinct content (its items
    and their exact types, in order): every record with equal such attributes shares one
    read-only description, whose hash is computed once. The table is keyed by strings
    (the keys and the values' text), whose hashes are randomised: values whose hashes
    collide (ints) cannot make it quadratic. Any other mapping (nested values,
    Decimals, floats, a mapping that is not a ``dict``) passes the door once per record
    (once per mapping object for a column read at once: see `Column.descriptions()`).
    A frozen description (another record's ``attributes``) is taken as it is.

    Cost: O(k) per record for k keys, at C speed, on top of the door once per distinct
    plain content.
    """

    __slots__ = ("_shared", "_what")

    def __init__(self, what: str) -> None:
        self._what = what
        # exact key and value types -> (items -> frozen); None for types that are not plain
        self._shared: dict[tuple[type, ...], dict[tuple[str, ...], _FrozenDict] | None] = {}

    def read(self, value: object, index: int, record_id: object) -> _FrozenDict | Refusal:
        """``value`` frozen now, or its refusal kept for its column's check (`Refusal`)."""
        try:
            return self.freeze(value, index, record_id)
        except RatekitError as error:
            return Refusal(error, _copied(value))

    def freeze(self, value: object, index: int, record_id: object) -> _FrozenDict:
        """``value`` checked and frozen now (``None`` is no attributes).

        A `Refusal` kept when its record was read raises its error now.
        """
        if value is None:
            return EMPTY
        if type(value) is _FrozenDict:
            return value
        if type(value) is Refusal:
            raise value.error
        if type(value) is dict:
            # Only exact types are hashed and compared here: no caller's code runs.
            types = (*map(type, value), *map(type, value.values()))
            try:
                shared = self._shared[types]
            except KeyError:
                count = len(value)
                plain = set(types[:count]) <= _STR and set(types[count:]) <= _PLAIN_VALUES
                shared = self._shared[types] = {} if plain else None
            if shared is not None:
                # keyed by the keys and the values' text (exact types fixed by ``types``):
                # strings, whose hashes are randomised, where an int's hash is the int
                # itself (many could share one: see _hash_keys)
                given = typing.cast("dict[str, object]", value)
                try:
                    items = (*given, *map(str, given.values()))
                except ValueError:  # an int of more digits than str() writes: refused
                    return self._door(value, index, record_id)
                frozen = shared.get(items)
                if frozen is None:
                    frozen = shared[items] = self._door(value, index, record_id)
                return frozen
        return self._door(value, index, record_id)

    def _door(self, value: object, index: int, record_id: object) -> _FrozenDict:
        try:
            return _attributes(value, record_label(self._what, index, record_id) + ":")
        except RatekitTypeError as error:
            if not _missing(value):
                raise
            # a frame's missing cell: None, which is no attributes, is what to give
            raise RatekitTypeError(f"{error}{_missing_hint('attributes')}") from error.__cause__


class Column:
    """One column of a batch being checked: its values and how messages name its records."""

    __slots__ = ("field", "ids", "values", "what")

    def __init__(self, what: str, field: str, values: Sequence[object], ids: Sequence[object]):
        self.what = what  # "event" or "sample"
        self.field = field
        self.values = values
        self.ids = ids

    def label(self, index: int) -> str:
        return record_label(self.what, index, self.ids[index] if index < len(self.ids) else None)

    def refuse(
        self, index: int, wanted: str, error: type[Exception] = RatekitTypeError
    ) -> typing.NoReturn:
        value = self.values[index]
        hint = _hint(value, self.field)
        raise located(
            index,
            error(
                f"{self.label(index)}: {self.field} is {type_name(value)} {show(value)}; "
                f"{wanted}.{hint}"
            ),
        )

    def names(self) -> list[str]:
        """Non-empty strings (a ``str`` subclass made plain), interned. O(n), at C speed."""
        values = self.values
        if set(map(type, values)) <= _STR:
            # each value interned, then the distinct names checked, all at C speed: no
            # call per distinct name (a stream's batches of 1,000 records name most of
            # their resources once each: a table's lookup in Python per new name cost
            # the fleet month's stream 0.7 µs a record). ``sys.intern`` takes plain
            # ``str`` only, as the types just checked are.
            names = list(map(_intern, typing.cast("list[str]", values)))
            distinct = set(names)
            if "" not in distinct and (
                all(map(str.isascii, distinct)) or all(map(is_text, distinct))
            ):
                return names
        out: list[str] = []
        for index, value in enumerate(values):
            text = plain_str(value) if isinstance(value, str) else ""
            if not text:
                self.refuse(index, "it must be a non-empty string")
            if not is_text(text):
                self.refuse(index, _NOT_TEXT)
            out.append(_intern(text))
        return out

    def ints(self, wanted: str, *, optional: bool = False) -> Sequence[int | None]:
        """Ints (an ``int`` subclass made plain; ``bool`` refused), ``None`` if optional.

        A column of plain ints (and ``None``) is given back as it is, not copied.
        """
        values = self.values
        if set(map(type, values)) <= (_OPTIONAL_INT if optional else _INT):
            return typing.cast("Sequence[int | None]", values)
        out: list[int | None] = []
        for index, value in enumerate(values):
            if value is None and optional:
                out.append(None)
            elif isinstance(value, int) and not isinstance(value, bool):
                out.append(value if type(value) is int else int.__index__(value))
            else:
                self.refuse(index, wanted)
        return out

    def in_range(
        self,
        values: Sequence[int | None],
        low: int,
        high: int,
        wanted: str,
        error: type[Exception],
        *,
        optional: bool = False,
    ) -> None:
        """Refuse the first int outside ``[low, high]``. O(n), the bounds at C speed."""
        # a column that holds no None (the instants) is bounded as it is, with no copy
        present: Sequence[int] = (
            [v for v in values if v is not None]
            if optional
            else typing.cast("Sequence[int]", values)
        )
        if present and (min(present) < low or max(present) > high):
            checked = Column(self.what, self.field, values, self.ids)
            for index, value in enumerate(values):  # a loop: no StopIteration can leak
                if value is not None and not low <= value <= high:
                    checked.refuse(index, wanted, error)

    def instants(self) -> Sequence[int]:
        """Integer epoch microseconds within ratekit's range. O(n), at C speed."""
        values = self.ints(
            "an instant of a batch is an int of microseconds since 1970-01-01T00:00:00Z "
            "(use rk.Event or rk.Sample for datetimes and ISO strings)"
        )
        self.in_range(
            values,
            MIN_US,
            MAX_US,
            f"an instant lies from {MIN_US} to {MAX_US} microseconds since the epoch",
            BadTimeError,
        )
        return typing.cast("Sequence[int]", values)

    def sequences(self) -> Sequence[int | None]:
        """Ints from -2^63 to 2^63-1 or ``None``, as [`Event`][ratekit.Event]'s ``seq``."""
        values = self.ints("a seq is an int or None", optional=True)
        self.in_range(
            values,
            INT_LOW,
            INT_HIGH,
            f"give an int from {INT_LOW} to {INT_HIGH}",
            BadRecordError,
            optional=True,
        )
        return values

    def kinds(self, allowed: frozenset[str], listed: Sequence[str]) -> list[str]:
        """One of ``allowed`` (a ``str`` subclass made plain). O(n), at C speed."""
        values = self.values
        if set(map(type, values)) <= _STR and set(values) <= allowed:
            return typing.cast("list[str]", list(values))
        out: list[str] = []
        for index, value in enumerate(values):
            text = plain_str(value) if isinstance(value, str) else None
            if text not in allowed:
                self.refuse(
                    index, f"it must be one of {', '.join(map(repr, listed))}", BadRecordError
                )
            out.append(_intern(text))
        return out

    def optional_ids(self) -> Sequence[str | None]:
        """Non-empty strings (a ``str`` subclass made plain) or ``None``. O(n), at C speed.

        A column of plain strings (and ``None``) is given back as it is, not copied.
        """
        values = self.values
        if set(map(type, values)) <= _OPTIONAL_STR:
            distinct = typing.cast("set[str]", set(values) - {None})
            if "" not in distinct and all(map(is_text, distinct)):
                return typing.cast("Sequence[str | None]", values)
        out: list[str | None] = []
        for index, value in enumerate(values):
            text = plain_str(value) if isinstance(value, str) else None
            if value is not None and not text:
                self.refuse(index, "an id is a non-empty string or None")
            if text is not None and not is_text(text):
                self.refuse(index, _NOT_TEXT)
            out.append(text)
        return out

    def descriptions(self, frozen: Descriptions) -> list[_FrozenDict]:
        """Each record's attributes, frozen now (``frozen`` shares equal plain ones).

        A mapping given to many records (one dict per flavor) is read once: the column
        holds it for all of them at once, so it is the same for each. The mappings are
        frozen in the order of their first record (the first bad one is the one named).
        O(n) at C speed, plus the door once per distinct mapping.
        """
        ids = self.ids
        values = self.values
        keys = list(map(id, values))
        # each mapping's first record: the last index written, reading backwards
        first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
        freeze = frozen.freeze
        made = {}
        for key, index in sorted(first.items(), key=operator.itemgetter(1)):
            try:
                made[key] = freeze(values[index], index, ids[index] if index < len(ids) else None)
            except RatekitError as error:
                raise located(index, error) from error.__cause__
        return list(map(made.__getitem__, keys))

    def amounts(self) -> Sequence[Decimal | int]:
        """Exact numbers through ratekit's one door for numbers; ints checked as a column.

        An int inside the range is kept as given (a `Sample` keeps it, and reads it as a
        Decimal): a column of ints is checked by its minimum and maximum at C speed and
        returned as it is, no Decimal made (the fleet month's 237,915 values: 26 ms and
        24.7 MB of Decimals before).
        """
        values = self.values
        if set(map(type, values)) <= _INT:
            ints = typing.cast("Sequence[int]", values)
            if not ints or (min(ints) > -_INT_LIMIT and max(ints) < _INT_LIMIT):
                return ints
        out: list[Decimal | int] = []
        for index, value in enumerate(values):
            if not isinstance(value, _NUMBERS) or isinstance(value, bool):
                self.refuse(index, "a value is a number (an int, a Decimal, a str or a float)")
            if type(value) is int and -_INT_LIMIT < value < _INT_LIMIT:
                out.append(value)  # kept as given, as a column of ints is
                continue
            try:
                out.append(to_decimal(value, f"{self.label(index)}: {self.field}"))
            except RatekitError as error:
                said = error
                if _missing(value):  # a frame's missing cell, named so (a NaN is no amount)
                    said = type(error)(f"{error}{_missing_hint(self.field)}")
                raise located(index, said) from error.__cause__
        return out


class Told(typing.NamedTuple):
    """What a `RecordBatch`'s columns told at its door, which metering reads, not its records.

    Metering finds these by a pass over any list of records each; a batch knows them from
    its columns (a count, a set or a minimum of a column, at C speed): see
    `ratekit._normalize.group`.
    """

    events: int
    """How many of the batch's records are events: they come first, its samples after."""
    named: bool
    """Whether some record has an id."""
    sequenced: bool
    """Whether some event has a ``seq``."""
    meters: frozenset[str]
    """The samples' meters."""
    kinds: frozenset[str]
    """The samples' kinds."""
    below_zero: bool
    """Whether some sample's value is below zero."""


#: What a batch of no events and no samples told.
_TOLD_NOTHING: Final = Told(0, False, False, frozenset(), frozenset(), False)


def _any_given(column: Iterable[object]) -> bool:
    """Whether an optional column (a list, or the default repeated) holds a value not None."""
    return isinstance(column, list | tuple) and column.count(None) != len(column)
