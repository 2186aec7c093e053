"""A metered API's backend: the streaming rater fed from an at-least-once topic.

Read from the streaming page only. Three partitions read out of order, duplicates, a
crash and a restart from an older snapshot that replays a whole day twice, a refund
that moves a Volume total back across a bound after a statement, a plan change on the
instant a cycle ends, credits on the closing invoices: the closing invoices must be the
batch `rk.rate` invoices to the cent, and the lines must add up to their exact totals.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
LONDON_31 = rk.cycles.monthly(tz="Europe/London", day=31)
# 31 March 00:00 BST .. 30 April 00:00 BST.
CYCLE = rk.Span("2026-03-30T23:00:00Z", "2026-04-29T23:00:00Z")
VOLUME = rk.Volume([rk.Tier(1000, "0.003"), rk.Tier(5000, "0.002"), rk.Tier(None, "0.001")])
API = rk.Plan(
    "api",
    "USD",
    LONDON_31,
    [rk.PriceEntry("calls", "calls", VOLUME)],
    allowances=[rk.Allowance("calls", 500)],
    minimums=[rk.Minimum(10)],
)
ASSIGNED = [rk.Assignment(account, API, start=CYCLE.start) for account in ("acme", "beta")]


def call(account: str, at: dt.datetime | str, quantity: object, ident: str) -> rk.Sample:
    return rk.Sample(account, f"{account}/key", "calls", at, quantity, id=ident)


def topic() -> list[rk.Sample]:
    """Thirty days of calls for two accounts, then a refund for acme."""
    records = []
    for day in range(30):
        at = CYCLE.start + dt.timedelta(days=day, hours=(7 * day) % 24)
        records.append(call("acme", at, (100, 250, 7)[day % 3], f"acme-{day}"))
        records.append(call("beta", at + dt.timedelta(minutes=30), (1, 90)[day % 2], f"beta-{day}"))
    records.append(call("acme", "2026-04-28T12:00:00Z", -900, "acme-refund"))
    return records


def batch_invoices(records: list[rk.Sample]) -> list[rk.Invoice]:
    return rk.bill(rk.rate(records, ASSIGNED, span=CYCLE, meters=[CALLS]), tz="Europe/London")


def test_the_month_by_hand_in_batch() -> None:
    # acme: 10 x (100 + 250 + 7) = 3,570 calls less 900 refunded = 2,670; 500 free:
    # 2,170 billed, second tier: 2,170 x 0.002 = 4.34; commitment 10: top-up 5.66.
    # beta: 15 x 1 + 15 x 90 = 1,365; 500 free: 865 x 0.003 = 2.595 -> 2.60; top-up 7.40.
    invoices = batch_invoices(topic())
    assert [[(line.kind, line.amount) for line in i.lines] for i in invoices] == [
        [("usage", Decimal("4.34")), ("minimum", Decimal("5.66"))],
        [("usage", Decimal("2.60")), ("minimum", Decimal("7.40"))],
    ]
    assert [i.total for i in invoices] == [Decimal("10.00"), Decimal("10.00")]


def test_partitions_out_of_order_duplicates_and_a_restart_from_an_older_snapshot() -> None:
    records = topic()
    partitions = [records[0::3], records[1::3], records[2::3]]
    rater = rk.Rater(
        ASSIGNED, [CALLS], start=CYCLE.start, horizon=dt.timedelta(days=2), tz="Europe/London"
    )
    lines: dict[object, Fraction] = {}

    def state(statement: rk.Statement) -> None:
        for line in statement.lines:
            key = (line.account, line.cycle)
            lines[key] = lines.get(key, Fraction(0)) + Fraction(line.amount)

    # Partition 0 is read whole, then a statement on 10 April: partition 1 and 2 are
    # behind, so their records before it are late in the open cycle.
    assert rater.feed(partitions[0]).counts["accepted"] == len(partitions[0])
    state(rater.statement("2026-04-10T00:00:00Z"))
    saved = json.loads(json.dumps(rater.snapshot()))
    saved_lines = dict(lines)
    rater.feed(partitions[1])
    state(rater.statement("2026-04-20T00:00:00Z"))
    # The process dies before it saves again: restore the older snapshot, drop what was
    # written since, and replay the whole topic from an older offset, twice.
    rater, lines = rk.Rater.restore(saved, ASSIGNED, [CALLS]), saved_lines
    first = rater.feed(records)
    again = rater.feed(list(reversed(records)))
    assert first.counts["duplicates"] == len(partitions[0])
    assert again.counts["duplicates"] == len(records)
    assert again.counts["accepted"] == 0
    state(rater.statement("2026-04-25T00:00:00Z"))
    closing = rater.statement("2026-05-02T00:00:00Z")
    state(closing)
    assert closing.closed == (CYCLE,)
    expected = batch_invoices(records)
    assert [(i.account, i.total, i.precise_total) for i in closing.invoices] == [
        (i.account, i.total, i.precise_total) for i in expected
    ]
    assert [str(i) for i in closing.invoices] == [str(i) for i in expected]
    # The ledger's lines of the month add up, per account, to the exact totals (the
    # closing statement also opens May: its prorated commitment is May's).
    for invoice in expected:
        assert lines[(invoice.account, CYCLE)] == Fraction(invoice.precise_total)


def test_a_day_replayed_twice_into_a_restored_rater_changes_nothing() -> None:
    # A day's records are fed, stated and snapshotted; after a restore the same day is
    # fed twice more: duplicates both times, and the next statement is empty.
    day = [r for r in topic() if r.at < dt.datetime(2026, 4, 2, tzinfo=dt.UTC)]
    rater = rk.Rater(ASSIGNED, [CALLS], start=CYCLE.start)
    rater.feed(day)
    before = rater.statement("2026-04-02T00:00:00Z")
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), ASSIGNED, [CALLS])
    for _ in range(2):
        assert restored.feed(day).counts["duplicates"] == len(day)
    assert restored.statement("2026-04-02T00:00:00Z").lines == ()
    # Days 0 and 1 (49 hours of a 720-hour cycle): acme 100 + 250 calls, beta 1 + 90;
    # each takes 500 x 49/720 free calls: (350 - 245/7.2) x 0.003 = 0.9479166...,
    # (91 - 245/7.2) x 0.003 = 0.1709166..., each rounded once at its 60th digit.
    free = Fraction(500 * 49, 720)
    usage = {line.account: line.amount for line in before.lines if line.kind == "usage"}
    for account, used in (("acme", 350), ("beta", 91)):
        exact = (used - free) * Fraction("0.003")
        assert abs(Fraction(usage[account]) - exact) < Fraction(1, 10**59)


def test_a_late_refund_across_a_volume_bound_is_a_reversal_and_a_correction() -> None:
    # 6,000 calls on 10 April (500 free: 5,500 x 0.001 = 5.50 for the month), a statement
    # on 15 April, then a refund of 1,500 stamped 5 April: the month is 4,000 billed x
    # 0.002 = 8.00, in the stream as in batch.
    plan = rk.Plan(
        "api",
        "USD",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("calls", "calls", VOLUME)],
        allowances=[rk.Allowance("calls", 500)],
    )
    april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    use = call("acme", "2026-04-10T00:00:00Z", 6000, "use")
    refund = call("acme", "2026-04-05T00:00:00Z", -1500, "refund")
    rater = rk.Rater(plan, [CALLS], start=april.start, horizon=dt.timedelta(days=1))
    rater.feed([use])
    first = rater.statement("2026-04-15T00:00:00Z")
    rater.feed([refund])
    second = rater.statement("2026-04-25T00:00:00Z")
    assert [line.role for line in second.lines] == ["reversal", "correction"]
    closing = rater.statement("2026-05-02T00:00:00Z")
    assert [i.total for i in closing.invoices] == [Decimal("8.00")]
    streamed = sum(line.amount for s in (first, second, closing) for line in s.lines)
    assert streamed == rk.rate([use, refund], plan, span=april, meters=[CALLS]).total()


def test_a_plan_change_on_the_instant_a_cycle_ends_in_the_stream() -> None:
    # The customer moves from 'starter' to 'growth' at 30 April 00:00 BST. A record
    # stamped at that instant is the new plan's; a refund for April arrives after the
    # change. Batch and stream agree on both invoices.
    def tiered(name: str, price: str, fee: int, minimum: int, free: int) -> rk.Plan:
        tiers = rk.Graduated([rk.Tier(1000, price), rk.Tier(None, Decimal(price) * 2)])
        return rk.Plan(
            name,
            "USD",
            LONDON_31,
            [rk.PriceEntry("calls", "calls", tiers)],
            fees=[rk.Fee("base", fee)],
            minimums=[rk.Minimum(minimum)],
            allowances=[rk.Allowance("calls", free)],
        )

    starter, growth = tiered("starter", "0.01", 5, 10, 100), tiered("growth", "0.005", 20, 50, 1000)
    end = CYCLE.end
    records = [
        call("acme", "2026-04-05T00:00:00Z", 700, "a1"),
        call("acme", end, 300, "a2"),
        call("acme", "2026-05-05T00:00:00Z", 2000, "a3"),
        call("acme", "2026-04-20T00:00:00Z", -200, "a4"),
    ]
    # April: 500 calls, 100 free: 400 x 0.01 = 4.00, fee 5, top-up 10 - 4 = 6: 15.00.
    # May: 2,300 calls, 1,000 free: 1,000 x 0.005 + 300 x 0.01 = 8.00, fee 20, top-up
    # 50 - 8 = 42: 70.00.
    changed = [
        rk.Assignment("acme", starter, start=CYCLE.start, end=end),
        rk.Assignment("acme", growth, start=end),
    ]
    two = rk.Span(CYCLE.start, "2026-05-30T23:00:00Z")
    batch = rk.bill(rk.rate(records, changed, span=two, meters=[CALLS]))
    assert [i.total for i in batch] == [Decimal("15.00"), Decimal("70.00")]
    rater = rk.Rater(
        [rk.Assignment("acme", starter, start=CYCLE.start)],
        [CALLS],
        start=CYCLE.start,
        horizon=dt.timedelta(hours=6),
    )
    rater.feed(records[:1])
    rater.statement(end)
    held = rater.assign(rk.Assignment("acme", growth, start=end))
    rater.feed(records[1:])
    saved = json.loads(json.dumps(rater.snapshot()))
    rater = rk.Rater.restore(saved, held, [CALLS])
    rater.feed(records)
    invoices = [
        *rater.statement("2026-05-20T00:00:00Z").invoices,
        *rater.statement("2026-06-01T00:00:00Z").invoices,
    ]
    assert [(i.cycle, i.total, i.precise_total) for i in invoices] == [
        (i.cycle, i.total, i.precise_total) for i in batch
    ]


def test_credits_on_closing_invoices_one_cycle_at_a_time_equal_batch() -> None:
    # 3,000 calls a month at 0.01 = 30.00; a renewing grant of 10 (expires 15 May) and a
    # one-time 40: April 10 + 20, May 10 + 20, June pays 30.00 itself.
    months = rk.cycles.monthly(tz="UTC")
    plan = rk.Plan(
        "api",
        "USD",
        months,
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.01"))],
        minimums=[rk.Minimum(25)],
    )
    records = [call("acme", f"2026-0{m}-10T00:00:00Z", 3000, f"u{m}") for m in (4, 5, 6)]
    grant = rk.Credit(
        "grant",
        "acme",
        10,
        "USD",
        start="2026-04-01T00:00:00Z",
        expires="2026-05-15T00:00:00Z",
        renews=True,
        priority=1,
    )
    once = rk.Credit("once", "acme", 40, "USD", start="2026-04-01T00:00:00Z")
    span = rk.Span("2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z")
    batch = rk.bill(rk.rate(records, plan, span=span, meters=[CALLS]), credits=[grant, once])
    rater = rk.Rater(plan, [CALLS], start=span.start)
    rater.feed(records)
    held, streamed = [grant, once], []
    for watermark in ("2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z"):
        invoices = rk.apply_credits(rater.statement(watermark).invoices, held)
        held = list(rk.credits_left(held, invoices))
        streamed.extend(invoices)
    assert [(i.total, i.credits) for i in streamed] == [(i.total, i.credits) for i in batch]
    assert [i.total for i in streamed] == [Decimal("0.00"), Decimal("0.00"), Decimal("30.00")]
    assert held == [grant]  # the one-time credit is spent and dropped


def test_a_day_replayed_after_compaction_is_a_duplicate_then_too_late_never_billed_twice() -> None:
    # Monthly cycles, no horizon: 30 April's 24 hourly messages (24 x 10 calls x 0.01 =
    # 2.40) close with April on 2 May; closing May on 2 June compacts April, whose ids are
    # still remembered (the last compacted cycle): a replay, twice, after a restore, is
    # duplicates. Once May is compacted too, the replay is too late: not applied, and said
    # so with a "too_late" anomaly per record that may be a replay.
    months = rk.cycles.monthly(tz="UTC")
    plan = rk.Plan("api", "USD", months, [rk.PriceEntry("calls", "calls", rk.PerUnit("0.01"))])
    day = [call("acme", f"2026-04-30T{hour:02d}:00:00Z", 10, f"d{hour}") for hour in range(24)]
    rater = rk.Rater(plan, [CALLS], start="2026-04-01T00:00:00Z")
    rater.feed(day)
    assert [i.total for i in rater.statement("2026-05-02T00:00:00Z").invoices] == [Decimal("2.40")]
    rater.statement("2026-06-02T00:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [CALLS])
    for _ in range(2):
        assert rater.feed(day).counts["duplicates"] == 24
    rater.statement("2026-07-02T00:00:00Z")
    replayed = rater.feed(day)
    assert replayed.counts["too_late"] == 24
    assert [a.kind for a in replayed.anomalies] == ["too_late"] * 24
    assert "may be a replay" in replayed.anomalies[0].message
    assert rater.statement("2026-07-03T00:00:00Z").lines == ()
