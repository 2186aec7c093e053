"""The GPU cloud's law: random runs and storage gauges, cut into random batches and statements with
snapshot/restore, give the batch rating, and both give the brute-force Fraction oracle.

Runs fall near the instants where time is hard: the on-demand price change (a stated
instant with half a second in it), the spot prices' hours, the summer-time night of
29 March in Berlin and the month end (2026-03-31T22:00:00Z). Their instants are drawn
on grids of a microsecond, a second and 30 seconds, so that runs start and stop at the
price change, at hour boundaries, at the month end, and last from 0 us to hours. Some
runs never stop (they run to the last watermark). The oracle is ``tests._gpu_cloud``'s:
per second (exact), at least 60 seconds per resource and month, spot per hour.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import _gpu_cloud as g
from tests._budget import FLOOR, LAWS

import ratekit as rk

SPOT_HOURS = 24 * 5  # 27 March 00Z to 1 April 00Z
MARCH = g.BERLIN.containing("2026-03-15T12:00:00Z")
APRIL = g.BERLIN.containing("2026-04-15T12:00:00Z")
FINAL = rk.Span("2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z").start
FINAL_US = rk.Span(FINAL, FINAL).start_us
ANCHORS_US = (
    g.CHANGE_US,
    rk.Span("2026-03-27T00:00:00Z", "2026-03-27T00:00:00Z").start_us,  # spot prices begin
    rk.Span("2026-03-29T01:00:00Z", "2026-03-29T01:00:00Z").start_us,  # clocks go forward
    g.MONTHS_US[1],  # the month end
    rk.Span("2026-04-01T00:00:00Z", "2026-04-01T00:00:00Z").start_us,  # spot prices end
)
ACCOUNTS = ("acme", "globex")
HOUR = 3600 * g.US


def plans() -> list[rk.Assignment]:
    return [
        rk.Assignment("acme", g.payg(SPOT_HOURS)),
        rk.Assignment("globex", g.committed(SPOT_HOURS)),
    ]


@st.composite
def fleets(draw: st.DrawFn) -> list[tuple[str, str, str, int, int | None]]:
    """Runs (account, resource, gpu, start_us, stop_us or None), a resource's disjoint.

    A negative ``stop_us`` is a STOP stamped at ``-stop_us``, before the START: the run
    never stops.
    """
    anchor = draw(st.sampled_from(ANCHORS_US))
    grid = draw(st.sampled_from((1, g.US, 30 * g.US)))
    runs: list[tuple[str, str, str, int, int | None]] = []
    for number in range(draw(st.integers(1, 4))):
        account = draw(st.sampled_from(ACCOUNTS))
        at = anchor + grid * draw(st.integers(-2 * HOUR // grid, HOUR // grid))
        for _ in range(draw(st.integers(1, 3))):
            gpu = draw(st.sampled_from(("a100", "h100", "spot")))
            # durations: none, a few microseconds, under a minute, up to two hours
            length = draw(
                st.one_of(
                    st.just(0),
                    st.integers(1, 5),
                    st.integers(1, 59).map(lambda s: s * g.US),
                    st.integers(0, 2 * HOUR // grid).map(lambda n: n * grid),
                )
            )
            ending = draw(st.integers(0, 19))
            if ending == 0:  # never stopped: it runs to the last watermark
                runs.append((account, f"i-{number}", gpu, at, None))
                break
            if ending == 1 and length:  # a STOP stamped before its START: an orphan stop,
                # and the START runs on to the last watermark
                runs.append((account, f"i-{number}", gpu, at + length, -at))
                break
            runs.append((account, f"i-{number}", gpu, at, at + length))
            at += length + grid * draw(st.integers(1, 60))
    return runs


def records(
    runs: list[tuple[str, str, str, int, int | None]], sequenced: bool = False
) -> list[rk.Event]:
    """The runs' events; ``sequenced``: each resource's events carry a ``seq`` in the
    order the source emitted them (a START before its STOP, whatever their stamps)."""
    result = []
    seqs: dict[str, int] = {}

    def event(account: str, resource: str, at_us: int, gpu: str | None, record_id: str) -> rk.Event:
        seq = seqs.get(resource, 0)
        seqs[resource] = seq + 1
        attributes = {} if gpu is None else {"kind": "gpu", "gpu": gpu}
        return rk.Event(
            account,
            resource,
            rk.Span.from_us(at_us, at_us).start,
            attributes,
            kind="stop" if gpu is None else "start",
            id=record_id,
            seq=seq if sequenced else None,
        )

    for index, (account, resource, gpu, start_us, stop_us) in enumerate(runs):
        result.append(event(account, resource, start_us, gpu, f"s{index}"))
        if stop_us is not None:
            result.append(event(account, resource, abs(stop_us), None, f"t{index}"))
    return result


def expected(
    runs: list[tuple[str, str, str, int, int | None]], sequenced: bool = False
) -> dict[g.Key, Fraction]:
    """The oracle's charges of March and April. A STOP stamped before its START is an
    orphan without ``seq`` (the START runs to the last watermark) and, sequenced after
    it, stops it at once (zero duration)."""
    closed = []
    for account, resource, gpu, start_us, stop_us in runs:
        if stop_us is None or (stop_us < 0 and not sequenced):
            closed.append((account, resource, gpu, start_us, FINAL_US))
        elif stop_us >= 0:
            closed.append((account, resource, gpu, start_us, stop_us))
    return {
        key: value
        for key, value in g.oracle(closed, SPOT_HOURS).items()
        if key[1] in (MARCH.start_us, APRIL.start_us) and value
    }


Volume = tuple[str, str, list[tuple[int, int]], int | None]


@st.composite
def volumes(draw: st.DrawFn) -> list[Volume]:
    """Volumes read by a gauge: (account, resource, [(at_us, size_gib)], delete_us or None).

    Instants lie on a grid of 36 seconds from a whole hour, so that each GiB-hour is a
    whole number of hundredths (exact in ratekit and in the oracle alike)."""
    anchor = draw(st.sampled_from(ANCHORS_US[1:]))
    result: list[Volume] = []
    for number in range(draw(st.integers(0, 2))):
        account = draw(st.sampled_from(ACCOUNTS))
        steps = sorted(set(draw(st.lists(st.integers(-200, 200), min_size=1, max_size=4))))
        readings = [(anchor + 36 * g.US * step, draw(st.integers(0, 500))) for step in steps]
        after = draw(st.one_of(st.none(), st.integers(1, 100)))
        deleted = None if after is None else readings[-1][0] + 36 * g.US * after
        result.append((account, f"v-{number}", readings, deleted))
    return result


def volume_records(vols: list[Volume]) -> list[rk.Event]:
    result = []
    for account, resource, readings, deleted in vols:
        for index, (at_us, size) in enumerate(readings):
            at = rk.Span.from_us(at_us, at_us).start
            result.append(
                rk.Event(
                    account,
                    resource,
                    at,
                    {"kind": "volume", "size_gib": size},
                    id=f"{resource}-{index}",
                )
            )
        if deleted is not None:
            at = rk.Span.from_us(deleted, deleted).start
            result.append(rk.Event(account, resource, at, kind="delete", id=f"{resource}-d"))
    return result


def storage_expected(vols: list[Volume]) -> dict[g.Key, Fraction]:
    """Each size held from its reading to the next (or the delete, or the last
    watermark), cut at the months, at 0.0001 a GiB-hour."""
    amounts: dict[g.Key, Fraction] = {}
    for account, resource, readings, deleted in vols:
        ends = [at for at, _ in readings[1:]] + [FINAL_US if deleted is None else deleted]
        for (begin, size), end in zip(readings, ends, strict=True):
            cuts = sorted({begin, end, *(m for m in g.MONTHS_US if begin < m < end)})
            for a, b in itertools.pairwise(cuts):
                key = (account, g.month_of(a), "storage", resource)
                amounts[key] = amounts.get(key, Fraction(0)) + size * Fraction(
                    b - a, HOUR
                ) * Fraction(g.STORAGE_PRICE)
    return {
        key: value
        for key, value in amounts.items()
        if key[1] in (MARCH.start_us, APRIL.start_us) and value
    }


def batch(events: list[rk.Event]) -> rk.Rating:
    return rk.rate(
        events, plans(), span=rk.Span(MARCH.start, APRIL.end), meters=g.METERS, as_of=FINAL
    )


def nonzero(sums: dict[g.Key, Fraction]) -> dict[g.Key, Fraction]:
    return {key: value for key, value in sums.items() if value}


@pytest.mark.property
@settings(max_examples=LAWS // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs=fleets(), sequenced=st.booleans(), vols=volumes())
def test_the_batch_rating_is_the_oracle(
    runs: list[tuple[str, str, str, int, int | None]], sequenced: bool, vols: list[Volume]
) -> None:
    rating = batch(records(runs, sequenced) + volume_records(vols))
    assert nonzero(g.charge_sums(rating.charges)) == {
        **expected(runs, sequenced),
        **storage_expected(vols),
    }


@pytest.mark.property
@settings(
    max_examples=max(LAWS // 4, FLOOR), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(runs=fleets(), sequenced=st.booleans(), vols=volumes(), seed=st.integers(0, 2**32 - 1))
def test_the_stream_cut_anyhow_with_restores_is_the_batch_and_the_oracle(
    runs: list[tuple[str, str, str, int, int | None]],
    sequenced: bool,
    vols: list[Volume],
    seed: int,
) -> None:
    rng = random.Random(seed)
    events = records(runs, sequenced) + volume_records(vols)
    rating = batch(events)
    # Watermarks: a few, increasing, inside the runs' window, then one closing April.
    first = min(event.at_us for event in events)
    marks = sorted({first + rng.randrange(-HOUR, 4 * HOUR) for _ in range(rng.randrange(0, 5))})
    marks = [mark for mark in marks if mark >= MARCH.start_us] + [FINAL_US]
    queue = list(events)
    rng.shuffle(queue)
    rater = rk.Rater(plans(), g.METERS, start=MARCH.start, horizon=dt.timedelta(hours=1))
    lines: list[rk.StatementLine] = []
    fed: list[rk.Event] = []
    accounted: set[str] = set()  # every record is named somewhere (docs: "Exactly once")
    for number, mark in enumerate(marks):
        last = number == len(marks) - 1
        take = len(queue) if last else rng.randrange(0, len(queue) + 1)
        batch_records, queue = queue[:take], queue[take:]
        replays = rng.sample(fed, k=min(len(fed), rng.randrange(0, 3)))
        feed = rater.feed(batch_records + replays)
        accounted.update(
            record_id for anomaly in feed.anomalies for record_id in anomaly.record_ids
        )
        assert feed.counts["duplicates"] == len(replays)
        assert feed.too_late == ()
        fed.extend(batch_records)
        if rng.random() < 0.5:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans(), g.METERS)
        statement = rater.statement(rk.Span.from_us(mark, mark).start)
        lines.extend(statement.lines)
        accounted.update(record_id for line in statement.lines for record_id in line.record_ids)
        accounted.update(
            record_id for anomaly in statement.anomalies for record_id in anomaly.record_ids
        )
        accounted.update(statement.no_effect)
        accounted.update(
            record_id
            for invoice in statement.invoices
            for line in invoice.lines
            for charge in line.charges
            for record_id in charge.record_ids
        )
        if rng.random() < 0.5:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans(), g.METERS)
    assert {event.id for event in events} <= accounted
    kept = [line for line in lines if line.cycle in (MARCH, APRIL)]
    streamed = nonzero(g.line_sums(kept))
    assert streamed == nonzero(g.charge_keys(rating.charges))
    # The usage lines, summed per (account, month, entry, resource), are the oracle's.
    assert nonzero(g.charge_sums(kept)) == {**expected(runs, sequenced), **storage_expected(vols)}
