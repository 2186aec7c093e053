"""The streaming rater: feeding, statements, closing, late records, snapshots, seed stories.

Every expected amount is worked by hand in a comment.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import json
import pickle
import random
from decimal import Decimal

import pytest
from tests._snapshots import version_3

import ratekit as rk
from ratekit import _snapshot_columns, _snapshot_reported
from ratekit._instants import format_us, to_us

HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000
MONTHLY = rk.cycles.monthly(tz="UTC")
VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
TIERED = rk.Graduated([rk.Tier(200, "0.07"), rk.Tier(None, "0.05")])


def lines_of(statement: rk.Statement, resource: str | None = None) -> list[tuple[object, ...]]:
    return [
        (line.role, line.kind, line.resource, line.quantity, line.amount, line.late)
        for line in statement.lines
        if resource is None or line.resource == resource
    ]


# -- the opening examples -----------------------------------------------------------


def test_two_half_month_statements_do_not_restart_tiers_nor_reapply_minimums() -> None:
    plan = rk.Plan(
        "p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", TIERED)], minimums=[rk.Minimum(50)]
    )
    rater = rk.Rater(plan, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1")])
    half = rater.statement("2026-03-16T00:00:00Z")
    # 1-16 March: 360 h = 200 * 0.07 + 160 * 0.05 = 14 + 8 = 22.00.
    usage = [line for line in half.lines if line.kind == "usage"]
    assert [(u.role, u.quantity, u.amount) for u in usage] == [("charge", 360, Decimal("22.00"))]
    end = rater.statement("2026-04-01T00:00:00Z")
    usage = [line for line in end.lines if line.kind == "usage"]
    # The rest of March, 384 h, continues on the second tier: 384 * 0.05 = 19.20, so
    # March costs 22.00 + 19.20 = 41.20 (two separate slices would give 22.00 + 23.20).
    assert [(u.role, u.quantity, u.amount) for u in usage] == [("increment", 384, Decimal("19.20"))]
    # The minimum is prorated to the watermark, then topped up once for the cycle:
    # 15/31 * 50 - 22 at mid-month, 50 - 41.20 = 8.80 in all.
    minimums = [line for s in (half, end) for line in s.lines if line.kind == "minimum"]
    assert sum(line.amount for line in minimums) == Decimal("8.80")
    (invoice,) = end.invoices
    assert invoice.total == Decimal("50.00")  # 41.20 + 8.80
    assert end.closed == (rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),)


# -- feeding -------------------------------------------------------------------------------


def test_feed_says_what_it_did_with_each_record() -> None:
    plan = rk.Plan("p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    calls = rk.Meter("calls", "call", rk.Discrete())
    rater = rk.Rater(plan, [VM_HOURS, calls], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(0))
    start = rk.Event("acme", "vm-1", "2026-03-01T00:10:00Z", kind="start", id="e1")
    feed = rater.feed([start, start])
    assert (feed.accepted, feed.duplicates) == (("e1",), ("e1",))
    other = rk.Event("acme", "vm-1", "2026-03-01T00:10:00Z", kind="stop", id="e1")
    assert rater.feed([other]).conflicting == ("e1",)
    rater.statement("2026-03-01T02:00:00Z")  # closes 00:00-01:00 and 01:00-02:00
    # 01:00-02:00 is closed but kept: a record for it is late; 00:00-01:00 is compacted.
    late = rk.Event("acme", "vm-1", "2026-03-01T01:30:00Z", kind="stop", id="e2")
    gone = rk.Sample("acme", "vm-1", "calls", "2026-03-01T00:30:00Z", "7", id="s1")
    feed = rater.feed([late, gone, start])
    assert (feed.late, feed.too_late, feed.duplicates) == (("e2",), ("s1",), ("e1",))
    (anomaly,) = feed.anomalies
    assert anomaly.kind == "too_late"
    assert anomaly.record_ids == ("s1",)
    assert str(anomaly) == (
        "sample 's1' stamped 2026-03-01T00:30:00Z is older than every cycle the rater keeps "
        "(from 2026-03-01T01:00:00Z; its cycle was closed and compacted, or comes before "
        "the rater's start): its quantity 7 call (calls) is not applied. It may be a replay of a "
        "record applied before and forgotten with its compacted cycle (then it was charged "
        "then, and nothing is lost): the rater cannot tell the two apart."
    )
    assert dict(feed.counts) == {
        "accepted": 0,
        "duplicates": 1,
        "conflicting": 0,
        "late": 1,
        "too_late": 1,
    }


def test_records_without_id_are_identified_by_content() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("c", "calls", rk.PerUnit("0.5"))])
    calls = rk.Meter("calls", "call", rk.Discrete())
    rater = rk.Rater(plan, [calls], start="2026-03-01T00:00:00Z")
    sample = rk.Sample("acme", "fn", "calls", "2026-03-02T00:00:00Z", 4)
    assert rater.feed([sample]).counts["accepted"] == 1
    copy = rk.Sample("acme", "fn", "calls", "2026-03-02T00:00:00Z", 4)
    assert rater.feed([copy]).counts["duplicates"] == 1
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [calls])
    assert restored.feed([copy]).counts["duplicates"] == 1
    # 4 calls * 0.5 = 2, counted once.
    assert restored.statement("2026-03-03T00:00:00Z").total() == 2


def test_feed_refuses_what_is_not_a_record() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [])
    rater = rk.Rater(plan, [], start="2026-03-01T00:00:00Z")
    with pytest.raises(rk.RatekitTypeError) as caught:
        rater.feed([{"account": "acme"}])  # type: ignore[list-item]
    assert str(caught.value) == (
        "Rater.feed takes Event, Sample and Inventory records, not dict: {'account': 'acme'} "
        "(records[0] of the batch)."
    )
    # Its place in the batch is named: the second one here.
    event = rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="on")
    with pytest.raises(rk.RatekitTypeError) as caught:
        rater.feed([event, None])  # type: ignore[list-item]
    assert str(caught.value) == (
        "Rater.feed takes Event, Sample and Inventory records, not NoneType: None "
        "(records[1] of the batch)."
    )
    assert rater.feed([event]).accepted == ("on",)  # nothing of the batch refused was taken


def test_rater_refuses_plans_on_different_cycles_and_watermarks_that_go_back() -> None:
    monthly = rk.Plan("m", "EUR", MONTHLY, [])
    daily = rk.Plan("d", "EUR", rk.cycles.daily(tz="UTC"), [])
    with pytest.raises(rk.BadCalendarError, match="plans bill on different cycles"):
        rk.Rater(
            [rk.Assignment("a", monthly), rk.Assignment("b", daily)],
            [],
            start="2026-03-01T00:00:00Z",
        )
    # An instant in epoch microseconds (the lean path's) is refused, with the way to give
    # one; that way gives the instant itself, to the microsecond.
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater(monthly, [], start="2026-03-01T00:00:00Z").statement(1772409600000001)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Rater.statement as_of must be an aware datetime or an ISO-8601 string with an "
        "offset, not int: 1772409600000001; for an epoch time n, give datetime(1970, 1, 1, "
        "tzinfo=timezone.utc) + timedelta(seconds=n), or timedelta(microseconds=n) for "
        "microseconds."
    )
    given = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=1772409600000001)
    assert given.isoformat() == "2026-03-02T00:00:00.000001+00:00"
    # Assigned later, a plan on another cycle (monthly from the 15th, or in another zone)
    # is refused the same way, and the rater keeps what it held.
    held = rk.Rater([rk.Assignment("a", monthly)], [], start="2026-03-01T00:00:00Z")
    for cycle in (rk.cycles.monthly(tz="UTC", day=15), rk.cycles.monthly(tz="Europe/Zurich")):
        other = rk.Plan("o", "EUR", cycle, [])
        with pytest.raises(rk.BadCalendarError) as refused:
            held.assign(rk.Assignment("b", other, start="2026-03-05T00:00:00Z"))
        assert str(refused.value) == (
            "Rater.assign: with Assignment('b', 'o', start='2026-03-05T00:00:00Z'), the "
            "rater's assignments (Assignment('a', 'm'), Assignment('b', 'o', "
            "start='2026-03-05T00:00:00Z')) are refused: Rater plans bill on different "
            f"cycles ({', '.join(sorted(map(repr, (MONTHLY, cycle))))}); a rater closes one "
            "cycle at a time: give its "
            "plans one cycle, or use one rater per cycle."
        )
    assert held.assign() == (rk.Assignment("a", monthly),)
    rater = rk.Rater(monthly, [], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-10T00:00:00Z")
    with pytest.raises(rk.BadTimeError) as caught:
        rater.statement("2026-03-09T00:00:00Z")
    assert str(caught.value) == (
        "Rater.statement as_of 2026-03-09T00:00:00Z goes back before the last watermark "
        "2026-03-10T00:00:00Z; watermarks only move forward."
    )


# -- late records: seed 002's counter across a cycle boundary --------------------------------

EGRESS = rk.Meter("egress", "B", rk.Counter())
HOURLY_EGRESS = rk.Plan(
    "p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("egress", "egress", rk.PerUnit("0.001"))]
)


def reading(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "ip-1", "egress", at, value, kind="counter", id=record_id)


@pytest.mark.parametrize("late", ["correct", "report"])
def test_a_counter_reading_that_reaches_back_into_a_closed_cycle_corrects_it(late: str) -> None:
    # Seed 002: 0 at T, 500 at T+20, 1000 at T+40 min, the cycle ending at T+30 (T = 09:30).
    rater = rk.Rater(HOURLY_EGRESS, [EGRESS], start="2026-03-01T09:00:00Z", late=late)  # type: ignore[arg-type]
    rater.feed(
        [reading("2026-03-01T09:30:00Z", 0, "r0"), reading("2026-03-01T09:50:00Z", 500, "r1")]
    )
    first = rater.statement("2026-03-01T10:05:00Z")
    # Known at 10:05: 500 B in 09:00-10:00, which closes: 500 * 0.001 = 0.50.
    assert lines_of(first) == [("charge", "usage", "ip-1", 500, Decimal("0.500"), False)]
    assert first.invoices[0].total == Decimal("0.50")
    assert rater.feed([reading("2026-03-01T10:10:00Z", 1000, "r2")]).accepted == ("r2",)
    second = rater.statement("2026-03-01T10:15:00Z")
    # The 500 B between 09:50 and 10:10 split linearly: 250 before 10:00, 250 after. The
    # closed cycle had 500, it has 750: a reversal of the 0.50 and the line anew, 0.75.
    pair = [
        ("reversal", "usage", "ip-1", -500, Decimal("-0.500"), True),
        ("correction", "usage", "ip-1", 750, Decimal("0.750"), True),
    ]
    fresh = [("charge", "usage", "ip-1", 250, Decimal("0.250"), False)]
    if late == "correct":
        assert lines_of(second) == pair + fresh
        assert second.lines[1].record_ids == ("r0", "r1", "r2")
    else:
        assert lines_of(second) == fresh
        assert [
            (line.role, line.kind, line.resource, line.quantity, line.amount, line.late)
            for line in second.reported_only
        ] == pair


# -- Exoscale's reconciler: an inventory closes a resource whose delete was lost --------------


def test_an_inventory_that_arrives_late_closes_a_resource_and_corrects_its_line() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))])
    rater = rk.Rater(plan, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1"),
            rk.Event("acme", "vm-2", "2026-03-01T00:00:00Z", kind="start", id="e2"),
        ]
    )
    # At 18:00 both have run 18 h: 18 * 0.10 = 1.80 each.
    assert lines_of(rater.statement("2026-03-01T18:00:00Z")) == [
        ("charge", "usage", "vm-1", 18, Decimal("1.80"), False),
        ("charge", "usage", "vm-2", 18, Decimal("1.80"), False),
    ]
    # vm-2's delete was lost; the 12:00 inventory lists only vm-1, and arrives at 19:00.
    rater.feed([rk.Inventory("2026-03-01T12:00:00Z", [("acme", "vm-1")], id="inv-12")])
    statement = rater.statement("2026-03-02T00:00:00Z")
    # vm-2 ran 12 h, not 18: reversal of 1.80, then 12 * 0.10 = 1.20. An inventory may
    # close any resource, so every line it could touch is given anew (vm-1: 24 h, 2.40).
    assert lines_of(statement) == [
        ("reversal", "usage", "vm-1", -18, Decimal("-1.80"), False),
        ("correction", "usage", "vm-1", 24, Decimal("2.40"), False),
        ("reversal", "usage", "vm-2", -18, Decimal("-1.80"), False),
        ("correction", "usage", "vm-2", 12, Decimal("1.20"), False),
    ]
    assert [a.kind for a in statement.anomalies] == ["reconciled_close"]
    assert statement.lines[3].record_ids == ("e2", "inv-12")


# -- Cloud Foundry's poller: a month fed every 10 minutes, restarted every hour --------------

APP_MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
CF_PLAN = rk.Plan("cf", "USD", MONTHLY, [rk.PriceEntry("mem", "memory", rk.PerUnit("0.00002"))])


def cf_event(
    app: str, at: str, kind: str, record_id: str, seq: int | None = None, **attrs: object
) -> rk.Event:
    return rk.Event("org-1", app, at, attrs, kind=kind, id=record_id, seq=seq)  # type: ignore[arg-type]


CF_EVENTS = [
    cf_event("app-a", "2026-03-03T08:00:00Z", "start", "a1", memory_mb=512, instances=1),
    # Scaled by a START after a START: 2 instances from 10 March 12:00.
    cf_event("app-a", "2026-03-10T12:00:00Z", "start", "a2", memory_mb=512, instances=2),
    cf_event("app-a", "2026-03-20T18:00:00Z", "stop", "a3"),
    cf_event("app-a", "2026-03-20T18:05:00Z", "stop", "a4"),  # a duplicate STOP
    cf_event("app-b", "2026-03-15T09:00:00Z", "start", "b1", 1, memory_mb=256, instances=1),
    cf_event("app-b", "2026-03-15T11:00:00Z", "stop", "b2", 2),
    # A START stamped after its STOP (sequenced before it): zero duration, an anomaly.
    cf_event("app-b", "2026-03-15T12:05:00Z", "start", "b3", 3, memory_mb=256, instances=1),
    cf_event("app-b", "2026-03-15T12:00:00Z", "stop", "b4", 4),
    # Running across the month end.
    cf_event("app-c", "2026-03-31T20:00:00Z", "start", "c1", memory_mb=1024, instances=1),
    cf_event("app-c", "2026-04-01T04:00:00Z", "stop", "c2"),
]


@pytest.mark.heavy  # a month of polls every 10 minutes, restarted every hour (768 restores)
def test_cloud_foundry_poller_month_equals_the_batch_invoice() -> None:
    t = to_us("2026-03-01T00:00:00Z")
    end = to_us("2026-04-02T00:00:00Z")
    rater = rk.Rater(
        CF_PLAN, [APP_MEMORY], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1)
    )
    statements: list[rk.Statement] = []
    polls = 0
    while t < end:
        t += 10 * MINUTE_US
        polls += 1
        # Each poll fetches the last 20 minutes (so every event comes twice); the START
        # stamped 12:05 becomes visible only at 12:30, after its STOP stamped 12:00.
        visible = [
            e
            for e in CF_EVENTS
            if t - 20 * MINUTE_US <= e.at_us < t
            and (e.id != "b3" or t >= to_us("2026-03-15T12:30:00Z"))
        ]
        if t == to_us("2026-03-15T12:30:00Z"):
            visible.append(CF_EVENTS[6])
        rater.feed(visible)
        if polls % 6 == 0:  # every hour: the process restarts from its stored snapshot
            stored = json.dumps(rater.snapshot())
            rater = rk.Rater.restore(json.loads(stored), CF_PLAN, [APP_MEMORY])
            statements.append(rater.statement(format_us(t)))
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    (invoice,) = [i for s in statements for i in s.invoices if i.cycle == march]
    batch = rk.rate(CF_EVENTS, CF_PLAN, span=march, meters=[APP_MEMORY])
    (expected,) = rk.bill(batch)
    assert invoice == expected
    # By hand: app-a 172 h * 512 + 246 h * 1024 = 88064 + 251904 = 339968 MB*h; app-b
    # 2 h * 256 = 512 (its second run lasts zero time); app-c 4 h * 1024 = 4096 in March:
    # 344576 MB*h * 0.00002 = 6.89152, printed 6.89.
    assert invoice.lines[0].precise == Decimal("6.89152")
    assert invoice.total == Decimal("6.89")
    kinds = {a.kind for s in statements for a in s.anomalies}
    assert {"duplicate_stop", "out_of_order"} <= kinds
    # April so far: app-c's last 4 h, 4096 MB*h * 0.00002 = 0.08192.
    april = [line for s in statements for line in s.lines if line.cycle.start.month == 4]
    assert sum(line.amount for line in april) == Decimal("0.08192")


# -- snapshots -----------------------------------------------------------------------------


def simple_rater() -> tuple[rk.Rater, rk.Plan]:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))])
    rater = rk.Rater(plan, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(
        [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"size": 0.5}, kind="start", id="e1")]
    )
    rater.statement("2026-03-02T00:00:00Z")
    return rater, plan


def test_snapshot_is_json_safe_versioned_and_checksummed() -> None:
    rater, plan = simple_rater()
    data = json.loads(json.dumps(rater.snapshot()))
    assert data["format"] == "ratekit.Rater"
    assert data["version"] == 5  # the packed columns and ids compacted away (1 to 4 restored)
    assert len(data["checksum"]) == 64
    restored = rk.Rater.restore(data, plan, [VM_HOURS])
    restored._check()
    # 24 more hours * 0.10 = 2.40, an increment: the restored rater knows what it reported.
    assert lines_of(restored.statement("2026-03-03T00:00:00Z")) == [
        ("increment", "usage", "vm-1", 24, Decimal("2.40"), False)
    ]


def test_restore_refuses_an_unknown_version() -> None:
    rater, plan = simple_rater()
    data = rater.snapshot()
    data["version"] = 6
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, plan, [VM_HOURS])
    assert str(caught.value) == (
        "Rater snapshot version 6 is unknown: this ratekit reads versions 1, 2, 3, 4 and 5; "
        "restore it with the ratekit that wrote it."
    )


def test_restore_refuses_a_snapshot_altered_by_hand() -> None:
    rater, plan = simple_rater()
    data = json.loads(json.dumps(rater.snapshot()))
    # a reported amount, edited: the totals column packs 24 and 0.01 instead of 24 and 2.40
    assert _snapshot_reported.decode_reported(data["body"]["reported"])[0][1] == (
        24,
        Decimal("2.4"),
    )
    data["body"]["reported"]["lines"][3] = "".join(
        map(_snapshot_columns._packed_value, (Decimal(24), Decimal("0.01")))
    )
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, plan, [VM_HOURS])
    message = str(caught.value)
    assert message.startswith(
        f"Rater snapshot checksum {data['checksum']!r} does not match its content"
    )
    assert message.endswith(
        "the snapshot was altered or damaged after it was taken; restore an unaltered copy."
    )


def test_restore_refuses_other_plans_and_what_is_not_a_snapshot() -> None:
    rater, _ = simple_rater()
    data = rater.snapshot()
    other = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.11"))])
    with pytest.raises(rk.BadSnapshotError, match="taken under other plans or meters"):
        rk.Rater.restore(data, other, [VM_HOURS])
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore([], other, [VM_HOURS])  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Rater.restore needs what Rater.snapshot() returned (a dict with format "
        "'ratekit.Rater'), not list."
    )


def test_a_restored_rater_says_exactly_what_the_original_says() -> None:
    from tests._rater_streams import METERS, PLANS, T0, records

    for seed in range(8):
        rng = random.Random(seed)
        stream = records(rng)
        rng.shuffle(stream)
        one = rk.Rater(PLANS, METERS, start=format_us(T0))
        two = rk.Rater(PLANS, METERS, start=format_us(T0))
        as_of = T0
        for index in range(0, len(stream), 3):
            batch = stream[index : index + 3]
            assert one.feed(batch) == two.feed(batch)
            two = rk.Rater.restore(json.loads(json.dumps(two.snapshot())), PLANS, METERS)
            as_of += rng.randrange(0, 12 * HOUR_US, MINUTE_US)
            a, b = one.statement(format_us(as_of)), two.statement(format_us(as_of))
            assert [(x.key, x.role, x.quantity, x.amount) for x in a.lines] == [
                (x.key, x.role, x.quantity, x.amount) for x in b.lines
            ]
            assert (a.invoices, a.anomalies, a.no_effect) == (b.invoices, b.anomalies, b.no_effect)


def test_copy_is_independent() -> None:
    rater, _ = simple_rater()
    other = rater.copy()
    other.feed([rk.Event("acme", "vm-1", "2026-03-02T12:00:00Z", kind="stop", id="e2")])
    # The original still runs 24 h more (2.40); the copy stopped after 12 h (1.20).
    assert rater.statement("2026-03-03T00:00:00Z").total() == Decimal("2.40")
    assert other.statement("2026-03-03T00:00:00Z").total() == Decimal("1.20")


def test_copy_copy_is_independent_too() -> None:
    # copy.copy() used to share the book: a statement on the copy advanced the original's
    # metering state, whose next statement then failed, and dropped the hours after.
    rater, _ = simple_rater()
    rater.statement("2026-03-02T00:00:00Z")
    other = copy.copy(rater)
    other.feed([rk.Event("acme", "vm-1", "2026-03-02T12:00:00Z", kind="stop", id="e2")])
    assert other.statement("2026-03-03T00:00:00Z").total() == Decimal("1.20")  # 12 h
    assert rater.statement("2026-03-03T00:00:00Z").total() == Decimal("2.40")  # 24 h


def _shared_steps() -> tuple[rk.Plan, list[rk.Meter], list[tuple[list[rk.Sample], str]]]:
    daily = rk.cycles.daily(tz="UTC")
    meters = [rk.Meter("gb", "GB", rk.Discrete()), rk.Meter("eg", "B", rk.Counter())]
    tiers = rk.Volume([rk.Tier(13, "0.9"), rk.Tier(16, "3"), rk.Tier(None, "2.7")])
    plan = rk.Plan(  # prices by total: the rater keeps each group's track of rows
        "p",
        "EUR",
        daily,
        [
            rk.PriceEntry("gb", "gb", tiers),
            rk.PriceEntry("eg", "eg", rk.Volume([rk.Tier(None, "0.5")])),
            rk.PriceEntry(
                "eg-b",
                "eg",
                rk.Volume([rk.Tier(10, "1.2"), rk.Tier(None, "3.3", flat=1)]),
                start="2026-03-01T14:00:00Z",
                priority=1,
            ),
        ],
    )
    steps = [
        ([rk.Sample("c", "r3", "eg", "2026-03-03T04:43:00Z", 40, kind="counter", id="c9")],
         "2026-03-03T12:03:00Z"),
        ([rk.Sample("c", "r3", "eg", "2026-03-03T20:51:00Z", 62, kind="counter", id="c11")],
         "2026-03-04T03:26:00Z"),
        ([rk.Sample("c", "r3", "gb", "2026-03-04T14:25:00Z", 11, id="d1")],
         "2026-03-05T00:00:00Z"),
    ]  # fmt: skip
    return plan, meters, steps


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
@pytest.mark.heavy
def test_a_deep_copy_or_a_pickle_is_the_rater_once_the_original_is_gone(how: str) -> None:
    # Copied member by member, the rater's indexes of its rows (by identity) pointed at
    # the original's objects, and at others once it was freed: a deep copy's statement
    # then lost an 11 GB delta and charged a counter's day again. Each step replaces the
    # rater by its copy, the original freed.
    # (Several times: the fault needed memory an earlier rater freed, reused.)
    # What was alive before the test (the modules, the tests run before in this process)
    # is frozen: each collection then looks only at what the test made, every rater freed
    # among it, not at the whole process again (~0.5 s a collection, 15 of them).
    gc.freeze()
    try:
        _copies_are_the_rater(how)
    finally:
        gc.unfreeze()


def _copies_are_the_rater(how: str) -> None:
    plan, meters, steps = _shared_steps()
    rater = rk.Rater(plan, meters, start="2026-03-01T00:00:00Z")
    for batch, watermark in steps[:2]:
        rater.feed(batch)
        rater.statement(watermark)
    if how == "deepcopy":  # it shares the immutable records and rows, as copy() does
        twin = copy.deepcopy(rater)
        assert all(
            mine is theirs
            for mine, theirs in zip(twin._records.values(), rater._records.values(), strict=True)
        )
    else:  # it travels as its snapshot: restored, it keeps no index of another's objects
        assert rater._line_members
        travelled = pickle.loads(pickle.dumps(rater))
        assert travelled.snapshot() == rater.snapshot()
        assert travelled._line_members == {}
    for _ in range(5):
        start, horizon = "2026-03-01T00:00:00Z", dt.timedelta(days=2)
        rater = rk.Rater(plan, meters, start=start, horizon=horizon)
        never = rk.Rater(plan, meters, start=start, horizon=horizon)
        for batch, watermark in steps:
            rater.feed(batch)
            never.feed(batch)
            old = rater
            rater = copy.deepcopy(old) if how == "deepcopy" else pickle.loads(pickle.dumps(old))
            del old
            gc.collect()
            got, want = rater.statement(watermark), never.statement(watermark)
            assert [(x.key, x.role, x.quantity, x.amount) for x in got.lines] == [
                (x.key, x.role, x.quantity, x.amount) for x in want.lines
            ]


# -- state stays flat over cycles ------------------------------------------------------------


def test_state_does_not_grow_with_history() -> None:
    daily = rk.Plan(
        "d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("calls", "calls", rk.PerUnit(1))]
    )
    calls = rk.Meter("calls", "call", rk.Discrete())
    rater = rk.Rater(daily, [calls], start="2026-01-01T00:00:00Z")
    t0 = to_us("2026-01-01T00:00:00Z")
    sizes = []
    # A resource's metering state may remember its last MEMORY (1024) record ids (see
    # ResourceState); the rater deduplicates records itself and keeps none of them, so
    # its state is flat from the second day on, well past the day (43) they would fill.
    days = -(-rk.usage.MEMORY // 24) + 10
    for day in range(days):
        for hour in range(24):
            at = format_us(t0 + (day * 24 + hour) * HOUR_US)
            rater.feed([rk.Sample("acme", "fn", "calls", at, 1, id=f"s{day:03}-{hour:02}")])
        statement = rater.statement(format_us(t0 + (day + 1) * 24 * HOUR_US))
        # Each day's 24 calls, closed at once (horizon 0): 24 * 1 = 24.
        assert statement.invoices[0].total == 24
        rater._check()
        sizes.append(len(json.dumps(rater.snapshot())))
    assert len(rater._records) <= 48  # the closed day kept for late records, and today
    assert set(sizes[1:]) == {sizes[1]}  # flat, to the byte


def test_restore_refuses_a_resealed_body_that_is_malformed() -> None:
    from ratekit import _snapshot

    rater, plan = simple_rater()
    data = version_3(rater.snapshot())  # its columns as lists, to edit one value
    # the instant of the first kept record of the first resource: not an instant
    data["body"]["by_resource"]["groups"][0][2][0] = "yesterday"
    del data["checksum"]
    data["checksum"] = _snapshot.checksum(data)
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, plan, [VM_HOURS])
    assert str(caught.value).startswith("Rater snapshot body is malformed (")
    assert str(caught.value).endswith("); restore an unaltered copy.")


def test_repr_and_statement_total() -> None:
    rater, _ = simple_rater()
    assert repr(rater) == (
        "Rater(base='2026-03-01T00:00:00Z', closed='2026-03-01T00:00:00Z', "
        "as_of='2026-03-02T00:00:00Z', 1 records kept, 0 resources compacted)"
    )
    statement = rater.statement("2026-03-02T12:00:00Z")
    # 12 h * 0.10 = 1.20, for acme, nothing for anyone else.
    assert (statement.total("acme"), statement.total("other")) == (Decimal("1.20"), 0)
    assert repr(statement.lines[0]) == (
        "StatementLine('increment', 'acme', 'vm.hours', 'vm-1', "
        "'2026-03-01T00:00:00Z'..'2026-04-01T00:00:00Z', 12 hour, 1.20 EUR)"
    )


def test_one_plan_keeps_charging_fees_to_an_account_whose_resources_went_quiet() -> None:
    daily = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        fees=[rk.Fee("base", 10)],
    )
    records = [
        rk.Event("a", "vm", "2026-03-01T01:00:00Z", kind="start", id="e1"),
        rk.Event("a", "vm", "2026-03-01T02:00:00Z", kind="stop", id="e2"),
    ]
    rater = rk.Rater(daily, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    statements = [rater.statement(f"2026-03-0{day}T00:00:00Z") for day in range(2, 6)]
    # 1 h * 1 on the first day, and the fee of 10 on each of the 4 days: 41, as in batch;
    # no closed day's fee is reversed when the first day is compacted away.
    assert sum(s.total() for s in statements) == 41
    assert not any(line.role == "reversal" for s in statements for line in s.lines)
    four_days = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
    assert rk.rate(records, daily, span=four_days, meters=[VM_HOURS]).total() == 41


def test_rater_refuses_bad_options_with_messages() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [])
    start = "2026-03-01T00:00:00Z"
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater(plan, [], start=start, horizon=3600)  # type: ignore[arg-type]
    assert str(caught.value) == "Rater horizon must be a timedelta of zero or more, not 3600."
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater(plan, [], start=start, late="drop")  # type: ignore[arg-type]
    assert str(caught.value) == "Rater late must be 'correct' or 'report', not 'drop'."
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater([], [], start=start)
    assert str(caught.value) == (
        "Rater needs a Plan or at least one Assignment; it has no plan to rate with."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater(42, [], start=start)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Rater plans must be a Plan or an iterable of Assignment values, not int: 42."
    )
    plan = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [])
    # A plan in a list: named as such, with the two ways that are accepted.
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater([plan], [], start=start)  # type: ignore[list-item]
    assert str(caught.value) == (
        "Rater plans must be one Plan, or an iterable of Assignment values; plans[0] is a "
        "Plan ('p'): give the plan of every account as itself, not in a list, or assign "
        "plans to accounts with rk.Assignment(account, plan)."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater.restore(rk.Rater(plan, [], start=start).snapshot(), [plan], [])  # type: ignore[list-item]
    assert str(caught.value).startswith("Rater plans must be one Plan, or an iterable of")
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.rate([], [rk.Assignment("a", plan), 7], span=rk.Span(start, "2026-03-02T00:00:00Z"))  # type: ignore[list-item]
    assert str(caught.value) == (
        "rate plans must be one Plan, or an iterable of Assignment values "
        "(rk.Assignment(account, plan)); plans[1] is int: 7."
    )


def test_a_late_record_without_id_survives_a_snapshot_and_is_listed_once() -> None:
    calls = rk.Meter("calls", "call", rk.Discrete())
    daily = rk.Plan(
        "d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("c", "calls", rk.PerUnit(1))]
    )
    rater = rk.Rater(daily, [calls], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-02T00:00:00Z")  # closes 1 March, kept
    late = rk.Sample("acme", "fn", "calls", "2026-03-01T10:00:00Z", 3)
    assert rater.feed([late]).counts["late"] == 1
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), daily, [calls])
    assert rater.feed([late]).counts["duplicates"] == 1
    statement = rater.statement("2026-03-02T01:00:00Z")
    # 3 calls * 1 for the closed 1 March, on the next open invoice: a late charge.
    assert lines_of(statement) == [("charge", "usage", "fn", 3, 3, True)]


# -- hostile input: refused at the door, never poisoning the rater ------------------------


def test_a_sample_of_an_unknown_meter_is_refused_at_feed_and_the_batch_is_not_taken() -> None:
    rater, _ = simple_rater()  # vm-1 started 1 March 00:00, reported 24 h = 2.40
    good = rk.Event("acme", "vm-2", "2026-03-02T00:00:00Z", kind="start", id="e9")
    bad = rk.Sample("acme", "vm-2", "nope", "2026-03-02T00:00:00Z", 5, id="s1")
    with pytest.raises(rk.UnknownMeterError) as caught:
        rater.feed([good, bad])
    assert str(caught.value) == (
        "Rater.feed: records[1]: sample 's1' meter 'nope' is not one of the meters given: 'vm.hours'; "
        "declare a Meter with that name."
    )
    counter = rk.Sample("acme", "vm-2", "vm.hours", "2026-03-02T00:00:00Z", 5, kind="counter")
    with pytest.raises(rk.BadRecordError, match=r"kind 'counter' does not fit meter 'vm\.hours'"):
        rater.feed([counter])
    # Nothing of either batch was taken, and the next statements still work: vm-1 runs
    # 24 h more, 24 * 0.10 = 2.40; e9 is new when fed again.
    assert lines_of(rater.statement("2026-03-03T00:00:00Z")) == [
        ("increment", "usage", "vm-1", 24, Decimal("2.40"), False)
    ]
    assert rater.feed([good]).accepted == ("e9",)


def test_feed_and_rater_refuse_what_is_not_a_list_with_a_ratekit_error() -> None:
    rater, plan = simple_rater()
    with pytest.raises(rk.RatekitTypeError) as caught:
        rater.feed(None)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Rater.feed takes an iterable of Event, Sample and Inventory records, not NoneType: None."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater(plan, None, start="2026-03-01T00:00:00Z")  # type: ignore[arg-type]
    assert str(caught.value) == "Rater meters must be a list of Meter values, not NoneType: None."
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater.restore(rater.snapshot(), plan, VM_HOURS)  # type: ignore[arg-type]
    assert str(caught.value).startswith("Rater meters must be a list of Meter values, not Meter")


def _resealed(data: dict[str, object]) -> dict[str, object]:
    from ratekit import _snapshot

    data = {key: value for key, value in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "base_us",
            1_772_323_200_000_001,  # 1 March 00:00:00.000001 UTC
            (
                "Rater snapshot is inconsistent: base_us 1772323200000001 "
                "(2026-03-01T00:00:00.000001Z) is not the start of a cycle; it was altered by "
                "hand or damaged: restore an unaltered copy."
            ),
        ),
        (
            "closed_us",
            1_772_323_199_999_990,  # before base_us
            (
                "Rater snapshot is inconsistent: closed_us 1772323199999990 "
                "(2026-02-28T23:59:59.999990Z) is not a cycle boundary at or after base_us "
                "1772323200000000; it was altered by hand or damaged: restore an unaltered copy."
            ),
        ),
        (
            "as_of_us",
            1.5e15,
            (
                "Rater snapshot as_of_us must be an integer number of microseconds, not float: "
                "1500000000000000.0; restore an unaltered copy."
            ),
        ),
        (
            "base_us",
            True,
            (
                "Rater snapshot base_us must be an integer number of microseconds, not bool: "
                "True; restore an unaltered copy."
            ),
        ),
        (
            "start_us",
            1_772_409_600_000_000,  # 2 March 00:00 UTC, after base_us
            (
                "Rater snapshot is inconsistent: start_us 1772409600000000 "
                "(2026-03-02T00:00:00Z) is not the start of a cycle at or before base_us "
                "1772323200000000; it was altered by hand or damaged: restore an unaltered copy."
            ),
        ),
        (
            "start_us",
            1_772_236_800_000_001,  # 28 February 00:00:00.000001 UTC
            (
                "Rater snapshot is inconsistent: start_us 1772236800000001 "
                "(2026-02-28T00:00:00.000001Z) is not the start of a cycle at or before base_us "
                "1772323200000000; it was altered by hand or damaged: restore an unaltered copy."
            ),
        ),
        (
            "start_us",
            "2026-02-28",
            (
                "Rater snapshot start_us must be an integer number of microseconds, not str: "
                "'2026-02-28'; restore an unaltered copy."
            ),
        ),
        (
            "late",
            "drop",
            (
                "Rater snapshot has late 'drop' and horizon_us 0; a rater has late 'correct' or "
                "'report' and a horizon of zero or more: restore an unaltered copy."
            ),
        ),
        (
            "horizon_us",
            -5,
            (
                "Rater snapshot has late 'correct' and horizon_us -5; a rater has late 'correct' "
                "or 'report' and a horizon of zero or more: restore an unaltered copy."
            ),
        ),
    ],
)
def test_restore_refuses_a_resealed_body_whose_parts_do_not_fit(
    field: str, value: object, message: str
) -> None:
    # The checksum recomputed after the edit: only the body's own checks can tell.
    rater, plan = simple_rater()
    data = json.loads(json.dumps(rater.snapshot()))
    data["body"][field] = value
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), plan, [VM_HOURS])
    assert str(caught.value) == message


def test_restore_refuses_resealed_records_and_totals_that_do_not_fit() -> None:
    rater, plan = simple_rater()
    data = version_3(rater.snapshot())  # its columns as lists, to edit one value
    cases: list[tuple[dict[str, object], str]] = []
    old_record = json.loads(json.dumps(data))
    old_record["body"]["by_resource"]["groups"][0][2][0] = 0  # 1970, before base_us
    cases.append(
        (
            old_record,
            (
                "a kept record is stamped before base_us (only an event ordered by its seq "
                "after a kept event of the kept cycles may be)"
            ),
        )
    )
    both = json.loads(json.dumps(data))
    both["body"]["forgotten"] = [["Event", "e1"]]  # e1 is kept
    cases.append((both, "a record is both kept and forgotten"))
    for altered, problem in cases:
        with pytest.raises(rk.BadSnapshotError) as caught:
            rk.Rater.restore(_resealed(altered), plan, [VM_HOURS])
        assert str(caught.value) == (
            f"Rater snapshot is inconsistent: {problem}; it was altered by hand or damaged: "
            "restore an unaltered copy."
        )
    status = json.loads(json.dumps(data))
    status["body"]["state"] = [
        {"account": "a", "resource": "r", "status": "paused", "description": {}}
    ]
    # a resource state is read through its own door, which names the field and the values
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(status), plan, [VM_HOURS])
    assert str(caught.value) == (
        "Rater snapshot body is malformed (at body.state[0]: ResourceState status must be "
        "'unknown', "
        "'running', 'stopped' or 'deleted', not str: 'paused'.); restore an unaltered copy."
    )
    for total in ("NaN", "1E+999999999", "1" * 1001):
        altered = json.loads(json.dumps(data))
        altered["body"]["reported"]["lines"][0][-1] = total
        with pytest.raises(rk.BadSnapshotError) as caught:
            rk.Rater.restore(_resealed(altered), plan, [VM_HOURS])
        shown = total if len(total) <= 40 else total[:40] + "..."
        assert str(caught.value) == (
            f"Rater snapshot reported total {shown!r} is not a plain decimal string (ASCII "
            "digits, no spaces) of at most 1000 characters with, unless zero, a magnitude from "
            "1E-400 up to but excluding 1E+120 (what sums of amounts reach); restore an "
            "unaltered copy."
        )
    key = json.loads(json.dumps(data))
    key["body"]["reported"]["names"][0] = 5  # an account that is not a name
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(key), plan, [VM_HOURS])
    assert str(caught.value) == (
        "Rater snapshot reported line [5, 1772323200000000, 1775001600000000, 'usage', 'p', "
        "'vm.hours', 'vm', 'vm-1', 'hour', 'EUR'] is not a line's key (account, cycle start "
        "and end in integer microseconds, kind, plan, meter, entry, resource, unit, "
        "currency); restore an unaltered copy."
    )


# -- quantities that reach back before the kept cycles ----------------------------------------

CALLS = rk.Meter("calls", "call", rk.Discrete())
EGRESS = rk.Meter("egress", "B", rk.Counter())
DAILY_UNITS = rk.Plan(
    "d",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("c", "calls", rk.PerUnit(1)), rk.PriceEntry("e", "egress", rk.PerUnit(1))],
)


def test_a_delta_whose_span_reaches_into_a_compacted_cycle_says_what_is_lost() -> None:
    rater = rk.Rater(DAILY_UNITS, [CALLS, EGRESS], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-03T00:00:00Z")  # closes 1 and 2 March; 1 March is compacted
    calls = rk.Sample(
        "a", "fn", "calls", "2026-03-02T12:00:00Z", 10, since="2026-03-01T12:00:00Z", id="s1"
    )
    feed = rater.feed([calls])
    # Late for 2 March (kept), too late for 1 March (compacted): in both lists.
    assert repr(feed) == "Feed(late=1, too_late=1, anomalies=1)"
    assert (feed.late, feed.too_late) == (("s1",), ("s1",))
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.record_ids) == ("too_late", ("s1",))
    assert anomaly.message == (
        "sample 's1' (calls, 10 at 2026-03-02T12:00:00Z) reaches back before every cycle the "
        "rater keeps: its span starts at 2026-03-01T12:00:00Z, and its part before "
        "2026-03-02T00:00:00Z, 5 call, belonged to cycles already compacted (or before the "
        "rater's start): not applied (the rest is)."
    )
    # 10 calls over 24 h, 12 h of them on 2 March: 10 * 12/24 = 5 calls * 1 = 5, late;
    # the other 5 belonged to 1 March, compacted: the anomaly above names them.
    assert lines_of(rater.statement("2026-03-03T01:00:00Z")) == [
        ("charge", "usage", "fn", 5, 5, True)
    ]


def test_a_counter_reading_whose_previous_reading_was_compacted_says_what_is_lost() -> None:
    def reading(at: str, value: int, name: str) -> rk.Sample:
        return rk.Sample("a", "ip", "egress", at, value, kind="counter", id=name)

    rater = rk.Rater(DAILY_UNITS, [CALLS, EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed([reading("2026-03-01T12:00:00Z", 0, "c0")])
    rater.statement("2026-03-02T00:00:00Z")
    rater.statement("2026-03-03T00:00:00Z")  # 1 March compacted: c0 is the baseline
    # On time for 3 March, but its delta reaches back to c0: 1000 B over 48 h, 12 h of
    # them on 1 March (250 B, compacted: lost), 24 h on 2 March (500 B, late) and 12 h on
    # 3 March (250 B).
    feed = rater.feed([reading("2026-03-03T12:00:00Z", 1000, "c1")])
    (anomaly,) = feed.anomalies
    assert anomaly.message == (
        "sample 'c1' (egress, 1000 at 2026-03-03T12:00:00Z) reaches back before every cycle "
        "the rater keeps: it counts from the previous reading 'c0' at 2026-03-01T12:00:00Z, "
        "and its part before 2026-03-02T00:00:00Z, 250 B, belonged to cycles already "
        "compacted (or before the rater's start): not applied (the rest is)."
    )
    assert (feed.accepted, feed.too_late) == (("c1",), ("c1",))
    assert lines_of(rater.statement("2026-03-04T00:00:00Z")) == [
        ("charge", "usage", "ip", 500, 500, True),
        ("charge", "usage", "ip", 250, 250, False),
    ]
    # A reading whose previous reading is kept reaches back to nothing: no anomaly, also
    # after a snapshot and restore (the counters' index is rebuilt from the state).
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), DAILY_UNITS, [CALLS, EGRESS])
    assert rater.feed([reading("2026-03-04T12:00:00Z", 1500, "c2")]).anomalies == ()


def test_nested_descriptions_survive_a_snapshot_as_they_were_fed() -> None:
    image = rk.Meter("image", "B*hour", rk.Continuous("properties.size", unit="B"))
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("i", "image", rk.PerUnit(1))])
    fed = [
        rk.Event(
            "acme",
            "img-1",
            "2026-03-01T00:00:00Z",
            {"properties": {"size": Decimal("1.5"), "tags": ["a", {"decimal": "7"}]}},
            kind="start",
            id="e1",
        ),
        rk.Event(
            "acme", "img-2", "2026-03-01T00:00:00Z", {"properties": {"size": 10}}, kind="start"
        ),
    ]
    rater = rk.Rater(plan, [image], start="2026-03-01T00:00:00Z")
    rater.feed(fed)
    rater.statement("2026-03-02T00:00:00Z")
    again = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [image])
    # The same records, not a look-alike: fed again, both are duplicates, not conflicting
    # (a user mapping {"decimal": "7"} stays a mapping, a nested Decimal stays a Decimal).
    assert again.feed(fed).counts["duplicates"] == 2
    # 24 h more: img-1 1.5 B * 24 h = 36 B*h, img-2 10 B * 24 h = 240 B*h, at 1 each.
    assert lines_of(again.statement("2026-03-03T00:00:00Z")) == [
        ("increment", "usage", "img-1", 36, 36, False),
        ("increment", "usage", "img-2", 240, 240, False),
    ]


def test_a_compacted_id_replayed_with_other_content_is_conflicting_not_a_duplicate() -> None:
    calls = rk.Sample("a", "fn", "calls", "2026-03-01T10:00:00Z", 3, id="s1")
    rater = rk.Rater(DAILY_UNITS, [CALLS, EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed([calls])
    rater.statement("2026-03-03T00:00:00Z")  # 1 March closed and compacted: s1 forgotten
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), DAILY_UNITS, [CALLS, EGRESS])
    edited = rk.Sample("a", "fn", "calls", "2026-03-01T10:00:00Z", 30, id="s1")
    feed = rater.feed([calls, edited])
    assert (feed.duplicates, feed.conflicting) == (("s1",), ("s1",))
    # Neither changes anything: 3 calls * 1 = 3 stay on 1 March's invoice, nothing new.
    assert rater.statement("2026-03-03T01:00:00Z").lines == ()


def test_a_snapshot_restores_with_the_same_meters_in_another_order() -> None:
    rater = rk.Rater(DAILY_UNITS, [CALLS, EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "fn", "calls", "2026-03-01T10:00:00Z", 3, id="s1")])
    data = json.loads(json.dumps(rater.snapshot()))
    again = rk.Rater.restore(data, DAILY_UNITS, [EGRESS, CALLS])
    # 3 calls * 1 = 3 on 1 March, as the original rater would say.
    assert lines_of(again.statement("2026-03-02T00:00:00Z")) == [
        ("charge", "usage", "fn", 3, 3, False)
    ]
    with pytest.raises(rk.BadSnapshotError, match="taken under other plans or meters"):
        rk.Rater.restore(data, DAILY_UNITS, [EGRESS])
    # A snapshot written with the first fingerprint (which followed the meters' order)
    # still restores under the same meters in the same order.
    from ratekit import _snapshot

    data["fingerprint"] = _snapshot.fingerprint(DAILY_UNITS, [EGRESS, CALLS], ordered=True)
    assert data["fingerprint"] != rater.snapshot()["fingerprint"]
    rk.Rater.restore(_resealed(data), DAILY_UNITS, [EGRESS, CALLS])


def test_a_zero_delta_into_a_closed_cycle_is_late_and_has_no_effect() -> None:
    # A delta stamped at 2 March 00:00 over [1 March 18:00, 2 March 00:00) reaches the
    # 1 March cycle, closed (and invoiced: 4 B * 0.5 = 2.0) before it came: it is late.
    # Its quantity is 0, so no line changes (1 March stays 2.0); when 2 March closes, it
    # is named in no_effect. Before, the feed called it accepted and, since the re-rated
    # charge of 1 March named it, it appeared in no line, invoice, anomaly or no_effect.
    egress = rk.Meter("egress", "B", rk.Discrete())
    plan = rk.Plan(
        "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("e", "egress", rk.PerUnit("0.5"))]
    )
    rater = rk.Rater(plan, [egress], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "ip", "egress", "2026-03-01T12:00:00Z", 4, id="s1")])
    first = rater.statement("2026-03-02T01:00:00Z")
    assert [(line.role, line.amount) for line in first.lines] == [("charge", Decimal("2.0"))]
    zero = rk.Sample(
        "a", "ip", "egress", "2026-03-02T00:00:00Z", 0, since="2026-03-01T18:00:00Z", id="z"
    )
    feed = rater.feed([zero])
    assert feed.late == ("z",)
    assert feed.accepted == ()
    middle = rater.statement("2026-03-02T12:00:00Z")
    assert middle.lines == ()
    assert middle.no_effect == ()
    last = rater.statement("2026-03-03T01:00:00Z")
    assert last.lines == ()
    assert last.no_effect == ("z",)
    # And a snapshot taken between the two keeps what it needs.
    again = rk.Rater(plan, [egress], start="2026-03-01T00:00:00Z")
    again.feed([rk.Sample("a", "ip", "egress", "2026-03-01T12:00:00Z", 4, id="s1")])
    again.statement("2026-03-02T01:00:00Z")
    again.feed([zero])
    again.statement("2026-03-02T12:00:00Z")
    restored = rk.Rater.restore(json.loads(json.dumps(again.snapshot())), plan, [egress])
    assert restored.statement("2026-03-03T01:00:00Z").no_effect == ("z",)


def test_a_later_event_without_seq_does_not_reorder_earlier_ones_in_the_rater() -> None:
    # An update seq 0 at 03-11 10:45, a start seq 1 at 03-10 15:51 (out of order: it takes
    # 03-11 10:45) and a start without seq at 03-14 16:39 (after both: a duplicate start).
    # Statements at 03-13 19:00 and 03-22: 03-11 10:45 to 03-13 19:00 = 56.25 h, then to
    # 03-22 = 8 d 5 h = 197 h, 253.25 h in all at 1 EUR/h, as metering the three at once.
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    records = [
        rk.Event("a", "r2", "2026-03-11T10:45:00Z", kind="update", id="e12", seq=0),
        rk.Event("a", "r2", "2026-03-10T15:51:00Z", kind="start", id="e2", seq=1),
        rk.Event("a", "r2", "2026-03-14T16:39:00Z", kind="start", id="e0"),
    ]
    rater = rk.Rater(plan, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    first = rater.statement("2026-03-13T19:00:00Z")
    second = rater.statement("2026-03-22T00:00:00Z")
    quantities = [
        line.quantity for s in (first, second) for line in s.lines if line.kind == "usage"
    ]
    assert quantities == [Decimal("56.25"), Decimal(197)]
    assert first.total() + second.total() == Decimal("253.25")
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-22T00:00:00Z")
    at_once = rk.meter(records, [VM_HOURS], span=span, cycle=MONTHLY, as_of=span.end)
    assert at_once.total() == Decimal("253.25")


def test_a_copy_between_statements_of_a_graduated_group_is_not_moved_by_the_original() -> None:
    # A graduated price keeps each group's track of priced pieces from one statement to
    # the next, and prices a new resource's usage on from where the group stands. Copied
    # after the first statement (1 GB of r on 2 March), the original is then fed 9 and 2
    # GB of r2, the copy 2 and 2 GB of r3: each must say what a rater restored from the
    # snapshot at the copy says for its own records. Tiers: 0.10 EUR a GB up to 5, 0.05
    # after; 1 March's 4 GB = 0.40, 2 March from 0 again (daily cycles).
    gb = rk.Meter("gb", "GB", rk.Discrete())
    tiers = rk.Graduated([rk.Tier(5, "0.10"), rk.Tier(None, "0.05")])
    plan = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("g", "gb", tiers)])

    def gbs(at: str, value: int, record_id: str, resource: str = "r") -> list[rk.Sample]:
        return [rk.Sample("a", resource, "gb", at, value, id=record_id)]

    rater = rk.Rater(plan, [gb], start="2026-03-01T00:00:00Z")
    rater.feed(gbs("2026-03-01T10:00:00Z", 4, "g1") + gbs("2026-03-02T01:00:00Z", 1, "g2"))
    assert rater.statement("2026-03-02T02:00:00Z").total() == Decimal("0.50")  # 0.40 + 0.10
    other = rater.copy()
    twin = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [gb])
    said: dict[str, list[Decimal]] = {"rater": [], "other": [], "twin": []}
    steps = [
        ("2026-03-02T06:00:00Z", 9, 2, "2026-03-02T08:00:00Z"),
        ("2026-03-02T12:00:00Z", 2, 2, "2026-03-02T14:00:00Z"),
    ]
    for step, (at, mine, theirs, watermark) in enumerate(steps):
        rater.feed(gbs(at, mine, f"o{step}", "r2"))
        other.feed(gbs(at, theirs, f"c{step}", "r3"))
        twin.feed(gbs(at, theirs, f"c{step}", "r3"))
        for name, which in (("rater", rater), ("other", other), ("twin", twin)):
            said[name].append(which.statement(watermark).total())
        assert said["other"] == said["twin"]
    # The original: 1 + 9 = 10 GB on 2 March, 0.75 (0.65 more), then 12 GB, 0.10 more;
    # the copy: 1 + 2 = 3 GB, 0.30 (0.20 more), then 5 GB, 0.20 more.
    assert said["rater"] == [Decimal("0.65"), Decimal("0.10")]
    assert said["other"] == [Decimal("0.20"), Decimal("0.20")]
