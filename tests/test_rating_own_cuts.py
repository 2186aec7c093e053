"""An account's rows are cut at its own plans' changes only, never at another account's.

Where an assignment starts or ends, where a plan changes a price, or where a plan of
another cycle starts one, the rows of that account are cut (docs/pricing.md, Layering).
Another account's assignments and plans do not cut them: an account's rows and charges
are the same rated with others or alone, which is what lets `ratekit.scaleout` rate
accounts apart and merge them to one process's result, and what keeps a thousand
sign-ups at a thousand instants from cutting every row a thousand times.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import hypothesis.strategies as st
import pytest
from hypothesis import given

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOURS = rk.Meter("runtime", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
USERS = rk.Meter("users", "user", rk.Max())  # a peak: priced whole, each piece its share
METERS = [HOURS, EGRESS, USERS]
SEATS = rk.PriceEntry("seats", "users", rk.Volume([rk.Tier(5, 10), rk.Tier(None, 1)]))
H = 3_600_000_000  # an hour in microseconds


def _plan(name: str, cycle: rk.cycles.Cycle, *vm: rk.PriceEntry) -> rk.Plan:
    """Hours at 0.01 (or the ``vm`` entries given), egress at 0.10 a GB, seats by volume."""
    hours = vm or (rk.PriceEntry("vm", "runtime", rk.PerUnit("0.01")),)
    return rk.Plan(
        name, "EUR", cycle, [*hours, rk.PriceEntry("egress", "egress", rk.PerUnit("0.10")), SEATS]
    )


def _monthly(name: str = "m") -> rk.Plan:
    return _plan(name, rk.cycles.monthly(tz="UTC"))


def _rising() -> rk.Plan:
    """0.01 an hour, 0.02 from 15 March."""
    return _plan(
        "rising",
        rk.cycles.monthly(tz="UTC"),
        rk.PriceEntry("vm", "runtime", rk.PerUnit("0.01"), end="2026-03-15T00:00:00Z"),
        rk.PriceEntry("vm-15th", "runtime", rk.PerUnit("0.02"), start="2026-03-15T00:00:00Z"),
    )


def _weekly() -> rk.Plan:
    return _plan("w", rk.cycles.weekly(tz="UTC"))


def _spans(rating: rk.Rating, account: str) -> list[tuple[str, str, Decimal]]:
    return [
        (str(c.span.start), str(c.span.end), c.amount)
        for c in rating.charges
        if c.account == account
    ]


def test_another_accounts_assignment_start_does_not_cut_an_accounts_rows() -> None:
    # a's VM runs 2 March 00:00 to 20 March 00:00: 18 days * 24 h = 432 h * 0.01 = 4.32,
    # one charge. b is assigned from 10 March: that cuts b's rows, not a's.
    plan = _monthly()
    records = [
        rk.Event("a", "vm", "2026-03-02T00:00:00Z", kind="start"),
        rk.Event("a", "vm", "2026-03-20T00:00:00Z", kind="stop"),
        rk.Event("b", "vm", "2026-03-10T00:00:00Z", kind="start"),
    ]
    both = rk.rate(
        records,
        [rk.Assignment("a", plan), rk.Assignment("b", plan, start="2026-03-10T00:00:00Z")],
        span=MARCH,
        meters=METERS,
    )
    assert _spans(both, "a") == [
        ("2026-03-02 00:00:00+00:00", "2026-03-20 00:00:00+00:00", Decimal("4.32"))
    ]
    alone = rk.rate(records[:2], [rk.Assignment("a", plan)], span=MARCH, meters=METERS)
    assert [c for c in both.charges if c.account == "a"] == list(alone.charges)
    # b: 10 March 00:00 to 1 April: 22 days * 24 h = 528 h * 0.01 = 5.28
    assert _spans(both, "b") == [
        ("2026-03-10 00:00:00+00:00", "2026-04-01 00:00:00+00:00", Decimal("5.28"))
    ]


def test_an_accounts_own_assignments_and_price_change_still_cut_its_rows() -> None:
    # a moves from the plain plan to the rising one on 10 March; the rising plan's price
    # changes on the 15th. a's VM runs all month: [1, 10) 216 h * 0.01 = 2.16,
    # [10, 15) 120 h * 0.01 = 1.20, [15, 1 April) 408 h * 0.02 = 8.16. b, on the plain
    # plan all month, is cut at none of those: 744 h * 0.01 = 7.44 in one charge.
    plain, rising = _monthly(), _rising()
    records = [
        rk.Event("a", "vm", "2026-03-01T00:00:00Z", kind="start"),
        rk.Event("b", "vm", "2026-03-01T00:00:00Z", kind="start"),
    ]
    rating = rk.rate(
        records,
        [
            rk.Assignment("a", plain, end="2026-03-10T00:00:00Z"),
            rk.Assignment("a", rising, start="2026-03-10T00:00:00Z"),
            rk.Assignment("b", plain),
        ],
        span=MARCH,
        meters=METERS,
    )
    assert _spans(rating, "a") == [
        ("2026-03-01 00:00:00+00:00", "2026-03-10 00:00:00+00:00", Decimal("2.16")),
        ("2026-03-10 00:00:00+00:00", "2026-03-15 00:00:00+00:00", Decimal("1.20")),
        ("2026-03-15 00:00:00+00:00", "2026-04-01 00:00:00+00:00", Decimal("8.16")),
    ]
    assert _spans(rating, "b") == [
        ("2026-03-01 00:00:00+00:00", "2026-04-01 00:00:00+00:00", Decimal("7.44"))
    ]


@pytest.mark.parametrize("weekly_first", [False, True])
def test_an_account_is_metered_by_its_own_plans_cycle_in_any_order(weekly_first: bool) -> None:
    # a (monthly) runs 2 March to 1 April: 30 days * 24 h = 720 h * 0.01 = 7.20, one
    # charge of March; b (weekly, Monday cycles) is cut at its own weeks: [2, 9), [9, 16),
    # [16, 23), [23, 30) 168 h * 0.01 = 1.68 each, [30, 1 April) 48 h = 0.48. Whichever
    # plan comes first: with b's first, a's rows were cut at b's weeks (1.68 four times
    # and 0.48), metering's cycle being the first plan's.
    records = [
        rk.Event("a", "vm", "2026-03-02T00:00:00Z", kind="start"),
        rk.Event("b", "vm", "2026-03-02T00:00:00Z", kind="start"),
    ]
    plans = [rk.Assignment("a", _monthly()), rk.Assignment("b", _weekly())]
    if weekly_first:
        plans.reverse()
    rating = rk.rate(records, plans, span=MARCH, meters=METERS)
    assert _spans(rating, "a") == [
        ("2026-03-02 00:00:00+00:00", "2026-04-01 00:00:00+00:00", Decimal("7.20"))
    ]
    assert {c.cycle for c in rating.charges if c.account == "a"} == {MARCH}
    assert [amount for _, _, amount in _spans(rating, "b")] == [Decimal("1.68")] * 4 + [
        Decimal("0.48")
    ]


@pytest.mark.parametrize("weekly_first", [True, False])
def test_a_peak_is_taken_per_the_accounts_own_cycle(weekly_first: bool) -> None:
    # b (weekly, Monday cycles) reads 5 on Tuesday 3 March and 3 on Wednesday 11 March: a
    # peak of 5 in the week [2, 9) and of 3 in [9, 16), 5 * 1 + 3 * 1 = 8.00, whichever
    # plan comes first. a (monthly) reads 4 and 6: one peak of 6 for March, 6.00. With
    # the monthly plan first, b's peak was taken per month: 5 for the month, shared
    # among its weeks, 5.00 (and a's per week, with the weekly plan first: 4 + 6).
    peak = [rk.Meter("ips", "ip", rk.Max())]
    entries = [rk.PriceEntry("p", "ips", rk.PerUnit(1))]
    weekly = rk.Plan("weekly", "EUR", rk.cycles.weekly(tz="UTC"), entries)
    monthly = rk.Plan("monthly", "EUR", rk.cycles.monthly(tz="UTC"), entries)
    readings = [
        rk.Sample("b", "ip-b", "ips", "2026-03-03T00:00:00Z", 5, kind="gauge"),
        rk.Sample("b", "ip-b", "ips", "2026-03-11T00:00:00Z", 3, kind="gauge"),
        rk.Sample("a", "ip-a", "ips", "2026-03-03T00:00:00Z", 4, kind="gauge"),
        rk.Sample("a", "ip-a", "ips", "2026-03-11T00:00:00Z", 6, kind="gauge"),
    ]
    plans = [rk.Assignment("b", weekly), rk.Assignment("a", monthly)]
    if not weekly_first:
        plans.reverse()
    rating = rk.rate(readings, plans, span=MARCH, meters=peak)
    owed = {invoice.account: Decimal(0) for invoice in rk.bill(rating)}
    for invoice in rk.bill(rating):
        owed[invoice.account] += invoice.total
    assert owed == {"a": Decimal("6.00"), "b": Decimal("8.00")}
    alone = rk.rate(readings[:2], [plans[0] if weekly_first else plans[1]], span=MARCH, meters=peak)
    assert alone.charges == tuple(c for c in rating.charges if c.account == "b")


def test_an_account_whose_plans_bill_on_two_cycles_is_metered_by_its_first() -> None:
    # The remaining limit (docs/pricing.md, Layering): a moves from a monthly plan to a
    # weekly one on Monday 16 March. Its rows are metered by its first plan's cycle,
    # March, and cut at the weekly plan's weeks: a peak of 5 read on the 3rd is March's,
    # held over the weeks from the 16th too, shared among the pieces in proportion to
    # time, as one month's peak is.
    peak = [rk.Meter("ips", "ip", rk.Max())]
    entries = [rk.PriceEntry("p", "ips", rk.PerUnit(31))]
    weekly = rk.Plan("weekly", "EUR", rk.cycles.weekly(tz="UTC"), entries)
    monthly = rk.Plan("monthly", "EUR", rk.cycles.monthly(tz="UTC"), entries)
    plans = [
        rk.Assignment("a", monthly, end="2026-03-16T00:00:00Z"),
        rk.Assignment("a", weekly, start="2026-03-16T00:00:00Z"),
    ]
    reading = [rk.Sample("a", "ip-a", "ips", "2026-03-03T00:00:00Z", 5, kind="gauge")]
    rating = rk.rate(reading, plans, span=MARCH, meters=peak)
    assert {row.cycle for row in rating.rows} == {MARCH}
    # The weekly plan's 16 days (16 March to 1 April) take 16/31 of March's peak of 5,
    # at 31 a unit: 5 * 16/31 * 31 = 80 (to the 24th place of the rows' quantities),
    # not the weekly peaks' 5 * 31 * 16/7.
    weekly_amount = sum((c.amount for c in rating.charges if c.plan == "weekly"), Decimal(0))
    assert abs(weekly_amount - 80) < Decimal("1E-20")


def test_sign_ups_at_many_instants_make_one_charge_each() -> None:
    # Account i signs up and starts its VM i hours into March: (744 - i) h * 0.01. Each
    # is one charge (they were 300 * 301 / 2 = 45,150 when every sign-up cut every row).
    plan = _monthly()
    records, plans = [], []
    for i in range(300):
        at = rk.Span.from_us(MARCH.start_us + i * H, MARCH.start_us + i * H + 1).start
        records.append(rk.Event(f"acct-{i:03}", "vm", at, kind="start"))
        plans.append(rk.Assignment(f"acct-{i:03}", plan, start=at))
    rating = rk.rate(records, plans, span=MARCH, meters=METERS)
    assert len(rating.charges) == 300
    assert all(c.amount == Decimal(744 - int(c.account[5:])) / 100 for c in rating.charges)


def test_the_stream_joins_an_accounts_piece_across_another_accounts_boundary() -> None:
    # A statement at b's assignment start (10 March) leaves a's running piece open there:
    # 9 days * 24 h = 216 h * 0.01 = 2.16. The next one joins it: a's March line becomes
    # one charge of 744 h * 0.01 = 7.44, as in batch (its change: 528 h, 5.28), where it
    # was two cut at b's start; b's is 22 days * 24 h = 528 h * 0.01 = 5.28.
    plan = _monthly()
    plans = [rk.Assignment("a", plan), rk.Assignment("b", plan, start="2026-03-10T00:00:00Z")]
    records = [
        rk.Event("a", "vm", "2026-03-01T00:00:00Z", kind="start", id="a1"),
        rk.Event("b", "vm", "2026-03-10T00:00:00Z", kind="start", id="b1"),
    ]
    rater = rk.Rater(plans, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    rater.feed(records[:1])
    first = rater.statement("2026-03-10T00:00:00Z")
    rater.feed(records[1:])
    last = rater.statement("2026-04-01T01:00:00Z")
    batch = rk.rate(records, plans, span=MARCH, meters=METERS)
    assert _spans(batch, "a") == [
        ("2026-03-01 00:00:00+00:00", "2026-04-01 00:00:00+00:00", Decimal("7.44"))
    ]
    lines = [line for s in (first, last) for line in s.lines if line.cycle == MARCH]
    assert [(x.account, x.quantity, x.amount) for x in lines] == [
        ("a", Decimal(216), Decimal("2.16")),
        ("a", Decimal(528), Decimal("5.28")),
        ("b", Decimal(528), Decimal("5.28")),
    ]
    for account, total in (("a", Decimal("7.44")), ("b", Decimal("5.28"))):
        assert sum((x.amount for x in lines if x.account == account), Decimal(0)) == total
    (now,) = [x for x in last.lines if x.account == "a" and x.cycle == MARCH]
    assert [c.span for c in now.charges] == [MARCH]


_STARTS = [None, 3 * 24 * H, 9 * 24 * H + 5 * H, 14 * 24 * H, 20 * 24 * H]


@st.composite
def _fleet(draw: st.DrawFn) -> tuple[list[rk.Event | rk.Sample], list[rk.Assignment]]:
    """Up to four accounts, each on one or two drawn plans (monthly or weekly) from drawn
    instants, with a VM started and maybe stopped, egress samples and a peak of users;
    maybe a weekly account, first or last."""
    plans = [_monthly(), _rising(), _weekly()]
    records: list[rk.Event | rk.Sample] = []
    assigned: list[rk.Assignment] = []
    for n in range(draw(st.integers(1, 4))):
        account = f"acct-{n}"
        start = draw(st.sampled_from(_STARTS))
        first = draw(st.sampled_from(plans))
        switch = draw(st.sampled_from([None, 17 * 24 * H + 3 * H]))
        begin = (
            None if start is None else rk.Span.from_us(MARCH.start_us + start, MARCH.end_us).start
        )
        if switch is None or (start is not None and start >= switch):
            assigned.append(rk.Assignment(account, first, start=begin))
        else:
            at = rk.Span.from_us(MARCH.start_us + switch, MARCH.end_us).start
            assigned.append(rk.Assignment(account, first, start=begin, end=at))
            assigned.append(rk.Assignment(account, draw(st.sampled_from(plans)), start=at))
        lo = 0 if start is None else start
        on = draw(st.integers(lo // H, 743))
        records.append(
            rk.Event(
                account,
                "vm",
                rk.Span.from_us(MARCH.start_us + on * H, MARCH.end_us).start,
                kind="start",
            )
        )
        off = draw(st.one_of(st.none(), st.integers(on + 1, 744)))
        if off is not None:
            records.append(
                rk.Event(
                    account,
                    "vm",
                    rk.Span.from_us(MARCH.start_us + off * H, MARCH.end_us).start,
                    kind="stop",
                )
            )
        for hour in draw(st.lists(st.integers(lo // H, 743), max_size=4)):
            at = rk.Span.from_us(MARCH.start_us + hour * H, MARCH.end_us).start
            records.append(rk.Sample(account, "vm", "egress", at, draw(st.integers(1, 50))))
        for hour in draw(st.lists(st.integers(lo // H, 743), max_size=3)):
            at = rk.Span.from_us(MARCH.start_us + hour * H, MARCH.end_us).start
            records.append(
                rk.Sample(account, "app", "users", at, draw(st.integers(0, 9)), kind="gauge")
            )
    if draw(st.booleans()):  # a weekly account among them, first or last: another cycle
        assigned.insert(
            draw(st.sampled_from([0, len(assigned)])), rk.Assignment("weekly", _weekly())
        )
        records.append(rk.Event("weekly", "vm", "2026-03-04T07:00:00Z", kind="start"))
    return records, assigned


@pytest.mark.property
@given(_fleet())
def test_an_accounts_charges_are_the_same_rated_with_others_or_alone(
    drawn: tuple[list[rk.Event | rk.Sample], list[rk.Assignment]],
) -> None:
    records, assigned = drawn
    together = rk.rate(records, assigned, span=MARCH, meters=METERS)
    for account in sorted({a.account for a in assigned}):
        alone = rk.rate(
            [r for r in records if r.account == account],
            [a for a in assigned if a.account == account],
            span=MARCH,
            meters=METERS,
        )
        assert [c for c in together.charges if c.account == account] == list(alone.charges)


def test_a_plan_left_before_the_span_does_not_set_the_accounts_cycle() -> None:
    # b left a weekly plan on 15 February and is on a monthly one all March: its peak is
    # per month, max(5, 3) = 5 users at 1.00 = 5.00, as with the monthly assignment
    # alone. The weekly plan, its earliest assignment, set its cycle: peaks per week,
    # 5 in [2, 9) and 3 in [9, 16), 8.00 for a month on the monthly plan.
    entries = [rk.PriceEntry("u", "users", rk.PerUnit(1))]
    monthly = rk.Plan("m", "EUR", rk.cycles.monthly(tz="UTC"), entries)
    weekly = rk.Plan("w", "EUR", rk.cycles.weekly(tz="UTC"), entries)
    records = [
        rk.Sample("b", "db", "users", "2026-03-02T00:00:00Z", 5, kind="gauge"),
        rk.Sample("b", "db", "users", "2026-03-11T00:00:00Z", 3, kind="gauge"),
    ]
    left = [
        rk.Assignment("b", weekly, end="2026-02-15T00:00:00Z"),
        rk.Assignment("b", monthly, start="2026-02-15T00:00:00Z"),
    ]
    alone = [rk.Assignment("b", monthly, start="2026-02-15T00:00:00Z")]
    owed = [
        sum(c.amount for c in rk.rate(records, plans, span=MARCH, meters=[USERS]).charges)
        for plans in (left, alone)
    ]
    assert owed == [Decimal(5), Decimal(5)]


def test_a_plan_of_another_cycle_cuts_only_while_it_is_assigned() -> None:
    # b left a weekly plan on 15 February; on the monthly plan all March its VM runs 2 to
    # 20 March, 432 h at 0.01 = 4.32: one charge for the month, as with the monthly
    # assignment alone. The weekly plan's Mondays cut March too: 1.68 + 1.68 + 0.96 for
    # 2-9, 9-16 and 16-20 March, three charges in a month no weekly plan bills.
    records = [
        rk.Event("b", "vm", "2026-03-02T00:00:00Z", kind="start"),
        rk.Event("b", "vm", "2026-03-20T00:00:00Z", kind="stop"),
    ]
    left = [
        rk.Assignment("b", _weekly(), end="2026-02-15T00:00:00Z"),
        rk.Assignment("b", _monthly(), start="2026-02-15T00:00:00Z"),
    ]
    rating = rk.rate(records, left, span=MARCH, meters=[HOURS])
    assert _spans(rating, "b") == [
        ("2026-03-02 00:00:00+00:00", "2026-03-20 00:00:00+00:00", Decimal("4.32"))
    ]
