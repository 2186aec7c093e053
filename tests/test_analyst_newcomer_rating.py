"""An analyst's months rated end to end in DST zones, worked by hand.

Night prices over Zurich's short March, cycles and windows where Havana skips or repeats
midnight, a volume price with an allowance and corrections in any order, and a plan
change just before Zurich's DST gap fed to the streaming rater in two batches.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

ZURICH_MONTHS = rk.cycles.monthly(tz="Europe/Zurich")
ZURICH_MARCH = ZURICH_MONTHS.containing("2026-03-15T00:00:00Z")  # 743 hours
UTC_MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())


def test_night_prices_over_zurichs_short_march() -> None:
    # A VM runs all of Zurich's March (743 h). Nights, 22:00 to 06:00 local, cost 0.05,
    # the rest 0.10. Night hours inside the month: 1 March 00:00-06:00 (6 h), the nights
    # starting 1..30 March at 8 h each except 28 to 29 March, which loses the hour the
    # clocks skip (7 h): 29 x 8 + 7 = 239 h, and 31 March 22:00-24:00 (2 h): 247 h in all.
    # Days: 743 - 247 = 496 h. 247 x 0.05 = 12.35, 496 x 0.10 = 49.60: 61.95.
    nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    entries = [
        rk.PriceEntry("day", "vm.hours", rk.PerUnit("0.10")),
        rk.PriceEntry("night", "vm.hours", rk.PerUnit("0.05"), window=nights, priority=1),
    ]
    plan = rk.Plan("n", "EUR", ZURICH_MONTHS, entries)
    records = [rk.Event("acme", "vm", "2026-02-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")]
    rating = rk.rate(records, plan, span=ZURICH_MARCH, meters=[VM_HOURS], as_of=ZURICH_MARCH.end)
    hours: dict[str | None, Fraction] = {}
    for charge in rating.charges:
        hours[charge.entry] = hours.get(charge.entry, Fraction(0)) + Fraction(charge.quantity)
    assert hours == {"day": 496, "night": 247}
    [invoice] = rk.bill(rating, tz="Europe/Zurich")
    assert [(line.quantity, line.amount) for line in invoice.lines] == [
        (Decimal(496), Decimal("49.60")),
        (Decimal(247), Decimal("12.35")),
    ]
    assert invoice.total == Decimal("61.95")


def test_havanas_skipped_midnight_starts_its_cycles_after_the_gap() -> None:
    # Havana skips 00:00-01:00 on Sunday 8 March 2026 (CST -05:00 to CDT -04:00): the
    # day, week, month (day 8), quarter and year starting that day all start at 01:00 CDT,
    # 05:00Z, the first instant after the gap.
    havana = "America/Havana"
    after_the_gap = dt.datetime(2026, 3, 8, 5, tzinfo=dt.UTC)
    cycles = [
        rk.cycles.daily(tz=havana),
        rk.cycles.weekly(tz=havana, weekday="Sun"),
        rk.cycles.monthly(tz=havana, day=8),
        rk.cycles.quarterly(tz=havana, month=3, day=8),
        rk.cycles.yearly(tz=havana, month=3, day=8),
    ]
    for cycle in cycles:
        assert cycle.containing("2026-03-08T12:00:00Z").start == after_the_gap
    # The day before ends there too: 7 March lasts 24 h (05:00Z to 05:00Z).
    saturday = rk.cycles.daily(tz=havana).containing("2026-03-07T12:00:00Z")
    assert (str(saturday.start), str(saturday.end)) == (
        "2026-03-07 05:00:00+00:00",
        "2026-03-08 05:00:00+00:00",
    )
    # A window of 00:00-00:30 lies wholly in the gap that day, so it is empty then.
    early = rk.windows.daily("00:00", "00:30", tz=havana)
    assert early.within(rk.Span("2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z")) == rk.SpanSet([])


def test_havanas_repeated_midnight_starts_its_day_at_the_first_midnight() -> None:
    # Havana repeats 00:00-01:00 on Sunday 1 November 2026 (CDT to CST): 1 November starts
    # at the first 00:00 (04:00Z) and lasts 25 h, to 2 November 00:00 CST (05:00Z).
    november_1 = rk.cycles.daily(tz="America/Havana").containing("2026-11-01T12:00:00Z")
    assert november_1 == rk.Span("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")
    window = rk.windows.daily("00:00", "00:30", tz="America/Havana")
    # Its 00:00-00:30 is the first occurrence only (04:00Z-04:30Z), not 05:00Z-05:30Z too.
    assert window.within(november_1) == rk.SpanSet(
        [rk.Span("2026-11-01T04:00:00Z", "2026-11-01T04:30:00Z")]
    )


def _gigabytes(day: int, quantity: int) -> rk.UsageRow:
    span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day + 1:02d}T00:00:00Z")
    return rk.UsageRow("acme", "eg", "ip", span, UTC_MARCH, quantity, "GB", {}, (f"s{day}",))


@pytest.mark.parametrize(
    ("rows", "total"),
    [
        # net 15, 3 free: 12 GB past the (0, 10] bound, all at 0.5: 6
        ([(2, 20), (5, -5)], Fraction(6)),
        ([(2, -5), (5, 20)], Fraction(6)),
        # net 10, 3 free: 7 GB in the first tier at 1: 7
        ([(2, 8), (3, 4), (4, -2)], Fraction(7)),
        # net 12, 3 free: 9 GB at 1: 9 (the correction takes 13 - 3 = 10 back to 9)
        ([(2, 13), (3, -1)], Fraction(9)),
    ],
)
def test_a_volume_price_with_an_allowance_costs_its_net_less_the_free_units(
    rows: list[tuple[int, int]], total: Fraction
) -> None:
    # docs/pricing.md: in any order of the rows, a cycle's usage costs the price of
    # max(0, net - allowance), and a correction never refunds a free unit.
    volume = rk.Volume([rk.Tier(10, "1"), rk.Tier(None, "0.5")])
    plan = rk.Plan(
        "v",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("eg", "eg", volume)],
        allowances=[rk.Allowance("eg", 3)],
    )
    rating = rk.rate([_gigabytes(day, quantity) for day, quantity in rows], plan, span=UTC_MARCH)
    assert Fraction(rating.total()) == total
    assert all(charge.free >= 0 for charge in rating.charges)
    assert rating.anomalies == ()


def test_a_change_before_zurichs_gap_streamed_in_two_batches_bills_as_one_batch() -> None:
    # Zurich's March, 743 h. Plan a (days in Zurich) until 29 March 00:30Z (01:30 CET),
    # plan b (seconds) after. At the change a counts 28 whole days (28/31 = 0.9032) and
    # b 673.5 h (673.5/743 = 0.9065): the position is b's further count, 673.5/743.
    #   a's fee 31 x 673.5/743 = 28.1002...  -> 28.10
    #   b's fee 62 x 69.5/743  = 5.7994...   -> 5.80
    # vm ran 3 March 00:00Z to 29 March 01:30Z and from 30 March 00:00Z on; vm2 from
    # 28 March 00:00Z to 2 April 00:00Z.
    #   under a: vm 624.5 h + vm2 24.5 h = 649 h, less 50 x 673.5/743 = 45.3230... free,
    #     603.6769... h, the first 100 free by tier: 503.6769... x 0.1 = 50.3676... -> 50.37
    #     (a's minimum, 40 x 0.9065 = 36.26, is met)
    #   under b: vm 1 h + 46 h, vm2 69.5 h: 116.5 h x 0.2 = 23.30 (b's minimum 0.94 is met)
    #   March: 50.37 + 23.30 + 28.10 + 5.80 = 107.57
    # April (720 h), all b: vm 720 h + vm2 26 h = 746 h x 0.2 = 149.20, fee 62: 211.20.
    plan_a = rk.Plan(
        "a",
        "EUR",
        ZURICH_MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "0.1")]))],
        fees=[rk.Fee("base", 31)],
        minimums=[rk.Minimum(40)],
        allowances=[rk.Allowance("vm.hours", 50)],
        proration="days",
        tz="Europe/Zurich",
    )
    plan_b = rk.Plan(
        "b",
        "EUR",
        ZURICH_MONTHS,
        [rk.PriceEntry("vm2", "vm.hours", rk.PerUnit("0.2"))],
        fees=[rk.Fee("base", 62)],
        minimums=[rk.Minimum(10)],
    )
    change = "2026-03-29T00:30:00Z"
    plans = [rk.Assignment("x", plan_a, end=change), rk.Assignment("x", plan_b, start=change)]
    records = [
        rk.Event("x", "vm", "2026-03-03T00:00:00Z", {"f": 1}, kind="start", id="e1"),
        rk.Event("x", "vm", "2026-03-29T01:30:00Z", kind="stop", id="e2"),
        rk.Event("x", "vm", "2026-03-30T00:00:00Z", {"f": 2}, kind="start", id="e3"),
        rk.Event("x", "vm2", "2026-03-28T00:00:00Z", {"f": 2}, kind="start", id="e4"),
        rk.Event("x", "vm2", "2026-04-02T00:00:00Z", kind="stop", id="e5"),
    ]
    two_months = rk.Span(ZURICH_MARCH.start, "2026-04-30T22:00:00Z")
    batch = rk.rate(records, plans, span=two_months, meters=[VM_HOURS], as_of=two_months.end)
    assert [invoice.total for invoice in rk.bill(batch)] == [Decimal("107.57"), Decimal("211.20")]
    fees = {c.plan: c.amount for c in batch.charges if c.kind == "fee" and c.cycle == ZURICH_MARCH}
    assert abs(Fraction(fees["a"]) - Fraction(31) * Fraction(6735, 7430)) < Fraction(1, 10**57)
    assert abs(Fraction(fees["b"]) - Fraction(62) * Fraction(695, 7430)) < Fraction(1, 10**57)

    rater = rk.Rater(plans, [VM_HOURS], start=two_months.start)
    rater.feed(records[3:])
    statements = [rater.statement("2026-03-29T01:00:00Z")]  # inside the gap's hour, in UTC
    rater.feed(records[:3])
    statements += [
        rater.statement(t) for t in ("2026-03-29T02:00:00Z", "2026-04-15T00:00:00Z", two_months.end)
    ]
    streamed = sum(Fraction(line.amount) for s in statements for line in s.lines)
    assert streamed == Fraction(batch.total())
    assert [i.total for s in statements for i in s.invoices] == [
        Decimal("107.57"),
        Decimal("211.20"),
    ]
