"""What compaction must keep: the state batch rating still reads after a cycle is dropped.

Closed cycles are compacted (their records dropped, the metering state at the new base
kept). The statements must still add up, per account, cycle and line, to one batch
``rk.rate()``: an allowance with its own (longer) period keeps what the compacted cycles
consumed of it, and a gauge's level keeps counting in the cycles after its reading.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._rater_streams import OWN, check_law
from tests._snapshots import version_3

import ratekit as rk
from ratekit import _snapshot

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
UTC = "UTC"
Key = tuple[str, int, str, str | None, str | None, str | None]


def _yearly_plan() -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz=UTC),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        allowances=[rk.Allowance("vm.hours", 1000, cycle=rk.cycles.yearly(tz=UTC))],
    )


START = rk.Event("a", "v", "2026-01-01T00:00:00Z", kind="start", id="e1")


def _summed(statements: list[rk.Statement]) -> dict[Key, Fraction]:
    out: dict[Key, Fraction] = {}
    for statement in statements:
        for line in statement.lines:
            x = line
            key = (x.account, x.cycle.start_us, x.kind, x.meter, x.entry, x.resource)
            out[key] = out.get(key, Fraction(0)) + Fraction(line.amount)
    return {k: v for k, v in out.items() if v}


def _batch(
    records: list[Any], plan: rk.Plan, meters: list[rk.Meter], start: str, end: str
) -> dict[Key, Fraction]:
    rating = rk.rate(records, plan, span=rk.Span(start, end), meters=meters)
    out: dict[Key, Fraction] = {}
    for c in rating.charges:
        key = (c.account, c.cycle.start_us, c.kind, c.meter, c.entry, c.resource)
        out[key] = out.get(key, Fraction(0)) + Fraction(c.amount)
    return {k: v for k, v in out.items() if v}


# -- own-period allowances ----------------------------------------------------------------


def test_a_yearly_allowance_is_not_granted_again_after_compaction() -> None:
    # One VM from 1 January, 1,000 free hours per year, 1 EUR an hour, a statement a month.
    # January 744 h (all free, 256 left), February 672 h (256 free, 416 charged), March
    # 744 h and April 720 h (the year's allowance is spent): 0 + 416 + 744 + 720 = 1880
    # = 2880 h - 1000 h. January is compacted at the statement of 1 March, February at
    # that of 1 April: both still count against the year.
    plan = _yearly_plan()
    rater = rk.Rater(plan, [VM], start="2026-01-01T00:00:00Z")
    rater.feed([START])
    statements = [rater.statement(f"2026-{m:02d}-01T00:00:00Z") for m in range(2, 6)]
    assert [s.total() for s in statements] == [0, 416, 744, 720]
    assert _summed(statements) == _batch(
        [START], plan, [VM], "2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z"
    )


def test_a_weekly_allowance_on_daily_cycles_spans_compacted_days() -> None:
    # Daily cycles, 30 free hours per week (weeks from Monday; 2 March 2026 is one).
    # Mon 2 March: 24 free (6 left); Tue: 6 free, 18 charged; Wed to Sun: 24 each;
    # Mon 9 March: a new week, 24 free (6 left); Tue 10: 6 free, 18 charged.
    # 18 + 5 * 24 + 18 = 156 = 9 days * 24 h - 2 * 30 h.
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz=UTC),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        allowances=[rk.Allowance("vm.hours", 30, cycle=rk.cycles.weekly(tz=UTC))],
    )
    start = rk.Event("a", "v", "2026-03-02T00:00:00Z", kind="start", id="e1")
    rater = rk.Rater(plan, [VM], start="2026-03-02T00:00:00Z")
    rater.feed([start])
    statements = [rater.statement(f"2026-03-{d:02d}T00:00:00Z") for d in range(3, 12)]
    assert [s.total() for s in statements] == [0, 18, 24, 24, 24, 24, 24, 0, 18]
    assert _summed(statements) == _batch(
        [start], plan, [VM], "2026-03-02T00:00:00Z", "2026-03-11T00:00:00Z"
    )


def test_the_used_allowance_survives_snapshot_and_restore_mid_period() -> None:
    # As above, restored through JSON in mid-April: January and February (744 + 672 =
    # 1416 h) are compacted into the snapshot, which carries what they took of the year's
    # allowance: all of it, 1000 h (744 + 256); April's 720 h are charged in two halves,
    # 360 + 360, and the four months still add up to 1880.
    plan = _yearly_plan()
    rater = rk.Rater(plan, [VM], start="2026-01-01T00:00:00Z")
    rater.feed([START])
    before = [rater.statement(f"2026-{m:02d}-01T00:00:00Z") for m in (2, 3, 4)]
    data = json.loads(json.dumps(rater.snapshot()))
    assert data["body"]["allowed"] == [
        ["a", "p", "vm.hours", rk.Span("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z").start_us,
         rk.Span("2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z").start_us, "1000"],
    ]  # fmt: skip
    again = rk.Rater.restore(data, plan, [VM])
    after = [again.statement("2026-04-16T00:00:00Z"), again.statement("2026-05-01T00:00:00Z")]
    assert [s.total() for s in after] == [360, 360]
    # Written before, the plan was named by its index among the plans: read as it was.
    data["body"]["allowed"][0][1] = 0
    legacy = rk.Rater.restore(_resealed(data), plan, [VM])
    assert [legacy.statement(s.as_of).lines for s in after] == [s.lines for s in after]
    assert _summed(before + after) == _batch(
        [START], plan, [VM], "2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z"
    )


def test_an_allowance_share_that_does_not_terminate_is_carried_exactly() -> None:
    # A weekly allowance of 7 h on daily Zurich cycles, acme's plan changing on 27 March at
    # 20:37: each plan's share of the week's 7 h is a fraction with no end in decimals. The
    # second statement compacts the day of the change, inside the week; what those days
    # used of the allowance is carried exactly ("6997/1440", "3083/1440"), so the day after
    # is not rated again one unit of the 60th digit off: nothing is fed between the two
    # statements and acme's lines are not reversed and corrected, and the stream adds up
    # to one batch rate() to the last digit (it was 1E-59 off on two lines).
    daily = rk.cycles.daily(tz="Europe/Zurich")

    def plan(name: str, price: str) -> rk.Plan:
        return rk.Plan(
            name,
            "EUR",
            daily,
            [
                rk.PriceEntry("vm", "vm.hours", rk.PerUnit(price)),
                rk.PriceEntry("users", "users", rk.PerUnit("1.5")),
            ],
            minimums=[rk.Minimum("7")],
            allowances=[
                rk.Allowance("vm.hours", 3),
                rk.Allowance("vm.hours", 7, cycle=rk.cycles.weekly(tz="UTC")),
            ],
        )

    p1, p2 = plan("p1", "0.30"), plan("p2", "0.510")
    plans = [
        rk.Assignment("acme", p1, end="2026-03-27T20:37:00Z"),
        rk.Assignment("acme", p2, start="2026-03-27T20:37:00Z"),
        rk.Assignment("beta", p2),
    ]
    meters = [VM, rk.Meter("users", "user", rk.Max())]
    records = [
        rk.Event("acme", "vm-1", "2026-03-27T03:30:00Z", kind="start", id="on"),
        rk.Event("acme", "vm-1", "2026-03-28T12:00:00Z", kind="stop", id="off"),
        rk.Sample("beta", "app", "users", "2026-03-28T06:45:00Z", 9, kind="gauge", id="u"),
    ]
    rater = rk.Rater(plans, meters, start="2026-03-27T00:00:00Z", horizon=dt.timedelta(hours=12))
    rater.feed(records)
    first = rater.statement("2026-03-29T20:00:00Z")
    data = json.loads(json.dumps(rater.snapshot()))
    second = rater.statement("2026-03-30T10:00:00Z")
    assert [line for line in second.lines if line.role in ("reversal", "correction")] == []
    assert [item[-1] for item in rater.snapshot()["body"]["allowed"]] == ["6997/1440", "3083/1440"]
    batch = _batch(records, plans, meters, "2026-03-26T23:00:00Z", "2026-03-30T10:00:00Z")
    assert _summed([first, second]) == batch
    # Restored from the snapshot between, the rater says the same.
    again = rk.Rater.restore(data, plans, meters)
    assert again.statement("2026-03-30T10:00:00Z").lines == second.lines


def _weekly(name: str, free: int, price: int) -> rk.Plan:
    return rk.Plan(
        name,
        "EUR",
        rk.cycles.daily(tz=UTC),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(price))],
        allowances=[rk.Allowance("vm.hours", free, cycle=rk.cycles.weekly(tz=UTC))],
    )


WEEK_START = [rk.Event("beta", "v", "2026-03-23T00:00:00Z", kind="start", id="on")]


def _week_rater(held: tuple[rk.Assignment, ...]) -> rk.Rater:
    # beta's VM from Monday 23 March, 30 free hours a week on plan "a": Monday's 24 h
    # free, Tuesday 6 free and 18 charged; by 25 March, Monday is compacted, what it used
    # of the week's allowance (24 h) carried.
    rater = rk.Rater(held, [VM], start="2026-03-23T00:00:00Z")
    rater.feed(WEEK_START)
    assert [
        (line.cycle.start.day, line.amount)
        for line in rater.statement("2026-03-25T00:00:00Z").lines
    ] == [
        (23, 0),
        (24, 18),
    ]
    return rater


def test_the_used_allowance_is_the_same_plans_whatever_order_the_assignments_restore_in() -> None:
    # acme on "b" (100 free hours a week at 3), beta on "a" (30 at 1). Restored with the
    # same assignments listed beta first (a host loading them without an ORDER BY, which
    # restore takes), the compacted Monday's 24 h were read as taken from the plan listed
    # second: beta's Tuesday was reversed from 18 to 0 and Wednesday charged 18, 18 less
    # than batch (Tuesday 18, Wednesday 24), said nothing. Without "b"'s allowance, the
    # snapshot was refused as altered.
    for b in (_weekly("b", 100, 3), rk.Plan("b", "EUR", rk.cycles.daily(tz=UTC), [])):
        held = (rk.Assignment("acme", b), rk.Assignment("beta", _weekly("a", 30, 1)))
        rater = _week_rater(held)
        data = json.loads(json.dumps(rater.snapshot()))
        again = rk.Rater.restore(data, held[::-1], [VM])
        lines = again.statement("2026-03-26T00:00:00Z")
        assert [(line.role, line.cycle.start.day, line.amount) for line in lines.lines] == [
            ("charge", 25, 24)
        ]
        assert lines.lines == rater.statement("2026-03-26T00:00:00Z").lines


def test_a_plan_built_anew_for_each_assignment_keeps_the_used_allowance() -> None:
    # The same week, acme on "b" (no allowance), restored with plans built anew (as a new
    # process builds them), and acme moved to "a" (built anew again) on Wednesday: the
    # compacted Monday's use was carried for one "a" object and looked up for another,
    # and beta's Tuesday was reversed from 18 to 0 and Wednesday charged 18 (batch: 18,
    # then 24).
    def plans() -> tuple[rk.Assignment, ...]:
        b = rk.Plan("b", "EUR", rk.cycles.daily(tz=UTC), [])
        return (rk.Assignment("acme", b), rk.Assignment("beta", _weekly("a", 30, 1)))

    rater = _week_rater(plans())
    data = json.loads(json.dumps(rater.snapshot()))
    again = rk.Rater.restore(data, plans(), [VM])
    held = again.assign(rk.Assignment("acme", _weekly("a", 30, 1), start="2026-03-25T00:00:00Z"))
    lines = again.statement("2026-03-26T00:00:00Z").lines
    assert [(line.account, line.role, line.cycle.start.day, line.amount) for line in lines] == [
        ("beta", "charge", 25, 24)
    ]
    days = rk.Span("2026-03-23T00:00:00Z", "2026-03-26T00:00:00Z")
    rating = rk.rate(WEEK_START, held, span=days, meters=[VM])
    assert sorted((c.cycle.start.day, c.amount) for c in rating.charges) == [
        (23, 0),
        (24, 18),
        (25, 24),
    ]


def test_an_allowance_use_written_by_plan_index_is_read_as_it_was_written() -> None:
    # Snapshots before named the plan by its index among the plan objects in the order
    # the assignments first use them, equal objects apart: acme's "b", beta's "a", gamma's
    # equal "a" built anew were 0, 1 and 2. Index 2 is gamma's "a", not past the plans.
    b = rk.Plan("b", "EUR", rk.cycles.daily(tz=UTC), [])
    held = (
        rk.Assignment("acme", b),
        rk.Assignment("beta", _weekly("a", 30, 1)),
        rk.Assignment("gamma", _weekly("a", 30, 1)),
    )
    rater = rk.Rater(held, [VM], start="2026-03-23T00:00:00Z")
    rater.feed([rk.Event("gamma", "v", "2026-03-23T00:00:00Z", kind="start", id="on")])
    rater.statement("2026-03-25T00:00:00Z")
    data = json.loads(json.dumps(rater.snapshot()))
    assert [item[:2] for item in data["body"]["allowed"]] == [["gamma", "a"]]
    data["body"]["allowed"][0][1] = 2
    again = rk.Rater.restore(_resealed(data), held, [VM])
    assert (
        again.statement("2026-03-26T00:00:00Z").lines
        == rater.statement("2026-03-26T00:00:00Z").lines
    )


def test_a_version_2_allowance_use_is_its_accounts_plan_whatever_order_restore_gets() -> None:
    # data/snapshots/rater_v2_allowances.json was written by ratekit's snapshot version 2:
    # acme on "b" (100 free hours a week at 3), beta on "a" (30 at 1), daily cycles, a VM
    # each from Monday 23 March, the watermark at 25 March (Monday compacted). It names
    # the plans by index in the order the assignments were listed: acme's use of 24 h as
    # plan 0, beta's 24 h as plan 1. Restored with the assignments listed beta first
    # (which restore takes), index 1 was read as "b": beta's Tuesday was reversed from
    # 24 - 6 = 18 to 0 and Wednesday charged 24 - 6 = 18 where batch charges 24 (the week's
    # 30 free hours gone), said by nothing. Each account held one plan with an allowance
    # of that period on that meter, so the index can name no other: it is read as that.
    data = json.loads(
        (Path(__file__).parent / "data/snapshots/rater_v2_allowances.json").read_text()
    )
    assert data["version"] == 2
    assert [item[:2] for item in data["body"]["allowed"]] == [["acme", 0], ["beta", 1]]
    held = (rk.Assignment("acme", _weekly("b", 100, 3)), rk.Assignment("beta", _weekly("a", 30, 1)))
    for order in (held, held[::-1]):
        again = rk.Rater.restore(json.loads(json.dumps(data)), order, [VM])
        lines = again.statement("2026-03-26T00:00:00Z").lines
        assert [(line.account, line.role, line.cycle.start.day, line.amount) for line in lines] == [
            ("acme", "charge", 25, 0),  # 72 of 100 free hours
            ("beta", "charge", 25, 24),  # 30 free used by Monday and Tuesday
        ]
    records = [
        *WEEK_START,
        rk.Event("acme", "w", "2026-03-23T00:00:00Z", kind="start", id="on2"),
    ]
    days = rk.Span("2026-03-23T00:00:00Z", "2026-03-26T00:00:00Z")
    charges = rk.rate(records, held[::-1], span=days, meters=[VM]).charges
    assert sorted((c.account, c.cycle.start.day, c.amount) for c in charges) == [
        ("acme", 23, 0),
        ("acme", 24, 0),
        ("acme", 25, 0),
        ("beta", 23, 0),
        ("beta", 24, 18),
        ("beta", 25, 24),
    ]


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    starts=st.lists(st.integers(0, 13 * 24), min_size=1, max_size=3),
    moves=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), max_size=3),
    cuts=st.lists(st.integers(1, 14 * 24), min_size=1, max_size=6),
    orders=st.randoms(use_true_random=False),
)
def test_restored_with_the_assignments_in_any_order_or_built_anew_the_stream_bills_alike(
    starts: list[int],
    moves: list[tuple[int, int]],
    cuts: list[int],
    orders: Any,
) -> None:
    # Three accounts on plans with weekly allowances (and one without), VMs starting at
    # random hours of two weeks, plan changes at watermarks, restored after every
    # statement with the assignments shuffled and their plans built anew: the lines are
    # those of the rater never restored, and add up to one batch rate().
    def plans() -> list[rk.Plan]:
        return [
            _weekly("a", 30, 1),
            _weekly("b", 100, 3),
            rk.Plan(
                "c",
                "EUR",
                rk.cycles.daily(tz=UTC),
                [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(2))],
            ),
        ]

    accounts = ["acme", "beta", "gamma"]
    base = dt.datetime(2026, 3, 23, tzinfo=dt.UTC)
    monday = base + dt.timedelta(days=7)
    records = [
        rk.Event(accounts[n], f"v{n}", base + dt.timedelta(hours=h), kind="start", id=f"on{n}")
        for n, h in enumerate(starts)
    ]
    first = tuple(rk.Assignment(a, plans()[n % 2]) for n, a in enumerate(accounts))
    plain, restored = rk.Rater(first, [VM], start=base), rk.Rater(first, [VM], start=base)
    plain.feed(records)
    restored.feed(records)
    held: tuple[rk.Assignment, ...] = first
    said: list[rk.StatementLine] = []
    moved: set[int] = set()
    for turn, hours in enumerate(sorted(set(cuts))):
        at = base + dt.timedelta(hours=hours)
        lines = plain.statement(at).lines
        assert restored.statement(at).lines == lines
        said.extend(lines)
        if turn < len(moves) and at <= monday and moves[turn][0] not in moved:
            account, plan = accounts[moves[turn][0]], moves[turn][1]
            moved.add(moves[turn][0])
            move = rk.Assignment(account, plans()[plan], start=monday)  # at the week's end
            held = plain.assign(move)
            assert sorted(map(repr, restored.assign(move))) == sorted(map(repr, held))
        shuffled = [
            rk.Assignment(
                a.account, next(p for p in plans() if p.id == a.plan.id), start=a.start, end=a.end
            )
            for a in held
        ]
        orders.shuffle(shuffled)
        restored = rk.Rater.restore(json.loads(json.dumps(restored.snapshot())), shuffled, [VM])
    end = base + dt.timedelta(hours=max(cuts))
    rating = rk.rate(
        records, held, span=rk.Span(base, base + dt.timedelta(days=15)), meters=[VM], as_of=end
    )
    batch: dict[Key, Fraction] = {}
    for c in rating.charges:
        key = (c.account, c.cycle.start_us, c.kind, c.meter, c.entry, c.resource)
        batch[key] = batch.get(key, Fraction(0)) + Fraction(c.amount)
    stream: dict[Key, Fraction] = {}
    for x in said:
        key = (x.account, x.cycle.start_us, x.kind, x.meter, x.entry, x.resource)
        stream[key] = stream.get(key, Fraction(0)) + Fraction(x.amount)
    assert {k: v for k, v in stream.items() if v} == {k: v for k, v in batch.items() if v}


def _as_version_2(data: dict[str, Any], held: tuple[rk.Assignment, ...]) -> dict[str, Any]:
    # What version 2 wrote: each allowance use's plan by its index among the distinct
    # plan objects of ``held`` in the order its accounts first use them.
    objects: list[rk.Plan] = []
    for account in dict.fromkeys(a.account for a in held):
        for a in sorted((a for a in held if a.account == account), key=lambda a: a.start_us or 0):
            if all(a.plan is not seen for seen in objects):
                objects.append(a.plan)
    ids = [plan.id for plan in objects]
    for item in data["body"].get("allowed", ()):
        item[1] = ids.index(item[1])
    assert all("before" not in state for state in data["body"]["state"])
    return _resealed({**data, "version": 2})


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    starts=st.lists(st.integers(0, 13 * 24), min_size=1, max_size=3),
    plans_of=st.lists(st.integers(0, 2), min_size=3, max_size=3),
    cuts=st.lists(st.integers(1, 14 * 24), min_size=1, max_size=6),
    orders=st.randoms(use_true_random=False),
)
def test_a_version_2_snapshot_restored_in_any_order_bills_as_never_restored(
    starts: list[int], plans_of: list[int], cuts: list[int], orders: Any
) -> None:
    # Oracle: the rater never restored. Three accounts on plans with weekly allowances
    # (or none), VMs from random hours of two weeks; after every statement the snapshot
    # is written as version 2 (plans by index in the order the rater was given them) and
    # restored with the assignments shuffled and built anew.
    def plans() -> list[rk.Plan]:
        daily = rk.cycles.daily(tz=UTC)
        plain = rk.Plan("c", "EUR", daily, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(2))])
        return [_weekly("a", 30, 1), _weekly("b", 100, 3), plain]

    accounts = ["acme", "beta", "gamma"]
    base = dt.datetime(2026, 3, 23, tzinfo=dt.UTC)
    records = [
        rk.Event(accounts[n], f"v{n}", base + dt.timedelta(hours=h), kind="start", id=f"on{n}")
        for n, h in enumerate(starts)
    ]
    held = tuple(rk.Assignment(a, plans()[plans_of[n]]) for n, a in enumerate(accounts))
    plain, restored = rk.Rater(held, [VM], start=base), rk.Rater(held, [VM], start=base)
    plain.feed(records)
    restored.feed(records)
    for hours in sorted(set(cuts)):
        at = base + dt.timedelta(hours=hours)
        assert restored.statement(at).lines == plain.statement(at).lines
        given = held
        held = tuple(
            rk.Assignment(a.account, next(p for p in plans() if p.id == a.plan.id)) for a in held
        )
        shuffled = list(held)
        orders.shuffle(shuffled)
        data = _as_version_2(version_3(restored.snapshot()), given)  # 2 is 3's columns
        restored = rk.Rater.restore(data, shuffled, [VM])


def _resealed(data: dict[str, Any]) -> dict[str, Any]:
    data = {key: value for key, value in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)
    return data


MALFORMED = "Rater snapshot body is malformed (at body.allowed[0]: "
UNALTERED = "restore an unaltered copy."
A_YEAR = (
    "Rater snapshot is inconsistent: the use of 'vm.hours' by account 'a' over the period "
    "from 1970-01-01T00:00:00Z to 1970-01-01T00:00:00.000001Z"
)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            ["a", 0, "vm.hours"],
            (
                f"{MALFORMED}an allowance's use is [account, plan id, meter, period "
                "start_us, period end_us, used quantity], not ['a', 0, 'vm.hours']); "
                f"{UNALTERED}"
            ),
        ),
        (
            ["a", 0, "vm.hours", 0, 1, "-5"],
            (
                f"{MALFORMED}an allowance's used quantity is a decimal string above 0 (or an exact "
                "fraction such as '7/3'), not "
                f"'-5'); {UNALTERED}"
            ),
        ),
        (
            ["a", 3, "vm.hours", 0, 1, "5"],
            (
                f"{A_YEAR} names plan 3, and the plans are 1 (from 0); it was altered by "
                f"hand or damaged: {UNALTERED}"
            ),
        ),
        (
            ["a", "q", "vm.hours", 0, 1, "5"],
            (
                f"{A_YEAR} names plan 'q', which is not one of the rater's plans ('p'); it "
                f"was altered by hand or damaged: {UNALTERED}"
            ),
        ),
        (
            ["a", None, "vm.hours", 0, 1, "5"],
            (
                f"{MALFORMED}an allowance's plan is a plan's id (or, as snapshots wrote "
                f"before, an index of 0 or more), not None); {UNALTERED}"
            ),
        ),
        (
            ["a", 0, "vm.hours", 0, 1, "5"],
            (
                f"{A_YEAR} is not the period, running over base_us, of an allowance with its "
                "own cycle of that plan on that meter; it was altered by hand or damaged: "
                f"{UNALTERED}"
            ),
        ),
    ],
)
def test_restore_refuses_a_damaged_allowance_use(item: list[object], message: str) -> None:
    plan = _yearly_plan()
    rater = rk.Rater(plan, [VM], start="2026-01-01T00:00:00Z")
    rater.feed([START])
    for m in (2, 3, 4):
        rater.statement(f"2026-{m:02d}-01T00:00:00Z")
    data = json.loads(json.dumps(rater.snapshot()))
    data["body"]["allowed"] = [item]
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), plan, [VM])
    assert str(caught.value) == message
    # listed twice
    data["body"]["allowed"] = [data_item := rater.snapshot()["body"]["allowed"][0], data_item]
    with pytest.raises(rk.BadSnapshotError, match=r"body\.allowed\[1\] repeats"):
        rk.Rater.restore(_resealed(data), plan, [VM])


# -- gauge levels -------------------------------------------------------------------------


def _users(policy: Any) -> tuple[rk.Meter, rk.Plan]:
    users = rk.Meter("users", "user", policy)
    return users, rk.Plan(
        "p", "EUR", rk.cycles.daily(tz=UTC), [rk.PriceEntry("u", "users", rk.PerUnit(1))]
    )


@pytest.mark.parametrize(
    ("over", "first_day"),
    # A reading of 10 at noon on 1 March: over the known time day 1 is 10; over the
    # whole day, 10 * 12 h / 24 h = 5. Days 2 to 4 hold the level all day: 10 each.
    [("known", Decimal(10)), ("period", Decimal(5))],
)
def test_a_time_weighted_level_counts_after_its_reading_is_compacted(
    over: str, first_day: Decimal
) -> None:
    users, plan = _users(rk.TimeWeightedMean(over=over))  # type: ignore[arg-type]
    reading = rk.Sample("a", "app", "users", "2026-03-01T12:00:00Z", 10, kind="gauge", id="g1")
    rater = rk.Rater(plan, [users], start="2026-03-01T00:00:00Z")
    rater.feed([reading])
    statements = [rater.statement(f"2026-03-0{day}T00:00:00Z") for day in range(2, 6)]
    assert [s.total() for s in statements] == [first_day, 10, 10, 10]
    assert _summed(statements) == _batch(
        [reading], plan, [users], "2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z"
    )
    # and through a snapshot taken once the reading is compacted
    data = json.loads(json.dumps(rater.snapshot()))
    again = rk.Rater.restore(data, plan, [users])
    assert again.statement("2026-03-06T00:00:00Z").total() == 10


@pytest.mark.parametrize(
    "policy",
    [rk.Max(), rk.Min(), rk.Latest(), rk.Count(), rk.UniqueCount(), rk.Percentile(50),
     rk.TimeWeightedMean(), rk.TimeWeightedMean(over="period")],
    ids=repr,
)  # fmt: skip
@pytest.mark.parametrize("kind", ["gauge", "delta"])
def test_aggregations_over_compacted_days_add_up_to_batch(policy: Any, kind: str) -> None:
    # Readings on days 1 and 3 only, daily statements to day 6: whatever the policy
    # does with a day without readings, the stream says what batch says.
    users, plan = _users(policy)
    readings = [
        rk.Sample("a", "app", "users", at, value, kind=kind, id=f"s{n}")  # type: ignore[arg-type]
        for n, (at, value) in enumerate(
            [("2026-03-01T06:00:00Z", 4), ("2026-03-01T18:00:00Z", 8), ("2026-03-03T12:00:00Z", 2)]
        )
    ]
    rater = rk.Rater(plan, [users], start="2026-03-01T00:00:00Z")
    rater.feed(readings)
    statements = [rater.statement(f"2026-03-0{day}T00:00:00Z") for day in range(2, 7)]
    assert _summed(statements) == _batch(
        readings, plan, [users], "2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z"
    )


# -- the law, with both ---------------------------------------------------------------------


@settings(max_examples=max(LAWS // 4, FLOOR))
@given(seed=st.integers(0, 2**32), horizon_h=st.sampled_from([0, 3]), late_ok=st.booleans())
def test_the_law_holds_with_own_period_allowances_and_gauge_levels(
    seed: int, horizon_h: int, late_ok: bool
) -> None:
    # Random streams under a plan with a month's and a week's allowance over daily cycles,
    # with gauge readings whose level holds over later days: compaction keeps both.
    check_law(seed, horizon_h=horizon_h, late_ok=late_ok, single=OWN, gauges=True)


def test_an_own_period_allowance_stacked_on_a_cycle_allowance() -> None:
    # 20 calls free a day, then 15 a week (weeks from Monday 2 March). Tue 3 March: 19
    # calls, all from the day's 20 (the week's 15 untouched); Wed 4 March: 21 calls, 20
    # from the day's, 1 from the week's: nothing is charged. The rater, once 3 March is
    # compacted, counts its 19 calls against the week and charges 1 call on 4 March.
    calls = rk.Meter("calls", "call", rk.Discrete())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz=UTC),
        [rk.PriceEntry("calls", "calls", rk.PerUnit(1))],
        allowances=[
            rk.Allowance("calls", 20),
            rk.Allowance("calls", 15, cycle=rk.cycles.weekly(tz=UTC)),
        ],
    )
    samples = [
        rk.Sample("a", "fn", "calls", "2026-03-03T10:00:00Z", 19, id="s1"),
        rk.Sample("a", "fn", "calls", "2026-03-04T10:00:00Z", 21, id="s2"),
    ]
    rater = rk.Rater(plan, [calls], start="2026-03-03T00:00:00Z")
    rater.feed(samples)
    statements = [rater.statement(f"2026-03-0{day}T00:00:00Z") for day in (4, 5, 6)]
    assert [s.total() for s in statements] == [0, 0, 0]
    assert _summed(statements) == _batch(
        samples, plan, [calls], "2026-03-03T00:00:00Z", "2026-03-06T00:00:00Z"
    )


def test_two_allowances_of_one_week_around_a_days_carry_what_each_gave() -> None:
    # 10 calls free a week from Monday (2 March), then 5 a day, then 8 a week from Sunday
    # (1 March; one allowance per meter and period, so the two weeks differ), 1 EUR a
    # call. Mon 2: 12 = 10 (the Monday week's, used up) + 2 (the day's). Tue 3: 9 = 5
    # (the day's) + 4 (the Sunday week's, 4 left). Wed 4: 12 = 5 + 4, 3 charged. Thu 5:
    # 10 = 5, 5 charged. The compacted days (Mon 2, Tue 3) carry what each week gave:
    # 10 and 4; the first is used up before the second is touched.
    calls = rk.Meter("calls", "call", rk.Discrete())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz=UTC),
        [rk.PriceEntry("calls", "calls", rk.PerUnit(1))],
        allowances=[
            rk.Allowance("calls", 10, cycle=rk.cycles.weekly(tz=UTC)),
            rk.Allowance("calls", 5),
            rk.Allowance("calls", 8, cycle=rk.cycles.weekly(tz=UTC, weekday="Sun")),
        ],
    )
    samples = [
        rk.Sample("a", "fn", "calls", f"2026-03-0{day}T10:00:00Z", quantity, id=f"s{day}")
        for day, quantity in ((2, 12), (3, 9), (4, 12), (5, 10))
    ]
    rater = rk.Rater(plan, [calls], start="2026-03-02T00:00:00Z")
    rater.feed(samples)
    before = [rater.statement(f"2026-03-0{day}T00:00:00Z") for day in (3, 4, 5)]
    data = json.loads(json.dumps(rater.snapshot()))
    assert sorted(item[-1] for item in data["body"]["allowed"]) == ["10", "4"]
    again = rk.Rater.restore(data, plan, [calls])
    after = [again.statement("2026-03-06T00:00:00Z")]
    assert [s.total() for s in before + after] == [0, 0, 3, 5]
    assert _summed(before + after) == _batch(
        samples, plan, [calls], "2026-03-02T00:00:00Z", "2026-03-06T00:00:00Z"
    )


def test_a_compacted_state_keeps_a_delta_meters_last_delta_only() -> None:
    # 20 egress deltas of 1 GB on 1 March (00:00 to 19:00), daily cycles; 1 March is
    # compacted at the watermark of 3 March. Metering keeps a delta meter's last 16
    # deltas in its state (for a late re-description carried to its next call); the
    # rater meters its kept records again, so the compacted state keeps the last delta
    # only, as before, and is as small: one reading, of 19:00. The stream still bills
    # 20 GB on 1 March, as batch does.
    egress = rk.Meter("egress", "GB", rk.Discrete())
    daily = rk.cycles.daily(tz=UTC)
    plan = rk.Plan("p", "EUR", daily, [rk.PriceEntry("e", "egress", rk.PerUnit(1))])
    deltas = [
        rk.Sample("a", "vm", "egress", f"2026-03-01T{hour:02d}:00:00Z", 1, id=f"d{hour}")
        for hour in range(20)
    ]
    rater = rk.Rater(plan, [egress], start="2026-03-01T00:00:00Z")
    rater.feed(deltas)
    first = rater.statement("2026-03-02T00:00:00Z")
    rater.statement("2026-03-03T00:00:00Z")
    (state,) = rater._state
    assert [(r[0], r[1]) for r in state.readings] == [
        ("egress", rk.Span("2026-03-01T19:00:00Z", "2026-03-02T00:00:00Z").start_us)
    ]
    assert "egress" not in state._complete
    assert sum(line.quantity for line in first.lines) == 20
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [egress])
    assert restored._state == rater._state


def test_a_compacted_state_keeps_a_counted_meters_last_reading_only() -> None:
    # 20 gauge readings a Count meter counts on 1 March (00:00 to 19:00), daily cycles;
    # 1 March is compacted at the watermark of 3 March. Metering keeps the last 16 in its
    # state (for a late re-description carried to its next call); the compacted state
    # keeps the last one only, as before: the reading of 19:00. The stream still counts
    # 20 readings on 1 March.
    reads = rk.Meter("reads", "reading", rk.Count())
    daily = rk.cycles.daily(tz=UTC)
    plan = rk.Plan("p", "EUR", daily, [rk.PriceEntry("r", "reads", rk.PerUnit(1))])
    gauges = [
        rk.Sample("a", "vm", "reads", f"2026-03-01T{hour:02d}:00:00Z", 7, kind="gauge",
                  id=f"g{hour}")
        for hour in range(20)
    ]  # fmt: skip
    rater = rk.Rater(plan, [reads], start="2026-03-01T00:00:00Z")
    rater.feed(gauges)
    first = rater.statement("2026-03-02T00:00:00Z")
    rater.statement("2026-03-03T00:00:00Z")
    (state,) = rater._state
    assert [(r[0], r[1]) for r in state.readings] == [
        ("reads", rk.Span("2026-03-01T19:00:00Z", "2026-03-02T00:00:00Z").start_us)
    ]
    assert "reads" not in state._complete
    assert sum(line.quantity for line in first.lines) == 20
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [reads])
    assert restored._state == rater._state
