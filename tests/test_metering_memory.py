"""What a carried state remembers: replays (with or without id) and conflicts across calls."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._decimals import CONTEXT
from ratekit._instants import format_us
from ratekit._versions import standing

MONTHLY = rk.cycles.monthly(tz="UTC")
DAILY = rk.cycles.daily(tz="UTC")
D1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z")
D2 = rk.Span("2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z")
EGRESS = rk.Meter("eg", "B", rk.Discrete())
RUNTIME = rk.Meter("vm", "hour", rk.OnOff())
MINUTE = 60_000_000
Record = rk.Event | rk.Sample | rk.Inventory
HOUR = 60 * MINUTE


def through_json(usage: rk.Usage) -> list[rk.ResourceState]:
    return [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in usage.state]


def two_calls(
    first: list[rk.Event | rk.Sample],
    second: list[rk.Event | rk.Sample],
    *,
    via_json: bool,
    meters: Sequence[rk.Meter] = (EGRESS,),
    conflicts: str = "raise",
) -> tuple[rk.Usage, rk.Usage]:
    u1 = rk.meter(first, meters, span=D1, cycle=MONTHLY, as_of=D1.end)
    state = through_json(u1) if via_json else list(u1.state)
    u2 = rk.meter(
        second,
        meters,
        span=D2,
        cycle=MONTHLY,
        as_of=D2.end,
        state=state,
        conflicts=conflicts,  # type: ignore[arg-type]
    )
    return u1, u2


# -- replays without id ---------------------------------------------------------------------

NO_ID = rk.Sample("a", "r", "eg", "2026-03-05T00:00:00Z", 100)


@pytest.mark.parametrize("via_json", [False, True])
def test_a_replay_without_id_in_a_later_call_is_a_duplicate(via_json: bool) -> None:
    u1, u2 = two_calls([NO_ID], [NO_ID], via_json=via_json)
    # 100 B once: the replay adds nothing, neither as a row nor as a late row
    # (before: a late row of +100, 200 B in all).
    assert u1.total() == Decimal(100)
    assert (u2.total(), u2.late) == (Decimal(0), ())
    assert [(a.kind, a.record_ids) for a in u2.anomalies] == [("duplicate", ())]
    assert str(u2.anomalies[0]).endswith("was applied by an earlier call: the replay is ignored.")
    # As metering both at once: 100 B and a duplicate.
    at_once = rk.meter(
        [NO_ID, NO_ID], [EGRESS], span=rk.Span(D1.start, D2.end), cycle=MONTHLY, as_of=D2.end
    )
    assert (at_once.total(), [a.kind for a in at_once.anomalies]) == (Decimal(100), ["duplicate"])


def test_an_equal_amount_at_another_instant_is_not_a_replay() -> None:
    other = rk.Sample("a", "r", "eg", "2026-03-05T00:00:01Z", 100)
    _, u2 = two_calls([NO_ID], [other], via_json=True)
    # Another record (another instant): late, +100 B before the clock.
    assert [r.quantity for r in u2.late] == [Decimal(100)]
    assert [a.kind for a in u2.anomalies] == ["late"]


@pytest.mark.parametrize("via_json", [False, True])
def test_events_without_id_replayed_in_a_later_call_are_duplicates(via_json: bool) -> None:
    start = rk.Event("a", "v", "2026-03-05T00:00:00Z", kind="start")
    stop = rk.Event("a", "v", "2026-03-06T00:00:00Z", kind="stop")
    u1, u2 = two_calls([start, stop], [start, stop], via_json=via_json, meters=(RUNTIME,))
    assert u1.total() == Decimal(24)  # 5 Mar 00:00 .. 6 Mar 00:00: 24 h
    assert (u2.total(), u2.late) == (Decimal(0), ())
    # Two duplicates, as at once (before: duplicate_start, tie, duplicate_stop, tie, late).
    assert [a.kind for a in u2.anomalies] == ["duplicate", "duplicate"]


def test_the_state_remembers_the_last_records_applied_with_or_without_id() -> None:
    samples = [
        rk.Sample(
            "a", "r", "eg", format_us(D1.start_us + i * MINUTE), 1, id=f"d{i}" if i % 2 else None
        )
        for i in range(1100)
    ]
    (state,) = rk.meter(samples, [EGRESS], span=D1, cycle=MONTHLY, as_of=D1.end).state
    assert len(state.digests) == 1024
    assert state.digests[-1][0] == "d1099"
    assert state.digests[-2][0] is None
    assert all(len(d) == 16 for _, d in state.digests)
    assert rk.ResourceState.from_json(json.loads(json.dumps(state.to_json()))).digests == (
        state.digests
    )


def test_a_replay_without_id_beyond_the_memory_is_late_a_known_limit() -> None:
    # 1,025 deltas of 1 B without id: the oldest is forgotten, so its replay cannot be
    # told from a late record: it is metered again, +1 B, with a "late" anomaly.
    samples = [
        rk.Sample("a", "r", "eg", format_us(D1.start_us + i * MINUTE), 1) for i in range(1025)
    ]
    u1, u2 = two_calls(samples, [samples[0], samples[1]], via_json=True)
    assert u1.total() == Decimal(1025)
    assert [r.quantity for r in u2.late] == [Decimal(1)]  # samples[0]; samples[1] remembered
    assert sorted(a.kind for a in u2.anomalies) == ["duplicate", "late"]
    late = next(a for a in u2.anomalies if a.kind == "late")
    # Said plainly in the anomaly: the state's memory is full, the record may be a replay.
    assert str(late).endswith(
        "The carried state remembers only the last 1024 records of the resource: if a late "
        "record replays an older one, it is counted twice (deduplicate such replays before "
        "metering)."
    )
    # A state that forgot nothing says nothing of it.
    _, fresh = two_calls(
        samples[:3], [rk.Sample("a", "r", "eg", "2026-03-05T00:00:00Z", 7)], via_json=True
    )
    assert "remembers only" not in str(next(a for a in fresh.anomalies if a.kind == "late"))


# -- the same id with other content ---------------------------------------------------------

S1 = rk.Sample("a", "r", "eg", "2026-03-05T00:00:00Z", 100, id="s1")
CHANGED = [
    rk.Sample("a", "r", "eg", "2026-03-05T00:00:00Z", 999, id="s1"),  # other value
    rk.Sample("a", "r", "eg", "2026-03-12T00:00:00Z", 999, id="s1"),  # other instant
    rk.Sample("a", "r", "eg", "2026-03-05T00:00:00Z", 100, id="s1", since="2026-03-04T00:00:00Z"),
]


@pytest.mark.parametrize("via_json", [False, True])
@pytest.mark.parametrize("changed", CHANGED)
def test_a_remembered_id_with_other_content_raises(via_json: bool, changed: rk.Sample) -> None:
    with pytest.raises(rk.ConflictingRecordError) as caught:
        two_calls([S1], [changed], via_json=via_json)
    message = str(caught.value)
    assert message.startswith("sample 's1' was applied by an earlier call with other content: ")
    assert repr(changed) in message
    assert message.endswith(
        "replaying a record must repeat it exactly, so give a corrected record a new id (or "
        "meter with conflicts='anomaly' to keep the first)."
    )
    if via_json:  # the record is known by its content's digest
        digest = dict(
            through_json(rk.meter([S1], [EGRESS], span=D1, cycle=MONTHLY, as_of=D1.end))[0].digests
        )["s1"]
        assert f"a record of content digest {digest} was applied" in message
    else:
        assert f"{S1!r} was applied" in message


@pytest.mark.parametrize("via_json", [False, True])
def test_a_conflict_as_an_anomaly_keeps_the_record_applied_first(via_json: bool) -> None:
    changed = CHANGED[1]
    u1, u2 = two_calls([S1], [changed, S1], via_json=via_json, conflicts="anomaly")
    # 100 B in the first call; the 999 B of 12 Mar is ignored (not a row of 999), and the
    # true replay is a duplicate: 100 B in all, as metering [S1, changed, S1] at once.
    assert (u1.total(), u2.total(), u2.late) == (Decimal(100), Decimal(0), ())
    assert sorted((a.kind, a.record_ids) for a in u2.anomalies) == [
        ("conflict", ("s1",)),
        ("duplicate", ("s1",)),
    ]
    conflict = next(a for a in u2.anomalies if a.kind == "conflict")
    assert "is kept" in str(conflict)
    assert repr(changed) in str(conflict)
    at_once = rk.meter(
        [S1, changed, S1],
        [EGRESS],
        span=rk.Span(D1.start, D2.end),
        cycle=MONTHLY,
        as_of=D2.end,
        conflicts="anomaly",
    )
    assert at_once.total() == Decimal(100)
    assert sorted(a.kind for a in at_once.anomalies) == ["conflict", "duplicate"]


def test_a_state_written_without_digests_still_knows_its_ids() -> None:
    # A state from before records were remembered: the id alone, content unchecked.
    data = rk.meter([S1], [EGRESS], span=D1, cycle=MONTHLY, as_of=D1.end).state[0].to_json()
    del data["digests"]
    state = rk.ResourceState.from_json(data)
    u2 = rk.meter([CHANGED[0]], [EGRESS], span=D2, cycle=MONTHLY, as_of=D2.end, state=[state])
    assert [a.kind for a in u2.anomalies] == ["duplicate"]


@pytest.mark.parametrize(
    ("digests", "shown"),
    [
        ("ab", "str: 'ab'"),
        ([["s1", "xyz"]], "list: ['s1', 'xyz']"),
        ([["", "0123456789abcdef"]], "list: ['', '0123456789abcdef']"),
        ([["s1"]], "list: ['s1']"),
    ],
)
def test_a_malformed_digests_field_is_refused_by_name(digests: object, shown: str) -> None:
    data = {"account": "a", "resource": "r", "status": "unknown", "description": {}}
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.ResourceState.from_json({**data, "digests": digests})
    what = (
        "digests must be a list of [record id or None, digest] pairs"
        if isinstance(digests, str)
        else "digests item must be a [record id or None, 16 lowercase hex digits] pair"
    )
    assert str(caught.value) == f"ResourceState {what}, not {shown}."


# -- the law: split anywhere, replays and conflicts, against metering at once ---------------

START = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z").start_us
LENGTH = 48 * 60  # two days, in minutes
METERS = (EGRESS, RUNTIME, rk.Meter("ctr", "call", rk.Counter()))


def ident(draw: st.DrawFn, resource: str, name: str) -> str | None:
    """No id, the resource's own, or one shared by both resources (``x-...``)."""
    return draw(st.sampled_from([None, f"{resource}-{name}", f"x-{name}"]))


@st.composite
def streams(draw: st.DrawFn) -> list[Record]:
    records: list[Record] = []
    for resource in ("r1", "r2"):
        minutes = sorted(draw(st.sets(st.integers(0, LENGTH - 1), max_size=4)))
        for n, minute in enumerate(minutes):
            records.append(
                rk.Event(
                    "a",
                    resource,
                    format_us(START + minute * MINUTE),
                    kind=draw(st.sampled_from(["start", "start", "stop"])),
                    id=ident(draw, resource, f"e{n}"),
                )
            )
        for n, (minute, value) in enumerate(
            draw(st.lists(st.tuples(st.integers(0, LENGTH - 1), st.integers(1, 50)), max_size=4))
        ):
            records.append(
                rk.Sample(
                    "a",
                    resource,
                    "eg",
                    format_us(START + minute * MINUTE),
                    value,
                    id=ident(draw, resource, f"d{n}"),
                )
            )
        # Counter readings, counting up (now and then from a reset), some arriving late.
        level = 0
        times = sorted(draw(st.sets(st.integers(0, LENGTH - 1), max_size=4)))
        for n, minute in enumerate(times):
            step = draw(st.integers(0, 60))
            level = step if draw(st.integers(0, 9)) == 0 else level + step
            records.append(
                rk.Sample(
                    "a",
                    resource,
                    "ctr",
                    format_us(START + minute * MINUTE),
                    level,
                    kind="counter",
                    id=ident(draw, resource, f"c{n}"),
                )
            )
    # Inventory snapshots (with or without id) of some resources, closing the others.
    for n, minute in enumerate(sorted(draw(st.sets(st.integers(1, LENGTH - 1), max_size=2)))):
        records.append(
            inventory(draw, START + minute * MINUTE, draw(st.sampled_from([None, f"i{n}"])))
        )
    return records


def inventory(draw: st.DrawFn, at_us: int, record_id: str | None) -> rk.Inventory:
    """A snapshot of some resources, unscoped or scoped (by account, by description)."""
    listed = draw(st.sets(st.sampled_from(["clock", "r1", "r2"])))
    return rk.Inventory(
        format_us(at_us),
        {("a", resource): draw(st.sampled_from([{}, {"size": 1}])) for resource in sorted(listed)},
        accounts=draw(st.sampled_from([None, ["a"]])),
        where=draw(st.sampled_from([None, {"size": 1}])),
        id=record_id,
    )


def orderable(batches: list[list[Record]], moved: list[tuple[rk.Inventory, int]]) -> bool:
    """Whether each inventory delivered late can be ordered by the states it meets.

    A call with an inventory settles the histories: a later call orders a late inventory
    among the events applied since, not before what that call had applied (docs/usage.md,
    "A late inventory is a late record", **Limit**: one stamped earlier takes effect at
    that clock). So every event and inventory of the calls up to the last one applying an
    inventory before the late inventory's own call is stamped at or before it.

    Only the inventories a call applies count, by the rules a call applies them by (see
    `applied()`): a replay of one an earlier call received is a duplicate, and a version
    of an id that does not stand is a conflict; neither settles anything, nor is a late
    inventory that is not applied ordered anywhere.
    """
    inventories = applied(batches)
    for late, target in moved:
        if late not in inventories[target]:
            continue
        settling = [k for k in range(target) if inventories[k]]
        if settling and any(
            r.at_us > late.at_us
            for k in range(settling[-1] + 1)
            for r in (*(e for e in batches[k] if isinstance(e, rk.Event)), *inventories[k])
        ):
            return False
    return True


def applied(batches: list[list[Record]]) -> list[list[rk.Inventory]]:
    """The inventories each call applies.

    Not a replay of a record an earlier call received (a ``duplicate``, with or without
    an id); of the versions of one id, the one standing in the first call that gave it
    (``standing``, as in `as_the_calls_saw_them()`): a later call's other version is a
    ``conflict``, and so is a version given with the one that stands.
    """
    stood: dict[str, Record] = {}
    out: list[list[rk.Inventory]] = []
    for index, batch in enumerate(batches):
        before = [r for earlier in batches[:index] for r in earlier]
        here: dict[str, list[Record]] = {}
        for record in batch:
            if record.id is not None and record.id not in stood:
                here.setdefault(record.id, []).append(record)
        stood |= {identity: min(found, key=standing) for identity, found in here.items()}
        out.append(
            [
                r
                for r in batch
                if isinstance(r, rk.Inventory)
                and r not in before
                and (r.id is None or (r.id in here and r == stood[r.id]))
            ]
        )
    return out


def rewritten(record: Record, data: st.DataObject) -> Record:
    """The same record, its value perhaps written another way ('100', '100.0', '1E+2')."""
    if not isinstance(record, rk.Sample):
        return record
    form = data.draw(st.sampled_from(["same", "point", "exponent"]))
    if form == "same":
        return record
    value = Decimal(record.value)
    point = f"{value}0" if "." in str(value) else f"{value}.0"
    text = point if form == "point" else f"{value.scaleb(-2)}E+2"
    return rk.Sample(
        record.account,
        record.resource,
        record.meter,
        format_us(record.at_us),
        text,
        kind=record.kind,
        since=None if record.since_us is None else format_us(record.since_us),
        id=record.id,
        seq=record.seq,
    )


def kinds(anomalies: Sequence[rk.Anomaly]) -> Counter[tuple[str, tuple[str, ...]]]:
    return Counter((a.kind, a.record_ids) for a in anomalies if a.kind in ("duplicate", "conflict"))


def totals(rows: Sequence[rk.UsageRow]) -> dict[tuple[str, str, rk.Span], Decimal]:
    out: dict[tuple[str, str, rk.Span], Decimal] = defaultdict(Decimal)
    for row in rows:
        key = (row.meter, row.resource, row.cycle)
        out[key] = CONTEXT.add(out[key], row.quantity)
    return {key: value for key, value in out.items() if value}


@settings(max_examples=LAWS // 2, deadline=None)
@given(streams(), st.data())
def test_split_metering_with_replays_and_conflicts_equals_metering_at_once(
    records: list[Record], data: st.DataObject
) -> None:
    # Every call has a clock: a resource seen in the first batch.
    records = [rk.Sample("a", "clock", "eg", format_us(START), 1, id="clock"), *records]
    cuts = sorted(data.draw(st.sets(st.integers(1, 47), max_size=3)))
    edges = [START, *(START + hour * HOUR for hour in cuts), START + LENGTH * MINUTE]
    batches: list[list[Record]] = [[] for _ in range(len(edges) - 1)]
    for record in records:
        index = next(i for i in range(len(batches)) if record.at_us < edges[i + 1])
        if isinstance(record, rk.Sample) and record.kind == "counter":
            # A counter reading may arrive in a later call, before readings kept.
            index = data.draw(st.integers(index, len(batches) - 1))
        batches[index].append(record)
    # Late inventories: a snapshot delivered in a later call, stamped before its clock
    # (while the carried states can still order it; see orderable()).
    moved: list[tuple[rk.Inventory, int]] = []
    for index in range(len(batches) - 1):
        for record in [r for r in batches[index] if isinstance(r, rk.Inventory)]:
            if not data.draw(st.booleans()):
                continue
            target = data.draw(st.integers(index + 1, len(batches) - 1))
            batches[index].remove(record)
            batches[target].append(record)
            moved.append((record, target))
            if not orderable(batches, moved):
                moved.pop()
                batches[target].remove(record)
                batches[index].append(record)
    if len(batches) > 1 and data.draw(st.booleans()):
        # And one more, only ever received late.
        target = data.draw(st.integers(1, len(batches) - 1))
        minute = data.draw(st.integers(1, (edges[target] - START) // MINUTE - 1))
        late = inventory(
            data.draw, START + minute * MINUTE, data.draw(st.sampled_from([None, "il"]))
        )
        batches[target].append(late)
        moved.append((late, target))
        if not orderable(batches, moved):
            moved.pop()
            batches[target].pop()
    for index in range(len(batches)):
        earlier = [r for batch in batches[: index + 1] for r in batch]
        # Replays (with or without id) of records received so far, in this batch or later.
        replays = data.draw(st.lists(st.sampled_from(earlier), max_size=2))
        batches[index] += [rewritten(r, data) for r in replays]
        # Conflicts: a received id with another value or another instant (in this batch).
        named = [r for r in earlier if isinstance(r, rk.Sample) and r.id not in (None, "clock")]
        if named and data.draw(st.booleans()):
            original = data.draw(st.sampled_from(named))
            minute = data.draw(st.integers(0, (edges[index + 1] - START) // MINUTE - 1))
            batches[index].append(
                rk.Sample(
                    "a",
                    original.resource,
                    "eg",
                    format_us(START + minute * MINUTE),
                    original.value + 1,
                    id=original.id,
                )
            )
        resend_an_inventory(batches, moved, index, edges=edges, earlier=earlier, data=data)
    arrived, conflicts = as_the_calls_saw_them(batches)
    whole_span = rk.Span.from_us(edges[0], edges[-1])
    whole = rk.meter(
        arrived, METERS, span=whole_span, cycle=DAILY, as_of=whole_span.end, conflicts="anomaly"
    )
    rows: list[rk.UsageRow] = []
    anomalies: list[rk.Anomaly] = []
    state: list[rk.ResourceState] = []
    for index, batch in enumerate(batches):
        span = rk.Span.from_us(edges[index], edges[index + 1])
        usage = rk.meter(
            batch,
            METERS,
            span=span,
            cycle=DAILY,
            as_of=span.end,
            state=state,
            conflicts="anomaly",
        )
        rows += (*usage.rows, *usage.late)
        anomalies += usage.anomalies
        state = through_json(usage) if data.draw(st.booleans()) else list(usage.state)
    assert totals(rows) == totals(whole.rows)
    assert kinds(anomalies) == kinds(whole.anomalies) + conflicts


def test_a_version_that_stands_settles_its_call_before_an_inventory_received_later() -> None:
    # The law's smallest counterexample once (found with 10,000 examples): the version
    # re-sent under an id stood in its call, settling it, and was stamped after an
    # inventory received late by a later call. Metering in parts then differs from
    # metering at once by the documented limit (a late inventory stamped before what a
    # call with an inventory applied takes effect at that clock), so the law leaves such
    # a case out (orderable()).
    seen = rk.Sample("a", "vm-1", "eg", "2026-03-01T00:00:00Z", 1, id="s")
    empty = rk.Inventory("2026-03-01T00:01:00Z", [], id="il")
    listing = rk.Inventory("2026-03-01T01:01:00Z", [("a", "vm-1")], id="il")
    late = rk.Inventory("2026-03-01T00:01:00Z", [])  # delivered in the third call
    batches: list[list[Record]] = [[seen], [empty, listing], [late]]
    edges = [START + hours * HOUR for hours in (0, 1, 2, 48)]
    meters = (EGRESS, RUNTIME)
    # Of the two versions of "il", the listing stands (the smaller content digest,
    # 45c05550... < bf911b9c...), the other is a conflict.
    assert min([empty, listing], key=standing) is listing
    # At once: the inventory of 00:01 closes nothing (vm-1 is not running), the listing
    # opens vm-1 at 01:01: 01:01 to 3 Mar 00:00 = 46 h 59 min = 2819/60 h = 46.98333... h
    # (to 24 decimal places, as metering rounds a time meter's hours).
    whole = rk.meter(
        [r for batch in batches for r in batch],
        meters,
        span=rk.Span.from_us(edges[0], edges[-1]),
        cycle=None,
        as_of=format_us(edges[-1]),
        conflicts="anomaly",
    )
    assert [(r.meter, r.quantity) for r in whole.rows] == [
        ("eg", Decimal(1)),
        ("vm", Decimal("46.983333333333333333333333")),
    ]
    # In parts: the second call applies the listing, opening vm-1 at 01:01 (59 min =
    # 59/60 h to 02:00) and settling it: the state's base clock is 01:01. The third
    # call's inventory of 00:01 takes effect there and closes vm-1 at 01:01: a late row
    # of -59/60 h over 01:01..02:00, and nothing after: 0 h.
    quantities: list[tuple[str, Decimal]] = []
    late_rows: list[tuple[Decimal, rk.Span]] = []
    state: list[rk.ResourceState] = []
    for index, batch in enumerate(batches):
        span = rk.Span.from_us(edges[index], edges[index + 1])
        usage = rk.meter(
            batch, meters, span=span, cycle=None, as_of=span.end, state=state, conflicts="anomaly"
        )
        quantities += [(r.meter, r.quantity) for r in usage.rows]
        late_rows += [(r.quantity, r.span) for r in usage.late]
        state = through_json(usage)
    assert quantities == [("eg", Decimal(1)), ("vm", Decimal("0.983333333333333333333333"))]
    assert late_rows == [
        (Decimal("-0.983333333333333333333333"), rk.Span.from_us(edges[1] + MINUTE, edges[2]))
    ]
    # The law's oracle: the listing settles the second call after 00:01, so the late
    # inventory is not comparable. Without the listing, the empty version stands and
    # settles the second call at 00:01, not after the late inventory: comparable.
    assert applied(batches) == [[], [listing], [late]]
    assert not orderable(batches, [(late, 2)])
    assert orderable([[seen], [empty], [late]], [(late, 2)])


def resend_an_inventory(
    batches: list[list[Record]],
    moved: list[tuple[rk.Inventory, int]],
    index: int,
    *,
    edges: list[int],
    earlier: list[Record],
    data: st.DataObject,
) -> None:
    """Perhaps an inventory of ``earlier`` re-sent in call ``index``, with other content.

    Under its id, at another instant or with another list. Not before this call's span: given with the original, the
    rule may keep it (the smaller digest), and one stamped before the carried clock would
    be a late inventory there (before, the first listed was kept, never the copy).
    """
    listed = [r for r in earlier if isinstance(r, rk.Inventory) and r.id is not None]
    if not listed or not data.draw(st.booleans()):
        return
    original = data.draw(st.sampled_from(listed))
    first = (edges[index] - START) // MINUTE + 1
    minute = data.draw(st.integers(first, (edges[index + 1] - START) // MINUTE - 1))
    batches[index].append(inventory(data.draw, START + minute * MINUTE, original.id))
    # The version that stands settles this call: not after an inventory delivered late in
    # a later call (the documented limit, see orderable()).
    if not orderable(batches, moved):
        batches[index].pop()


def as_the_calls_saw_them(
    batches: list[list[Record]],
) -> tuple[list[Record], Counter[tuple[str, tuple[str, ...]]]]:
    """The records of all calls as one call sees them, and the conflicts left out of it.

    Versions of one id given together: one stands by a fixed rule (``standing``), whatever
    the order listed. Given in different calls, the version standing in the first call
    that gave the id stands (the order of the calls): a later call's other version is a
    conflict there, and is left out of metering at once (where the rule could choose it).
    """
    stood: dict[str, Record] = {}
    kept: list[Record] = []
    conflicts: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for batch in batches:
        here: dict[str, list[Record]] = {}
        for record in batch:
            identity = record.id
            if identity is not None and identity in stood:
                if record != stood[identity]:
                    conflicts["conflict", (identity,)] += 1
                    continue
            elif identity is not None:
                here.setdefault(identity, []).append(record)
            kept.append(record)
        for identity, found in here.items():
            stood[identity] = min(found, key=standing)
    return kept, conflicts


def test_a_state_keeps_its_digests_once_asked_and_still_knows_replays() -> None:
    u1 = rk.meter([NO_ID, S1], [EGRESS], span=D1, cycle=MONTHLY, as_of=D1.end)
    (state,) = u1.state
    first = state.to_json()
    assert state.to_json() == first  # the same pairs, digested once
    assert [pair[0] for pair in state.digests] == [None, "s1"]
    # The in-memory state, now holding digests, knows the replay and the conflict.
    u2 = rk.meter(
        [NO_ID, CHANGED[0]],
        [EGRESS],
        span=D2,
        cycle=MONTHLY,
        as_of=D2.end,
        state=[state],
        conflicts="anomaly",
    )
    assert (u2.total(), u2.late) == (Decimal(0), ())
    assert sorted(a.kind for a in u2.anomalies) == ["conflict", "duplicate"]
    # And the state that continues from it remembers both, by the same digests.
    assert u2.state[0].digests == state.digests
