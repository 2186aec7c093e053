"""The lean input path: many records given as plain tuples or columns, checked per column.

A feed that delivers millions of records does not need a friendly constructor per record:
[`RecordBatch.from_tuples()`][ratekit.RecordBatch.from_tuples] and
[`RecordBatch.from_columns()`][ratekit.RecordBatch.from_columns] take events and samples as
plain values (instants as integer epoch microseconds, attributes as mappings, read when
their record is read and shared between the records that have equal ones) and check each
field once per column, at C speed where the column allows it: the types of a column as a
set, the range of its ints as a minimum and a maximum, each distinct plain attribute
mapping once. The records
they make are the same [`Event`][ratekit.Event] and [`Sample`][ratekit.Sample] values the
friendly constructors make (equal to them, field for field), built through one private
route without converting again what was checked (`ratekit._batch_making`); so [`meter()`][ratekit.meter],
[`rate()`][ratekit.rate] and [`Rater.feed()`][ratekit.Rater.feed] take a batch wherever
they take records, and what they return is the same for either path.

A bad field raises the error the friendly constructor would raise for it, naming the
record by the list given and its index there (``samples[3]``; the batch holds its events
first, so that is not ``batch[3]``) and its id, if it has one, then the field and the
value, and saying what is accepted.
"""

from __future__ import annotations

import functools
import itertools
import sys
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Final, TypeAlias, overload

import attrs

from ._batch_columns import (
    _TOLD_NOTHING,
    Column,
    Descriptions,
    Told,
    _any_given,
    first_bad,
    located,
    record_label,
)
from ._batch_making import _made_events, _made_samples
from ._batch_reading import EVENT_FIELDS, SAMPLE_FIELDS, columns_given, rows_given
from ._caller_objects import read_once
from ._descriptions import EMPTY
from ._entry_points import in_context, plain_text
from ._shown import show
from .errors import BadRecordError, RatekitError, RatekitTypeError
from .records import (
    _EVENT_KIND_SET,
    _SAMPLE_KIND_SET,
    EVENT_KINDS,
    SAMPLE_KINDS,
    Event,
    Sample,
    _counter_refusal,
)

__all__ = ["EventTuple", "RecordBatch", "SampleTuple", "unpack_hint"]

EventTuple: TypeAlias = tuple[typing.Any, ...]
"""``(account, resource, at_us[, kind[, attributes[, id[, seq]]]])``: one event, plainly."""
SampleTuple: TypeAlias = tuple[typing.Any, ...]
"""``(account, resource, meter, at_us, value[, kind[, id[, seq]]])``: one sample, plainly."""


_EVENT_REQUIRED: Final = 3  # account, resource, at_us; kind and attributes have defaults
_SAMPLE_REQUIRED: Final = 5  # account, resource, meter, at_us, value


def unpack_hint(record: object) -> str:
    """What a message refusing ``record`` among records adds: for a RecordBatch, or a tuple.

    A batch is unpacked; a plain tuple (the lean path's shape of a record) is made a
    record by `RecordBatch.from_tuples()`.
    """
    if isinstance(record, tuple):
        return (
            " A plain tuple is no record: make records of tuples with "
            "rk.RecordBatch.from_tuples(events=[...], samples=[...]) and give the batch "
            "where records go."
        )
    if type(record) is not RecordBatch:
        return ""
    return (
        " A RecordBatch is a sequence of records, not one: give the batch itself where "
        "records go, or unpack it beside other records: [*batch, *more]."
    )


#: The records whose bytes estimate a batch's (`RecordBatch.__sizeof__`).
_SIZED: Final = 16


def _record_bytes(record: Event | Sample) -> int:
    """A record's object and the values it alone holds: its instant and a sample's value."""
    held = sys.getsizeof(record) + sys.getsizeof(record.at_us)
    if type(record) is not Sample:
        return held
    return held + sys.getsizeof(record._value)  # type: ignore[attr-defined] # (as kept)


class _Given:
    """The columns of one kind of record, each checked when asked for (see `Column`)."""

    __slots__ = ("columns", "what")

    def __init__(self, what: str, columns: Mapping[str, Sequence[object]]) -> None:
        self.what = what
        self.columns = columns

    def __call__(self, field: str) -> Column:
        return Column(self.what, field, self.columns[field], self.columns.get("id", ()))

    def optional(
        self, field: str, checked: typing.Callable[[Column], Iterable[object]], default: object
    ) -> Iterable[object]:
        """The checked column ``field``, or ``default`` for every record if not given."""
        return checked(self(field)) if field in self.columns else itertools.repeat(default)


def _events(
    columns: Mapping[str, Sequence[object]],
    count: int,
    frozen: Descriptions,
    told: dict[str, object],
) -> list[Event]:
    given = _Given("event", columns)
    # checked in this order (the first bad field is the one named), set in slot order
    accounts = given("account").names()
    resources = given("resource").names()
    instants = given("at_us").instants()
    kinds = given.optional("kind", lambda c: c.kinds(_EVENT_KIND_SET, EVENT_KINDS), "update")
    attributes = given.optional("attributes", lambda c: c.descriptions(frozen), EMPTY)
    record_ids = given.optional("id", Column.optional_ids, None)
    seqs = given.optional("seq", Column.sequences, None)
    values = (accounts, resources, instants, attributes, kinds, record_ids, seqs)
    made = _made_events(values, count, _own(instants, record_ids, seqs))
    told.update(events=count, named=_any_given(record_ids), sequenced=_any_given(seqs))
    return made


def _samples(
    columns: Mapping[str, Sequence[object]], count: int, told: dict[str, object]
) -> list[Sample]:
    given = _Given("sample", columns)
    accounts = given("account").names()
    resources = given("resource").names()
    meters = given("meter").names()
    instants = given("at_us").instants()
    amounts = given("value").amounts()
    kinds = given.optional("kind", lambda c: c.kinds(_SAMPLE_KIND_SET, SAMPLE_KINDS), "delta")
    ids = given.optional("id", Column.optional_ids, None)
    if isinstance(kinds, list) and "counter" in kinds and min(amounts) < 0:
        _refuse_negative_reading(kinds, amounts, ids)  # only if a counter's value is < 0
    seqs = given.optional("seq", Column.sequences, None)  # checked after the readings
    values = (
        accounts,
        resources,
        meters,
        instants,
        amounts,
        kinds,
        itertools.repeat(None),  # since: a delta over a span is given as a Sample
        ids,
        seqs,
    )
    made = _made_samples(values, count, _own(instants, amounts, ids, seqs))
    told.update(
        named=_any_given(ids),
        meters=frozenset(meters),
        kinds=frozenset(kinds) if isinstance(kinds, list) else frozenset({"delta"}),
        below_zero=bool(amounts) and min(amounts) < 0,
    )
    return made


def _own(*columns: Iterable[object]) -> list[Sequence[object]]:
    """The columns given (not a default repeated) of the caller's own value per record."""
    return [column for column in columns if isinstance(column, list | tuple)]


def _refuse_negative_reading(
    kinds: list[object], amounts: Sequence[Decimal | int], ids: Iterable[object]
) -> None:
    """Refuse the first negative counter reading, as [`Sample`][ratekit.Sample]'s door does.

    A negative delta or gauge beside a counter reading is valid and passes: only a
    counter's value is checked (a loop, not ``next()``: no StopIteration can leak).
    """
    known = list(ids) if isinstance(ids, list | tuple) else [None] * len(kinds)
    for index, (kind, amount) in enumerate(zip(kinds, amounts, strict=True)):
        if kind == "counter" and amount < 0:
            label = record_label("sample", index, known[index])
            raise located(index, BadRecordError(_counter_refusal(label + ":", amount)))


@typing.final
@attrs.frozen(init=False, repr=False)
class RecordBatch:
    """Events and samples given as plain tuples or columns: the lean input path.

    A batch is a read-only sequence of [`Event`][ratekit.Event] and
    [`Sample`][ratekit.Sample] values (its events first, then its samples, each in the
    order given), equal to the records the friendly constructors would make from the same
    fields; pass it wherever records go ([`meter()`][ratekit.meter],
    [`rate()`][ratekit.rate] with ``meters=``, [`Rater.feed()`][ratekit.Rater.feed]).
    Build it with [`from_tuples()`][ratekit.RecordBatch.from_tuples] or
    [`from_columns()`][ratekit.RecordBatch.from_columns] (``RecordBatch(records)`` takes
    records already made); iterating, indexing and ``len`` work as on a tuple (O(1) each).

    Examples:
        >>> import ratekit as rk
        >>> small = {"flavor": "m1.small"}  # read with its record; equal ones share one description
        >>> batch = rk.RecordBatch.from_tuples(
        ...     events=[("acme", "vm-1", 1772323200000000, "start", small),
        ...             ("acme", "vm-1", 1772330400000000, "stop", None)],
        ...     samples=[("acme", "vm-1", "egress", 1772326800000000, 1500)],
        ... )
        >>> batch
        RecordBatch(2 events, 1 sample)
        >>> batch[0] == rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", small, kind="start")
        True
    """

    _records: tuple[Event | Sample, ...]
    # What the columns told (`Told`), for metering; None for records already made (and
    # for a batch `attrs.evolve` made: not an argument, so never told of other records).
    _told: Told | None = attrs.field(default=None, eq=False, init=False)

    def __init__(self, records: Iterable[Event | Sample] = ()) -> None:
        """A batch of records already made (the lean constructors are the classmethods).

        Raises [`RatekitTypeError`][ratekit.RatekitTypeError] naming the first item that is
        not an [`Event`][ratekit.Event] or a [`Sample`][ratekit.Sample]. O(n).
        """
        if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
            raise RatekitTypeError(
                "RecordBatch takes an iterable of Event and Sample records (or build one with "
                "RecordBatch.from_tuples(...) or from_columns(...)), not "
                f"{type(records).__name__}: {show(records)}."
            )
        made = tuple(read_once(records, "RecordBatch records", type(records).__name__, "a list"))
        for index, record in enumerate(made):
            if type(record) not in (Event, Sample):
                raise RatekitTypeError(
                    f"RecordBatch item {index} is {type(record).__name__} {show(record)}, not an "
                    "Event or a Sample."
                )
        self.__attrs_init__(made)

    @classmethod
    def _of(cls, records: list[Event | Sample], told: Told) -> RecordBatch:
        # The lean constructors' route: every record was made here, from checked columns.
        batch = object.__new__(cls)
        batch.__attrs_init__(tuple(records))
        object.__setattr__(batch, "_told", told)
        return batch

    @classmethod
    def from_columns(
        cls,
        events: Mapping[str, Iterable[object]] | None = None,
        samples: Mapping[str, Iterable[object]] | None = None,
    ) -> RecordBatch:
        """A batch from columns: a mapping of field name to one value per record.

        - ``events`` fields: ``account``, ``resource`` (non-empty strings), ``at_us``
          (int, epoch microseconds), and optionally ``kind`` (``"start"``, ``"update"``
          — the default —, ``"stop"``, ``"delete"``), ``attributes`` (a mapping or
          ``None``, read when its record is: see below), ``id`` (a non-empty string or
          ``None``) and ``seq`` (an int from -2^63 to 2^63-1, or ``None``).
        - ``samples`` fields: ``account``, ``resource``, ``meter`` (non-empty strings),
          ``at_us`` (int, epoch microseconds), ``value`` (an int, a Decimal, a str or a
          float, through ratekit's one door for numbers), and optionally ``kind``
          (``"delta"`` — the default —, ``"counter"``, ``"gauge"``), ``id`` and ``seq``.
          A delta over a span (``since``) is given as a [`Sample`][ratekit.Sample]:
          ``[*batch, *spans]`` is a list of records that every consumer takes.

        A column is any iterable of one value per record but a string, a mapping, a set or
        a dict view (which have no record order): a list, a tuple, a generator, a numpy
        array, a pandas Series. Columns that are not lists or tuples are read side by
        side, none further than one value past the others' length (a column that never
        ends is refused as one of another length), provided at least one column ends (a
        sized one, or an iterator that stops): columns that are all endless generators
        are read until memory runs out, as no row limit is imposed. Its values pass the
        friendly constructors' rules: a ``str`` subclass (``numpy.str_``) is a string, an
        ``int`` subclass an int, a ``float`` subclass (``numpy.float64``) a float where a
        float is accepted; ``bool`` is no int; a numpy integer is refused as
        [`Sample`][ratekit.Sample] refuses it (``array.tolist()`` gives Python ints). A
        ``pandas`` frame is no mapping of columns (it is refused, saying so): it gives its
        columns with ``frame.astype(object).where(frame.notna(), None).to_dict("list")``,
        its missing values (NaN, NA, NaT) ``None``, and its int columns with gaps (floats)
        ints again, as the Usage page shows: a missing value or a float where an int goes
        is refused, saying so.

        Each record's attributes are read (checked and frozen) when its record is read: a
        generator that reuses one mapping gives each record the mapping as it was then. A
        ``dict`` of strings, ints, bools and ``None`` is frozen once per distinct content,
        and the records with equal such attributes share one read-only description; any
        other mapping is frozen once per record, or once for all the records of a list or
        tuple column that hold that very mapping object.

        Errors: a missing, unknown or short column raises
        [`RatekitTypeError`][ratekit.RatekitTypeError]; a bad value raises what the friendly
        constructor raises for it ([`RatekitTypeError`][ratekit.RatekitTypeError],
        [`BadTimeError`][ratekit.BadTimeError], [`BadRecordError`][ratekit.BadRecordError],
        [`BadQuantityError`][ratekit.BadQuantityError]), naming the record by the list
        given and its index there (``events[2]``, ``samples[0]``: in the batch, the events
        come first, so a bad event is named before a fault of the samples' columns), its
        id, the field and the value. Every column is read before an error is raised (the
        lengths are compared, then each column is checked at C speed): a lazy column (a
        generator) is read to its end, or one past the longest length a column tells,
        even past a bad value; a source that must not be read beyond a bad record is read
        record by record with [`Event`][ratekit.Event] and [`Sample`][ratekit.Sample].
        The events are made (their values read, their attributes frozen) before the
        samples' columns are read: a samples generator that reuses the caller's lists or
        mappings changes no event.

        Cost: O(n) for n records; the checks run per column, at C speed where the column
        allows it (a column of one exact type, ints in range); attributes cost O(k) per
        record of k keys, and the door once per distinct plain content; no datetime is
        made, and no copy of a value given: each record holds the very instant, id and
        seq it was given, and its names interned, so the batch adds its records and their
        Decimals to the memory the caller's values take.

        Examples:
            >>> import ratekit as rk
            >>> batch = rk.RecordBatch.from_columns(
            ...     samples={"account": ["acme", "acme"], "resource": ["ip-1", "ip-1"],
            ...              "meter": ["egress", "egress"],
            ...              "at_us": [1772323200000000, 1772326800000000], "value": [10, 32]})
            >>> [(s.at, s.value) for s in batch]  # doctest: +NORMALIZE_WHITESPACE
            [(datetime.datetime(2026, 3, 1, 0, 0, tzinfo=datetime.timezone.utc), Decimal('10')),
             (datetime.datetime(2026, 3, 1, 1, 0, tzinfo=datetime.timezone.utc), Decimal('32'))]
            >>> try:
            ...     rk.RecordBatch.from_columns(events={"account": ["acme"], "resource": ["vm-1"],
            ...                                         "at_us": ["2026-03-01T00:00:00Z"]})
            ... except rk.RatekitTypeError as error:
            ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
            events[0]: at_us is str '2026-03-01T00:00:00Z'; an instant of a batch is an int
            of microseconds since 1970-01-01T00:00:00Z (use rk.Event or rk.Sample for
            datetimes and ISO strings).
        """
        return cls._from_columns(events, samples, Descriptions("event"))

    @classmethod
    @in_context  # builds a record per row: the cycle collector paused (see _collector)
    def _from_columns(
        cls,
        events: Mapping[str, Iterable[object]] | None,
        samples: Mapping[str, Iterable[object]] | None,
        frozen: Descriptions,
    ) -> RecordBatch:
        event_count, event_columns = columns_given(
            "event", {} if events is None else events, EVENT_FIELDS, _EVENT_REQUIRED, frozen
        )
        made: list[Event | Sample] = []
        # The events are made (their values read, their attributes frozen) before the
        # samples' columns are read, so that a samples generator reusing the caller's
        # lists or mappings changes no event; an error is raised once every column is
        # read. The events come first in the batch: a bad event is named before a fault
        # of the samples' columns (one missing, of another length, of another shape).
        failed: RatekitError | None = None
        told: dict[str, typing.Any] = _TOLD_NOTHING._asdict()
        if event_columns:
            events_of = functools.partial(_events, frozen=frozen, told=told)
            try:
                made.extend(first_bad(events_of, event_columns, event_count))
            except RatekitError as error:
                failed = error
        try:
            sample_count, sample_columns = columns_given(
                "sample", {} if samples is None else samples, SAMPLE_FIELDS, _SAMPLE_REQUIRED
            )
        except RatekitError as error:
            failed, sample_count, sample_columns = failed or error, 0, {}
        if failed is not None:
            raise failed
        if sample_columns:
            events_told = told["named"]
            made.extend(
                first_bad(functools.partial(_samples, told=told), sample_columns, sample_count)
            )
            told["named"] = told["named"] or events_told
        return cls._of(made, Told(**told))

    @classmethod
    def from_tuples(
        cls,
        events: Iterable[EventTuple] | None = (),
        samples: Iterable[SampleTuple] | None = (),
    ) -> RecordBatch:
        """A batch from plain tuples, one per record, read as columns.

        - an event is ``(account, resource, at_us)``, optionally followed by ``kind`` (the
          default is ``"update"``, as for [`Event`][ratekit.Event] and
          [`from_columns()`][ratekit.RecordBatch.from_columns]), then ``attributes``, then
          ``id``, then ``seq``;
        - a sample is ``(account, resource, meter, at_us, value)``, optionally followed by
          ``kind`` (the default is ``"delta"``), then ``id``, then ``seq``.

        A tuple subclass (a namedtuple, a row of pandas' ``frame.itertuples(index=False)``)
        is read by position, as the tuple it is. Every tuple of ``events`` has the same
        length, likewise for ``samples`` (``None``
        is no records, as in [`from_columns()`][ratekit.RecordBatch.from_columns]). The fields
        and their rules are those of [`from_columns()`][ratekit.RecordBatch.from_columns]
        (instants as int epoch microseconds; an event's attributes read when its tuple is
        read, so a generator may reuse one dict between the tuples it yields). A tuple of
        another length, or anything but a tuple, raises
        [`RatekitTypeError`][ratekit.RatekitTypeError] naming it (``events[3]``: the list
        given and the index there).

        Cost: O(n) for n records (one transposition at C speed, then the column checks).

        Examples:
            >>> import ratekit as rk
            >>> batch = rk.RecordBatch.from_tuples(
            ...     samples=[("acme", "ip-1", "egress", 1772323200000000, 1500, "counter", "s1")])
            >>> batch[0]
            Sample('acme', 'ip-1', 'egress', '2026-03-01T00:00:00Z', '1500', kind='counter', id='s1')
            >>> def feed():  # one dict, reused: each event keeps the flavor it had when read
            ...     attributes = {}
            ...     for vm, flavor in [("vm-1", "m1.small"), ("vm-2", "m1.large")]:
            ...         attributes["flavor"] = flavor
            ...         yield ("acme", vm, 1772323200000000, "start", attributes)
            >>> [event.attributes["flavor"] for event in rk.RecordBatch.from_tuples(feed())]
            ['m1.small', 'm1.large']
            >>> try:
            ...     rk.RecordBatch.from_tuples(events=[("acme", "vm-1", 1772323200000000, "halt", None)])
            ... except rk.BadRecordError as error:
            ...     print(error)
            events[0]: kind is str 'halt'; it must be one of 'start', 'update', 'stop', 'delete'.
        """
        frozen = Descriptions("event")
        # Before a tuple of another shape is refused, the tuples ahead of it are read as
        # a batch of their own: of several bad records, the first listed is named.
        event_rows = rows_given(
            "event",
            () if events is None else events,
            EVENT_FIELDS,
            _EVENT_REQUIRED,
            frozen,
            before=lambda ahead: cls.from_tuples(events=ahead),
        )
        # The events are made before the samples' tuples are read (a samples generator
        # reusing the caller's mappings changes no event: see from_columns()); they come
        # first in the batch: a bad event is named before a sample tuple of another shape.
        failed: RatekitError | None = None
        made: RecordBatch | None = None
        try:
            made = cls._from_columns(event_rows, None, frozen)
        except RatekitError as error:
            failed = error
        try:
            sample_rows = rows_given(
                "sample",
                () if samples is None else samples,
                SAMPLE_FIELDS,
                _SAMPLE_REQUIRED,
                before=lambda ahead: cls.from_tuples(samples=ahead),
            )
        except RatekitError as error:
            failed = failed or error
        if failed is not None:
            raise failed
        sampled = cls._from_columns(None, sample_rows, frozen)
        if made is None or not made:
            return sampled
        told, sample_told = made._told, sampled._told
        assert told is not None  # (made from columns)
        assert sample_told is not None
        return cls._of(
            [*made._records, *sampled._records],
            sample_told._replace(
                events=told.events,
                named=told.named or sample_told.named,
                sequenced=told.sequenced,
            ),
        )

    @property
    def events(self) -> tuple[Event, ...]:
        """The events, in the order given. O(n)."""
        return tuple(record for record in self._records if type(record) is Event)

    @property
    def samples(self) -> tuple[Sample, ...]:
        """The samples, in the order given. O(n)."""
        return tuple(record for record in self._records if type(record) is Sample)

    def __len__(self) -> int:
        return len(self._records)

    def __sizeof__(self) -> int:
        """The bytes the batch holds (``sys.getsizeof``), estimated in O(1).

        Its own object and tuple, plus each record's object and the values it holds
        alone (its instant and, for a sample, its value; names and descriptions are
        shared), estimated from up to 16 records spread evenly over the batch. A
        scheduler that weighs data by size (Dask's ``sizeof`` reads this) then sees a
        built batch as what it is, and keeps it where it was built rather than moving
        its records to another worker to balance a few hundred bytes.
        """
        records = self._records
        step = max(1, len(records) // _SIZED)
        sized = records[::step]
        held = sum(map(_record_bytes, sized)) * len(records) // len(sized) if sized else 0
        return object.__sizeof__(self) + sys.getsizeof(records) + held

    def __iter__(self) -> Iterator[Event | Sample]:
        return iter(self._records)

    @overload
    def __getitem__(self, index: int) -> Event | Sample: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Event | Sample, ...]: ...
    def __getitem__(self, index: int | slice) -> Event | Sample | tuple[Event | Sample, ...]:
        return self._records[index]

    @plain_text
    def __repr__(self) -> str:
        events = sum(type(record) is Event for record in self._records)
        samples = len(self._records) - events
        return (
            f"RecordBatch({events} event{'' if events == 1 else 's'}, "
            f"{samples} sample{'' if samples == 1 else 's'})"
        )
