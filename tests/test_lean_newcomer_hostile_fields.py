"""Hostile fields given to the lean input path: each refused, naming record and field.

A feed's tuples or columns with wrong types (float, bool, str, None or NaN instants,
Decimal NaN, ints beyond 64 bits, instants before year 1 or after 9999, numpy and pandas
scalars), ragged tuples, columns of other lengths, unknown fields and kinds, attributes
that are not mappings: each raises a ``RatekitError`` subclass whose message names the
record (``events[1]``, ``samples[1] (id 's1')``), the field and what would be accepted,
from ``from_tuples`` and ``from_columns`` alike. Nothing else escapes. Faults found are
pinned as strict expected failures.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests._lean_feeds import EVENT_FIELDS, M0, MARCH, METERS, PLAN, SAMPLE_FIELDS, columns

import ratekit as rk


def event(**fields: Any) -> tuple[Any, ...]:
    """One event tuple with every field, ``fields`` replacing the defaults."""
    row = {
        "account": "acme",
        "resource": "vm-1",
        "at_us": M0,
        "kind": "start",
        "attributes": None,
        "id": "e1",
        "seq": None,
    }
    return tuple((row | fields)[field] for field in EVENT_FIELDS)


def sample(**fields: Any) -> tuple[Any, ...]:
    """One sample tuple with every field, ``fields`` replacing the defaults."""
    row = {
        "account": "acme",
        "resource": "vm-1",
        "meter": "egress",
        "at_us": M0,
        "value": 1,
        "kind": "delta",
        "id": "s1",
        "seq": None,
    }
    return tuple((row | fields)[field] for field in SAMPLE_FIELDS)


INSTANT = "an instant of a batch is an int of microseconds since 1970-01-01T00:00:00Z"
RANGE = "an instant lies from -62135596800000000 to 253402300799999999 microseconds"
# (label, field, value, error, what the message says after the record's name)
# fmt: off
EVENT_FAULTS: list[tuple[str, str, Any, type[rk.RatekitError], str]] = [
    ("float instant", "at_us", float(M0), rk.RatekitTypeError, "at_us is float 1772323200000000.0; " + INSTANT),
    ("bool instant", "at_us", True, rk.RatekitTypeError, "at_us is bool True; " + INSTANT),
    ("str instant", "at_us", str(M0), rk.RatekitTypeError, "at_us is str '1772323200000000'; " + INSTANT),
    ("None instant", "at_us", None, rk.RatekitTypeError, "at_us is NoneType None; " + INSTANT),
    ("NaN instant", "at_us", float("nan"), rk.RatekitTypeError, "at_us is float nan; " + INSTANT),
    ("Decimal instant", "at_us", Decimal(M0), rk.RatekitTypeError, "at_us is Decimal Decimal('1772323200000000'); " + INSTANT),
    ("65-bit instant", "at_us", 2**64 + 1, rk.BadTimeError, "at_us is int 18446744073709551617; " + RANGE),
    ("before year 1", "at_us", -62135596800000001, rk.BadTimeError, "at_us is int -62135596800000001; " + RANGE),
    ("after 9999", "at_us", 253402300800000000, rk.BadTimeError, "at_us is int 253402300800000000; " + RANGE),
    ("NaT as int64", "at_us", -(2**63), rk.BadTimeError, "It is how pandas writes a missing instant (NaT) as an int64"),
    ("unknown kind", "kind", "begin", rk.BadRecordError, "kind is str 'begin'; it must be one of 'start', 'update', 'stop', 'delete'."),
    ("a sample's kind", "kind", "delta", rk.BadRecordError, "kind is str 'delta'; it must be one of 'start'"),
    ("None kind", "kind", None, rk.BadRecordError, "fill the column's gaps with a kind, or leave the column out"),
    ("pairs attributes", "attributes", [("flavor", "small")], rk.RatekitTypeError, "attributes must be a mapping of names to values, not list"),
    ("str attributes", "attributes", "small", rk.RatekitTypeError, "attributes must be a mapping of names to values, not str: 'small'."),
    ("Decimal NaN attribute", "attributes", {"memory_gib": Decimal("NaN")}, rk.BadQuantityError, "attribute 'memory_gib' is Decimal('NaN'), not a finite number"),
    ("float NaN attribute", "attributes", {"memory_gib": float("nan")}, rk.BadQuantityError, "give None for it"),
    ("31-digit attribute", "attributes", {"memory_gib": 10**30}, rk.BadQuantityError, "lies outside the numbers ratekit represents exactly"),
    ("int attribute name", "attributes", {1: "small"}, rk.RatekitTypeError, "attribute names must be strings, not int: 1."),
    ("empty id", "id", "", rk.RatekitTypeError, "id is str ''; an id is a non-empty string or None."),
    ("bool seq", "seq", True, rk.RatekitTypeError, "seq is bool True; a seq is an int or None."),
    ("float seq", "seq", 1.0, rk.RatekitTypeError, "A pandas int column with gaps holds floats"),
    ("64-bit seq", "seq", 2**63, rk.BadRecordError, "seq is int 9223372036854775808; give an int from -9223372036854775808 to 9223372036854775807."),
    ("empty account", "account", "", rk.RatekitTypeError, "account is str ''; it must be a non-empty string."),
    ("bytes resource", "resource", b"vm-1", rk.RatekitTypeError, "resource is bytes b'vm-1'; it must be a non-empty string."),
    ("surrogate resource", "resource", "vm-\udc80", rk.RatekitTypeError, "it must be valid Unicode text: it holds a surrogate code point"),
]
SAMPLE_FAULTS: list[tuple[str, str, Any, type[rk.RatekitError], str]] = [
    ("NaN value", "value", float("nan"), rk.BadQuantityError, "value must be a finite number, not nan."),
    ("Decimal NaN value", "value", Decimal("NaN"), rk.BadQuantityError, "value must be a finite number, not Decimal('NaN')."),
    ("signalling NaN", "value", Decimal("sNaN"), rk.BadQuantityError, "value must be a finite number, not Decimal('sNaN')."),
    ("infinite value", "value", float("inf"), rk.BadQuantityError, "value must be a finite number, not inf."),
    ("bool value", "value", True, rk.RatekitTypeError, "value is bool True; a value is a number (an int, a Decimal, a str or a float)."),
    ("None value", "value", None, rk.RatekitTypeError, "leave out the records without one (frame.dropna(subset=['value']))"),
    ("spaced text", "value", " 12 ", rk.BadQuantityError, "value ' 12 ' is not written plainly"),
    ("61 digits", "value", int("9" * 61), rk.BadQuantityError, "give at most 60 significant digits"),
    ("1E+30", "value", "1E+30", rk.BadQuantityError, "a magnitude from 1E-30 up to but excluding 1E+30"),
    ("unknown kind", "kind", "cumulative", rk.BadRecordError, "kind is str 'cumulative'; it must be one of 'delta', 'counter', 'gauge'."),
    ("empty meter", "meter", "", rk.RatekitTypeError, "meter is str ''; it must be a non-empty string."),
]
# fmt: on


@pytest.mark.parametrize(
    ("field", "value", "error", "said"),
    [f[1:] for f in EVENT_FAULTS],
    ids=[f[0] for f in EVENT_FAULTS],
)
def test_a_hostile_event_field_is_refused_naming_record_and_field(
    field: str, value: Any, error: type[rk.RatekitError], said: str
) -> None:
    rows = [event(id="e0", resource="vm-0"), event(**{field: value})]
    for build in (
        lambda: rk.RecordBatch.from_tuples(events=rows),
        lambda: rk.RecordBatch.from_columns(events=columns(rows, EVENT_FIELDS)),
    ):
        with pytest.raises(error) as raised:
            build()
        named = "events[1]" if field == "id" else "events[1] (id 'e1')"
        assert str(raised.value).startswith(named)
        assert said in str(raised.value)


@pytest.mark.parametrize(
    ("field", "value", "error", "said"),
    [f[1:] for f in SAMPLE_FAULTS],
    ids=[f[0] for f in SAMPLE_FAULTS],
)
def test_a_hostile_sample_field_is_refused_naming_record_and_field(
    field: str, value: Any, error: type[rk.RatekitError], said: str
) -> None:
    rows = [sample(id="s0"), sample(**{field: value})]
    for build in (
        lambda: rk.RecordBatch.from_tuples(events=[event()], samples=rows),
        lambda: rk.RecordBatch.from_columns(samples=columns(rows, SAMPLE_FIELDS)),
    ):
        with pytest.raises(error) as raised:
            build()
        assert str(raised.value).startswith("samples[1] (id 's1')")
        assert said in str(raised.value)


def test_a_counter_reading_below_zero_is_refused_as_the_friendly_door_refuses_it() -> None:
    with pytest.raises(rk.BadRecordError) as lean:
        rk.RecordBatch.from_tuples(samples=[sample(kind="counter", value=-1)])
    with pytest.raises(rk.BadRecordError) as friendly:
        rk.Sample("acme", "vm-1", "egress", "2026-03-01T00:00:00Z", -1, kind="counter", id="s1")
    assert str(lean.value).startswith("samples[0] (id 's1')")
    assert str(friendly.value).split("counter", 1)[1] in str(lean.value)


def test_numpy_and_pandas_scalars_are_refused_or_taken_as_the_friendly_door_does() -> None:
    numpy = pytest.importorskip("numpy")
    pandas = pytest.importorskip("pandas")
    with pytest.raises(
        rk.RatekitTypeError, match=r"events\[0\] \(id 'e1'\): at_us is int64 .*array\.tolist\(\)"
    ):
        rk.RecordBatch.from_tuples(events=[event(at_us=numpy.int64(M0))])
    with pytest.raises(
        rk.RatekitTypeError, match=r"at_us is Timestamp .*series\.dt\.as_unit\('us'\)"
    ):
        rk.RecordBatch.from_tuples(events=[event(at_us=pandas.Timestamp(M0, unit="us", tz="UTC"))])
    with pytest.raises(rk.RatekitTypeError, match=r"value is NAType <NA>"):
        rk.RecordBatch.from_tuples(samples=[sample(value=pandas.NA)])
    with pytest.raises(rk.RatekitTypeError, match=r"value is float32 .*array\.tolist\(\)"):
        rk.RecordBatch.from_tuples(samples=[sample(value=numpy.float32(0.1))])
    with pytest.raises(rk.RatekitTypeError, match=r"attribute 'flag' .*not numpy bool: np\.True_"):
        rk.RecordBatch.from_tuples(events=[event(attributes={"flag": numpy.bool_(True)})])
    with pytest.raises(rk.RatekitTypeError, match=r"events\[0\] \(id 'e1'\): at_us is int64"):
        rk.RecordBatch.from_columns(
            events=columns([event()], EVENT_FIELDS) | {"at_us": numpy.array([M0])}
        )
    # a numpy float64 is a float, read through its shortest repr: 0.1 exactly
    (taken,) = rk.RecordBatch.from_tuples(samples=[sample(value=numpy.float64(0.1))])
    assert taken.value == Decimal("0.1")
    # a plain int64 Series gives Python ints; a Series' own index is not its order
    made = rk.RecordBatch.from_columns(
        events={
            "account": pandas.Series(["a", "b", "c"], index=[2, 0, 1]),
            "resource": ["r"] * 3,
            "at_us": pandas.Series([M0, M0 + 1, M0 + 2]),
        }
    )
    assert [(e.account, e.at_us) for e in made] == [("a", M0), ("b", M0 + 1), ("c", M0 + 2)]


def test_columns_of_other_lengths_ragged_tuples_and_unknown_fields_are_refused() -> None:
    with pytest.raises(
        rk.RatekitTypeError, match=r"differ in length: \{'account': 2, 'resource': 1, 'at_us': 2\}"
    ):
        rk.RecordBatch.from_columns(
            events={"account": ["a", "b"], "resource": ["r"], "at_us": [M0, M0]}
        )
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"events\[1\] has 4 fields: .*every tuple of a batch has the same length",
    ):
        rk.RecordBatch.from_tuples(events=[("a", "r", M0), ("a", "r", M0, "start")])
    with pytest.raises(
        rk.RatekitTypeError, match=r"events\[0\] has 2 fields: .*from 3 to 7 fields"
    ):
        rk.RecordBatch.from_tuples(events=[("a", "r")])
    with pytest.raises(
        rk.RatekitTypeError, match=r"columns \['since'\] are not fields of a sample"
    ):
        rk.RecordBatch.from_columns(samples=columns([sample()], SAMPLE_FIELDS) | {"since": [M0]})
    with pytest.raises(rk.RatekitTypeError, match=r"columns miss \['at_us'\]"):
        rk.RecordBatch.from_columns(events={"account": ["a"], "resource": ["r"]})
    with pytest.raises(
        rk.RatekitTypeError, match=r"column 'account' must be a sequence .* not str: 'a'"
    ):
        rk.RecordBatch.from_columns(events={"account": "a", "resource": ["r"], "at_us": [M0]})
    with pytest.raises(
        rk.RatekitTypeError, match=r"column 'at_us' must be a sequence .* not bytes"
    ):
        rk.RecordBatch.from_columns(events={"account": ["a"], "resource": ["r"], "at_us": b"\x01"})
    with pytest.raises(rk.RatekitTypeError, match=r"a set has no order"):
        rk.RecordBatch.from_columns(events={"account": ["a"], "resource": ["r"], "at_us": {M0}})
    with pytest.raises(rk.RatekitTypeError, match=r"events\[0\] is list .*, not a tuple"):
        rk.RecordBatch.from_tuples(events=[["a", "r", M0]])
    with pytest.raises(rk.RatekitTypeError, match=r"unpack it"):
        rk.rate([rk.RecordBatch.from_tuples(events=[event()])], PLAN, span=MARCH, meters=METERS)


@pytest.mark.parametrize("binary", [bytearray, memoryview])
def test_a_bytearray_or_memoryview_column_is_refused_as_a_bytes_column_is(binary: type) -> None:
    name = binary.__name__
    with pytest.raises(
        rk.RatekitTypeError, match=rf"column 'at_us' must be a sequence .* not {name}"
    ):
        rk.RecordBatch.from_columns(
            events={"account": ["a", "a"], "resource": ["r", "r"], "at_us": binary(b"\x01\x02")}
        )
    with pytest.raises(
        rk.RatekitTypeError, match=rf"column 'value' must be a sequence .* not {name}"
    ):
        rk.RecordBatch.from_columns(
            samples={
                "account": ["a", "a"],
                "resource": ["r", "r"],
                "meter": ["egress"] * 2,
                "at_us": [M0, M0],
                "value": binary(b"\x05\x06"),
            }
        )


def test_an_int_beyond_64_bits_is_a_value_but_no_instant_nor_seq() -> None:
    # 2**64 = 18446744073709551616 GB sent: 20 digits, in range, kept exactly. Egress is
    # free to 10 GB, then 0.09: (18446744073709551616 - 10) * 9 / 100 =
    # 166020696663385964454 / 100 = 1660206966633859644.54, plus the 5.00 fee.
    batch = rk.RecordBatch.from_tuples(samples=[sample(value=2**64)])
    assert batch[0].value == Decimal(18446744073709551616)
    rating = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    assert rating.total() == Decimal("1660206966633859644.54") + 5
    with pytest.raises(
        rk.BadTimeError, match=r"samples\[0\] \(id 's1'\): at_us is int 18446744073709551616"
    ):
        rk.RecordBatch.from_tuples(samples=[sample(at_us=2**64)])
    with pytest.raises(
        rk.BadRecordError, match=r"samples\[0\] \(id 's1'\): seq is int 18446744073709551616"
    ):
        rk.RecordBatch.from_tuples(samples=[sample(seq=2**64)])
