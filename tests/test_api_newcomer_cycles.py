"""A metered API's billing cycles, anchored on each customer's signup day, worked by hand.

Read from the calendars and pricing pages only: a customer who signs up on the 31st or on
29 February, cycles read in the customer's own time zone across a change of daylight
saving time (Europe/London, and America/Sao_Paulo when it still had one), yearly
customers, and a plan change on the very instant a cycle ends.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def call(account: str, at: str, quantity: object, ident: str) -> rk.Sample:
    return rk.Sample(account, f"{account}/key", "calls", at, quantity, id=ident)


def per_call(
    name: str, cycle: rk.cycles.Cycle, price: str, fee: object = 0, **parts: object
) -> rk.Plan:
    fees = [rk.Fee("base", fee)] if fee else []
    entries = [rk.PriceEntry("calls", "calls", rk.PerUnit(price))]
    return rk.Plan(name, "USD", cycle, entries, fees=fees, **parts)


# --- signup on the 31st and on 29 February -------------------------------------------


def test_a_signup_on_the_31st_in_london_clamps_to_short_months_and_returns() -> None:
    # London midnight: GMT (00:00Z) until 29 March 2026, BST (23:00Z the day before)
    # from then. February has no 31st: its last day, the 28th; March and May have one,
    # April does not: 30 April.
    cycle = rk.cycles.monthly(tz="Europe/London", day=31)
    year = rk.Span("2026-01-15T00:00:00Z", "2026-06-15T00:00:00Z")
    assert [str(span.start) for span in cycle.spans(year)] == [
        "2025-12-31 00:00:00+00:00",
        "2026-01-31 00:00:00+00:00",
        "2026-02-28 00:00:00+00:00",
        "2026-03-30 23:00:00+00:00",
        "2026-04-29 23:00:00+00:00",
        "2026-05-30 23:00:00+00:00",
    ]


def test_a_signup_on_29_february_bills_yearly_from_the_28th_in_common_years() -> None:
    # Sao Paulo is UTC-3 all year since 2019: local midnight is 03:00Z.
    yearly = rk.cycles.yearly(tz="America/Sao_Paulo", month=2, day=29)
    spans = yearly.spans(rk.Span("2027-06-01T00:00:00Z", "2029-06-01T00:00:00Z"))
    assert [str(span.start) for span in spans] == [
        "2027-02-28 03:00:00+00:00",
        "2028-02-29 03:00:00+00:00",
        "2029-02-28 03:00:00+00:00",
    ]
    # 28 Feb 2027 .. 29 Feb 2028 is 366 days (a year and the leap day); 29 Feb 2028 ..
    # 28 Feb 2029 is 365.
    assert [span.duration for span in spans[:2]] == [366 * DAY, 365 * DAY]


def test_a_monthly_customer_of_the_29th_bills_february_from_its_last_day() -> None:
    monthly = rk.cycles.monthly(tz="America/Sao_Paulo", day=29)
    spans = monthly.spans(rk.Span("2027-01-15T00:00:00Z", "2027-04-15T00:00:00Z"))
    assert [str(span.start.date()) for span in spans] == [
        "2026-12-29",
        "2027-01-29",
        "2027-02-28",
        "2027-03-29",
    ]
    # 28 Feb .. 29 Mar 2027: 29 days, the fee whole (a cycle is a cycle, however short).
    plan = per_call("monthly", monthly, "0.02", fee=120)
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=spans[2], accounts=["acme"])
    assert [(c.kind, c.quantity, c.amount) for c in rating.charges] == [
        ("fee", Decimal(1), Decimal(120))
    ]


# --- cycles across a change of daylight saving time ----------------------------------


def test_a_london_cycle_across_the_spring_change_lasts_one_hour_less() -> None:
    # Anchored on the 29th: 29 March 2026 00:00 GMT (00:00Z) to 29 April 00:00 BST
    # (28 April 23:00Z): 31 days less the hour skipped at 01:00 on 29 March.
    cycle = rk.cycles.monthly(tz="Europe/London", day=29)
    spring = cycle.containing("2026-04-01T00:00:00Z")
    assert spring == rk.Span("2026-03-29T00:00:00Z", "2026-04-28T23:00:00Z")
    assert spring.duration == 31 * DAY - HOUR
    # 29 September 00:00 BST (28 Sep 23:00Z) to 29 October 00:00 GMT: one hour more.
    autumn = cycle.containing("2026-10-01T00:00:00Z")
    assert autumn.duration == 30 * DAY + HOUR


def test_a_sao_paulo_cycle_starts_after_a_skipped_midnight() -> None:
    # On 4 November 2018 Sao Paulo went from 24:00 on the 3rd straight to 01:00 (UTC-2):
    # the cycle anchored on the 4th starts at the first instant after the gap, 01:00
    # local = 03:00Z. 4 Oct 00:00 (UTC-3, 03:00Z) .. 4 Nov 03:00Z is 31 whole days;
    # the November cycle ends at 4 Dec 00:00 UTC-2 = 02:00Z: 30 days less an hour.
    cycle = rk.cycles.monthly(tz="America/Sao_Paulo", day=4)
    october = cycle.containing("2018-10-10T00:00:00Z")
    november = cycle.containing("2018-11-10T00:00:00Z")
    assert october == rk.Span("2018-10-04T03:00:00Z", "2018-11-04T03:00:00Z")
    assert october.duration == 31 * DAY
    assert november == rk.Span("2018-11-04T03:00:00Z", "2018-12-04T02:00:00Z")
    assert november.duration == 30 * DAY - HOUR


def test_a_signup_mid_cycle_across_dst_prorates_by_the_hour_or_by_local_day() -> None:
    # Cycle 29 Mar 00:00Z .. 28 Apr 23:00Z = 743 hours, 31 London days. The customer
    # signs up at 14:00 BST on 30 March (13:00Z): 706 hours remain, so by seconds the
    # fee of 31 is 31 x 706/743; by days the signup day is the incoming plan's, 30 of
    # 31 days: 30.00. The commitment of 62 is prorated alike: 62 x 706/743, and 60.
    cycle = rk.cycles.monthly(tz="Europe/London", day=29)
    spring = cycle.containing("2026-04-01T00:00:00Z")
    signup = "2026-03-30T14:00:00+01:00"
    by_days = per_call(
        "days",
        cycle,
        "0.01",
        fee=31,
        minimums=[rk.Minimum(62)],
        proration="days",
        tz="Europe/London",
    )
    by_seconds = per_call("seconds", cycle, "0.01", fee=31, minimums=[rk.Minimum(62)])
    rated = rk.rate(
        [], [rk.Assignment("acme", by_days, start=signup)], span=spring, accounts=["acme"]
    )
    assert [(c.kind, c.amount) for c in rated.charges] == [
        ("fee", Decimal(30)),
        ("minimum", Decimal(60)),
    ]
    rated = rk.rate(
        [], [rk.Assignment("acme", by_seconds, start=signup)], span=spring, accounts=["acme"]
    )
    (invoice,) = rk.bill(rated, tz="Europe/London")
    # 31 x 706/743 = 29.4562... -> 29.46; 62 x 706/743 = 58.9125... -> 58.91.
    assert [line.amount for line in invoice.lines] == [Decimal("29.46"), Decimal("58.91")]
    assert invoice.total == Decimal("88.37")
    assert str(invoice).splitlines()[0] == (
        "Invoice acme, 2026-03-29 .. 2026-04-29 (Europe/London), USD"
    )


# --- a plan change on the very instant a cycle ends ----------------------------------


def test_a_plan_change_at_a_cycle_end_gives_each_cycle_wholly_to_one_plan() -> None:
    # Half-open cycles: a call stamped at the instant April ends is May's, priced by the
    # incoming plan; one a microsecond before is April's. No plan is due a zero share.
    # April: 100 x 0.01 + fee 10 = 11.00; May: 100 x 0.02 + fee 30 = 32.00.
    months = rk.cycles.monthly(tz="UTC")
    old, new = per_call("old", months, "0.01", fee=10), per_call("new", months, "0.02", fee=30)
    end = "2026-05-01T00:00:00Z"
    plans = [rk.Assignment("acme", old, end=end), rk.Assignment("acme", new, start=end)]
    records = [
        call("acme", end, 100, "at-end"),
        call("acme", "2026-04-30T23:59:59.999999Z", 100, "just-before"),
    ]
    two = rk.Span("2026-04-01T00:00:00Z", "2026-06-01T00:00:00Z")
    rating = rk.rate(records, plans, span=two, meters=[CALLS])
    assert [(c.kind, c.plan, str(c.cycle.start.date()), c.amount) for c in rating.charges] == [
        ("usage", "old", "2026-04-01", Decimal("1.00")),
        ("fee", "old", "2026-04-01", Decimal(10)),
        ("usage", "new", "2026-05-01", Decimal("2.00")),
        ("fee", "new", "2026-05-01", Decimal(30)),
    ]
    assert [invoice.total for invoice in rk.bill(rating)] == [Decimal("11.00"), Decimal("32.00")]


def test_a_change_from_a_yearly_plan_to_a_monthly_one_at_the_years_end() -> None:
    # Sao Paulo, signup 29 Feb 2028: the year runs to 28 Feb 2029 (no 29th), where the
    # customer moves to monthly cycles of the 29th, whose February cycle also starts on
    # the 28th. Year: 13,000 calls, 12,000 free, 1,000 x 0.01 = 10 + 1,200 = 1,210.00.
    # Month: 1,500 calls at the change instant, 1,000 free, 500 x 0.02 = 10 + 120.
    tz = "America/Sao_Paulo"
    yearly = per_call(
        "yearly",
        rk.cycles.yearly(tz=tz, month=2, day=29),
        "0.01",
        fee=1200,
        allowances=[rk.Allowance("calls", 12000)],
    )
    monthly = per_call(
        "monthly",
        rk.cycles.monthly(tz=tz, day=29),
        "0.02",
        fee=120,
        allowances=[rk.Allowance("calls", 1000)],
    )
    signup, change = "2028-02-29T00:00:00-03:00", "2029-02-28T00:00:00-03:00"
    plans = [
        rk.Assignment("acme", yearly, start=signup, end=change),
        rk.Assignment("acme", monthly, start=change),
    ]
    records = [call("acme", "2028-06-01T00:00:00Z", 13000, "a"), call("acme", change, 1500, "b")]
    span = rk.Span(signup, "2029-03-29T00:00:00-03:00")
    invoices = rk.bill(rk.rate(records, plans, span=span, meters=[CALLS]), tz=tz)
    assert [(str(i).splitlines()[0], i.total) for i in invoices] == [
        ("Invoice acme, 2028-02-29 .. 2029-02-28 (America/Sao_Paulo), USD", Decimal("1210.00")),
        ("Invoice acme, 2029-02-28 .. 2029-03-29 (America/Sao_Paulo), USD", Decimal("130.00")),
    ]
