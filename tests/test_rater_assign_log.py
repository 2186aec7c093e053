"""`Rater.assign()` with a whole log of plan changes in one call.

A host replays its log of an account's plan changes in one call: the assignments as they
were told (each open-ended), as they hold now (each ended at the next one's start), in
any order, to a rater that holds some of them already. One call is the calls one by one
in the order of the starts: the same set, the same statements, what one batch
``rk.rate()`` with that set charges; refused, it leaves the rater as it was.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._rater_streams import batch_sums, sums

import ratekit as rk
from ratekit._instants import format_us, to_us

MONTHS = rk.cycles.monthly(tz="UTC")
HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
BASIC = rk.Plan(
    "basic",
    "EUR",
    MONTHS,
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    fees=[rk.Fee("base", 31)],
)
PRO = rk.Plan(
    "pro",
    "EUR",
    MONTHS,
    [rk.PriceEntry("vm-pro", "vm.hours", rk.PerUnit("0.05"))],
    fees=[rk.Fee("pro", 62)],
)
MAX = rk.Plan(
    "max",
    "EUR",
    MONTHS,
    [rk.PriceEntry("vm-max", "vm.hours", rk.PerUnit("0.01"))],
    fees=[rk.Fee("max", 93)],
)
PLANS = {plan.id: plan for plan in (BASIC, PRO, MAX)}
T1 = "2026-03-10T00:00:00Z"
T2 = "2026-03-20T00:00:00Z"
#: acme on basic to 10 March, pro to 20 March, basic again after, a VM running all month:
#: basic 9 + 12 = 21 days of 31, fee 31 x 21/31 = 21 and 504 h x 0.10 = 50.40; pro 10
#: days, fee 62 x 10/31 = 20 and 240 h x 0.05 = 12.00; in all 103.40.
CHANGED = {
    ("acme", "basic", "fee"): Decimal(21),
    ("acme", "basic", "usage"): Decimal("50.40"),
    ("acme", "pro", "fee"): Decimal(20),
    ("acme", "pro", "usage"): Decimal("12.00"),
}
VM = [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1")]


def _totals(lines: object) -> dict[tuple[str, str, str], Decimal]:
    out: dict[tuple[str, str, str], Decimal] = {}
    for line in lines:  # type: ignore[attr-defined]
        key = (line.account, line.plan, line.kind)
        out[key] = out.get(key, Decimal(0)) + line.amount
    return {key: amount for key, amount in out.items() if amount}


def _march(assign: list[rk.Assignment], held: rk.Assignment) -> dict[tuple[str, str, str], Decimal]:
    """acme's March: built with ``held``, fed its VM, given ``assign`` in one call."""
    rater = rk.Rater([held], [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(VM)
    first = rater.statement("2026-03-05T00:00:00Z")
    whole = rater.assign(*assign)
    second = rater.statement("2026-04-01T00:00:00Z")
    stated = _totals([*first.lines, *second.lines])
    assert stated == _totals(rk.rate(VM, whole, span=MARCH, meters=[HOURS]).charges)
    return stated


@pytest.mark.parametrize("order", ["in order", "reversed", "shuffled"])
def test_a_log_as_it_was_told_in_one_call_is_the_calls_one_by_one(order: str) -> None:
    # The log as told: basic open-ended (held), pro from 10 March, basic from 20 March,
    # each open-ended. One by one, each ends the one before; in one call the second basic
    # did not end pro (it was refused: "plans 'pro' and 'basic' at once").
    told = [
        rk.Assignment("acme", BASIC),
        rk.Assignment("acme", PRO, start=T1),
        rk.Assignment("acme", BASIC, start=T2),
    ]
    given = {"in order": told, "reversed": told[::-1], "shuffled": [told[1], told[2], told[0]]}
    assert _march(given[order], rk.Assignment("acme", BASIC)) == CHANGED
    one_by_one = rk.Rater([told[0]], [HOURS], start="2026-03-01T00:00:00Z")
    for assignment in told[1:]:
        whole = one_by_one.assign(assignment)
    other = rk.Rater([told[0]], [HOURS], start="2026-03-01T00:00:00Z")
    assert other.assign(*given[order]) == whole


@pytest.mark.parametrize("held_start", [None, "2026-03-01T00:00:00Z"])
def test_a_log_as_it_holds_now_in_any_order_ends_each_plan_at_the_next(
    held_start: str | None,
) -> None:
    # The log with its ends: basic to 10 March (the held one ended), pro 10 to 20 March,
    # basic from 20 March; reversed, pro's end and basic's start came in one call.
    held = rk.Assignment("acme", BASIC, start=held_start)
    log = [
        rk.Assignment("acme", BASIC, start=held_start, end=T1),
        rk.Assignment("acme", PRO, start=T1, end=T2),
        rk.Assignment("acme", BASIC, start=T2),
    ]
    assert _march(log, held) == CHANGED
    assert _march(log[::-1], held) == CHANGED
    assert _march([log[2], log[0], log[1]], held) == CHANGED


def test_a_new_customers_log_in_one_call_ends_its_own_open_ended_plans() -> None:
    # newco, unknown to the rater, with its log as told: basic from 10 March, pro from
    # 20 March, both open-ended; given pro first. One by one basic is ended at 20 March;
    # in one call basic stayed open-ended and the call was refused as an overlap.
    # basic 10 days: fee 31 x 10/31 = 10, no usage; pro 12 days: 62 x 12/31 = 24.
    rater = rk.Rater([rk.Assignment("acme", BASIC)], [HOURS], start="2026-03-01T00:00:00Z")
    whole = rater.assign(
        rk.Assignment("newco", PRO, start=T2), rk.Assignment("newco", BASIC, start=T1)
    )
    assert whole == (
        rk.Assignment("acme", BASIC),
        rk.Assignment("newco", BASIC, start=T1, end=T2),
        rk.Assignment("newco", PRO, start=T2),
    )
    stated = _totals(rater.statement("2026-04-01T00:00:00Z").lines)
    assert stated == {
        ("acme", "basic", "fee"): Decimal(31),
        ("newco", "basic", "fee"): Decimal(10),
        ("newco", "pro", "fee"): Decimal(24),
    }
    assert stated == _totals(rk.rate([], whole, span=MARCH, meters=[HOURS]).charges)


def test_replaying_the_log_after_the_customer_left_is_a_replay() -> None:
    # acme on basic from 1 March leaves on 20 March (its assignment told again with that
    # end). After a restore the host replays its log: basic as told (open-ended), then
    # the leaving. The first was refused as a second plan ("plans 'basic' and 'basic' at
    # once"), alone or in one call with the leaving; both are replays now.
    # basic to 20 March: fee 31 x 19/31 = 19, 456 h x 0.10 = 45.60.
    told = rk.Assignment("acme", BASIC, start="2026-03-01T00:00:00Z")
    leaving = rk.Assignment("acme", BASIC, start="2026-03-01T00:00:00Z", end=T2)
    rater = rk.Rater([told], [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(VM)
    first = rater.statement("2026-03-10T00:00:00Z")
    assert rater.assign(leaving) == (leaving,)
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), [leaving], [HOURS])
    before = restored.snapshot()
    assert restored.assign(told) == (leaving,)
    assert restored.assign(told, leaving) == (leaving,)
    assert restored.assign(leaving, told) == (leaving,)
    assert restored.snapshot() == before
    second = restored.statement("2026-04-01T00:00:00Z")
    stated = _totals([*first.lines, *second.lines])
    assert stated == {
        ("acme", "basic", "fee"): Decimal(19),
        ("acme", "basic", "usage"): Decimal("45.60"),
    }
    assert stated == _totals(rk.rate(VM, [leaving], span=MARCH, meters=[HOURS]).charges)


def test_a_log_with_a_change_before_the_watermark_is_refused_whole() -> None:
    # Watermark 15 March: pro from 20 March could be added, basic from 12 March could
    # not; the call names the first refused in the order of starts and takes neither.
    rater = rk.Rater([rk.Assignment("acme", BASIC)], [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(VM)
    rater.statement("2026-03-15T00:00:00Z")
    before = rater.snapshot()
    late = rk.Assignment("acme", MAX, start="2026-03-12T00:00:00Z")
    with pytest.raises(rk.BadTimeError) as caught:
        rater.assign(rk.Assignment("acme", PRO, start=T2), late)
    assert str(caught.value) == (
        "Rater.assign: Assignment('acme', 'max', start='2026-03-12T00:00:00Z') starts at "
        "2026-03-12T00:00:00Z, before the rater's last watermark 2026-03-15T00:00:00Z: the "
        "statements up to it are given, and an assignment takes effect only for what comes "
        "after. Give it a start at or after 2026-03-15T00:00:00Z; to rate the past under "
        "other plans, rate its records in batch with rk.rate()."
    )
    assert rater.snapshot() == before


def test_a_log_whose_set_overlaps_is_refused_naming_the_set_and_changes_nothing() -> None:
    # pro given 10 to 25 March and max from 20 March: pro is bounded, so nothing ends it
    # at 20 March, one by one or in one call; the whole set is refused as an overlap.
    rater = rk.Rater([rk.Assignment("acme", BASIC)], [HOURS], start="2026-03-01T00:00:00Z")
    before = rater.snapshot()
    pro = rk.Assignment("acme", PRO, start=T1, end="2026-03-25T00:00:00Z")
    top = rk.Assignment("acme", MAX, start=T2)
    with pytest.raises(rk.BadPriceError) as caught:
        rater.assign(top, pro)
    said = str(caught.value)
    assert said.startswith(
        "Rater.assign: with Assignment('acme', 'pro', start='2026-03-10T00:00:00Z', "
        "end='2026-03-25T00:00:00Z'), Assignment('acme', 'max', "
        "start='2026-03-20T00:00:00Z'), the rater's assignments (Assignment('acme', "
        "'basic', end='2026-03-10T00:00:00Z'), "
    )
    assert "plans 'pro' and 'max' at once from 2026-03-20T00:00:00Z" in said
    assert said.endswith(
        "An account's open-ended assignment that starts before an added one is ended at "
        "its start; any other overlap is refused, as when the rater is built."
    )
    assert rater.snapshot() == before


# The property: random logs of plan changes for one or two accounts.

START_US = to_us("2026-03-01T00:00:00Z")
DAY_US = 86_400_000_000
END_US = START_US + 61 * DAY_US  # to 1 May


def _segments(rng: random.Random, account: str) -> list[tuple[str, str, int | None, int | None]]:
    """An account's plans: ``(account, plan, start, end)``, each ended at the next."""
    starts: list[int | None] = [
        START_US + d * DAY_US for d in sorted(rng.sample(range(1, 45), rng.randint(1, 3)))
    ]
    if account == "a" and rng.random() < 0.4:
        starts[0] = None
    plans: list[str] = []
    for _ in starts:
        plans.append(rng.choice([p for p in PLANS if not plans or p != plans[-1]]))
    last = starts[-1]
    leave = (last or START_US) + rng.randint(1, 12) * DAY_US if rng.random() < 0.3 else None
    ends = [*starts[1:], leave]
    return [
        (account, plan, start, end) for plan, start, end in zip(plans, starts, ends, strict=True)
    ]


def _told(segment: tuple[str, str, int | None, int | None], ended: bool) -> rk.Assignment:
    account, plan, start, end = segment
    return rk.Assignment(
        account,
        PLANS[plan],
        start=None if start is None else format_us(start),
        end=None if end is None or not ended else format_us(end),
    )


def _start(assignment: rk.Assignment) -> int:
    return -1 if assignment.start_us is None else assignment.start_us


class Story:
    """A drawn log: what the rater is built with and told before, and the log told after."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.segments = _segments(rng, "a") + (_segments(rng, "b") if rng.random() < 0.5 else [])
        # the rater holds a's first plan (as told: open-ended) or only a third account's
        first = self.segments[0]
        self.built = [rk.Assignment("z", BASIC)]
        if first[2] is None or rng.random() < 0.5:
            self.built.append(_told(first, ended=False))
        held_until = {a.account: a.start_us for a in self.built}
        # each segment in its form now (ended) or as it was told (open-ended); some twice
        self.log = [_told(s, ended=rng.random() < 0.5) for s in self.segments]
        self.log += [
            _told(s, ended=rng.random() < 0.5) for s in self.segments if rng.random() < 0.2
        ]
        rng.shuffle(self.log)
        # the watermark: at or before every change the log makes to what is held
        changes = [
            s[2] for s in self.segments if s[2] is not None and held_until.get(s[0], -2) != s[2]
        ]
        changes += [s[3] for s in self.segments if s[3] is not None]
        bound = min(changes, default=END_US)
        if rng.random() < 0.1:  # anywhere: a change before it is refused, the call whole
            bound = END_US - DAY_US
        self.watermark = (
            rng.randrange(START_US, bound + 1, DAY_US) if rng.random() < 0.6 else START_US
        )
        # a VM of each account: started on a day with a plan, perhaps stopped later
        self.records: list[rk.Event] = []
        for account in sorted({s[0] for s in self.segments}):
            mine = [s for s in self.segments if s[0] == account]
            lo = mine[0][2] if mine[0][2] is not None else START_US
            covered = [
                d
                for d in range(lo, END_US, DAY_US)
                if any((s[2] is None or s[2] <= d) and (s[3] is None or d < s[3]) for s in mine)
            ]
            if account not in held_until:
                covered = [d for d in covered if d >= self.watermark]
            elif not any(a.account == account for a in self.built):
                covered = []
            else:
                held = next(a for a in self.built if a.account == account)
                covered = [d for d in covered if d >= self.watermark or (held.start_us or 0) <= d]
            if not covered:
                continue
            at = rng.choice(covered)
            self.records.append(
                rk.Event(account, f"{account}-vm", format_us(at), kind="start", id=f"{account}1")
            )
            if rng.random() < 0.5 and at + DAY_US < END_US:
                stop = rng.randrange(at + DAY_US, END_US, DAY_US // 4)
                self.records.append(
                    rk.Event(
                        account, f"{account}-vm", format_us(stop), kind="stop", id=f"{account}2"
                    )
                )

    def run(self, one_call: bool) -> tuple[tuple[rk.Assignment, ...], list[rk.StatementLine]] | str:
        rater = rk.Rater(self.built, [HOURS], start=format_us(START_US))
        early = [r for r in self.records if r.at_us < self.watermark]
        lines: list[rk.StatementLine] = []
        if early:
            rater.feed(early)
        lines += rater.statement(format_us(self.watermark)).lines
        before = rater.snapshot()
        try:
            if one_call:
                whole = rater.assign(*self.log)
            else:
                for assignment in sorted(self.log, key=_start):
                    whole = rater.assign(assignment)
        except rk.RatekitError as error:
            if one_call:
                assert rater.snapshot() == before  # refused: unchanged
            return type(error).__name__
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), whole, [HOURS])
        rater.feed([r for r in self.records if r.at_us >= self.watermark])
        lines += rater.statement(format_us(END_US)).lines
        return whole, lines


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32))
def test_a_log_in_one_call_in_any_order_is_the_calls_one_by_one_and_batch(seed: int) -> None:
    story = Story(seed)
    one_by_one = story.run(one_call=False)
    one_call = story.run(one_call=True)
    if isinstance(one_by_one, str):
        # one by one refused a step: one call refuses too, or (a set between refused
        # for what a later change mends) states what batch does with its set
        if isinstance(one_call, str):
            return
    else:
        assert not isinstance(one_call, str), (one_call, story.log)
        assert sorted(map(repr, one_call[0])) == sorted(map(repr, one_by_one[0]))
        assert sums(one_call[1]) == sums(one_by_one[1])
    whole, lines = one_call
    batch = rk.rate(
        story.records, whole, span=rk.Span(format_us(START_US), format_us(END_US)), meters=[HOURS]
    )
    assert sums(lines) == batch_sums(batch.charges)


def test_a_set_only_a_call_between_would_leave_is_not_refused_in_one_call() -> None:
    # acme on basic from 1 March, a VM started on 15 March taken; the host learns acme
    # left on 10 March and came back on 12 March. The leaving alone leaves the record of
    # 15 March in no plan (refused: what the rater took could not be rated); with the
    # return in the same call, the set after covers it. basic 1 to 10 and 12 March to
    # 1 April, 9 + 20 = 29 days: fee 31 x 29/31 = 29 (4 of them stated to 5 March), and
    # 17 days x 24 h = 408 h x 0.10 = 40.80.
    held = rk.Assignment("acme", BASIC, start="2026-03-01T00:00:00Z")
    leave = rk.Assignment("acme", BASIC, start="2026-03-01T00:00:00Z", end=T1)
    back = rk.Assignment("acme", BASIC, start="2026-03-12T00:00:00Z")
    records = [rk.Event("acme", "vm-1", "2026-03-15T00:00:00Z", kind="start", id="e1")]
    rater = rk.Rater([held], [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    first = rater.statement("2026-03-05T00:00:00Z")
    before = rater.snapshot()
    with pytest.raises(rk.UnpricedUsageError, match=r"what the rater took could not be rated"):
        rater.assign(leave)
    assert rater.snapshot() == before
    whole = rater.assign(back, leave)
    assert whole == (leave, back)
    second = rater.statement("2026-04-01T00:00:00Z")
    stated = _totals([*first.lines, *second.lines])
    assert stated == {
        ("acme", "basic", "fee"): Decimal(29),
        ("acme", "basic", "usage"): Decimal("40.80"),
    }
    assert stated == _totals(rk.rate(records, whole, span=MARCH, meters=[HOURS]).charges)
