"""The streaming rater's doors and its edges: meters, start, records reaching closed cycles.

Every expected amount is worked by hand in a comment.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Literal

import pytest
from tests._snapshots import version_1, version_4

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
Late = Literal["correct", "report"]
VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])


# -- meters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meters", "message"),
    [
        ([None], "Rater meters must be Meter values, not NoneType: None."),
        (["m"], "Rater meters must be Meter values, not str: 'm'."),
        ([[]], "Rater meters must be Meter values, not list: []."),
        ([rk.OnOff()], "Rater meters must be Meter values, not OnOff: OnOff()."),
        (
            [VM_HOURS, rk.Meter("vm.hours", "hour", rk.OnOff())],
            "two meters are named 'vm.hours'; meter names are unique.",
        ),
    ],
)
def test_rater_refuses_bad_meters_at_its_door(meters: list[object], message: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater(PLAN, meters, start="2026-03-01T00:00:00Z")  # type: ignore[arg-type]
    assert str(caught.value) == message
    snapshot = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z").snapshot()
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater.restore(snapshot, PLAN, meters)  # type: ignore[arg-type]
    assert str(caught.value) == message


# -- start -----------------------------------------------------------------------------------

RANGE = (
    "is out of range: the cycle containing it and the next one must both lie within the "
    "instants ratekit can rate (years 2 to 9998 for calendar cycles, and from "
    "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z for any cycle); give a later or "
    "earlier start."
)


@pytest.mark.parametrize(
    ("cycle", "start"),
    [
        (DAILY, "0001-01-01T00:00:00Z"),  # its day starts before year 2
        (DAILY, "9999-12-31T23:00:00Z"),  # its day ends after 9998
        (DAILY, "9998-12-31T23:00:00Z"),  # its day is 9998's last; the next is not
        # its next day, the 31st, begins at 9998-12-31T00:00Z, where the calendars end
        # (exclusive); was taken when the day's cache was warm (the cold/warm rule)
        (DAILY, "9998-12-30T12:00:00Z"),
        (rk.cycles.hourly(), "9999-12-31T23:00:00Z"),  # the next hour is past the last instant
    ],
)
def test_rater_refuses_a_start_whose_cycles_cannot_be_rated(
    cycle: rk.cycles.Cycle, start: str
) -> None:
    plan = rk.Plan("p", "EUR", cycle, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Rater(plan, [VM_HOURS], start=start)
    assert str(caught.value) == f"Rater start {start} {RANGE}"


@pytest.mark.parametrize(
    ("start", "as_of"),
    [
        ("0002-01-01T00:00:00Z", "0002-01-01T01:00:00Z"),
        # 29 December 9998: its next day, the 30th, is the calendars' last accepted day
        # (they end at 9998-12-31T00:00Z, exclusive). Was 30 December, taken only because
        # the cycle's boundary cache, warmed by the start's own day, answered for the
        # 31st, which a cold cache refuses.
        ("9998-12-29T12:00:00Z", "9998-12-29T13:00:00Z"),
    ],
)
def test_rater_takes_the_first_and_last_starts_it_can_rate(start: str, as_of: str) -> None:
    rater = rk.Rater(PLAN, [VM_HOURS], start=start)
    rater.feed([rk.Event("a", "vm-1", start, kind="start", id="e1")])
    # One hour at 1 EUR an hour.
    lines = [(x.role, x.quantity, x.amount) for x in rater.statement(as_of).lines]
    assert lines == [("charge", 1, 1)]


# -- a last_seen inventory closing a resource in a compacted cycle ---------------------------

LOST = (
    "inventory 'inv' at 2026-03-05T12:00:00Z (close='last_seen') closes 'vm-1' of 'a', "
    "running since 2026-03-01T12:00:00Z (its last sign of life), before every cycle the "
    "rater keeps: the part from 2026-03-01T12:00:00Z to 2026-03-04T00:00:00Z (60 hours "
    "running) belonged to cycles already compacted and stays billed ('vm.hours': -60 hour "
    "under description {}): not applied (the part from then on is)."
)


def _lost_delete(late: Late) -> tuple[rk.Rater, Decimal]:
    # vm-1 starts at 1 March 12:00; its delete was lost. Daily cycles, horizon 1 h: the
    # statement at 5 March 06:00 closes 4 March and compacts 3 March (kept: 4 and 5 March).
    start = rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", kind="start", id="e1")
    rater = rk.Rater(
        PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1), late=late
    )
    rater.feed([start])
    total = sum(
        (rater.statement(f"2026-03-0{day}T06:00:00Z").total() for day in range(2, 6)), Decimal(0)
    )
    # Billed so far: 12 + 24 + 24 + 24 h for 1-4 March, 6 h of 5 March = 90 at 1 EUR/h.
    assert total == 90
    return rater, total


@pytest.mark.parametrize("late", ["correct", "report"])
def test_a_last_seen_inventory_closing_in_a_compacted_cycle_says_what_stays_billed(
    late: Late,
) -> None:
    rater, total = _lost_delete(late)
    inventory = rk.Inventory("2026-03-05T12:00:00Z", [], close="last_seen", id="inv")
    feed = rater.feed([inventory])
    # Stamped after the watermark (5 March 06:00): the statement that meters it says
    # what stays billed, with the records known then (none came since).
    assert (feed.accepted, feed.anomalies) == (("inv",), ())
    statement = rater.statement("2026-03-06T06:00:00Z")
    too_late = [a for a in statement.anomalies if a.kind == "too_late"]
    assert [(a.message, a.record_ids) for a in too_late] == [(LOST, ("inv",))]
    # 12 h of 1 March, 24 of 2 and 3 March: 60 h the stream billed and batch does not,
    # in the meter's unit, to add to the stream's usage (negative).
    assert [(a.meter, a.quantity) for a in too_late] == [("vm.hours", Decimal(-60))]
    # The kept closed cycle (4 March) is corrected as for a late record: its 24 h
    # reversed, nothing in its place (vm-1 was closed at 1 March 12:00); the open 5 March
    # goes back from 6 h to 0: a record changed it before the last watermark, so its 6 h
    # are reversed (no correction: nothing in its place), not an increment of -6, which
    # would say time alone changed it. 6 March never had any.
    fixed = [("reversal", 4, Decimal(-24), Decimal(-24), True)]
    lines = [(x.role, x.cycle.start.day, x.quantity, x.amount, x.late) for x in statement.lines]
    held = [
        (x.role, x.cycle.start.day, x.quantity, x.amount, x.late) for x in statement.reported_only
    ]
    opened = [("reversal", 5, Decimal(-6), Decimal(-6), False)]
    if late == "correct":
        assert lines == fixed + opened
        assert held == []
        # 90 - 24 - 6 = 60: the 60 hours of 1-3 March the anomaly names.
        assert total + statement.total() == 60
    else:
        assert lines == opened
        assert held == fixed
        assert total + statement.total() == 84  # 90 - 6; the 24 h of 4 March reported only


def test_a_last_seen_inventory_with_a_sign_of_life_in_the_kept_cycles_loses_nothing() -> None:
    rater, _ = _lost_delete("correct")
    stop = rk.Event("a", "vm-1", "2026-03-04T02:00:00Z", kind="stop", id="e2")
    inventory = rk.Inventory("2026-03-05T12:00:00Z", [], close="last_seen", id="inv")
    # The stop (late, in the kept 4 March) is its last sign of life: closed there.
    assert rater.feed([inventory, stop]).anomalies == ()  # in any order in the batch
    # A snapshot inventory closes at its own instant: nothing reaches back either.
    other, _ = _lost_delete("correct")
    assert other.feed([rk.Inventory("2026-03-05T12:00:00Z", [], id="inv")]).anomalies == ()


# -- a forged snapshot, resealed -------------------------------------------------------------


def _forged(path: tuple[object, ...], value: object) -> dict[str, object]:
    from ratekit import _snapshot

    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"f": "s"}, kind="start", id="e1"),
            rk.Inventory("2026-03-01T13:00:00Z", [("a", "vm-1")], id="i1"),
        ]
    )
    rater.statement("2026-03-01T14:00:00Z")
    data = json.loads(json.dumps(rater.snapshot()))
    if path[0] in ("by_resource", "reported"):
        # These paths are version 1's (a list per record, per line): forged on a version 1
        # snapshot, still restored. Version 2's columns: tests/test_snapshot_format.py.
        data = version_1(data)
    elif path[0] in ("forgotten", "said_before"):
        # Version 4's (a list per id compacted away, per anomaly said before): forged on a
        # version 4 snapshot, still restored. Version 5's: tests/test_snapshot_remembered.py.
        data = version_4(data)
    place: Any = data["body"]
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = value
    data = {key: item for key, item in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)  # the checksum recomputed: a forgery
    return data


MALFORMED = "Rater snapshot body is malformed (at {}: {}); restore an unaltered copy."


@pytest.mark.parametrize(
    ("path", "value", "where", "why"),
    [
        (
            ("by_resource", 0, 2, 0, 2),
            None,
            "body.by_resource[0][2][0]",
            "stored attributes must be an object, not NoneType: None",
        ),
        (
            ("by_resource", 0, 2, 0, 2),
            {"f": {"decimal": "x"}},
            "body.by_resource[0][2][0]",
            (
                "a stored description's decimal 'x' is not a decimal number; write it like "
                "'12.5' or '1e9'."
            ),
        ),
        (
            ("by_resource", 0, 2, 0, 1),
            "yesterday",
            "body.by_resource[0][2][0]",
            "stored instant must be an int of microseconds since the epoch, not str: 'yesterday'.",
        ),
        (
            ("by_resource", 0),
            None,
            "body.by_resource[0]",
            "a group must be a list, not NoneType: None",
        ),
        (
            ("records", 0, 2),
            [["a", "vm-1", None]],
            "body.records[0]",
            "stored attributes must be an object, not NoneType: None",
        ),
        (
            ("records", 0, 2),
            [[None, "vm-1", {}]],
            "body.records[0]",
            "an inventory's resource is named by two strings, not [None, 'vm-1', {}]",
        ),
        (("records",), None, "body.records", "it must be a list, not NoneType: None"),
        (
            ("forgotten",),
            [["Event", None]],
            "body.forgotten[0]",
            "a forgotten id must be 2 to 3 strings, not ['Event', None]",
        ),
        (
            ("late_keys",),
            [["Bogus", "e1"]],
            "body.late_keys[0]",
            "a record's identity names a record type, not 'Bogus'",
        ),
        (
            ("late_keys",),
            [["record", None]],
            "body.late_keys[0]",
            "a record must be a list, not NoneType: None",
        ),
        (
            ("anomalies",),
            [["late", "m", "e1"]],
            "body.anomalies[0]",
            "an anomaly's ids must be a list, not str: 'e1'",
        ),
        (
            ("anomalies",),
            [["lost", "m", []]],
            "body.anomalies[0]",
            (
                "Anomaly kind must be one of 'duplicate', 'duplicate_start', 'duplicate_stop', "
                "'orphan_stop', 'out_of_order', 'after_delete', 'counter_reset', 'above_width', "
                "'reconciled_close', 'reconciled_open', 'reconciled_update', 'policy', 'unpriced', "
                "'conflict', 'too_late', 'tie', 'late', 'before_span', 'after_span', "
                "'negative_total', not str: 'lost'."
            ),
        ),
        (
            ("dirty",),
            [["a", 5]],
            "body.dirty[0]",
            "a touched resource is an account and a resource or null, not ['a', 5]",
        ),
        (("first",), [[None, 0]], "body.first[0]", "an account is a string, not None"),
        (
            ("first",),
            [["a", 1.5]],
            "body.first[0]",
            (
                "an account's first record must be an int of microseconds since the epoch, not "
                "float: 1.5."
            ),
        ),
    ],
)
def test_restore_refuses_a_forged_snapshot_naming_the_path(
    path: tuple[object, ...], value: object, where: str, why: str
) -> None:
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_forged(path, value), PLAN, [VM_HOURS])
    assert str(caught.value) == MALFORMED.format(where, why)


def test_restore_takes_an_unforged_snapshot_back() -> None:
    data = _forged(("late",), "correct")  # the same value: resealed, unchanged
    rater = rk.Rater.restore(data, PLAN, [VM_HOURS])
    # vm-1 runs from 12:00: 2 h reported at 14:00, 3 h at 15:00, an increment of 1 h.
    assert [(x.role, x.quantity) for x in rater.statement("2026-03-01T15:00:00Z").lines] == [
        ("increment", 1)
    ]


# -- a counter's increment split across a closed cycle ---------------------------------------

EGRESS = rk.Meter("egress", "B", rk.Counter())
HOURLY = rk.Plan(
    "p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("egress", "egress", rk.PerUnit("0.001"))]
)


def _reading(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "ip-1", "egress", at, value, kind="counter", id=record_id)


def _readings(late: Late, horizon: dt.timedelta = dt.timedelta(0)) -> rk.Rater:
    rater = rk.Rater(HOURLY, [EGRESS], start="2026-03-01T09:00:00Z", late=late, horizon=horizon)
    feed = rater.feed(
        [
            _reading("2026-03-01T09:30:00Z", 0, "r0"),
            _reading("2026-03-01T09:50:00Z", 500, "r1"),
            _reading("2026-03-01T10:10:00Z", 1000, "r2"),
        ]
    )
    assert feed.accepted == ("r0", "r1", "r2")  # all on time: none is late
    return rater


def _rows(lines: tuple[rk.StatementLine, ...]) -> list[tuple[object, ...]]:
    return [(x.role, f"{x.cycle.start:%H:%M}", x.quantity, x.amount, x.late) for x in lines]


SPLIT = (
    "sample 'r2' (egress, 1000) stamped 2026-03-01T10:10:00Z was not late, but its increment "
    "counts from the previous reading at 2026-03-01T09:50:00Z, in a cycle closed (up to "
    "2026-03-01T10:00:00Z): the closed lines of 'ip-1' of 'acme' it changed (the cycle ending "
    "2026-03-01T10:00:00Z) are {}. A horizon as long as the gap between two signs of life of "
    "a resource keeps such changes in open cycles."
)


@pytest.mark.parametrize(
    ("late", "policy"),
    [
        ("correct", "corrected on the next open invoice (late='correct')"),
        ("report", "reported only (late='report')"),
    ],
)
def test_a_counter_increment_split_into_a_closed_cycle_names_its_reading(
    late: Late, policy: str
) -> None:
    rater = _readings(late)
    first = rater.statement("2026-03-01T10:05:00Z")  # r2 is stamped after: not yet read
    # 09:00 closes with 0 -> 500 between 09:30 and 09:50: 500 B * 0.001 = 0.50.
    assert first.invoices[0].total == Decimal("0.50")
    assert first.anomalies == ()
    second = rater.statement("2026-03-01T10:15:00Z")
    # 500 B between 09:50 and 10:10 split linearly: 250 before 10:00, 250 after, so
    # 09:00 has 750 B (0.750) and 10:00 250 B (0.250).
    fixed = [
        ("reversal", "09:00", -500, Decimal("-0.500"), True),
        ("correction", "09:00", 750, Decimal("0.750"), True),
    ]
    opened = [("charge", "10:00", 250, Decimal("0.250"), False)]
    if late == "correct":
        assert _rows(second.lines) == [*fixed, *opened]
        assert second.reported_only == ()
    else:
        assert _rows(second.lines) == opened
        assert _rows(second.reported_only) == fixed
    assert [(a.kind, a.message, a.record_ids) for a in second.anomalies] == [
        ("late", SPLIT.format(policy), ("r2",))
    ]


def test_a_horizon_covering_the_gap_between_readings_keeps_the_split_in_open_cycles() -> None:
    rater = _readings("report", horizon=dt.timedelta(minutes=20))
    assert rater.statement("2026-03-01T10:05:00Z").invoices == ()  # 09:00 closes at 10:20
    second = rater.statement("2026-03-01T10:15:00Z")
    # 09:00 goes from 500 to 750 B while still open: the reading's increment reaches back
    # before the last watermark (10:05), so it is reversed (-500 B, -0.500) and given
    # anew (750 B, 0.750), not an increment of +250, which would say time alone changed
    # it; 10:00 has 250 B.
    assert _rows(second.lines) == [
        ("reversal", "09:00", -500, Decimal("-0.500"), False),
        ("correction", "09:00", 750, Decimal("0.750"), False),
        ("charge", "10:00", 250, Decimal("0.250"), False),
    ]
    assert second.reported_only == ()
    assert second.anomalies == ()
    (invoice,) = rater.statement("2026-03-01T10:20:00Z").invoices
    assert invoice.total == Decimal("0.75")  # 750 B * 0.001, as batch rate() gives


def test_only_the_reading_whose_increment_reaches_back_is_named() -> None:
    rater = _readings("correct")
    rater.statement("2026-03-01T10:05:00Z")  # closes 09:00 with 500 B
    rater.feed([_reading("2026-03-01T10:12:00Z", 1100, "r3")])  # counts from r2: open
    statement = rater.statement("2026-03-01T10:15:00Z")
    # 09:00: 750 B as above; 10:00: 250 B (r1-r2) + 100 B (r2-r3) = 350 B, 0.350.
    assert _rows(statement.lines)[-1] == ("charge", "10:00", 350, Decimal("0.350"), False)
    assert [a.record_ids for a in statement.anomalies] == [("r2",)]


def test_a_last_seen_inventory_fed_ahead_keeps_the_cycles_it_closes_back_into() -> None:
    start = rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", kind="start", id="e1")
    inventory = rk.Inventory("2026-03-05T12:00:00Z", [], close="last_seen", id="inv")
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    # Fed on 1 March, ahead of every watermark: nothing compacted yet, nothing lost yet.
    assert rater.feed([start, inventory]).anomalies == ()
    statements, bases = [], []
    for day in range(2, 7):
        statements.append(rater.statement(f"2026-03-0{day}T06:00:00Z"))
        bases.append(f"{dt.datetime.fromtimestamp(rater._base_us / 1e6, dt.UTC):%d}")
    # Each statement closes a day; 1 March stays kept (closed, not compacted) for it,
    # vm-1's last sign of life being 1 March 12:00, until the inventory is metered (at 6
    # March 06:00): then 1-4 March are compacted at once.
    assert [f"{span.start:%d}" for s in statements for span in s.closed] == [
        "01",
        "02",
        "03",
        "04",
        "05",
    ]
    assert bases == ["01", "01", "01", "01", "05"]
    # Metered then: closed at 1 March 12:00, nothing stays billed.
    assert [a for s in statements for a in s.anomalies if a.kind == "too_late"] == []
    # Billed: 12 + 6, then 18 + 6 a day (90 h by 5 March 06:00); then each taken back,
    # late for 1-4 March (-12, -24, -24, -24) and 5 March (-6): 0, as batch rate() bills.
    assert [s.total() for s in statements] == [18, 24, 24, 24, -90]


def test_a_copy_does_not_share_the_inventories_being_fed() -> None:
    rater, _ = _lost_delete("correct")
    other = rater.copy()
    # Known by the watermark (5 March 06:00): its feed says what stays billed.
    inventory = rk.Inventory("2026-03-05T05:00:00Z", [], close="last_seen", id="inv")
    assert len(rater.feed([inventory]).anomalies) == 1
    # The copy was fed nothing: its next feed says nothing of the original's inventory.
    start = rk.Event("a", "vm-2", "2026-03-05T08:00:00Z", kind="start", id="e2")
    assert other.feed([start]).anomalies == ()


# -- ids across kinds, unassigned accounts ---------------------------------------------------

CALLS = rk.Meter("calls", "call", rk.Discrete())
TWO = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)),
        rk.PriceEntry("calls", "calls", rk.PerUnit(1)),
    ],
)


@pytest.mark.parametrize("snapshot", [False, True])
def test_an_id_held_by_another_kind_of_record_is_conflicting(snapshot: bool) -> None:
    # Ids are one space across events, samples and inventories, as in rate() (which
    # refuses the pair): the sample is conflicting, the event stands (1 h at 1 EUR).
    start = rk.Event("a", "vm-1", "2026-03-01T10:00:00Z", kind="start", id="x1")
    sample = rk.Sample("a", "fn", "calls", "2026-03-01T10:30:00Z", 5, id="x1")
    with pytest.raises(rk.ConflictingRecordError, match="share the id 'x1'"):
        rk.rate(
            [start, sample],
            TWO,
            span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
            meters=[VM_HOURS, CALLS],
        )
    rater = rk.Rater(TWO, [VM_HOURS, CALLS], start="2026-03-01T00:00:00Z")
    assert rater.feed([start]).accepted == ("x1",)
    if snapshot:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), TWO, [VM_HOURS, CALLS])
    assert rater.feed([sample]).conflicting == ("x1",)
    inventory = rk.Inventory("2026-03-01T10:45:00Z", [("a", "vm-1")], id="x1")
    assert rater.feed([inventory]).conflicting == ("x1",)
    statement = rater.statement("2026-03-01T11:00:00Z")
    assert [(x.meter, x.amount) for x in statement.lines] == [("vm.hours", Decimal(1))]


def test_an_id_held_by_a_compacted_record_of_another_kind_is_conflicting() -> None:
    rater = rk.Rater(TWO, [VM_HOURS, CALLS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "vm-1", "2026-03-01T10:00:00Z", kind="start", id="x1")])
    rater.statement("2026-03-03T00:00:00Z")  # 1 March closed, then compacted at 2 March's close
    late = rk.Sample("a", "fn", "calls", "2026-03-03T10:30:00Z", 5, id="x1")
    assert rater.feed([late]).conflicting == ("x1",)


def test_an_id_taken_by_another_kind_earlier_in_the_same_batch_is_conflicting() -> None:
    # The first of the batch takes the id; the sample after it is conflicting, and so is
    # a copy of the sample in the next batch (the id stays the event's): 1 h at 1 EUR.
    start = rk.Event("a", "vm-1", "2026-03-01T10:00:00Z", kind="start", id="x1")
    sample = rk.Sample("a", "fn", "calls", "2026-03-01T10:30:00Z", 5, id="x1")
    rater = rk.Rater(TWO, [VM_HOURS, CALLS], start="2026-03-01T00:00:00Z")
    feed = rater.feed([start, sample])
    assert (feed.accepted, feed.conflicting) == (("x1",), ("x1",))
    assert rater.feed([sample]).conflicting == ("x1",)
    statement = rater.statement("2026-03-01T11:00:00Z")
    assert [(x.meter, x.amount) for x in statement.lines] == [("vm.hours", Decimal(1))]


def test_a_record_of_an_account_no_assignment_names_is_refused_at_feed() -> None:
    plans = [rk.Assignment("acme", PLAN)]
    rater = rk.Rater(plans, [VM_HOURS], start="2026-03-01T00:00:00Z")
    good = rk.Event("acme", "vm-1", "2026-03-01T10:00:00Z", kind="start", id="e1")
    stranger = rk.Event("newco", "vm-9", "2026-03-01T11:00:00Z", kind="start", id="e2")
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed([good, stranger])
    assert str(caught.value) == (
        "Rater.feed: records[1]: event 'e2' stamped 2026-03-01T11:00:00Z is for account 'newco', "
        "which no assignment of this rater names, so every statement would fail to price it (the "
        "assignments name 'acme'); the batch is refused whole. Feed only records of assigned "
        "accounts, or assign the account a plan first with Rater.assign()."
    )
    # Refused whole: the good record was not taken either, and statements still work.
    assert rater.feed([good]).accepted == ("e1",)
    assert [x.amount for x in rater.statement("2026-03-01T12:00:00Z").lines] == [Decimal(2)]


def test_a_late_record_of_one_resource_corrects_the_lines_it_moves_in_its_account() -> None:
    # Graduated per account: 10 h at 1, then 0.5. At 07:00 b ran 7 h (00:00 -> 07:00) and
    # c 6 h (01:00 -> 07:00): b 7 x 1 = 7; c 3 x 1 + 3 x 0.5 = 4.5. A STOP of b at 02:00
    # comes late: at 09:00 b ran 2 h (2) and c 8 h, all in the first tier (8). c's line
    # changed through b's late record, not with time only: a reversal and a correction.
    plan = rk.Plan(
        "p",
        "EUR",
        DAILY,
        [rk.PriceEntry("vm", "vm.hours", rk.Graduated([rk.Tier(10, 1), rk.Tier(None, "0.5")]))],
    )
    rater = rk.Rater(plan, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "b", "2026-03-01T00:00:00Z", kind="start", id="b1"),
            rk.Event("a", "c", "2026-03-01T01:00:00Z", kind="start", id="c1"),
        ]
    )
    first = rater.statement("2026-03-01T07:00:00Z")
    assert [(x.resource, x.role, x.amount) for x in first.lines] == [
        ("b", "charge", Decimal(7)),
        ("c", "charge", Decimal("4.5")),
    ]
    rater.feed([rk.Event("a", "b", "2026-03-01T02:00:00Z", kind="stop", id="b2")])
    second = rater.statement("2026-03-01T09:00:00Z")
    assert [(x.resource, x.role, x.amount) for x in second.lines] == [
        ("b", "reversal", Decimal(-7)),
        ("b", "correction", Decimal(2)),
        ("c", "reversal", Decimal("-4.5")),
        ("c", "correction", Decimal(8)),
    ]


def test_an_account_covered_only_by_a_row_that_goes_away_owes_no_fee_there() -> None:
    # An inventory at 03:00 opens vm-1 of acme (its first sign: no record of acme's own
    # yet); at 08:00 acme is covered from 1 March: fee 2.4 x 8/24 = 0.8, and 5 h of vm-1.
    # A last_seen inventory at 19:00 lists nothing: vm-1 closes at its last sign of life,
    # 03:00, and its row is gone. acme's first record is vm-2's start on 2 March: as in
    # batch rate(), acme owes nothing on 1 March (the 0.8 and the 5 h are taken back)
    # and, on 2 March, the fee 2.4 and 18 h (06:00 -> 24:00).
    plan = rk.Plan(
        "p",
        "EUR",
        DAILY,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        fees=[rk.Fee("support", "2.4")],
    )
    opened = rk.Inventory("2026-03-01T03:00:00Z", [("acme", "vm-1")], id="i1")
    gone = rk.Inventory("2026-03-01T19:00:00Z", [], close="last_seen", id="i2")
    start = rk.Event("acme", "vm-2", "2026-03-02T06:00:00Z", kind="start", id="e1")
    rater = rk.Rater(plan, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([opened])
    first = rater.statement("2026-03-01T08:00:00Z")
    assert sorted((x.kind, x.amount) for x in first.lines) == [
        ("fee", Decimal("0.8")),
        ("usage", Decimal(5)),
    ]
    rater.feed([gone, start])
    lines = [
        x
        for w in ("2026-03-01T20:00:00Z", "2026-03-03T00:00:00Z")
        for x in rater.statement(w).lines
    ]
    totals: dict[tuple[str, int], Decimal] = {}
    for x in (*first.lines, *lines):
        key = (x.kind, x.cycle.start.day)
        totals[key] = totals.get(key, Decimal(0)) + x.amount
    assert totals == {("fee", 1): 0, ("usage", 1): 0, ("fee", 2): Decimal("2.4"), ("usage", 2): 18}
    batch = rk.rate(
        [opened, gone, start],
        plan,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z"),
        meters=[VM_HOURS],
    )
    assert [(c.kind, c.cycle.start.day, c.amount) for c in batch.charges] == [
        ("usage", 2, Decimal(18)),
        ("fee", 2, Decimal("2.4")),
    ]


def test_a_stop_at_the_end_of_a_closed_cycle_is_late_and_accounted_for() -> None:
    # vm-1 runs from 1 March 10:00; at 2 March 06:00 (horizon 0) 1 March closed with 14 h
    # and 2 March has 6 h. A STOP stamped 2 March 00:00 comes then: it ends 1 March's last
    # piece (batch rate() names it in that charge), so it is late for 1 March, whose 14 h
    # stand; 2 March's 6 h are reversed. Its only line is that reversal, with no charges
    # to name it: the closing of 2 March lists it in no_effect.
    start = rk.Event("a", "vm-1", "2026-03-01T10:00:00Z", kind="start", id="e1")
    stop = rk.Event("a", "vm-1", "2026-03-02T00:00:00Z", kind="stop", id="e2")
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([start])
    first = rater.statement("2026-03-02T06:00:00Z")
    assert [(x.cycle.start.day, x.amount) for x in first.lines] == [(1, 14), (2, 6)]
    assert rater.feed([stop]).late == ("e2",)
    second = rater.statement("2026-03-02T12:00:00Z")
    assert [(x.role, x.cycle.start.day, x.amount, x.record_ids) for x in second.lines] == [
        ("reversal", 2, Decimal(-6), ())
    ]
    closing = rater.statement("2026-03-03T00:00:00Z")
    assert closing.no_effect == ("e2",)
    batch = rk.rate(
        [start, stop],
        PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z"),
        meters=[VM_HOURS],
    )
    assert [(c.cycle.start.day, c.amount, c.record_ids) for c in batch.charges] == [
        (1, 14, ("e1", "e2"))
    ]


def test_feed_refuses_a_mapping_instead_of_iterating_its_keys() -> None:
    rater = rk.Rater(
        rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), []), [], start="2026-03-01T00:00:00Z"
    )
    with pytest.raises(rk.RatekitTypeError) as raised:
        rater.feed({"a": 1})  # type: ignore[arg-type]
    assert str(raised.value) == (
        "Rater.feed takes an iterable of Event, Sample and Inventory records, not dict: {'a': 1}."
    )


def test_a_statement_before_the_start_names_the_start_not_a_watermark() -> None:
    rater = rk.Rater(
        rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), []), [], start="2026-03-05T00:00:00Z"
    )
    with pytest.raises(rk.BadTimeError) as raised:
        rater.statement("2026-02-20T00:00:00Z")
    assert str(raised.value) == (
        "Rater.statement as_of 2026-02-20T00:00:00Z goes back before the start of the cycles "
        "the rater keeps, 2026-03-01T00:00:00Z; watermarks only move forward."
    )
