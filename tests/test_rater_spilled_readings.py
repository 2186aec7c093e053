"""A counter reading on time whose increment reaches a closed cycle is said "late", wherever stamped.

docs/streaming.md, "A record on time that reaches a closed cycle": every correction of a
closed cycle is explained by an anomaly. A reading fed after a statement but stamped
before its watermark, in an open cycle, is not pending (the watermark passed it): it is
metered again with its resource, and the statement that does so names it when its
increment (from the previous reading, or a first reading from zero from its running
stretch's start) reaches the last closed cycle, as for a reading stamped after the
watermark. Whatever the order the readings arrive in, and across snapshot and restore.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import ratekit as rk

EGRESS = rk.Meter("egress", "B", rk.Counter())
HOURLY = rk.Plan(
    "p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("egress", "egress", rk.PerUnit("0.001"))]
)
SESSION = rk.Meter("session", "kWh", rk.Counter(from_zero=True))
SESSIONS = rk.Plan("s", "EUR", rk.cycles.hourly(), [rk.PriceEntry("c", "session", rk.PerUnit(1))])
DAILY = rk.Plan(
    "d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("egress", "egress", rk.PerUnit("0.001"))]
)


def reading(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "ip-1", "egress", at, value, kind="counter", id=record_id)


def _closed_at_1005(late: str = "correct") -> rk.Rater:
    """0 B at 09:30 and 500 B at 09:50; the statement at 10:05 closes 09:00 with 500 B."""
    rater = rk.Rater(HOURLY, [EGRESS], start="2026-03-01T09:00:00Z", late=late)  # type: ignore[arg-type]
    rater.feed(
        [reading("2026-03-01T09:30:00Z", 0, "r0"), reading("2026-03-01T09:50:00Z", 500, "r1")]
    )
    assert rater.statement("2026-03-01T10:05:00Z").invoices[0].total == Decimal("0.50")
    return rater


def _rows(statement: rk.Statement) -> list[tuple[str, str, Decimal, bool]]:
    return [(x.role, f"{x.cycle.start:%H:%M}", x.quantity, x.late) for x in statement.lines]


def _said(statement: rk.Statement) -> list[tuple[str, tuple[str, ...], str | None]]:
    return [(a.kind, a.record_ids, a.resource) for a in statement.anomalies]


# 1000 B at 10:03 counts 500 B from 09:50 over 13 minutes, 10 of them in 09:00:
# 500 x 10/13 = 384.615384615384615384615384615... (to 1E-24: ...385) there, so 09:00 has
# 884.615384615384615384615385 B; 500 x 3/13 = 115.384615384615384615384615 B in 10:00.
AT_1003 = [
    ("reversal", "09:00", Decimal(-500), True),
    ("correction", "09:00", Decimal("884.615384615384615384615385"), True),
    ("charge", "10:00", Decimal("115.384615384615384615384615"), False),
]
WORDS_1003 = (
    "sample 'r2' (egress, 1000) stamped 2026-03-01T10:03:00Z was not late, but its increment "
    "counts from the previous reading at 2026-03-01T09:50:00Z, in a cycle closed (up to "
    "2026-03-01T10:00:00Z): the closed lines of 'ip-1' of 'acme' it changed (the cycle ending "
    "2026-03-01T10:00:00Z) are {}. A horizon as long as the gap between two signs of life of "
    "a resource keeps such changes in open cycles."
)


def test_a_reading_behind_the_watermark_is_named_once() -> None:
    rater = _closed_at_1005()
    assert rater.feed([reading("2026-03-01T10:03:00Z", 1000, "r2")]).accepted == ("r2",)
    fixed = rater.statement("2026-03-01T10:15:00Z")
    assert _rows(fixed) == AT_1003
    assert _said(fixed) == [("late", ("r2",), "ip-1")]
    assert fixed.anomalies[0].message == WORDS_1003.format(
        "corrected on the next open invoice (late='correct')"
    )
    # Said once: the next statement (closing 10:00, which names r2 in its charges) is quiet.
    after = rater.statement("2026-03-01T11:05:00Z")
    assert (after.lines, after.anomalies, after.no_effect) == ((), (), ())
    # 10:00 closes with its own 115.384... B x 0.001 = 0.1153..., 0.12 to the cent.
    assert [i.total for i in after.invoices] == [Decimal("0.12")]


def test_a_reading_behind_the_watermark_under_late_report() -> None:
    rater = _closed_at_1005("report")
    rater.feed([reading("2026-03-01T10:03:00Z", 1000, "r2")])
    fixed = rater.statement("2026-03-01T10:15:00Z")
    assert _rows(fixed) == AT_1003[2:]
    assert [(x.role, x.quantity, x.late) for x in fixed.reported_only] == [
        (role, quantity, late) for role, _, quantity, late in AT_1003[:2]
    ]
    assert fixed.anomalies[0].message == WORDS_1003.format("reported only (late='report')")


def test_a_reading_behind_the_watermark_across_snapshot_and_restore() -> None:
    rater = _closed_at_1005()
    rater.feed([reading("2026-03-01T10:03:00Z", 1000, "r2")])
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), HOURLY, [EGRESS])
    fixed = restored.statement("2026-03-01T10:15:00Z")
    assert _rows(fixed) == AT_1003
    assert _said(fixed) == [("late", ("r2",), "ip-1")]
    assert _rows(rater.statement("2026-03-01T10:15:00Z")) == AT_1003  # the original too


def test_the_earlier_of_two_readings_listed_later_first_is_named() -> None:
    rater = _closed_at_1005()
    feed = rater.feed(
        [reading("2026-03-01T10:04:00Z", 1100, "r3"), reading("2026-03-01T10:03:00Z", 1000, "r2")]
    )
    assert feed.accepted == ("r3", "r2")
    fixed = rater.statement("2026-03-01T10:15:00Z")
    # As above, and r3's 100 B from r2 at 10:03 all in 10:00: 115.38... + 100.
    assert _rows(fixed) == [
        *AT_1003[:2],
        ("charge", "10:00", Decimal("215.384615384615384615384615"), False),
    ]
    assert _said(fixed) == [("late", ("r2",), "ip-1")]  # r3 counts from r2: in 10:00 only


def test_a_reading_at_the_closed_cycles_end_is_named() -> None:
    # 1000 B at 10:00, fed after the statement at 10:05: its 500 B from 09:50 lie in
    # 09:00 whole (500 + 500 = 1000 there), and nothing in 10:00.
    rater = _closed_at_1005()
    assert rater.feed([reading("2026-03-01T10:00:00Z", 1000, "r2")]).accepted == ("r2",)
    fixed = rater.statement("2026-03-01T10:15:00Z")
    assert _rows(fixed) == [
        ("reversal", "09:00", Decimal(-500), True),
        ("correction", "09:00", Decimal(1000), True),
    ]
    assert _said(fixed) == [("late", ("r2",), "ip-1")]
    after = rater.statement("2026-03-01T11:05:00Z")
    assert (after.anomalies, after.no_effect) == ((), ())


def test_a_reading_that_counts_from_an_open_cycle_is_not_named() -> None:
    # The contrast: a reading at 10:01 (known at 10:05) stands between; 1000 B at 10:03
    # counts 400 B from its 600 B, all in 10:00: no closed cycle changes.
    rater = rk.Rater(HOURLY, [EGRESS], start="2026-03-01T09:00:00Z")
    rater.feed(
        [
            reading("2026-03-01T09:30:00Z", 0, "r0"),
            reading("2026-03-01T09:50:00Z", 500, "r1"),
            reading("2026-03-01T10:01:00Z", 600, "r1b"),
        ]
    )
    rater.statement("2026-03-01T10:05:00Z")
    rater.feed([reading("2026-03-01T10:03:00Z", 1000, "r2")])
    fixed = rater.statement("2026-03-01T10:15:00Z")
    # 10:00 had 100 B x 1/11 = 9.09... of r1b; now 409.09... (r2 moved it behind 10:05).
    assert _rows(fixed) == [
        ("reversal", "10:00", Decimal("-9.090909090909090909090909"), False),
        ("correction", "10:00", Decimal("409.090909090909090909090909"), False),
    ]
    assert fixed.anomalies == ()


def test_a_late_reading_is_said_by_its_feed_not_by_a_late_anomaly() -> None:
    # A reading stamped in the closed cycle is late (feed.late): that says why 09:00
    # changes; the reading at 10:03, known at 10:05 and counted then, is not named.
    rater = rk.Rater(HOURLY, [EGRESS], start="2026-03-01T09:00:00Z")
    rater.feed(
        [
            reading("2026-03-01T09:30:00Z", 0, "r0"),
            reading("2026-03-01T09:50:00Z", 500, "r1"),
            reading("2026-03-01T10:03:00Z", 1000, "r2"),
        ]
    )
    rater.statement("2026-03-01T10:05:00Z")  # 09:00: 884.615384615384615384615385 B
    assert rater.feed([reading("2026-03-01T09:55:00Z", 800, "r9")]).late == ("r9",)
    fixed = rater.statement("2026-03-01T10:15:00Z")
    # 09:00: 300 B from 09:50 to 09:55, and 200 B x 5/8 from 09:55 to 10:03 = 425 more:
    # 500 + 300 + 125 = 925; 10:00: 200 x 3/8 = 75.
    assert _rows(fixed) == [
        ("reversal", "09:00", Decimal("-884.615384615384615384615385"), True),
        ("correction", "09:00", Decimal(925), True),
        ("reversal", "10:00", Decimal("-115.384615384615384615384615"), False),
        ("correction", "10:00", Decimal(75), False),
    ]
    assert fixed.anomalies == ()


def test_a_reading_two_days_after_the_closed_one_it_reaches() -> None:
    # Daily cycles, a 2-day horizon: 1 March closes at 4 March 00:00, 2 and 3 March are
    # open. 0 B at 1 March 00:00, 100 B at 12:00; then 400 B stamped 3 March 12:00 (before
    # the watermark, two cycles on) counts 300 B over 48 hours: 12 h in 1 March (75 B),
    # 24 h in 2 March (150 B), 12 h in 3 March (75 B).
    rater = rk.Rater(DAILY, [EGRESS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=2))
    rater.feed(
        [reading("2026-03-01T00:00:00Z", 0, "r0"), reading("2026-03-01T12:00:00Z", 100, "r1")]
    )
    assert [i.total for i in rater.statement("2026-03-04T00:00:00Z").invoices] == [Decimal("0.10")]
    assert rater.feed([reading("2026-03-03T12:00:00Z", 400, "r2")]).accepted == ("r2",)
    fixed = rater.statement("2026-03-04T06:00:00Z")
    assert [(x.role, x.cycle.start.day, x.quantity, x.late) for x in fixed.lines] == [
        ("reversal", 1, Decimal(-100), True),
        ("correction", 1, Decimal(175), True),
        ("charge", 2, Decimal(150), False),
        ("charge", 3, Decimal(75), False),
    ]
    (anomaly,) = fixed.anomalies
    assert (anomaly.kind, anomaly.record_ids, anomaly.resource) == ("late", ("r2",), "ip-1")
    assert "counts from the previous reading at 2026-03-01T12:00:00Z" in anomaly.message
    assert "(the cycle ending 2026-03-02T00:00:00Z)" in anomaly.message


def _session(start: str) -> rk.Rater:
    rater = rk.Rater(SESSIONS, [SESSION], start="2026-03-01T09:00:00Z")
    rater.feed([rk.Event("cs", "plug", start, kind="start", id="s")])
    assert rater.statement("2026-03-01T10:05:00Z").invoices == ()  # nothing to charge
    return rater


def _register(at: str, value: int) -> rk.Sample:
    return rk.Sample("cs", "plug", "session", at, value, kind="counter", id="k")


def test_a_first_reading_from_zero_behind_the_watermark_whose_start_is_closed() -> None:
    # START at 09:50 (09:00 closed at 10:05 with nothing); 13 kWh stamped 10:03 and fed
    # after: spread over 09:50..10:03, 10 minutes of 13 in 09:00 (10 kWh), 3 in 10:00.
    rater = _session("2026-03-01T09:50:00Z")
    assert rater.feed([_register("2026-03-01T10:03:00Z", 13)]).accepted == ("k",)
    statement = rater.statement("2026-03-01T10:15:00Z")
    assert _rows(statement) == [
        ("charge", "09:00", Decimal(10), True),
        ("charge", "10:00", Decimal(3), False),
    ]
    assert _said(statement) == [("late", ("k",), "plug")]
    assert statement.anomalies[0].message.startswith(
        "sample 'k' (session, 13) stamped 2026-03-01T10:03:00Z was not late, but it counts "
        "from zero from the start of its resource's running stretch at 2026-03-01T09:50:00Z, "
        "in a cycle closed (up to 2026-03-01T10:00:00Z)"
    )


def test_a_first_reading_from_zero_after_a_restore() -> None:
    # Stamped after the watermark this time, the snapshot taken between feed and
    # statement: 13 kWh over 09:50..10:10, 6.5 to 09:00 and 6.5 to 10:00.
    rater = _session("2026-03-01T09:50:00Z")
    rater.feed([_register("2026-03-01T10:10:00Z", 13)])
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), SESSIONS, [SESSION])
    statement = restored.statement("2026-03-01T10:15:00Z")
    assert _rows(statement) == [
        ("charge", "09:00", Decimal("6.5"), True),
        ("charge", "10:00", Decimal("6.5"), False),
    ]
    assert _said(statement) == [("late", ("k",), "plug")]


def test_a_first_reading_from_zero_of_a_stretch_begun_in_an_open_cycle_is_not_named() -> None:
    # The START at 09:50 is closed, but a STOP at 10:01 and a START at 10:02 begin a new
    # stretch: 13 kWh at 10:04 count over 10:02..10:04, all in 10:00.
    rater = _session("2026-03-01T09:50:00Z")
    rater.feed(
        [
            rk.Event("cs", "plug", "2026-03-01T10:01:00Z", kind="stop", id="t"),
            rk.Event("cs", "plug", "2026-03-01T10:02:00Z", kind="start", id="s2"),
        ]
    )
    rater.feed([_register("2026-03-01T10:04:00Z", 13)])
    statement = rater.statement("2026-03-01T10:15:00Z")
    assert _rows(statement) == [("charge", "10:00", Decimal(13), False)]
    assert statement.anomalies == ()


def test_a_last_seen_inventory_behind_the_watermark_is_named() -> None:
    # A START at 09:10 and a sign of life at 09:40; 09:00 closes at 10:05 with 50 minutes
    # (0.8333... h) and 10:00 has 5 (0.0833... h). An inventory stamped 10:03, fed after,
    # lists nothing: it closes the VM at 09:40, 30 minutes (0.5 h) in 09:00, none in 10:00.
    vm = rk.Meter("vm", "hour", rk.OnOff())
    calls = rk.Meter("calls", "call", rk.Discrete())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.hourly(),
        [rk.PriceEntry("vm", "vm", rk.PerUnit(1)), rk.PriceEntry("c", "calls", rk.PerUnit(0))],
    )
    rater = rk.Rater(plan, [vm, calls], start="2026-03-01T09:00:00Z")
    rater.feed(
        [
            rk.Event("a", "x", "2026-03-01T09:10:00Z", kind="start", id="s"),
            rk.Sample("a", "x", "calls", "2026-03-01T09:40:00Z", 1, id="c1"),
        ]
    )
    rater.statement("2026-03-01T10:05:00Z")
    inventory = rk.Inventory("2026-03-01T10:03:00Z", [], close="last_seen", id="inv")
    assert rater.feed([inventory]).accepted == ("inv",)
    fixed = rater.statement("2026-03-01T10:15:00Z")
    assert _rows(fixed) == [
        ("reversal", "09:00", Decimal("-0.833333333333333333333333"), True),
        ("correction", "09:00", Decimal("0.5"), True),
        ("reversal", "10:00", Decimal("-0.083333333333333333333333"), False),
    ]
    assert [(a.kind, a.record_ids) for a in fixed.anomalies] == [
        ("late", ("inv",)),
        ("reconciled_close", ("inv", "s")),
    ]
    assert fixed.anomalies[0].message.startswith(
        "inventory 'inv' stamped 2026-03-01T10:03:00Z was not late, but it closes each "
        "resource it does not list at its last sign of life, in a cycle closed (up to "
        "2026-03-01T10:00:00Z): the closed lines of 'x' of 'a' it changed"
    )


def test_a_first_reading_from_zero_of_a_stretch_an_update_opened_in_a_closed_cycle() -> None:
    # An UPDATE at 09:50 opens a resource not known before (docs/usage.md: the stretch
    # starts at "the instant an update ... opened the resource"): as a START there, the
    # 13 kWh at 10:03 spread 10 to 09:00 (closed) and 3 to 10:00, and the reading is named.
    rater = rk.Rater(SESSIONS, [SESSION], start="2026-03-01T09:00:00Z")
    rater.feed([rk.Event("cs", "plug", "2026-03-01T09:50:00Z", {"plug": "a"}, kind="update")])
    rater.statement("2026-03-01T10:05:00Z")
    rater.feed([_register("2026-03-01T10:03:00Z", 13)])
    statement = rater.statement("2026-03-01T10:15:00Z")
    assert _rows(statement) == [
        ("charge", "09:00", Decimal(10), True),
        ("charge", "10:00", Decimal(3), False),
    ]
    assert _said(statement) == [("late", ("k",), "plug")]
