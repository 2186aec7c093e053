"""A plan switch at local midnight in a zone whose clocks change at midnight (Santiago).

Chile moves its clocks at 00:00: on Sunday 6 September 2026 local midnight does not
exist (the day starts at 01:00 -03 and lasts 23 hours); on Sunday 5 April 2026 the
Saturday before lasts 25 hours (midnight -03 comes again as 23:00 -04). Daily cycles, a
night price from 00:00 to 06:00, 1,000 query units free a week from Sunday, a fee of 1
a day, and a switch from ``std`` to ``pro`` at the Sunday's start: streamed hourly with a
JSON restore every six hours, each closing invoice is batch's to the last
digit.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

import ratekit as rk

TZ = "America/Santiago"
DAYS = rk.cycles.daily(tz=TZ)
NIGHTS = rk.windows.daily("00:00", "06:00", tz=TZ)
METERS = [rk.Meter("pod.hours", "hour", rk.OnOff()), rk.Meter("qu", "unit", rk.Counter())]
HOUR = dt.timedelta(hours=1)


def _plan(name: str, day: str, night: str) -> rk.Plan:
    return rk.Plan(
        name,
        "EUR",
        DAYS,
        [
            rk.PriceEntry("pod", "pod.hours", rk.PerUnit(day)),
            rk.PriceEntry("night", "pod.hours", rk.PerUnit(night), window=NIGHTS, priority=1),
            rk.PriceEntry("q", "qu", rk.PerUnit("0.001")),
        ],
        allowances=[rk.Allowance("qu", 1000, cycle=rk.cycles.weekly(tz=TZ, weekday="Sun"))],
        fees=[rk.Fee("base", 1)],
        unpriced="anomaly",
    )


STD, PRO = _plan("std", "0.10", "0.05"), _plan("pro", "0.08", "0.04")


def _closings(start: str, switch: str, until: str) -> list[tuple[rk.Invoice, rk.Invoice]]:
    first, change = dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(switch)
    assigned = [rk.Assignment("acme", STD, end=change), rk.Assignment("acme", PRO, start=change)]
    end = dt.datetime.fromisoformat(until)
    records: list[rk.Event | rk.Sample] = [
        rk.Event("acme", "p", first + 3 * HOUR, kind="start", id="c"),
        *(
            rk.Sample(
                "acme",
                "p",
                "qu",
                first + (4 + 5 * n) * HOUR,
                100 * n * n,
                kind="counter",
                id=f"q{n}",
            )
            for n in range(10)
        ),
    ]
    rater = rk.Rater(assigned, METERS, start=first, horizon=HOUR, tz=TZ)
    rater.feed(records)
    closings, at = [], first
    while at < end + 2 * HOUR:
        at += HOUR
        statement = rater.statement(at)
        if at.hour % 6 == 0:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
        if statement.invoices:
            rating = rk.rate(records, assigned, span=rk.Span(first, end), meters=METERS, as_of=at)
            batch = {invoice.cycle: invoice for invoice in rk.bill(rating, tz=TZ)}
            closings += [(mine, batch[mine.cycle]) for mine in statement.invoices]
    return closings


@pytest.mark.parametrize(
    ("start", "switch", "until", "nights"),
    [
        # Saturday 5 September starts 04:00Z; the Sunday starts at 01:00 -03 (04:00Z), its
        # night window from the gap's end: 01:00..06:00, 5 h. The pod starts at 03:00
        # local on Saturday: 3 h of night that day.
        (
            "2026-09-05T00:00:00-04:00",
            "2026-09-06T00:00:00-04:00",
            "2026-09-07T00:00:00-03:00",
            [3, 5],
        ),
        # Saturday 4 April lasts 25 h (03:00Z..04:00Z); the pod starts at 03:00 -03, so
        # 3 h of night, and 22 h in all; the Sunday has 6 h of night.
        (
            "2026-04-04T00:00:00-03:00",
            "2026-04-05T00:00:00-04:00",
            "2026-04-06T00:00:00-04:00",
            [3, 6],
        ),
    ],
)
def test_a_switch_at_a_midnight_the_clocks_move_bills_as_batch(
    start: str, switch: str, until: str, nights: list[int]
) -> None:
    closings = _closings(start, switch, until)
    assert len(closings) == 2
    for mine, batch in closings:
        assert mine.precise_total == batch.precise_total
        assert [(line.entry, line.amount) for line in mine.lines] == [
            (line.entry, line.amount) for line in batch.lines
        ]
    said = [line.quantity for mine, _ in closings for line in mine.lines if line.entry == "night"]
    assert said == [Decimal(n) for n in nights]
    # the Sunday is pro's from its first instant: its fee is pro's whole 1, std's
    # Saturday fee its whole 1 (no share of a day on either side)
    assert [(mine.lines[-1].entry, mine.lines[-1].amount) for mine, _ in closings] == [
        ("base", Decimal("1.00")),
        ("base", Decimal("1.00")),
    ]
