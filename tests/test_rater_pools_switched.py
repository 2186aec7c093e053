"""A weekly pool across changes of plan, corrections and refills, once its days are compacted.

Daily invoices; plan "a" (0.002 a call, no allowance) and plan "b" (0.003 a call, 140
free a week from Monday, prorated to the part of the week b covers). Rating's step 2b
(`ratekit._taken_back`) moves a correction to the plan whose units it takes back and
usage that fills a correction below zero to the plan of that correction: only what is
left takes from b's pool. A compacted day carries what it drew of the week that runs on
(the snapshot's ``allowed``), and that is what batch ``rk.rate()`` drew, so the days
after take what batch takes, restored or not; so does a batch rating whose span starts
after the refill.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
DAYS = rk.cycles.daily(tz="UTC")
WEEKS = rk.cycles.weekly(tz="UTC")
START = "2026-03-02T00:00:00Z"  # a Monday
WEEK = (1772409600000000, 1773014400000000)  # 2 March .. 9 March, in microseconds
A = rk.Plan("a", "USD", DAYS, [rk.PriceEntry("calls", "calls", rk.PerUnit("0.002"))])
B = rk.Plan(
    "b",
    "USD",
    DAYS,
    [rk.PriceEntry("calls", "calls", rk.PerUnit("0.003"))],
    allowances=[rk.Allowance("calls", 140, cycle=WEEKS)],
)
# b until Wednesday 4 March, a to noon on Thursday 5 March, b again after: b covers 2 +
# 3.5 of the week's 7 days, 140 x 5.5/7 = 110 free.
TWICE = [
    rk.Assignment("acme", B, end="2026-03-04T00:00:00Z"),
    rk.Assignment("acme", A, start="2026-03-04T00:00:00Z", end="2026-03-05T12:00:00Z"),
    rk.Assignment("acme", B, start="2026-03-05T12:00:00Z"),
]
# a to noon on Thursday 5 March, b after: 140 x 3.5/7 = 70 free.
ONCE = [
    rk.Assignment("acme", A, end="2026-03-05T12:00:00Z"),
    rk.Assignment("acme", B, start="2026-03-05T12:00:00Z"),
]


def call(
    at: str, quantity: int, ident: str, resource: str = "k1", since: str | None = None
) -> rk.Sample:
    return rk.Sample("acme", resource, "calls", at, quantity, id=ident, since=since)


# 30 on 2 March under b: free (80 left). -40 at 5 March 00:00 under a: below zero,
# -0.080. +50 at noon under b: its first 40 fill a's hole (+0.080 at a's price), its
# last 10 are b's, free (70 left). 100 on 8 March: 70 free, 30 x 0.003 = 0.09.
TWICE_RECORDS = [
    call("2026-03-02T10:00:00Z", 30, "a"),
    call("2026-03-05T00:00:00Z", -40, "b"),
    call("2026-03-05T12:00:00Z", 50, "c"),
    call("2026-03-08T18:00:00Z", 100, "d"),
]


def statements(
    plans: list[rk.Assignment],
    records: list[rk.Sample],
    watermarks: list[str],
    restore_after: frozenset[int] = frozenset(),
) -> list[rk.Statement]:
    """Feed ``records``, then ask a statement at each watermark, horizon 2 hours.

    The rater goes through a JSON snapshot after the statements of ``restore_after``
    (their indices). At each statement, the lines so far add up, per cycle, plan and
    line, to one batch ``rk.rate()`` of the records as of the watermark.
    """
    rater = rk.Rater(plans, [CALLS], start=START, horizon=dt.timedelta(hours=2))
    rater.feed(records)
    out = []
    sums: dict[tuple[object, ...], Fraction] = {}
    for index, as_of in enumerate(watermarks):
        statement = rater.statement(as_of)
        out.append(statement)
        for line in statement.lines:
            key = (line.cycle, line.kind, line.plan, line.resource)
            sums[key] = sums.get(key, Fraction(0)) + Fraction(line.amount)
        batch: dict[tuple[object, ...], Fraction] = {}
        rating = rk.rate(records, plans, span=rk.Span(START, as_of), meters=[CALLS], as_of=as_of)
        for charge in rating.charges:
            key = (charge.cycle, charge.kind, charge.plan, charge.resource)
            batch[key] = batch.get(key, Fraction(0)) + Fraction(charge.amount)
        assert {k: v for k, v in sums.items() if v} == {k: v for k, v in batch.items() if v}
        if index in restore_after:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, [CALLS])
    return out


def said(out: list[rk.Statement]) -> list[list[tuple[object, ...]]]:
    return [
        [(line.role, line.cycle.start.day, line.plan, line.amount) for line in s.lines]
        + [("invoice", i.cycle.start.day, i.total) for i in s.invoices]
        for s in out
    ]


def test_two_switches_in_a_week_in_batch_whatever_the_span_start() -> None:
    # The week rated whole, or from 6 or 8 March with the earlier records given: 8
    # March takes the 70 left of b's 110 and bills 30 x 0.003 = 0.09 (a span from 8
    # March counted the whole +50 against the pool and billed 0.21).
    for start in ("2026-03-02T00:00:00Z", "2026-03-06T00:00:00Z", "2026-03-08T00:00:00Z"):
        rating = rk.rate(
            TWICE_RECORDS, TWICE, span=rk.Span(start, "2026-03-09T00:00:00Z"), meters=[CALLS]
        )
        assert [(c.free, c.amount) for c in rating.charges if c.cycle.start.day == 8] == [
            (70, Decimal("0.09"))
        ], start


def test_two_switches_in_a_week_compacted_carry_what_batch_drew() -> None:
    # The statement of 8 March 10:00 closes 2..7 March and compacts 2..6 March: they
    # carry 30 + 10 = 40 of b's week (not 30 + 50), and 8 March bills 0.09.
    rater = rk.Rater(TWICE, [CALLS], start=START, horizon=dt.timedelta(hours=2))
    rater.feed(TWICE_RECORDS)
    rater.statement("2026-03-08T10:00:00Z")
    assert rater.snapshot()["body"]["allowed"] == [["acme", "b", "calls", *WEEK, "40"]]
    out = statements(TWICE, TWICE_RECORDS, ["2026-03-08T10:00:00Z", "2026-03-11T00:00:00Z"])
    assert [(i.cycle.start.day, i.total) for i in out[1].invoices] == [(8, Decimal("0.09"))]


def test_a_restore_right_after_the_compaction_says_the_same() -> None:
    # Restored from the snapshot the compacting statement left (its ``allowed`` 40 of
    # the week), the rater says what one never restored says: 8 March 0.09.
    watermarks = ["2026-03-08T10:00:00Z", "2026-03-11T00:00:00Z"]
    never = statements(TWICE, TWICE_RECORDS, watermarks)
    restored = statements(TWICE, TWICE_RECORDS, watermarks, restore_after=frozenset({0}))
    assert said(restored) == said(never)
    assert said(never)[1] == [("charge", 8, "b", Decimal("0.09")), ("invoice", 8, Decimal("0.09"))]


def test_a_refill_spanning_the_compaction_point() -> None:
    # -40 at 5 March 00:00 under a (-0.080); +100 over 5 March 12:00 .. 6 March 12:00,
    # 50 in each day (in proportion to time). 5 March's 50 under b: 40 fill a's hole
    # (+0.080), 10 free (60 of b's 70 left); 6 March's 50: free (10 left). 100 on 8 March
    # (another key): 10 free, 90 x 0.003 = 0.27.
    records = [
        call("2026-03-05T00:00:00Z", -40, "a"),
        call("2026-03-06T12:00:00Z", 100, "b", since="2026-03-05T12:00:00Z"),
        call("2026-03-08T18:00:00Z", 100, "c", resource="k2"),
    ]
    rating = rk.rate(records, ONCE, span=rk.Span(START, "2026-03-09T00:00:00Z"), meters=[CALLS])
    assert [(c.cycle.start.day, c.plan, c.free, c.amount) for c in rating.charges] == [
        (5, "a", 0, Decimal("-0.080")),
        (5, "b", 10, 0),
        (5, "a", 0, Decimal("0.080")),
        (6, "b", 50, 0),
        (8, "b", 10, Decimal("0.27")),
    ]
    # The row is stamped 6 March 12:00: read at 7 March, which compacts 5 March, the
    # base (6 March 00:00) cutting the row. 5 March carries its part's 10, not 50 (then
    # 6 March billed 30 of its 50, 0.09); 6 March, compacted next, 50 more.
    rater = rk.Rater(ONCE, [CALLS], start=START, horizon=dt.timedelta(hours=2))
    rater.feed(records)
    carried = []
    for as_of in ("2026-03-06T02:00:00Z", "2026-03-07T03:00:00Z", "2026-03-08T03:00:00Z"):
        rater.statement(as_of)
        carried.append(rater.snapshot()["body"].get("allowed"))
    assert carried == [
        None,
        [["acme", "b", "calls", *WEEK, "10"]],
        [["acme", "b", "calls", *WEEK, "60"]],
    ]
    watermarks = [
        "2026-03-06T02:00:00Z",
        "2026-03-07T03:00:00Z",
        "2026-03-08T03:00:00Z",
        "2026-03-11T00:00:00Z",
    ]
    never = statements(ONCE, records, watermarks)
    assert said(never)[3] == [("charge", 8, "b", Decimal("0.27")), ("invoice", 8, Decimal("0.27"))]
    for after in range(3):
        assert said(statements(ONCE, records, watermarks, frozenset({after}))) == said(never)


def test_usage_no_entry_prices_takes_nothing_before_the_span_either() -> None:
    # 100 free calls a week; only an "api" resource's calls are priced (0.01), the
    # others' are an anomaly. 60 unpriced calls on Monday take no free call (rating
    # makes no piece of them), so Wednesday's 100 api calls are free, whether the span
    # starts on Monday or on Tuesday with Monday's rows given (from Tuesday they took
    # 60 of the week's pool before the span, and 60 x 0.01 = 0.6 was billed).
    plan = rk.Plan(
        "b",
        "USD",
        DAYS,
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.01"), where={"kind": "api"})],
        allowances=[rk.Allowance("calls", 100, cycle=WEEKS)],
        unpriced="anomaly",
    )
    records = [
        rk.Event("acme", "web", START, {"kind": "web"}, kind="start"),
        rk.Event("acme", "api", START, {"kind": "api"}, kind="start"),
        rk.Sample("acme", "web", "calls", "2026-03-02T10:00:00Z", 60, id="a"),
        rk.Sample("acme", "api", "calls", "2026-03-04T10:00:00Z", 100, id="b"),
    ]
    for start in (START, "2026-03-03T00:00:00Z"):
        rating = rk.rate(records, plan, span=rk.Span(start, "2026-03-05T00:00:00Z"), meters=[CALLS])
        assert [(c.free, c.amount) for c in rating.charges if c.kind == "usage"] == [(100, 0)]
