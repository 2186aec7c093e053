"""What a batch's refusals name: the first bad record, numpy's bool, datetimes, sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import ratekit as rk

T0 = 1772323200000000  # 2026-03-01T00:00:00Z
INSTANT = (
    "an instant of a batch is an int of microseconds since 1970-01-01T00:00:00Z (use "
    "rk.Event or rk.Sample for datetimes and ISO strings)."
)


def _columns(rows: list[tuple[Any, ...]], fields: tuple[str, ...]) -> dict[str, list[Any]]:
    return {field: [row[i] for row in rows] for i, field in enumerate(fields)}


EVENT_FIELDS = ("account", "resource", "at_us", "kind", "attributes")


@pytest.mark.parametrize("columns", [False, True])
def test_the_first_bad_record_is_named_whatever_column_it_is_bad_in(columns: bool) -> None:
    # events[2] has a bad kind, events[3] a bad attribute, events[5] a bad account: the
    # account column is checked first, yet events[2] is named
    rows: list[tuple[Any, ...]] = [
        ("acme", "vm-0", T0, "start", None),
        ("acme", "vm-1", T0, "start", None),
        ("acme", "vm-2", T0, "halt", None),
        ("acme", "vm-3", T0, "start", {"a": float("nan")}),
        ("acme", "vm-4", T0, "start", None),
        (5, "vm-5", T0, "start", None),
    ]

    def build(given: list[tuple[Any, ...]]) -> object:
        if columns:
            return rk.RecordBatch.from_columns(events=_columns(given, EVENT_FIELDS))
        return rk.RecordBatch.from_tuples(events=given)

    with pytest.raises(rk.BadRecordError) as error:
        build(rows)
    assert str(error.value) == (
        "events[2]: kind is str 'halt'; it must be one of 'start', 'update', 'stop', 'delete'."
    )
    # without it, events[3] (its attribute); without both, events[5]
    rows[2] = ("acme", "vm-2", T0, "start", None)
    with pytest.raises(rk.BadQuantityError) as nan:
        build(rows)
    assert str(nan.value).startswith("events[3]: attribute 'a' is nan, not a finite number;")
    rows[3] = ("acme", "vm-3", T0, "start", None)
    with pytest.raises(rk.RatekitTypeError) as account:
        build(rows)
    assert str(account.value) == ("events[5]: account is int 5; it must be a non-empty string.")


def test_a_bad_record_ahead_of_a_tuple_of_another_shape_is_named_first() -> None:
    # events[0]'s seq is out of range, events[1] is shorter: events[0] comes first.
    rows: list[Any] = [("a", "r", T0, "start", None, None, 2**70), ("a", "r", T0, "start", None)]
    with pytest.raises(
        rk.BadRecordError, match=r"^events\[0\]: seq is int 1180591620717411303424;"
    ):
        rk.RecordBatch.from_tuples(events=rows)
    # So too ahead of something that is no tuple, and among samples.
    with pytest.raises(rk.BadRecordError, match=r"^events\[0\]: seq"):
        rk.RecordBatch.from_tuples(events=[rows[0], ["a", "r", T0]])
    bad_kind = ("a", "r", "api", T0, 2, "sideways")
    with pytest.raises(rk.BadRecordError, match=r"^samples\[0\]: kind is str 'sideways'"):
        rk.RecordBatch.from_tuples(samples=[bad_kind, ("a", "r", "api", T0, 3)])
    # With nothing wrong ahead of it, the other shape is named.
    with pytest.raises(rk.RatekitTypeError, match=r"^events\[1\] has 5 fields"):
        rk.RecordBatch.from_tuples(events=[("a", "r", T0, "start", None, None, 1), rows[1]])
    with pytest.raises(rk.RatekitTypeError, match=r"^events\[1\] is list"):
        rk.RecordBatch.from_tuples(events=[("a", "r", T0), ["a", "r", T0]])


def test_the_first_bad_sample_is_named_a_negative_reading_too() -> None:
    rows: list[tuple[Any, ...]] = [
        ("a", "ip", "m", T0, 5, "delta"),
        ("a", "ip", "m", T0, -5, "counter"),  # checked after the values: named first
        ("a", "ip", "m", T0, "x", "delta"),
        ("a", "ip", "m", "T", 1, "delta"),
    ]
    with pytest.raises(rk.BadRecordError) as error:
        rk.RecordBatch.from_tuples(samples=rows)
    assert str(error.value) == (
        "samples[1]: value -5 is a negative counter reading; a cumulative counter counts up "
        "from zero and is never negative, so a reading must be a number >= 0 (a decrease to "
        "a lower reading is a reset; a correction is a 'delta' sample)."
    )


def test_numpys_bool_is_named_as_numpys() -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(rk.RatekitTypeError) as attribute:
        rk.RecordBatch.from_tuples(events=[("a", "r", T0, "start", {"gpu": np.True_})])
    assert str(attribute.value) == (
        "events[0]: attribute 'gpu' must be a str, int, Decimal, float, bool, None, a mapping "
        f"or a list (JSON-like values), not {_numpy_bool(np)}: np.True_."
    )
    with pytest.raises(rk.RatekitTypeError) as switch:
        rk.bill(rk.Rating((), ()), by_resource=np.True_)
    assert str(switch.value) == (
        f"bill by_resource must be True or False, not {_numpy_bool(np)}: np.True_."
    )


def test_numpys_bool_as_a_sample_value_is_named_as_numpys() -> None:
    # not "not bool: np.True_", which reads as a refusal of Python's bool
    np = pytest.importorskip("numpy")
    with pytest.raises(rk.RatekitTypeError) as value:
        rk.Sample("a", "r", "m", "2026-03-01T00:00:00Z", np.True_)
    assert str(value.value) == (
        "sample (no id) of resource 'r' value must be a number (int, str, Decimal or float), "
        f"not {_numpy_bool(np)}: np.True_."
    )


def _numpy_bool(np: Any) -> str:
    # numpy 2 names its bool "bool", as Python's: said to be numpy's; numpy 1's "bool_"
    return "numpy bool" if np.bool_.__name__ == "bool" else "bool_"


def test_a_datetime_as_an_instant_is_told_how_to_give_microseconds() -> None:
    hint = (
        " A pandas datetime column gives epoch microseconds as "
        "series.dt.as_unit('us').astype('int64').tolist(), whatever its unit (a column "
        "without a timezone is read as UTC)."
    )
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.RecordBatch.from_columns(events={"account": ["a"], "resource": ["r"], "at_us": [at]})
    assert str(error.value) == (f"events[0]: at_us is datetime {at!r}; {INSTANT}{hint}")
    pd = pytest.importorskip("pandas")
    series = pd.Series(pd.to_datetime(["2026-03-01T00:00:00Z"]))
    with pytest.raises(rk.RatekitTypeError) as stamp:
        rk.RecordBatch.from_tuples(events=[("a", "r", series[0])])
    assert str(stamp.value) == (
        "events[0]: at_us is Timestamp Timestamp('2026-03-01 00:00:00+0000', tz='UTC'); "
        f"{INSTANT}{hint}"
    )
    # the conversion the hint gives, whatever the column's unit
    for unit in ("ns", "us", "s"):
        given = series.dt.as_unit(unit).dt.as_unit("us").astype("int64").tolist()
        assert rk.RecordBatch.from_tuples(events=[("a", "r", given[0])])[0].at_us == T0


def test_a_missing_instant_converted_by_the_hint_is_named_as_nat() -> None:
    # The conversion the hint gives turns NaT into int64's least value, -2**63, with no
    # error: the batch refused it as a mere instant out of range, leaving the reader to
    # guess; it now says which missing value it was and what to do.
    pd = pytest.importorskip("pandas")
    series = pd.Series(pd.to_datetime(["2026-03-01T00:00:00Z", None]))
    at_us = series.dt.as_unit("us").astype("int64").tolist()
    assert at_us == [T0, -(2**63)]
    said = (
        "at_us is int -9223372036854775808; an instant lies from -62135596800000000 to "
        "253402300799999999 microseconds since the epoch. It is how pandas writes a missing "
        "instant (NaT) as an int64: a datetime column converted with "
        "series.dt.as_unit('us').astype('int64') gives it for each gap; every record has "
        "its at_us, so leave out the records without one first (frame.dropna(subset=[...]) "
        "on the datetime column)."
    )
    with pytest.raises(rk.BadTimeError) as columns:
        rk.RecordBatch.from_columns(
            events={"account": ["a"] * 2, "resource": ["r"] * 2, "at_us": at_us}
        )
    assert str(columns.value) == f"events[1]: {said}"
    with pytest.raises(rk.BadTimeError) as tuples:
        rk.RecordBatch.from_tuples(samples=[("a", "r", "m", at, 1) for at in at_us])
    assert str(tuples.value) == f"samples[1]: {said}"
    # one microsecond further is no NaT: out of range, and nothing more said
    with pytest.raises(rk.BadTimeError) as beyond:
        rk.RecordBatch.from_tuples(events=[("a", "r", -(2**63) - 1)])
    assert str(beyond.value) == (
        "events[0]: at_us is int -9223372036854775809; an instant lies from "
        "-62135596800000000 to 253402300799999999 microseconds since the epoch."
    )


def test_a_set_of_tuples_is_refused_as_a_set_column_is() -> None:
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.RecordBatch.from_tuples(events={("a", "r", T0)})
    assert str(error.value) == (
        "RecordBatch events must be an iterable of tuples in the order of its records (a "
        "list, a tuple, a generator), not set: {('a', 'r', 1772323200000000)}; a set has no "
        "order, so the records would not come in the order they were given (an event's stop "
        "before its start, say): give a list."
    )
    with pytest.raises(rk.RatekitTypeError, match=r"^RecordBatch samples must be .* not frozenset"):
        rk.RecordBatch.from_tuples(samples=frozenset({("a", "r", "m", T0, 1)}))
    with pytest.raises(rk.RatekitTypeError, match=r"not set: \{'a'\}; a set has no order"):
        rk.RecordBatch.from_columns(events={"account": {"a"}, "resource": ["r"], "at_us": [T0]})


@pytest.mark.parametrize("listed", [False, True])
def test_a_pandas_row_with_its_index_first_is_refused_saying_index_false(listed: bool) -> None:
    # frame.itertuples() puts the index first: read by position, 0 would be the account.
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"account": ["acme", "beta"], "resource": ["vm-1", "vm-2"], "meter": ["egress"] * 2,
         "at_us": [T0, T0], "value": [5, 6]}
    )  # fmt: skip
    rows = list(frame.itertuples()) if listed else frame.itertuples()
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.RecordBatch.from_tuples(samples=rows)
    assert str(caught.value) == (
        "samples[0] is a row whose first field is its index (Index=0), which would be read "
        "as the account: give frame.itertuples(index=False), or the frame's columns to "
        "RecordBatch.from_columns."
    )
    assert len(rk.RecordBatch.from_tuples(samples=frame.itertuples(index=False))) == 2
    # an index of text is read as the account, as a tuple is read by position
    by_account = frame.set_index("account").itertuples()
    assert [s.account for s in rk.RecordBatch.from_tuples(samples=by_account)] == ["acme", "beta"]


def test_plain_tuples_given_as_records_are_told_the_lean_constructor() -> None:
    # The lean path's records are plain tuples; given straight to rate, meter or feed,
    # they were refused as "not tuple" with no word of RecordBatch.from_tuples.
    hint = (
        " A plain tuple is no record: make records of tuples with "
        "rk.RecordBatch.from_tuples(events=[...], samples=[...]) and give the batch where "
        "records go."
    )
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    meters = [rk.Meter("runtime", "hour", rk.OnOff())]
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("x", "runtime", rk.PerUnit(1))]
    )
    row: Any = ("acme", "vm-1", T0, "start")
    shown = "tuple: ('acme', 'vm-1', 1772323200000000, 'start')"
    with pytest.raises(rk.RatekitTypeError) as rated:
        rk.rate([row], plan, span=march, meters=meters)
    assert str(rated.value) == (
        f"records[0]: metering takes Event, Sample and Inventory records, not {shown}.{hint}"
    )
    with pytest.raises(rk.RatekitTypeError) as metered:
        rk.meter([row], meters, span=march, cycle=plan.cycle, as_of=march.end)
    assert str(metered.value) == str(rated.value)
    with pytest.raises(rk.RatekitTypeError) as fed:
        rk.Rater(plan, meters, start=march.start).feed([row])
    assert str(fed.value) == (
        f"Rater.feed takes Event, Sample and Inventory records, not {shown} (records[0] of "
        f"the batch).{hint}"
    )
    # the batch the hint names is taken: running all March in UTC, 31 * 24 = 744 hours
    batch = rk.RecordBatch.from_tuples(events=[row])
    assert rk.rate(batch, plan, span=march, meters=meters).charges[0].quantity == 744


def test_an_instant_column_with_gaps_is_told_to_drop_them_not_to_make_them_none() -> None:
    # A pandas int column with a gap holds floats. For at_us the hint said to turn the
    # gaps into None, which at_us refuses in turn ("every record has its at_us"): two
    # refusals where one suffices. It now says to leave those records out.
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"account": ["a", "a"], "resource": ["r", "r"], "at_us": [T0, None]})
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(events=frame.to_dict("list"))
    assert str(raised.value) == (
        f"events[0]: at_us is float 1772323200000000.0; {INSTANT} A pandas int column with "
        "gaps holds floats: every record has its at_us, so leave out the records without "
        "one (frame.dropna(subset=['at_us'])), then give the column's floats as ints "
        "(series.astype('int64').tolist())."
    )
    # the advice, followed, gives the batch of the one record with an instant
    kept = frame.dropna(subset=["at_us"])
    columns = {**kept.to_dict("list"), "at_us": kept["at_us"].astype("int64").tolist()}
    assert list(rk.RecordBatch.from_columns(events=columns)) == [
        rk.Event("a", "r", "2026-03-01T00:00:00Z")
    ]
