"""Candidate plans priced by hand across calendars, each total worked with exact Fractions.

Every expected value below is worked in its comment from the documented rules
(docs/pricing.md, docs/calendars.md, docs/invoices.md), not read off ratekit.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
VM = rk.Meter("vm.hours", "hour", rk.OnOff())


def _run(
    account: str, start: str, end: str | None = None, resource: str = "vm-1"
) -> list[rk.Event]:
    """A VM of ``account`` started at ``start`` and stopped at ``end`` (if given)."""
    records = [rk.Event(account, resource, start, kind="start", id=f"{resource}-start")]
    if end is not None:
        records.append(rk.Event(account, resource, end, kind="stop", id=f"{resource}-stop"))
    return records


def _gb(day: int, quantity: object, resource: str = "ip-1", meter: str = "eg") -> rk.UsageRow:
    """``quantity`` GB sent by ``resource`` in the first hour of ``day`` March 2026."""
    span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day:02d}T01:00:00Z")
    return rk.UsageRow(
        "acme", meter, resource, span, MARCH, quantity, "GB", {}, (f"s{day}{resource}",)
    )


def _exact(value: Decimal) -> Fraction:
    return Fraction(value)


# --- anniversary cycles ----------------------------------------------------------------------


def test_an_anniversary_on_the_31st_bills_each_cycle_its_own_hours() -> None:
    # Cycles of day 31: Jan 31 -> Feb 28 (28 days, 672 h), Feb 28 -> Mar 31 (31 days, 744 h),
    # Mar 31 -> Apr 30 (30 days, 720 h). A VM running throughout at 0.10 an hour with a fee of
    # 28 a cycle: 67.20 + 28, 74.40 + 28, 72.00 + 28.
    anniversary = rk.cycles.monthly(tz="UTC", day=31)
    plan = rk.Plan(
        "p",
        "EUR",
        anniversary,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        fees=[rk.Fee("base", 28)],
    )
    span = rk.Span("2026-01-31T00:00:00Z", "2026-04-30T00:00:00Z")
    rating = rk.rate(_run("acme", "2026-01-31T00:00:00Z"), plan, span=span, meters=[VM])
    hours = [charge.quantity for charge in rating.charges if charge.kind == "usage"]
    assert hours == [Decimal(672), Decimal(744), Decimal(720)]
    invoices = rk.bill(rating)
    assert [str(invoice.cycle.start.date()) for invoice in invoices] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
    ]
    assert [invoice.total for invoice in invoices] == [
        Decimal("95.20"),
        Decimal("102.40"),
        Decimal("100.00"),
    ]


def test_an_anniversary_on_the_29th_returns_to_the_29th_after_a_short_february() -> None:
    # day=29 in a common year: Jan 29 -> Feb 28 (no 29th), then back on Mar 29; in the leap
    # year 2028, Feb 29 exists and starts its own cycle.
    cycle = rk.cycles.monthly(tz="UTC", day=29)
    assert cycle.containing("2027-02-28T00:00:00Z") == rk.Span(
        "2027-02-28T00:00:00Z", "2027-03-29T00:00:00Z"
    )
    assert cycle.containing("2028-02-28T23:00:00Z") == rk.Span(
        "2028-01-29T00:00:00Z", "2028-02-29T00:00:00Z"
    )
    assert cycle.containing("2028-02-29T00:00:00Z") == rk.Span(
        "2028-02-29T00:00:00Z", "2028-03-29T00:00:00Z"
    )


def test_a_yearly_allowance_from_the_leap_day_resets_on_it() -> None:
    # Allowance of 100 hours per year from Feb 29 (Feb 28 in common years); the plan is assigned
    # since 2027, so both periods are whole. A VM runs Feb 20 -> Mar 8 2028: 216 h before the
    # leap day (period Feb 28 2027 .. Feb 29 2028: 100 free, 116 billed at 1) and 192 h after it
    # (new period: 100 free, 92 billed).
    leap_years = rk.cycles.yearly(tz="UTC", month=2, day=29)
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC", day=29),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        allowances=[rk.Allowance("vm.hours", 100, cycle=leap_years)],
    )
    span = rk.Span("2028-01-29T00:00:00Z", "2028-03-29T00:00:00Z")
    records = _run("acme", "2028-02-20T00:00:00Z", "2028-03-08T00:00:00Z")
    assigned = [rk.Assignment("acme", plan, start="2027-01-01T00:00:00Z")]
    rating = rk.rate(records, assigned, span=span, meters=[VM])
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(216), Decimal(100), Decimal(116)),
        (Decimal(192), Decimal(100), Decimal(92)),
    ]


# --- DST: an hourly VM is billed exactly its hours ------------------------------------------


@pytest.mark.parametrize(
    ("tz", "start", "end", "hours", "short_or_long"),
    [
        # New York: clocks go forward on 8 March 2026 (a 23-hour day), back on 1 November (25).
        ("America/New_York", "2026-03-01T00:00:00-05:00", "2026-04-01T00:00:00-04:00", 743, 23),
        ("America/New_York", "2026-11-01T00:00:00-04:00", "2026-12-01T00:00:00-05:00", 721, 25),
        # Zurich: forward on 29 March 2026, back on 25 October.
        ("Europe/Zurich", "2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00", 743, 23),
        ("Europe/Zurich", "2026-10-01T00:00:00+02:00", "2026-11-01T00:00:00+01:00", 745, 25),
    ],
)
def test_a_month_across_dst_bills_its_elapsed_hours(
    tz: str, start: str, end: str, hours: int, short_or_long: int
) -> None:
    # A VM running the whole local month at 1 an hour costs its elapsed hours (743, 721 or 745,
    # not 744 or 720), plus a fee of 24 a cycle. Billed daily instead, one day is 23 or 25 hours
    # and every other 24; 31 or 30 daily fees of 24.
    span = rk.Span(start, end)
    records = _run("acme", start, end)
    monthly = rk.Plan(
        "m",
        "USD",
        rk.cycles.monthly(tz=tz),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        fees=[rk.Fee("f", 24)],
    )
    rating = rk.rate(records, monthly, span=span, meters=[VM])
    assert [c.quantity for c in rating.charges if c.kind == "usage"] == [Decimal(hours)]
    assert [invoice.total for invoice in rk.bill(rating, tz=tz)] == [
        Decimal(hours + 24) + Decimal("0.00")
    ]

    daily = rk.Plan(
        "d",
        "USD",
        rk.cycles.daily(tz=tz),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        fees=[rk.Fee("f", 24)],
    )
    rating = rk.rate(records, daily, span=span, meters=[VM])
    days = [c.quantity for c in rating.charges if c.kind == "usage"]
    assert sum(days) == hours
    assert sorted(set(days)) == sorted({Decimal(24), Decimal(short_or_long)})
    assert days.count(Decimal(short_or_long)) == 1
    invoices = rk.bill(rating, tz=tz)
    assert len(invoices) == len(days)
    assert sum(invoice.total for invoice in invoices) == hours + 24 * len(days)


def test_night_prices_follow_the_wall_clock_across_the_spring_change() -> None:
    # A night price (22:00 -> 06:00 Zurich, 0.5) over a day price (1). A VM runs from
    # 28 March 12:00Z to 30 March 12:00Z, 48 hours. Nights: 28th 21:00Z -> 29th 04:00Z (7 h,
    # the short night) and 29th 20:00Z -> 30th 04:00Z (8 h): 15 h at 0.5, 33 h at 1 = 40.5.
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    plan = rk.Plan(
        "p",
        "CHF",
        zurich,
        [
            rk.PriceEntry("day", "vm.hours", rk.PerUnit(1)),
            rk.PriceEntry("night", "vm.hours", rk.PerUnit("0.5"), window=nights, priority=1),
        ],
    )
    month = zurich.containing("2026-03-15T00:00:00Z")
    records = _run("a", "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z")
    rating = rk.rate(records, plan, span=month, meters=[VM])
    by_entry: dict[str, Decimal] = {}
    for charge in rating.charges:
        by_entry[charge.entry] = by_entry.get(charge.entry, Decimal(0)) + charge.quantity
    assert by_entry == {"day": Decimal(33), "night": Decimal(15)}
    assert rating.total() == Decimal("40.5")


# --- a plan change inside an hour, prorated by seconds or by days ---------------------------


def _changed(proration: str) -> list[rk.Assignment]:
    basic = rk.Plan(
        "basic",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        fees=[rk.Fee("sup", 31)],
        proration=proration,
        tz="UTC",
    )
    pro = rk.Plan(
        "pro",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm-pro", "vm.hours", rk.PerUnit("0.07"))],
        fees=[rk.Fee("sup", 31)],
        allowances=[rk.Allowance("vm.hours", 31)],
        proration=proration,
        tz="UTC",
    )
    change = "2026-03-16T12:20:00Z"
    return [rk.Assignment("acme", basic, end=change), rk.Assignment("acme", pro, start=change)]


def test_a_change_at_twenty_past_prorated_by_seconds() -> None:
    # The VM runs all March (744 h). basic holds 15 d 12 h 20 min = 1117/3 h, pro 1115/3 h.
    # basic: 1117/3 x 0.10 = 37.2333... -> 37.23.
    # pro, by seconds: its share is (1115/3)/744; 31 free hours become 31 x 1115/2232 =
    # 34565/2232; billed (1115/3 - 34565/2232) x 0.07 = 794995/2232 x 0.07 = 24.9326... -> 24.93.
    # The fee: 31 x (share basic + share pro) = 31, one line of 31.00. Total 93.16.
    rating = rk.rate(
        _run("acme", "2026-03-01T00:00:00Z"), _changed("seconds"), span=MARCH, meters=[VM]
    )
    pro_share = Fraction(1115, 3) / 744
    free = 31 * pro_share
    [pro_usage] = [c for c in rating.charges if c.plan == "pro" and c.kind == "usage"]
    assert abs(_exact(pro_usage.free) - free) < Fraction(1, 10**58)
    assert abs(_exact(pro_usage.amount) - (Fraction(1115, 3) - free) * Fraction(7, 100)) < Fraction(
        1, 10**57
    )
    fees = [c for c in rating.charges if c.kind == "fee"]
    assert abs(sum(_exact(c.amount) for c in fees) - 31) < Fraction(1, 10**57)
    [invoice] = rk.bill(rating)
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("37.23")),
        ("usage", Decimal("24.93")),
        ("fee", Decimal("31.00")),
    ]
    assert invoice.total == Decimal("93.16")


def test_a_change_at_twenty_past_prorated_by_days() -> None:
    # By whole UTC days, a day counts for the part that holds its last instant: basic has
    # 1..15 March (15 days), pro 16..31 (16 days, the day of the change). Fee 15 + 16; pro's
    # allowance 31 x 16/31 = 16 free hours; pro billed (1115/3 - 16) x 0.07 = 24.8966... -> 24.90.
    # basic's hours are the same as by seconds (37.23). Total 37.23 + 24.90 + 31.00 = 93.13.
    rating = rk.rate(
        _run("acme", "2026-03-01T00:00:00Z"), _changed("days"), span=MARCH, meters=[VM]
    )
    assert [(c.plan, c.amount) for c in rating.charges if c.kind == "fee"] == [
        ("basic", Decimal(15)),
        ("pro", Decimal(16)),
    ]
    [pro_usage] = [c for c in rating.charges if c.plan == "pro" and c.kind == "usage"]
    assert pro_usage.free == Decimal(16)
    [invoice] = rk.bill(rating)
    assert [line.amount for line in invoice.lines] == [
        Decimal("37.23"),
        Decimal("24.90"),
        Decimal("31.00"),
    ]
    assert invoice.total == Decimal("93.13")


def test_a_change_by_days_on_new_yorks_short_day() -> None:
    # Monthly New York cycles, fees of 31 prorated by New York days. The change is at noon on
    # 8 March 2026 (the 23-hour day): a holds 1..7 March (7 days), b the 8th onwards (24 days).
    new_york = rk.cycles.monthly(tz="America/New_York")

    def plan(name: str) -> rk.Plan:
        return rk.Plan(
            name,
            "USD",
            new_york,
            [],
            fees=[rk.Fee("f", 31)],
            proration="days",
            tz="America/New_York",
        )

    change = "2026-03-08T12:00:00-04:00"
    month = new_york.containing("2026-03-10T00:00:00Z")
    assigned = [
        rk.Assignment("x", plan("a"), end=change),
        rk.Assignment("x", plan("b"), start=change),
    ]
    rating = rk.rate([], assigned, span=month)
    assert [(c.plan, c.amount) for c in rating.charges] == [("a", Decimal(7)), ("b", Decimal(24))]


def test_a_london_day_without_a_utc_midnight_counts_as_one_day() -> None:
    # London's 29 March 2026 runs 00:00Z -> 23:00Z and holds no UTC midnight; a plan counting
    # UTC days takes it as one day ending at the cycle's end: whole when the plan covers it or
    # starts within it, nothing when the plan ends within it.
    london = rk.cycles.daily(tz="Europe/London")
    day = london.containing("2026-03-29T12:00:00Z")

    def plan(name: str) -> rk.Plan:
        return rk.Plan(name, "EUR", london, [], fees=[rk.Fee("f", 24)], proration="days", tz="UTC")

    def fees(assigned: list[rk.Assignment]) -> list[tuple[str, Decimal]]:
        return [(c.plan, c.amount) for c in rk.rate([], assigned, span=day).charges]

    middle = "2026-03-29T10:00:00Z"
    assert fees([rk.Assignment("x", plan("a"))]) == [("a", Decimal(24))]
    assert fees([rk.Assignment("x", plan("a"), start=middle)]) == [("a", Decimal(24))]
    assert sum(amount for _, amount in fees([rk.Assignment("x", plan("a"), end=middle)])) == 0
    changed = [
        rk.Assignment("x", plan("a"), end=middle),
        rk.Assignment("x", plan("b"), start=middle),
    ]
    assert [(p, a) for p, a in fees(changed) if a] == [("b", Decimal(24))]


# --- allowances ----------------------------------------------------------------------------


def test_an_allowance_larger_than_the_usage_frees_only_the_usage() -> None:
    # 30 hours used, 100 free: 30 free, nothing billed, and no negative amount.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        allowances=[rk.Allowance("vm.hours", 100)],
    )
    span = rk.Span("2026-03-02T00:00:00Z", "2026-03-02T01:00:00Z")
    row = rk.UsageRow("acme", "vm.hours", "vm-1", span, MARCH, 30, "hour", {}, ("r",))
    rating = rk.rate([row], plan, span=MARCH)
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(30), Decimal(30), Decimal(0))
    ]
    assert rk.bill(rating)[0].total == Decimal("0.00")


def _weekly_allowance_plan() -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        allowances=[rk.Allowance("vm.hours", 10, cycle=rk.cycles.weekly(tz="UTC"))],
    )


def test_a_weekly_allowance_under_a_monthly_cycle() -> None:
    # Weeks start on Mondays: March 2026 meets six of them, 24 h (Sun 1st), five more of 168 h
    # (2..30 March) ... the last 48 h (30-31 March). Assigned since January, each week gives its
    # full 10 free hours: 60 free, (744 - 60) x 0.10 = 68.40.
    records = _run("acme", "2026-03-01T00:00:00Z")
    assigned = [rk.Assignment("acme", _weekly_allowance_plan(), start="2026-01-01T00:00:00Z")]
    rating = rk.rate(records, assigned, span=MARCH, meters=[VM])
    assert [(c.quantity, c.free) for c in rating.charges] == [
        (Decimal(24), Decimal(10)),
        *[(Decimal(168), Decimal(10))] * 4,
        (Decimal(48), Decimal(10)),
    ]
    assert rating.total() == Decimal("68.4")


def test_a_weekly_allowance_is_prorated_by_the_plans_share_of_each_week() -> None:
    # Assigned from Wednesday 4 March 12:00: the week of 2 March is covered 4.5 of 7 days, so
    # 10 x 4.5/7 = 45/7 free of its 108 hours: (108 - 45/7) x 0.10 = 711/70 = 10.157142...
    # The three whole weeks after: 158 x 0.10 each; the last 48 hours: 10 free, 3.80.
    records = _run("acme", "2026-03-01T00:00:00Z")
    assigned = [rk.Assignment("acme", _weekly_allowance_plan(), start="2026-03-04T12:00:00Z")]
    rating = rk.rate(records, assigned, span=MARCH, meters=[VM])
    first = rating.charges[0]
    assert first.quantity == 108
    assert abs(_exact(first.free) - Fraction(45, 7)) < Fraction(1, 10**58)
    assert abs(_exact(first.amount) - Fraction(711, 70)) < Fraction(1, 10**57)
    assert [c.amount for c in rating.charges[1:]] == [Decimal("15.8")] * 3 + [Decimal("3.8")]
    expected = Fraction(711, 70) + 3 * Fraction(158, 10) + Fraction(38, 10)
    assert abs(_exact(rating.total()) - expected) < Fraction(1, 10**56)
    assert [a.kind for a in rating.anomalies] == ["unpriced"]  # 1 March .. 4 March 12:00


def test_a_correction_gives_units_back_to_a_yearly_allowance() -> None:
    # 100 free a year, price 1. January 80 (all free); 5 March 50 (20 free, 30 billed);
    # 20 March -40 takes back the 30 billed, then 10 free; April 15: the 10 given back, 5 billed.
    plan = rk.Plan(
        "y",
        "EUR",
        MONTHS,
        [rk.PriceEntry("eg", "eg", rk.PerUnit(1))],
        allowances=[rk.Allowance("eg", 100, cycle=rk.cycles.yearly(tz="UTC"))],
    )

    def row(month: int, day: int, quantity: int) -> rk.UsageRow:
        span = rk.Span(
            f"2026-{month:02d}-{day:02d}T00:00:00Z", f"2026-{month:02d}-{day:02d}T01:00:00Z"
        )
        return rk.UsageRow(
            "acme",
            "eg",
            "ip",
            span,
            MONTHS.containing(span.start),
            quantity,
            "GB",
            {},
            (f"r{month}{day}",),
        )

    rows = [row(1, 10, 80), row(3, 5, 50), row(3, 20, -40), row(4, 2, 15)]
    assigned = [rk.Assignment("acme", plan, start="2026-01-01T00:00:00Z")]
    rating = rk.rate(rows, assigned, span=rk.Span("2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z"))
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(80), Decimal(80), Decimal(0)),
        (Decimal(50), Decimal(20), Decimal(30)),
        (Decimal(-40), Decimal(-10), Decimal(-30)),
        (Decimal(15), Decimal(10), Decimal(5)),
    ]
    april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    assert rk.rate(rows, assigned, span=april).total() == 5


# --- commitments and credits ----------------------------------------------------------------


def test_a_commitment_met_exactly_bills_no_top_up() -> None:
    # 100 hours at 0.10 = 10.00 against Minimum(10): no minimum charge, an invoice of 10.00.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        minimums=[rk.Minimum(10)],
    )
    span = rk.Span("2026-03-02T00:00:00Z", "2026-03-02T01:00:00Z")
    met = rk.UsageRow("acme", "vm.hours", "vm-1", span, MARCH, 100, "hour", {}, ("r",))
    rating = rk.rate([met], plan, span=MARCH)
    assert [c.kind for c in rating.charges] == ["usage"]
    [invoice] = rk.bill(rating)
    assert [(line.kind, line.amount) for line in invoice.lines] == [("usage", Decimal("10.00"))]
    assert invoice.total == Decimal("10.00")

    # 99.99 hours: 9.999 exact, short by 0.001 (the rating's top-up charge), but the usage line
    # rounds to 10.00, so the minimum line bills 0.00 and the invoice is still 10.00.
    short = rk.UsageRow("acme", "vm.hours", "vm-1", span, MARCH, "99.99", "hour", {}, ("r",))
    rating = rk.rate([short], plan, span=MARCH)
    assert [(c.kind, c.amount) for c in rating.charges] == [
        ("usage", Decimal("9.9990")),
        ("minimum", Decimal("0.0010")),
    ]
    [invoice] = rk.bill(rating)
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("10.00")),
        ("minimum", Decimal("0.00")),
    ]
    assert invoice.total == Decimal("10.00")


def test_a_credit_that_expires_mid_april_pays_march_and_april_only() -> None:
    # A fee of 30 a month, March to May; a credit of 100 until 15 April pays March (30, 70 left)
    # and April, whose cycle overlaps its life (30, 40 left); May's 30 is due in full.
    plan = rk.Plan("f", "EUR", MONTHS, [], fees=[rk.Fee("base", 30)])
    span = rk.Span("2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z")
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=span)
    credit = rk.Credit(
        "c", "acme", 100, "EUR", start="2026-03-01T00:00:00Z", expires="2026-04-15T00:00:00Z"
    )
    invoices = rk.bill(rating, credits=[credit])
    assert [invoice.total for invoice in invoices] == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("30.00"),
    ]
    assert [[(c.applied, c.left) for c in invoice.credits] for invoice in invoices] == [
        [(Decimal("30.00"), Decimal("70.00"))],
        [(Decimal("30.00"), Decimal("40.00"))],
        [],
    ]
    # A renewing credit of 20 from 10 March to 1 May serves March and April, 20 each.
    renewing = rk.Credit(
        "r",
        "acme",
        20,
        "EUR",
        start="2026-03-10T00:00:00Z",
        expires="2026-05-01T00:00:00Z",
        renews=True,
    )
    assert [invoice.total for invoice in rk.bill(rating, credits=[renewing])] == [
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("30.00"),
    ]


def test_a_floor_rounded_cash_plan_with_a_correction_and_a_credit() -> None:
    # Quantum 0.05, ROUND_FLOOR: 10.07 - 3.01 = 7.06 is 141.2 steps, floored to 141: 7.05.
    # A credit of 2.55 pays 2.55 of it: 4.50 left to pay.
    plan = rk.Plan(
        "fl",
        "CHF",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit(1))],
        rounding="ROUND_FLOOR",
        quantum="0.05",
    )
    rows = [
        rk.UsageRow("acme", "vm", "r1", MARCH, MARCH, "10.07", "h", {}, ()),
        rk.UsageRow("acme", "vm", "r2", MARCH, MARCH, "-3.01", "h", {}, ()),
    ]
    credit = rk.Credit("c", "acme", "2.55", "CHF", start="2026-03-01T00:00:00Z")
    [invoice] = rk.bill(rk.rate(rows, plan, span=MARCH), credits=[credit])
    assert [(line.precise, line.amount) for line in invoice.lines] == [
        (Decimal("7.06"), Decimal("7.05"))
    ]
    assert invoice.total == Decimal("4.50")
    [detailed] = rk.bill(rk.rate(rows, plan, span=MARCH), by_resource=True)
    assert sum(line.amount for line in detailed.lines) == Decimal("7.05")
    assert all(line.amount % Decimal("0.05") == 0 for line in detailed.lines)


# --- tiers ----------------------------------------------------------------------------------


def test_a_quantity_exactly_on_a_bound_stays_in_the_lower_tier() -> None:
    # (0, 10] at 1, then 0.5: 10 units cost 10 and cross no tier; the next 0.001 costs 0.0005.
    graduated = rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")])
    assert graduated.amount(10) == 10
    assert [str(line) for line in graduated.explain(10)] == ["tiers[0] (0, 10]: 10 * 1 = 10"]
    assert graduated.marginal(10, Decimal("0.001")) == Decimal("0.0005")
    volume = rk.Volume([rk.Tier(10, "1"), rk.Tier(None, "0.5")])
    assert volume.amount(10) == 10  # 10 x 1
    assert volume.amount(Decimal("10.001")) == Decimal("5.0005")  # 10.001 x 0.5
    # Inclusive ranges: 1-5 is (0, 5], so 5 units are all in the first range, 5.5 reach 6-10.
    ranges = rk.Graduated.from_ranges([("1-5", "0.10"), ("6-10", "0.08"), ("11+", "0.05")])
    assert ranges.amount(5) == Decimal("0.50")
    assert ranges.amount(Decimal("5.5")) == Decimal("0.540")  # 5 x 0.10 + 0.5 x 0.08


def test_a_bounded_last_tier_prices_up_to_its_bound_and_refuses_past_it() -> None:
    # (0, 100] at 2, (100, 1000] at 1: 600 + 400 = 1000 GB cost 200 + 900 = 1100.
    bounded = rk.Plan(
        "b",
        "EUR",
        MONTHS,
        [rk.PriceEntry("eg", "eg", rk.Graduated([rk.Tier(100, 2), rk.Tier(1000, 1)]))],
    )
    assert rk.rate([_gb(2, 600), _gb(3, 400)], bounded, span=MARCH).total() == 1100
    # A correction stamped first keeps the running quantity within the bound: 900 GB, 1000.
    assert rk.rate([_gb(1, -200), _gb(2, 600), _gb(3, 500)], bounded, span=MARCH).total() == 1000
    with pytest.raises(
        rk.BadQuantityError, match=r"price entry 'eg' of plan 'b' cannot price 1100 GB"
    ):
        rk.rate([_gb(2, 600), _gb(3, 500)], bounded, span=MARCH)


def test_a_volume_jump_reprices_the_units_before_it() -> None:
    # Seats at 8 up to 10, 6 up to 50: 10 seats cost 80; the 11th takes the cycle to 11 x 6 = 66,
    # so its piece is -14; withdrawing it again is +14 (back to 80).
    volume = rk.Volume([rk.Tier(10, "8"), rk.Tier(50, "6"), rk.Tier(None, "5")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("seats", "seats", volume)])
    rating = rk.rate([_gb(2, 10, meter="seats"), _gb(3, 1, meter="seats")], plan, span=MARCH)
    assert [c.amount for c in rating.charges] == [Decimal(80), Decimal(-14)]
    assert [str(line) for line in rating.charges[1].tiers] == [
        "tiers[1] (10, 50]: 11 * 6 = 66",
        "tiers[0] (0, 10]: -10 * 8 = -80",
    ]
    assert rk.bill(rating)[0].total == Decimal("66.00")
    back = [_gb(2, 10, meter="seats"), _gb(3, 1, meter="seats"), _gb(4, -1, meter="seats")]
    assert [c.amount for c in rk.rate(back, plan, span=MARCH).charges] == [
        Decimal(80),
        Decimal(-14),
        Decimal(14),
    ]


def test_volume_blocks_count_the_whole_quantity() -> None:
    # A volume tier prices all the quantity: 13 units in started blocks of 4 are 4 blocks (8),
    # 12 units 3 blocks (6).
    volume = rk.Volume([rk.Tier(10, 1), rk.Tier(None, 2, block=4)])
    assert [volume.amount(q) for q in (11, 12, 13, 16, 17)] == [6, 6, 8, 8, 10]
    # A graduated tier counts its blocks from its lower bound: (10, inf) holds 3 units at 13,
    # one block of 4.
    graduated = rk.Graduated([rk.Tier(10, 1, block=3), rk.Tier(None, 2, block=4)])
    assert [graduated.amount(q) for q in (1, 9, 10, 11, 14, 15)] == [1, 3, 4, 6, 6, 8]


@pytest.mark.parametrize(
    ("rows", "amounts", "total", "anomalies"),
    [
        # (0, 10] at 1, then 0.5. 20 GB cost 10 + 5 = 15.0; the -15 takes back 10 GB of the
        # second tier (-5.0) and 5 of the first (-5): -10.0. Net 5 GB, 5 x 1 = 5.
        ([(2, 20), (5, -15)], [Decimal("15.0"), Decimal("-10.0")], Decimal("5.0"), []),
        # The correction first costs 0; 20 after it reach only 5 GB: 5.
        ([(2, -15), (5, 20)], [Decimal(0), Decimal(5)], Decimal(5), []),
        # Corrections beyond the usage: the cycle's total is below zero, priced at 0.
        (
            [(2, 20), (5, -25)],
            [Decimal("15.0"), Decimal("-15.0")],
            Decimal("0.0"),
            ["negative_total"],
        ),
    ],
)
def test_refunds_across_tiers_net_against_the_cycle(
    rows: list[tuple[int, int]], amounts: list[Decimal], total: Decimal, anomalies: list[str]
) -> None:
    graduated = rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", graduated)])
    rating = rk.rate([_gb(day, quantity) for day, quantity in rows], plan, span=MARCH)
    assert [c.amount for c in rating.charges] == amounts
    assert rating.total() == total
    assert [a.kind for a in rating.anomalies] == anomalies


def test_a_graduated_price_changed_mid_cycle_runs_on_and_a_volume_one_shares() -> None:
    # 8 GB on the 10th, 8 on the 20th; the price changes on the 16th.
    # Graduated (10 at 1, then 0.5) -> (10 at 2, then 0.25): 8 x 1 = 8, then 2 x 2 + 6 x 0.25 = 5.50.
    # Volume, same tiers: each piece takes its share of its own price for the whole 16 GB:
    # 8/16 x 16 x 0.5 = 4 and 8/16 x 16 x 0.25 = 2.
    def plan(model: type[rk.Graduated] | type[rk.Volume]) -> rk.Plan:
        old = rk.PriceEntry(
            "old", "eg", model([rk.Tier(10, 1), rk.Tier(None, "0.5")]), end="2026-03-16T00:00:00Z"
        )
        new = rk.PriceEntry(
            "new",
            "eg",
            model([rk.Tier(10, 2), rk.Tier(None, "0.25")]),
            start="2026-03-16T00:00:00Z",
        )
        return rk.Plan("p", "EUR", MONTHS, [old, new])

    rows = [_gb(10, 8), _gb(20, 8)]
    assert [c.amount for c in rk.rate(rows, plan(rk.Graduated), span=MARCH).charges] == [
        Decimal(8),
        Decimal("5.50"),
    ]
    assert [c.amount for c in rk.rate(rows, plan(rk.Volume), span=MARCH).charges] == [
        Decimal(4),
        Decimal(2),
    ]


def test_a_price_per_gib_hour_on_a_mib_hour_meter_with_tiers_and_an_allowance() -> None:
    # 1024 MiB for 240 hours = 240 GiB*hour. The allowance, 51200 MiB*hour, is 50 GiB*hour;
    # the rest, 190, climbs (0, 100] free then 0.01: 90 x 0.01 = 0.90.
    memory = rk.Meter("mem", "MiB*hour", rk.Continuous("memory_mib"))
    entry = rk.PriceEntry(
        "m",
        "mem",
        rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "0.01")]),
        unit="GiB*hour",
        meter_unit="MiB*hour",
    )
    plan = rk.Plan("p", "EUR", MONTHS, [entry], allowances=[rk.Allowance("mem", 51200)])
    records = [
        rk.Event("a", "app", "2026-03-01T00:00:00Z", {"memory_mib": 1024}, kind="start", id="1"),
        rk.Event("a", "app", "2026-03-11T00:00:00Z", kind="stop", id="2"),
    ]
    [charge] = rk.rate(records, plan, span=MARCH, meters=[memory]).charges
    assert (charge.quantity, charge.unit, charge.amount) == (
        Decimal(240),
        "GiB*hour",
        Decimal("0.90"),
    )


def test_percentages_by_hand() -> None:
    # 1 % of 1000 + 200, then 2 % of 50 + 300 = 10 + 200 + 1 + 300 = 511.
    fees = rk.GraduatedPercentage([(1000, "1", 200), (10000, "2", 300), (None, "3", 400)])
    assert fees.amount(1050) == Decimal("511.00")
    # 2.9 % + 0.30, first transaction without the fee, 10 free, each between 0.5 and 2:
    # 100 -> 2.9 % of 90 = 2.61, capped 2; 5 -> 0.445 -> 0.5; 0.1 -> 0.3029 -> 0.5; 7 -> 0.503.
    card = rk.Percentage(
        "2.9", fixed_fee="0.30", free_transactions=1, free_amount=10, minimum="0.5", maximum=2
    )
    assert card.amount_of(["100", 5, 0.1, "7"]) == Decimal("3.503")
    # A plain percentage is linear: 2 % of a refund of -30 is -0.60.
    assert rk.Percentage("2").amount(-30) == Decimal("-0.60")


def test_comparing_two_candidates_by_hand() -> None:
    # acme runs 1 March 05:00 -> 20 March 05:30 (456.5 h); globex from 2 March (720 h).
    # a: 0.05 an hour: 22.825 -> 22.82 (half-even), 36.00.
    # b: 50 free, then 400 at 0.06 and 0.02 after, a fee of 2 and a commitment of 20:
    # acme 406.5 -> 24 + 0.13 + 2 = 26.13; globex 670 -> 24 + 5.40 + 2 = 31.40.
    records = [
        *_run("acme", "2026-03-01T05:00:00Z", "2026-03-20T05:30:00Z"),
        *_run("globex", "2026-03-02T00:00:00Z", resource="vm-2"),
    ]
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    b = rk.Plan(
        "b",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(
                "vm", "vm.hours", rk.Graduated([rk.Tier(400, "0.06"), rk.Tier(None, "0.02")])
            )
        ],
        fees=[rk.Fee("base", 2)],
        allowances=[rk.Allowance("vm.hours", 50)],
        minimums=[rk.Minimum(20)],
    )
    comparison = rk.compare_plans(records, {"a": a, "b": b}, span=MARCH, meters=[VM])
    assert [(r.account, r.candidate, r.total, r.change) for r in comparison.rows] == [
        ("acme", "a", Decimal("22.82"), "same"),
        ("acme", "b", Decimal("26.13"), "pays more"),
        ("globex", "a", Decimal("36.00"), "same"),
        ("globex", "b", Decimal("31.40"), "pays less"),
    ]
    assert comparison.totals() == {"a": Decimal("58.82"), "b": Decimal("57.53")}


def test_a_weekly_allowance_is_shared_between_plans_by_their_parts_of_the_week() -> None:
    # Plan a (1 an hour) until Wednesday 4 March 12:00, plan b (2 an hour) after; each gives 10
    # free hours a week. A VM runs the week of 2 March (168 h): a holds 60 h and 2.5 of the 7
    # days, 25/7 free: 60 - 25/7 = 395/7; b holds 108 h and 4.5 days, 45/7 free:
    # (108 - 45/7) x 2 = 1422/7. In all 1817/7 = 259.571428...; the week frees 10 hours once.
    weekly = rk.cycles.weekly(tz="UTC")

    def plan(name: str, price: str) -> rk.Plan:
        return rk.Plan(
            name,
            "EUR",
            MONTHS,
            [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(price))],
            allowances=[rk.Allowance("vm.hours", 10, cycle=weekly)],
        )

    change = "2026-03-04T12:00:00Z"
    records = _run("acme", "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z")
    assigned = [
        rk.Assignment("acme", plan("a", "1"), start="2026-01-01T00:00:00Z", end=change),
        rk.Assignment("acme", plan("b", "2"), start=change),
    ]
    rating = rk.rate(records, assigned, span=MARCH, meters=[VM])
    assert [(c.plan, c.quantity) for c in rating.charges] == [("a", 60), ("b", 108)]
    free = [_exact(c.free) for c in rating.charges]
    assert abs(free[0] - Fraction(25, 7)) < Fraction(1, 10**58)
    assert abs(free[1] - Fraction(45, 7)) < Fraction(1, 10**58)
    assert abs(_exact(rating.total()) - Fraction(1817, 7)) < Fraction(1, 10**56)
    # The same plan on both sides is one plan: its 10 hours go to the first 10 hours run.
    same = [
        rk.Assignment("acme", plan("a", "1"), start="2026-01-01T00:00:00Z", end=change),
        rk.Assignment("acme", plan("a", "1"), start=change),
    ]
    rating = rk.rate(records, same, span=MARCH, meters=[VM])
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(60), Decimal(10), Decimal(50)),
        (Decimal(108), Decimal(0), Decimal(108)),
    ]


def _signed_up_late(
    price: rk.PriceModel, unit: str, rounding: str = "ROUND_HALF_EVEN"
) -> tuple[Decimal, Decimal]:
    """A plan with 10 free units a month, assigned for the last 200 of April's 720 hours.

    The allowance frees 10 x 200/720 = 25/9 units; 16 units used leave 119/9 to pay.
    Returns the free part and the invoice total.
    """
    april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "m", price)],
        allowances=[rk.Allowance("m", 10)],
        rounding=rounding,
    )
    used = rk.UsageRow(
        "acme",
        "m",
        "r",
        rk.Span("2026-04-25T00:00:00Z", "2026-04-25T16:00:00Z"),
        april,
        16,
        unit,
        {},
        (),
    )
    assigned = [rk.Assignment("acme", plan, start="2026-04-22T16:00:00Z")]
    rating = rk.rate([used], assigned, span=april)
    [invoice] = rk.bill(rating)
    return rating.charges[0].free, invoice.total


@pytest.mark.parametrize("unit", ["hour", "call"])
def test_usage_less_a_prorated_allowance_per_unit_is_rounded_from_the_exact_amount(
    unit: str,
) -> None:
    # (16 - 25/9) x 0.045 = 119/9 x 0.045 = 0.595 exactly: 0.60 half-even (docs/pricing.md,
    # exact proration: "a 60-digit 2.777...78 would give 0.5949... and 0.59").
    free, total = _signed_up_late(rk.PerUnit("0.045"), unit)
    assert abs(_exact(free) - Fraction(25, 9)) < Fraction(1, 10**58)
    assert total == Decimal("0.60")


FIVE_FREE = rk.Graduated([rk.Tier(5, "0"), rk.Tier(None, "0.09")])


def test_usage_in_hours_less_a_prorated_allowance_under_tiers_is_rounded_from_the_exact_amount() -> (
    None
):
    # The same 119/9 billable hours under a single open tier at 0.045: 0.595, 0.60.
    for price in (rk.Graduated([rk.Tier(None, "0.045")]), rk.Volume([rk.Tier(None, "0.045")])):
        assert _signed_up_late(price, "hour")[1] == Decimal("0.60")
    # 5 free hours, then 0.09: (119/9 - 5) x 0.09 = 74/9 x 0.09 = 0.74 exactly, 0.74 rounded down.
    assert _signed_up_late(FIVE_FREE, "hour", "ROUND_DOWN")[1] == Decimal("0.74")


@pytest.mark.parametrize(
    ("price", "rounding", "expected"),
    [
        (rk.Graduated([rk.Tier(None, "0.045")]), "ROUND_HALF_EVEN", Decimal("0.60")),
        (FIVE_FREE, "ROUND_DOWN", Decimal("0.74")),
    ],
)
def test_calls_less_a_prorated_allowance_under_tiers_are_rounded_from_the_exact_amount(
    price: rk.PriceModel, rounding: str, expected: Decimal
) -> None:
    # docs/invoices.md: "A line whose charges rating rounded at their 60th digit (..., or charges
    # on usage less a free part prorated by time, at any built-in price) rounds their exact sum".
    assert _signed_up_late(rk.PerUnit("0.045"), "call")[1] == Decimal("0.60")
    assert _signed_up_late(price, "call", rounding)[1] == expected
