"""What the fourth round of the differential search found anew, each stream cut down.

Seeds 0 to 15,999 of `tests/_stretch_streams.py` searched again after a from_zero
counter came to count every running stretch after a stop from 0 (a reading while
stopped counts up to the stop that holds it, a relisted or restarted resource reads
from 0), compaction came to write a carried state's boot, an instant's deltas came to
net whatever the resources are called and corrections over a span came to cut at their
stamp (see docs/stream-checks.md). The 12 streams of before still differ, as they did;
13 differ anew, all of the first reading from zero (``cpu``), its sum (the seconds, not
only their description) apart from batch:

- 12 (3972, 4434, 4634, 5209, 5351, 6167, 6194, 8036, 8542, 9338, 10450, 13750): a
  reading too late for its increment's start, whose part before the kept cycles is
  judged against the compacted state without the records fed with it or after it (a
  ``last_seen`` inventory that closes the resource, a STOP that holds the counter, an
  inventory that lists it) that change how far the increment spreads: the part named is
  not batch's, and nothing names it again. Each comes to batch fed a record a batch,
  the reading last.
- one (5059): a kept ``last_seen`` inventory that lists a deleted resource again (a
  boot: its next reading counts from 0) takes back the kept cycles' part of the
  increment before the boot, not the compacted cycles' part, which nothing names.

Each is pinned as a strict xfail: per resource, the stream's ``cpu`` lines plus the
seconds its anomalies name against one batch ``rate()`` of the same records. Daily UTC
cycles, a horizon of 0, the plan of `tests/_stretch_streams.py` (1 EUR a second, 2 and 4
EUR under a size of 2 and 4 ``mb``).
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


@pytest.mark.xfail(
    strict=True,
    reason="a too-late first reading's part before the kept cycles is judged without the "
    "last_seen closing fed with it, which deletes the resource so that the STOP no longer "
    "holds the counter: 65 s named where batch's part is 22.94 s; the stream bills "
    "250.058823529411764705882353 s where batch bills 208 s (seed 3972; known fault, "
    "docs/streaming.md)",
)
def test_a_too_late_reading_fed_with_a_closing_names_its_compacted_part_as_batch() -> None:
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
    # 13 + 65 + 172.06 = 250.06 s.
    assert _seconds(_stopped_then_closed(apart=False), "vm0") == (Decimal(208), Decimal(208))


def test_a_too_late_reading_fed_after_the_closing_names_its_compacted_part_as_batch() -> None:
    # The stream above with i9 fed in a batch of its own before c6: c6's part before 3
    # March is judged with vm0 deleted at 08:00, 195 * 4 / 34 = 22.94 s named, and 13 +
    # 22.94 + 172.06 = 208 s, as batch.
    steps = _stopped_then_closed(apart=True)
    stream, batch = _seconds(steps, "vm0")
    assert stream == batch == 208


@pytest.mark.xfail(
    strict=True,
    reason="a kept last_seen inventory that lists a deleted resource again (a boot: its "
    "next first reading from zero counts from 0) takes back the kept cycles' 93.6 s of the "
    "reading's increment but not the compacted cycles' 10.4 s, named by nothing: the "
    "stream bills 366.4 s where batch bills 356 s (seed 5059; known fault, "
    "docs/streaming.md)",
)
def test_a_kept_relisting_takes_back_the_compacted_part_of_an_increment() -> None:
    # e0 describes vm0 (4 mb) from 1 March 05:00; b4, bytes on 2 March 09:00, its last
    # sign of life; i13, a last_seen inventory of 2 March 19:00 listing nothing, closes
    # it there (deleted). c5, a first reading from zero of 126 s at 2 March 23:00, and
    # c6, 230 at 3 March 09:00: 104 s over 10 h, 1 h on 2 March (10.4) and 9 h on 3
    # March (93.6), no description. Stated at 4 March 10:00: 136.4 s on 2 March, 93.6 on
    # 3 March; 1 and 2 March compacted. Then i12, a last_seen inventory of 3 March 05:00
    # listing vm0: opened again at 05:00, a boot, so c6 counts from 0: 230 s on 3 March.
    # Batch: 126 + 230 = 356 s. The stream corrects 3 March (-93.6 + 230) but keeps 2
    # March's 10.4 s of the increment that no longer is: 136.4 + 230 = 366.4 s.
    e0 = _event("vm0", "03-01T05", "update", "e0", 0, mb=4)
    b4 = rk.Sample("a", "vm0", "bytes", _at("03-02T09"), 43, kind="counter", id="b4")
    c6, c5 = _cpu("vm0", "03-03T09", 230, "c6"), _cpu("vm0", "03-02T23", 126, "c5")
    i13 = _seen("03-02T19", [], "i13")
    i12 = _seen("03-03T05", ["vm0"], "i12", account=True)
    steps: list[Step] = [[e0, b4, c6, c5, i13], "2026-03-04T10:00:00Z", [i12], END]
    assert _seconds(steps, "vm0") == (Decimal(356), Decimal(356))


#: The other streams of the round's first kind, each cut down (the resource, the steps,
#: and what the stream and batch bill of its cpu, in seconds).
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


@pytest.mark.parametrize(
    ("resource", "steps", "batch"),
    [
        pytest.param(
            resource,
            steps,
            Decimal(batch),
            id=f"seed-{seed}",
            marks=pytest.mark.xfail(
                strict=True,
                reason=f"seed {seed}: a too-late first reading's part before the kept cycles "
                "is judged without the records fed with it or after it that change its "
                f"spread: the stream bills {stream} s where batch bills {batch} s (known "
                "fault, docs/streaming.md)",
            ),
        )
        for seed, (resource, steps, stream, batch) in _JUDGED_WITHOUT_THEIR_BATCH.items()
    ],
)
def test_a_too_late_readings_compacted_part_is_judged_with_its_batch(
    resource: str, steps: list[Step], batch: Decimal
) -> None:
    # The oracle: one batch rate() of the same records (its figure is checked by the
    # test below, where the stream comes to it).
    assert _seconds(steps, resource) == (batch, batch)


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
