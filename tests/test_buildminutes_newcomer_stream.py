"""A CI build-minutes backend feeds the streaming rater from webhooks (docs/streaming.md):
duplicated, out of order, a STOP before its START, a job whose STOP never comes and that
a ``last_seen`` inventory closes, jobs across the month's end and the November DST
change, restarts from a JSON snapshot. The statements must add up to one batch
``rk.rate()`` of the same records, and the closing invoices must be batch's to the cent.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk
from _build_minutes import LA, METERS, NOVEMBER, OCTOBER, STANDARD, job, month_of_records

Record = rk.Event | rk.Sample | rk.Inventory
Key = tuple[str, dt.datetime]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def restored(rater: rk.Rater) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), STANDARD, METERS)


def batch_sums(records: list[Record], as_of: str) -> dict[Key, Fraction]:
    span = rk.Span(OCTOBER.start, NOVEMBER.end)
    rating = rk.rate(records, STANDARD, span=span, meters=METERS, as_of=as_of)
    sums: dict[Key, Fraction] = defaultdict(Fraction)
    for charge in rating.charges:
        sums[charge.account, charge.cycle.start] += Fraction(charge.amount)
    return {key: value for key, value in sums.items() if value}


def stream(
    steps: list[tuple[list[Record], str]], horizon: dt.timedelta = dt.timedelta(0)
) -> tuple[dict[Key, Fraction], list[rk.Statement]]:
    """Feed each batch, state at its watermark, restore from JSON after every statement."""
    rater = rk.Rater(STANDARD, METERS, start=OCTOBER.start, horizon=horizon, tz=LA)
    sums: dict[Key, Fraction] = defaultdict(Fraction)
    statements = []
    for records, watermark in steps:
        if records:
            rater.feed(records)
        statement = rater.statement(watermark)
        statements.append(statement)
        for line in statement.lines:
            if line.cycle.start < NOVEMBER.end:  # December is batch's next span
                sums[line.account, line.cycle.start] += Fraction(line.amount)
        rater = restored(rater)
    return {key: value for key, value in sums.items() if value}, statements


WATERMARKS = [
    "2026-10-20T00:00:00Z",
    "2026-11-01T08:00:00Z",  # 01:00 PDT
    "2026-11-01T09:30:00Z",  # 01:30 PST, the second time round
    "2026-11-02T12:30:00Z",
    "2026-11-03T18:30:00Z",
    "2026-11-05T00:00:00Z",
    "2026-11-20T00:00:00Z",
    "2026-12-01T08:00:00Z",
    "2026-12-03T00:00:00Z",
]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_shuffled_duplicated_month_bills_as_batch_to_the_cent(seed: int) -> None:
    draw = random.Random(seed)
    records: list[Record] = month_of_records()
    feed = records + [draw.choice(records) for _ in range(5)]
    draw.shuffle(feed)
    batches: list[list[Record]] = [[] for _ in WATERMARKS]
    for record in feed:
        # Fed before the first watermark past its instant: late, never too late.
        last = next(i for i, mark in enumerate(WATERMARKS) if at(mark) > record.at)
        batches[draw.randint(0, last)].append(record)
    got, statements = stream(list(zip(batches, WATERMARKS, strict=True)), dt.timedelta(days=1))
    assert got == batch_sums(records, WATERMARKS[-1])
    closing = {(i.account, i.cycle.start): i.total for s in statements for i in s.invoices}
    # October closes on 2 November 07:00Z, November on 2 December 08:00Z (a day's horizon).
    assert closing == {
        ("acme", OCTOBER.start): Decimal("0.00"),
        ("globex", OCTOBER.start): Decimal("341.12"),
        ("acme", NOVEMBER.start): Decimal("14.26"),
        ("globex", NOVEMBER.start): Decimal("68.72"),
    }
    assert (
        str(statements[-1].invoices[0])
        .splitlines()[0]
        .endswith("2026-11-01 .. 2026-12-01 (America/Los_Angeles), USD")
    )


def test_a_stop_fed_before_its_start() -> None:
    start, stop = job("a", "j", "2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z", "macos")
    got, statements = stream([([stop], "2026-11-02T12:00:00Z"), ([start], "2026-11-02T13:00:00Z")])
    # The orphan STOP charges nothing; the START fed after it gives the hour: 60 x 0.08.
    assert [a.kind for a in statements[0].anomalies] == ["orphan_stop"]
    assert statements[0].lines == ()
    assert [(line.role, line.amount) for line in statements[1].lines] == [
        ("charge", Decimal("4.80"))
    ]
    assert got == batch_sums([start, stop], "2026-11-02T13:00:00Z")


def test_a_job_that_never_stops_closed_by_a_late_last_seen_inventory() -> None:
    [start] = job("a", "j", "2026-11-03T08:00:00Z", None, "macos")
    heartbeat = rk.Event("a", "j", "2026-11-03T09:00:00Z", {"heartbeat": 1}, kind="update", id="h")
    inventory = rk.Inventory("2026-11-04T00:00:00Z", [], close="last_seen", accounts=["a"], id="i")
    got, statements = stream(
        [
            ([start], "2026-11-03T08:30:00Z"),
            ([heartbeat], "2026-11-04T06:00:00Z"),  # ran 22 h so far: 1,320 x 0.08
            ([inventory], "2026-11-05T00:00:00Z"),
        ]
    )
    assert [line.amount for line in statements[1].lines] == [Decimal("103.20")]
    # The inventory closes it at 09:00Z: 60 minutes, 4.80; the rest is taken back.
    assert [(line.role, line.amount) for line in statements[2].lines] == [
        ("reversal", Decimal("-105.60")),
        ("correction", Decimal("4.80")),
    ]
    assert got == batch_sums([start, heartbeat, inventory], "2026-11-05T00:00:00Z")


def test_a_forty_day_job_restored_through_the_repeated_hour() -> None:
    start, stop = job("a", "j", "2026-10-20T07:00:00Z", "2026-11-29T07:00:00Z", "linux-8x")
    marks = ["2026-11-01T07:00:00Z", "2026-11-01T08:30:00Z", "2026-11-01T09:30:00Z"]
    steps: list[tuple[list[Record], str]] = [([start], "2026-10-25T00:00:00Z")]
    steps += [([], mark) for mark in marks] + [([stop], "2026-12-01T08:00:00Z")]
    got, _ = stream(steps)
    # October: 12 days = 17,280 minutes, 2,000 free: 15,280 x 0.032 = 488.96.
    # November: 1 November 07:00Z to 29 November 07:00Z = 28 days = 40,320 minutes, 2,000
    # free: 38,320 x 0.032 = 1,226.24.
    assert got == {
        ("a", OCTOBER.start): Fraction("488.96"),
        ("a", NOVEMBER.start): Fraction("1226.24"),
    }
    assert got == batch_sums([start, stop], "2026-12-01T08:00:00Z")


@pytest.mark.parametrize("stop_first", [False, True])
def test_a_job_of_one_microsecond_on_the_watermark(stop_first: bool) -> None:
    start, stop = job(
        "a", "j", "2026-11-02T10:00:00.000001Z", "2026-11-02T10:00:00.000001Z", "macos"
    )
    first, second = (stop, start) if stop_first else (start, stop)
    got, statements = stream(
        [([first], "2026-11-02T10:00:00.000001Z"), ([second], "2026-11-02T13:00:00Z")]
    )
    assert got == {} == batch_sums([start, stop], "2026-11-02T13:00:00Z")
    assert all(statement.lines == () for statement in statements)


def test_a_runner_change_fed_late_corrects_the_line() -> None:
    start, stop = job("a", "j", "2026-11-03T10:00:00Z", "2026-11-03T12:00:00Z", "linux-2x")
    resize = rk.Event("a", "j", "2026-11-03T11:00:00Z", {"runner": "macos"}, kind="update", id="u")
    got, statements = stream(
        [([start, stop], "2026-11-03T13:00:00Z"), ([resize], "2026-11-03T14:00:00Z")]
    )
    # Two hours free on 2x, then one of them turns out to be macOS: 60 x 0.08 = 4.80.
    assert [(line.role, line.meter, line.quantity) for line in statements[1].lines] == [
        ("reversal", "linux.minutes", Decimal(-120)),
        ("correction", "linux.minutes", Decimal(60)),
        ("charge", "macos.minutes", Decimal(60)),
    ]
    assert got == {("a", NOVEMBER.start): Fraction("4.80")}
    assert got == batch_sums([start, resize, stop], "2026-11-03T14:00:00Z")


def test_a_rater_restored_in_another_process_needs_the_same_plans() -> None:
    rater = rk.Rater(STANDARD, METERS, start=NOVEMBER.start, tz=LA)
    rater.feed(job("a", "j", "2026-11-02T00:00:00Z", None, "linux-2x"))
    rater.statement("2026-11-03T00:00:00Z")
    data = json.loads(json.dumps(rater.snapshot(), sort_keys=True))  # any key order
    again = rk.Rater.restore(data, STANDARD, list(reversed(METERS)))
    assert (
        again.statement("2026-11-04T00:00:00Z").total()
        == rater.statement("2026-11-04T00:00:00Z").total()
    )
    other = rk.Plan("std", "USD", STANDARD.cycle, [], tz=LA)
    with pytest.raises(rk.BadSnapshotError, match="other plans or meters"):
        rk.Rater.restore(data, other, METERS)
