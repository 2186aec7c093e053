"""Laws of an object-storage month, against brute-force oracles.

Random streams of one or two accounts (one id with a non-ASCII letter): buckets started,
resized and deleted (sizes as update events on a ``Continuous`` GB*hour meter), request
counters on nodes that restart (resets), CDN egress deltas (some negative: corrections),
and bucket-size gauges averaged over the cycle (a GB-month: ``TimeWeightedMean`` over the
period), under a plan with graduated egress, an allowance, a minimum and a fee, with or
without an upgrade mid-stream. The queue shuffles them, delivers some twice, and the
service restarts (snapshot, JSON, restore) between batches.

- the stream's statements add up, per cycle, to one batch ``rk.rate()``, to the last
  digit, and every replay is a duplicate;
- the GB*hours metered are the sizes held, summed by hand with ``Fraction`` (each row a
  slice within 1e-24 of the truth).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

T0 = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
STORAGE = rk.Meter("storage", "GB*hour", rk.Continuous("size", unit="GB"))
REQUESTS = rk.Meter("requests", "request", rk.Counter())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
GB_MONTH = rk.Meter("gbm", "GB", rk.TimeWeightedMean(over="period"))
METERS = [STORAGE, REQUESTS, EGRESS, GB_MONTH]
ACCOUNTS = ("acme", "bucketß")
EXAMPLES = max(LAWS // 8, 20)


def _plan(name: str, storage_price: str, cycle: rk.cycles.Cycle) -> rk.Plan:
    return rk.Plan(
        name,
        "USD",
        cycle,
        [
            rk.PriceEntry("st", "storage", rk.PerUnit(storage_price)),
            rk.PriceEntry("rq", "requests", rk.Package(1000, "0.4")),
            rk.PriceEntry(
                "gbm", "gbm", rk.Graduated([rk.Tier(50, "0.023"), rk.Tier(None, "0.021")])
            ),
            rk.PriceEntry(
                "cdn",
                "egress",
                rk.Graduated([rk.Tier(10, "0"), rk.Tier(100, "0.09"), rk.Tier(None, "0.05")]),
            ),
        ],
        allowances=[rk.Allowance("egress", 5)],
        minimums=[rk.Minimum(3)],
        fees=[rk.Fee("base", "1.5")],
    )


def _records(rng: random.Random, hours: int) -> list[rk.Event | rk.Sample]:
    records: list[rk.Event | rk.Sample] = []
    number = 0
    for account in ACCOUNTS[: rng.randint(1, 2)]:
        for bucket in range(rng.randint(1, 2)):
            hour = rng.randint(0, hours // 2)
            for step in range(rng.randint(1, 4)):
                number += 1
                kind = "start" if step == 0 else rng.choice(["update", "update", "delete"])
                attributes = (
                    {} if kind == "delete" else {"size": rng.choice([0, 1, 50, "2.5", 1000])}
                )
                at = T0 + dt.timedelta(hours=hour, minutes=rng.choice([0, 7, 30]))
                records.append(
                    rk.Event(account, f"b{bucket}", at, attributes, kind=kind, id=f"e{number}")
                )
                if kind == "delete":
                    break
                hour += rng.randint(1, hours // 3)
        for node in range(rng.randint(0, 2)):
            value, hour = 0, rng.randint(0, 10)
            for _ in range(rng.randint(1, 5)):
                number += 1
                value = rng.choice(
                    [value + rng.randint(0, 5000), rng.randint(0, 100)]
                )  # or a restart
                at = T0 + dt.timedelta(hours=hour, minutes=rng.choice([0, 13]))
                records.append(
                    rk.Sample(
                        account,
                        f"node{node}",
                        "requests",
                        at,
                        value,
                        kind="counter",
                        id=f"c{number}",
                    )
                )
                hour += rng.randint(1, hours // 4)
        for gauge in range(rng.randint(0, 2)):
            for _ in range(rng.randint(1, 4)):
                number += 1
                at = T0 + dt.timedelta(hours=rng.randint(0, hours - 1), minutes=rng.choice([0, 30]))
                size = rng.choice([0, 10, "2.5", 300])
                records.append(
                    rk.Sample(account, f"g{gauge}", "gbm", at, size, kind="gauge", id=f"g{number}")
                )
        for _ in range(rng.randint(0, 4)):
            number += 1
            at = T0 + dt.timedelta(hours=rng.randint(0, hours - 1))
            records.append(
                rk.Sample(
                    account, "cdn", "egress", at, rng.choice([1, 3, "7.5", 40, -2]), id=f"d{number}"
                )
            )
    return records


def _exact_sum(amounts: list[Decimal]) -> Decimal:
    with decimal.localcontext(decimal.Context(prec=300)):
        return sum(amounts, Decimal(0))


@pytest.mark.property
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), monthly=st.booleans(), upgrade=st.booleans())
def test_the_stream_adds_up_to_the_batch(seed: int, monthly: bool, upgrade: bool) -> None:
    rng = random.Random(seed)
    cycle = rk.cycles.monthly(tz="UTC") if monthly else rk.cycles.daily(tz="UTC")
    hours = 24 * 61 if monthly else 24 * 3  # whole cycles: April and May, or three days
    end = T0 + dt.timedelta(hours=hours)
    records = _records(rng, hours)
    basic, pro = _plan("basic", "0.0001", cycle), _plan("pro", "0.00007", cycle)
    plans: rk.Plan | list[rk.Assignment] = basic
    if upgrade:
        switch = T0 + dt.timedelta(hours=rng.randint(1, hours - 1))
        plans = [a for account in ACCOUNTS for a in (rk.Assignment(account, basic, end=switch),
                                                       rk.Assignment(account, pro, start=switch))]  # fmt: skip
    horizon = dt.timedelta(hours=rng.choice([0, 6, 48, 24 * 40]))
    rater = rk.Rater(plans, METERS, start=T0, horizon=horizon)
    stream = list(records)
    rng.shuffle(stream)
    replays = rng.sample(stream, k=min(len(stream), rng.randint(0, 3)))
    stream += replays
    lines: list[rk.StatementLine] = []
    duplicates: list[str] = []
    too_late: list[str] = []
    watermark = T0
    for start in range(0, len(stream), 3):
        feed = rater.feed(stream[start : start + 3])
        duplicates += feed.duplicates
        too_late += feed.too_late
        if rng.random() < 0.5:
            watermark = min(end, watermark + dt.timedelta(hours=rng.randint(0, hours // 3)))
            lines += rater.statement(watermark).lines
        if rng.random() < 0.3:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, METERS)
    final = end + horizon + dt.timedelta(days=1)
    lines += rater.statement(final).lines
    batch = rk.rate(records, plans, span=rk.Span(T0, end), meters=METERS, as_of=final)
    replayed = sorted(str(record.id) for record in replays)
    if not too_late:
        assert sorted(duplicates) == replayed
    else:  # a replay of a record compacted away twice since is too late again (docs:
        # exactly once remembers the kept cycles and the last compacted one)
        assert set(duplicates) <= set(replayed)
        assert set(replayed) - set(duplicates) <= set(too_late)
    if not too_late:  # a record the feed calls too late is the documented exception
        assert (
            _exact_sum([line.amount for line in lines if line.cycle.start < end]) == batch.total()
        )


def _hand_gb_hours(records: list[rk.Event | rk.Sample], end: dt.datetime) -> Fraction:
    """Each bucket's size, held from its event to the next one (or the end), in GB*hours."""
    total = Fraction(0)
    buckets: dict[tuple[str, str], list[rk.Event]] = {}
    for record in records:
        if isinstance(record, rk.Event):
            buckets.setdefault((record.account, record.resource), []).append(record)
    for events in buckets.values():
        events.sort(key=lambda event: event.at)
        for event, after in zip(events, [*events[1:], None], strict=True):
            if event.kind == "delete" or event.at >= end:
                break
            until = end if after is None else min(after.at, end)
            size = Fraction(str(event.attributes["size"]))
            total += size * Fraction(int((until - event.at).total_seconds()), 3600)
    return total


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_the_gb_hours_are_the_sizes_held(seed: int) -> None:
    rng = random.Random(seed)
    hours = 24 * 30
    end = T0 + dt.timedelta(hours=hours)
    records = [record for record in _records(rng, hours) if isinstance(record, rk.Event)]
    usage = rk.meter(
        records, [STORAGE], span=rk.Span(T0, end), cycle=rk.cycles.monthly(tz="UTC"), as_of=end
    )
    # the rows are slices, each within 1e-24 of the truth (docs/usage.md, "Exact quantities")
    error = Fraction(usage.total("storage")) - _hand_gb_hours(records, end)
    assert abs(error) <= len(usage.rows) * Fraction(1, 10**24)
