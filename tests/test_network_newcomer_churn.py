"""Days of address churn under an hourly reconciler: the snapshot and a statement's cost.

Five public IP addresses are allocated each day at 01:00 and released at 20:00, each
allocation named by its address and day (``203.0.113.3#4``), to one of three accounts in
turn; a NAT gateway exports a delta every hour; every hour the reconciler lists the
allocated addresses (a whole-platform listing) and asks a statement at the listing's
own instant. Costs are counted (function calls under cProfile, bytes of JSON), not timed.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import json
import pstats
from decimal import Decimal

import pytest
from tests.test_network_newcomer_stream import DAILY, METERS  # the one plan

import ratekit as rk

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
ADDRESSES = 5


def _allocation(i: int, day: int) -> tuple[str, str]:
    return f"acct-{(i + day) % 3}", f"203.0.113.{i}#{day}"


def _hour(rater: rk.Rater, day: int, hour: int) -> rk.Feed:
    now = T0 + dt.timedelta(days=day, hours=hour)
    records: list[rk.Event | rk.Sample | rk.Inventory] = []
    for i in range(ADDRESSES):
        account, resource = _allocation(i, day)
        if hour == 1:
            records.append(rk.Event(account, resource, now, kind="start", id=f"{resource}/a"))
        if hour == 20:
            records.append(rk.Event(account, resource, now, kind="delete", id=f"{resource}/r"))
    since = now - dt.timedelta(hours=1)
    records.append(
        rk.Sample("acct-0", "nat-1", "nat.gb", now, "0.5", since=since, id=f"nat/{day}/{hour}")
    )
    listed = [_allocation(i, day) for i in range(ADDRESSES) if 1 <= hour < 20]
    records.append(rk.Inventory(now, listed, id=f"i{day}/{hour}"))
    return rater.feed(records)


def _run(days: int) -> tuple[rk.Rater, dict[int, int], dict[int, int], Decimal]:
    rater = rk.Rater(DAILY, METERS, start=T0)
    calls: dict[int, int] = {}
    sizes: dict[int, int] = {}
    total = Decimal(0)
    for day in range(days):
        for hour in range(24):
            _hour(rater, day, hour)
            watermark = T0 + dt.timedelta(days=day, hours=hour)
            if hour == 12:
                profile = cProfile.Profile()
                profile.enable()
                statement = rater.statement(watermark)
                profile.disable()
                calls[day] = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
            else:
                statement = rater.statement(watermark)
            total += statement.total()
        # The tombstones (body.gone) and the one table of the listings that covered them
        # (body.gone_listings), which their indices name.
        body = rater.snapshot()["body"]
        sizes[day] = len(json.dumps([body.get("gone", []), body.get("gone_listings", [])]))
    return rater, calls, sizes, total


@pytest.fixture(scope="module")
def churned() -> tuple[rk.Rater, dict[int, int], dict[int, int], Decimal]:
    return _run(8)


def test_a_statement_at_the_listing_costs_the_same_on_day_7_as_on_day_2(
    churned: tuple[rk.Rater, dict[int, int], dict[int, int], Decimal],
) -> None:
    _, calls, _, total = churned
    # 8 days to 7 March 23:00: each address 19 h a day, 5 x 19 x 8 = 760 h x 0.005 = 3.80;
    # NAT 0.5 GB an hour, the first delta (over 28 Feb 23:00 .. 1 March 00:00) too late:
    # 191 x 0.5 = 95.5 GB x 0.045 = 4.2975. The stream so far: 8.0975.
    assert total == Decimal("8.0975")
    assert calls[7] <= calls[2] * 11 // 10, calls


def test_a_tombstone_weighs_its_ids_and_its_listing_s_id_plus_a_few_bytes(
    churned: tuple[rk.Rater, dict[int, int], dict[int, int], Decimal],
) -> None:
    rater, _, sizes, _ = churned
    # Each day compacts one more day of 5 released allocations: 5 tombstones a day.
    # Their ids: '203.0.113.3#4' (15 B as JSON) and '203.0.113.3#4/r' (17 B), and the id
    # of the listing that covered them last, 'i4/23' (7 B): 39 B, plus 16 B of room.
    # (91 B when each account's table wrote the day's listing for its one tombstone a
    # day; one table for the snapshot writes it once for the day's 5 tombstones: 53.8 B.)
    per_tombstone = Decimal(sizes[7] - sizes[3]) / (4 * ADDRESSES)
    assert per_tombstone <= 39 + 16, per_tombstone
    # and the snapshot, its listings shared by every account's tombstones, restores as is
    data = rater.snapshot()
    assert len(data["body"]["gone_listings"][1]) == 6  # 1 to 6 March's 23:00 listings
    assert rk.Rater.restore(json.loads(json.dumps(data)), DAILY, METERS).snapshot() == data
