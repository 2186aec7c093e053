"""Laws of a CDN's stream: whatever the files, their order, replays, watermarks and
restores, March's closing invoice is what the Fraction oracle bills for the distinct
records, and what batch rating bills.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._cdn_edges import (
    ASSIGNMENTS,
    GB,
    METERS,
    MONTH_END,
    MONTH_START,
    NODES,
    RISE,
    node_events,
    oracle_invoices,
)

import ratekit as rk

HORIZON = dt.timedelta(days=3)
NODE_LIST = [(account, node) for account, nodes in NODES.items() for node, _ in nodes]
MINUTES = int((MONTH_END - MONTH_START).total_seconds() // 60)


@st.composite
def samples(draw: st.DrawFn) -> list[rk.Sample]:
    """Five-minute deltas anywhere in March (some across the price rise), some negative."""
    out: list[rk.Sample] = []
    for n in range(draw(st.integers(1, 10))):
        account, node = draw(st.sampled_from(NODE_LIST))
        meter = draw(st.sampled_from(["egress", "requests"]))
        if draw(st.booleans()):  # straddling the rise, whole minutes on either side
            end = RISE + dt.timedelta(minutes=draw(st.integers(1, 4)))
        else:
            end = MONTH_START + dt.timedelta(minutes=draw(st.integers(5, MINUTES)))
        scale = GB if meter == "egress" else 1000
        value = draw(st.integers(-2, 60)) * scale + draw(st.integers(0, scale - 1))
        with_id = draw(st.booleans())
        out.append(
            rk.Sample(
                account,
                node,
                meter,
                end,
                value,
                since=end - dt.timedelta(minutes=5),
                id=f"{node}/{n}" if with_id else None,
            )
        )
    return out


def oracle(records: list[rk.Sample]) -> dict[str, Decimal]:
    """Totals per account by the Fraction oracle, for deltas that may straddle the rise."""
    split: list[rk.Sample] = []
    for record in records:
        assert record.since is not None
        if record.since < RISE < record.at:  # spread in proportion to time
            before = Decimal((RISE - record.since).total_seconds()) / Decimal(300) * record.value
            split.append(
                rk.Sample(
                    record.account, record.resource, record.meter, RISE, before, since=record.since
                )
            )
            split.append(
                rk.Sample(
                    record.account,
                    record.resource,
                    record.meter,
                    record.at,
                    record.value - before,
                    since=RISE,
                )
            )
        else:
            split.append(record)
    return {
        account: sum(lines.values(), Decimal(0))
        for account, lines in oracle_invoices(split).items()
    }


@pytest.mark.property
@settings(
    max_examples=max(LAWS // 4, FLOOR), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    records=samples(),
    data=st.data(),
)
def test_a_cdn_month_streamed_in_any_files_bills_the_oracle(
    records: list[rk.Sample], data: st.DataObject
) -> None:
    batches = data.draw(st.lists(st.integers(0, 3), min_size=len(records), max_size=len(records)))
    replays = data.draw(st.lists(st.booleans(), min_size=len(records), max_size=len(records)))
    restore_at = data.draw(st.sets(st.integers(0, 3)))
    hours = sorted(data.draw(st.sets(st.integers(1, MINUTES // 60 + 71), max_size=4)))
    rater = rk.Rater(ASSIGNMENTS, METERS, start=MONTH_START, horizon=HORIZON, tz="Asia/Tokyo")
    rater.feed(node_events())
    watermark = MONTH_START
    invoices: list[rk.Invoice] = []
    for batch in range(4):
        fed = [r for r, b in zip(records, batches, strict=True) if b == batch]
        fed += [
            r for r, b, again in zip(records, batches, replays, strict=True) if again and b < batch
        ]
        rater.feed(fed[::-1] if batch % 2 else fed)
        if batch in restore_at:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), ASSIGNMENTS, METERS)
        if batch < len(hours):
            at = MONTH_START + dt.timedelta(hours=hours[batch])
            if at > watermark:
                watermark = at
                invoices += rater.statement(watermark).invoices
    closing = MONTH_END + HORIZON
    if closing > watermark:
        invoices += rater.statement(closing).invoices
    march = [invoice for invoice in invoices if invoice.cycle.start == MONTH_START]
    # Every watermark drawn lies before March closes (its end plus 71 hours at most).
    assert watermark < closing
    distinct = list({(r.id if r.id is not None else r): r for r in records}.values())
    expected = oracle(distinct)
    assert {invoice.account: invoice.total for invoice in march} == expected
