"""A kept ``last_seen`` closing and a kept event its seq orders before compacted ones.

The closing reaches back into the compacted cycles (the resource's last sign of life
there): its ``"too_late"`` anomaly names that part, or the cycles billed it while they
were kept. A kept event that its ``seq`` orders before the compacted events moves their
running (docs/streaming.md, Events ordered by their ``seq`` before compacted ones), and
may move or take away the closing: batch places the inventory among the compacted
events by the event. The closing is judged as the records stood without such events,
whenever they come, and the statement names the event's part in the compacted cycles:
what metering finds with the kept records less what it finds without the event, the
closing's part in both. Daily UTC cycles, 1 EUR an hour, no horizon; worked by hand.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests._seq_plan import METERS, PLAN, START

import ratekit as rk

END = "2026-03-06T00:00:00Z"

Report = rk.Feed | rk.Statement


def _named(reports: list[Report]) -> list[Decimal]:
    return [
        a.quantity
        for report in reports
        for a in report.anomalies
        if a.kind in {"late", "too_late"} and a.meter == "hours" and a.quantity is not None
    ]


def _lines(reports: list[Report]) -> Decimal:
    return sum(
        (
            line.quantity
            for report in reports
            if isinstance(report, rk.Statement)
            for line in report.lines
            if line.meter == "hours"
        ),
        Decimal(0),
    )


@pytest.mark.parametrize("order", ["event after", "one batch", "event before"])
def test_an_event_that_moves_a_kept_closing_and_the_start_names_its_own_part(order: str) -> None:
    # s starts vm on 1 March 00:00 (seq 49); stated at 3 March 03:00: 24 + 24 + 3 = 51
    # h, 1 March compacted. k, a last_seen inventory of 2 March 01:00 that lists
    # nothing, closes vm at s, its last sign of life: 1 March's 24 h are named (-24),
    # whether e came before it or not (judged without e). e, a START of 2 March 01:00
    # (seq 29), is ordered before s, which takes 01:00 (out of order): vm never ran on
    # 1 March. e is a sign of life up to k, so k closes vm at 01:00, in the kept
    # cycles: batch bills 0 h. The stream takes back 2 and 3 March (-27: lines 24) and
    # names k's -24; e's part of 1 March is what batch bills there with it (0) less
    # without it (0, closed at s): nothing. 24 - 24 = 0. (e once named its move of the
    # closing, +24, and the statement e's part, -24, in one order; in another, e's part
    # was taken for a repeat of k's and went unsaid: 24 where batch bills 0.)
    start = rk.Event("a", "vm", "2026-03-01T00:00:00Z", kind="start", id="s", seq=49)
    closing = rk.Inventory("2026-03-02T01:00:00Z", [], accounts=["a"], close="last_seen", id="k")
    early = rk.Event("a", "vm", "2026-03-02T01:00:00Z", kind="start", id="e", seq=29)
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[Report] = [rater.feed([start]), rater.statement("2026-03-03T03:00:00Z")]
    if order == "one batch":
        reports.append(rater.feed([closing, early]))
    else:
        first, second = (closing, early) if order == "event after" else (early, closing)
        reports += [rater.feed([first]), rater.feed([second])]
    reports.append(rater.statement(END))
    batch = rk.rate([start, closing, early], PLAN, span=rk.Span(START, END), meters=METERS)
    assert sum(c.quantity for c in batch.charges if c.meter == "hours") == 0
    assert _lines(reports) == 24
    assert sum(_named(reports)) == -24
    assert _lines(reports) + sum(_named(reports)) == 0


def test_an_event_that_moves_a_compacted_sign_of_life_past_a_kept_closing_names_the_move() -> None:
    # o starts vm on 1 March 02:00 (seq 10), s starts it again at 03:00 (seq 49, already
    # running): 22 + 24 + 3 = 49 h by 3 March 03:00, 1 March compacted. k, a last_seen
    # inventory of 2 March 01:00 that lists nothing, closes vm at s, its last sign of
    # life (03:00): -21 named. e, a START of 2 March 02:00 (seq 29), is ordered before s,
    # which takes 02:00 on 2 March, after k: the last sign of life before k is o, so k
    # closes vm at 02:00 on 1 March, and e and s come after that (ignored): batch bills
    # 0 h. The stream takes back 2 and 3 March (-27: lines 22) and names k's -21 (judged
    # without e: closed at s). e's part of 1 March is what batch bills there with e (0)
    # less without it (1, from 02:00 to the closing at 03:00): -1, the hour between,
    # named by the statement. 22 - 21 - 1 = 0. (That hour went unnamed: the statement's
    # change was taken for a repeat of k's closing, which it names too.)
    first = rk.Event("a", "vm", "2026-03-01T02:00:00Z", kind="start", id="o", seq=10)
    start = rk.Event("a", "vm", "2026-03-01T03:00:00Z", kind="start", id="s", seq=49)
    closing = rk.Inventory("2026-03-02T01:00:00Z", [], accounts=["a"], close="last_seen", id="k")
    early = rk.Event("a", "vm", "2026-03-02T02:00:00Z", kind="start", id="e", seq=29)
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[Report] = [
        rater.feed([first, start]),
        rater.statement("2026-03-03T03:00:00Z"),
        rater.feed([closing]),
        rater.feed([early]),
        rater.statement(END),
    ]
    records = [first, start, closing, early]
    batch = rk.rate(records, PLAN, span=rk.Span(START, END), meters=METERS)
    assert sum(c.quantity for c in batch.charges if c.meter == "hours") == 0
    assert _lines(reports) == 22
    assert _named(reports) == [-21, -1]
