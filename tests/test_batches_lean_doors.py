"""The lean path's doors for what is not quite a column or a tuple (`ratekit.batches`).

A column that never ends, an unordered collection, a pandas frame where a mapping goes,
tuple subclasses, pandas' missing values, a batch inside a list, an instant in no cycle
of the plan, a ``str`` subclass where a string goes: each is either read as what it is or
refused, naming what was wrong and what would be accepted.
"""

from __future__ import annotations

import collections
import enum
import itertools
import pickle
from collections.abc import Iterator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
T0 = MARCH.start_us
HOUR = 3_600_000_000
METERS = [rk.Meter("runtime", "hour", rk.OnOff())]
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "runtime", rk.PerUnit("0.10"))]
)
DIFFER = "RecordBatch event columns differ in length: {}; each column holds one value per record."


def _events(count: int) -> dict[str, list[object]]:
    return {
        "account": ["acme"] * count,
        "resource": [f"vm-{i}" for i in range(count)],
        "at_us": [T0 + i for i in range(count)],
    }


# -- F1: the columns are read side by side -----------------------------------------------------


def test_a_column_that_never_ends_is_refused_by_the_length_of_the_others() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(
            events={"account": itertools.repeat("a"), "resource": ["r"], "at_us": [0]}
        )
    # the lists tell 1 value: 2 are read, then one more says the column goes on
    assert str(raised.value) == DIFFER.format(
        "{'account': 'at least 3', 'resource': 1, 'at_us': 1}"
    )


def test_endless_columns_beside_generators_are_read_no_further_than_a_round() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(
            events={
                "account": itertools.repeat("a"),
                "resource": iter(["r"]),
                "at_us": iter([0]),
                "attributes": itertools.repeat({"flavor": "m1.small"}),
            }
        )
    # no column tells a length: one round of 4096 values, and one more for the endless ones
    assert str(raised.value) == DIFFER.format(
        "{'account': 'at least 4097', 'resource': 1, 'at_us': 1, 'attributes': 'at least 4097'}"
    )


def test_one_sized_column_that_is_no_list_bounds_endless_generators() -> None:
    # the condition the docs state: at least one column ends. Here only at_us does, a
    # range (sized, not a list): it tells 2 values, so the endless columns are read to
    # 2 + 1 values, and one more says each goes on: "at least 4"
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(
            events={
                "account": itertools.repeat("a"),
                "resource": itertools.repeat("r"),
                "at_us": range(T0, T0 + 2),
            }
        )
    assert str(raised.value) == DIFFER.format(
        "{'account': 'at least 4', 'resource': 'at least 4', 'at_us': 2}"
    )


@pytest.mark.parametrize(
    ("account", "resource", "lengths"),
    [
        (iter("ab"), iter(["r"]), "{'account': 2, 'resource': 1, 'at_us': 1}"),
        (iter("ab"), ["r"], "{'account': 2, 'resource': 1, 'at_us': 1}"),
        (iter("a"), iter(["r", "s"]), "{'account': 1, 'resource': 2, 'at_us': 1}"),
        # a list of 1 bounds what is read: 2 values, and one more for the columns going on
        (
            iter("a" * 5000),
            iter(["r"] * 5001),
            "{'account': 'at least 3', 'resource': 'at least 3', 'at_us': 1}",
        ),
    ],
)
def test_finite_columns_of_unequal_length_are_refused_with_their_lengths(
    account: object, resource: object, lengths: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(events={"account": account, "resource": resource, "at_us": [0]})
    assert str(raised.value) == DIFFER.format(lengths)


def test_generator_columns_of_equal_length_past_a_round_give_the_batch_of_lists() -> None:
    lists = _events(5000)
    lists["attributes"] = [{"n": i % 3} for i in range(5000)]
    lists["id"] = [f"e{i}" for i in range(5000)]

    def reused() -> Iterator[dict[str, object]]:  # one dict, reused: each record keeps its own
        attributes: dict[str, object] = {}
        for i in range(5000):
            attributes["n"] = i % 3
            yield attributes

    lazy = {field: iter(values) for field, values in lists.items()}
    lazy["attributes"] = reused()
    assert list(rk.RecordBatch.from_columns(events=lazy)) == list(
        rk.RecordBatch.from_columns(events=lists)
    )


def test_a_bad_attribute_of_a_generator_is_named_with_the_id_read_beside_it() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(
            events={
                **_events(2),
                "attributes": iter([None, {1: "x"}]),
                "id": iter(["e0", "e1"]),
            }
        )
    assert str(raised.value).startswith("events[1] (id 'e1'):")


# -- F2: what is not a mapping of columns ------------------------------------------------------


def test_a_pandas_frame_is_refused_with_the_conversion_that_gives_its_columns() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"account": ["acme"], "resource": ["vm-1"], "at_us": [T0]})
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(events=frame)
    assert str(raised.value) == (
        "RecordBatch event columns must be a mapping of field names to sequences (account, "
        "resource, at_us, kind, attributes, id, seq), not a pandas DataFrame of columns "
        "['account', 'resource', 'at_us']. A pandas DataFrame is not a mapping of columns "
        'here: give frame.astype(object).where(frame.notna(), None).to_dict("list") (its '
        "missing values None; see the Usage page)."
    )
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_tuples(events=frame)
    assert str(raised.value) == (
        "RecordBatch events must be an iterable of tuples, not a pandas DataFrame of columns "
        "['account', 'resource', 'at_us']. A pandas DataFrame iterates over its column "
        "names: give its rows as frame.itertuples(index=False), or its columns to "
        "RecordBatch.from_columns (see the Usage page)."
    )
    # the conversion the message gives is accepted
    columns = frame.astype(object).where(frame.notna(), None).to_dict("list")
    assert list(rk.RecordBatch.from_columns(events=columns)) == [
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z")
    ]


@pytest.mark.parametrize(
    ("columns", "shown"),
    [([], "list: []"), ([("a", "r", 0)], "list: [('a', 'r', 0)]"), (0, "int: 0"), ("", "str: ''")],
)
def test_any_value_but_a_mapping_of_columns_is_refused(columns: object, shown: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(samples=columns)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "RecordBatch sample columns must be a mapping of field names to sequences (account, "
        f"resource, meter, at_us, value, kind, id, seq), not {shown}."
    )


# -- F3: a column has the order of its records -------------------------------------------------


@pytest.mark.parametrize(
    ("column", "shown"),
    [
        ({"acme"}, "set: {'acme'}"),
        (frozenset({"acme"}), "frozenset: frozenset({'acme'})"),
        ({"acme": 1}.keys(), "dict_keys: dict_keys(['acme'])"),
        ({1: "acme"}.values(), "dict_values: dict_values(['acme'])"),
        ({"acme": 1}.items(), "dict_items: dict_items([('acme', 1)])"),
    ],
)
def test_unordered_collections_are_refused_as_columns(column: object, shown: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(events={"account": column, "resource": ["r"], "at_us": [0]})
    assert str(raised.value) == (
        "RecordBatch event column 'account' must be a sequence in the order of its records (a "
        f"list, a tuple, a generator, a numpy array, a pandas Series), not {shown}; a set has "
        "no order and a dict view gives a mapping's keys, values or items, so its values "
        "would not meet the other columns' values record by record: give a list."
    )


# -- F4: a tuple subclass is a tuple -----------------------------------------------------------

EventRow = collections.namedtuple("EventRow", "account resource at_us kind attributes id seq")
SampleRow = collections.namedtuple("SampleRow", "account resource meter at_us value kind")


class _Odd(tuple):  # type: ignore[type-arg]
    """A tuple subclass whose own methods lie: it is read by position all the same."""

    __slots__ = ()

    def __iter__(self) -> Iterator[object]:
        return iter(("x", "y", 0))

    def __len__(self) -> int:
        return 9

    def __getitem__(self, index: object) -> object:
        return "zz"


def test_namedtuples_and_tuple_subclasses_give_the_batch_of_plain_tuples() -> None:
    events = [
        ("acme", "vm-1", T0, "start", {"flavor": "m1.small"}, "e1", 1),
        ("acme", "vm-1", T0 + HOUR, "stop", None, "e2", 2),
    ]
    samples = [("acme", "ip-1", "egress", T0, 5, "counter")]
    plain = rk.RecordBatch.from_tuples(events, samples)
    for rows in (
        ([EventRow(*row) for row in events], [SampleRow(*row) for row in samples]),
        ((EventRow(*row) for row in events), (SampleRow(*row) for row in samples)),
        ([_Odd(row) for row in events], [_Odd(row) for row in samples]),
        ((_Odd(row) for row in events), iter([_Odd(row) for row in samples])),
        ([events[0], EventRow(*events[1])], samples),  # plain and subclass mixed
    ):
        assert list(rk.RecordBatch.from_tuples(*rows)) == list(plain)
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_tuples([EventRow(*events[0]), ["acme", "vm-1", T0]])
    assert str(raised.value) == (
        "events[1] is list ['acme', 'vm-1', 1772323200000000], not a tuple (account, "
        "resource, at_us, kind, attributes, id, seq)."
    )


def test_the_rows_of_a_pandas_frame_rate_as_plain_tuples() -> None:
    pd = pytest.importorskip("pandas")
    rows = [
        ("acme", "vm-1", T0, "start"),
        ("acme", "vm-1", T0 + 2 * HOUR, "stop"),
        ("wayne", "vm-2", T0, "start"),
        ("wayne", "vm-2", T0 + HOUR, "stop"),
    ]
    frame = pd.DataFrame(rows, columns=["account", "resource", "at_us", "kind"])
    # itertuples() gives Python ints for an int64 column, as the plain tuples hold
    from_frame = rk.RecordBatch.from_tuples(frame.itertuples(index=False))
    plain = rk.RecordBatch.from_tuples(rows)
    assert list(from_frame) == list(plain)
    rated = rk.rate(from_frame, PLAN, span=MARCH, meters=METERS)
    assert rated == rk.rate(plain, PLAN, span=MARCH, meters=METERS)
    # 2 h x 0.10 = 0.20 for acme; 1 h x 0.10 = 0.10 for wayne
    assert [(c.account, c.amount) for c in rated.charges] == [
        ("acme", Decimal("0.20")),
        ("wayne", Decimal("0.10")),
    ]


_names = st.sampled_from(["acme", "wayne", "vm-1", "vm-2"])
_rows = st.lists(
    st.tuples(
        _names,
        _names,
        st.integers(T0, T0 + 10 * HOUR),
        st.sampled_from(["start", "update", "stop", "delete"]),
        st.sampled_from([None, {"flavor": "m1.small"}, {"n": 1}]),
        st.one_of(st.none(), st.sampled_from(["e1", "e2", "e3"])),
        st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
    ),
    max_size=8,
)


@settings(max_examples=LAWS)
@given(
    rows=_rows,
    pattern=st.lists(st.sampled_from(["plain", "named", "odd"]), min_size=8, max_size=8),
    lazy=st.booleans(),
)
def test_law_tuple_subclasses_give_the_batch_of_plain_tuples(
    rows: list[tuple[object, ...]], pattern: list[str], lazy: bool
) -> None:
    made = {"plain": tuple, "named": lambda row: EventRow(*row), "odd": _Odd}
    given_rows = [made[kind](row) for row, kind in zip(rows, pattern, strict=False)]
    batch = rk.RecordBatch.from_tuples(iter(given_rows) if lazy else given_rows)
    assert list(batch) == list(rk.RecordBatch.from_tuples(rows))


# -- F7: pandas' missing values are named alike ------------------------------------------------

MISSING = (
    " A missing value (pandas' NaN, NA or NaT) is None here: give the column as "
    "series.astype(object).where(series.notna(), None).tolist(), or a frame's columns as "
    'frame.astype(object).where(frame.notna(), None).to_dict("list") (see the Usage page).'
)


def _required(field: str) -> str:
    return (
        " A missing value (pandas' NaN, NA or NaT) has no place here, nor None: every record "
        f"has its {field}; leave out the records without one (frame.dropna(subset=[{field!r}]))."
    )


def test_na_nat_and_nan_are_named_as_missing_values_with_one_conversion() -> None:
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    cases = [
        ("id", pd.NA, "id is NAType <NA>; an id is a non-empty string or None."),
        ("id", float("nan"), "id is float nan; an id is a non-empty string or None."),
        (
            "id",
            np.float64("nan"),
            "id is float64 np.float64(nan); an id is a non-empty string or None.",
        ),
        ("account", pd.NaT, "account is NaTType NaT; it must be a non-empty string."),
        (
            "at_us",
            pd.NA,
            (
                "at_us is NAType <NA>; an instant of a batch is an int of microseconds since "
                "1970-01-01T00:00:00Z (use rk.Event or rk.Sample for datetimes and ISO strings)."
            ),
        ),
    ]
    for field, value, said in cases:
        columns: dict[str, list[object]] = {**_events(1), field: [value]}
        with pytest.raises(rk.RatekitTypeError) as raised:
            rk.RecordBatch.from_columns(events=columns)
        # None is what to give for a missing id; an account or an instant is never missing
        hint = MISSING if field == "id" else _required(field)
        assert str(raised.value) == f"events[0]: {said}{hint}"


def test_the_advice_for_a_nullable_int_column_leads_to_a_batch() -> None:
    pd = pytest.importorskip("pandas")
    seq = pd.Series([1, None], dtype="Int64")
    columns: dict[str, object] = {**_events(2), "seq": seq}
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(events=columns)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "events[0]: seq is int64 np.int64(1); a seq is an int or None. A numpy array holds "
        "numpy scalars, refused where rk.Event and rk.Sample refuse them: give the column as "
        "array.tolist(), which holds Python values (a pandas Series with missing values: "
        "series.astype(object).where(series.notna(), None).tolist(), which gives None for them)."
    )
    columns["seq"] = seq.astype(object).where(seq.notna(), None).tolist()
    batch = rk.RecordBatch.from_columns(events=columns)  # type: ignore[arg-type]
    assert [event.seq for event in batch] == [1, None]


# -- F5: a batch inside a list -----------------------------------------------------------------

UNPACK = (
    " A RecordBatch is a sequence of records, not one: give the batch itself where records "
    "go, or unpack it beside other records: [*batch, *more]."
)


def test_a_batch_inside_a_list_is_refused_saying_how_to_unpack_it() -> None:
    batch = rk.RecordBatch.from_tuples([("acme", "vm-1", T0, "start")])
    event = rk.Event("acme", "vm-1", "2026-03-01T02:00:00Z", kind="stop")
    said = "takes Event, Sample and Inventory records, not RecordBatch: RecordBatch(1 event, 0 samples)."
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.rate([batch, event], PLAN, span=MARCH, meters=METERS)
    assert str(raised.value) == f"records[0]: metering {said}{UNPACK}"
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.meter([batch], METERS, span=MARCH, cycle=rk.cycles.monthly(tz="UTC"), as_of=MARCH.end)
    assert str(raised.value) == f"records[0]: metering {said}{UNPACK}"
    rater = rk.Rater(PLAN, meters=METERS, start=MARCH.start)
    with pytest.raises(rk.RatekitTypeError) as raised:
        rater.feed([batch])
    # the rater also names the record's place in the batch
    placed = said.removesuffix(".") + " (records[0] of the batch)."
    assert str(raised.value) == f"Rater.feed {placed}{UNPACK}"
    # what the message says works: 2 h x 0.10 = 0.20
    assert rk.rate([*batch, event], PLAN, span=MARCH, meters=METERS).total() == Decimal("0.20")


def test_a_bag_of_batches_is_refused_saying_batches_go_as_partitions() -> None:
    dask = pytest.importorskip("dask")
    bag = pytest.importorskip("dask.bag")
    from ratekit.scaleout import rate_by_account

    batch = rk.RecordBatch.from_tuples(
        [("acme", "vm-1", T0, "start"), ("acme", "vm-1", T0 + 2 * HOUR, "stop")]
    )
    other = rk.RecordBatch.from_tuples(
        [("wayne", "vm-2", T0, "start"), ("wayne", "vm-2", T0 + HOUR, "stop")]
    )
    with dask.config.set(scheduler="synchronous"):
        with pytest.raises(rk.RatekitTypeError) as raised:
            rate_by_account(bag.from_sequence([batch]), PLAN, span=MARCH, meters=METERS)
        assert str(raised.value) == (
            "rate_by_account records must be Event or Sample values, not a RecordBatch: "
            "RecordBatch(2 events, 0 samples) is one element of the bag holding many records; "
            "give each batch as a partition of the bag (dask.bag.from_delayed("
            "[dask.delayed(batch), ...])), or flatten the bag of batches into one of records "
            "(bag.flatten())."
        )
        # both ways out rate as one process rates the records
        alone = rk.rate([*batch, *other], PLAN, span=MARCH, meters=METERS)
        parts = bag.from_delayed([dask.delayed(batch), dask.delayed(other)])
        flat = bag.from_sequence([batch, other]).flatten()
        for records in (parts, flat):
            rating, _ = rate_by_account(records, PLAN, span=MARCH, meters=METERS)
            assert rating.charges == alone.charges


# -- F6: an instant in no cycle of the plan names its record -----------------------------------


def test_an_instant_in_no_cycle_of_the_plan_is_refused_naming_its_record_on_both_paths() -> None:
    year_one = -62135596800000000  # 0001-01-01T00:00:00Z: a record takes it, no calendar does
    friendly = [
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start"),
        rk.Event("acme", "vm-9", "0001-01-01T00:00:00Z", kind="start", id="e9"),
    ]
    lean = rk.RecordBatch.from_tuples(
        [("acme", "vm-1", T0, "start", None, None), ("acme", "vm-9", year_one, "start", None, "e9")]
    )
    assert list(lean) == friendly
    for records in (friendly, lean):
        with pytest.raises(rk.BadTimeError) as raised:
            rk.rate(records, PLAN, span=MARCH, meters=METERS)
        assert str(raised.value) == (
            "rate: records[1] (event 'e9' of account 'acme', resource 'vm-9') has at "
            "0001-01-01T00:00:00Z, in no billing cycle of the plan ratekit can compute "
            "(instant 0001-01-01T00:00:00Z is outside the range ratekit's calendars support "
            "(years 2 to 9998: from 0002-01-01T00:00:00Z, inclusive, to 9998-12-31T00:00:00Z, "
            "exclusive)); give records whose instants lie within that range."
        )
    late = rk.RecordBatch.from_tuples(samples=[("wayne", "ip-1", "runtime", 253402214400000000, 1)])
    with pytest.raises(rk.BadTimeError) as raised:
        rk.rate(late, PLAN, span=MARCH, meters=[rk.Meter("runtime", "hour", rk.Discrete())])
    assert str(raised.value).startswith(
        "rate: records[0] (sample of account 'wayne', resource 'ip-1') has at "
        "9999-12-31T00:00:00Z, in no billing cycle of the plan ratekit can compute"
    )


# -- F8: a str subclass is stored as the plain str it is ---------------------------------------


class _Kind(enum.StrEnum):
    START = "start"
    COUNTER = "counter"
    ACME = "acme"


def test_str_subclasses_are_stored_as_plain_strings_by_the_friendly_constructors() -> None:
    event = rk.Event(
        _Kind.ACME, _Kind.ACME, "2026-03-01T00:00:00Z", kind=_Kind.START, id=_Kind.ACME
    )
    sample = rk.Sample(
        _Kind.ACME,
        _Kind.ACME,
        _Kind.ACME,
        "2026-03-01T00:00:00Z",
        1,
        kind=_Kind.COUNTER,
        id=_Kind.ACME,
    )
    for record, fields in (
        (event, ("account", "resource", "kind", "id")),
        (sample, ("account", "resource", "meter", "kind", "id")),
    ):
        assert [type(getattr(record, field)) for field in fields] == [str] * len(fields)
    assert repr(event) == "Event('acme', 'acme', '2026-03-01T00:00:00Z', kind='start', id='acme')"
    assert (
        repr(sample)
        == "Sample('acme', 'acme', 'acme', '2026-03-01T00:00:00Z', '1', kind='counter', id='acme')"
    )
    # as the lean path stores them, and no pickle names the enum
    lean = rk.RecordBatch.from_tuples([(_Kind.ACME, _Kind.ACME, T0, _Kind.START, None, _Kind.ACME)])
    assert lean[0] == event
    assert type(lean[0].kind) is str
    assert b"_Kind" not in pickle.dumps(event)
    assert b"_Kind" not in pickle.dumps(sample)


def test_generators_past_a_round_are_refused_with_their_whole_lengths() -> None:
    # no column tells its length: rounds of 4096, then 904, 905 and 904 values end them
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(
            events={
                "account": iter(["a"] * 5000),
                "resource": iter(["r"] * 5001),
                "at_us": iter([0] * 5000),
            }
        )
    assert str(raised.value) == DIFFER.format("{'account': 5000, 'resource': 5001, 'at_us': 5000}")


def test_a_column_that_gives_no_values_one_by_one_is_refused() -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(events={**_events(1), "at_us": np.array(T0)})
    assert str(raised.value) == (
        "RecordBatch event column 'at_us' must be a sequence (a list, a tuple, a numpy array, "
        "a pandas Series), not ndarray array(1772323200000000), which gives no values one by one."
    )
