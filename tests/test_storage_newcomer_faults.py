"""What an object-storage newcomer found that the docs do not lead one to expect.

A reconciler lists every bucket each hour (a complete listing: ``close="snapshot"``, the
default) and asks the ``Rater`` for a statement at the listing's own instant, the
reconciler's natural clock. docs/streaming.md ("Cost, measured") says a reconciler
listing each hour with ``close="snapshot"`` costs the same per statement early and late
in the cycle ("quadratic over a cycle" is said of ``close="last_seen"`` only). That holds
for a statement a minute after each listing (what ``benchmarks/reconciler_bench.py``
measures), and now for a statement at the listing's instant too: the listing, at the
last watermark for the next statement, is taken on from the carried states ("One
engine"), where it had every resource metered again from the cycle's start (about
10,700 function calls at hour 20 and 134,700 at hour 300, quadratic over the month).
Counted in function calls (cProfile), not in time.

And a node's request counter whose clock runs behind: its readings carry the source's
``seq``, which orders a resource's events, not its samples (docs/usage.md, Records: a
sample's ``seq`` orders only those of one instant), so a reading stamped early reads as
a reset, said by a ``counter_reset`` anomaly.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import pstats

import ratekit as rk

T0 = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
STORAGE = rk.Meter("storage", "GB*hour", rk.Continuous("size", unit="GB"))
PLAN = rk.Plan(
    "p", "USD", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("s", "storage", rk.PerUnit("0.00003"))]
)


def _statement_calls(listing: bool, after: dt.timedelta) -> dict[int, int]:
    """Function calls of the statements at hours 20 and 300, ``after`` each hourly listing."""
    rater = rk.Rater(PLAN, [STORAGE], start=T0, horizon=dt.timedelta(days=2))
    buckets = [f"b{i}" for i in range(10)]
    rater.feed([rk.Event("acme", b, T0, {"size": 1}, kind="start", id=f"e-{b}") for b in buckets])
    calls: dict[int, int] = {}
    for hour in range(1, 301):
        at = T0 + dt.timedelta(hours=hour)
        if listing:
            rater.feed([rk.Inventory(at, [("acme", b) for b in buckets], id=f"inv{hour}")])
        if hour not in (20, 300):
            rater.statement(at + after)
            continue
        profile = cProfile.Profile()
        profile.enable()
        rater.statement(at + after)
        profile.disable()
        calls[hour] = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    return calls


def test_hourly_statements_without_listings_cost_the_same_all_month() -> None:
    calls = _statement_calls(listing=False, after=dt.timedelta(0))
    assert calls[300] < 2 * calls[20], calls


def test_statements_a_minute_after_each_listing_cost_the_same_all_month() -> None:
    calls = _statement_calls(listing=True, after=dt.timedelta(minutes=1))
    assert calls[300] < 2 * calls[20], calls


def test_statements_at_each_listing_cost_the_same_all_month() -> None:
    calls = _statement_calls(listing=True, after=dt.timedelta(0))
    assert calls[300] < 2 * calls[20], calls


REQUESTS = rk.Meter("requests", "request", rk.Counter())
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
# A node whose clock runs 30 s behind after its first reading: the source sequences its
# readings (1,000, then 1,100, then 1,200), but the second is stamped 30 s before the first.
SKEWED = [
    rk.Sample(
        "acme", "n1", "requests", "2026-04-02T10:00:00Z", 1000, kind="counter", id="c1", seq=1
    ),
    rk.Sample(
        "acme", "n1", "requests", "2026-04-02T09:59:30Z", 1100, kind="counter", id="c2", seq=2
    ),
    rk.Sample(
        "acme", "n1", "requests", "2026-04-02T11:00:00Z", 1200, kind="counter", id="c3", seq=3
    ),
]


def test_a_skewed_counter_reading_is_a_reported_reset_in_time_order() -> None:
    # Samples go by instant, seq ordering only those of one instant (docs/usage.md,
    # Records): in time order 1,100 (09:59:30), 1,000 (10:00: a reset, counted from
    # zero: 1,000), 1,200 (+200); the reset is said, naming both readings
    usage = rk.meter(
        SKEWED, [REQUESTS], span=APRIL, cycle=rk.cycles.monthly(tz="UTC"), as_of=APRIL.end
    )
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("counter_reset", ("c1", "c2"))]
    assert usage.total() == 1000 + 200
