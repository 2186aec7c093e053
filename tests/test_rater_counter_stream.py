"""A counter or an aggregation fed in order: each statement meters what is new, exactly.

A counter's resource goes on from its metering state at the last watermark: the
increment from its last reading before the watermark to its first after is split there,
its part before going to the row of its piece that ends there (`Book.take_late`). Its
statements cost what is new, not the cycle so far (benchmarks/counter_stream_bench.py);
their lines are those of one batch ``rate()``, to the last digit, whatever the batches,
watermarks and restores.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._rater_streams import batch_sums, sums
from tests._spied_metering import spied

import ratekit as rk
from ratekit._instants import format_us, to_us

T0 = to_us("2026-03-01T00:00:00Z")
MINUTE_US = 60_000_000
EGRESS = rk.Meter("egress", "B", rk.Counter())
PEAK = rk.Meter("peak", "user", rk.Max())
MEAN = rk.Meter("mean", "user", rk.TimeWeightedMean())
LATEST = rk.Meter("latest", "user", rk.Latest())
METERS = (EGRESS, PEAK, MEAN, LATEST)
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.01")),
        rk.PriceEntry("peak", "peak", rk.PerUnit("0.5")),
        rk.PriceEntry("mean", "mean", rk.PerUnit("0.25")),
        rk.PriceEntry("latest", "latest", rk.PerUnit("0.125")),
    ],
)


def _reading(minute: int, value: int, name: str) -> rk.Sample:
    at = format_us(T0 + minute * MINUTE_US)
    return rk.Sample("acme", "vm-1", "egress", at, value, kind="counter", id=name)


def test_a_counter_goes_on_from_its_last_reading_at_a_statement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rater = rk.Rater(PLAN, [EGRESS], start=format_us(T0))
    rater.feed([_reading(0, 0, "r0"), _reading(60, 60, "r1")])
    # 60 B over 00:00..01:00: 60 x 0.01 = 0.60 EUR.
    first = rater.statement("2026-03-01T01:20:00Z")
    assert [(line.quantity, line.amount) for line in first.lines] == [(60, Decimal("0.60"))]
    calls = spied(monkeypatch)
    rater.feed([_reading(120, 120, "r2")])
    second = rater.statement("2026-03-01T02:30:00Z")
    # Metered from the state at 01:20, the new reading alone (it was metered again from
    # the cycle's start with all three, as for every statement of a counter).
    assert calls == [(T0 + 80 * MINUTE_US, 1)]
    # 60 B over 01:00..02:00, 20 of them before 01:20 (60 x 20/60): the row of the day
    # is 60 + 20 + 40 = 120 B, 1.20 EUR; the line reached behind the watermark (r2's
    # increment counts from r1, before it), so it is reversed and corrected.
    assert [(line.role, line.quantity, line.amount) for line in second.lines] == [
        ("reversal", -60, Decimal("-0.60")),
        ("correction", 120, Decimal("1.20")),
    ]
    book = rater._book
    assert book is not None
    ((_, (row,)),) = book.rows.items()
    assert (row.span.start_us, row.span.end_us, row.quantity, row.record_ids) == (
        T0,
        T0 + 150 * MINUTE_US,
        120,
        ("r0", "r1", "r2"),
    )


def test_a_counter_with_nothing_new_at_a_statement_goes_on_from_the_next_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rater = rk.Rater(PLAN, [EGRESS], start=format_us(T0))
    rater.feed([_reading(0, 0, "r0"), _reading(60, 60, "r1")])
    rater.statement("2026-03-01T01:20:00Z")
    calls = spied(monkeypatch)
    # Nothing new at 01:40: its state goes on to 01:40 all the same (a metering call
    # with no record), so that r2's increment from r1 is split there.
    assert rater.statement("2026-03-01T01:40:00Z").lines == ()
    rater.feed([_reading(120, 120, "r2")])
    second = rater.statement("2026-03-01T02:30:00Z")
    assert calls == [(T0 + 80 * MINUTE_US, 0), (T0 + 100 * MINUTE_US, 1)]
    # 60 B over 01:00..02:00, 40 of them before 01:40 (60 x 40/60): the day's row is
    # 60 + 40 + 20 = 120 B, 1.20 EUR, as one batch rate() has it.
    assert [(line.role, line.quantity, line.amount) for line in second.lines] == [
        ("reversal", -60, Decimal("-0.60")),
        ("correction", 120, Decimal("1.20")),
    ]


def test_a_counter_split_at_the_watermark_by_a_price_change_keeps_each_part() -> None:
    # 0.01 EUR/B until 01:20, 0.02 from then. r1 -> r2 is 60 B over 01:00..02:00: 20 B
    # before 01:20 (the old price, with r0 -> r1's 60 B: 80 B, 0.80 EUR), 40 B after
    # (0.80 EUR). One batch rate() says the same.
    cut = "2026-03-01T01:20:00Z"
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry("old", "egress", rk.PerUnit("0.01"), end=cut),
            rk.PriceEntry("new", "egress", rk.PerUnit("0.02"), start=cut),
        ],
    )
    records = [_reading(0, 0, "r0"), _reading(60, 60, "r1"), _reading(120, 120, "r2")]
    rater = rk.Rater(plan, [EGRESS], start=format_us(T0))
    rater.feed(records[:2])
    lines = list(rater.statement(cut).lines)
    rater.feed(records[2:])
    lines += rater.statement("2026-03-01T02:30:00Z").lines
    totals = {
        entry: sum((line.amount for line in lines if line.entry == entry), Decimal(0))
        for entry in ("old", "new")
    }
    assert totals == {"old": Decimal("0.80"), "new": Decimal("0.80")}
    span = rk.Span(format_us(T0), "2026-03-01T02:30:00Z")
    batch = rk.rate(records, plan, span=span, meters=[EGRESS])
    assert sums(lines) == batch_sums(batch.charges)


@st.composite
def _streams(draw: st.DrawFn) -> tuple[list[list[rk.Sample]], list[int], list[bool]]:
    """Readings in time order cut into batches, each with its watermark and a restore."""
    count = draw(st.integers(1, 30))
    minute, counter = 0, 0
    readings: list[rk.Sample] = []
    for index in range(count):
        minute += draw(st.sampled_from((0, 0, 7, 30, 45, 90, 300, 600)))
        at = format_us(T0 + minute * MINUTE_US)
        if draw(st.integers(0, 9)) == 0:
            counter = draw(st.integers(0, 5))  # a reset
        else:
            counter += draw(st.integers(0, 100))
        readings.append(
            rk.Sample("acme", "vm-1", "egress", at, counter, kind="counter", id=f"c{index}")
        )
        for meter in (PEAK, MEAN, LATEST):
            if draw(st.booleans()):
                value = draw(st.integers(0, 20))
                readings.append(
                    rk.Sample(
                        "acme",
                        "vm-1",
                        meter.name,
                        at,
                        value,
                        kind="gauge",
                        id=f"{meter.name}{index}",
                    )
                )
    cuts = sorted(set(draw(st.lists(st.integers(1, len(readings)), max_size=8))))
    batches = [readings[a:b] for a, b in zip([0, *cuts], [*cuts, len(readings)], strict=True)]
    batches = [batch for batch in batches if batch]
    watermarks, restores = [], []
    for number, batch in enumerate(batches):
        last = batch[-1].at_us
        # Up to the next batch's first reading: no reading is late (the common case).
        bound = (
            batches[number + 1][0].at_us if number + 1 < len(batches) else last + 600 * MINUTE_US
        )
        watermarks.append(draw(st.integers(last + 1, max(last + 1, bound))))
        restores.append(draw(st.booleans()))
    return batches, watermarks, restores


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(drawn=_streams())
def test_counters_and_aggregations_fed_in_order_state_what_batch_rates(
    drawn: tuple[list[list[rk.Sample]], list[int], list[bool]],
) -> None:
    batches, watermarks, restores = drawn
    rater = rk.Rater(PLAN, METERS, start=format_us(T0), horizon=dt.timedelta(hours=1))
    lines: list[rk.StatementLine] = []
    for batch, watermark, restore in zip(batches, watermarks, restores, strict=True):
        rater.feed(batch)
        lines += rater.statement(format_us(watermark)).lines
        rater._check()
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    final = watermarks[-1] + 2 * 86_400_000_000
    lines += rater.statement(format_us(final)).lines
    records = [reading for batch in batches for reading in batch]
    span = rk.Span(format_us(T0), format_us(final))
    batch_rating = rk.rate(records, PLAN, span=span, meters=METERS)
    assert sums(lines) == batch_sums(batch_rating.charges)
