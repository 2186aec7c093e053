"""A `Usage` from `meter()` knows each account's first record, so `rate()` covers it so.

Under a single plan, rating covers an account (its fees, bases and minimums) from the
cycle of its first row *or record*. A record that makes no row (an orphan stop, an update
of a stopped resource, an event after a delete) counts: `rk.rate(rk.meter(records, ...),
plan)` bills the account as `rk.rate(records, plan, meters=...)` does.
"""

from __future__ import annotations

import datetime as dt
import gc
import pickle
import weakref
from collections.abc import Iterator, Mapping
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
    assert usage.first_us is usage.first_us  # worked out while metering, then kept
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


BYTES = rk.Meter("bytes", "B", rk.Discrete())
_START = DAYS.start


def _record(account: str, hour: int, shape: str, back: int, name: str | None) -> object:
    at = _START + dt.timedelta(hours=hour)
    if shape == "inventory":  # no account's
        return rk.Inventory(at, [], close="last_seen", id=name)
    if shape == "sample":
        since = None if back < 0 else at - dt.timedelta(hours=back)
        return rk.Sample(account, f"{account}/ip", "bytes", at, 1, since=since, id=name)
    return rk.Event(account, f"{account}/vm", at, kind=shape, id=name)


_RECORDS = st.lists(
    st.builds(
        _record,
        st.sampled_from(["a", "b", "c"]),
        st.integers(-30, 140),  # before the span, inside, at and after as_of (hour 96)
        st.sampled_from(["start", "stop", "delete", "sample", "inventory"]),
        st.integers(-1, 40),  # a delta's since, hours back (-1: none)
        st.sampled_from([None, None, "x", "y"]),  # an id given twice is a replay
    ),
    max_size=14,
)


def _earliest_by_hand(records: list[object]) -> dict[str, int]:
    first: dict[str, int] = {}
    for record in records:
        account = getattr(record, "account", None)
        if account is None:
            continue
        at_us = record.at_us  # type: ignore[attr-defined]
        since_us = getattr(record, "since_us", None)
        start = at_us if since_us is None else min(at_us, since_us)
        first[account] = min(first.get(account, start), start)
    return first


@pytest.mark.property
@settings(max_examples=max(LAWS // 10, 30), deadline=None)
@given(_RECORDS, _RECORDS, st.booleans())
def test_the_first_records_are_those_of_every_record_given(
    drawn: list[object], earlier: list[object], replayed: bool
) -> None:
    """Oracle: per account, the least instant (or since) of every record given, whether
    metering set it aside (stamped at or after as_of, a replay by id or remembered by the
    state, an inventory's) or grouped it."""
    records = [*drawn, *drawn[: len(drawn) // 2]] if replayed else drawn
    try:
        before = rk.meter(earlier, [HOURS, BYTES], span=DAYS, cycle=DAILY, as_of=DAYS.start)
        usage = rk.meter(
            [*earlier, *records],
            [HOURS, BYTES],
            span=DAYS,
            cycle=DAILY,
            as_of=DAYS.end,
            state=before.state,
        )
    except rk.ConflictingRecordError:  # one id, two contents: no usage to look at
        return
    assert dict(usage.first_us) == _earliest_by_hand([*earlier, *records])


MONTH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _metered_with_later(count: int) -> tuple[rk.Usage, weakref.ref[rk.Event]]:
    """An orphan stop on 2 March, and ``count`` starts after ``as_of``: no row of them."""
    records = [
        *(
            rk.Event("acme", f"vm-{i}", MONTH.end + dt.timedelta(minutes=i), kind="start")
            for i in range(count)
        ),
        rk.Event("acme", "vm-0", "2026-03-02T00:00:00Z", kind="stop"),
    ]
    usage = rk.meter(records, [HOURS], span=MONTH, cycle=None, as_of=MONTH.end)
    # no_effect is worked out on first use, from the records: worked out here (no record
    # has an id: no pairs), so that only first_us could still hold them
    assert usage.no_effect == ()
    return usage, weakref.ref(records[0])


def test_the_usage_keeps_the_first_instants_not_the_records() -> None:
    usage, later = _metered_with_later(1000)
    gc.collect()
    # The caller's list is gone, and the records with it: the first start after as_of is
    # collected (the usage used to keep them all alive, 200 B a record, for first_us).
    assert later() is None
    # 2026-03-02T00:00:00Z: 56 x 365 + 14 leap days = 20,454 days to 2026-01-01, + 31 + 28
    # + 1 = 20,514 days, x 86,400 s = 1,772,409,600 s (the orphan stop, no row of its own).
    assert dict(usage.first_us) == {"acme": 1_772_409_600_000_000}


def test_a_pickled_usage_holds_no_record_that_made_no_row() -> None:
    one, _ = _metered_with_later(1)
    many, _ = _metered_with_later(1000)
    # The same rows, anomaly, state and first instants: the same bytes, whatever the
    # number of records that made nothing (they were pickled with it: 50 B a record).
    assert len(pickle.dumps(many)) == len(pickle.dumps(one))
    assert pickle.loads(pickle.dumps(many)).first_us == {"acme": 1_772_409_600_000_000}


def test_a_usage_refuses_first_records_whose_own_code_raises() -> None:
    # A mapping of the caller's whose iteration raises ValueError used to let it escape
    # from rk.Usage(); it is read once at the door and named.
    class Gone(Mapping[str, int]):
        def __getitem__(self, key: str) -> int:
            raise KeyError(key)

        def __iter__(self) -> Iterator[str]:
            raise ValueError("backing store gone")

        def __len__(self) -> int:
            return 1

    with pytest.raises(rk.RatekitTypeError, match="backing store gone"):
        rk.Usage((), (), (), first_us=Gone())


def test_a_usage_reads_an_account_name_of_a_str_subclass_as_its_text() -> None:
    class Name(str):
        __slots__ = ()

        def __str__(self) -> str:
            return "other"

    usage = rk.Usage((), (), (), first_us={Name("acme"): 5})
    assert [type(name) for name in usage.first_us] == [str]
    assert dict(usage.first_us) == {"acme": 5}
