"""Parts before the kept cycles named as values, for events ordered by ``seq``.

An event whose ``seq`` orders it before compacted events (or after kept ones, though
stamped in a compacted cycle) changes what the compacted cycles billed: the rater cannot
apply that part, and names it, per meter, cycle and description, in ``"too_late"`` and
``"late"`` anomalies with their ``meter`` and ``quantity``. Each test works the parts by
hand and checks that the stream's lines plus the parts named are batch ``rate()``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from tests._seq_compacted import MEMORY, MEMORY_PLAN, folded, settled

import ratekit as rk

METERS = [rk.Meter("runtime", "hour", rk.OnOff())]
#: 1 EUR an hour whatever the VM is.
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("runtime", "runtime", rk.PerUnit(1))]
)
#: 1 EUR per VM hour of flavor "s", 10 of flavor "b".
FLAVORS = rk.Plan(
    "f",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("s", "runtime", rk.PerUnit(1), where={"f": "s"}),
        rk.PriceEntry("b", "runtime", rk.PerUnit(10), where={"f": "b"}),
    ],
)


def test_a_part_over_several_compacted_cycles_is_named_in_each() -> None:
    # vm starts 27 March 12:00 (seq 84); at 30 March 00:00 the 27th and 28th are compacted
    # (the 29th kept). A START stamped 29 March 18:00 with seq 64 comes before it: batch
    # moves the first START there (out of order), so the VM runs from 29 March 18:00.
    # The stream billed 12 h on the 27th and 24 h on the 28th: the statement after names
    # -12 and -24, one "late" change per compacted cycle (only the first was said).
    first = rk.Event("a", "vm", "2026-03-27T12:00:00Z", {"f": "s"}, kind="start", id="r2", seq=84)
    again = rk.Event("a", "vm", "2026-03-29T18:00:00Z", {"f": "s"}, kind="start", id="r3", seq=64)
    rater = rk.Rater(FLAVORS, METERS, start="2026-03-27T00:00:00Z")
    rater.feed([first])
    billed = rater.statement("2026-03-30T00:00:00Z").total()  # 12 + 24 + 24 h at 1
    assert billed == Decimal(60)
    (refused,) = rater.feed([again]).anomalies
    assert (refused.kind, refused.quantity) == ("too_late", None)
    statement = rater.statement("2026-04-03T00:00:00Z")
    billed += statement.total()  # 29th: -24 + 6; 30th to 2 April: 4 * 24
    assert billed == Decimal(138)
    late = [(a.at, a.meter, a.quantity) for a in statement.anomalies if a.kind == "late"]
    assert late == [
        (dt.datetime(2026, 3, 27, 12, tzinfo=dt.UTC), "runtime", Decimal(-12)),
        (dt.datetime(2026, 3, 28, tzinfo=dt.UTC), "runtime", Decimal(-24)),
    ]
    batch = rk.rate([first, again], FLAVORS, meters=METERS, as_of="2026-04-03T00:00:00Z",
                    span=rk.Span("2026-03-27T00:00:00Z", "2026-04-03T00:00:00Z"))  # fmt: skip
    # 6 h on the 29th and 4 * 24 after: 102 = 138 - 12 - 24
    assert batch.total() == Decimal(102) == billed + sum(q for _, _, q in late)


def test_a_start_ordered_before_a_compacted_delete_names_its_part_as_it_ran() -> None:
    # vm runs as flavor b (10 EUR an hour) from 27 March 15:00; a DELETE (seq 75) at 29
    # March 21:00. The 27th to the 30th are compacted when a START of flavor s (seq 42)
    # stamped 30 March 04:00 comes: ordered before the DELETE, which then takes effect at
    # 04:00 (out of order), so the VM ran 7 more hours, as flavor b: its part is named
    # under {'f': 'b'} (it was named under {}, the deleted state's, which no price selects).
    start = rk.Event("a", "vm", "2026-03-27T15:00:00Z", {"f": "b"}, kind="start", id="r14")
    delete = rk.Event("a", "vm", "2026-03-29T21:00:00Z", kind="delete", id="r15", seq=75)
    late = rk.Event("a", "vm", "2026-03-30T04:00:00Z", {"f": "s"}, kind="start", id="r16", seq=42)
    rater = rk.Rater(FLAVORS, METERS, start="2026-03-27T00:00:00Z", horizon=dt.timedelta(hours=3))
    rater.feed([delete, start])
    billed = rater.statement("2026-04-01T11:00:00Z").total()  # 9 + 24 + 21 h at 10
    assert billed == Decimal(540)
    feed = rater.feed([late])
    assert feed.too_late == ("r16",)
    ((anomaly),) = feed.anomalies
    assert (anomaly.meter, anomaly.quantity) == ("runtime", Decimal(7))
    assert "7 hour under description {'f': 'b'}" in anomaly.message
    billed += rater.statement("2026-04-03T00:00:00Z").total()
    assert billed == Decimal(540)
    batch = rk.rate([start, delete, late], FLAVORS, meters=METERS, as_of="2026-04-03T00:00:00Z",
                    span=rk.Span("2026-03-27T00:00:00Z", "2026-04-03T00:00:00Z"))  # fmt: skip
    # 9 + 24 + 24 + 4 = 61 h at 10: 610 = 540 + 7 * 10
    assert batch.total() == Decimal(610) == billed + 7 * 10


def _late_parts(statement: rk.Statement) -> list[tuple[int, str, Decimal]]:
    """The statement's "late" parts, by day: (day, description as shown, quantity)."""
    return sorted(
        (a.at.day, a.message.split(" under description ")[1].split(" over ")[0], a.quantity)
        for a in statement.anomalies
        if a.kind == "late" and a.at is not None and a.quantity is not None
    )


def test_late_parts_of_one_cycle_under_two_descriptions_are_both_named() -> None:
    # vm starts 27 March (seq 20) as x=1 and is updated to x=2 on 30 March 06:00 (seq 21);
    # 27-30 March are compacted. A STOP of 31 March 15:00 with seq 8 comes before both:
    # batch runs the VM from 31 March 15:00 only. The stream billed 24 h a day from the
    # 27th: -24 on each of the 27th-29th, and on the 30th -6 (x=1) and -18 (x=2), both
    # named though their descriptions quote the same names (only one was).
    start = rk.Event("a", "vm", "2026-03-27T00:00:00Z", {"x": 1}, kind="start", id="on", seq=20)
    update = rk.Event("a", "vm", "2026-03-30T06:00:00Z", {"x": 2}, kind="update", id="up", seq=21)
    stop = rk.Event("a", "vm", "2026-03-31T15:00:00Z", kind="stop", id="off", seq=8)
    rater = rk.Rater(PLAN, METERS, start="2026-03-27T00:00:00Z")
    rater.feed([start, update])
    billed = rater.statement("2026-04-01T19:00:00Z").total()  # 4 * 24 + 24 + 19 h
    rater.feed([stop])
    statement = rater.statement("2026-04-03T00:00:00Z")
    billed += statement.total()  # 31st: -24 + 9; 1 April: -19 + 24; 2 April: 24
    assert billed == Decimal(153)
    assert _late_parts(statement) == [
        (27, "{'x': 1}", Decimal(-24)),
        (28, "{'x': 1}", Decimal(-24)),
        (29, "{'x': 1}", Decimal(-24)),
        (30, "{'x': 1}", Decimal(-6)),
        (30, "{'x': 2}", Decimal(-18)),
    ]
    batch = rk.rate([start, update, stop], PLAN, meters=METERS, as_of="2026-04-03T00:00:00Z",
                    span=rk.Span("2026-03-27T00:00:00Z", "2026-04-03T00:00:00Z"))  # fmt: skip
    # 9 + 24 + 24 = 57 = 153 - 96
    assert batch.total() == Decimal(57) == billed - 96


def test_an_event_kept_for_its_seq_has_its_part_before_the_kept_cycles_named() -> None:
    # vm starts 27 March 06:00 (seq 50) as flavor s (1 EUR an hour); 27-30 March are
    # compacted. One batch brings a START of flavor b (10 EUR) stamped 28 March with seq
    # 90, and a STOP of 31 March 09:00 with seq 10: batch orders the STOP first (an
    # orphan), then both STARTs, which take effect at 09:00 (out of order). The START of
    # the 28th is kept, late for the 31st: the hours the stream billed before the kept
    # cycles (18 + 3 * 24 = 90 at 1) are named by the statement (they were not).
    first = rk.Event("a", "vm", "2026-03-27T06:00:00Z", {"f": "s"}, kind="start", id="b1", seq=50)
    start = rk.Event("a", "vm", "2026-03-28T06:00:00Z", {"f": "b"}, kind="start", id="L1", seq=90)
    stop = rk.Event("a", "vm", "2026-03-31T09:00:00Z", kind="stop", id="L2", seq=10)
    rater = rk.Rater(FLAVORS, METERS, start="2026-03-27T00:00:00Z")
    rater.feed([first])
    billed = rater.statement("2026-04-01T19:00:00Z").total()  # 18 + 4 * 24 + 19 h at 1
    assert billed == Decimal(133)
    feed = rater.feed([start, stop])
    assert feed.late == ("L1", "L2")
    statement = rater.statement("2026-04-03T00:00:00Z")
    billed += statement.total()  # 31st: -24 + 15 * 10; 1 April: -19 + 240; 2 April: 240
    assert billed == Decimal(720)
    assert _late_parts(statement) == [
        (27, "{'f': 's'}", Decimal(-18)),
        (28, "{'f': 's'}", Decimal(-24)),
        (29, "{'f': 's'}", Decimal(-24)),
        (30, "{'f': 's'}", Decimal(-24)),
    ]
    batch = rk.rate([first, start, stop], FLAVORS, meters=METERS, as_of="2026-04-03T00:00:00Z",
                    span=rk.Span("2026-03-27T00:00:00Z", "2026-04-03T00:00:00Z"))  # fmt: skip
    # 15 + 24 + 24 = 63 h at 10: 630 = 720 - 90 * 1
    assert batch.total() == Decimal(630) == billed - 90


def test_an_event_kept_for_its_seq_names_nothing_before_the_watermark_knows_why() -> None:
    # A STOP of 31 March 08:00 (seq 4) is fed early, with a sample of another account;
    # 27 March is compacted. A START of flavor b stamped 27 March 08:00 with seq 26
    # comes: ordered after the STOP, it is kept, late for the kept cycles. Restored, the
    # rater meters every resource from the kept cycles' start. At 31 March 00:00 the
    # watermark does not know the STOP yet, so the START runs from its own instant for
    # now (28-30 March billed, 72 h at 10); what that says of 27 March (16 h) is not
    # settled, and is not named: once the STOP is known, the START takes effect at 08:00
    # on the 31st (out of order), and the VM never ran before the kept cycles (the 16 h
    # were named, and nothing took them back).
    calls = rk.Meter("calls", "call", rk.Discrete())
    plan = rk.Plan("f", "EUR", rk.cycles.daily(tz="UTC"),
                   [*FLAVORS.entries, rk.PriceEntry("calls", "calls", rk.PerUnit(1))])  # fmt: skip
    meters = [*METERS, calls]
    other = rk.Sample("b", "gw", "calls", "2026-03-27T21:00:00Z", 2, id="r9")
    stop = rk.Event("a", "vm", "2026-03-31T08:00:00Z", kind="stop", id="r22", seq=4)
    start = rk.Event("a", "vm", "2026-03-27T08:00:00Z", {"f": "b"}, kind="start", id="r18", seq=26)
    rater = rk.Rater(plan, meters, start="2026-03-27T00:00:00Z")
    rater.feed([other, stop])
    said = list(rater.statement("2026-03-29T07:00:00Z").anomalies)  # 2 calls at 1
    assert rater.feed([start]).late == ("r18",)
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, meters)
    first = rater.statement("2026-03-31T00:00:00Z")
    assert first.total() == Decimal(720)  # 28-30 March, 3 * 24 h at 10, for now
    final = rater.statement("2026-04-03T00:00:00Z")
    said += [*first.anomalies, *final.anomalies]
    assert [a for a in said if a.kind in {"late", "too_late"} and a.quantity is not None] == []
    # 28-30 March taken back (-720); 31 March 08:00-24:00 and 1-2 April: 16 + 48 h at 10
    assert final.total() == Decimal(-720 + 640)
    batch = rk.rate([other, stop, start], plan, meters=meters, as_of="2026-04-03T00:00:00Z",
                    span=rk.Span("2026-03-27T00:00:00Z", "2026-04-03T00:00:00Z"))  # fmt: skip
    assert batch.total() == Decimal(2 + 640)


def test_an_event_ordered_before_events_an_inventory_settled_says_the_lines_may_differ() -> None:
    # s2 (START seq 2, 1 March 00:48, 1024 MB) and an inventory listing vm (03:24) are
    # compacted with 1 March; the inventory settles the state's history, which keeps s2's
    # seq but not s2. s0 (START seq 0, 5 March 11:21, 256 MB) comes before s2 in batch
    # (s2 then takes 11:21 and its 1024 MB); the state cannot order it so: it is not
    # applied (too late whole), and its anomaly must not say that only its part in the
    # compacted cycles is missing (tests/test_rater_seq_lost.py bills it).
    memory, plan = MEMORY, MEMORY_PLAN
    (start, listing), early = settled()
    rater = rk.Rater(plan, [memory], start="2026-03-01T00:00:00Z")
    rater.feed([start, listing])
    rater.statement("2026-03-03T00:00:00Z")
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [memory])
    for each in (rater, restored):
        feed = each.feed([early])
        assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("s0",))
        (anomaly,) = feed.anomalies
        assert anomaly.message == _UNORDERED.format(id="s0", at="2026-03-05T11:21:00Z", last=2)


def test_an_event_ordered_before_events_compaction_folded_says_the_lines_may_differ() -> None:
    # 20 sequenced events of 1 March (seq 10 to 29) are compacted: the state keeps the
    # last 16 (seq 14 to 29) and folds the first four into its base. s0 (seq 0, 5 March)
    # comes before all twenty in batch; the state can order it before the 16 only, so it
    # is not applied (tests/test_rater_seq_lost.py bills it).
    memory, plan = MEMORY, MEMORY_PLAN
    events, early = folded()
    rater = rk.Rater(plan, [memory], start="2026-03-01T00:00:00Z")
    rater.feed(events)
    rater.statement("2026-03-03T00:00:00Z")
    (anomaly,) = rater.feed([early]).anomalies
    assert anomaly.message == _UNORDERED.format(id="s0", at="2026-03-05T12:00:00Z", last=29)


_UNORDERED = (
    "event '{id}' (start) of 'vm' of 'b' stamped {at} is ordered by its seq (0) before events "
    "of 'vm' in cycles already compacted (the last seq there is {last}) that the compacted "
    "state no longer keeps (an inventory settled its history, or they were folded into its "
    "base): batch rate() applies them after it, the state could only apply them before it, "
    "so it cannot be placed and is not applied. 'vm' is billed from its other records, as "
    "if this event had not come; what batch rate() bills of 'vm' with it, in the compacted "
    "cycles and from 2026-03-02T00:00:00Z on, is not known here, and the quantities of 'vm' "
    "from then on cannot be trusted: compare with batch rate() over your stored records. It "
    "may be a replay of an event applied before and forgotten with its compacted cycle."
)
