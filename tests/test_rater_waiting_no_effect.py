"""A late record still waiting for its watermark is judged once metered, not before.

Found by a billing backend's newcomer: a record fed before the watermark reaches it,
whose effect reaches a closed cycle (a delta over a span from it, an event its seq
orders before closed ones), was listed in the next closing statement's ``no_effect``
("changed nothing priced") before any statement had metered it.
"""

from __future__ import annotations

import datetime as dt

import ratekit as rk

UTC = dt.UTC
DAILY = rk.cycles.daily(tz="UTC")
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
PLAN = rk.Plan("p", "USD", DAILY, [rk.PriceEntry("egress", "egress", rk.PerUnit("1"))])


def day(number: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, number, hour, tzinfo=UTC)


def test_a_record_waiting_for_its_watermark_is_not_said_to_have_no_effect() -> None:
    # A router's byte count over 1 to 4 March (72 GB, 24 GB a day), stamped 4 March and
    # fed on 2 March: 1 March has closed (horizon 0) but is kept, so the feed calls it
    # late. The rater keeps 1 March uncompacted until the watermark reaches 4 March
    # (docs/streaming.md, "closing and lateness"), and the statement at 4 March charges
    # 24 + 24 + 24 = 72 GB at 1 USD, every line naming 'big'. The closing statement at
    # 3 March, which has not metered it yet, must not list it as a record that "changed
    # nothing priced" (docs/lateness.md, "what a feed and a statement say of each record").
    rater = rk.Rater(PLAN, [EGRESS], start=day(1))
    rater.statement(day(2))
    feed = rater.feed([rk.Sample("acme", "r1", "egress", day(4), 72, since=day(1), id="big")])
    assert feed.late == ("big",)
    waiting = rater.statement(day(3))
    metered = rater.statement(day(4))
    assert [(line.cycle.start.day, line.amount, line.record_ids) for line in metered.lines] == [
        (1, 24, ("big",)),
        (2, 24, ("big",)),
        (3, 24, ("big",)),
    ]
    assert "big" not in waiting.no_effect  # fails: waiting.no_effect == ('big',)


def test_a_sequenced_stop_waiting_for_its_watermark_is_not_said_to_have_no_effect() -> None:
    # A START seq 1 of 1 March 06:00, then a STOP seq 0 stamped 4 March 12:00 fed on
    # 2 March: the STOP comes first by its seq, so batch rate() runs the VM from 4 March
    # 12:00 only (the START takes the STOP's instant): 1 March's 18 h and 2 and 3 March's
    # 24 h are taken back at the watermark of 5 March, 4 March bills 12 h, and that
    # statement's anomalies name the STOP ("orphan_stop", "out_of_order"). Until then the
    # STOP is not metered: the statement at 3 March must not list it in no_effect, which
    # holds the records that no line or anomaly names (docs/lateness.md).
    hours = rk.Meter("vm", "hour", rk.OnOff())
    plan = rk.Plan("p", "USD", DAILY, [rk.PriceEntry("vm", "vm", rk.PerUnit("1"))])
    rater = rk.Rater(plan, [hours], start=day(1))
    rater.feed([rk.Event("acme", "vm-1", day(1, 6), kind="start", id="s1", seq=1)])
    rater.statement(day(2))
    assert rater.feed([rk.Event("acme", "vm-1", day(4, 12), kind="stop", id="s0", seq=0)]).late == (
        "s0",
    )
    waiting = rater.statement(day(3))
    rater.statement(day(4))
    metered = rater.statement(day(5))
    assert [(line.role, line.cycle.start.day, line.amount) for line in metered.lines] == [
        ("reversal", 1, -18),
        ("reversal", 2, -24),
        ("reversal", 3, -24),
        ("charge", 4, 12),
    ]
    assert [(a.kind, a.record_ids) for a in metered.anomalies] == [
        ("orphan_stop", ("s0",)),
        ("out_of_order", ("s1", "s0")),
    ]
    assert "s0" not in waiting.no_effect  # fails: waiting.no_effect == ('s0',)
