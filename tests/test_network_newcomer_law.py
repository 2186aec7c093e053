"""Laws of a network billing stream: the rater's statements against one batch ``rate()``.

Public IP addresses allocated and released (and re-allocated, to the same account or to
another), duplicate and second releases, NAT gateway deltas over 5-minute or longer
spans, an hourly reconciler's listing (of the whole platform or one per account, closing
at the listing or at the last sign of life) at each statement's own instant, records fed
early or late in random batches, and a restore from JSON before each feed
and each statement, drawn at random. The oracles: one batch ``rk.rate()`` of the same
records (per account and cycle, to the digit), a sum of the NAT deltas by hand, and
``rk.bill(..., credits=...)`` for the closing invoices credited statement by statement.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests.test_network_newcomer_stream import DAILY, METERS  # the one plan

import ratekit as rk

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOURS = 96  # four daily cycles; the last watermark is their end
ADDRESSES = ("203.0.113.7", "198.51.100.2")
GRANTS = [
    rk.Credit("welcome", "a", "0.20", "EUR", start=T0),
    rk.Credit("daily", "a", "0.03", "EUR", start=T0, renews=True, priority=1),
    rk.Credit("welcome", "b", "0.10", "EUR", start=T0),
]

Record = rk.Event | rk.Sample | rk.Inventory


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return T0 + dt.timedelta(hours=hour, minutes=minute)


@st.composite
def _streams(draw: st.DrawFn) -> dict[str, object]:
    records: list[tuple[dt.datetime, Record]] = []
    allocations: list[tuple[str, str, int, int]] = []
    for address in ADDRESSES:
        points = sorted(draw(st.sets(st.integers(0, HOURS - 1), max_size=6)))
        for n, (begin, end) in enumerate(zip(points[::2], points[1::2], strict=False)):
            account = draw(st.sampled_from(["a", "b"]))
            allocations.append((account, address, begin, end))
            records.append(
                (
                    _at(begin),
                    rk.Event(account, address, _at(begin), kind="start", id=f"{address}/a{n}"),
                )
            )
            release = rk.Event(account, address, _at(end), kind="delete", id=f"{address}/r{n}")
            records.append((_at(end), release))
            if draw(st.booleans()):  # the exporter sends the release again
                records.append((_at(end), release))
            if draw(st.booleans()) and end + 1 < HOURS:  # a second release, another id
                again = rk.Event(
                    account, address, _at(end + 1), kind="delete", id=f"{address}/r{n}b"
                )
                records.append((_at(end + 1), again))
        if len(points) % 2:  # allocated to the end
            account = draw(st.sampled_from(["a", "b"]))
            n = len(points) // 2
            allocations.append((account, address, points[-1], HOURS))
            start = rk.Event(account, address, _at(points[-1]), kind="start", id=f"{address}/a{n}")
            records.append((_at(points[-1]), start))
    deltas: list[Decimal] = []
    for n in range(draw(st.integers(0, 4))):
        hour = draw(st.integers(1, HOURS - 1))
        back = draw(st.sampled_from([5, 5, 60 * 7, 60 * 30]))
        gb = draw(st.decimals("0.001", "50", places=3))
        at = _at(hour, 5)
        since = max(at - dt.timedelta(minutes=back), T0)
        deltas.append(gb)
        records.append((at, rk.Sample("a", "nat-1", "nat.gb", at, gb, since=since, id=f"nat/{n}")))
    watermarks = [*sorted(draw(st.sets(st.integers(1, HOURS - 1), max_size=4))), HOURS]
    scoped = draw(st.booleans())  # one listing per account, or one of the whole platform
    close = draw(st.sampled_from(["snapshot", "last_seen"]))
    for hour in watermarks[:-1]:  # the reconciler's listing at the statement's instant
        listed = [(acc, adr) for acc, adr, begin, end in allocations if begin <= hour < end]
        if not scoped:
            records.append(
                (_at(hour), rk.Inventory(_at(hour), listed, close=close, id=f"inv/{hour}"))
            )
            continue
        for account in ("a", "b"):
            own = [pair for pair in listed if pair[0] == account]
            listing = rk.Inventory(
                _at(hour), own, close=close, accounts=[account], id=f"inv/{hour}/{account}"
            )
            records.append((_at(hour), listing))
    batches: list[list[Record]] = [[] for _ in watermarks]
    for at, record in records:
        if isinstance(record, rk.Inventory):
            due = watermarks.index(at.hour + 24 * (at.day - 1))  # at its statement, or after
            batches[min(due + draw(st.sampled_from([0, 0, 0, 1])), len(watermarks) - 1)].append(
                record
            )
            continue
        due = next(k for k, hour in enumerate(watermarks) if _at(hour) > at)
        k = min(max(due + draw(st.integers(-1, 2)), 0), len(watermarks) - 1)
        batches[k].append(record)
    restores = draw(
        st.lists(st.booleans(), min_size=2 * len(watermarks), max_size=2 * len(watermarks))
    )
    horizon = draw(st.sampled_from([dt.timedelta(0), dt.timedelta(hours=6), dt.timedelta(days=1)]))
    return {
        "batches": batches,
        "watermarks": [_at(hour) for hour in watermarks],
        "restores": restores,
        "horizon": horizon,
        "deltas": deltas,
    }


def _restored(rater: rk.Rater) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), DAILY, METERS)


def _unique(batches: list[list[Record]]) -> list[Record]:
    seen: set[str] = set()
    out: list[Record] = []
    for batch in batches:
        for record in batch:
            if repr(record) not in seen:
                seen.add(repr(record))
                out.append(record)
    return out


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(_streams())
def test_a_network_stream_adds_up_to_one_batch_rating(stream: dict[str, object]) -> None:
    batches: list[list[Record]] = stream["batches"]  # type: ignore[assignment]
    watermarks: list[dt.datetime] = stream["watermarks"]  # type: ignore[assignment]
    restores: list[bool] = stream["restores"]  # type: ignore[assignment]
    deltas: list[Decimal] = stream["deltas"]  # type: ignore[assignment]
    rater = rk.Rater(DAILY, METERS, start=T0, horizon=stream["horizon"])  # type: ignore[arg-type]
    lines: dict[tuple[str, rk.Span], Decimal] = {}
    nat = Decimal(0)
    too_late = False
    late = False
    grants = list(GRANTS)
    closing: dict[tuple[str, rk.Span], tuple[Decimal, object]] = {}
    for n, (batch, watermark) in enumerate(zip(batches, watermarks, strict=True)):
        if restores[2 * n]:
            rater = _restored(rater)
        feed = rater.feed(batch)
        too_late = too_late or bool(feed.too_late)
        late = late or bool(feed.late)
        if restores[2 * n + 1]:
            rater = _restored(rater)
        statement = rater.statement(watermark)
        for line in statement.lines:
            key = (line.account, line.cycle)
            lines[key] = lines.get(key, Decimal(0)) + line.amount
            if line.meter == "nat.gb":
                nat += line.amount
            late = late or line.late
        invoices = rk.apply_credits(statement.invoices, grants)
        grants = rk.credits_left(grants, invoices)
        for invoice in invoices:
            closing[(invoice.account, invoice.cycle)] = (invoice.total, invoice.credits)
    if too_late:
        return  # the documented exception: a record judged too late is not in the stream
    records = _unique(batches)
    span = rk.Span(T0, watermarks[-1])
    rating = rk.rate(records, DAILY, span=span, meters=METERS, as_of=watermarks[-1])
    batch_lines: dict[tuple[str, rk.Span], Decimal] = {}
    for charge in rating.charges:
        key = (charge.account, charge.cycle)
        batch_lines[key] = batch_lines.get(key, Decimal(0)) + charge.amount
    assert {k: v for k, v in lines.items() if v} == {k: v for k, v in batch_lines.items() if v}
    assert nat == sum(deltas, Decimal(0)) * Decimal("0.045")  # every GB, once
    if late or not closing:
        return  # credits add up while no record is metered after its cycle closed
    closed_end = max(cycle.end for _, cycle in closing)
    closed = rk.rate(
        records, DAILY, span=rk.Span(T0, closed_end), meters=METERS, as_of=watermarks[-1]
    )
    billed = {(i.account, i.cycle): (i.total, i.credits) for i in rk.bill(closed, credits=GRANTS)}
    assert closing == billed
