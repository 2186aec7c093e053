"""A CI build-minutes seller rates a month in batch, as README and docs/usage.md,
docs/pricing.md, docs/invoices.md and docs/exports.md tell a newcomer.

The catalogue and the month of webhooks are in ``tests/_build_minutes.py``: November
2026 in America/Los_Angeles is 721 hours (1 November 07:00Z to 1 December 08:00Z, the
clocks going back on 1 November at 09:00Z).
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk
from _build_minutes import (
    CACHE,
    LA,
    LINUX,
    METERS,
    MONTHLY,
    NOVEMBER,
    OCTOBER,
    STANDARD,
    job,
    month_of_records,
    tiered,
)

UTC = dt.UTC


def lines(invoice: rk.Invoice) -> dict[str, Decimal]:
    return {f"{line.meter or line.kind} {line.entry}": line.amount for line in invoice.lines}


def test_november_in_los_angeles_is_721_hours() -> None:
    # PDT until 1 November 09:00Z, PST after: 30 days and one hour.
    november = MONTHLY.containing("2026-11-15T12:00:00Z")
    assert november == NOVEMBER
    assert november.duration == dt.timedelta(days=30, hours=1)


def test_the_month_of_webhooks_bills_by_hand() -> None:
    rating = rk.rate(month_of_records(), STANDARD, span=NOVEMBER, meters=METERS)
    acme, globex = rk.bill(rating, tz=LA)
    # acme's Linux minutes: A 180 (06:50Z..10:00Z less October's 10), B 60 on 8x, F 60 on
    # 2x from the cut and 60 on 8x: 360 of 2,000 free. macOS: C 08:00..09:00Z (closed at
    # its heartbeat by the inventory) and F's last hour: 120 x 0.08 = 9.60.
    # Cache: 10 GB for 360 h, 20 GB for 361 h, over 721 h: 10820/721 GB-month x 0.25 =
    # 3.7517...: 3.75. Egress 12 GB: 1 x 0 + 9 x 0.09 + 2 x 0.05 = 0.91.
    assert lines(acme) == {
        "cache cache": Decimal("3.75"),
        "egress egress": Decimal("0.91"),
        "linux.minutes l2": Decimal("0.00"),
        "linux.minutes l2b": Decimal("0.00"),
        "linux.minutes l8": Decimal("0.00"),
        "macos.minutes mac": Decimal("9.60"),
    }
    assert acme.total == Decimal("14.26")
    [cache] = [c for c in rating.charges if c.meter == "cache"]
    assert abs(Fraction(cache.quantity) - Fraction(10820, 721)) < Fraction(1, 10**57)
    # globex's 40-day job, November part: 9 days = 12,960 minutes, 3,480 before the cut
    # (58 h) of which 2,000 free: 1,480 x 0.008 = 11.84; 9,480 after at 0.006 = 56.88.
    assert lines(globex) == {
        "linux.minutes l2": Decimal("11.84"),
        "linux.minutes l2b": Decimal("56.88"),
    }
    assert globex.total == Decimal("68.72")


def test_the_job_across_the_month_end_and_the_repeated_hour() -> None:
    # 23:50 PDT on 31 October to 02:00 PST: 10 minutes in October, 180 in November,
    # the hour from 01:00 to 02:00 counted twice, as it happened.
    records = job("acme", "A", "2026-11-01T06:50:00Z", "2026-11-01T10:00:00Z", "linux-2x")
    both = rk.Span(OCTOBER.start, NOVEMBER.end)
    usage = rk.meter(records, [LINUX], span=both, cycle=MONTHLY, as_of=both.end)
    by_cycle = {row.cycle.start: row.quantity for row in usage.rows}
    assert by_cycle == {OCTOBER.start: Decimal(10), NOVEMBER.start: Decimal(180)}


def test_the_forty_day_job_bills_october_whole() -> None:
    # 1 October 07:00Z to 1 November 07:00Z: 31 days = 44,640 minutes, 2,000 free:
    # 42,640 x 0.008 = 341.12.
    rating = rk.rate(month_of_records(), STANDARD, span=OCTOBER, meters=METERS)
    invoices = {invoice.account: invoice.total for invoice in rk.bill(rating)}
    assert invoices == {"acme": Decimal("0.00"), "globex": Decimal("341.12")}


def test_a_job_of_one_instant_costs_nothing_and_says_so() -> None:
    records = job(
        "acme", "D", "2026-11-03T12:00:00.123456Z", "2026-11-03T12:00:00.123456Z", "macos"
    )
    rating = rk.rate(records, STANDARD, span=NOVEMBER, meters=METERS)
    assert rating.charges == ()
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("tie", ("Ds", "De"))]


def test_a_stop_stamped_before_its_start() -> None:
    # Without seq the STOP is an orphan (charges nothing) and the START runs on to the
    # end of the span: 2 November 00:00Z to 1 December 08:00Z = 29 d 8 h = 42,240 min.
    records = [
        rk.Event("acme", "j", "2026-11-02T00:00:00Z", {"runner": "macos"}, kind="start", id="s"),
        rk.Event("acme", "j", "2026-11-01T23:59:00Z", kind="stop", id="e"),
    ]
    rating = rk.rate(records, STANDARD, span=NOVEMBER, meters=METERS)
    assert [a.kind for a in rating.anomalies] == ["orphan_stop"]
    assert [c.quantity for c in rating.charges] == [Decimal(42240)]
    # With the source's seq, the STOP is out of order: it takes the START's instant, zero.
    sequenced = [
        rk.Event(
            "acme", "j", "2026-11-02T00:00:00Z", {"runner": "macos"}, kind="start", id="s", seq=1
        ),
        rk.Event("acme", "j", "2026-11-01T23:59:00Z", kind="stop", id="e", seq=2),
    ]
    rating = rk.rate(sequenced, STANDARD, span=NOVEMBER, meters=METERS)
    assert [a.kind for a in rating.anomalies] == ["out_of_order"]
    assert rating.charges == ()


def test_a_job_that_starts_at_the_price_cut_is_priced_by_the_new_price_only() -> None:
    # 61 minutes from the cut; 2,000 free first: usage of 2,001 minutes from the cut.
    start = dt.datetime(2026, 11, 3, 17, tzinfo=UTC)
    records = job("acme", "j", start, start + dt.timedelta(minutes=2001), "linux-2x")
    rating = rk.rate(records, STANDARD, span=NOVEMBER, meters=METERS)
    assert [(c.entry, c.quantity, c.free, c.amount) for c in rating.charges] == [
        ("l2b", Decimal(2001), Decimal(2000), Decimal("0.006"))
    ]


def test_a_runner_change_mid_job_moves_the_minutes_between_prices_and_meters() -> None:
    records = month_of_records()
    [f_start] = [r for r in records if getattr(r, "id", None) == "Fs"]
    f_records = [r for r in records if isinstance(r, rk.Event) and r.resource == "F"]
    assert f_start in f_records
    rating = rk.rate(f_records, STANDARD, span=NOVEMBER, meters=METERS)
    # An hour on each: 2x at 0.006 (free), 8x (free), macOS 60 x 0.08 = 4.80.
    assert [(c.entry, c.quantity, c.amount) for c in rating.charges] == [
        ("l2b", Decimal(60), Decimal(0)),
        ("l8", Decimal(60), Decimal(0)),
        ("mac", Decimal(60), Decimal("4.80")),
    ]


@pytest.mark.parametrize(
    ("minutes", "free", "after", "total"),
    [
        (1999, "1999", ("1", "0"), "0.00"),  # the 8x minute after takes the last free one
        (2000, "2000", ("0", "0.032"), "0.03"),  # used up exactly: the 8x minute is billed
        (2001, "2000", ("0", "0.032"), "0.04"),  # one 2x minute over: 0.008 + 0.032 = 0.040
    ],
)
def test_the_allowance_used_up_exactly(
    minutes: int, free: str, after: tuple[str, str], total: str
) -> None:
    start = dt.datetime(2026, 11, 2, tzinfo=UTC)
    end = start + dt.timedelta(minutes=minutes)
    records = [
        *job("acme", "j1", start, end, "linux-2x"),
        *job("acme", "j2", end, end + dt.timedelta(minutes=1), "linux-8x"),
    ]
    rating = rk.rate(records, STANDARD, span=NOVEMBER, meters=METERS)
    by_entry = {c.entry: (c.free, c.amount) for c in rating.charges}
    assert by_entry["l2"][0] == Decimal(free)
    assert by_entry["l8"] == (Decimal(after[0]), Decimal(after[1]))
    assert rk.bill(rating)[0].total == Decimal(total)


def test_an_allowance_larger_than_the_usage_bills_zero() -> None:
    records = job("acme", "j", "2026-11-02T00:00:00Z", "2026-11-02T01:00:00Z", "linux-8x")
    rating = rk.rate(records, STANDARD, span=NOVEMBER, meters=METERS)
    [charge] = rating.charges
    assert (charge.quantity, charge.free, charge.amount) == (
        Decimal(60),
        Decimal(60),
        Decimal(0),
    )
    assert rk.bill(rating)[0].total == Decimal("0.00")


@pytest.mark.parametrize(("minutes", "total"), [(1000, "0.00"), (1001, "0.01")])
def test_an_allowance_prorated_by_local_days(minutes: int, total: str) -> None:
    # A plan by whole days in Los Angeles from 16 November 00:00 PST (08:00Z): 15 of
    # November's 30 days, so 2,000 x 15/30 = 1,000 free; 1,001 minutes bill 0.008: 0.01.
    days = rk.Plan(
        "days",
        "USD",
        MONTHLY,
        [rk.PriceEntry("l2", "linux.minutes", rk.PerUnit("0.008"))],
        allowances=[rk.Allowance("linux.minutes", 2000)],
        fees=[rk.Fee("seat", "30")],
        proration="days",
        tz=LA,
    )
    start = dt.datetime(2026, 11, 20, tzinfo=UTC)
    records = job("a", "j", start, start + dt.timedelta(minutes=minutes), "linux-2x")
    rating = rk.rate(
        records,
        [rk.Assignment("a", days, start="2026-11-16T08:00:00Z")],
        span=NOVEMBER,
        meters=METERS,
    )
    usage = [c for c in rating.charges if c.kind == "usage"]
    assert [c.free for c in usage] == [Decimal(1000)]
    fee = [c for c in rating.charges if c.kind == "fee"]
    assert [c.amount for c in fee] == [Decimal(15)]  # 30 x 15/30
    assert rk.bill(rating)[0].total == Decimal(15) + Decimal(total)


def test_the_invoices_read_in_local_time() -> None:
    rating = rk.rate(month_of_records(), STANDARD, span=NOVEMBER, meters=METERS)
    local = rk.bill(rating, tz=LA)[0]
    assert (
        str(local).splitlines()[0]
        == "Invoice acme, 2026-11-01 .. 2026-12-01 (America/Los_Angeles), USD"
    )
    assert "2026-11-01 .. 2026-12-01 (America/Los_Angeles)" in local._repr_html_()
    plain = rk.bill(rating)[0]
    assert (
        str(plain).splitlines()[0]
        == "Invoice acme, 2026-11-01T07:00:00Z .. 2026-12-01T08:00:00Z, USD"
    )
    # Read in New York (EST from 06:00Z), the same cycle starts at 02:00 local.
    east = rk.bill(rating, tz="America/New_York")[0]
    assert "2026-11-01T02:00-05:00 .. 2026-12-01T03:00-05:00" in str(east).splitlines()[0]
    assert local.total == plain.total == east.total


def test_the_exports_add_up_to_the_invoices() -> None:
    rating = rk.rate(month_of_records(), STANDARD, span=NOVEMBER, meters=METERS)
    invoices = rk.bill(rating, tz=LA)
    for by_resource in (False, True):
        billed = rk.bill(rating, tz=LA, by_resource=by_resource)
        rows = rk.focus_rows(billed, provider="CI")
        frame = rk.invoice_lines_frame(billed)
        for invoice in billed:
            mine = [row for row in rows if row["BillingAccountId"] == invoice.account]
            assert sum(Decimal(row["BilledCost"]) for row in mine) == invoice.total
            with decimal.localcontext(prec=decimal.MAX_PREC):
                assert frame[frame["account"] == invoice.account]["amount"].sum() == invoice.total
    # From the rating: one exact row per charge, adding up to the precise totals.
    exact = rk.focus_rows(rating, provider="CI")
    assert sum(Fraction(row["BilledCost"]) for row in exact) == sum(
        Fraction(invoice.precise_total) for invoice in invoices
    )
    # The cache row: 10820/721 GB-month at 0.25, its list cost the product digit for digit.
    [cache] = [row for row in exact if row["x_Meter"] == "cache"]
    assert Fraction(cache["ListCost"]) == Fraction(cache["PricingQuantity"]) * Fraction("0.25")


def test_two_candidate_plans_compared_by_hand() -> None:
    comparison = rk.compare_plans(
        month_of_records(), {"std": STANDARD, "tiered": tiered()}, span=NOVEMBER, meters=METERS
    )
    # tiered, acme: cache 10820/721 x 0.20 = 3.0013...: 3.00; egress 11 x 0.08 = 0.88;
    # Linux all within the yearly 24,000 (10 + 360 minutes); macOS 120 x 0.075 = 9.00;
    # base 5: 17.88. globex: October's 44,640 minutes used the year's 24,000, so
    # November's 12,960 bill 1,000 x 0.007 + 11,960 x 0.005 = 66.80, + 5 = 71.80.
    totals = {(row.account, row.candidate): (row.total, row.change) for row in comparison.rows}
    assert totals == {
        ("acme", "std"): (Decimal("14.26"), "same"),
        ("acme", "tiered"): (Decimal("17.88"), "pays more"),
        ("globex", "std"): (Decimal("68.72"), "same"),
        ("globex", "tiered"): (Decimal("71.80"), "pays more"),
    }
    assert comparison.totals() == {"std": Decimal("82.98"), "tiered": Decimal("89.68")}
    rows = comparison.to_rows()
    assert {row["cycle_start"] for row in rows} == {"2026-11-01T07:00:00Z"}
    assert "2026-11-01 .. 2026-12-01 (America/Los_Angeles)" in comparison._repr_html_()


def test_an_account_on_a_yearly_plan_rated_over_november() -> None:
    yearly = rk.Plan(
        "yearly",
        "USD",
        rk.cycles.yearly(tz=LA),
        [rk.PriceEntry("l2", "linux.minutes", rk.PerUnit("0.007"), where={"runner": "linux-2x"})],
        allowances=[rk.Allowance("linux.minutes", 2000, cycle=MONTHLY)],
        fees=[rk.Fee("base", "600")],
        tz=LA,
    )
    records = job("y", "j", "2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", "linux-2x")
    rating = rk.rate(records, yearly, span=NOVEMBER, meters=METERS)
    # 1,440 minutes within the monthly 2,000; the yearly fee for November's 721 of 2026's
    # 8,760 hours: 600 x 721/8760 = 49.3835...: 49.38, on an invoice of the year.
    [usage, fee] = rating.charges
    assert (usage.quantity, usage.free, usage.amount) == (
        Decimal(1440),
        Decimal(1440),
        Decimal(0),
    )
    assert abs(Fraction(fee.amount) - Fraction(600 * 721, 8760)) < Fraction(1, 10**57)
    [invoice] = rk.bill(rating, tz=LA)
    assert invoice.total == Decimal("49.38")
    assert "2026-01-01 .. 2027-01-01 (America/Los_Angeles)" in str(invoice)
    # A rater closes one cycle at a time: monthly and yearly plans need a rater each.
    with pytest.raises(rk.BadCalendarError, match="different cycles"):
        rk.Rater(
            [rk.Assignment("acme", STANDARD), rk.Assignment("y", yearly)],
            METERS,
            start=NOVEMBER.start,
        )


def test_the_callers_decimal_context_does_not_matter() -> None:
    expected = rk.rate(month_of_records(), STANDARD, span=NOVEMBER, meters=METERS)
    hostile = decimal.Context(
        prec=4,
        rounding=decimal.ROUND_FLOOR,
        Emax=20,
        Emin=-5,
        traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow],
    )
    with decimal.localcontext(hostile):
        rating = rk.rate(month_of_records(), STANDARD, span=NOVEMBER, meters=METERS)
        invoices = rk.bill(rating, tz=LA)
        rows = rk.focus_rows(invoices, provider="CI")
    assert rating.charges == expected.charges
    assert [i.total for i in invoices] == [Decimal("14.26"), Decimal("68.72")]
    assert len(rows) == len(rk.focus_rows(rk.bill(expected, tz=LA), provider="CI"))


def test_the_cache_gauge_holds_across_the_month_end() -> None:
    # 10 GB from 20 October 00:00Z: October holds it 295 of its 744 hours (10 x 295/744
    # GB-month), November all 721 (10) until 4 GB from 10 November 00:00Z: 10 x 209 +
    # 4 x 512 over 721 = 4138/721 GB-month.
    readings = [
        rk.Sample("a", "c", "cache", "2026-10-20T00:00:00Z", 10, kind="gauge", id="g1"),
        rk.Sample("a", "c", "cache", "2026-11-10T00:00:00Z", 4, kind="gauge", id="g2"),
    ]
    both = rk.Span(OCTOBER.start, NOVEMBER.end)
    usage = rk.meter(readings, [CACHE], span=both, cycle=MONTHLY, as_of=both.end)
    by_cycle = {row.cycle.start: Fraction(row.quantity) for row in usage.rows}
    assert abs(by_cycle[OCTOBER.start] - Fraction(2950, 744)) < Fraction(1, 10**50)
    assert abs(by_cycle[NOVEMBER.start] - Fraction(4138, 721)) < Fraction(1, 10**50)


def test_egress_on_the_cycle_boundary_belongs_to_the_cycle_it_starts() -> None:
    samples = [
        rk.Sample("a", "x", "egress", NOVEMBER.start, 2_000_000_000, id="first"),
        rk.Sample("a", "x", "egress", NOVEMBER.end, 2_000_000_000, id="next-month"),
    ]
    rating = rk.rate(samples, STANDARD, span=NOVEMBER, meters=METERS)
    # Only the first: 2 GB, 1 free and 1 at 0.09.
    assert [(c.quantity, c.unit, c.amount) for c in rating.charges] == [
        (Decimal(2), "GB", Decimal("0.09"))
    ]
