"""The host's queue, drawn: any delivery, any cut into batches, any watermarks and any
crash (an older snapshot restored, the queue read again from its offset) bill, per
account and month, what one batch ``rk.rate()`` of the records bills, to the last digit;
and every record is accounted for (docs/streaming.md, "one engine" and "exactly once").

The oracle is batch rating of the same records (its hand-worked invoices are checked in
``test_hosting_newcomer_month.py``); the stream's lines are added as ``Fraction``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._hosting_fleet import DECEMBER, HORIZON, METERS, NOVEMBER, OCTOBER, assignments, records

import ratekit as rk

RECORDS = records()
FIRST = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
LAST = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
HOURS = int((LAST - FIRST) / dt.timedelta(hours=1))


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[int], list[tuple[int, int]]]:
    """(arrival hour, record index) for each record, some twice; the watermarks (hours
    from 1 October, increasing); and crashes (after statement i, go back n snapshots)."""
    arrivals = []
    for index, record in enumerate(RECORDS):
        stamped = int((record.at - FIRST) / dt.timedelta(hours=1)) if record.at > FIRST else 0
        copies = draw(st.integers(1, 2))  # at least once: some twice
        arrivals.extend((stamped + draw(st.integers(0, 40)), index) for _ in range(copies))
    arrivals.sort()
    hours = draw(st.lists(st.integers(1, HOURS - 1), min_size=1, max_size=8))
    watermarks = [*sorted(set(hours)), HOURS]
    crashes = draw(
        st.lists(st.tuples(st.integers(0, len(watermarks) - 1), st.integers(1, 3)), max_size=2)
    )
    return arrivals, watermarks, crashes


def _stream(
    arrivals: list[tuple[int, int]], watermarks: list[int], crashes: list[tuple[int, int]]
) -> tuple[dict[int, rk.Statement], list[rk.Feed]]:
    rater = rk.Rater(
        assignments(), METERS, start=OCTOBER.start, horizon=HORIZON, tz="Europe/Berlin"
    )
    saved = [(json.dumps(rater.snapshot()), 0, 0)]
    ledger: dict[int, rk.Statement] = {}
    feeds: list[rk.Feed] = []
    offset, number, step = 0, 0, 0
    pending_crashes = dict(crashes)
    while step < len(watermarks):
        hour = watermarks[step]
        batch = []
        while offset < len(arrivals) and arrivals[offset][0] <= hour:
            batch.append(RECORDS[arrivals[offset][1]])
            offset += 1
        feeds.append(rater.feed(batch))
        number += 1
        ledger[number] = rater.statement(FIRST + dt.timedelta(hours=hour))
        saved.append((json.dumps(rater.snapshot()), offset, number))
        back = pending_crashes.pop(step, 0)
        if back:  # the process dies; the host restores an older snapshot and reads on from there
            text, offset, number = saved[max(0, len(saved) - 1 - back)]
            del saved[saved.index((text, offset, number)) + 1 :]
            for later in [key for key in ledger if key > number]:
                del ledger[later]
            rater = rk.Rater.restore(json.loads(text), assignments(), METERS)
            step = number
            continue
        step += 1
    return ledger, feeds


@pytest.mark.property
@settings(
    max_examples=max(LAWS // 4, FLOOR), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(deliveries())
def test_any_delivery_of_the_queue_bills_what_batch_bills(
    drawn: tuple[list[tuple[int, int]], list[int], list[tuple[int, int]]],
) -> None:
    arrivals, watermarks, crashes = drawn
    ledger, feeds = _stream(arrivals, watermarks, crashes)
    sums: dict[tuple[str, rk.Span], Fraction] = defaultdict(Fraction)
    for statement in ledger.values():
        for line in statement.lines:
            sums[line.account, line.cycle] += Fraction(line.amount)
    as_of = FIRST + dt.timedelta(hours=watermarks[-1])
    for span in (OCTOBER, NOVEMBER, DECEMBER):
        rating = rk.rate(RECORDS, assignments(), span=span, meters=METERS, as_of=as_of)
        for invoice in rk.bill(rating):
            assert sums.pop((invoice.account, span), Fraction(0)) == Fraction(
                invoice.precise_total
            ), (
                invoice.account,
                span,
            )
    assert not {key: total for key, total in sums.items() if total}
    said: set[str] = set()
    for feed in feeds:
        said.update(feed.duplicates, feed.conflicting, feed.too_late)
    for statement in ledger.values():
        said.update(record_id for line in statement.lines for record_id in line.record_ids)
        said.update(
            record_id for anomaly in statement.anomalies for record_id in anomaly.record_ids
        )
        said.update(record_id for record_id, _reason in statement.no_effect)
        said.update(
            record_id
            for invoice in statement.invoices
            for invoice_line in invoice.lines
            for charge in invoice_line.charges
            for record_id in charge.record_ids
        )
    # a record stamped after the last watermark is not read yet: docs/streaming.md, watermarks
    known = {record.id for record in RECORDS if record.at < as_of}
    assert known <= said
