"""A backup service's stream: every closing invoice equals batch rate() + bill(), to the digit.

The backend feeds `rk.Rater`, restarts from a JSON snapshot before each statement, and
finance re-rates in batch (docs/streaming.md: "the statements of a stream add up, per
account, cycle and line, to one batch `rk.rate()` over all its records"; the closing
invoices are `rk.bill()`'s). The collector replays the last day after a crash and sends
late corrections of a reading (same instant, greater seq).
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import random
from decimal import Decimal
from typing import Any

import pytest
from tests._backup_service import (
    METERS,
    batch_invoice,
    closings_match_batch,
    gauge,
    plan,
    restored,
    same,
    stream,
)

import ratekit as rk

LORD_HOWE = "Australia/Lord_Howe"
LONDON = "Europe/London"
SAO_PAULO = "America/Sao_Paulo"


@pytest.mark.parametrize("restore_each", [False, True])
def test_a_single_reading_closes_march_and_april_as_batch(restore_each: bool) -> None:
    # 310 GB from 10 March local: 220 GB-month in March (4.40), 310 in April (6.20).
    records = [gauge("acme", "vault", "storage", "2026-03-10T03:00:00Z", 310, "s1")]
    steps = [(records, "2026-04-01T04:00:00Z"), ([], "2026-05-01T04:00:00Z")]
    closed = closings_match_batch(
        steps, plan(SAO_PAULO), "2026-03-01T03:00:00Z", SAO_PAULO, restore_each=restore_each
    )
    assert [total for _, _, total in closed] == [Decimal("4.40"), Decimal("6.20")]


def test_a_gap_across_the_month_end_streamed() -> None:
    # The March part (500/743 GB-month, 0.01) closes before April's readings arrive.
    records = [
        gauge("acme", "vault", "storage", f"2026-03-31T{hour}:00:00Z", 100, f"a{hour}")
        for hour in (18, 19, 20)
    ]
    later = [
        gauge("acme", "vault", "storage", f"2026-04-01T{hour}:00:00Z", 200, f"b{hour}")
        for hour in (22, 23)
    ]
    steps = [(records, "2026-03-31T23:00:00Z"), (later, "2026-04-30T23:00:00Z")]
    closed = closings_match_batch(steps, plan(LONDON), "2026-03-01T00:00:00Z", LONDON)
    assert [total for _, _, total in closed] == [
        Decimal("0.01"),
        Decimal("3.94"),
    ]  # 141700/720 x 0.02


def test_a_reading_at_the_boundary_fed_at_the_closing_watermark() -> None:
    # The 700 GB reading is stamped at April's first instant, the watermark that closes
    # March: the statement does not read it, and March stays 38300/743 GB-month (1.03).
    records = [
        gauge("acme", "vault", "storage", "2026-03-16T00:00:00Z", 100, "c1"),
        gauge("acme", "vault", "storage", "2026-03-31T23:00:00Z", 700, "c2"),
    ]
    steps = [(records, "2026-03-31T23:00:00Z"), ([], "2026-04-30T23:00:00Z")]
    closed = closings_match_batch(steps, plan(LONDON), "2026-03-01T00:00:00Z", LONDON)
    assert [total for _, _, total in closed] == [Decimal("1.03"), Decimal("14.00")]


def test_lord_howe_april_with_a_statement_at_the_dst_change() -> None:
    # 720.5 GB to the DST change: 98 GB-month (1.96); a statement at that very instant.
    records = [
        gauge("acme", "vault", "storage", "2026-03-31T13:00:00Z", "720.5", "d1"),
        gauge("acme", "vault", "storage", "2026-04-04T15:00:00Z", 0, "d2"),
    ]
    steps = [(records[:1], "2026-04-04T15:00:00Z"), (records[1:], "2026-04-30T13:30:00Z")]
    closed = closings_match_batch(steps, plan(LORD_HOWE), "2026-03-31T13:00:00Z", LORD_HOWE)
    assert [total for _, _, total in closed] == [Decimal("1.96")]


def test_an_agent_reinstalled_within_the_hour_streamed() -> None:
    # The removal is stated at 00:10 before the reinstall at 00:30 arrives: 9.99 at close.
    records = [
        gauge("acme", "agent-1", "machines", "2026-02-01T00:00:00Z", 1, "m1"),
        gauge("acme", "agent-1", "machines", "2026-02-10T00:00:00Z", 0, "m2"),
        gauge("acme", "agent-1", "machines", "2026-02-10T00:30:00Z", 1, "m3"),
    ]
    steps = [(records[:2], "2026-02-10T00:10:00Z"), (records[2:], "2026-03-01T00:00:00Z")]
    closed = closings_match_batch(steps, plan(LONDON), "2026-02-01T00:00:00Z", LONDON)
    assert [total for _, _, total in closed] == [Decimal("9.99")]


def test_a_plan_assigned_at_the_instant_of_readings_with_a_minimum_and_a_credit() -> None:
    # Lord Howe April (720.5 h). basic (minimum 30) from its start; at the DST change
    # (4 April 15:00Z, 98 h in) the backend assigns pro and feeds a 2000 GB reading, a
    # removal, a reinstall 30 minutes later and a 12 GB restore, all stamped then.
    # basic: 1000 GB x 98/720.5 at 0.02 = 2.7203..., a machine from 1 April 00:00Z, 87 h:
    # 10 x 87/720.5 = 1.2075...; minimum 30 x 98/720.5 = 4.0805... less 3.93 as rounded: 0.15.
    # pro: 2000 x 622.5/720.5 at 0.01 = 17.2797..., the machine 622/720.5 x 20 = 17.2658...,
    # 12 GB restored: 2 x 0.09 = 0.18. Subtotal 38.80; a welcome credit of 5: 33.80.
    tz = LORD_HOWE
    start, switch, close = "2026-03-31T13:00:00Z", "2026-04-04T15:00:00Z", "2026-04-30T13:30:00Z"
    basic = plan(tz, "basic", "0.02", "10", minimums=[rk.Minimum(30)])
    pro = plan(tz, "pro", "0.01", "20")
    first = [
        gauge("acme", "vault", "storage", start, 1000, "s0"),
        gauge("acme", "a1", "machines", "2026-04-01T00:00:00Z", 1, "m0"),
    ]
    then = [
        gauge("acme", "vault", "storage", switch, 2000, "s1"),
        gauge("acme", "a1", "machines", switch, 0, "m1"),
        gauge("acme", "a1", "machines", "2026-04-04T15:30:00Z", 1, "m2"),
        restored("acme", switch, 12, "r1"),
    ]
    rater = rk.Rater([rk.Assignment("acme", basic, start=start)], METERS, start=start, tz=tz)
    rater.feed(first)
    rater.statement(switch)
    assigned = rater.assign(rk.Assignment("acme", pro, start=switch))
    rater.feed(then)
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
    grants = [rk.Credit("welcome", "acme", 5, "EUR", start=start)]
    (streamed,) = rk.apply_credits(rater.statement(close).invoices, grants)
    rating = rk.rate(
        [*first, *then], list(assigned), span=streamed.cycle, meters=METERS, as_of=close
    )
    (batch,) = rk.bill(rating, tz=tz, credits=grants)
    assert same(streamed, batch)
    assert (streamed.subtotal, streamed.total) == (Decimal("38.80"), Decimal("33.80"))


def test_the_collectors_replay_of_the_last_day_is_a_no_op() -> None:
    # Daily readings of February with seq 1; after a crash the collector sends the last
    # nine days again (same ids): duplicates. 14.5 GB-month (406/28), 0.29.
    readings = [
        gauge("acme", "vault", "storage", f"2026-02-{day:02}T00:00:00Z", day, f"h{day}", seq=1)
        for day in range(1, 29)
    ]
    steps = [(readings[:20], "2026-02-21T00:00:00Z"), (readings[19:], "2026-03-01T00:00:00Z")]
    closed = closings_match_batch(steps, plan(LONDON), "2026-02-01T00:00:00Z", LONDON)
    assert [total for _, _, total in closed] == [Decimal("0.29")]
    _, _, feeds = stream(steps, plan(LONDON), "2026-02-01T00:00:00Z", LONDON)
    assert feeds[1].duplicates == ("h20",)


def test_a_correction_after_a_statement_is_a_reversal_and_closes_as_batch() -> None:
    # 500 GB on 10 Feb, stated on the 20th, then corrected to 50 (same instant, seq 2):
    # 50 x 19/28 GB-month = 0.68 at close, as batch.
    first = gauge("acme", "vault", "storage", "2026-02-10T00:00:00Z", 500, "k1", seq=1)
    fixed = gauge("acme", "vault", "storage", "2026-02-10T00:00:00Z", 50, "k1b", seq=2)
    steps = [([first], "2026-02-20T00:00:00Z"), ([fixed], "2026-03-01T00:00:00Z")]
    closed = closings_match_batch(steps, plan(LONDON), "2026-02-01T00:00:00Z", LONDON)
    assert [total for _, _, total in closed] == [Decimal("0.68")]


def test_a_correction_after_the_close_within_the_horizon() -> None:
    # March closes (horizon 2 days) at 7.09 with 500 GB from 10 March; the correction to
    # 50 GB comes after: late reversal + correction lines of March. Billed as they now
    # stand, March's lines give batch's 0.71 (50 x 527/743 GB-month at 0.02).
    tz = LONDON
    first = gauge("acme", "vault", "storage", "2026-03-10T00:00:00Z", 500, "k1", seq=1)
    fixed = gauge("acme", "vault", "storage", "2026-03-10T00:00:00Z", 50, "k1b", seq=2)
    rater = rk.Rater(
        plan(tz), METERS, start="2026-03-01T00:00:00Z", tz=tz, horizon=dt.timedelta(days=2)
    )
    rater.feed([first])
    closing = rater.statement("2026-04-03T00:00:00Z")
    (march,) = closing.invoices
    assert march.total == Decimal("7.09")
    assert rater.feed([fixed]).late == ("k1b",)
    after = rater.statement("2026-04-03T12:00:00Z")
    assert [(line.role, line.late) for line in after.lines if line.cycle == march.cycle] == [
        ("reversal", True),
        ("correction", True),
    ]
    standing = {}
    for statement in (closing, after):
        for line in statement.lines:
            if line.cycle == march.cycle and line.role != "reversal":
                standing[line.key] = line
    (now,) = rk.bill([charge for line in standing.values() for charge in line.charges], tz=tz)
    expected = batch_invoice(
        [first, fixed], plan(tz), march.cycle, "2026-04-03T12:00:00Z", tz, "acme"
    )
    assert same(now, expected)
    assert now.total == Decimal("0.71")


def test_a_reading_from_before_the_raters_start_holds_as_in_batch() -> None:
    # A backend started on 1 March is fed a February reading: too late for February, but
    # the level in force on 1 March, as batch has it: 100 GB all March, 2.00.
    tz = LONDON
    early = gauge("acme", "vault", "storage", "2026-02-20T00:00:00Z", 100, "early")
    rater = rk.Rater(plan(tz), METERS, start="2026-03-01T00:00:00Z", tz=tz)
    assert rater.feed([early]).too_late == ("early",)
    (streamed,) = rater.statement("2026-03-31T23:00:00Z").invoices
    assert same(
        streamed,
        batch_invoice([early], plan(tz), streamed.cycle, "2026-03-31T23:00:00Z", tz, "acme"),
    )
    assert streamed.total == Decimal("2.00")


def test_huge_gauges_streamed_through_a_restore() -> None:
    records = [
        gauge("acme", "vault", "storage", "2026-02-01T00:00:00Z", "9.99E+29", "z1"),
        gauge("acme", "v0", "storage", "2026-02-01T00:00:00Z", 0, "z2"),
        gauge("acme", "vault", "storage", "2026-02-14T00:00:00.000001Z", "1E-30", "z3"),
    ]
    steps = [(records[:2], "2026-02-10T00:00:00Z"), (records[2:], "2026-03-01T00:00:00Z")]
    closed = closings_match_batch(steps, plan("UTC"), "2026-02-01T00:00:00Z", "UTC")
    # 9.99E+29 for 13 days and 1 us of 28, at 0.02: 9.99E+29 x 0.02 x (13 x 86400e6 + 1)/(28 x 86400e6)
    assert closed[0][2] == Decimal("9276428571436830357142857142.86")  # ...142.857142... rounded


def _messy(
    seed: int,
) -> tuple[list[tuple[list[rk.Sample], dt.datetime]], Any, dt.datetime, str, dt.timedelta]:
    """Two months of a zone's gauges, restores and reinstalls, late by up to two days,
    replayed, corrected by seq, with a plan switch at a reading's instant half the time."""
    rnd = random.Random(seed)
    tz = [SAO_PAULO, LORD_HOWE, LONDON][seed % 3]
    monthly = rk.cycles.monthly(tz=tz)
    first = monthly.containing(
        {LORD_HOWE: "2026-04-15T00:00:00Z", LONDON: "2026-03-15T00:00:00Z"}.get(
            tz, "2026-02-15T00:00:00Z"
        )
    )
    second = monthly.containing(first.end)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def instant() -> dt.datetime:
        if rnd.random() < 0.2:
            us = rnd.choice([first.start_us, first.end_us, second.end_us - 1])
        else:
            us = rnd.randrange(
                first.start_us, second.end_us, rnd.choice([3_600_000_000, 1_800_000_000, 1])
            )
        return epoch + dt.timedelta(microseconds=us)

    records: list[rk.Sample] = []
    for account in ["acme", "zeta"][: 1 + seed % 2]:
        for n in range(rnd.randrange(1, 5)):
            at = instant()
            records.append(
                gauge(
                    account,
                    "vault",
                    "storage",
                    at,
                    rnd.choice([0, 1, "0.5", "1E+12", 250]),
                    f"{account}s{n}",
                    seq=1,
                )
            )
            if rnd.random() < 0.3:
                records.append(
                    gauge(
                        account,
                        "vault",
                        "storage",
                        at,
                        rnd.choice([0, 3, 999]),
                        f"{account}s{n}b",
                        seq=2,
                    )
                )
        level = 0
        for n in range(rnd.randrange(0, 4)):
            level = 1 - level
            records.append(gauge(account, "agent", "machines", instant(), level, f"{account}m{n}"))
        records.extend(
            restored(account, instant(), rnd.choice([5, 50, 150, "0.001"]), f"{account}r{n}")
            for n in range(rnd.randrange(0, 3))
        )
    kept: dict[tuple[Any, ...], rk.Sample] = {}
    for record in records:
        kept.setdefault(
            (record.account, record.resource, record.meter, record.at_us, record.seq), record
        )
    records = list(kept.values())
    if seed % 4 < 2:
        switch = epoch + dt.timedelta(
            microseconds=rnd.choice([r.at_us for r in records if first.start_us < r.at_us])
        )
        accounts = sorted({r.account for r in records})
        basic, pro = plan(tz, "basic", "0.02", "10"), plan(tz, "pro", "0.013", "7")
        priced: Any = [rk.Assignment(a, basic, end=switch) for a in accounts]
        priced += [rk.Assignment(a, pro, start=switch) for a in accounts]
    else:
        priced = plan(tz)
    arrivals = [
        (epoch + dt.timedelta(microseconds=r.at_us, seconds=rnd.randrange(0, 2 * 86400)), r)
        for r in records
    ]
    arrivals += [
        (at + dt.timedelta(hours=rnd.randrange(1, 40)), r)
        for at, r in arrivals
        if rnd.random() < 0.2
    ]
    horizon = dt.timedelta(days=3)
    steps = []
    watermark = epoch + dt.timedelta(microseconds=first.start_us)
    previous = watermark - dt.timedelta(microseconds=1)
    while watermark < epoch + dt.timedelta(microseconds=second.end_us) + horizon + dt.timedelta(
        days=1
    ):
        watermark = watermark + dt.timedelta(hours=rnd.randrange(12, 24 * 6))
        batch = [r for at, r in arrivals if previous < at <= watermark]
        rnd.shuffle(batch)
        steps.append((batch, watermark))
        previous = watermark
    return steps, priced, epoch + dt.timedelta(microseconds=first.start_us), tz, horizon


@pytest.mark.parametrize("seed", range(4))
def test_messy_streams_close_as_batch(seed: int) -> None:
    steps, priced, start, tz, horizon = _messy(seed)
    closed = closings_match_batch(
        steps, priced, start, tz, horizon=horizon, restore_each=seed % 2 == 0
    )
    assert closed  # every closing compared; an account quiet in a month has no invoice there


def test_an_agent_moved_to_another_customer_is_billed_to_each() -> None:
    # agent-1 protected for acme to 16 March 00:00Z, then for zeta: 15/31 and 16/31 of a
    # machine-month at 10 = 4.84 and 5.16, streamed as in batch.
    records = [
        gauge("acme", "agent-1", "machines", "2026-03-01T00:00:00Z", 1, "a1"),
        gauge("acme", "agent-1", "machines", "2026-03-16T00:00:00Z", 0, "a2"),
        gauge("zeta", "agent-1", "machines", "2026-03-16T00:00:00Z", 1, "z1"),
    ]
    steps = [(records[:2], "2026-03-16T00:00:00Z"), (records[2:], "2026-04-01T00:00:00Z")]
    closed = closings_match_batch(steps, plan("UTC"), "2026-03-01T00:00:00Z", "UTC")
    assert [(account, total) for account, _, total in closed] == [
        ("acme", Decimal("4.84")),
        ("zeta", Decimal("5.16")),
    ]


def test_a_reading_before_the_customers_plan_is_refused_by_the_feed() -> None:
    # A vault read on 10 March for a customer whose plan starts on the 15th: batch bills
    # the level from the plan's start (310 x 17/31 = 170 GB-month, 3.40) and reports the
    # days before as unpriced; the rater refuses the reading whole, as streaming.md says
    # ("the feed refuses a record where its account has no plan"): stamp such a level at
    # the plan's start to stream it.
    assigned = [rk.Assignment("acme", plan("UTC"), start="2026-03-15T00:00:00Z")]
    early = gauge("acme", "vault", "storage", "2026-03-10T00:00:00Z", 310, "s1")
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    rating = rk.rate([early], assigned, span=march, meters=METERS)
    assert [(charge.quantity, charge.amount) for charge in rating.charges] == [
        (Decimal(170), Decimal("3.40"))
    ]
    assert [anomaly.kind for anomaly in rating.anomalies] == ["unpriced"]
    rater = rk.Rater(assigned, METERS, start=march.start)
    with pytest.raises(
        rk.UnpricedUsageError, match=r"sample 's1' stamped 2026-03-10T00:00:00Z .* no plan assigned"
    ):
        rater.feed([early])
    restamped = gauge("acme", "vault", "storage", "2026-03-15T00:00:00Z", 310, "s1")
    rater.feed([restamped])
    (invoice,) = rater.statement(march.end).invoices
    assert invoice.total == Decimal("3.40")


def test_gauges_as_plain_tuples_rate_as_the_samples() -> None:
    # 48 hourly readings from 1 April 2026 00:00 local in Lord Howe as (account, resource,
    # meter, at_us, value, kind, id, seq) tuples, one corrected by seq: the batch, its
    # samples, and a rater fed the batch, copied and pickled, all bill alike.
    base = 1775000000000000
    tuples = [
        (
            "acme",
            "vault",
            "storage",
            base + hour * 3_600_000_000,
            100 + hour,
            "gauge",
            f"g{hour}",
            1,
        )
        for hour in range(48)
    ]
    tuples.append(("acme", "vault", "storage", base + 5 * 3_600_000_000, 7, "gauge", "g5b", 2))
    batch = rk.RecordBatch.from_tuples(samples=tuples)
    tz = LORD_HOWE
    april = rk.cycles.monthly(tz=tz).containing(rk.Span.from_us(base, base + 1).start)
    assert (
        rk.rate(batch, plan(tz), span=april, meters=METERS).total()
        == rk.rate(list(batch), plan(tz), span=april, meters=METERS).total()
    )
    rater = rk.Rater(plan(tz), METERS, start=april.start, tz=tz)
    rater.feed(batch)
    rater.statement(rk.Span.from_us(base + 36_000_000_000, base + 36_000_000_001).start)
    expected = str(rk.bill(rk.rate(batch, plan(tz), span=april, meters=METERS), tz=tz)[0])
    for copied in (rater.copy(), pickle.loads(pickle.dumps(rater)), rater):
        assert str(copied.statement(april.end).invoices[0]) == expected
