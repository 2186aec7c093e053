"""A host's whole log of assignments told in one `Rater.assign()` call after a crash.

docs/streaming.md (new customers and plan changes): after a crash, restore the last
snapshot with its own set and call `assign()` again "with your whole log of
assignments (what the restored rater holds already is a replay); it returns the newest
set again". A log holding two plans of one account told after that snapshot (acme
onboarded on basic from 10 March, upgraded to pro from 15 March) was refused in one
call (`BadPriceError`: "assigned plans 'basic' and 'pro' at once"), though told one by
one it was taken: an open-ended assignment the call adds was not ended where a later
one of the same call starts, as a held one is.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
MARCH_APRIL = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
BASIC = rk.Plan(
    "basic", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    fees=[rk.Fee("base", 31)],
)  # fmt: skip
PRO = rk.Plan(
    "pro", "EUR", MONTHS, [rk.PriceEntry("vm-pro", "vm.hours", rk.PerUnit("0.05"))],
    fees=[rk.Fee("pro", 62)],
)  # fmt: skip
ZETA = rk.Assignment("zeta", BASIC)
#: The host's log as it told it: acme on basic from 10 March (open-ended), pro from 15
#: March, and acme leaving on 16 April (pro told again with that end).
LOG = (
    ZETA,
    rk.Assignment("acme", BASIC, start="2026-03-10T00:00:00Z"),
    rk.Assignment("acme", PRO, start="2026-03-15T00:00:00Z"),
    rk.Assignment("acme", PRO, start="2026-03-15T00:00:00Z", end="2026-04-16T00:00:00Z"),
)
RECORDS = [
    rk.Event("zeta", "vm-9", "2026-03-02T00:00:00Z", kind="start", id="z1"),
    rk.Event("acme", "vm-1", "2026-03-10T00:00:00Z", kind="start", id="e1"),
]


def _saved_before_the_log() -> dict[str, object]:
    rater = rk.Rater([ZETA], [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(RECORDS[:1])
    rater.statement("2026-03-05T00:00:00Z")
    return json.loads(json.dumps(rater.snapshot()))  # type: ignore[no-any-return]


def _one_by_one(log: tuple[rk.Assignment, ...]) -> tuple[rk.Assignment, ...]:
    rater = rk.Rater.restore(_saved_before_the_log(), [ZETA], [HOURS])
    whole: tuple[rk.Assignment, ...] = ()
    for assignment in log:
        whole = rater.assign(assignment)
    return whole


def _sums(lines: list[rk.StatementLine]) -> dict[tuple[str, str, str], Decimal]:
    out: dict[tuple[str, str, str], Decimal] = {}
    for line in lines:
        key = (line.account, line.plan, line.kind)
        out[key] = out.get(key, Decimal(0)) + line.amount
    return {key: amount for key, amount in out.items() if amount}


def test_a_whole_log_told_in_one_call_after_a_crash_is_taken_as_told_one_by_one() -> None:
    rater = rk.Rater.restore(_saved_before_the_log(), [ZETA], [HOURS])
    whole = rater.assign(*LOG)
    assert (
        set(whole)
        == set(_one_by_one(LOG))
        == {
            ZETA,
            rk.Assignment("acme", BASIC, start="2026-03-10T00:00:00Z", end="2026-03-15T00:00:00Z"),
            rk.Assignment("acme", PRO, start="2026-03-15T00:00:00Z", end="2026-04-16T00:00:00Z"),
        }
    )
    assert rater.assign(*LOG) == whole  # told again: a replay
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), whole, [HOURS])
    rater.feed(RECORDS)
    restored.feed(RECORDS)
    lines = list(rater.statement("2026-05-01T00:00:00Z").lines)
    assert lines == list(restored.statement("2026-05-01T00:00:00Z").lines)
    # acme: basic 10 to 15 March, fee 31 x 5/31 = 5, 120 h x 0.10 = 12.00; pro 15 March
    # to 16 April, fee 62 x 17/31 = 34 in March and 62 x 15/30 = 31 in April, 408 h +
    # 360 h = 768 h x 0.05 = 38.40. zeta: basic's fee 31 in March and 31 in April, less
    # 31 x 4/31 = 4 stated on 5 March before the crash: 58; its VM from 2 March, 720 h
    # + 720 h = 1440 h x 0.10 = 144.00, less 72 h x 0.10 = 7.20 stated then: 136.80.
    assert _sums(lines) == {
        ("acme", "basic", "fee"): Decimal(5),
        ("acme", "basic", "usage"): Decimal("12.00"),
        ("acme", "pro", "fee"): Decimal(65),
        ("acme", "pro", "usage"): Decimal("38.40"),
        ("zeta", "basic", "fee"): Decimal(58),
        ("zeta", "basic", "usage"): Decimal("136.80"),
    }
    batch = rk.rate(RECORDS, whole, span=MARCH_APRIL, meters=[HOURS])
    assert sum(c.amount for c in batch.charges if c.account == "acme") == Decimal("120.40")


def test_two_plan_changes_of_one_account_in_one_call_end_each_other_in_any_order() -> None:
    # acme on basic from 20 March, pro from 25 March, basic again from 28 March, told
    # in one call in any order: basic 20..25, pro 25..28, basic from 28.
    told = [
        rk.Assignment("acme", BASIC, start="2026-03-20T00:00:00Z"),
        rk.Assignment("acme", PRO, start="2026-03-25T00:00:00Z"),
        rk.Assignment("acme", BASIC, start="2026-03-28T00:00:00Z"),
    ]
    expected = {
        ZETA,
        rk.Assignment("acme", BASIC, start="2026-03-20T00:00:00Z", end="2026-03-25T00:00:00Z"),
        rk.Assignment("acme", PRO, start="2026-03-25T00:00:00Z", end="2026-03-28T00:00:00Z"),
        rk.Assignment("acme", BASIC, start="2026-03-28T00:00:00Z"),
    }
    for order in (told, told[::-1], [told[1], told[2], told[0]]):
        rater = rk.Rater([ZETA], [HOURS], start="2026-03-01T00:00:00Z")
        assert set(rater.assign(*order)) == expected
    # Two at one start still overlap, and are refused naming both.
    rater = rk.Rater([ZETA], [HOURS], start="2026-03-01T00:00:00Z")
    with pytest.raises(rk.BadPriceError, match=r"plans 'basic' and 'pro' at once"):
        rater.assign(told[0], rk.Assignment("acme", PRO, start="2026-03-20T00:00:00Z"))


@pytest.mark.property
@settings(max_examples=LAWS // 4, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_a_log_told_in_one_call_equals_the_log_told_one_by_one(seed: int) -> None:
    # Oracle: telling the assignments one by one, in the order of their starts (an
    # end told after the start it ends), the documented plan changes.
    rng = random.Random(seed)
    plans = [BASIC, PRO]
    log: list[rk.Assignment] = []
    for account in ("acme", "beta"):
        days = sorted(rng.sample(range(6, 28), rng.randint(1, 4)))
        log.extend(
            rk.Assignment(account, rng.choice(plans), start=f"2026-03-{day:02d}T00:00:00Z")
            for day in days
        )
        if rng.random() < 0.5:
            last = log[-1]
            log.append(
                rk.Assignment(account, last.plan, start=last.start, end="2026-04-10T00:00:00Z")
            )
    oracle = _one_by_one(tuple(log))
    shuffled = log[:]
    rng.shuffle(shuffled)
    rater = rk.Rater.restore(_saved_before_the_log(), [ZETA], [HOURS])
    assert set(rater.assign(*shuffled)) == set(oracle)
    assert set(rater.assign(*log)) == set(oracle)  # told again: a replay
