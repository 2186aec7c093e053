"""A `Usage` from `meter()` knows each account's first record, so `rate()` covers it so.

Under a single plan, rating covers an account (its fees, bases and minimums) from the
cycle of its first row *or record*. A record that makes no row (an orphan stop, an update
of a stopped resource, an event after a delete) counts: `rk.rate(rk.meter(records, ...),
plan)` bills the account as `rk.rate(records, plan, meters=...)` does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
DAYS = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", DAILY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))], fees=[rk.Fee("support", 5)]
)


def _through_usage(records: list[rk.Event]) -> rk.Rating:
    usage = rk.meter(records, [HOURS], span=DAYS, cycle=DAILY, as_of=DAYS.end)
    return rk.rate(usage, PLAN, span=DAYS)


def test_an_orphan_stop_makes_no_row_but_opens_the_account_s_fees() -> None:
    records = [
        rk.Event("acme", "vm-1", "2026-03-02T10:00:00Z", kind="stop", id="x"),  # no row
        rk.Event("acme", "vm-1", "2026-03-03T06:00:00Z", kind="start", id="go"),
        rk.Event("acme", "vm-1", "2026-03-03T08:00:00Z", kind="stop", id="end"),
    ]
    # Covered from 2 March, the day of its first record: fees on 2, 3 and 4 March,
    # 3 x 5 = 15, and 2 hours at 1 on 3 March: 17. (It was 12 from the usage: the fee
    # of 2 March, 5 EUR, was missing, the account covered from its first row only.)
    want = rk.rate(records, PLAN, span=DAYS, meters=[HOURS])
    assert want.total() == Decimal(17)
    got = _through_usage(records)
    assert got.charges == want.charges
    assert got.total() == Decimal(17)
    assert [c.span.start.day for c in got.charges if c.kind == "fee"] == [2, 3, 4]


def test_the_usage_says_each_account_s_first_record() -> None:
    records = [
        rk.Event("acme", "vm-1", "2026-03-02T10:00:00Z", kind="stop"),
        rk.Event("acme", "vm-1", "2026-03-03T06:00:00Z", kind="start"),
    ]
    usage = rk.meter(records, [HOURS], span=DAYS, cycle=DAILY, as_of=DAYS.end)
    assert dict(usage.first_us) == {"acme": records[0].at_us}
    assert usage.first_us is usage.first_us  # worked out once, then kept
    by_hand = rk.Usage(usage.rows, usage.anomalies, usage.state, first_us={"acme": 1})
    assert by_hand == usage  # not part of equality, as meters and cuts are not
    assert dict(rk.Usage((), (), ()).first_us) == {}


@pytest.mark.parametrize("given", [{"acme": 1.5}, {"acme": True}, {"": 1}, {"acme": 10**30}, [1]])
def test_a_usage_built_by_hand_refuses_first_records_it_cannot_read(given: object) -> None:
    with pytest.raises(rk.RatekitTypeError, match="Usage first_us must be a mapping of account"):
        rk.Usage((), (), (), first_us=given)


_KINDS = st.sampled_from(["start", "stop", "update", "delete"])


@pytest.mark.property
@settings(max_examples=max(LAWS // 10, 30), deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 95), _KINDS),
        max_size=12,
    )
)
def test_rating_a_usage_covers_accounts_as_rating_its_records(
    drawn: list[tuple[str, int, str]],
) -> None:
    """Oracle: each account pays the fee from the day of its first record to the end."""
    records = [
        rk.Event(account, f"{account}/vm", DAYS.start + dt.timedelta(hours=hour), kind=kind)  # type: ignore[arg-type]
        for account, hour, kind in drawn
    ]
    got = _through_usage(records)
    assert got.charges == rk.rate(records, PLAN, span=DAYS, meters=[HOURS]).charges
    fees = sorted((c.account, c.span.start.day) for c in got.charges if c.kind == "fee")
    first_day = {}
    for account, hour, _ in sorted(drawn, key=lambda item: item[1]):
        first_day.setdefault(account, 1 + hour // 24)
    assert fees == sorted((a, day) for a, first in first_day.items() for day in range(first, 5))
