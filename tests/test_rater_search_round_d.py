"""What the fourth round of the differential search found anew, each stream cut down.

Seeds 0 to 15,999 of `tests/_stretch_streams.py` searched again after a from_zero
counter came to count every running stretch after a stop from 0 (a reading while
stopped counts up to the stop that holds it, a relisted or restarted resource reads
from 0), compaction came to write a carried state's boot, an instant's deltas came to
net whatever the resources are called and corrections over a span came to cut at their
stamp (see docs/stream-checks.md). The 12 streams of before still differed, as they did;
13 differed anew, all of the first reading from zero (``cpu``), its sum (the seconds, not
only their description) apart from batch:

- 12 (3972, 4434, 4634, 5209, 5351, 6167, 6194, 8036, 8542, 9338, 10450, 13750): a
  reading too late for its increment's start, whose part before the kept cycles is
  judged against the compacted state without the records fed with it or after it (a
  ``last_seen`` inventory that closes the resource, a STOP that holds the counter, an
  inventory that lists it) that change how far the increment spreads: the part named was
  not batch's, and nothing named it again. Each came to batch fed a record a batch,
  the reading last.
- one (5059): a kept ``last_seen`` inventory that lists a deleted resource again (a
  boot: its next reading counts from 0) took back the kept cycles' part of the
  increment before the boot, not the compacted cycles' part, which nothing named.

All 13 come to batch now: a kept record that moves how far such an increment spreads
(a STOP, a ``last_seen`` inventory that closes the resource or lists it again) names its
move of the part before the kept cycles in its ``"too_late"`` anomaly, as one that moves
a first reading's running stretch did (`ratekit._rater_zero.kept()`, which looked only
at resources whose first reading counts from a stretch, not from a compacted reading).
Each stream is checked cut down: per resource, the stream's ``cpu`` lines plus the
seconds its anomalies name against one batch ``rate()`` of the same records. Daily UTC
cycles, a horizon of 0 unless said, the plan of `tests/_stretch_streams.py` (1 EUR a
second, 2 and 4 EUR under a size of 2 and 4 ``mb``).

Two faults are left, pinned as strict xfails: 8542 whole still differs (cut down with a
horizon of 3 h, a statement with nothing fed since, after a compaction, corrects a
closed cycle of a reading after a relisting's boot as if there were no boot); and 15196
differs anew (a kept closing before a later reading now names a move of the increment's
compacted part to no description that batch does not make: the seconds add up, their
description does not).

Seeds 16,000 to 33,541 (17,542 streams, searched with this version) find 13 more that
differed, each cut down in the table at the end: four of a plain counter's increment
described anew (17049, 20545, 26045, 26525), seven of a first reading from zero at a
closing, under another description or named twice (17505, 19075, 23347, 26068, 27800,
28446, 30693), all eleven pinned as strict xfails; and two of a first reading's later
increment in sum, each cut down to a last statement with nothing fed since it (17773,
28983), which come to batch, whole and cut down, since a too-late START placed after a
compacted stop boots the counter (`_rater_stretch.carried_boot`).

The four of a plain counter described anew come to batch too, whole and cut down, with
898 and 2994 of the first 4,000 seeds and 8736: a closing's move of a plain counter's
increment across the kept cycles' start is named per description wherever the closing
moves (by a kept START, 17049; by a too-late inventory placed in the compacted state,
26045 and 26525; by a kept inventory fed with an event its seq orders before the
compacted ones, judged without that event as the statement judges the event with the
inventory, 20545; by a kept inventory that lists another resource, 898 and 2994); and
what the compacted cycles billed is judged without a kept event stamped in them (8736).
The examples at the end work each out.

The seven of a first reading from zero at a closing come to batch cut down since (all
but 28446 whole too, which differs by 15196's fault), with 12464 of the round before
(the test at the end): every kept event and ``last_seen`` inventory names its move of a
compacted first reading read at its instant (`ratekit._rater_zero.moved()` meters the
compacted state, which keeps the reading, without the record and with it), an
inventory fed ahead of the watermark names it when the compaction folds the reading,
and a compacted running stretch keeps the description it began with.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from tests import _stretch_streams as streams
from tests._lines_named import lines_and_named

import ratekit as rk

START = "2026-03-01T00:00:00Z"
END = "2026-03-07T00:00:00Z"
Step = list[streams.Record] | str  # a feed, or a statement's watermark


def _at(when: str) -> str:
    """``"03-02T20"`` as 2 March 20:00 UTC."""
    return f"2026-{when}:00:00Z"


def _cpu(resource: str, when: str, value: int, name: str) -> rk.Sample:
    return rk.Sample("a", resource, "cpu", _at(when), value, kind="counter", id=name)


def _event(resource: str, when: str, kind: str, name: str, seq: int, *, mb: int = 0) -> rk.Event:
    return rk.Event("a", resource, _at(when), {"mb": mb} if mb else {}, kind=kind, id=name,
                    seq=seq)  # fmt: skip


def _seen(when: str, listed: list[str], name: str, *, account: bool = False) -> rk.Inventory:
    return rk.Inventory(_at(when), [("a", r) for r in listed], accounts=["a"] if account else None,
                        close="last_seen", id=name)  # fmt: skip


def _seconds(steps: list[Step], resource: str) -> tuple[Decimal, Decimal]:
    """The stream's cpu lines plus the seconds named, and batch's, of ``resource``."""
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(0))
    reports: list[rk.Feed | rk.Statement] = [
        rater.statement(step) if isinstance(step, str) else rater.feed(step) for step in steps
    ]
    records = [r for step in steps if not isinstance(step, str) for r in step]
    rating = rk.rate(records, streams.PLAN, span=rk.Span(START, END), meters=streams.METERS)
    batch = sum(
        (
            c.quantity
            for c in rating.charges
            if c.kind == "usage" and c.meter == "cpu" and c.resource == resource
        ),
        Decimal(0),
    )
    return lines_and_named(reports, "cpu", resource), batch


def _stopped_then_closed(*, apart: bool) -> list[Step]:
    """Seed 3972 cut down: the reading and the closing in one batch, or apart."""
    c5 = _cpu("vm0", "03-02T20", 13, "c5")
    e1 = _event("vm0", "03-02T23", "start", "e1", 10, mb=2)
    e2 = _event("vm0", "03-03T08", "stop", "e2", 20)
    c6 = _cpu("vm0", "03-04T06", 208, "c6")
    i9 = _seen("03-03T20", [], "i9", account=True)
    late: list[Step] = [[i9], [c6]] if apart else [[c6, i9]]
    return [[c5, e1, e2], "2026-03-04T04:00:00Z", *late, END]


def test_a_closing_fed_with_a_too_late_reading_names_its_move_of_the_compacted_part() -> None:
    # c5, a first reading from zero of 13 s at 2 March 20:00; e1 starts vm0 at 23:00
    # (2 mb), e2 stops it on 3 March 08:00. Stated at 4 March 04:00: 1 and 2 March
    # compacted, 13 s billed on 2 March. Then, in one batch, c6, 208 at 4 March 06:00
    # (its increment of 195 starts in the compacted cycles: too late for that part), and
    # i9, a last_seen inventory of 3 March 20:00 listing nothing: vm0 closed at its last
    # sign of life, the STOP, deleted. Batch: a reading after a deletion is not held by
    # the stop before it, so the 195 s spread over 20:00 to 4 March 06:00, 34 h: 4 h on 2
    # March (195 * 4 / 34 = 22.94), 24 h on 3 March (137.65), 6 h on 4 March (34.41):
    # 13 + 195 = 208 s. The stream: the kept cycles' 137.65 + 34.41 = 172.06 as batch,
    # but c6's part before 3 March is judged with the STOP holding the counter (i9 not
    # applied yet): 195 over 20:00 to 08:00, 12 h, 4 of them on 2 March: 65 s named.
    # i9, which lets the increment spread over the 34 h, names its move of that part,
    # per description: the hour from 23:00 under {'mb': 2}, 195 / 34 - 195 / 12 = 5.7353
    # - 16.25 = -10.5147, and the 3 h before under {}, 3 * 195 / 34 - 3 * 195 / 12 =
    # 17.2059 - 48.75 = -31.5441: -42.06 s, 65 - 42.06 = 22.94 named. 13 + 22.94 + 172.06
    # = 208 s, as batch. (Nothing named the move, 250.06 s, while only a first reading's
    # running stretch was judged so.)
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(0))
    steps = _stopped_then_closed(apart=False)
    reports = [rater.statement(s) if isinstance(s, str) else rater.feed(s) for s in steps]
    named = [a.quantity for r in reports for a in r.anomalies if a.meter == "cpu"]
    assert named == [
        65,
        Decimal("-10.514705882352941176470588"),
        Decimal("-31.544117647058823529411765"),
    ]
    assert _seconds(steps, "vm0") == (Decimal(208), Decimal(208))


def test_a_too_late_reading_fed_after_the_closing_names_its_compacted_part_as_batch() -> None:
    # The stream above with i9 fed in a batch of its own before c6: c6's part before 3
    # March is judged with vm0 deleted at 08:00, 195 * 4 / 34 = 22.94 s named, and 13 +
    # 22.94 + 172.06 = 208 s, as batch.
    steps = _stopped_then_closed(apart=True)
    stream, batch = _seconds(steps, "vm0")
    assert stream == batch == 208


def test_a_kept_relisting_takes_back_the_compacted_part_of_an_increment() -> None:
    # e0 describes vm0 (4 mb) from 1 March 05:00; b4, bytes on 2 March 09:00, its last
    # sign of life; i13, a last_seen inventory of 2 March 19:00 listing nothing, closes
    # it there (deleted). c5, a first reading from zero of 126 s at 2 March 23:00, and
    # c6, 230 at 3 March 09:00: 104 s over 10 h, 1 h on 2 March (10.4) and 9 h on 3
    # March (93.6), no description. Stated at 4 March 10:00: 136.4 s on 2 March, 93.6 on
    # 3 March; 1 and 2 March compacted. Then i12, a last_seen inventory of 3 March 05:00
    # listing vm0: opened again at 05:00, a boot, so c6 counts from 0: 230 s on 3 March.
    # Batch: 126 + 230 = 356 s. The stream corrects 3 March (-93.6 + 230), and i12
    # names 2 March's 10.4 s of the increment that no longer is: -10.4, 136.4 - 10.4 +
    # 230 = 356 s, as batch. (Nothing named them, 366.4 s, before.)
    e0 = _event("vm0", "03-01T05", "update", "e0", 0, mb=4)
    b4 = rk.Sample("a", "vm0", "bytes", _at("03-02T09"), 43, kind="counter", id="b4")
    c6, c5 = _cpu("vm0", "03-03T09", 230, "c6"), _cpu("vm0", "03-02T23", 126, "c5")
    i13 = _seen("03-02T19", [], "i13")
    i12 = _seen("03-03T05", ["vm0"], "i12", account=True)
    steps: list[Step] = [[e0, b4, c6, c5, i13], "2026-03-04T10:00:00Z", [i12], END]
    assert _seconds(steps, "vm0") == (Decimal(356), Decimal(356))


#: The other streams of the round's first kind, each cut down (the resource, the steps,
#: and what the stream billed of its cpu, in seconds, before the fix, and batch).
_JUDGED_WITHOUT_THEIR_BATCH: dict[int, tuple[str, list[Step], str, str]] = {
    4434: (
        "vm0",
        [
            [_event("vm0", "03-03T01", "stop", "e0", 0), _cpu("vm0", "03-02T14", 110, "c3")],
            "2026-03-04T11:00:00Z",
            [
                _seen("03-02T21", ["vm0"], "i12", account=True),
                _seen("03-03T19", [], "i11"),
                _cpu("vm0", "03-04T13", 169, "c4"),
            ],
            END,
        ],
        "210.083172147001934235976790",
        "169",
    ),
    4634: (
        "vm0",
        [
            [_cpu("vm0", "03-01T14", 155, "c3")],
            "2026-03-03T07:00:00Z",
            [
                _event("vm0", "03-04T07", "stop", "e1", 0),
                _seen("03-04T03", ["vm0"], "i5", account=True),
                _cpu("vm0", "03-04T09", 182, "c4"),
            ],
            END,
        ],
        "181.876004592422502870264064",
        "182",
    ),
    5209: (
        "vm1",
        [
            [_cpu("vm1", "03-01T19", 134, "c8")],
            "2026-03-03T03:00:00Z",
            [
                _seen("03-02T16", ["vm1"], "i11", account=True),
                _event("vm1", "03-02T20", "stop", "e3", 10),
            ],
            [_seen("03-03T06", [], "i10"), _cpu("vm1", "03-03T08", 310, "c9")],
            END,
        ],
        "321.416216216216216216216216",
        "310",
    ),
    5351: (
        "vm1",
        [
            [
                _cpu("vm1", "03-01T04", 170, "c12"),
                _event("vm1", "03-02T12", "start", "e7", 10, mb=4),
            ],
            "2026-03-04T18:00:00Z",
            [
                _event("vm1", "03-03T21", "stop", "e8", 20),
                _cpu("vm1", "03-04T17", 349, "c13"),
                _seen("03-04T05", [], "i15", account=True),
            ],
            END,
        ],
        "377.510407239819004524886878",
        "349",
    ),
    6167: (
        "vm0",
        [
            [
                _cpu("vm0", "03-01T21", 75, "c5"),
                _event("vm0", "03-01T19", "start", "e0", 0, mb=2),
                _event("vm0", "03-01T23", "stop", "e1", 10),
            ],
            "2026-03-04T09:00:00Z",
            [_seen("03-03T15", [], "i7"), _cpu("vm0", "03-04T09", 122, "c6")],
            END,
        ],
        "147.85",
        "122",
    ),
    6194: (
        "vm0",
        [
            [
                _event("vm0", "03-02T22", "start", "e1", 0, mb=2),
                _event("vm0", "03-03T00", "start", "e2", 10, mb=2),
                _event("vm0", "03-02T14", "stop", "e0", 20),
                _cpu("vm0", "03-02T02", 157, "c3"),
            ],
            "2026-03-05T21:00:00Z",
            [_cpu("vm0", "03-04T20", 196, "c4"), _seen("03-04T12", ["vm1"], "i12", account=True)],
            END,
        ],
        "207.818181818181818181818182",
        "196",
    ),
    8036: (
        "vm1",
        [
            [
                _seen("03-01T04", ["vm1"], "i5", account=True),
                _event("vm1", "03-02T02", "delete", "e2", 0),
                _cpu("vm1", "03-01T18", 172, "c3"),
            ],
            "2026-03-04T21:00:00Z",
            [_seen("03-03T20", ["vm0", "vm1"], "i6"), _cpu("vm1", "03-04T17", 247, "c4")],
            END,
        ],
        "450.690140845070422535211268",
        "419",
    ),
    8542: (
        "vm0",
        [
            [
                _event("vm0", "03-01T12", "start", "e1", 10, mb=4),
                _cpu("vm0", "03-01T21", 131, "c5"),
            ],
            "2026-03-03T06:00:00Z",
            [
                _seen("03-03T00", [], "i7", account=True),
                _seen("03-03T03", ["vm0"], "i8"),
                _cpu("vm0", "03-04T20", 260, "c6"),
            ],
            END,
        ],
        "396.450704225352112676056338",
        "391",
    ),
    9338: (
        "vm1",
        [
            [_cpu("vm1", "03-02T14", 100, "c9")],
            "2026-03-04T06:00:00Z",
            [
                _event("vm1", "03-03T03", "start", "e4", 10, mb=4),
                _event("vm1", "03-03T18", "stop", "e5", 20),
                _seen("03-04T11", ["vm0"], "i11"),
                _cpu("vm1", "03-04T19", 113, "c10"),
            ],
            END,
        ],
        "115.190026954177897574123989",
        "113",
    ),
    10450: (
        "vm1",
        [
            [
                _cpu("vm1", "03-01T14", 183, "c9"),
                _event("vm1", "03-01T01", "start", "e2", 0, mb=2),
                _event("vm1", "03-01T19", "stop", "e3", 10),
            ],
            "2026-03-03T20:00:00Z",
            [_cpu("vm1", "03-03T09", 317, "c10"), _seen("03-03T04", [], "i11")],
            END,
        ],
        "419.837209302325581395348837",
        "317",
    ),
    13750: (
        "vm1",
        [
            [_cpu("vm1", "03-01T20", 51, "c8")],
            "2026-03-03T12:00:00Z",
            [
                _event("vm1", "03-02T19", "start", "e6", 0, mb=4),
                _event("vm1", "03-04T06", "stop", "e7", 20),
                _cpu("vm1", "03-04T21", 227, "c9"),
                _seen("03-04T11", [], "i10"),
            ],
            END,
        ],
        "229.494095418044402456306093",
        "227",
    ),
}


@pytest.mark.parametrize("seed", sorted(_JUDGED_WITHOUT_THEIR_BATCH))
def test_a_too_late_readings_compacted_part_is_judged_with_its_batch(seed: int) -> None:
    # The oracle: one batch rate() of the same records. The records fed with the reading
    # or after it that move its part name the move: the stream comes to batch (it billed
    # the figure of the table before).
    resource, steps, before, batch = _JUDGED_WITHOUT_THEIR_BATCH[seed]
    stream, theirs = _seconds(steps, resource)
    assert stream == theirs == Decimal(batch) != Decimal(before)


@pytest.mark.parametrize("seed", sorted(_JUDGED_WITHOUT_THEIR_BATCH))
def test_each_stream_comes_to_batch_fed_a_record_a_batch_the_readings_last(seed: int) -> None:
    # The same records, each fed alone, every reading after the other records of its
    # batch: each reading's part is judged with them, and the stream comes to batch.
    resource, steps, _, batch = _JUDGED_WITHOUT_THEIR_BATCH[seed]
    alone: list[Step] = []
    for step in steps:
        if isinstance(step, str):
            alone.append(step)
        else:
            ordered = sorted(step, key=lambda r: isinstance(r, rk.Sample))
            alone.extend([record] for record in ordered)
    assert _seconds(alone, resource) == (Decimal(batch), Decimal(batch))


@pytest.mark.xfail(
    strict=True,
    reason="a kept last_seen closing before a first reading from zero's later reading, "
    "whose increment counts from a compacted reading, names a move of the increment's "
    "part on 2 March from {'mb': 4} to no description that batch does not make (-28.11 "
    "and +28.11 s): the stream bills 131.457142857142857142857143 s under {} and "
    "10.542857142857142857142857 s under {'mb': 4} where batch bills "
    "103.342857142857142857142857 and 38.657142857142857142857143 s (seed 15196; known "
    "fault, docs/streaming.md)",
)
def test_a_kept_closing_before_a_later_reading_keeps_the_compacted_parts_description() -> None:
    # c6, a first reading from zero of 19 s at 2 March 03:00 (vm0 undescribed); e2
    # describes vm0 {'mb': 4} from 16:00; b5, bytes on 3 March 03:00; c7, 142 at 3 March
    # 14:00: 123 s over 35 h, 123 / 35 an hour. Stated at 4 March 15:00: 1 to 3 March
    # compacted but 3 March. Then i8, a last_seen inventory of 3 March 13:00 listing
    # nothing: vm0 closed at b5, 03:00, deleted. Batch: 19 + 13 h (45.69) under {}, 8 h
    # on 2 March (28.11) and 3 h on 3 March (10.54) under {'mb': 4}, 11 h after the
    # deletion (38.66) under {}: 103.34 s under {} and 38.66 under {'mb': 4}, 142 in all.
    # The stream keeps 2 March as batch, but i8 names 2 March's 28.11 s moved from
    # {'mb': 4} to {}, a move batch does not make: 131.46 and 10.54 s, 142 in all.
    c6 = _cpu("vm0", "03-02T03", 19, "c6")
    e2 = _event("vm0", "03-02T16", "update", "e2", 20, mb=4)
    b5 = rk.Sample("a", "vm0", "bytes", _at("03-03T03"), 644, kind="counter", id="b5")
    c7 = _cpu("vm0", "03-03T14", 142, "c7")
    i8 = _seen("03-03T13", [], "i8", account=True)
    steps: list[Step] = [[b5, c6, e2, c7], "2026-03-04T15:00:00Z", [i8], END]
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(0))
    reports = [rater.statement(s) if isinstance(s, str) else rater.feed(s) for s in steps]
    mine, _ = streams.stream_sums(reports)
    theirs = streams.batch_sums([b5, c6, e2, c7, i8])
    assert sum(mine[k] for k in mine if k[1] == "cpu") == 142
    assert {k: v for k, v in mine.items() if k[1] == "cpu"} == {
        k: v for k, v in theirs.items() if k[1] == "cpu"
    }


@pytest.mark.xfail(
    strict=True,
    reason="a statement with nothing fed since it, after a compaction, corrects a closed "
    "cycle of a first reading from zero whose resource a kept last_seen inventory listed "
    "again after a closing (a boot): -126.83 and +36.34 s on 4 March, as if the reading "
    "counted from the reading before the boot; the stream bills "
    "300.508759876331157677773961 s where batch bills 391 s (seed 8542; known fault, "
    "docs/streaming.md)",
)
def test_a_statement_with_nothing_fed_keeps_a_boot_that_a_relisting_made() -> None:
    # e1 starts vm0 on 1 March 12:00 (4 mb); c5, a first reading from zero of 131 s at
    # 21:00. Stated at 3 March 06:00 with a horizon of 3 h: 1 March compacted. Then i7, a
    # last_seen inventory of 3 March 00:00 listing nothing, closes vm0 at c5 (before the
    # kept cycles); i8, one of 3 March 03:00, lists it: opened again there, a boot, from
    # which c6, 260 at 4 March 20:00, counts from 0: 260 s over 41 h, 21 on 3 March
    # (133.17) and 20 on 4 March (126.83). Batch: 131 + 260 = 391 s. Stated at 6 March:
    # 133.17 and 126.83, as batch (what i7, i8 and c6 name of 1 March adds up to 0).
    # Stated at 7 March, nothing fed since: 4 March corrected to 36.34 (-126.83 +
    # 36.34), 129 s from c5 over 71 h, 20 of them on 4 March, as if the compaction of 2
    # and 3 March had carried no boot: 131 + 133.17 + 36.34 = 300.51 s.
    e1 = _event("vm0", "03-01T12", "start", "e1", 10, mb=4)
    c5 = _cpu("vm0", "03-01T21", 131, "c5")
    i7 = _seen("03-03T00", [], "i7", account=True)
    i8 = _seen("03-03T03", ["vm0"], "i8")
    c6 = _cpu("vm0", "03-04T20", 260, "c6")
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(hours=3))
    reports: list[rk.Feed | rk.Statement] = [rater.feed([e1, c5])]
    reports.append(rater.statement("2026-03-03T06:00:00Z"))
    reports += [rater.feed([i7, i8, c6]), rater.statement("2026-03-06T00:00:00Z")]
    assert lines_and_named(reports, "cpu") == 391
    last = rater.statement(END)
    assert [line for line in last.lines if line.meter == "cpu"] == []
    assert lines_and_named([*reports, last], "cpu") == 391


def _bytes(resource: str, when: str, value: int, name: str) -> rk.Sample:
    return rk.Sample("a", resource, "bytes", _at(when), value, kind="counter", id=name)


#: The streams of seeds 16,000 on that differ from batch, each cut down (by dropping
#: records, statements and restores, and merging batches, while it still differs in the
#: same meters): what differs, the horizon in hours, the steps, the meters compared, and
#: per resource and price entry what the stream (lines plus named) and batch bill.
_BEYOND: dict[int, tuple[str, int, list[Step], list[str], dict[str, str], dict[str, str]]] = {
    17049: (
        "a plain counter's increment described anew",
        0,
        [
            [
                _event("vm0", "03-01T05", "start", "e0", 0, mb=2),
                _bytes("vm0", "03-01T22", 263, "b4"),
                _seen("03-03T06", [], "i8", account=True),
                _bytes("vm0", "03-03T07", 459, "b5"),
            ],
            "2026-03-03T15:00:00Z",
            [_event("vm0", "03-03T01", "start", "e1", 10, mb=2)],
            "2026-03-07T00:00:00Z",
        ],
        ["bytes"],
        {
            "vm0 bytes-x0": "47.515151515151515151515152",
            "vm0 bytes-x2": "148.484848484848484848484848",
        },
        {
            "vm0 bytes-x0": "35.636363636363636363636364",
            "vm0 bytes-x2": "160.363636363636363636363636",
        },
    ),
    17505: (
        "a first reading from zero at a closing",
        0,
        [
            [
                _event("vm1", "03-01T00", "stop", "e4", 10),
                _event("vm1", "03-03T21", "start", "e5", 0, mb=2),
                _cpu("vm1", "03-03T22", 113, "c7"),
                _seen("03-04T05", [], "i9"),
            ],
            "2026-03-05T03:00:00Z",
            [_event("vm1", "03-04T00", "start", "e6", 20, mb=2)],
            "2026-03-07T00:00:00Z",
        ],
        ["cpu"],
        {"vm1 cpu-x0": "113"},
        {"vm1 cpu-x2": "113"},
    ),
    17773: (
        "a first reading's later increment",
        0,
        [
            [
                _cpu("vm1", "03-01T14", 191, "c11"),
                _event("vm1", "03-01T17", "start", "e5", 0, mb=2),
                _event("vm1", "03-01T18", "stop", "e6", 10),
                _seen("03-01T16", [], "i13"),
            ],
            "2026-03-03T11:00:00Z",
            [
                _event("vm1", "03-02T22", "start", "e7", 20, mb=2),
                _cpu("vm1", "03-03T16", 268, "c12"),
            ],
            "2026-03-04T00:00:00Z",
            "2026-03-07T00:00:00Z",
        ],
        ["cpu"],
        {"vm1 cpu-x0": "191", "vm1 cpu-x2": "54.417777777777777777777778"},
        {"vm1 cpu-x0": "191", "vm1 cpu-x2": "268.000000000000000000000000"},
    ),
    19075: (
        "a first reading from zero at a closing",
        0,
        [
            [
                _event("vm0", "03-01T01", "stop", "e0", 30),
                _cpu("vm0", "03-01T23", 198, "c7"),
                _event("vm0", "03-01T11", "start", "e1", 20, mb=2),
            ],
            "2026-03-03T06:00:00Z",
            [
                _event("vm0", "03-03T02", "delete", "e2", 10),
                _seen("03-04T01", [], "i9", account=True),
            ],
            "2026-03-07T00:00:00Z",
        ],
        ["cpu"],
        {"vm0 cpu-x0": "396", "vm0 cpu-x2": "-198"},
        {"vm0 cpu-x0": "198"},
    ),
    20545: (
        "a plain counter's increment described anew",
        0,
        [
            [
                _bytes("vm0", "03-01T13", 47, "b3"),
                _event("vm0", "03-01T08", "update", "e0", 10, mb=4),
                _bytes("vm0", "03-04T03", 450, "b4"),
            ],
            "2026-03-04T16:00:00Z",
            [_seen("03-03T14", [], "i6"), _event("vm0", "03-04T17", "stop", "e2", 0)],
            "2026-03-07T00:00:00Z",
        ],
        ["bytes"],
        {"vm0 bytes-x0": "175.5", "vm0 bytes-x4": "227.5"},
        {"vm0 bytes-x0": "403.0"},
    ),
    23347: (
        "a first reading from zero at a closing",
        0,
        [
            [
                _event("vm0", "03-01T01", "start", "e0", 0, mb=2),
                _event("vm0", "03-01T02", "stop", "e1", 20),
                _cpu("vm0", "03-01T10", 97, "c4"),
            ],
            "2026-03-04T02:00:00Z",
            [_seen("03-03T00", ["vm0"], "i5"), _seen("03-04T11", [], "i6")],
            "2026-03-07T00:00:00Z",
        ],
        ["cpu"],
        {"vm0 cpu-x0": "97"},
        {"vm0 cpu-x2": "97"},
    ),
    26045: (
        "a plain counter's increment described anew",
        0,
        [
            [
                _bytes("vm0", "03-01T07", 70, "b2"),
                _event("vm0", "03-01T14", "update", "e0", 0, mb=4),
                _bytes("vm0", "03-03T18", 113, "b3"),
            ],
            "2026-03-04T22:00:00Z",
            [_seen("03-02T21", [], "i7")],
            "2026-03-07T00:00:00Z",
        ],
        ["bytes"],
        {
            "vm0 bytes-x0": "18.220338983050847457627118",
            "vm0 bytes-x4": "24.779661016949152542372882",
        },
        {"vm0 bytes-x0": "43.000000000000000000000000"},
    ),
    26068: (
        "a first reading from zero at a closing",
        0,
        [
            [
                _seen("03-01T05", ["vm0"], "i5", account=True),
                _event("vm0", "03-01T09", "update", "e0", 0, mb=4),
                _cpu("vm0", "03-03T05", 66, "c4"),
            ],
            "2026-03-03T12:00:00Z",
            [_event("vm0", "03-02T16", "delete", "e1", 10)],
            "2026-03-07T00:00:00Z",
        ],
        ["cpu"],
        {"vm0 cpu-x0": "71.5", "vm0 cpu-x4": "-5.500"},
        {"vm0 cpu-x0": "66"},
    ),
    26525: (
        "a plain counter's increment described anew",
        0,
        [
            [
                _bytes("vm0", "03-03T06", 737, "b5"),
                _event("vm0", "03-03T07", "start", "e1", 0, mb=2),
                _bytes("vm0", "03-04T03", 771, "b6"),
            ],
            "2026-03-05T11:00:00Z",
            [_seen("03-03T18", ["vm1"], "i9", account=True)],
            "2026-03-07T00:00:00Z",
        ],
        ["bytes"],
        {
            "vm0 bytes-x0": "6.476190476190476190476191",
            "vm0 bytes-x2": "27.523809523809523809523809",
        },
        {"vm0 bytes-x0": "34.000000000000000000000000"},
    ),
    27800: (
        "a first reading from zero at a closing",
        0,
        [
            [
                _event("vm0", "03-02T04", "start", "e1", 10, mb=2),
                _event("vm0", "03-01T15", "stop", "e0", 20),
                _cpu("vm0", "03-03T13", 54, "c4"),
            ],
            "2026-03-05T07:00:00Z",
            [_event("vm0", "03-04T15", "stop", "e2", 0), _seen("03-04T14", [], "i9", account=True)],
            "2026-03-07T00:00:00Z",
        ],
        ["cpu"],
        {"vm0 cpu-x0": "108", "vm0 cpu-x2": "-54"},
        {"vm0 cpu-x0": "54"},
    ),
    28446: (
        "a first reading from zero at a closing",
        0,
        [
            [
                _seen("03-01T07", ["vm0", "vm1"], "i11"),
                _event("vm0", "03-02T23", "update", "e0", 0, mb=2),
                _cpu("vm0", "03-04T21", 128, "c5"),
            ],
            "2026-03-05T06:00:00Z",
            [_seen("03-04T18", ["vm1"], "i12")],
            "2026-03-07T00:00:00Z",
        ],
        ["cpu"],
        {
            "vm0 cpu-x0": "187.534883720930232558139535",
            "vm0 cpu-x2": "-59.534883720930232558139535",
        },
        {"vm0 cpu-x0": "128"},
    ),
    28983: (
        "a first reading's later increment",
        0,
        [
            [
                _seen("03-01T08", ["vm1"], "i13", account=True),
                _cpu("vm1", "03-01T14", 85, "c11"),
                _event("vm1", "03-03T03", "start", "e6", 30, mb=4),
                _event("vm1", "03-02T16", "stop", "e5", 0),
            ],
            "2026-03-04T09:00:00Z",
            [_cpu("vm1", "03-04T08", 124, "c12")],
            "2026-03-05T23:00:00Z",
            "2026-03-07T00:00:00Z",
        ],
        ["cpu"],
        {"vm1 cpu-x0": "85", "vm1 cpu-x4": "94.520376175548589341692790"},
        {"vm1 cpu-x0": "85", "vm1 cpu-x4": "124.000000000000000000000000"},
    ),
    30693: (
        "a first reading from zero at a closing",
        0,
        [
            [
                _cpu("vm1", "03-03T02", 196, "c14"),
                _seen("03-02T02", ["vm0", "vm1"], "i16", account=True),
                _event("vm1", "03-02T10", "update", "e7", 10, mb=2),
            ],
            "2026-03-04T12:00:00Z",
            [_seen("03-02T21", [], "i15", account=True)],
            "2026-03-07T00:00:00Z",
        ],
        ["cpu"],
        {
            "vm1 cpu-x0": "261.333333333333333333333333",
            "vm1 cpu-x2": "-65.333333333333333333333333",
        },
        {"vm1 cpu-x0": "196"},
    ),
}


#: The streams of the table that come to batch (whole too, but 28446, which differs
#: whole by a fault of its own, docs/streaming.md): a too-late START placed after a
#: compacted stop boots the counter (17773, 28983); a closing's move of a plain counter's
#: part is named per description (17049, 20545, 26045, 26525; the examples below); a kept
#: record names its move of a compacted first reading from zero read at its instant (a
#: closing back at it, or moved off it), and a compacted state keeps the description its
#: running stretch began with (17505, 19075, 23347, 26068, 27800, 28446, 30693). Their
#: "stream" figures are what they billed before.
_COME_TO_BATCH = frozenset(
    {17049, 17505, 17773, 19075, 20545, 23347, 26045, 26068, 26525, 27800, 28446, 28983, 30693}
)


def test_a_kept_start_that_moves_a_closing_off_a_compacted_reading_names_its_move() -> None:
    # Seed 17505 cut down. e5 starts vm1 on 3 March 21:00 (2 mb), seq 0; e4, a STOP of
    # 1 March, seq 10, takes effect at 21:00 (zero duration): vm1 stopped under
    # {'mb': 2}. c7, a first reading from zero of 113 s at 22:00, counted at its instant
    # (the resource stopped). i9, a last_seen inventory of 4 March 05:00 listing nothing,
    # closes vm1 at its last sign of life, c7 at 22:00, which batch then reads after the
    # closing, with no description: 113 s under {} billed on 3 March. Stated at 5 March
    # 03:00: 1 to 3 March compacted. Then e6, a START of 4 March 00:00 (seq 20): now the
    # last sign of life before i9, where i9 closes vm1; c7 is read while stopped under
    # {'mb': 2}: batch bills 113 s under {'mb': 2}. e6 names the move of the compacted
    # reading: +113 s under {'mb': 2} and -113 s under {}. (Nothing named it before.)
    steps = _BEYOND[17505][2]
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(0))
    reports = [rater.statement(s) if isinstance(s, str) else rater.feed(s) for s in steps]
    named = [(a.quantity, streams.entry_of("cpu", a.message)) for a in reports[2].anomalies]
    assert sorted(named) == [(-113, "cpu-x0"), (113, "cpu-x2")]
    assert _seconds(steps, "vm1") == (Decimal(113), Decimal(113))


def test_a_compacted_stretch_keeps_the_description_it_began_with() -> None:
    # Seed 26068 cut down. i5 lists vm0 on 1 March 05:00: opened there, running, no
    # description; e0 (seq 0) describes it {'mb': 4} from 09:00. c4, a first reading from
    # zero of 66 s on 3 March 05:00, counts over the 48 h from 05:00, 1.375 s an hour:
    # 4 h under {} (5.5), 15 h of 1 March under {'mb': 4} (20.625), 24 h of 2 March (33),
    # 5 h of 3 March (6.875). Stated at 3 March 12:00: 1 March compacted. Then e1, a
    # DELETE of 2 March 16:00 (seq 10): c4 comes after the deletion, counted at its
    # instant with no description: batch bills 66 s under {} on 3 March. The statement
    # corrects 2 and 3 March (-33, -6.875, +66); e1 names 1 March's part taken back under
    # the description each hour had: -5.5 s under {} and -20.625 s under {'mb': 4}. 5.5 +
    # 20.625 + 33 + 6.875 - 33 - 6.875 + 66 - 5.5 - 20.625 = 66. (The compacted state
    # kept the stretch's start under its own description, {'mb': 4}: -26.125 s was named
    # under {'mb': 4}, 71.5 s under {} and -5.5 under {'mb': 4} in all.)
    steps = _BEYOND[26068][2]
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(0))
    reports = [rater.statement(s) if isinstance(s, str) else rater.feed(s) for s in steps]
    named = [(a.quantity, streams.entry_of("cpu", a.message)) for a in reports[2].anomalies]
    assert sorted(named) == [(Decimal("-20.625"), "cpu-x4"), (Decimal("-5.5"), "cpu-x0")]
    assert _sums(0, steps, ["cpu"]) == ({"vm0 cpu-x0": 66}, {"vm0 cpu-x0": 66})


def _sums(horizon: int, steps: list[Step], meters: list[str]) -> tuple[dict[str, Decimal], ...]:
    """The stream's lines plus named, and batch's, per resource and entry of ``meters``."""
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(hours=horizon))
    reports = [rater.statement(s) if isinstance(s, str) else rater.feed(s) for s in steps]
    records = [r for step in steps if not isinstance(step, str) for r in step]
    mine, _ = streams.stream_sums(reports)
    theirs = streams.batch_sums(records)
    return tuple(
        {f"{r} {e}": q for (r, m, e), q in sums.items() if m in meters and q}
        for sums in (mine, theirs)
    )


@pytest.mark.parametrize(
    "seed",
    [
        pytest.param(
            seed,
            marks=()
            if seed in _COME_TO_BATCH
            else pytest.mark.xfail(
                strict=True,
                reason=f"seed {seed}, {kind}: the stream bills {stream} where batch bills "
                f"{batch} (known fault, docs/streaming.md)",
            ),
        )
        for seed, (kind, _, _, _, stream, batch) in _BEYOND.items()
    ],
)
def test_the_streams_found_beyond_the_first_16000_seeds_come_to_batch(seed: int) -> None:
    # The oracle: one batch rate() of the same records, per resource and price entry
    # (its figures are the table's, the test below checks).
    _, horizon, steps, meters, _, _ = _BEYOND[seed]
    mine, theirs = _sums(horizon, steps, meters)
    assert mine == theirs


@pytest.mark.parametrize("seed", sorted(_BEYOND))
def test_batch_bills_the_figures_of_the_table_of_streams_beyond(seed: int) -> None:
    _, horizon, steps, meters, _, batch = _BEYOND[seed]
    _, theirs = _sums(horizon, steps, meters)
    assert theirs == {key: Decimal(value) for key, value in batch.items()}


def _named(steps: list[Step], meter: str, horizon: int = 0) -> list[tuple[str, Decimal]]:
    """What the stream's anomalies name of ``meter``: per anomaly, its entry and quantity."""
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(hours=horizon))
    reports = [rater.statement(s) if isinstance(s, str) else rater.feed(s) for s in steps]
    found = [a for r in reports for a in r.anomalies if a.meter == meter and a.quantity]
    return [(streams.entry_of(meter, a.message), a.quantity) for a in found]


def test_a_kept_start_that_moves_a_closing_names_the_counters_part_it_describes_anew() -> None:
    # Seed 17049 cut down. e0 starts vm0 on 1 March 05:00 (2 mb); b4, bytes 263 at 22:00;
    # i8, a last_seen inventory of 3 March 06:00 listing nothing; b5, 459 at 3 March
    # 07:00: 196 B over 33 h, 196 / 33 = 5.9394 B an hour. Stated at 3 March 15:00: 1
    # March compacted; i8 closes vm0 at b4, 22:00, so all 196 B under {} (2 h on 1
    # March, 11.88 B). Then e1, a START of 3 March 01:00 (seq 10): vm0's last sign of
    # life, where i8 closes it now. Batch: 27 h up to 01:00 under {'mb': 2} (160.36 B),
    # 6 h after under {} (35.64 B). The statement corrects 2 and 3 March; e1 names 1
    # March's 2 h moved, -11.88 B under {} and +11.88 B under {'mb': 2} (nothing named
    # it: 148.48 and 47.52 B, before).
    _, horizon, steps, meters, _, batch = _BEYOND[17049]
    part = Decimal("11.878787878787878787878788")  # 2 * 196 / 33
    assert _named(steps, "bytes") == [("bytes-x0", -part), ("bytes-x2", part)]
    mine, theirs = _sums(horizon, steps, meters)
    assert mine == theirs == {k: Decimal(v) for k, v in batch.items()}


def test_a_too_late_closing_back_names_the_counters_compacted_part_it_describes_anew() -> None:
    # Seed 26045 cut down. b2, bytes 70 on 1 March 07:00; e0 describes vm0 {'mb': 4}
    # from 14:00; b3, 113 on 3 March 18:00: 43 B over 59 h. Stated at 4 March 22:00: 1
    # and 2 March compacted, 7 h under {} (5.10 B) and 34 h under {'mb': 4} (24.78 B)
    # billed there. Then i7, a last_seen inventory of 2 March 21:00 listing nothing, too
    # late: it closes vm0 at e0, 14:00, deleted. Batch: all 43 B under {}. The
    # statement corrects 3 March; i7 names the 34 h moved, -24.78 B under {'mb': 4} and
    # +24.78 B under {} (it named only the hours before).
    _, horizon, steps, meters, _, batch = _BEYOND[26045]
    # 1 March's 10 h and 2 March's 24 h, as billed (each row rounded at 24 places): 43 *
    # 10 / 59 = 7.288135593220338983050848 and 43 * 24 / 59 = 17.491525423728813559322034.
    part = Decimal("7.288135593220338983050848") + Decimal("17.491525423728813559322034")
    assert _named(steps, "bytes") == [("bytes-x4", -part), ("bytes-x0", part)]
    mine, theirs = _sums(horizon, steps, meters)
    assert mine == theirs == {k: Decimal(v) for k, v in batch.items()}


def test_a_kept_closing_back_fed_with_a_reordering_stop_names_its_move() -> None:
    # Seed 20545 cut down. e0 describes vm0 {'mb': 4} from 1 March 08:00 (seq 10); b3,
    # bytes 47 at 13:00, b4, 450 on 4 March 03:00: 403 B over 62 h, 6.5 B an hour.
    # Stated at 4 March 16:00: 1 and 2 March compacted, 71.5 and 156 B under {'mb': 4}.
    # Then, in one batch, i6, a last_seen inventory of 3 March 14:00 listing nothing
    # (it closes vm0 at b3, 13:00 on 1 March), and e2, a STOP of 4 March 17:00 ordered
    # before e0 (seq 0): e0 takes 17:00 after it, and vm0 is never described before.
    # Batch: 403 B under {}. i6 names its move judged without e2 (whose move the
    # statement names with i6: none is left), -227.5 B under {'mb': 4} and +227.5 B
    # under {}. (Each was judged with the other, and nothing named it.)
    _, horizon, steps, meters, _, batch = _BEYOND[20545]
    assert _named(steps, "bytes") == [
        ("bytes-x4", Decimal("-227.5")),
        ("bytes-x0", Decimal("227.5")),
    ]
    mine, theirs = _sums(horizon, steps, meters)
    assert mine == theirs == {k: Decimal(v) for k, v in batch.items()}


def test_a_kept_closing_that_lists_another_resource_names_its_move() -> None:
    # Seed 898 cut down. b3, bytes 7 on 2 March 13:00; e1 starts vm0 at 16:00 (2 mb,
    # seq 10); b4, 175 on 3 March 23:00: 168 B over 34 h. Stated at 4 March 15:00 with a
    # horizon of 1 h: 2 March compacted, 3 h under {} (14.82 B) and 8 h under {'mb': 2}
    # (39.53 B). Then i10, a last_seen inventory of 3 March 20:00 listing vm1 alone: it
    # closes vm0 at e1, 16:00. Batch: 168 B under {}. i10 names the 8 h moved, -39.53 B
    # under {'mb': 2} and +39.53 under {}. (Metered without i10, to tell its move, i10
    # was left in, narrowed to vm0 anew, so the move came to nothing.)
    b3, b4 = _bytes("vm0", "03-02T13", 7, "b3"), _bytes("vm0", "03-03T23", 175, "b4")
    e1 = _event("vm0", "03-02T16", "start", "e1", 10, mb=2)
    i10 = rk.Inventory(_at("03-03T20"), [("a", "vm1")], close="last_seen", id="i10")
    steps: list[Step] = [[b3, e1, b4], "2026-03-04T15:00:00Z", [i10], END]
    part = Decimal("39.529411764705882352941177")  # 8 * 168 / 34, as 2 March billed it
    assert _named(steps, "bytes", horizon=1) == [("bytes-x2", -part), ("bytes-x0", part)]
    assert _sums(1, steps, ["bytes"]) == ({"vm0 bytes-x0": Decimal(168)},) * 2


def test_a_kept_event_stamped_before_the_kept_cycles_is_no_part_of_what_they_billed() -> None:
    # Seed 8736 cut down. e6 describes vm1 {'mb': 4} from 1 March 15:00 (seq 20); b10,
    # bytes 428 on 3 March 11:00; b11, 20 on 4 March 07:00, a reset: 20 B over 20 h.
    # Stated at 5 March 05:00 with a horizon of 3 h: 3 March compacted, 13 B under
    # {'mb': 4}. Then e9, a START of 4 March 09:00 (seq 10, before e6) and e8, a START of
    # 3 March 21:00 (seq 30, kept: after e9): e6 and e8 take 09:00 after e9, and vm1 is
    # never described before. Batch: 20 B under {}. The statement names e9's move of 3
    # March's 13 B, -13 under {'mb': 4} and +13 under {}, against what 3 March billed,
    # without e8. (Judged with e8 starting vm1 at 21:00, it named -10 and -3 under
    # {'mb': 2}: 3 B too many under {'mb': 4}, 3 too few under {'mb': 2}.)
    e6 = _event("vm1", "03-01T15", "update", "e6", 20, mb=4)
    b10, b11 = _bytes("vm1", "03-03T11", 428, "b10"), _bytes("vm1", "03-04T07", 20, "b11")
    e9 = _event("vm1", "03-04T09", "start", "e9", 10, mb=2)
    e8 = _event("vm1", "03-03T21", "start", "e8", 30, mb=2)
    steps: list[Step] = [[e6, b10, b11], "2026-03-05T05:00:00Z", [e9, e8], END]
    assert _named(steps, "bytes", horizon=3) == [("bytes-x4", -13), ("bytes-x0", 13)]
    assert _sums(3, steps, ["bytes"]) == ({"vm1 bytes-x0": Decimal(20)},) * 2


def test_a_closing_fed_ahead_of_the_watermark_names_its_move_of_a_reading_compacted_since() -> None:
    # Seed 12464. e0 starts vm0 on 1 March 10:00 (4 mb), stated at 2 March 00:00 (horizon
    # 1 h); then e1 stops it at 17:00, c2, a first reading from zero of 61 s on 2 March
    # 16:00 (counted at its instant, the resource stopped: under {'mb': 4}), and i3, a
    # last_seen inventory of 4 March 21:00 listing nothing. Stated at 4 March 18:00: i3
    # lies ahead of the watermark, not applied; 61 s under {'mb': 4} billed on 2 March,
    # compacted. Stated at 7 March: i3 closes vm0 at its last sign of life, c2 at 2 March
    # 16:00, which batch then reads after the closing, with no description: 61 s under
    # {}. The statement of 4 March 18:00, whose compaction folds c2 while i3 waits,
    # names i3's move of it: -61 s under {'mb': 4} and +61 s under {}, 61 s under {} in
    # all, as batch. (Nothing named it before: 61 s stayed under {'mb': 4}.)
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(hours=1))
    e0 = _event("vm0", "03-01T10", "start", "e0", 0, mb=4)
    e1 = _event("vm0", "03-01T17", "stop", "e1", 10)
    c2 = _cpu("vm0", "03-02T16", 61, "c2")
    i3 = _seen("03-04T21", [], "i3", account=True)
    steps: list[Step] = [[e0], "2026-03-02T00:00:00Z", [e1, c2, i3], "2026-03-04T18:00:00Z", END]
    reports = [rater.statement(s) if isinstance(s, str) else rater.feed(s) for s in steps]
    named = [
        (a.quantity, streams.entry_of("cpu", a.message))
        for a in reports[3].anomalies
        if a.meter == "cpu"
    ]
    assert sorted(named) == [(-61, "cpu-x4"), (61, "cpu-x0")]
    assert _sums(1, steps, ["cpu"]) == ({"vm0 cpu-x0": 61}, {"vm0 cpu-x0": 61})


#: Whole streams of the search that come to batch since a kept record names its move of
#: a compacted first reading from zero (10127, 10212 and 12464 of the round before; six
#: of the seven of the table above whole), and one that differed while a statement's
#: "late" change of such a reading was dropped only when it named the reading (11618:
#: metering names the kept STOP and DELETE that a too-late START orders after it, where
#: the START's feed named the move).
_WHOLE = (10127, 10212, 11618, 12464, 17505, 19075, 23347, 26068, 27800, 30693)


@pytest.mark.parametrize("seed", _WHOLE)
def test_the_whole_streams_of_a_compacted_first_reading_come_to_batch(seed: int) -> None:
    assert streams.differences(seed) == []
