"""What a serverless platform's stream costs, counted in function calls, not wall time.

A gateway reporting every few seconds makes one function's records many: the hourly
statements must not grow with the month so far, four times the records must cost about
four times the work, and a replay (a consumer restarted from an old offset) must cost
about what its records cost when they came.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import pstats
import random
from collections.abc import Callable

import pytest
from tests.test_serverless_newcomer_stream import FREE, MARCH0, METERS, STANDARD, entries

import ratekit as rk

DEPLOY = rk.Event("alpha", "alpha/api", MARCH0, {"region": "us"}, kind="update", id="deploy")


def _calls(work: Callable[[], object]) -> int:
    profile = cProfile.Profile()
    profile.enable()
    try:
        work()
    finally:
        profile.disable()
    return sum(entry[1] for entry in pstats.Stats(profile).stats.values())  # type: ignore[attr-defined]


def _week(invocation_records: int, batch: int = 10) -> list[int]:
    """Calls per hour of a week: records fed in small batches, a statement each hour."""
    rng = random.Random(invocation_records)
    rater = rk.Rater(STANDARD, METERS, start=MARCH0)
    rater.feed([DEPLOY])
    hours, per_hour, n = 168, invocation_records // 168, 0
    costs = []
    for hour in range(hours):
        records = []
        for _ in range(per_hour):
            n += 1
            at = MARCH0 + dt.timedelta(hours=hour, seconds=rng.randrange(3600))
            records.append(rk.Sample("alpha", "alpha/api", "invocations", at, rng.randint(1, 99), id=f"i{n}"))  # fmt: skip

        def step(records: list[rk.Sample] = records, hour: int = hour) -> None:
            for k in range(0, len(records), batch):
                rater.feed(records[k : k + batch])
            rater.statement(MARCH0 + dt.timedelta(hours=hour + 1))

        costs.append(_calls(step))
    return costs


@pytest.mark.heavy
def test_hourly_statements_over_small_batches_grow_linearly_not_with_the_month() -> None:
    small, large = _week(10_000), _week(40_000)
    # Four times the records: at most about four times the calls (quadratic would be 16).
    assert sum(large) < 5 * sum(small)
    # The last day's statements cost about what the first day's did.
    for costs in (small, large):
        assert sum(costs[-24:]) < 1.5 * sum(costs[:24])


def _replay_calls(records: int, meter: str, with_ids: bool = True, plan: rk.Plan = STANDARD) -> int:
    rater = rk.Rater(plan, METERS, start=MARCH0)
    rater.feed([DEPLOY])
    batch = [
        rk.Sample("alpha", "alpha/api", meter, MARCH0 + dt.timedelta(seconds=20 * n), 1,
                  id=f"e{n}" if with_ids else None)
        for n in range(records)
    ]  # fmt: skip
    rater.feed(batch)
    feed = rater.feed(batch)
    assert feed.counts["duplicates"] == records
    return _calls(lambda: rater.feed(batch))


def test_new_records_of_one_function_cost_linearly() -> None:
    def first_feed(records: int) -> int:
        rater = rk.Rater(STANDARD, METERS, start=MARCH0)
        rater.feed([DEPLOY])
        batch = [rk.Sample("alpha", "alpha/api", "egress", MARCH0 + dt.timedelta(seconds=20 * n), 1, id=f"e{n}") for n in range(records)]  # fmt: skip
        return _calls(lambda: rater.feed(batch))

    assert first_feed(2000) < 6 * first_feed(500)


def test_a_replay_of_invocations_costs_linearly() -> None:
    # calls are priced by one entry whatever the function's description
    assert _replay_calls(2000, "invocations") < 6 * _replay_calls(500, "invocations")


# Under a price that selects on the description and unpriced='error', the feed's door on
# unpriced usage looked for a kept record at each sample's instant by visiting every kept
# record of its function: a replay of n records, or n new ones stamped among the kept,
# cost about n*n/2 calls (2,000 replayed: 2,075,249 calls; 100,000: 153 s of CPU where
# feeding them first took 0.7 s; 1,000 late among 1,000 kept: 1,055,246, in order
# 52,250). Each function's kept instants are now a set, read on as records are kept.


@pytest.mark.parametrize("with_ids", [True, False], ids=["with ids", "without ids"])
def test_a_replay_of_egress_priced_per_region_costs_linearly(with_ids: bool) -> None:
    assert _replay_calls(2000, "egress", with_ids) < 6 * _replay_calls(500, "egress", with_ids)


@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_a_poller_re_reading_its_last_half_hour_costs_the_same_every_day() -> None:
    rater = rk.Rater(STANDARD, METERS, start=MARCH0)
    rater.feed([DEPLOY])
    minutes = 2 * 1440
    records = [rk.Sample("alpha", "alpha/api", "egress", MARCH0 + dt.timedelta(minutes=m), 5, id=f"m{m}") for m in range(minutes)]  # fmt: skip
    costs = {}
    for poll in range(1, minutes // 10 + 1):
        now = MARCH0 + dt.timedelta(minutes=10 * poll)
        read = records[max(0, 10 * poll - 30) : 10 * poll]  # the last 30 minutes

        def run(read: list[rk.Sample] = read, now: dt.datetime = now) -> None:
            rater.feed(read)
            rater.statement(now)

        if poll in (144, 288):  # the last poll of 1 March and of 2 March
            costs[poll] = _calls(run)
        else:
            run()
    assert costs[288] < 1.5 * costs[144]


# Under unpriced="anomaly" the feed's door on unpriced usage is not asked: the way out.
LENIENT = rk.Plan("standard", "USD", STANDARD.cycle, entries(), allowances=FREE, unpriced="anomaly")


def _interleaved_calls(records: int, plan: rk.Plan) -> int:
    """New egress records stamped among the kept ones (a region's batch a day late)."""
    rater = rk.Rater(plan, METERS, start=MARCH0)
    rater.feed([DEPLOY])
    rater.feed([rk.Sample("alpha", "alpha/api", "egress", MARCH0 + dt.timedelta(seconds=20 * n), 1, id=f"e{n}") for n in range(records)])  # fmt: skip
    late = [rk.Sample("alpha", "alpha/api", "egress", MARCH0 + dt.timedelta(seconds=20 * n + 7), 1, id=f"l{n}") for n in range(records)]  # fmt: skip
    return _calls(lambda: rater.feed(late))


def test_under_unpriced_anomaly_replays_and_late_batches_of_egress_cost_linearly() -> None:
    assert _replay_calls(2000, "egress", plan=LENIENT) < 6 * _replay_calls(500, "egress", plan=LENIENT)  # fmt: skip
    assert _interleaved_calls(2000, LENIENT) < 6 * _interleaved_calls(500, LENIENT)


def test_a_region_s_batch_a_day_late_costs_linearly() -> None:
    assert _interleaved_calls(2000, STANDARD) < 6 * _interleaved_calls(500, STANDARD)
