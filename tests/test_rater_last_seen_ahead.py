"""A ``last_seen`` inventory fed ahead of the watermark keeps the cycles it closes back into.

Such an inventory closes each running resource it does not list at the resource's last
sign of life, which may lie cycles before it. Fed before the watermark reaches it, it is
metered by the statement that passes it; the cycles back to those last signs of life
stay kept (closed, not compacted) until then, and are corrected as for a late record,
so that nothing of the closing is lost. Worked by hand in the comments (0.1 EUR an hour).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit._instants import format_us, to_us

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.1"))]
)
HORIZON = dt.timedelta(hours=2)
# Fed first, ahead of every watermark: lists vm-1, closes vm-9 at its last sign of life.
INVENTORY = rk.Inventory("2026-03-04T12:00:00Z", [("acme", "vm-1")], close="last_seen", id="inv")
ON_1 = rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="on1")
ON_9 = rk.Event("acme", "vm-9", "2026-03-01T06:00:00Z", {"memory_mb": 512}, kind="start", id="on9")
# vm-9's last sign of life: its delete was lost.
UP_9 = rk.Event(
    "acme", "vm-9", "2026-03-02T08:00:00Z", {"memory_mb": 1024}, kind="update", id="up9"
)
WATERMARKS = (
    "2026-03-02T02:00:00Z",  # closes 1 March
    "2026-03-03T02:00:00Z",  # closes 2 March, compacts 1 March
    "2026-03-04T02:00:00Z",  # closes 3 March; would compact 2 March, which vm-9 closes in
    "2026-03-05T02:00:00Z",  # passes the inventory: meters it, closes 4 March
)


def _day(text: str) -> int:
    return to_us(text)


def _run(records: list[rk.Event | rk.Inventory]) -> tuple[list[rk.Statement], list[int]]:
    """Feed everything at once, then the statements, restoring through JSON after each."""
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z", horizon=HORIZON)
    assert sorted(rater.feed(records).accepted) == sorted(str(r.id) for r in records)
    statements, bases = [], []
    for watermark in WATERMARKS:
        statements.append(rater.statement(watermark))
        bases.append(rater._base_us)
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM])
    return statements, bases


def _sums(statements: list[rk.Statement]) -> dict[tuple[str, str], Decimal]:
    """The statements' amounts per cycle (its first day) and resource."""
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for statement in statements:
        for line in statement.lines:
            resource = line.resource if line.resource is not None else ""
            out[str(line.cycle.start)[:10], resource] += line.amount
    return {key: value for key, value in out.items() if value}


def test_a_last_seen_inventory_fed_ahead_closes_back_into_cycles_kept_for_it() -> None:
    statements, bases = _run([INVENTORY, ON_1, ON_9, UP_9])
    # Kept from 2 March (vm-9's last sign of life) until the inventory is metered, then
    # released: the kept cycles start on 2 March, 2 March, 2 March, then 4 March (3
    # March would be the start at the third statement without the inventory).
    assert bases == [
        _day("2026-03-01T00:00:00Z"),
        _day("2026-03-02T00:00:00Z"),
        _day("2026-03-02T00:00:00Z"),
        _day("2026-03-04T00:00:00Z"),
    ]
    assert not [a for s in statements for a in s.anomalies if a.kind == "too_late"]
    # The last statement corrects 2 March: vm-9 billed 24 h there (0.2 + 2.2 = 2.4),
    # closed at 08:00 it runs 8 h (0.8): reversal -2.4, correction 0.8, both late.
    late = [
        (line.role, line.amount)
        for line in statements[-1].lines
        if line.late and line.resource == "vm-9" and str(line.cycle.start)[:10] == "2026-03-02"
    ]
    assert late == [("reversal", Decimal("-2.4")), ("correction", Decimal("0.8"))]
    # Per cycle and resource, at 0.1 EUR an hour:
    #   1 March: vm-1 24 h = 2.4; vm-9 06:00-24:00, 18 h = 1.8
    #   2 March: vm-1 24 h = 2.4; vm-9 00:00-08:00 (closed at its last sign of life) = 0.8
    #   3 and 4 March: vm-1 2.4 each; vm-9 nothing (0.2 + 2.2 - 2.4 on 3 March)
    #   5 March to 02:00: vm-1 2 h = 0.2
    assert _sums(statements) == {
        ("2026-03-01", "vm-1"): Decimal("2.4"),
        ("2026-03-01", "vm-9"): Decimal("1.8"),
        ("2026-03-02", "vm-1"): Decimal("2.4"),
        ("2026-03-02", "vm-9"): Decimal("0.8"),
        ("2026-03-03", "vm-1"): Decimal("2.4"),
        ("2026-03-04", "vm-1"): Decimal("2.4"),
        ("2026-03-05", "vm-1"): Decimal("0.2"),
    }
    # And batch rate() over the same records says the same: 12.4 in all.
    batch = rk.rate(
        [INVENTORY, ON_1, ON_9, UP_9],
        PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z"),
        meters=[VM],
        as_of=WATERMARKS[-1],
    )
    total = sum((line.amount for s in statements for line in s.lines), Decimal(0))
    assert total == sum((c.amount for c in batch.charges), Decimal(0)) == Decimal("12.4")


def test_a_stopped_resource_keeps_no_cycle_for_a_last_seen_inventory_fed_ahead() -> None:
    # vm-9 stopped at 2 March 08:00: closing it changes only stopped time, so the
    # inventory keeps nothing back: 2 March is compacted at the third statement, as
    # without it, and the stream still bills as batch does (vm-9 18 h + 8 h = 2.6).
    off = rk.Event("acme", "vm-9", "2026-03-02T08:00:00Z", kind="stop", id="off9")
    _keeps_nothing_back([INVENTORY, ON_1, ON_9, off])


def test_a_resource_closed_by_an_earlier_inventory_keeps_no_cycle() -> None:
    # An inventory of 2 March 12:00 (metered in time) lists vm-1 only and closes vm-9 at
    # 08:00; the one fed ahead finds vm-9 closed already: it keeps nothing back for it.
    first = rk.Inventory("2026-03-02T12:00:00Z", [("acme", "vm-1")], close="last_seen", id="i0")
    _keeps_nothing_back([INVENTORY, first, ON_1, ON_9, UP_9])


def test_a_resource_opened_by_an_update_keeps_the_cycles_its_closing_reaches() -> None:
    # vm-9 is first seen by an UPDATE at 1 March 06:00 (no START): an update of a
    # resource never seen opens it, running. Nothing after it: the inventory of 4 March
    # 12:00 closes it back at 1 March 06:00, so batch bills nothing of it, and vm-1
    # runs from 1 March 00:00 to the end: 24 h a day, 2.4 per day. The stream used to
    # compact 1 March (vm-9's 18 h there said "stays billed": 1.8 too much) and 2 March
    # (24 h, corrected only as a late line); now every vm-9 line nets to 0.
    seen = rk.Event("acme", "vm-9", "2026-03-01T06:00:00Z", {"memory_mb": 512}, id="up9")
    statements, _ = _run([INVENTORY, ON_1, seen])
    assert not [a for s in statements for a in s.anomalies if a.kind == "too_late"]
    sums = _sums(statements)
    assert {key: value for key, value in sums.items() if key[1] == "vm-9"} == {}
    assert sums[("2026-03-01", "vm-1")] == Decimal("2.4")
    batch = rk.rate(
        [INVENTORY, ON_1, seen],
        PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z"),
        meters=[VM],
    )
    assert [c for c in batch.charges if c.resource == "vm-9"] == []


def _closes_vm9_back_to_1_march(records: list[rk.Event | rk.Inventory]) -> None:
    """1 March stays kept until the inventory is metered, and vm-9 is billed nothing.

    vm-9's last sign of life is on 1 March: the cycles from there stay kept (the kept
    cycles start on 1 March at the first three statements, 4 March at the last) and
    nothing is said too late. vm-1 runs throughout, 24 h a day at 0.1 = 2.4 (5 March to
    02:00: 0.2); vm-9's 18 h, 24 h and 24 h billed on 1-3 March are taken back, as
    batch bills nothing of it.
    """
    statements, bases = _run(records)
    assert bases == [_day("2026-03-01T00:00:00Z")] * 3 + [_day("2026-03-04T00:00:00Z")]
    assert not [a for s in statements for a in s.anomalies if a.kind == "too_late"]
    assert _sums(statements) == {
        ("2026-03-01", "vm-1"): Decimal("2.4"),
        ("2026-03-02", "vm-1"): Decimal("2.4"),
        ("2026-03-03", "vm-1"): Decimal("2.4"),
        ("2026-03-04", "vm-1"): Decimal("2.4"),
        ("2026-03-05", "vm-1"): Decimal("0.2"),
    }
    batch = rk.rate(
        records,
        PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z"),
        meters=[VM],
        as_of=WATERMARKS[-1],
    )
    assert [c for c in batch.charges if c.resource == "vm-9"] == []


def test_an_update_after_an_inventory_that_never_saw_the_resource_keeps_its_cycles() -> None:
    # A last_seen listing of 1 March 03:00 (metered in time) lists vm-1 only, before
    # anything of vm-9 is known. Metering closes only a resource running or stopped, so
    # it leaves vm-9 unknown, and the UPDATE of 06:00 opens it, running, as in the test
    # above; the inventory fed ahead closes it back there, so batch bills nothing of it.
    # The stream judged the early listing as closing vm-9, found it not running, kept no
    # cycle back for it, and compacted 1 and 2 March: 18 h + 24 h of vm-9 at 0.1 "stayed
    # billed" (4.2 too much, said too late).
    early = rk.Inventory("2026-03-01T03:00:00Z", [("acme", "vm-1")], close="last_seen", id="i0")
    seen = rk.Event("acme", "vm-9", "2026-03-01T06:00:00Z", {"memory_mb": 512}, id="up9")
    _closes_vm9_back_to_1_march([INVENTORY, early, ON_1, seen])


def test_a_resource_listed_by_one_of_two_inventories_at_an_instant_keeps_its_cycles() -> None:
    # Two listings of 1 March 06:00: one of vm-1 and vm-9, one of vm-1 alone. A resource
    # listed by any inventory of an instant is present there, so vm-9 is opened, running
    # (nothing else of it is known), and 06:00 is its last sign of life: the inventory
    # fed ahead closes it back there, and batch bills nothing of it. The stream judged
    # the second listing as closing vm-9 after the first opened it, kept no cycle back
    # for it, and left 18 h + 24 h billed on 1 and 2 March (4.2 too much, said too late).
    both = rk.Inventory(
        "2026-03-01T06:00:00Z", [("acme", "vm-1"), ("acme", "vm-9")], close="last_seen", id="i0"
    )
    one = rk.Inventory("2026-03-01T06:00:00Z", [("acme", "vm-1")], close="last_seen", id="i1")
    _closes_vm9_back_to_1_march([INVENTORY, both, one, ON_1])


def test_a_restart_at_one_instant_keeps_the_cycles_its_closing_reaches() -> None:
    # vm-9 runs from 1 March 06:00; a STOP and a START at 10:00 with no seq are a
    # restart (metering orders a tie so that none is a duplicate), so it runs on, and
    # 10:00 is its last sign of life: the inventory closes it back there. Batch bills
    # 06:00 to 10:00, 4 h = 0.4. The stream judged the tie START then STOP (stopped), kept
    # no cycle, and left 1 March's 14 h after 10:00 billed (1.4 too much, said too late).
    off = rk.Event("acme", "vm-9", "2026-03-01T10:00:00Z", kind="stop", id="off9")
    again = rk.Event("acme", "vm-9", "2026-03-01T10:00:00Z", kind="start", id="again9")
    statements, _ = _run([INVENTORY, ON_1, ON_9, off, again])
    assert not [a for s in statements for a in s.anomalies if a.kind == "too_late"]
    sums = _sums(statements)
    assert {key: value for key, value in sums.items() if key[1] == "vm-9"} == {
        ("2026-03-01", "vm-9"): Decimal("0.4")
    }


def test_a_tie_after_a_stop_is_judged_from_the_stopped_state() -> None:
    # vm-9 runs from 1 March 06:00 and stops at 08:00 (2 h = 0.2); at 10:00 a START and
    # a STOP with no seq: from stopped, START then STOP is clean, so it stops again at
    # once (0 h) and is stopped when the inventory comes: nothing to close back, 0.2
    # in all, as batch. (Judging the tie from the stop's state used to raise KeyError.)
    off = rk.Event("acme", "vm-9", "2026-03-01T08:00:00Z", kind="stop", id="off9")
    on = rk.Event("acme", "vm-9", "2026-03-01T10:00:00Z", kind="start", id="on9b")
    off_again = rk.Event("acme", "vm-9", "2026-03-01T10:00:00Z", kind="stop", id="off9b")
    statements, _ = _run([INVENTORY, ON_1, ON_9, off, on, off_again])
    sums = _sums(statements)
    assert {key: value for key, value in sums.items() if key[1] == "vm-9"} == {
        ("2026-03-01", "vm-9"): Decimal("0.2")
    }


def _keeps_nothing_back(records: list[rk.Event | rk.Inventory]) -> None:
    """2 March is compacted at the third statement, as without the inventory fed ahead,
    and vm-9 is billed 18 h on 1 March and 8 h on 2 March (at 0.10: 1.8 and 0.8), with
    nothing said too late."""
    statements, bases = _run(records)
    assert bases[2] == _day("2026-03-03T00:00:00Z")
    sums = _sums(statements)
    assert (sums[("2026-03-01", "vm-9")], sums[("2026-03-02", "vm-9")]) == (
        Decimal("1.8"),
        Decimal("0.8"),
    )
    assert not [a for s in statements for a in s.anomalies if a.kind == "too_late"]


def test_an_unscoped_listing_fed_before_any_statement_bills_as_batch() -> None:
    # A VM started on 1 March 06:00 whose delete was lost; an empty last_seen listing of
    # 3 March 12:00 fed with it, before any statement (daily, no horizon). Batch closes
    # it at the START: 0 hours. The stream bills 18 h (1 March) and 24 h (2 March),
    # then the statement that meters the listing takes both back: 0 in all.
    vm = rk.Event("acme", "vm-9", "2026-03-01T06:00:00Z", kind="start", id="s9")
    listing = rk.Inventory("2026-03-03T12:00:00Z", [], close="last_seen", id="empty")
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([vm, listing])
    lines = []
    for watermark in ("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"):
        statement = rater.statement(watermark)
        assert not [a for a in statement.anomalies if a.kind == "too_late"]
        lines += statement.lines
    assert [(line.role, line.amount) for line in lines] == [
        ("charge", Decimal("1.8")),
        ("charge", Decimal("2.4")),  # 2 March, first billed by the second statement
        ("reversal", Decimal("-1.8")),
        ("reversal", Decimal("-2.4")),
    ]


# vm-5, ordered by seq: its START of 2 March 16:00 (seq 0), then its START of 4 March
# 13:00 (seq 1), then its UPDATE of 3 March 14:00 (seq 2), which so comes after the
# inventory of 4 March 10:00 as well: the inventory comes before the first event, in
# that order, stamped after it. So the UPDATE is no sign of life before it: it closes
# vm-5 at 2 March 16:00, and batch bills nothing of vm-5 (the START and UPDATE after
# the closing come after a delete: ignored).
SEQUENCED = [
    rk.Inventory("2026-03-04T10:00:00Z", [], close="last_seen", id="inv5"),
    rk.Event("acme", "vm-5", "2026-03-02T16:00:00Z", kind="start", id="s0", seq=0),
    rk.Event(
        "acme", "vm-5", "2026-03-03T14:00:00Z", {"memory_mb": 1024}, kind="update", id="u2", seq=2
    ),
    rk.Event("acme", "vm-5", "2026-03-04T13:00:00Z", kind="start", id="s1", seq=1),
]


def _sequenced(first: str) -> tuple[list[tuple[str, str, Decimal, bool]], list[int]]:
    """Feed `SEQUENCED` at once (no horizon), then statements at ``first`` and at 5 March.

    Restored through JSON between the two. The lines (role, cycle's first day, amount,
    late) and the kept cycles' start after each statement; nothing said too late. (5
    March keeps 3 March: the START of 4 March orders the UPDATE of 3 March after itself,
    and a compaction never splits a resource's sequence.)
    """
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    assert rater.feed(SEQUENCED).accepted == ("inv5", "s0", "u2", "s1")
    statements, bases = [], []
    for watermark in (first, "2026-03-05T00:00:00Z"):
        statements.append(rater.statement(watermark))
        bases.append(rater._base_us)
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM])
    assert not [a for s in statements for a in s.anomalies if a.kind == "too_late"]
    batch = rk.rate(
        SEQUENCED, PLAN, span=rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z"), meters=[VM]
    )
    assert batch.charges == ()
    lines = [
        (line.role, str(line.cycle.start)[:10], line.amount, line.late)
        for s in statements
        for line in s.lines
    ]
    return lines, bases


def test_a_seq_order_after_a_last_seen_inventory_fed_ahead_keeps_its_cycle() -> None:
    # 4 March 06:00 closes 3 March and would compact 2 March; the inventory and the START
    # of 4 March 13:00 are ahead of it. Judged among every kept record, vm-5's last sign of
    # life is 2 March 16:00, so 2 March stays kept (judged without the START stamped
    # after the inventory, it would be the UPDATE of 3 March 14:00: 2 March compacted,
    # and its 8 hours said too late).
    lines, bases = _sequenced("2026-03-04T06:00:00Z")
    assert bases == [_day("2026-03-02T00:00:00Z"), _day("2026-03-03T00:00:00Z")]
    # At 0.1 EUR an hour: 2 March 16:00-24:00, 8 h = 0.8; 3 March 24 h = 2.4; 4 March
    # 00:00-06:00, 6 h = 0.6. The statement of 5 March meters the inventory and closes
    # vm-5 at 2 March 16:00: 0 h everywhere, each line reversed (2 and 3 March late),
    # 0.8 + 2.4 + 0.6 - 0.8 - 2.4 - 0.6 = 0, as batch.
    assert lines == [
        ("charge", "2026-03-02", Decimal("0.8"), False),
        ("charge", "2026-03-03", Decimal("2.4"), False),
        ("charge", "2026-03-04", Decimal("0.6"), False),
        ("reversal", "2026-03-02", Decimal("-0.8"), True),
        ("reversal", "2026-03-03", Decimal("-2.4"), True),
        ("reversal", "2026-03-04", Decimal("-0.6"), False),
    ]


def test_a_seq_order_not_metered_yet_keeps_the_cycle_a_metered_closing_moves_back_to() -> None:
    # 4 March 11:00 meters the inventory (not the START of 13:00, ahead of it): with the
    # records known, vm-5's last sign of life is the UPDATE of 3 March 14:00. Metering the
    # START moves the closing back to 2 March 16:00, so 2 March stays kept until then
    # (compacted, its 8 hours would be said too late by the statement metering it).
    lines, bases = _sequenced("2026-03-04T11:00:00Z")
    assert bases == [_day("2026-03-02T00:00:00Z"), _day("2026-03-03T00:00:00Z")]
    # At 0.1 EUR an hour: 2 March 16:00-24:00, 8 h = 0.8; 3 March 00:00-14:00 (closed at
    # the UPDATE), 14 h = 1.4; 4 March nothing. Then closed at 2 March 16:00: 0.8 + 1.4 -
    # 0.8 - 1.4 = 0, as batch.
    assert lines == [
        ("charge", "2026-03-02", Decimal("0.8"), False),
        ("charge", "2026-03-03", Decimal("1.4"), False),
        ("reversal", "2026-03-02", Decimal("-0.8"), True),
        ("reversal", "2026-03-03", Decimal("-1.4"), True),
    ]


_HALF_HOUR_US = 1_800_000_000
_MARCH_1_US = to_us("2026-03-01T00:00:00Z")
_KINDS = ("start", "stop", "update", "delete")


@st.composite
def _histories(draw: st.DrawFn) -> list[rk.Event | rk.Inventory]:
    """vm-9's events and earlier listings over 1-3 March, and `INVENTORY` fed ahead.

    Events of any kind (an UPDATE may come first, or after a DELETE), at half hours, so
    ties come; listings (of vm-1 alone, or of both; closing at the snapshot or at the
    last sign of life) at half hours too, some at an event's or another's instant.
    """
    slot = st.integers(0, 3 * 48 - 1)
    events = draw(st.lists(st.tuples(slot, st.sampled_from(_KINDS)), max_size=6))
    closes = st.sampled_from(("last_seen", "snapshot"))
    listings = draw(st.lists(st.tuples(slot, st.booleans(), closes), max_size=3))
    records: list[rk.Event | rk.Inventory] = [INVENTORY, ON_1]
    for n, (at, kind) in enumerate(events):
        attributes = {"memory_mb": 512 * (n + 1)} if kind in ("start", "update") else None
        at_text = format_us(_MARCH_1_US + at * _HALF_HOUR_US)
        records.append(rk.Event("acme", "vm-9", at_text, attributes, kind=kind, id=f"e{n}"))
    for n, (at, with_9, close) in enumerate(listings):
        listed = [("acme", "vm-1")] + ([("acme", "vm-9")] if with_9 else [])
        at_text = format_us(_MARCH_1_US + at * _HALF_HOUR_US)
        records.append(rk.Inventory(at_text, listed, close=close, id=f"i{n}"))
    return records


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(records=_histories())
def test_a_last_seen_inventory_fed_ahead_bills_as_batch_whatever_came_before(
    records: list[rk.Event | rk.Inventory],
) -> None:
    # Everything is fed before the first statement, so nothing is late: per cycle and
    # resource the statements add up to batch, and nothing is said too late, however
    # vm-9's history (and the listings before the inventory fed ahead) left it.
    statements, _ = _run(records)
    assert not [a for s in statements for a in s.anomalies if a.kind == "too_late"]
    batch = rk.rate(
        records,
        PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z"),
        meters=[VM],
        as_of=WATERMARKS[-1],
    )
    want: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for charge in batch.charges:
        want[str(charge.cycle.start)[:10], charge.resource or ""] += charge.amount
    assert _sums(statements) == {key: value for key, value in want.items() if value}
