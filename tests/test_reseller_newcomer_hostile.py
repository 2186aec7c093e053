"""Hostile input from an object-storage provider's data lake: what ratekit refuses, and how.

Every refusal is a ``RatekitError`` whose message names what was wrong and what would be
accepted; every accepted oddity is rated as worked by hand. Only the README, ``docs/`` and
``help()`` were read.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from tests._reseller_lake import (
    EGRESS,
    FEB,
    METERS,
    PUT,
    STORED,
    direct_plan,
    partner_plan,
    read_csv,
    to_csv,
)

import ratekit as rk

AT = "2026-02-15T00:00:00Z"


def _sample(value: object, **kwargs: object) -> rk.Sample:
    return rk.Sample("acme", "b", "put", AT, value, **kwargs)  # type: ignore[arg-type]


# --- the fields of a CSV row or a DataFrame cell ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (
            "12,5",
            rk.BadQuantityError,
            "value '12,5' is not a decimal number; write it like '12.5' or '1e9'.",
        ),
        (
            "",
            rk.BadQuantityError,
            "value '' is not a decimal number; write it like '12.5' or '1e9'.",
        ),
        (
            " 12 ",
            rk.BadQuantityError,
            "is not written plainly: write it in plain ASCII decimal text",
        ),
        ("NaN", rk.BadQuantityError, "value must be a finite number, not 'NaN'."),
        (float("nan"), rk.BadQuantityError, "value must be a finite number, not nan."),
        (
            None,
            rk.RatekitTypeError,
            "value must be a number (int, str, Decimal or float), not NoneType: None.",
        ),
        (
            True,
            rk.RatekitTypeError,
            "value must be a number (int, str, Decimal or float), not bool: True.",
        ),
        ("1E-31", rk.BadQuantityError, "a magnitude from 1E-30 up to but excluding 1E+30."),
        (10**30, rk.BadQuantityError, "a magnitude from 1E-30 up to but excluding 1E+30."),
    ],
)
def test_a_bad_value_is_refused_at_the_door_saying_what_is_accepted(
    value: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        _sample(value)
    assert message in str(raised.value)
    assert isinstance(raised.value, rk.RatekitError)


def test_a_numpy_int_is_refused_and_a_numpy_float_read_through_its_repr() -> None:
    numpy = pytest.importorskip("numpy")
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"value must be a number \(int, str, Decimal or float\), not int64",
    ):
        _sample(numpy.int64(3))
    assert _sample(numpy.float64(0.1) + numpy.float64(0.2)).value == Decimal("0.30000000000000004")


@pytest.mark.parametrize(
    ("at", "error", "message"),
    [
        ("2026-02-15T00:00:00", rk.BadTimeError, "has no UTC offset; ratekit compares instants"),
        ("2026-02-15", rk.BadTimeError, "has no UTC offset"),
        ("", rk.BadTimeError, "is not an instant ratekit reads; write it as RFC 3339"),
        (
            1771113600,
            rk.RatekitTypeError,
            "for an epoch time n, give datetime(1970, 1, 1, tzinfo=timezone.utc)",
        ),
        (datetime(2026, 2, 15), rk.BadTimeError, "is a naive datetime"),  # noqa: DTZ001 - a naive one on purpose
    ],
)
def test_a_bad_instant_is_refused_at_the_door(
    at: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        rk.Sample("acme", "b", "put", at, 1)  # type: ignore[arg-type]
    assert message in str(raised.value)


def test_pandas_missing_values_are_named_as_missing() -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(rk.BadTimeError, match="is pandas' NaT, a missing instant"):
        rk.Sample("acme", "b", "put", pd.NaT, 1)
    with pytest.raises(rk.BadTimeError, match="is a naive datetime"):
        rk.Sample("acme", "b", "put", pd.Timestamp("2026-02-15T00:00:00"), 1)
    assert (
        rk.Sample("acme", "b", "put", pd.Timestamp("2026-02-15T01:00:00+01:00"), 1).at_us
        == 1771113600000000
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("account", "", "account must be a non-empty string, not ''."),
        ("id", "", "id must be a non-empty string or None, not ''."),
        ("id", 5, "id must be a non-empty string or None, not 5."),
    ],
)
def test_empty_names_and_ids_are_refused(field: str, value: object, message: str) -> None:
    fields: dict[str, object] = {"account": "acme", "id": "p1"}
    fields[field] = value
    with pytest.raises(rk.RatekitTypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rk.Sample(fields["account"], "b", "put", AT, 1, id=fields["id"])  # type: ignore[arg-type]


def test_a_kind_written_otherwise_is_refused_naming_the_kinds() -> None:
    with pytest.raises(
        rk.BadRecordError, match="kind 'Gauge' is not one of 'delta', 'counter', 'gauge'"
    ):
        rk.Sample("acme", "b", "stored", AT, 1, kind="Gauge")  # type: ignore[arg-type]


# --- a DataFrame's columns ------------------------------------------------------------------


def _columns(**changed: object) -> dict[str, object]:
    columns: dict[str, object] = {
        "account": ["acme", "acme", "acme"],
        "resource": ["b", "b", "b"],
        "meter": ["put", "put", "put"],
        "at_us": [1769907600000000, 1769911200000000, 1769914800000000],
        "value": [1.5, 2.0, 3.0],
        "id": ["x1", "x2", "x3"],
    }
    columns.update(changed)
    return columns


@pytest.mark.parametrize(
    ("changed", "error", "message"),
    [
        (
            {"value": [1.5, float("nan"), 3.0]},
            rk.BadQuantityError,
            "samples[1] (id 'x2'): value must be a finite number, not nan. A missing value",
        ),
        (
            {"id": ["x1", "x2", float("nan")]},
            rk.RatekitTypeError,
            "samples[2]: id is float nan; an id is a non-empty string or None. A missing value",
        ),
        (
            {"value": ["1.5", "2,0", "3"]},
            rk.BadQuantityError,
            "samples[1] (id 'x2'): value '2,0' is not a decimal number",
        ),
        (
            {"at_us": ["2026-02-01 01:00:00", 1, 2]},
            rk.RatekitTypeError,
            "samples[0] (id 'x1'): at_us is str '2026-02-01 01:00:00'; an instant of a batch is an int of microseconds",
        ),
        (
            {"at_us": [1769907600000000, -9223372036854775808, 1]},
            rk.BadTimeError,
            "It is how pandas writes a missing instant (NaT) as an int64",
        ),
        (
            {"account": ["acme", "", "acme"]},
            rk.RatekitTypeError,
            "samples[1] (id 'x2'): account is str ''; it must be a non-empty string.",
        ),
        ({"value": [True, 2, 3]}, rk.RatekitTypeError, "samples[0] (id 'x1'): value is bool True"),
        (
            {"value": [10**40, 2, 3]},
            rk.BadQuantityError,
            "samples[0] (id 'x1'): value 10000000000000000000000000000000000000000 lies outside",
        ),
        (
            {"kind": ["gauge", "Delta", "delta"]},
            rk.BadRecordError,
            "samples[1] (id 'x2'): kind is str 'Delta'; it must be one of 'delta', 'counter', 'gauge'.",
        ),
    ],
)
def test_a_bad_column_names_the_record_and_what_is_accepted(
    changed: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        rk.RecordBatch.from_columns(samples=_columns(**changed))  # type: ignore[arg-type]
    assert message in str(raised.value)


def test_numpy_columns_and_a_dataframe_itself_are_refused_with_the_way_out() -> None:
    numpy = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    with pytest.raises(rk.RatekitTypeError, match=r"give the column as array\.tolist\(\)"):
        rk.RecordBatch.from_columns(samples=_columns(value=numpy.array([1, 2, 3])))  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match="not a pandas DataFrame of columns"):
        rk.RecordBatch.from_columns(samples=pd.DataFrame(_columns()))  # type: ignore[arg-type]
    floats = rk.RecordBatch.from_columns(samples=_columns(value=numpy.array([1.5, 2.0, 3.0])))  # type: ignore[arg-type]
    assert [s.value for s in floats.samples] == [Decimal("1.5"), Decimal("2.0"), Decimal("3.0")]


# --- duplicates, conflicts, instants in other zones ------------------------------------------


def test_a_replay_written_in_another_zone_is_a_duplicate() -> None:
    records = [
        rk.Sample("acme", "b", "put", "2026-02-15T01:00:00+01:00", "1500", id="p1"),
        rk.Sample("acme", "b", "put", "2026-02-15T00:00:00Z", "1500.0", id="p1"),
    ]
    rating = rk.rate(records, direct_plan(), span=FEB, meters=[PUT])
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("duplicate", ("p1",))]
    assert [c.quantity for c in rating.charges if c.kind == "usage"] == [Decimal(1500)]


def test_an_instant_in_another_zone_falls_in_its_utc_month() -> None:
    # 1 Feb 00:30 at +01:00 is 31 Jan 23:30 UTC: January's, not February's.
    records = [rk.Sample("acme", "b", "put", "2026-02-01T00:30:00+01:00", 1000, id="p1")]
    rating = rk.rate(records, direct_plan(), span=FEB, meters=[PUT])
    assert [c for c in rating.charges if c.kind == "usage"] == []
    assert rating.no_effect == (("p1", "before_span"),)


def test_an_id_reused_with_other_content_in_a_later_file_is_refused_naming_both() -> None:
    first = to_csv([("acme", "b", "put", "2026-02-02T10:00:00Z", "1500", "delta", "p1")])
    second = to_csv([("acme", "b", "put", "2026-02-02T10:00:00Z", "1400", "delta", "p1")])
    with pytest.raises(rk.ConflictingRecordError) as raised:
        rk.rate([*read_csv(first), *read_csv(second)], direct_plan(), span=FEB, meters=[PUT])
    message = str(raised.value)
    assert "two records share the id 'p1' but differ" in message
    assert "'1500'" in message
    assert "'1400'" in message
    assert "give a corrected record a new id" in message


def test_meter_with_conflicts_as_anomalies_then_rate_keeps_the_earlier_sample() -> None:
    records = [
        rk.Sample("acme", "b", "put", "2026-02-02T10:00:00Z", 1500, id="p1"),
        rk.Sample("acme", "b", "put", "2026-02-03T10:00:00Z", 1400, id="p1"),
    ]
    usage = rk.meter(
        records, [PUT], span=FEB, cycle=direct_plan().cycle, as_of=FEB.end, conflicts="anomaly"
    )
    assert usage.total() == Decimal(1500)  # of two samples, the earlier is kept
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("conflict", ("p1",))]


# --- rating-level oddities -------------------------------------------------------------------


def test_a_sample_of_an_undeclared_meter_is_refused_naming_the_meters() -> None:
    records = [rk.Sample("acme", "b", "Put", AT, 1, id="p1")]
    with pytest.raises(
        rk.UnknownMeterError,
        match="meter 'Put' is not one of the meters given: 'egress', 'get', 'put', 'stored'",
    ):
        rk.rate(records, direct_plan(), span=FEB, meters=METERS)


def test_a_gauge_on_a_request_meter_is_refused_naming_the_kinds_it_takes() -> None:
    records = [rk.Sample("acme", "b", "put", AT, 1, kind="gauge", id="p1")]
    with pytest.raises(
        rk.BadRecordError, match="kind 'gauge' does not fit meter 'put', whose policy takes 'delta'"
    ):
        rk.rate(records, direct_plan(), span=FEB, meters=METERS)


def test_a_naive_assignment_and_overlapping_assignments_are_refused() -> None:
    with pytest.raises(
        rk.BadTimeError, match="Assignment start '2026-02-08T00:00:00' has no UTC offset"
    ):
        rk.Assignment("acme", direct_plan(), start="2026-02-08T00:00:00")
    overlapping = [
        rk.Assignment("acme", direct_plan()),
        rk.Assignment("acme", partner_plan(), start="2026-02-10T00:00:00Z"),
    ]
    with pytest.raises(
        rk.BadPriceError,
        match="account 'acme' is assigned plans 'direct' and 'partner' at once from 2026-02-10T00:00:00Z",
    ):
        rk.rate(
            [rk.Sample("acme", "b", "put", AT, 1, id="p1")], overlapping, span=FEB, meters=METERS
        )


def test_usage_of_an_account_without_any_assignment_is_refused() -> None:
    records = [rk.Sample("nobody", "b", "put", AT, 1, id="p1")]
    with pytest.raises(
        rk.UnpricedUsageError, match=r"by account 'nobody'.*assign it one with rk\.Assignment"
    ):
        rk.rate(records, [rk.Assignment("acme", direct_plan())], span=FEB, meters=METERS)


def test_one_gb_in_a_billion_is_priced_and_rounds_to_nothing() -> None:
    # 1E-9 GB from mid-February: 1E-9 x 336/672 = 5E-10 GB-month, x 0.023 = 1.15E-11 EUR.
    records = [rk.Sample("acme", "b", "stored", AT, "1E-9", kind="gauge", id="g1")]
    rating = rk.rate(records, direct_plan(), span=FEB, meters=[STORED])
    [charge] = [c for c in rating.charges if c.kind == "usage"]
    assert (charge.quantity, charge.amount) == (Decimal("5E-10"), Decimal("1.15E-11"))
    assert rk.bill(rating)[0].total == Decimal("5.00")


def test_a_gauge_so_small_its_price_leaves_an_input_s_range_is_carried() -> None:
    # 1E-30 GB accepted at the door; its GB-month, 5E-31 GB, priced at 0.023 is 1.15E-32:
    # below an input's range, carried exactly (was: refused by rate()); 0.00 billed.
    records = [rk.Sample("acme", "b", "stored", AT, "1E-30", kind="gauge", id="g1")]
    rating = rk.rate(records, direct_plan(), span=FEB, meters=[STORED])
    assert [(c.quantity, c.amount) for c in rating.charges if c.entry == "storage"] == [
        (Decimal("5E-31"), Decimal("1.15E-32"))
    ]
    (invoice,) = rk.bill(rating)
    assert [line.amount for line in invoice.lines if line.entry == "storage"] == [Decimal("0.00")]


def test_egress_sums_reaching_1e30_are_refused_naming_the_cycle() -> None:
    records = [
        rk.Sample("acme", "b", "egress", "2026-02-15T00:00:00Z", "6E+29", id="e1"),
        rk.Sample("acme", "b", "egress", "2026-02-16T00:00:00Z", "6E+29", id="e2"),
    ]
    with pytest.raises(rk.BadQuantityError) as raised:
        rk.rate(records, direct_plan(), span=FEB, meters=[EGRESS])
    message = str(raised.value)
    assert (
        "price entry 'egress' of plan 'direct' cannot price 1200000000000000000000000000000 GB"
        in message
    )
    assert "in the cycle 2026-02-01T00:00:00Z..2026-03-01T00:00:00Z" in message


def test_nine_hundred_octillion_puts_are_priced_exactly() -> None:
    # 9E+29 PUTs: 9E+26 blocks x 0.005 = 4.5E+24.
    records = [rk.Sample("acme", "b", "put", AT, "9E+29", id="p1")]
    invoice = rk.bill(rk.rate(records, direct_plan(), span=FEB, meters=[PUT]))[0]
    assert invoice.total == Decimal("4500000000000000000000005.00")


def test_records_outside_the_quarter_are_accounted_for() -> None:
    records = [rk.Sample("acme", "b", "put", "2026-05-15T00:00:00Z", 1, id="p1")]
    # Rated as of a later instant, the delta after the span is named by an after_span
    # anomaly; rated as of the span's end, it is not known yet (not_yet).
    later = rk.rate(records, direct_plan(), span=FEB, meters=[PUT], as_of="2026-06-01T00:00:00Z")
    assert later.charges == ()
    assert [(a.kind, a.record_ids) for a in later.anomalies] == [("after_span", ("p1",))]
    assert "after the span (which ends at 2026-03-01T00:00:00Z) and is not billed here" in str(
        later.anomalies[0]
    )
    now = rk.rate(records, direct_plan(), span=FEB, meters=[PUT])
    assert (now.charges, now.anomalies, now.no_effect) == ((), (), (("p1", "not_yet"),))
