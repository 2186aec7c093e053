"""An event ordered by its ``seq`` before compacted events the compacted state lost.

The compacted state keeps a resource's last 16 events (its history) and folds the ones
before into its base; an inventory settles the history (it keeps the last ``seq``, not
the events). An event whose ``seq`` orders it before such an event cannot be placed:
batch ``rate()`` applies those events after it (those stamped before it take its
instant), the state could only apply them before it, which bills neither what batch
bills nor what the stream billed. So it is not applied, wherever it is stamped: the feed
says it is too late (not late, not accepted), its one anomaly names the resource and says
that what batch bills of it with the event is not known, and the rater bills the resource
from its other records, exactly as batch ``rate()`` of the records without it
(docs/streaming.md, Known limits). Worked by hand in the comments (daily UTC cycles,
1 EUR a MB*hour; 1 March compacted by the statement at 3 March, 2 March kept closed).
"""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._seq_compacted import MEMORY, MEMORY_PLAN, folded, settled

import ratekit as rk

Record = rk.Event | rk.Inventory
HOURS = rk.Meter("memory", "hour", rk.OnOff())  # the same entry prices it, 1 EUR an hour


def _lost(event: str, kind: str, at: str, last: int) -> str:
    return (
        f"event '{event}' ({kind}) of 'vm' of 'b' stamped {at} is ordered by its seq (0) "
        f"before events of 'vm' in cycles already compacted (the last seq there is {last}) "
        "that the compacted state no longer keeps (an inventory settled its history, or "
        "they were folded into its base): batch rate() applies them after it, the state "
        "could only apply them before it, so it cannot be placed and is not applied. "
        "'vm' is billed from its other records, as if this event had not come; what batch "
        "rate() bills of 'vm' with it, in the compacted cycles and from "
        "2026-03-02T00:00:00Z on, is not known here, and the quantities of 'vm' from then "
        "on cannot be trusted: compare with batch rate() over your stored records. It may "
        "be a replay of an event applied before and forgotten with its compacted cycle."
    )


def _stream(
    records: list[Record],
    later: list[Record],
    end: str,
    *,
    meter: rk.Meter = MEMORY,
    restore: bool = False,
) -> tuple[rk.Feed, dict[int, Decimal], list[rk.Anomaly]]:
    """``records`` fed and stated at 3 March, ``later`` fed after: the second feed, the
    stream's usage per day of March, every anomaly of both statements and feeds."""
    rater = rk.Rater(MEMORY_PLAN, [meter], start="2026-03-01T00:00:00Z")
    first = rater.feed(records)
    statements = [rater.statement("2026-03-03T00:00:00Z")]
    if restore:
        snapshot = json.loads(json.dumps(rater.snapshot()))
        rater = rk.Rater.restore(snapshot, MEMORY_PLAN, [meter])
    feed = rater.feed(later)
    statements.append(rater.statement(end))
    days: dict[int, Decimal] = {}
    for line in (line for s in statements for line in s.lines):
        days[line.cycle.start.day] = days.get(line.cycle.start.day, Decimal(0)) + line.quantity
    said = [a for report in (first, feed, *statements) for a in report.anomalies]
    return feed, days, said


def _batch(records: list[Record], end: str, meter: rk.Meter = MEMORY) -> dict[int, Decimal]:
    """Batch rate()'s usage per day of March, from 1 March to ``end``."""
    span = rk.Span("2026-03-01T00:00:00Z", end)
    days: dict[int, Decimal] = {}
    for charge in rk.rate(records, MEMORY_PLAN, span=span, meters=[meter]).charges:
        days[charge.cycle.start.day] = (
            days.get(charge.cycle.start.day, Decimal(0)) + charge.quantity
        )
    return days


def _named(said: list[rk.Anomaly]) -> list[Decimal]:
    return [a.quantity for a in said if a.kind in {"late", "too_late"} and a.quantity is not None]


def test_an_event_before_events_an_inventory_settled_is_not_applied() -> None:
    # s2 (START seq 2, 1 March 00:48, 1024 MB) and an inventory listing vm (03:24) are
    # compacted with 1 March; s0 (START seq 0, 5 March 11:21, 256 MB) comes after. Batch
    # orders s0 first, s2 takes 11:21: 0 MB until then, 1024 MB after (kept cycles:
    # 12.65 h x 1024 = 12953.6 on 5 March, 24 x 1024 = 24576 on 6 March). The state keeps
    # s2's seq, not s2: s0 is not applied, and vm runs at 1024 MB as without it, 24576
    # a day on 2-6 March (the stream billed 1024 MB from 2 March on and 256 MB from 5
    # March 11:21 before: 3 x 24576 + 11.35 x 1024 + 12.65 x 256 = 88540.8 in 2-5 March).
    (start, listing), early = settled()
    end = "2026-03-07T00:00:00Z"
    for restore in (False, True):
        feed, days, said = _stream([start, listing], [early], end, restore=restore)
        assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("s0",))
        assert [a.message for a in feed.anomalies] == [
            _lost("s0", "start", "2026-03-05T11:21:00Z", 2)
        ]
        assert feed.anomalies[0].quantity is None
        assert _named(said) == []
        # 1 March: 1024 MB from 00:48, 23.2 h: 23756.8; then 24576 a day
        assert days == {1: Decimal("23756.8"), **dict.fromkeys(range(2, 7), Decimal(24576))}
        assert days == _batch([start, listing], end)  # batch without s0
    assert _batch([start, listing, early], end) == {5: Decimal("12953.6"), 6: Decimal(24576)}


def test_an_event_before_events_compaction_folded_is_not_applied() -> None:
    # 20 sequenced events of 1 March (seq 10 to 29, 100 to 119 MB, every 15 minutes from
    # 00:00); the state keeps the last 16 and folds the first four (103 MB). s0 (seq 0,
    # 5 March 12:00) comes after: batch moves all twenty to 5 March 12:00 (12 h x 119 =
    # 1428). s0 is not applied: vm runs at 119 MB as without it, 24 x 119 = 2856 a day on
    # 2-5 March (the stream billed 103 MB from 2 March to 5 March 12:00 before: 2472 a
    # day, 2664 on 5 March).
    events, early = folded()
    end = "2026-03-06T00:00:00Z"
    for restore in (False, True):
        feed, days, said = _stream(events, [early], end, restore=restore)
        assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("s0",))
        assert [a.message for a in feed.anomalies] == [
            _lost("s0", "start", "2026-03-05T12:00:00Z", 29)
        ]
        assert _named(said) == []
        # 1 March: 0.25 h at each of 100..118 MB (0.25 x 2071 = 517.75), then 119 MB
        # from 04:45, 19.25 h (2290.75): 2808.50
        assert days == {1: Decimal("2808.50"), **dict.fromkeys(range(2, 6), Decimal(2856))}
        assert days == _batch(list(events), end)  # batch without s0
    assert _batch([*events, early], end) == {5: Decimal(1428)}


def test_on_off_hours_of_an_event_before_folded_events_are_not_applied_either() -> None:
    # The folded stream of hours: the VM runs from 1 March 00:00 (e0), 24 h a day as
    # without s0; batch with s0 runs it from 5 March 12:00 only (12 h). Before, the
    # statement named 16 "late" parts of 1 March (-0.25 h each for 15, -19.25, +23:
    # -0.25 in all) that no batch bills: 1 March is 24 h without s0, 0 with it.
    events, early = folded()
    end = "2026-03-06T00:00:00Z"
    feed, days, said = _stream(events, [early], end, meter=HOURS)
    assert feed.too_late == ("s0",)
    assert _named(said) == []
    assert days == {1: Decimal(24), **dict.fromkeys(range(2, 6), Decimal(24))}
    assert days == _batch(list(events), end, HOURS)
    assert _batch([*events, early], end, HOURS) == {5: Decimal(12)}


def test_an_event_stamped_in_the_compacted_cycle_before_settled_events() -> None:
    # s0 (START seq 0, 256 MB) stamped 1 March 12:00, after 1 March is compacted: batch
    # applies s0 at 12:00, then s2 (seq 2, 00:48) takes 12:00 too, with its 1024 MB:
    # 24576 a day from 2 March on. Before, s0 was placed after the settled state and
    # held vm at 256 MB (6144 a day) for good, naming -12288 + 3072 on 1 March. Now it is
    # not applied: 24576 a day, as batch; 1 March (billed 23756.8, batch 12 x 1024 =
    # 12288) is not named, the anomaly says it is not known.
    (start, listing), _ = settled()
    early = rk.Event(
        "b", "vm", "2026-03-01T12:00:00Z", {"memory_mb": 256}, kind="start", id="s0", seq=0
    )
    end = "2026-03-07T00:00:00Z"
    feed, days, said = _stream([start, listing], [early], end)
    assert [a.message for a in feed.anomalies] == [_lost("s0", "start", "2026-03-01T12:00:00Z", 2)]
    assert _named(said) == []
    kept = {day: quantity for day, quantity in days.items() if day >= 2}
    assert kept == dict.fromkeys(range(2, 7), Decimal(24576))
    assert _batch([start, listing, early], end) == {1: Decimal(12288), **kept}


def test_an_event_stamped_in_the_compacted_cycle_before_folded_events() -> None:
    # s0 (seq 0, 7 MB) stamped 1 March 12:00: batch moves the twenty to 12:00 (12 h x 119
    # = 1428 on 1 March; 2856 a day after, as the stream). Before, s0 was placed after
    # the folded base and named 17 parts of 1 March adding up to -118.25, where the
    # stream billed 2808.50 - 1428 = 1380.50 more than batch. Now nothing is named.
    events, _ = folded()
    early = rk.Event(
        "b", "vm", "2026-03-01T12:00:00Z", {"memory_mb": 7}, kind="start", id="s0", seq=0
    )
    end = "2026-03-06T00:00:00Z"
    feed, days, said = _stream(events, [early], end)
    assert feed.too_late == ("s0",)
    assert [a.quantity for a in feed.anomalies] == [None]
    assert _named(said) == []
    assert days == _batch(list(events), end)
    assert _batch([*events, early], end) == {1: Decimal(1428), **{d: days[d] for d in range(2, 6)}}


def test_an_event_fed_with_others_orders_none_of_them_after_it() -> None:
    # s0 fed with x (UPDATE seq 40 to 300 MB, stamped 1 March 06:00) and e30 (UPDATE seq
    # 30 to 500 MB, 5 March 18:00). s0 is not applied; x, ordered after e30 (kept),
    # takes 18:00 (out of order), as in batch without s0: 119 MB to 5 March 18:00, 300 MB
    # after. 2-4 March 2856 each; 5 March 18 x 119 + 6 x 300 = 3942.
    events, early = folded()
    x = rk.Event(
        "b", "vm", "2026-03-01T06:00:00Z", {"memory_mb": 300}, kind="update", id="x", seq=40
    )
    e30 = rk.Event(
        "b", "vm", "2026-03-05T18:00:00Z", {"memory_mb": 500}, kind="update", id="e30", seq=30
    )
    end = "2026-03-06T00:00:00Z"
    feed, days, said = _stream(events, [early, x, e30], end)
    assert (feed.late, feed.too_late) == (("x", "e30"), ("s0",))
    assert _named(said) == []
    assert {d: days[d] for d in range(2, 6)} == {2: 2856, 3: 2856, 4: 2856, 5: 3942}
    assert days == _batch([*events, x, e30], end)


_MB = st.integers(1, 4)


@st.composite
def _records(draw: st.DrawFn) -> tuple[list[Record], list[rk.Event]]:
    """Sequenced events of vm on 1 March (14 to 20: some folded, some not), maybe an
    inventory among them, then one to three events fed after 1 March is compacted."""
    count = draw(st.integers(14, 20))
    seqs = draw(st.lists(st.integers(5, 60), min_size=count, max_size=count, unique=True))
    records: list[Record] = []
    for i, seq in enumerate(seqs):
        kind = "start" if i == 0 else draw(st.sampled_from(["start", "update", "update", "stop"]))
        records.append(
            rk.Event(
                "b",
                "vm",
                f"2026-03-01T{i:02d}:00:00Z",
                {"memory_mb": 100 * draw(_MB)},
                kind=kind,
                id=f"e{i}",
                seq=seq,
            )
        )
    if draw(st.booleans()):
        hour = draw(st.integers(0, count))
        listing = rk.Inventory(f"2026-03-01T{hour:02d}:30:00Z", [("b", "vm")], id="inv")
        records.insert(hour, listing)
    later = [
        rk.Event(
            "b",
            "vm",
            f"2026-03-0{draw(st.integers(1, 5))}T{draw(st.integers(0, 23)):02d}:10:00Z",
            {"memory_mb": 100 * draw(_MB)},
            kind=draw(st.sampled_from(["start", "update", "stop"])),
            id=f"s{j}",
            seq=draw(st.integers(0, 70)),
        )
        for j in range(draw(st.integers(1, 3)))
    ]
    return records, later


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(drawn=_records())
def test_the_kept_cycles_bill_as_batch_without_the_events_not_placed(
    drawn: tuple[list[Record], list[rk.Event]],
) -> None:
    # Brute force: batch rate() of every record the rater did not say it could not
    # place. The kept cycles (2-5 March) bill what it bills, a rater restored before the
    # second feed the same; an event said not placed names no quantity.
    records, later = drawn
    end = "2026-03-06T00:00:00Z"
    feed, days, _ = _stream(records, list(later), end)
    unplaced = [
        a for a in feed.anomalies if a.kind == "too_late" and "cannot be placed" in a.message
    ]
    assert all(a.quantity is None for a in unplaced)
    lost = {a.record_ids[0] for a in unplaced}
    oracle = _batch([*records, *(e for e in later if e.id not in lost)], end)
    assert {d: q for d, q in days.items() if d >= 2 and q} == {
        d: q for d, q in oracle.items() if d >= 2 and q
    }
    _, again, _ = _stream(records, list(later), end, restore=True)
    assert again == days
