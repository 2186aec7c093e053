"""A vector database's pods streamed through ``rk.Rater`` over the DST Sunday and a plan switch.

Records arrive 20 minutes after their stamp, some hours late (``_vectordb_pods.LATE``);
each feed replays the last two records (an at-least-once queue); an inventory lists the
live pods every hour; a statement comes every hour (so at every local midnight). A rater
saved as JSON and restored before every call says what one never restored says, to the
last line and anomaly; at every closing the cycle's
invoice must be batch ``rate()``'s of the records fed so far, to the last digit; the lines
of each cycle must add up to the final batch's exact total.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal
from fractions import Fraction

from tests._vectordb_pods import ASSIGNED, END, HOUR, METERS, RECORDS, START, TZ, arrival, listings

import ratekit as rk

Record = rk.Event | rk.Sample | rk.Inventory
SPAN = rk.Span(START, END)


def _batch(records: list[Record], as_of: dt.datetime) -> dict[rk.Span, rk.Invoice]:
    rating = rk.rate(records, list(ASSIGNED), span=SPAN, meters=METERS, as_of=as_of)
    return {invoice.cycle: invoice for invoice in rk.bill(rating, tz=TZ)}


def _restored(rater: rk.Rater) -> rk.Rater:
    saved = json.loads(json.dumps(rater.snapshot()))
    return rk.Rater.restore(saved, list(ASSIGNED), METERS)


@functools.cache
def _stream(
    every: int = 0,
    hours: int = 49,
) -> tuple[
    list[rk.StatementLine],
    list[tuple[rk.Invoice, rk.Invoice]],
    list[rk.Feed],
    list[rk.Anomaly],
    tuple[Record, ...],
    dt.datetime,
]:
    queue = sorted([*RECORDS, *listings()], key=arrival)
    rater = rk.Rater(list(ASSIGNED), METERS, start=START, horizon=HOUR, tz=TZ)
    fed: list[Record] = []
    lines: list[rk.StatementLine] = []
    closings: list[tuple[rk.Invoice, rk.Invoice]] = []
    feeds: list[rk.Feed] = []
    anomalies: list[rk.Anomaly] = []
    at, n = START + HOUR, 0
    while at <= START + hours * HOUR:  # 49 h: to 2 h past Monday's end
        batch = [record for record in queue if record not in fed and arrival(record) < at]
        if batch:
            if every == 1:
                rater = _restored(rater)
            feeds.append(rater.feed([*batch, *fed[-2:]]))
            fed += batch
        statement = rater.statement(at)
        lines += statement.lines
        anomalies += statement.anomalies
        if statement.invoices:
            batch_invoices = _batch(fed, at)
            closings += [(mine, batch_invoices[mine.cycle]) for mine in statement.invoices]
        n += 1
        if every and n % every == 0:
            rater = _restored(rater)
        at += HOUR
    return lines, closings, feeds, anomalies, tuple(fed), at - HOUR


def test_every_closing_invoice_is_batch_to_the_last_digit() -> None:
    _, closings, *_ = _stream()
    assert [mine.cycle for mine, _ in closings] == [
        rk.Span("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"),  # the 23-hour Sunday
        rk.Span("2026-03-29T22:00:00Z", "2026-03-30T22:00:00Z"),
    ]
    for mine, batch in closings:
        assert [(line.entry, line.quantity, line.amount) for line in mine.lines] == [
            (line.entry, line.quantity, line.amount) for line in batch.lines
        ]
        assert mine.precise_total == batch.precise_total
        assert mine.total == batch.total


def test_the_closing_invoices_worked_by_hand() -> None:
    _, closings, *_ = _stream()
    sunday, monday = (mine for mine, _ in closings)
    # Sunday 29 March lasts 23 h (23:00Z..22:00Z); its nights are 23:00Z..04:00Z (00:00
    # CET to 06:00 CEST) and 20:00Z..22:00Z: 7 h, so 16 h of day.
    # small by day: p0 16 + p1 4 (04..08Z) + p3 2.5 (17:30..20Z) = 22.5 x 0.10 = 2.25
    # small by night: p0 7 + p1 4 (00..04Z) + p3 2 = 13 x 0.05 = 0.65
    # medium by day: p1 5 (08..13Z) + 6 (14..20Z, rebooted) + p2 16 (04..20Z) = 27 x 0.40
    # medium by night: p1 2 + p2 1 (03..04Z) + 2 = 5 x 0.20 = 1.00
    # queries: 700 - 100 + 760 - 700 (+0 after the reset) = 660, under the week's 1,000
    # storage: peak 40 x 0.01; mean (10 GB x 12 h + 40 GB x 6 h) / 18 h = 20 x 0.02
    assert [(line.entry, line.quantity, line.amount) for line in sunday.lines] == [
        ("pod-m", Decimal(27), Decimal("10.80")),
        ("pod-m-night", Decimal(5), Decimal("1.00")),
        ("pod-s", Decimal("22.5"), Decimal("2.25")),
        ("pod-s-night", Decimal(13), Decimal("0.65")),
        ("queries", Decimal(660), Decimal("0.00")),
        ("mean", Decimal(20), Decimal("0.40")),
        ("peak", Decimal(40), Decimal("0.40")),
    ]
    assert sunday.total == Decimal("15.50")
    # Monday 30 March under pro: 8 h of night (22..04Z, 20..22Z), 16 of day.
    # small: p0 and p3 all day, 32 x 0.08 = 2.56 and 16 x 0.04 = 0.64
    # medium: p1 to its delete at 10Z (6 night, 6 day), p2 closed by the 04Z listing
    # (6 night): 6 x 0.32 = 1.92, 12 x 0.16 = 1.92
    # queries: 900 over 14Z..08Z (18 h), 10 h of them on Monday: 500, under pro's 1,000
    # storage: the mean's level of 40 GB holds on (no reading, no peak): 40 x 0.015
    assert [(line.entry, line.quantity, line.amount) for line in monday.lines] == [
        ("pod-m", Decimal(6), Decimal("1.92")),
        ("pod-m-night", Decimal(12), Decimal("1.92")),
        ("pod-s", Decimal(32), Decimal("2.56")),
        ("pod-s-night", Decimal(16), Decimal("0.64")),
        ("queries", Decimal(500), Decimal("0.00")),
        ("mean", Decimal(40), Decimal("0.60")),
    ]
    assert monday.total == Decimal("7.64")


def test_what_the_feeds_and_statements_said() -> None:
    _, _, feeds, anomalies, *_ = _stream()
    # the create of p0, a week before the rater's start, is too late (its part before);
    # every replay is a duplicate, nothing conflicts
    assert [feed.too_late for feed in feeds if feed.too_late] == [("p0-c",)]
    assert not any(feed.conflicting for feed in feeds)
    assert sum(len(feed.duplicates) for feed in feeds) >= len(feeds) - 1
    assert [(a.kind, a.record_ids) for a in anomalies] == [
        # q4 read first against q2 (q3 came late), then against q3
        ("counter_reset", ("q4", "q2")),
        ("counter_reset", ("q4", "q3")),
        ("reconciled_open", ("inv-0329T18",)),
        ("reconciled_close", ("inv-0330T04", "p2-c")),
        ("late", ("q5",)),
    ]


def test_the_lines_of_each_cycle_add_up_to_the_final_batch() -> None:
    lines, _, _, _, fed, last = _stream()
    final = _batch(list(fed), last)
    for cycle, invoice in final.items():
        said = sum(Fraction(line.amount) for line in lines if line.cycle == cycle)
        assert said == Fraction(invoice.precise_total)


def test_a_rater_restored_before_every_call_says_what_one_never_restored_says() -> None:
    def said(every: int) -> tuple[list[object], list[str], list[str], list[object]]:
        # to Monday 03:00: the late records, the restart, Sunday's closing, the switch
        lines, closings, feeds, anomalies, _, _ = _stream(every, hours=27)
        return (
            [(line.key, line.role, line.quantity, line.amount, line.late) for line in lines],
            [str(mine) for mine, _ in closings],
            [anomaly.message for anomaly in anomalies],
            [(feed.accepted, feed.duplicates, feed.late, feed.too_late) for feed in feeds],
        )

    assert said(1) == said(0)
