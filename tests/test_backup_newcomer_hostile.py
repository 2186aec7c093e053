"""Hostile input to a backup service's meters, rater and exports.

Every refusal is a `rk.RatekitError` naming the record or field, what was wrong and what
is accepted; the caller's decimal context changes nothing; no float leaks out.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import pickle
from decimal import Decimal

import pytest
from tests._backup_service import METERS, gauge, plan, restored

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
AT = "2026-03-10T00:00:00Z"


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (float("nan"), rk.BadQuantityError, "finite number"),
        ("Infinity", rk.BadQuantityError, "finite number"),
        (True, rk.RatekitTypeError, "not bool"),
        (None, rk.RatekitTypeError, "must be a number"),
        ("1E+30", rk.BadQuantityError, "up to but excluding 1E+30"),
        ("1E-31", rk.BadQuantityError, "magnitude from 1E-30"),
        ("lots", rk.BadQuantityError, "not a decimal number"),
    ],
)
def test_a_bad_gauge_value_is_refused_naming_the_sample(
    value: object, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as caught:
        gauge("acme", "vault", "storage", AT, value, "bad-1")
    assert "sample 'bad-1'" in str(caught.value)
    assert words in str(caught.value)


def test_a_gauge_over_a_span_and_a_kind_misspelt_are_refused() -> None:
    with pytest.raises(rk.BadRecordError, match="only a delta covers a span"):
        rk.Sample(
            "acme", "vault", "storage", AT, 1, kind="gauge", since="2026-03-09T00:00:00Z", id="x"
        )
    with pytest.raises(
        rk.BadRecordError, match=r"kind 'Gauge' is not one of 'delta', 'counter', 'gauge'\."
    ):
        rk.Sample("acme", "vault", "storage", AT, 1, kind="Gauge", id="x")


def test_instants_without_an_offset_are_refused() -> None:
    with pytest.raises(rk.BadTimeError, match="naive datetime"):
        gauge("acme", "vault", "storage", dt.datetime(2026, 3, 10), 1, "x")  # noqa: DTZ001 - naive on purpose
    with pytest.raises(rk.BadTimeError, match="is a date, not an instant"):
        gauge("acme", "vault", "storage", dt.date(2026, 3, 10), 1, "x")  # type: ignore[arg-type]
    rater = rk.Rater(plan("UTC"), METERS, start=MARCH.start)
    with pytest.raises(rk.BadTimeError, match=r"Rater\.statement as_of"):
        rater.statement(dt.datetime(2026, 3, 2))  # noqa: DTZ001 - naive on purpose


def test_a_seq_out_of_range_or_a_float_is_refused() -> None:
    with pytest.raises(rk.BadRecordError, match=r"seq 9223372036854775808 is out of range;"):
        gauge("acme", "vault", "storage", AT, 1, "x", seq=2**63)
    with pytest.raises(rk.RatekitTypeError, match=r"seq must be an int or None, not 1\.0"):
        gauge("acme", "vault", "storage", AT, 1, "x", seq=1.0)  # type: ignore[arg-type]


def test_a_counter_reading_on_a_mean_meter_and_a_gauge_on_restores_are_refused() -> None:
    counter = rk.Sample("acme", "vault", "storage", AT, 1, kind="counter", id="c")
    with pytest.raises(rk.BadRecordError, match="kind 'counter' does not fit meter 'storage'"):
        rk.rate([counter], plan("UTC"), span=MARCH, meters=METERS)
    level = rk.Sample("acme", "vault", "restore", AT, 1, kind="gauge", id="g")
    with pytest.raises(rk.BadRecordError, match="kind 'gauge' does not fit meter 'restore'"):
        rk.rate([level], plan("UTC"), span=MARCH, meters=METERS)


def test_a_mean_over_a_bad_period_and_a_cycle_without_a_zone_are_refused() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"'known' .* or 'period'"):
        rk.TimeWeightedMean(over="month")
    with pytest.raises(rk.RatekitTypeError, match="ratekit never guesses a timezone"):
        rk.cycles.monthly(tz=None)  # type: ignore[arg-type]
    with pytest.raises(
        rk.BadCalendarError, match=r"'Australia/Lord_Hove' is not a known IANA timezone"
    ):
        rk.cycles.monthly(tz="Australia/Lord_Hove")


def test_one_rater_cannot_close_cycles_of_three_zones() -> None:
    # Customers in Sao Paulo, Lord Howe and London need one rater per zone (streaming.md:
    # "Every plan a rater holds bills on one cycle").
    assigned = [
        rk.Assignment("acme", plan("America/Sao_Paulo", "sp")),
        rk.Assignment("zeta", plan("Australia/Lord_Howe", "lh")),
    ]
    with pytest.raises(rk.BadCalendarError, match="one rater per cycle"):
        rk.Rater(assigned, METERS, start=MARCH.start)


def test_the_rater_refuses_what_is_no_record() -> None:
    rater = rk.Rater(plan("UTC"), METERS, start=MARCH.start)
    with pytest.raises(rk.RatekitTypeError, match="not str"):
        rater.feed("gauge")  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"not dict: .* \(records\[0\] of the batch\)"):
        rater.feed([{"account": "acme"}])  # type: ignore[list-item]
    with pytest.raises(rk.BadTimeError, match="watermarks only move forward"):
        rater.statement("2026-02-01T00:00:00Z")


def test_a_snapshot_restores_only_under_its_own_plan_and_meters() -> None:
    rater = rk.Rater(plan("Europe/London"), METERS, start=MARCH.start)
    rater.feed([gauge("acme", "vault", "storage", AT, 100, "s1")])
    data = json.loads(json.dumps(rater.snapshot()))
    for other_plan, meters in [
        (plan("Europe/London", gb="0.03"), METERS),
        (plan("Europe/Dublin"), METERS),
        (plan("Europe/London"), METERS[:2]),
    ]:
        with pytest.raises(rk.BadSnapshotError, match="taken under other plans or meters"):
            rk.Rater.restore(data, other_plan, meters)
    with pytest.raises(rk.BadSnapshotError, match=r"format 'ratekit\.Rater'"):
        rk.Rater.restore({"format": "mine"}, plan("Europe/London"), METERS)


def test_restores_that_would_overflow_their_tiers_are_refused_at_the_feed() -> None:
    # Two restores of 9E+29 GB make 1.8E+30 in March: beyond what Graduated takes. Batch
    # refuses to price it; the rater refuses the second at the feed, so no statement fails.
    records = [
        restored("acme", "2026-03-02T00:00:00Z", "9E+29", "r1"),
        restored("acme", "2026-03-03T00:00:00Z", "9E+29", "r2"),
    ]
    with pytest.raises(
        rk.BadQuantityError, match="price entry 'restore' of plan 'std' cannot price"
    ):
        rk.rate(records, plan("UTC"), span=MARCH, meters=METERS)
    rater = rk.Rater(plan("UTC"), METERS, start=MARCH.start)
    rater.feed(records[:1])
    with pytest.raises(rk.BadQuantityError, match="sample 'r2' of meter 'restore'"):
        rater.feed(records[1:])
    # 9E+29 GB: 10 x 0 + 90 x 0.09 + (9E+29 - 100) x 0.05 = 4.5E+28 - 5 + 8.10
    assert rater.statement(MARCH.end).invoices[0].total == Decimal(
        "45000000000000000000000000003.10"
    )


def test_the_callers_decimal_context_changes_nothing() -> None:
    # A context of 2 digits that traps everything, floats included: 123.456789 GB from
    # 10 March 00:00Z in UTC hold 22/31 of March: 87.614... GB-month at 0.02 = 1.75.
    records = [
        gauge("acme", "vault", "storage", AT, "123.456789", "s1"),
        restored("acme", AT, "12.5", "r1"),
    ]
    hostile = decimal.Context(
        prec=2,
        rounding=decimal.ROUND_UP,
        Emax=5,
        Emin=-5,
        traps=[
            decimal.FloatOperation,
            decimal.Inexact,
            decimal.Rounded,
            decimal.Overflow,
            decimal.InvalidOperation,
        ],
    )
    with decimal.localcontext(hostile):
        (batch,) = rk.bill(rk.rate(records, plan("UTC"), span=MARCH, meters=METERS))
        rater = rk.Rater(plan("UTC"), METERS, start=MARCH.start)
        rater.feed(records)
        rater.statement("2026-03-20T00:00:00Z")
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan("UTC"), METERS)
        rater = pickle.loads(pickle.dumps(rater))
        (streamed,) = rater.statement(MARCH.end).invoices
        row = rk.to_row(streamed)
    assert str(batch) == str(streamed)
    assert row["total"] == str(streamed.total)
    # 1.75 + 2.5 x 0.09 = 0.225, 0.22 half-even: 1.97
    assert batch.total == Decimal("1.97")


def test_a_float_gauge_is_read_through_its_repr_and_nothing_float_comes_out() -> None:
    records = [gauge("acme", "vault", "storage", "2026-03-01T00:00:00Z", 0.1, "f1")]
    assert records[0].value == Decimal("0.1")
    rating = rk.rate(records, plan("UTC"), span=MARCH, meters=METERS)
    (invoice,) = rk.bill(rating)
    row = rk.to_row(invoice)

    def floats(value: object) -> bool:
        if isinstance(value, dict):
            return any(floats(v) for v in value.values())
        if isinstance(value, list | tuple):
            return any(floats(v) for v in value)
        return isinstance(value, float)

    assert not floats(row)
    assert all(
        isinstance(charge.amount, Decimal) and isinstance(charge.quantity, Decimal)
        for charge in rating.charges
    )
    assert invoice.lines[0].precise == Decimal("0.002")  # 0.1 GB-month x 0.02


def test_hostile_ids_pass_through_rows_and_print_escaped() -> None:
    # exports.md: ids reach to_row and focus_rows unchanged (guard CSV cells yourself);
    # invoices.md: the text escapes control and format characters, the HTML escapes markup.
    account = '=HYPERLINK("http://evil.example/","x")'
    resource = "<script>\nvault\u202e"
    records = [gauge(account, resource, "storage", "2026-03-01T00:00:00Z", 10, "s1")]
    (invoice,) = rk.bill(rk.rate(records, plan("UTC"), span=MARCH, meters=METERS), by_resource=True)
    assert "storage · storage · <script>\\nvault\\u202e" in str(invoice)
    page = invoice._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;\\nvault\\u202e" in page
    row = rk.to_row(invoice)
    assert row["account"] == account
    assert row["lines"][0]["resource"] == resource
    (focus,) = rk.focus_rows([invoice], provider="Backup")
    assert (focus["BillingAccountId"], focus["ResourceId"], focus["BilledCost"]) == (
        account,
        resource,
        "0.20",
    )
