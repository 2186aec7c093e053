"""Versions of one id in one batch, stamped before the kept cycles: judged as when kept.

Of two versions of one id in a batch (same id, other content), one stands and the
other is ``conflicting``, whether their cycles are kept or compacted: the one that
stands is the one `ratekit._versions.standing()` picks (of two events, the greater
``seq``), the very one a rater keeping their cycle keeps. A replay of a record in its
own batch is a duplicate, too late or not. Worked by hand in the comments.

Setup: daily UTC cycles, ``vm.hours`` on/off at 1 EUR an hour; ``vm-1`` of ``acme``
started 1 March 00:00 and running.
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
START = rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="s")
# Two versions of the STOP ``d``: the one with the greater seq stands.
AT_TWO = rk.Event("acme", "vm-1", "2026-03-01T02:00:00Z", kind="stop", id="d", seq=2)
AT_THREE = rk.Event("acme", "vm-1", "2026-03-01T03:00:00Z", kind="stop", id="d", seq=1)


def _rater(compacted: bool) -> rk.Rater:
    """``START`` fed; with ``compacted``, 1 and 2 March compacted (3 March kept)."""
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([START])
    if compacted:
        rater.statement("2026-03-04T00:00:00Z")
    return rater


def test_two_versions_in_a_kept_cycle_one_stands_the_other_conflicts() -> None:
    rater = _rater(compacted=False)
    feed = rater.feed([AT_THREE, AT_TWO])
    assert (feed.accepted, feed.conflicting, feed.too_late) == (("d",), ("d",), ())
    # The 02:00 version (seq 2) stands: 00:00 -> 02:00 = 2 h.
    [line] = rater.statement("2026-03-02T00:00:00Z").lines
    assert (line.quantity, line.record_ids) == (Decimal(2), ("d", "s"))


def test_two_versions_too_late_one_is_placed_the_other_conflicts() -> None:
    for batch in ([AT_THREE, AT_TWO], [AT_TWO, AT_THREE]):
        rater = _rater(compacted=True)
        feed = rater.feed(batch)
        assert feed.counts == {
            "accepted": 0,
            "duplicates": 0,
            "conflicting": 1,
            "late": 0,
            "too_late": 1,
        }
        assert (feed.conflicting, feed.too_late) == (("d",), ("d",))
        # The same version stands as above: the 02:00 STOP is placed; 1 March billed
        # 24 h, batch 2 h (-22); 2 March billed 24 h, batch 0 (-24): -46 h not applied.
        [anomaly] = feed.anomalies
        assert (anomaly.kind, anomaly.quantity, anomaly.record_ids) == (
            "too_late",
            Decimal(-46),
            ("d",),
        )
        assert "stamped 2026-03-01T02:00:00Z" in anomaly.message
        # Its effect from 3 March on is applied: 3 March's 24 h reversed, nothing else.
        lines = rater.statement("2026-03-05T00:00:00Z").lines
        assert [(x.role, x.cycle.start.day, x.quantity) for x in lines] == [
            ("reversal", 3, Decimal(-24))
        ]


def test_without_seq_the_version_standing_is_the_one_a_kept_cycle_keeps() -> None:
    # No seq: the version whose content has the smaller digest stands, too late or not.
    two = rk.Event("acme", "vm-1", "2026-03-01T02:00:00Z", kind="stop", id="d")
    three = rk.Event("acme", "vm-1", "2026-03-01T03:00:00Z", kind="stop", id="d")
    kept = _rater(compacted=False)
    feed = kept.feed([two, three])
    assert (feed.accepted, feed.conflicting, feed.too_late) == (("d",), ("d",), ())
    [line] = kept.statement("2026-03-02T00:00:00Z").lines
    hours = line.quantity  # 2 or 3: the hours to the version that stands
    assert hours in {Decimal(2), Decimal(3)}
    for batch in ([two, three], [three, two]):
        late = _rater(compacted=True)
        feed = late.feed(batch)
        assert (feed.conflicting, feed.too_late) == (("d",), ("d",))
        # 1 March billed 24 h, batch ``hours``; 2 March 24 h, batch 0.
        assert [a.quantity for a in feed.anomalies] == [hours - 24 - 24]


def test_a_too_late_version_and_a_kept_version_of_one_id_one_stands() -> None:
    # The too-late 02:00 STOP (seq 2) stands; its kept version (3 March 02:00, seq 1) is
    # conflicting, not applied as well.
    kept_version = rk.Event("acme", "vm-1", "2026-03-03T02:00:00Z", kind="stop", id="d", seq=1)
    rater = _rater(compacted=True)
    feed = rater.feed([kept_version, AT_TWO])
    assert (feed.accepted, feed.conflicting, feed.too_late) == ((), ("d",), ("d",))
    assert [a.quantity for a in feed.anomalies] == [Decimal(-46)]  # as above
    lines = rater.statement("2026-03-05T00:00:00Z").lines
    assert [(x.role, x.cycle.start.day, x.quantity) for x in lines] == [
        ("reversal", 3, Decimal(-24))
    ]
    # The kept version standing (seq 3): 3 March bills 00:00 -> 02:00 = 2 h; the too-late
    # one is conflicting and changes nothing in the compacted state.
    stands = rk.Event("acme", "vm-1", "2026-03-03T02:00:00Z", kind="stop", id="d", seq=3)
    rater = _rater(compacted=True)
    feed = rater.feed([AT_TWO, stands])
    assert (feed.late, feed.conflicting, feed.too_late, feed.anomalies) == (("d",), ("d",), (), ())
    lines = rater.statement("2026-03-05T00:00:00Z").lines
    assert [(x.role, x.cycle.start.day, x.quantity, x.record_ids) for x in lines] == [
        ("reversal", 3, Decimal(-24), ()),
        ("correction", 3, Decimal(2), ("d", "s")),
    ]


def test_a_too_late_record_replayed_in_its_batch_is_a_duplicate() -> None:
    rater = _rater(compacted=True)
    feed = rater.feed([AT_TWO, AT_TWO])
    assert (feed.duplicates, feed.too_late) == (("d",), ("d",))
    assert [a.quantity for a in feed.anomalies] == [Decimal(-46)]  # once: 22 + 24 h
    # Without an id, a record is known by its content: its replay too.
    anonymous = rk.Event("acme", "vm-1", "2026-03-01T02:00:00Z", kind="stop")
    rater = _rater(compacted=True)
    feed = rater.feed([anonymous, anonymous])
    assert feed.counts["duplicates"] == 1
    assert feed.counts["too_late"] == 1
    assert [a.quantity for a in feed.anomalies] == [Decimal(-46)]


def test_a_too_late_id_taken_by_another_kind_in_its_batch_conflicts() -> None:
    # One id space across kinds, as in rate(): the sample stamped 2 March under the id of
    # the too-late STOP is conflicting (events are judged before samples).
    calls = rk.Meter("calls", "call", rk.Discrete())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)),
            rk.PriceEntry("c", "calls", rk.PerUnit(1)),
        ],
    )
    rater = rk.Rater(plan, [VM, calls], start="2026-03-01T00:00:00Z")
    rater.feed([START])
    rater.statement("2026-03-04T00:00:00Z")
    sample = rk.Sample("acme", "fn", "calls", "2026-03-02T00:00:00Z", 5, id="d")
    feed = rater.feed([sample, AT_TWO])
    assert (feed.conflicting, feed.too_late) == (("d",), ("d",))
    assert [a.quantity for a in feed.anomalies] == [Decimal(-46)]
