"""Law: any value in any field of a lean tuple is taken as the friendly record takes it,
or refused by a short RatekitError naming the record and the field.

The oracle is the friendly constructor given the same field (``rk.Event`` /
``rk.Sample``): the batch accepts a value exactly when the constructor does, and then
makes the same record; when it refuses, the message starts with ``events[i]`` or
``samples[i]``, names the field, and stays short. Nothing else escapes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

T0 = 1772323200000000
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class FleetInt(int):
    pass


class FleetFloat(float):
    def __repr__(self) -> str:
        return "7"


class FleetStr(str):
    def __eq__(self, other: object) -> bool:
        return True

    def __hash__(self) -> int:
        return 0


class Opaque:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40).map(FleetInt),
    st.sampled_from([2**63, -(2**63) - 1, 10**30, -1, 0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=False, allow_infinity=False).map(FleetFloat),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.text(min_size=1, max_size=8).map(FleetStr),
    st.sampled_from(
        ["start", "stop", "update", "delete", "delta", "counter", "gauge", "1e3", "nan"]
    ),
    st.sampled_from(["x" * 5000, "9" * 5000]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
    st.just(Opaque()),
    st.builds(object),
)

EVENT_FIELDS = ("account", "resource", "at_us", "kind", "attributes", "id", "seq")
SAMPLE_FIELDS = ("account", "resource", "meter", "at_us", "value", "kind", "id", "seq")
GOOD_EVENT = ("acme", "vm-1", T0, "start", {"flavor": "s"}, "e1", 3)
GOOD_SAMPLE = ("acme", "vm-1", "egress", T0, 5, "delta", "s1", 3)


def friendly_event(row: tuple[Any, ...]) -> rk.Event:
    account, resource, at_us, kind, attributes, record_id, seq = row
    at = EPOCH + dt.timedelta(microseconds=at_us)
    return rk.Event(account, resource, at, attributes, kind=kind, id=record_id, seq=seq)


def friendly_sample(row: tuple[Any, ...]) -> rk.Sample:
    account, resource, meter, at_us, value, kind, record_id, seq = row
    at = EPOCH + dt.timedelta(microseconds=at_us)
    return rk.Sample(account, resource, meter, at, value, kind=kind, id=record_id, seq=seq)


def outcome(call: Any) -> tuple[str, Any]:
    try:
        return ("made", call())
    except rk.RatekitError as error:
        return ("refused", error)


@pytest.mark.property
@settings(max_examples=LAWS // 4, deadline=None)
@given(
    value=hostile_values,
    position=st.integers(0, 7),
    is_event=st.booleans(),
    row=st.integers(0, 2),
)
def test_any_value_in_any_field_is_taken_as_the_friendly_record_takes_it(
    value: Any, position: int, is_event: bool, row: int
) -> None:
    fields = EVENT_FIELDS if is_event else SAMPLE_FIELDS
    position %= len(fields)
    good = GOOD_EVENT if is_event else GOOD_SAMPLE
    bad = list(good)
    bad[position] = value
    rows = [good, good, good]
    rows[row] = tuple(bad)
    name = "events" if is_event else "samples"
    lean = outcome(lambda: rk.RecordBatch.from_tuples(**{name: rows}))
    if lean[0] == "refused":
        message = str(lean[1])
        assert message.startswith(f"{name}[{row}]"), message[:300]
        assert fields[position] in message, message[:300]
        assert len(message) < 1000, message[:300]
    if fields[position] == "at_us":
        # the friendly records take datetimes: the oracle holds for ints in range only
        if type(value) is int and -62135596800000000 <= value <= 253402300799999999:
            assert lean[0] == "made"
        return
    make = friendly_event if is_event else friendly_sample
    friendly = outcome(lambda: make(tuple(bad)))
    assert lean[0] == friendly[0], (lean, friendly)
    if lean[0] == "made":
        record = lean[1][row]
        assert record == friendly[1]
        assert repr(record) == repr(friendly[1])
        assert type(record.account) is str
        assert type(record.at_us) is int
    else:
        assert type(lean[1]) is type(friendly[1]), (lean, friendly)


@pytest.mark.property
@settings(max_examples=LAWS // 8, deadline=None)
@given(
    values=st.lists(hostile_values, min_size=1, max_size=6),
    field=st.sampled_from(["account", "resource", "meter", "at_us", "value", "kind", "id", "seq"]),
)
def test_any_sample_column_is_taken_whole_or_refused_at_its_first_bad_row(
    values: list[Any], field: str
) -> None:
    n = len(values)
    columns: dict[str, list[Any]] = {
        "account": ["acme"] * n,
        "resource": ["ip-1"] * n,
        "meter": ["egress"] * n,
        "at_us": [T0 + i for i in range(n)],
        "value": [Decimal(i) for i in range(n)],
        "kind": ["delta"] * n,
        "id": [f"s{i}" for i in range(n)],
        "seq": list(range(n)),
    }
    columns[field] = values
    lean = outcome(lambda: rk.RecordBatch.from_columns(samples=columns))
    # the oracle: each row alone through the friendly constructor
    first_bad = None
    for index in range(n):
        row = tuple(columns[name][index] for name in SAMPLE_FIELDS)
        if field == "at_us":
            ok = type(values[index]) is int or (
                isinstance(values[index], int) and not isinstance(values[index], bool)
            )
            if ok and -62135596800000000 <= values[index] <= 253402300799999999:
                continue
            first_bad = index
            break
        if outcome(lambda row=row: friendly_sample(row))[0] == "refused":
            first_bad = index
            break
    if first_bad is None:
        assert lean[0] == "made", str(lean[1])[:300]
        assert len(lean[1]) == n
    else:
        assert lean[0] == "refused"
        message = str(lean[1])
        assert message.startswith(f"samples[{first_bad}]"), message[:300]
        assert field in message
        assert len(message) < 1000


BAD_EVENT_FIELDS = {
    "account": None,
    "resource": "",
    "at_us": "soon",
    "kind": "halt",
    "attributes": [("flavor", "s")],
    "id": 5,
    "seq": 1.5,
}


@pytest.mark.property
@settings(max_examples=LAWS // 8, deadline=None)
@given(
    n=st.integers(1, 40),
    faults=st.lists(
        st.tuples(st.integers(0, 39), st.sampled_from(sorted(BAD_EVENT_FIELDS))),
        min_size=1,
        max_size=4,
    ),
    as_generator=st.booleans(),
)
def test_of_several_bad_rows_the_first_is_named_whatever_its_bad_field(
    n: int, faults: list[tuple[int, str]], as_generator: bool
) -> None:
    """The Usage page: the first bad record in the list is named, whatever field is bad."""
    rows = [["acme", f"vm-{i}", T0 + i, "start", None, f"e{i}", i] for i in range(n)]
    for index, field in faults:
        rows[index % n][EVENT_FIELDS.index(field)] = BAD_EVENT_FIELDS[field]
    first = min(index % n for index, _ in faults)
    given_rows: Any = (tuple(r) for r in rows) if as_generator else [tuple(r) for r in rows]
    with pytest.raises(rk.RatekitError) as from_tuples:
        rk.RecordBatch.from_tuples(events=given_rows)
    columns = {field: [row[j] for row in rows] for j, field in enumerate(EVENT_FIELDS)}
    with pytest.raises(rk.RatekitError) as from_columns:
        rk.RecordBatch.from_columns(events=columns)
    for caught in (from_tuples, from_columns):
        assert str(caught.value).startswith(f"events[{first}]"), str(caught.value)
