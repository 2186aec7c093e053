"""How the lean input path reads what it is given: tuples and columns into lists of one length.

Private to [`RecordBatch`][ratekit.RecordBatch]: `rows_given()` transposes tuples (a tuple
subclass, such as a namedtuple, read by position as the tuple it is) into columns, and
`columns_given()` checks a mapping of columns and reads each one that is not a list or a
tuple into a list, side by side with the others (`_read_together()`), so that a column
that never ends is read no further than the others. Event attributes read from an
iterator are frozen as they are read (a feed may reuse one dict). What is not a mapping
of columns, not an iterable of tuples or not a column in record order (a set, a dict
view) is refused, naming it and saying what is accepted (for a pandas DataFrame, the
conversion that gives its columns or rows).
"""

from __future__ import annotations

import itertools
import operator
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized, ValuesView
from collections.abc import Set as AbstractSet
from typing import Final

from ._batch_columns import Descriptions, Refusal, record_label
from ._caller_objects import read_items, read_once, unreadable
from ._shown import show
from .errors import RatekitError, RatekitTypeError

__all__ = ["EVENT_FIELDS", "SAMPLE_FIELDS", "columns_given", "rows_given"]

EVENT_FIELDS: Final = ("account", "resource", "at_us", "kind", "attributes", "id", "seq")
SAMPLE_FIELDS: Final = ("account", "resource", "meter", "at_us", "value", "kind", "id", "seq")


def _article(what: str) -> str:
    return "an" if what == "event" else "a"


_ATTRIBUTES: Final = EVENT_FIELDS.index("attributes")
# Text and binary data iterate as characters or small ints, never as a column of records.
_TEXT_OR_BYTES: Final = str | bytes | bytearray | memoryview
_EVENT_ID: Final = EVENT_FIELDS.index("id")


def columns_given(
    what: str,
    given: Mapping[str, Iterable[object]],
    fields: Sequence[str],
    required: int,
    frozen: Descriptions | None = None,
) -> tuple[int, dict[str, Sequence[object]]]:
    """The columns by name, checked to be known, present when required and of one length.

    A column that is not a list or a tuple is read into a list, the columns so read
    together (`_read_together()`): a column that never ends is read no further than the
    others. An ``attributes`` column so read has each mapping frozen (by ``frozen``) as
    it is read, after the other columns' values of the same records.
    """
    if not isinstance(given, Mapping):
        raise RatekitTypeError(
            f"RecordBatch {what} columns must be a mapping of field names to sequences "
            f"({', '.join(fields)}), not {_shown(given)}."
            + (_FRAME_COLUMNS if _is_frame(given) else "")
        )
    if type(given) is not dict:  # a caller's mapping runs its own code: read it once
        given = dict(
            read_items(
                given,
                f"RecordBatch {what} columns",
                f"mapping ({type(given).__name__})",
                "a dict of columns",
            )
        )
    # a column named by a str subclass is the text it holds (its own methods left out);
    # a name of another type is no field, compared by no code of its own
    given = {
        (str.__str__(field) if isinstance(field, str) else field): values
        for field, values in given.items()
    }
    unknown = [field for field in given if type(field) is not str or field not in fields]
    if unknown:
        raise RatekitTypeError(
            f"RecordBatch {what} columns {show(unknown)} are not fields of {_article(what)} {what}; the "
            f"fields are {', '.join(fields)} (the first {required} required)."
        )
    missing = [field for field in fields[:required] if field not in given]
    if missing and given:
        raise RatekitTypeError(
            f"RecordBatch {what} columns miss {missing!r}; the fields are {', '.join(fields)} "
            f"(the first {required} required)."
        )
    columns: dict[str, Sequence[object]] = {}
    lazy: dict[str, Iterable[object]] = {}
    for field, values in given.items():
        if isinstance(values, _TEXT_OR_BYTES | Mapping) or not isinstance(values, Iterable):
            raise RatekitTypeError(
                f"RecordBatch {what} column {field!r} must be a sequence (a list, a tuple, "
                f"a numpy array, a pandas Series), not {type(values).__name__}: {show(values)}."
            )
        if isinstance(values, AbstractSet | ValuesView):
            raise RatekitTypeError(
                f"RecordBatch {what} column {field!r} must be a sequence in the order of its "
                f"records (a list, a tuple, a generator, a numpy array, a pandas Series), not "
                f"{type(values).__name__}: {show(values)}; a set has no order and a dict view "
                "gives a mapping's keys, values or items, so its values would not meet the "
                "other columns' values record by record: give a list."
            )
        if type(values) is list or type(values) is tuple:
            columns[field] = values
        elif isinstance(values, list | tuple):  # a subclass runs its own code: read it once
            columns[field] = read_once(
                values,
                f"RecordBatch {what} column {field!r}",
                f"{'list' if isinstance(values, list) else 'tuple'} ({type(values).__name__})",
                _A_COLUMN,
            )
        else:
            lazy[field] = values
    if lazy:
        columns.update(_read_together(what, columns, lazy, frozen, list(given)))
        columns = {field: columns[field] for field in given}  # the order given
    lengths = {field: len(values) for field, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise RatekitTypeError(
            f"RecordBatch {what} columns differ in length: {lengths}; each column holds one "
            "value per record."
        )
    return next(iter(lengths.values()), 0), columns


_A_COLUMN: Final = "a column whose values can be read (a list, a numpy array, a pandas Series)"
_ROWS: Final = "an iterable of tuples whose items can be read, such as a list"
#: How many values of each column `_read_together()` reads per round when no column
#: tells its length.
_ROUND: Final = 4096
_FRAME_COLUMNS: Final = (
    " A pandas DataFrame is not a mapping of columns here: give "
    'frame.astype(object).where(frame.notna(), None).to_dict("list") (its missing values '
    "None; see the Usage page)."
)
_FRAME_ROWS: Final = (
    " A pandas DataFrame iterates over its column names: give its rows as "
    "frame.itertuples(index=False), or its columns to RecordBatch.from_columns (see the "
    "Usage page)."
)


def _is_frame(value: object) -> bool:
    """Whether ``value`` is a pandas DataFrame, told without importing pandas. O(1)."""
    kind = type(value)
    return kind.__name__ == "DataFrame" and kind.__module__.partition(".")[0] == "pandas"


def _shown(value: object) -> str:
    """A value refused, for a message: a pandas DataFrame by its column names."""
    if _is_frame(value):
        return f"a pandas DataFrame of columns {show(list(getattr(value, 'columns', ())))}"
    return f"{type(value).__name__}: {show(value)}"


def _length(values: object) -> int | None:
    """The length a column says it has (a numpy array, a pandas Series), if it says one."""
    if not isinstance(values, Sized):
        return None
    try:
        return len(values)
    except Exception:  # a 0-d numpy array has __len__ but no length; a caller's may raise
        return None


def _iterator(what: str, field: str, values: Iterable[object]) -> Iterator[object]:
    """An iterator over a column, or the refusal of one that cannot be iterated (0-d numpy)."""
    try:
        return iter(values)
    except TypeError:
        raise RatekitTypeError(
            f"RecordBatch {what} column {field!r} must be a sequence (a list, a tuple, a numpy "
            f"array, a pandas Series), not {type(values).__name__} {show(values)}, which gives "
            "no values one by one."
        ) from None
    except Exception as error:  # the caller's iterable may raise anything
        raise _unreadable_column(what, field, values, error) from error


def _read_together(
    what: str,
    columns: Mapping[str, Sequence[object]],
    lazy: Mapping[str, Iterable[object]],
    frozen: Descriptions | None,
    given: Sequence[str],
) -> dict[str, list[object]]:
    """The ``lazy`` columns read into lists side by side, none read past the others' end.

    A round reads every column up to one value past the longest length a column tells
    (a list, a numpy array), or `_ROUND` values when none tells one; rounds go on while
    every column gives a full round. A column that gives more than the others is read
    one value further, to tell its length if it ends there, so that the lengths refused
    are the lengths given ("at least" one more than read for a column that goes on).
    ``attributes`` (``frozen`` given) are read last in each round, each mapping frozen
    as it is read (a refused one kept as its `Refusal`, raised when the column is
    checked: the first bad record is named, whatever field is bad in it). Columns that
    all go on for ever are read until memory runs out (no row limit: a long feed may be
    legitimate); one that ends bounds them all. O(n) for n records, at C speed but for
    the attributes.
    """
    told = [len(values) for values in columns.values()]
    told += [length for length in map(_length, lazy.values()) if length is not None]
    step = max(told) + 1 if told else _ROUND
    order = sorted(lazy, key=lambda field: field == "attributes" and frozen is not None)
    iterators = {field: _iterator(what, field, lazy[field]) for field in order}
    read: dict[str, list[object]] = {field: [] for field in order}
    while True:
        counts: dict[str, int] = {}
        for field in order:
            column = read[field]
            start = len(column)
            values = itertools.islice(iterators[field], step)
            try:
                if field == "attributes" and frozen is not None:
                    ids = columns.get("id", read.get("id", ()))
                    column.extend(  # a refusal is raised when the column is checked
                        frozen.read(value, index, ids[index] if index < len(ids) else None)
                        for index, value in enumerate(values, start)
                    )
                else:
                    column.extend(values)
            except RatekitError:
                raise
            except Exception as error:  # the caller's column may raise anything
                raise _unreadable_column(what, field, lazy[field], error) from error
            counts[field] = len(column) - start
        if told or min(counts.values()) < step:
            break
    if max(counts.values()) == min(counts.values()) and min(counts.values()) < step:
        return read
    # The columns differ: each one that filled its round says whether it ends there.
    lengths: dict[str, object] = {field: len(values) for field, values in columns.items()}
    ended = object()
    for field in order:
        try:
            going_on = counts[field] == step and next(iterators[field], ended) is not ended
        except Exception as error:  # the caller's column may raise anything
            raise _unreadable_column(what, field, lazy[field], error) from error
        lengths[field] = f"at least {len(read[field]) + 1}" if going_on else len(read[field])
    lengths = {field: lengths[field] for field in given}  # the order given
    raise RatekitTypeError(
        f"RecordBatch {what} columns differ in length: {lengths}; each column holds one "
        "value per record."
    )


def _unreadable_column(what: str, field: str, values: object, error: Exception) -> RatekitTypeError:
    """The refusal of a column whose own code raised ``error`` while it was read."""
    return unreadable(
        f"RecordBatch {what} column {field!r}", type(values).__name__, _A_COLUMN, error
    )


def _read(
    what: str, rows: Iterable[object], frozen: Descriptions | None
) -> tuple[list[object], list[object]]:
    """The rows of an iterator, and the event tuples' attributes frozen as each row is read.

    A feed may reuse one mapping between the tuples it yields: each record gets the
    mapping as it was when its tuple was read, not when the last one was. A mapping
    refused is kept as its `Refusal` (one per row, ``None`` for a row without
    attributes): the feed is read whole, then checked column by column, so the first
    bad record is named whatever field is bad in it. An error the feed raises (a
    generator that fails midway) names the record it was to give.
    """
    read: list[object] = []
    described: list[object] = []
    append = read.append
    keep = described.append
    try:
        for index, row in enumerate(rows):
            if type(row) is not tuple and isinstance(row, tuple):
                if _index_first(row):
                    return [*read, row], described  # refused by rows_given, naming it
                row = _plain(row)  # noqa: PLW2901 - read as the plain tuple it is
            append(row)
            if frozen is not None:
                keep(
                    frozen.read(
                        row[_ATTRIBUTES], index, row[_EVENT_ID] if len(row) > _EVENT_ID else None
                    )
                    if type(row) is tuple and len(row) > _ATTRIBUTES
                    else None
                )
    except RatekitError:
        raise
    except Exception as error:  # the caller's iterable may raise anything
        raise unreadable(
            f"RecordBatch {what}s[{len(read)}]", type(rows).__name__, _ROWS, error
        ) from error
    return read, described


def _plain(row: tuple[object, ...]) -> tuple[object, ...]:
    """A tuple subclass's items as a plain tuple, by position (its own methods stay out)."""
    return tuple.__getitem__(row, slice(None))


def rows_given(
    what: str,
    rows: Iterable[tuple[object, ...]],
    fields: Sequence[str],
    required: int,
    frozen: Descriptions | None = None,
    *,
    before: typing.Callable[[list[tuple[object, ...]]], object] | None = None,
) -> dict[str, Sequence[object]]:
    """The columns of ``rows``: every tuple of one length, from ``required`` to all fields.

    Rows that are not a list or a tuple are read one by one, the attributes of each
    (``frozen`` given) frozen before the next row is read. A row that is no tuple, or of
    another length, is refused naming it, after ``before`` (given) has checked the rows
    ahead of it: of several bad records, the first one listed is named.
    """
    if (
        isinstance(rows, _TEXT_OR_BYTES | Mapping)
        or not isinstance(rows, Iterable)
        or _is_frame(rows)
    ):
        raise RatekitTypeError(
            f"RecordBatch {what}s must be an iterable of tuples, not {_shown(rows)}."
            + (_FRAME_ROWS if _is_frame(rows) else "")
        )
    if isinstance(rows, AbstractSet):  # as a column in a set is refused
        raise RatekitTypeError(
            f"RecordBatch {what}s must be an iterable of tuples in the order of its records "
            f"(a list, a tuple, a generator), not {type(rows).__name__}: {show(rows)}; a set "
            "has no order, so the records would not come in the order they were given (an "
            "event's stop before its start, say): give a list."
        )
    described: list[object] = []
    if not isinstance(rows, list | tuple):
        read, described = _read(what, rows, frozen)
        rows = typing.cast("list[tuple[object, ...]]", read)
    elif type(rows) is not list and type(rows) is not tuple:  # a subclass runs its own code
        kind = f"{'list' if isinstance(rows, list) else 'tuple'} ({type(rows).__name__})"
        rows = read_once(rows, f"RecordBatch {what}s", kind, _ROWS)
    if not rows:
        return {}
    types = set(map(type, rows))
    if not types <= {tuple}:
        if not all(issubclass(kind, tuple) for kind in types):
            for index, row in enumerate(rows):  # a loop, not next(): no StopIteration can leak
                if not isinstance(row, tuple):
                    _ahead(rows, index, before, described)
                    raise RatekitTypeError(
                        f"{record_label(what, index, None)} is {type(row).__name__} "
                        f"{show(row)}, not a tuple ({', '.join(fields)})."
                    )
        indexed = next((i for i, row in enumerate(rows) if _index_first(row)), None)
        if indexed is not None:
            _refuse_index(what, rows, indexed, before, described)
        # a namedtuple (pandas' itertuples()) is read by position, as the tuple it is
        rows = [row if type(row) is tuple else _plain(row) for row in rows]
    lengths = set(map(len, rows))
    width = len(typing.cast("tuple[object, ...]", rows[0]))
    if len(lengths) > 1 or not required <= width <= len(fields):
        # the first tuple of a length other than the first one's, else the first (too short
        # or too long) tuple: there always is one, every tuple being a tuple
        index = next((i for i, row in enumerate(rows) if len(row) != width), 0)
        _ahead(rows, index, before, described)
        shown = _as_read(rows, described)[index] if index < len(described) else rows[index]
        raise RatekitTypeError(
            f"{record_label(what, index, None)} has {len(rows[index])} "
            f"field{'' if len(rows[index]) == 1 else 's'}: "
            f"{show(shown)}; {_article(what)} {what} tuple is ({', '.join(fields)}), from "
            f"{required} to {len(fields)} fields (the first {required} required), and every "
            "tuple of a batch has the same length."
        )
    # One pass per field, at C speed: zip(*rows) would make an iterator per row, each a
    # container the cycle collector counts (and walks) while the rows are read.
    columns: dict[str, Sequence[object]] = {
        field: list(map(operator.itemgetter(index), rows))
        for index, field in enumerate(fields[:width])
    }
    if described and width > _ATTRIBUTES:  # tuples of one length: a mapping read per row
        columns["attributes"] = described
    return columns


def _index_first(row: tuple[object, ...]) -> bool:
    """Whether ``row`` is a pandas row read with its index first (``frame.itertuples()``).

    A namedtuple whose first field is ``Index`` and holds no text: it would be read as
    the account. O(1).
    """
    fields = getattr(type(row), "_fields", None)
    return (
        isinstance(fields, tuple)
        and fields[:1] == ("Index",)
        and bool(row)
        and not isinstance(tuple.__getitem__(row, 0), str)
    )


def _refuse_index(
    what: str,
    rows: Sequence[tuple[object, ...]],
    index: int,
    before: typing.Callable[[list[tuple[object, ...]]], object] | None,
    described: Sequence[object],
) -> None:
    """Refuse ``rows[index]``, a pandas row with its index first, after the rows ahead."""
    _ahead(rows, index, before, described)
    raise RatekitTypeError(
        f"{record_label(what, index, None)} is a row whose first field is its index "
        f"(Index={show(tuple.__getitem__(rows[index], 0))}), which would be read as the "
        "account: give frame.itertuples(index=False), or the frame's columns to "
        "RecordBatch.from_columns."
    )


def _ahead(
    rows: Sequence[tuple[object, ...]],
    index: int,
    before: typing.Callable[[list[tuple[object, ...]]], object] | None,
    described: Sequence[object] = (),
) -> None:
    """Check the rows ahead of ``rows[index]`` (tuples) with ``before`` (it raises for a bad one).

    Rows read from an iterator are checked with the attributes read with them
    (``described``, one per row): a mapping the feed reused has changed since.
    """
    if before is not None and index:
        before(_as_read(rows[:index], described))


def _as_read(
    rows: Sequence[tuple[object, ...]], described: Sequence[object]
) -> list[tuple[object, ...]]:
    """``rows`` with the attributes each had when read (``described``, if read from a feed).

    ``None`` (no attributes) is left as it is, and a mapping refused when read (a
    `Refusal`) is the copy it keeps: the rows ahead of a tuple of another shape are
    checked again with them, and a message shows a row as it was read. O(n), on the
    error path only.
    """
    if not described:
        return list(rows)
    return [
        (*row[:_ATTRIBUTES], _read_as(described[at]), *row[_ATTRIBUTES + 1 :])
        if type(row) is tuple and len(row) > _ATTRIBUTES and row[_ATTRIBUTES] is not None
        else row
        for at, row in enumerate(rows)
    ]


def _read_as(described: object) -> object:
    """What a row's attributes were when read: the frozen mapping, or a refused one's copy."""
    return described.given if type(described) is Refusal else described
