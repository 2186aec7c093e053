"""A SaaS with a free tier: allowances under the streaming rater, month to date.

Read from the pricing and streaming pages only. Each plan frees 1,000 API calls a
billing cycle (prorated like a fee when a statement asks month to date, or when a plan
covers part of a cycle), some stacked with a weekly allowance of their own period, beside
fees, minimums and graduated prices; a customer upgrades mid-cycle. The backend feeds
the rater, asks for statements often, and snapshots and restores between feeds. The
promises checked: a cycle costs the price of ``max(0, net - allowance)`` (a refund never
refunds a free unit), and at every statement the sum of all the lines so far equals one
batch ``rk.rate()`` of the records fed so far as of the watermark, to the last digit;
a rater restored before every call says exactly what one never restored says.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
GBH = rk.Meter("gbh", "GB*hour", rk.Discrete())
MONTHS = rk.cycles.monthly(tz="UTC")
WEEKS = rk.cycles.weekly(tz="UTC")
START = "2026-03-01T00:00:00Z"
MARCH = rk.Span(START, "2026-04-01T00:00:00Z")

Step = tuple[list[rk.Sample], str]


def free_calls(name: str, price: str, free: int) -> rk.Plan:
    return rk.Plan(
        name,
        "USD",
        MONTHS,
        [rk.PriceEntry("calls", "calls", rk.PerUnit(price))],
        allowances=[rk.Allowance("calls", free)],
    )


FREE = free_calls("free", "0.002", 1000)
# The full plan: graduated calls (0.002 to 500 billed, 0.001 past) under 1,000 free a
# month stacked with 100 free a week, 50 free GB-hours a month at 0.01, a fee of 5 and
# a minimum of 3.
FULL = rk.Plan(
    "full",
    "USD",
    MONTHS,
    [
        rk.PriceEntry(
            "calls", "calls", rk.Graduated([rk.Tier(500, "0.002"), rk.Tier(None, "0.001")])
        ),
        rk.PriceEntry("gbh", "gbh", rk.PerUnit("0.01")),
    ],
    allowances=[
        rk.Allowance("calls", 1000),
        rk.Allowance("calls", 100, cycle=WEEKS),
        rk.Allowance("gbh", 50),
    ],
    fees=[rk.Fee("base", 5)],
    minimums=[rk.Minimum(3)],
)
# The upgrade: 0.003 a call under 2,000 free a month, storage as in "full", no fee.
PRO = rk.Plan(
    "pro",
    "USD",
    MONTHS,
    [
        rk.PriceEntry("calls", "calls", rk.PerUnit("0.003")),
        rk.PriceEntry("gbh", "gbh", rk.PerUnit("0.01")),
    ],
    allowances=[rk.Allowance("calls", 2000), rk.Allowance("gbh", 50)],
)
UPGRADE = [
    rk.Assignment("acme", FULL, end="2026-03-10T12:00:00Z"),
    rk.Assignment("acme", PRO, start="2026-03-10T12:00:00Z"),
]


def call(resource: str, at: str, quantity: object, ident: str, meter: str = "calls") -> rk.Sample:
    return rk.Sample("acme", resource, meter, at, quantity, id=ident)


def _key(x: Any) -> tuple[object, ...]:
    return (x.account, x.cycle, x.kind, x.plan, x.meter, x.entry, x.resource, x.unit, x.currency)


def _batch(records: list[rk.Sample], plans: Any, span: rk.Span) -> rk.Rating:
    return rk.rate(records, plans, span=span, meters=[CALLS, GBH])


def stream(
    plans: Any,
    steps: list[Step],
    *,
    restore: bool = False,
    horizon: dt.timedelta = dt.timedelta(days=3),
) -> list[rk.Statement]:
    """Feed each step then ask its statement; check the law at every statement.

    With ``restore``, the rater goes through a JSON snapshot before each feed and
    before each statement.
    """
    meters = [CALLS, GBH]
    rater = rk.Rater(plans, meters, start=START, horizon=horizon)
    fed: list[rk.Sample] = []
    sums: dict[tuple[object, ...], Fraction] = {}
    statements = []
    for records, as_of in steps:
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, meters)
        rater.feed(records)
        fed.extend(records)
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, meters)
        statement = rater.statement(as_of)
        statements.append(statement)
        for line in statement.lines:
            sums[_key(line)] = sums.get(_key(line), Fraction(0)) + Fraction(line.amount)
        batch: dict[tuple[object, ...], Fraction] = {}
        rating = rk.rate(fed, plans, span=rk.Span(START, as_of), meters=meters, as_of=as_of)
        for charge in rating.charges:
            batch[_key(charge)] = batch.get(_key(charge), Fraction(0)) + Fraction(charge.amount)
        assert {k: v for k, v in sums.items() if v} == {k: v for k, v in batch.items() if v}, as_of
    return statements


def said(statements: list[rk.Statement]) -> list[list[tuple[object, ...]]]:
    return [
        [(line.role, _key(line), line.quantity, line.amount) for line in s.lines]
        + [("anomaly", a.message) for a in s.anomalies]
        + [("invoice", i.account, i.total, i.precise_total) for i in s.invoices]
        for s in statements
    ]


def both(
    plans: Any, steps: list[Step], horizon: dt.timedelta = dt.timedelta(days=3)
) -> list[rk.Statement]:
    """The stream, and the same stream restored before every call: they say the same."""
    once = stream(plans, steps, horizon=horizon)
    assert said(stream(plans, steps, restore=True, horizon=horizon)) == said(once)
    return once


def month_total(statements: list[rk.Statement]) -> Fraction:
    """March's lines added up exactly (a Decimal sum would round in the caller's context)."""
    return sum(
        (Fraction(line.amount) for s in statements for line in s.lines if line.cycle == MARCH),
        Fraction(0),
    )


# --- batch, by hand ---------------------------------------------------------------


def test_the_pool_runs_dry_exactly_at_a_record() -> None:
    # 600 + 400 = 1,000 calls: the pool is empty, 0 billed; the 1,001st call bills 0.002.
    records = [
        call("k1", "2026-03-02T00:00:00Z", 600, "a"),
        call("k1", "2026-03-04T00:00:00Z", 400, "b"),
    ]
    assert _batch(records, FREE, MARCH).total() == 0
    records.append(call("k1", "2026-03-05T00:00:00Z", 1, "c"))
    assert _batch(records, FREE, MARCH).total() == Decimal("0.002")


def test_a_refund_gives_free_units_back_and_never_refunds_one() -> None:
    # 1,200 calls: 1,000 free, 200 billed (0.40). A refund of 300 takes back the 200
    # billed (-0.40) then 100 free ones; 200 more calls take those 100 free and bill
    # 100 (0.20). Net 1,100: (1,100 - 1,000) x 0.002 = 0.20.
    records = [
        call("k1", "2026-03-02T00:00:00Z", 1200, "a"),
        call("k1", "2026-03-04T00:00:00Z", -300, "b"),
        call("k1", "2026-03-05T00:00:00Z", 200, "c"),
    ]
    rating = _batch(records, FREE, MARCH)
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (1200, 1000, Decimal("0.4")),
        (-300, -100, Decimal("-0.4")),
        (200, 100, Decimal("0.2")),
    ]
    assert rating.total() == Decimal("0.2")


def test_several_resources_at_one_instant_share_the_pool_by_their_net() -> None:
    # Three keys at one instant: 600 + 600 - 100 = 1,100 net: 100 billed, 0.200.
    records = [
        call("k1", "2026-03-02T00:00:00Z", 600, "a"),
        call("k2", "2026-03-02T00:00:00Z", 600, "b"),
        call("k3", "2026-03-02T00:00:00Z", -100, "c"),
    ]
    assert _batch(records, FREE, MARCH).total() == Decimal("0.200")


def test_an_upgrade_mid_cycle_prorates_each_plans_pool_and_refunds_lifo() -> None:
    # "free" (0.002, 1,000 free) to noon on 16 March, "pro" (0.003, 2,000 free) after:
    # each covers 15.5 of 31 days, half its pool: 500 and 1,000 free.
    # 800 on 2 March: 300 billed x 0.002 = 0.60; 1,500 on 20 March: 500 x 0.003 = 1.50;
    # -400 on 25 March (another key) takes back pro's last 400 billed: -1.20. 0.90.
    plans = [
        rk.Assignment("acme", FREE, end="2026-03-16T12:00:00Z"),
        rk.Assignment("acme", free_calls("pro", "0.003", 2000), start="2026-03-16T12:00:00Z"),
    ]
    records = [
        call("k1", "2026-03-02T00:00:00Z", 800, "a"),
        call("k1", "2026-03-20T00:00:00Z", 1500, "b"),
        call("k2", "2026-03-25T00:00:00Z", -400, "c"),
    ]
    rating = _batch(records, plans, MARCH)
    assert [(c.plan, c.free, c.amount) for c in rating.charges] == [
        ("free", 500, Decimal("0.6")),
        ("pro", 1000, Decimal("1.5")),
        ("pro", 0, Decimal("-1.200")),
    ]
    assert rating.total() == Decimal("0.900")


# --- the stream ---------------------------------------------------------------------


def test_late_usage_before_the_dry_point_moves_the_billed_units() -> None:
    # 600 on 2 March, 600 on 4 March: 200 billed (0.40). Then 300 stamped 3 March,
    # fed late: the pool runs dry inside the 3 March record now; net 1,500 bills
    # 500 x 0.002 = 1.00 for March, whatever the statements said in between.
    steps: list[Step] = [
        ([call("k1", "2026-03-02T00:00:00Z", 600, "a")], "2026-03-02T01:00:00Z"),
        ([call("k1", "2026-03-04T00:00:00Z", 600, "b")], "2026-03-04T01:00:00Z"),
        ([call("k2", "2026-03-03T00:00:00Z", 300, "c")], "2026-03-04T02:00:00Z"),
        ([], "2026-03-04T02:05:00Z"),
        ([], "2026-04-01T00:00:00Z"),
    ]
    statements = both(FREE, steps)
    assert any(line.role == "reversal" for line in statements[2].lines)
    assert month_total(statements) == Fraction("1.00")


def test_refunds_give_free_units_back_in_the_stream() -> None:
    # As in batch: 1,200, then -300 (fed after a statement), then 200: March 0.20.
    steps: list[Step] = [
        ([call("k1", "2026-03-02T00:00:00Z", 1200, "a")], "2026-03-03T00:00:00Z"),
        ([call("k2", "2026-03-04T00:00:00Z", -300, "b")], "2026-03-05T00:00:00Z"),
        ([call("k1", "2026-03-03T12:00:00Z", 200, "c")], "2026-03-05T00:10:00Z"),
        ([], "2026-04-01T00:00:00Z"),
    ]
    assert month_total(both(FREE, steps)) == Fraction("0.2")


def test_the_pool_runs_dry_at_a_cycles_start() -> None:
    # 1,000 calls in March's last microsecond are free; 1,001 at 1 April 00:00 are
    # April's: 1 billed, 0.002. A statement at 1 April does not read the record at its
    # own watermark (an empty statement); one a microsecond later does, with April's
    # pool prorated to that microsecond (nearly all 1,001 billed), given back by May.
    march = call("k1", "2026-03-31T23:59:59.999999Z", 1000, "a")
    april = call("k1", "2026-04-01T00:00:00Z", 1001, "b")
    steps: list[Step] = [
        ([march], "2026-04-01T00:00:00Z"),
        ([april], "2026-04-01T00:00:00Z"),
        ([], "2026-04-01T00:00:00.000001Z"),
        ([], "2026-05-01T00:00:00Z"),
    ]
    statements = both(FREE, steps)
    assert statements[1].lines == ()
    april_lines = [line for s in statements for line in s.lines if line.cycle.start.month == 4]
    assert sum(Fraction(line.amount) for line in april_lines) == Fraction("0.002")
    assert month_total(statements) == 0


def test_statements_every_few_minutes_with_nothing_fed_between() -> None:
    # Month-to-date statements every 5 minutes with nothing new: the pool prorated
    # further gives billed units back a little at a time; every sum equals batch.
    steps: list[Step] = [([call("k1", "2026-03-02T00:00:00Z", 200, "a")], "2026-03-02T00:05:00Z")]
    steps += [([], f"2026-03-02T00:{m:02d}:00Z") for m in range(10, 35, 5)]
    steps += [([], "2026-03-02T00:30:00Z")]  # asked again at one watermark: empty
    statements = both(FREE, steps)
    assert statements[-1].lines == ()


def test_a_long_row_takes_the_pool_whole() -> None:
    # 1,500 calls spread over 1..11 March, 100 more on 5 March on another key: net
    # 1,600, 600 billed, 1.20 (the row that starts first takes all 1,000 free).
    steps: list[Step] = [
        ([call("k2", "2026-03-05T00:00:00Z", 100, "b")], "2026-03-06T00:00:00Z"),
        (
            [
                rk.Sample(
                    "acme",
                    "k1",
                    "calls",
                    "2026-03-11T00:00:00Z",
                    1500,
                    since="2026-03-01T00:00:00Z",
                    id="a",
                )
            ],
            "2026-03-12T00:00:00Z",
        ),
        ([], "2026-04-01T00:00:00Z"),
    ]
    assert month_total(both(FREE, steps)) == Fraction("1.200")


def test_the_full_plan_with_an_upgrade_weekly_pools_storage_and_late_refunds() -> None:
    # The law at each statement and restores that change nothing, on the full plan
    # (fee, minimum, graduated calls, monthly and weekly pools, storage) upgraded on
    # 10 March, with several keys at one instant, late usage and late refunds.
    steps: list[Step] = [
        (
            [
                call("k1", "2026-03-02T00:00:00Z", 600, "a"),
                call("k2", "2026-03-02T00:00:00Z", 500, "b"),
                call("g1", "2026-03-02T00:00:00Z", 30, "g1", "gbh"),
            ],
            "2026-03-03T00:00:00Z",
        ),
        ([call("k1", "2026-03-09T00:00:00Z", 300, "c")], "2026-03-09T00:00:00Z"),
        ([call("k2", "2026-03-08T23:00:00Z", -700, "d")], "2026-03-09T00:05:00Z"),
        (
            [
                call("k1", "2026-03-11T00:00:00Z", 2500, "e"),
                call("g1", "2026-03-11T00:00:00Z", 40, "g2", "gbh"),
            ],
            "2026-03-12T00:00:00Z",
        ),
        ([call("k3", "2026-03-10T12:00:00Z", -900, "f")], "2026-03-12T00:05:00Z"),
        ([], "2026-03-12T00:10:00Z"),
        ([], "2026-04-05T00:00:00Z"),
    ]
    statements = both(UPGRADE, steps)
    (invoice,) = [i for s in statements for i in s.invoices]
    expected = rk.bill(_batch([r for s in steps for r in s[0]], UPGRADE, MARCH))
    assert [str(i) for i in expected] == [str(invoice)]


def test_a_weekly_pool_across_a_compacted_month_gets_its_units_back() -> None:
    # 100 free calls a week (weeks from Monday: 30 March .. 6 April), 0.01 a call.
    # 100 on 31 March use the week's pool (March: 0.00, closed and compacted on 2 April).
    # A refund of 50 on 3 April gives 50 free units back to the week (0); 80 on 4 April
    # take them and bill 30 (0.30). Then 30 on 2 April, fed last: billed 0.30 (the
    # week's pool is dry); the refund now takes those 30 back first (-0.30) and 20 free;
    # the 80 take 20 free and bill 60 (0.60). April: 30 + 80 - 50 = 60 past the pool
    # (the week's 100 went in March): 0.60.
    weekly = rk.Plan(
        "w",
        "USD",
        MONTHS,
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.01"))],
        allowances=[rk.Allowance("calls", 100, cycle=WEEKS)],
    )
    steps: list[Step] = [
        ([call("k1", "2026-03-31T00:00:00Z", 100, "a")], "2026-04-01T00:00:00Z"),
        ([], "2026-04-02T12:00:00Z"),
        ([call("k1", "2026-04-03T00:00:00Z", -50, "b")], "2026-04-03T12:00:00Z"),
        ([call("k1", "2026-04-04T00:00:00Z", 80, "c")], "2026-04-05T00:00:00Z"),
        ([call("k2", "2026-04-02T00:00:00Z", 30, "d")], "2026-04-05T00:10:00Z"),
        ([], "2026-05-05T00:00:00Z"),
    ]
    statements = both(weekly, steps, horizon=dt.timedelta(days=1))
    assert [i.total for s in statements for i in s.invoices] == [Decimal("0.00"), Decimal("0.60")]


def test_hourly_statements_for_a_day_under_a_hostile_decimal_context() -> None:
    # Three keys every hour (a refund every fifth hour) and storage, on the full plan:
    # the law at each of 24 hourly statements, restored before every call, with the
    # caller's context at 3 digits, rounding down and trapping inexact results.
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    steps: list[Step] = []
    for hour in range(1, 25):
        at = base + dt.timedelta(hours=hour)
        half = (at - dt.timedelta(minutes=30)).isoformat()
        records = [
            call(
                f"k{j}",
                half,
                (hour * 37 + j * 11) % 90 - (20 if hour % 5 == 0 else 0),
                f"{hour}-{j}",
            )
            for j in range(3)
        ]
        records.append(call("g", half, 3, f"g{hour}", "gbh"))
        steps.append((records, at.isoformat()))
    plain = stream(FULL, steps)
    with decimal.localcontext() as hostile:
        hostile.prec = 3
        hostile.rounding = decimal.ROUND_FLOOR
        hostile.traps[decimal.Inexact] = True
        hostile.traps[decimal.Rounded] = True
        restored = stream(FULL, steps, restore=True)
    assert said(restored) == said(plain)


def test_a_customer_joining_mid_week_gets_the_covered_share_of_each_pool() -> None:
    # Assigned from Wednesday 4 March: 70 free a week (weeks from Monday) stacked before
    # 310 free a month, 0.01 a call. The plan covers 5 of the first week's 7 days (50
    # free) and 28 of March's 31 days (310 x 28/31 = 280 free). 200 on 5 March: 50 from
    # the week, 150 from the month, all free. 400 on 10 March: the new week's 70, the
    # month's last 130, then 200 billed: 2.00.
    weekly_first = rk.Plan(
        "w",
        "USD",
        MONTHS,
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.01"))],
        allowances=[rk.Allowance("calls", 70, cycle=WEEKS), rk.Allowance("calls", 310)],
    )
    joined = [rk.Assignment("acme", weekly_first, start="2026-03-04T00:00:00Z")]
    used = [
        call("k1", "2026-03-05T00:00:00Z", 200, "a"),
        call("k1", "2026-03-10T00:00:00Z", 400, "b"),
    ]
    rating = _batch(used, joined, MARCH)
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (200, 200, 0),
        (400, 200, Decimal(2)),
    ]
    steps: list[Step] = [
        ([used[0]], "2026-03-06T00:00:00Z"),
        ([used[1]], "2026-03-10T00:00:00Z"),  # stamped at the watermark: read next time
        ([], "2026-03-10T00:00:01Z"),
        ([], "2026-04-01T00:00:00Z"),
    ]
    statements = both(joined, steps)
    assert statements[1].lines[0].role == "increment"  # the pools prorated further only
    assert month_total(statements) == Fraction(2)


def test_late_usage_in_a_closed_day_drains_the_weeks_pool_for_the_days_after() -> None:
    # Daily invoices, 300 free calls a week (from Monday 2 March), 0.002 a call, a
    # horizon of 30 hours. 100 on 2 March: free; the day closes with 0.00. On 6 March
    # 250 more stamped 2 March arrive late (the day closed, not yet compacted) with 100
    # stamped 6 March: on 2 March 350 calls, 300 free, 50 billed (0.10, a late line
    # the host puts on the next invoice); the week's pool is dry, so 6 March's 100 are
    # billed: 0.20. Once 2 March is compacted, a record stamped then is too late.
    daily = rk.Plan(
        "d",
        "USD",
        rk.cycles.daily(tz="UTC"),
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.002"))],
        allowances=[rk.Allowance("calls", 300, cycle=WEEKS)],
    )
    rater = rk.Rater(daily, [CALLS], start="2026-03-02T00:00:00Z", horizon=dt.timedelta(hours=30))
    rater.feed([call("k1", "2026-03-02T18:00:00Z", 100, "a")])
    first = rater.statement("2026-03-04T21:00:00Z")
    assert [i.total for i in first.invoices] == [Decimal("0.00")]
    late = rater.feed(
        [call("k2", "2026-03-02T18:00:00Z", 250, "b"), call("k1", "2026-03-06T12:00:00Z", 100, "c")]
    )
    assert (late.accepted, late.late) == (("c",), ("b",))
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), daily, [CALLS])
    for r in (rater, restored):
        second = r.statement("2026-03-06T19:00:00Z")
        assert [
            (line.cycle.start.day, line.late, line.resource, line.amount) for line in second.lines
        ] == [
            (2, True, "k2", Decimal("0.1")),
            (6, False, "k1", Decimal("0.200")),
        ]
        third = r.statement("2026-03-09T00:00:00Z")
        assert [i.total for i in third.invoices] == [Decimal("0.20")]
        assert r.feed([call("k3", "2026-03-02T19:00:00Z", 1, "z")]).too_late == ("z",)


def _switched_daily() -> list[rk.Assignment]:
    days = rk.cycles.daily(tz="UTC")
    old = rk.Plan("a", "USD", days, [rk.PriceEntry("calls", "calls", rk.PerUnit("0.002"))])
    new = rk.Plan(
        "b",
        "USD",
        days,
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.003"))],
        allowances=[rk.Allowance("calls", 100, cycle=WEEKS)],
    )
    return [
        rk.Assignment("acme", old, end="2026-03-05T12:00:00Z"),
        rk.Assignment("acme", new, start="2026-03-05T12:00:00Z"),
    ]


SWITCHED_DAILY_RECORDS = [
    call("k1", "2026-03-05T00:00:00Z", -40, "a"),
    call("k1", "2026-03-05T12:00:00Z", 50, "b"),
    call("k1", "2026-03-08T18:00:00Z", 200, "c"),
]


def test_a_weekly_pool_after_a_switch_and_a_refill_in_batch() -> None:
    # Daily invoices; plan "a" (0.002, no pool) to noon on Thursday 5 March, "b"
    # (0.003, 100 free a week from Monday) after: b covers 3.5 of the week's 7 days,
    # 100 x 3.5/7 = 50 free. -40 at 5 March 00:00 under a goes below zero (-0.080); +50
    # at noon under b: its first 40 fill a's hole at a's price (+0.080), its last 10 are
    # b's, free: 40 left in the pool. 200 on 8 March: 40 free, 160 x 0.003 = 0.48.
    rating = rk.rate(
        SWITCHED_DAILY_RECORDS,
        _switched_daily(),
        span=rk.Span("2026-03-05T00:00:00Z", "2026-03-09T00:00:00Z"),
        meters=[CALLS],
    )
    assert [
        (c.cycle.start.day, c.plan, c.free, c.amount) for c in rating.charges if c.kind == "usage"
    ] == [
        (5, "a", 0, Decimal("-0.080")),
        (5, "b", 10, 0),
        (5, "a", 0, Decimal("0.080")),
        (8, "b", 40, Decimal("0.48")),
    ]


def test_a_weekly_pool_after_a_switch_and_a_refill_with_a_long_horizon() -> None:
    # The same stream with a horizon that keeps 5 March until 8 March is billed: 0.48.
    rater = rk.Rater(
        _switched_daily(), [CALLS], start="2026-03-05T00:00:00Z", horizon=dt.timedelta(days=9)
    )
    rater.feed(SWITCHED_DAILY_RECORDS)
    rater.statement("2026-03-08T10:00:00Z")
    invoices = rater.statement("2026-03-18T00:00:00Z").invoices
    assert [(i.cycle.start.day, i.total) for i in invoices if i.cycle.start.day == 8] == [
        (8, Decimal("0.48"))
    ]


def test_a_compacted_refill_after_a_switch_keeps_the_weekly_pool() -> None:
    # The same stream with a horizon of 2 hours: 5 March is compacted before 8 March is
    # billed. What it carries of b's week is what batch drew: 10 of the +50 (its first
    # 40 filled a's -40 at a's price), so 8 March takes the pool's 40 left and bills
    # 160 x 0.003 = 0.48 (it billed 0.60, 200 with nothing free, when the whole +50
    # was counted against b's pool).
    rater = rk.Rater(
        _switched_daily(), [CALLS], start="2026-03-05T00:00:00Z", horizon=dt.timedelta(hours=2)
    )
    rater.feed(SWITCHED_DAILY_RECORDS)
    rater.statement("2026-03-08T10:00:00Z")  # closes and compacts 5..7 March
    invoices = rater.statement("2026-03-11T00:00:00Z").invoices
    assert [(i.cycle.start.day, i.total) for i in invoices if i.cycle.start.day == 8] == [
        (8, Decimal("0.48"))
    ]


def test_a_restore_after_a_refill_across_a_switch_says_what_the_rater_said() -> None:
    # -40 at 5 March 06:00 under a, +50 at noon (the switch) under b: 40 fill a's
    # hole, 10 free; 100 on 6 March (another key): 40 free, 60 x 0.003 = 0.18. Horizon
    # 30 hours. Restored from the snapshot after 5 March was compacted, the rater rates
    # 6 March again from what 5 March carries of b's week (10 used, 40 left): 0.18
    # stands, nothing is said (it said -0.18 and 0.300 of 6 March, nothing free, when
    # the whole +50 was counted against the pool).
    records = [
        call("k1", "2026-03-05T06:00:00Z", -40, "a"),
        call("k1", "2026-03-05T12:00:00Z", 50, "b"),
        call("k2", "2026-03-06T00:00:00Z", 100, "c"),
    ]
    plans = _switched_daily()

    def said_by(restore: bool) -> list[list[tuple[object, ...]]]:
        rater = rk.Rater(
            plans, [CALLS], start="2026-03-05T00:00:00Z", horizon=dt.timedelta(hours=30)
        )
        rater.feed(records)
        out = []
        for as_of in ("2026-03-08T21:05:00Z", "2026-03-11T21:00:00Z"):
            if restore:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, [CALLS])
            out.append(
                [
                    (line.role, line.cycle.start.day, line.amount)
                    for line in rater.statement(as_of).lines
                ]
            )
        return out

    never = said_by(False)
    assert never[1] == []
    assert said_by(True) == never
