"""Faults an electricity provider met (pinned as strict xfails, now fixed), and their contrasts.

Each test says the minimal input and what the docs promise.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests import _energy_sites as e

import ratekit as rk

EGRESS = rk.Meter("egress", "B", rk.Counter())
HOURLY = rk.Plan(
    "p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("egress", "egress", rk.PerUnit("0.001"))]
)


def reading(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "ip-1", "egress", at, value, kind="counter", id=record_id)


def seed_002(stamp: str) -> rk.Statement:
    """docs/streaming.md's counter: 0 at 09:30, 500 at 09:50, then a reading fed after 09:00 closed."""
    counter = rk.Rater(HOURLY, [EGRESS], start="2026-03-01T09:00:00Z")
    counter.feed(
        [reading("2026-03-01T09:30:00Z", 0, "r0"), reading("2026-03-01T09:50:00Z", 500, "r1")]
    )
    counter.statement("2026-03-01T10:05:00Z")  # 09:00 closes with 500 B
    assert counter.feed([reading(stamp, 1000, "r2")]).accepted == ("r2",)
    return counter.statement("2026-03-01T10:15:00Z")


def test_the_docs_late_anomaly_for_a_reading_stamped_after_the_watermark() -> None:
    # As docs/streaming.md shows ("A record on time that reaches a closed cycle").
    fixed = seed_002("2026-03-01T10:10:00Z")
    assert [(line.role, line.quantity, line.late) for line in fixed.lines] == [
        ("reversal", Decimal(-500), True),
        ("correction", Decimal(750), True),
        ("charge", Decimal(250), False),
    ]
    assert [(a.kind, a.record_ids[0]) for a in fixed.anomalies] == [("late", "r2")]


def test_a_delta_stamped_before_the_watermark_that_reaches_a_closed_cycle_is_said_late() -> None:
    # The contrast: a delta over a span from a closed cycle is listed in feed.late, wherever
    # it is stamped (docs/streaming.md, "Closing and lateness").
    charged = rk.Meter("charged", "kWh", rk.Discrete())
    plan = rk.Plan("p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("c", "charged", rk.PerUnit(1))])
    rater = rk.Rater(plan, [charged], start="2026-03-01T09:00:00Z")
    rater.feed([rk.Sample("cs", "plug", "charged", "2026-03-01T09:30:00Z", 5, id="a")])
    rater.statement("2026-03-01T10:05:00Z")
    delivered = rk.Sample(
        "cs", "plug", "charged", "2026-03-01T10:03:00Z", 13, since="2026-03-01T09:50:00Z", id="b"
    )
    assert rater.feed([delivered]).late == ("b",)
    # 13 kWh over 13 minutes, 10 of them in 09:00: 5 + 10 = 15 there, 3 in 10:00.
    assert [
        (line.role, line.quantity, line.late)
        for line in rater.statement("2026-03-01T10:15:00Z").lines
    ] == [
        ("reversal", Decimal(-5), True),
        ("correction", Decimal(15), True),
        ("charge", Decimal(3), False),
    ]


def test_a_reading_stamped_before_the_watermark_that_corrects_a_closed_cycle_says_why() -> None:
    # Minimal input: hourly cycles, no horizon; 0 at 09:30 and 500 at 09:50; a statement at
    # 10:05 closes 09:00 with 500 B; then 1000 stamped 10:03 (before the watermark, in the
    # open 10:00 cycle) is fed. 500 B over 09:50..10:03 (13 min), 10 of them in 09:00:
    # 09:00 now has 500 + 500 x 10/13 = 884.615... B, and the statement at 10:15 corrects it.
    fixed = seed_002("2026-03-01T10:03:00Z")
    assert [(line.role, line.late) for line in fixed.lines] == [
        ("reversal", True),
        ("correction", True),
        ("charge", False),
    ]
    assert fixed.lines[1].quantity == Decimal("884.615384615384615384615385")
    # The feed lists r2 as accepted only (not late: it is stamped in an open cycle); the
    # statement that meters it gives the "late" anomaly the docs show, naming r2, as when
    # r2 is stamped after the watermark (or a delta's feed.late, above).
    (anomaly,) = fixed.anomalies
    assert (anomaly.kind, anomaly.record_ids[0], anomaly.resource) == ("late", "r2", "ip-1")
    assert (
        "its increment counts from the previous reading at 2026-03-01T09:50:00Z, in a cycle closed"
        in anomaly.message
    )


def test_a_new_meters_first_reading_after_march_closed_says_why_march_changed() -> None:
    plan = rk.Plan(
        "plain", "EUR", e.PARIS, [rk.PriceEntry("energy", "energy", e.tiers(e.OLD_TIERS))]
    )
    rater = rk.Rater(
        plan, [e.ENERGY], start="2026-03-01T00:00:00+01:00", horizon=dt.timedelta(days=3)
    )
    rater.feed(
        [
            e.reading("hh", "s", "2026-03-30T12:00:00+02:00", 0, "r0"),
            e.reading("hh", "s", "2026-03-31T12:00:00+02:00", 10, "r1"),
        ]
    )
    assert [i.total for i in rater.statement("2026-04-04T00:00:00+02:00").invoices] == [
        Decimal("2.00")
    ]
    rater.feed([e.reading("hh", "s", "2026-04-01T12:00:00+02:00", 50, "r2")])
    statement = rater.statement("2026-04-05T00:00:00+02:00")
    # 40 kWh over 24 h, 12 h of them in March: March goes from 10 to 30 kWh.
    assert [(line.role, line.quantity, line.late) for line in statement.lines] == [
        ("reversal", Decimal(-10), True),
        ("correction", Decimal(30), True),
        ("charge", Decimal(20), False),
    ]
    assert [(a.kind, a.record_ids[0]) for a in statement.anomalies] == [("late", "r2")]


def test_a_charging_sessions_first_register_reading_that_reaches_a_closed_cycle_says_why() -> None:
    # A charger's session register counts from 0 at the session's START (docs/usage.md:
    # Counter(from_zero=True) spreads the first reading from the START). Minimal input:
    # hourly cycles, no horizon; START at 09:50; a statement at 10:05 closes 09:00 (nothing
    # to charge yet); the first reading, 13 kWh at 10:10, is spread over 09:50..10:10: 6.5
    # to 09:00 (closed: a late charge) and 6.5 to 10:00.
    session = rk.Meter("session", "kWh", rk.Counter(from_zero=True))
    plan = rk.Plan("p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("c", "session", rk.PerUnit(1))])
    rater = rk.Rater(plan, [session], start="2026-03-01T09:00:00Z")
    rater.feed([rk.Event("cs", "plug", "2026-03-01T09:50:00Z", kind="start", id="s")])
    rater.statement("2026-03-01T10:05:00Z")
    register = rk.Sample(
        "cs", "plug", "session", "2026-03-01T10:10:00Z", 13, kind="counter", id="k"
    )
    assert rater.feed([register]).accepted == ("k",)
    statement = rater.statement("2026-03-01T10:15:00Z")
    assert [(line.role, line.quantity, line.late) for line in statement.lines] == [
        ("charge", Decimal("6.5"), True),
        ("charge", Decimal("6.5"), False),
    ]
    # docs/streaming.md, "A record on time that reaches a closed cycle": a "late" anomaly
    # naming k, the reading whose effect reached the closed cycle.
    assert [(a.kind, a.record_ids[0]) for a in statement.anomalies] == [("late", "k")]
