"""What carried states remember beyond one resource: inventories, and ids of other resources.

An inventory reconciles every resource of its call, so every state of that call remembers
it; an id names one record, so an id another resource's state remembers is a conflict.
(The law over random streams is in ``test_metering_memory.py``.)
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit._instants import format_us

MONTHLY = rk.cycles.monthly(tz="UTC")
D1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z")
D2 = rk.Span("2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z")
BOTH = rk.Span(D1.start, D2.end)
RUNTIME = rk.Meter("vm", "hour", rk.OnOff())
EGRESS = rk.Meter("eg", "B", rk.Discrete())
MINUTE = 60_000_000

Record = rk.Event | rk.Sample | rk.Inventory


def carried(usage: rk.Usage, *, via_json: bool) -> list[rk.ResourceState]:
    if not via_json:
        return list(usage.state)
    return [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in usage.state]


def first_call(records: list[Record], meters: tuple[rk.Meter, ...]) -> rk.Usage:
    return rk.meter(records, meters, span=D1, cycle=MONTHLY, as_of=D1.end)


def second_call(
    records: list[Record],
    meters: tuple[rk.Meter, ...],
    state: list[rk.ResourceState],
    conflicts: str = "anomaly",
) -> rk.Usage:
    return rk.meter(
        records,
        meters,
        span=D2,
        cycle=MONTHLY,
        as_of=D2.end,
        state=state,
        conflicts=conflicts,  # type: ignore[arg-type]
    )


def rows(usage: rk.Usage) -> list[tuple[str, str, str, str, Decimal]]:
    return [
        (row.resource, row.meter, format_us(row.span.start_us), format_us(row.span.end_us),
         row.quantity)
        for row in (*usage.rows, *usage.late)
    ]  # fmt: skip


def outcomes(usage: rk.Usage) -> list[tuple[str, tuple[str, ...]]]:
    return [(a.kind, a.record_ids) for a in usage.anomalies]


# -- an inventory re-sent in a later call ---------------------------------------------------

START = rk.Event("a", "vm-1", "2026-03-02T00:00:00Z", kind="start", id="e1")
INVENTORY = rk.Inventory("2026-03-05T00:00:00Z", [("a", "vm-1")], id="inv-5")
# The same id, other content: vm-1 not listed, so it would close vm-1 on 5 Mar.
EMPTIED = rk.Inventory("2026-03-05T00:00:00Z", [], id="inv-5")


@pytest.mark.parametrize("via_json", [False, True])
def test_an_inventory_re_sent_with_other_content_in_a_later_call_is_a_conflict(
    via_json: bool,
) -> None:
    u1 = first_call([START, INVENTORY], (RUNTIME,))
    # 2 Mar 00:00 .. 10 Mar 00:00: 8 days x 24 h = 192 h; the inventory lists vm-1.
    assert rows(u1) == [("vm-1", "vm", "2026-03-02T00:00:00Z", "2026-03-10T00:00:00Z", 192)]
    u2 = second_call([EMPTIED], (RUNTIME,), carried(u1, via_json=via_json))
    # The inventory applied first is kept: vm-1 runs on, 10 Mar .. 20 Mar = 10 x 24 = 240 h,
    # and nothing late (before: closed on 5 Mar, a late row of -5 x 24 = -120 h and 0 h).
    assert rows(u2) == [("vm-1", "vm", "2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z", 240)]
    assert outcomes(u2) == [("conflict", ("inv-5",))]
    message = str(u2.anomalies[0])
    assert message.startswith(
        "inventory 'inv-5' was applied by an earlier call with other content: "
    )
    assert message.endswith(
        f"was applied and is kept, {EMPTIED!r} is ignored; give a corrected record a new id."
    )
    # As metering everything at once: 192 + 240 = 432 h and the same conflict.
    at_once = rk.meter(
        [START, INVENTORY, EMPTIED],
        [RUNTIME],
        span=BOTH,
        cycle=MONTHLY,
        as_of=BOTH.end,
        conflicts="anomaly",
    )
    assert (at_once.total(), outcomes(at_once)) == (Decimal(432), [("conflict", ("inv-5",))])


@pytest.mark.parametrize("via_json", [False, True])
def test_an_inventory_re_sent_with_other_content_raises_naming_both(via_json: bool) -> None:
    u1 = first_call([START, INVENTORY], (RUNTIME,))
    with pytest.raises(rk.ConflictingRecordError) as caught:
        second_call([EMPTIED], (RUNTIME,), carried(u1, via_json=via_json), conflicts="raise")
    earlier = (
        f"a record of content digest {dict(carried(u1, via_json=True)[0].digests)['inv-5']}"
        if via_json
        else repr(INVENTORY)
    )
    assert str(caught.value) == (
        f"inventory 'inv-5' was applied by an earlier call with other content: {earlier} was "
        f"applied, {EMPTIED!r} differs; replaying a record must repeat it exactly, so give a "
        "corrected record a new id (or meter with conflicts='anomaly' to keep the first)."
    )


@pytest.mark.parametrize("via_json", [False, True])
@pytest.mark.parametrize("record_id", ["inv-5", None])
def test_an_inventory_replayed_in_a_later_call_is_a_duplicate(
    via_json: bool, record_id: str | None
) -> None:
    # vm-1 is not listed: the inventory closes it on 5 Mar (2 Mar .. 5 Mar: 3 x 24 = 72 h)
    # and opens vm-2 (5 Mar .. 10 Mar: 5 x 24 = 120 h).
    closing = rk.Inventory("2026-03-05T00:00:00Z", [("a", "vm-2")], id=record_id)
    u1 = first_call([START, closing], (RUNTIME,))
    assert rows(u1) == [
        ("vm-1", "vm", "2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z", 72),
        ("vm-2", "vm", "2026-03-05T00:00:00Z", "2026-03-10T00:00:00Z", 120),
    ]
    # Every state of the call remembers the inventory: vm-1's, and vm-2's it opened.
    for state in carried(u1, via_json=via_json):
        assert state.digests[-1][0] == record_id
    # Replayed: a duplicate (before: applied again, no anomaly); vm-2 runs on,
    # 10 Mar .. 20 Mar = 10 x 24 = 240 h.
    u2 = second_call([closing], (RUNTIME,), carried(u1, via_json=via_json))
    assert rows(u2) == [("vm-2", "vm", "2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z", 240)]
    assert outcomes(u2) == [("duplicate", (record_id,) if record_id else ())]
    assert str(u2.anomalies[0]).endswith("was applied by an earlier call: the replay is ignored.")
    # As at once: 72 + 120 + 240 = 432 h and one duplicate.
    at_once = rk.meter(
        [START, closing, closing], [RUNTIME], span=BOTH, cycle=MONTHLY, as_of=BOTH.end
    )
    duplicates = [a for a in at_once.anomalies if a.kind == "duplicate"]
    assert (at_once.total(), len(duplicates)) == (Decimal(432), 1)


def test_an_inventory_is_remembered_by_each_state_within_its_last_records() -> None:
    # The inventory counts as one of each resource's last 1,024 records: once vm-1 has
    # applied 1,024 more (and no other resource is carried), it is forgotten.
    samples = [
        rk.Sample("a", "vm-1", "eg", format_us(D1.start_us + (60 + i) * MINUTE), 1, id=f"d{i}")
        for i in range(1024)
    ]
    u1 = first_call([START, INVENTORY, *samples], (RUNTIME, EGRESS))
    (state,) = u1.state
    # Per call: the events, the samples, then the inventories; the last 1,024 kept.
    assert [pair[0] for pair in state.digests[-2:]] == ["d1023", "inv-5"]

    def more(count: int) -> list[Record]:
        return [
            rk.Sample("a", "vm-1", "eg", format_us(D2.start_us + i * MINUTE), 1, id=f"m{i}")
            for i in range(count)
        ]

    # 1,023 more: the inventory is the 1,024th record back, still known.
    u2 = second_call([*more(1023), EMPTIED], (RUNTIME, EGRESS), list(u1.state))
    assert [a.kind for a in u2.anomalies] == ["conflict"]
    assert u2.state[0].digests[0][0] == "inv-5"
    # 1,024 more: forgotten (the documented bound), so the next call applies the other
    # content: vm-1, not listed on 21 Mar, is closed then: 20 Mar .. 21 Mar = 24 h (known,
    # it would be a conflict and vm-1 would run on to 25 Mar: 5 x 24 = 120 h).
    u2 = second_call(more(1024), (RUNTIME, EGRESS), list(u1.state))
    assert "inv-5" not in u2.state[0].applied
    emptied = rk.Inventory("2026-03-21T00:00:00Z", [], id="inv-5")
    u3 = rk.meter(
        [emptied],
        [RUNTIME, EGRESS],
        span=rk.Span(D2.end, "2026-03-25T00:00:00Z"),
        cycle=MONTHLY,
        as_of="2026-03-25T00:00:00Z",
        state=u2.state,
    )
    assert rows(u3) == [("vm-1", "vm", "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z", 24)]
    assert [a.kind for a in u3.anomalies] == ["reconciled_close"]


# -- one id on two resources in different calls ---------------------------------------------

S1 = rk.Sample("a", "ip-1", "eg", "2026-03-05T00:00:00Z", 100, id="s1")
ELSEWHERE = [
    rk.Sample("a", "ip-2", "eg", "2026-03-12T00:00:00Z", 50, id="s1"),  # another resource
    rk.Sample("b", "ip-1", "eg", "2026-03-12T00:00:00Z", 50, id="s1"),  # another account
    rk.Event("a", "vm-9", "2026-03-12T00:00:00Z", kind="start", id="s1"),  # an event
]


@pytest.mark.parametrize("via_json", [False, True])
@pytest.mark.parametrize("reused", ELSEWHERE)
def test_an_id_applied_on_another_resource_in_an_earlier_call_is_a_conflict(
    via_json: bool, reused: rk.Sample | rk.Event
) -> None:
    u1 = first_call([S1], (EGRESS, RUNTIME))
    # A delta's row spans the piece of the window it falls in: 1 Mar .. 10 Mar.
    assert rows(u1) == [("ip-1", "eg", "2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z", 100)]
    u2 = second_call([reused], (EGRESS, RUNTIME), carried(u1, via_json=via_json))
    # The record applied first is kept: nothing more (before: 50 B, or 8 x 24 = 192 h for
    # the event, metered a second time under the id).
    assert (rows(u2), outcomes(u2)) == ([], [("conflict", ("s1",))])
    earlier = (
        f"a record of content digest {carried(u1, via_json=True)[0].digests[0][1]}"
        if via_json
        else repr(S1)
    )
    assert str(u2.anomalies[0]) == (
        f"{'sample' if isinstance(reused, rk.Sample) else 'event'} 's1' was applied by an "
        f"earlier call to resource 'ip-1' of account 'a': {earlier} was applied and is kept, "
        f"{reused!r} is ignored; give each record an id of its own."
    )
    # As metering both at once: the same conflict. Given together, of the two versions
    # an event stands before a sample (whatever the order listed): the event's 8 d x 24 =
    # 192 h (12 Mar .. 20 Mar) and no bytes; of two samples the earlier, S1: 100 B.
    expected = (0, 192) if isinstance(reused, rk.Event) else (100, 0)
    for listed in ([S1, reused], [reused, S1]):
        at_once = rk.meter(
            listed, [EGRESS, RUNTIME], span=BOTH, cycle=MONTHLY, as_of=BOTH.end,
            conflicts="anomaly",
        )  # fmt: skip
        assert (at_once.total("eg"), at_once.total("vm")) == tuple(map(Decimal, expected))
        assert outcomes(at_once) == [("conflict", ("s1",))]


def test_an_id_of_another_resource_raises_naming_both() -> None:
    u1 = first_call([S1], (EGRESS,))
    reused = ELSEWHERE[0]
    with pytest.raises(rk.ConflictingRecordError) as caught:
        second_call([reused], (EGRESS,), list(u1.state), conflicts="raise")
    assert str(caught.value) == (
        f"sample 's1' was applied by an earlier call to resource 'ip-1' of account 'a': {S1!r} "
        f"was applied, {reused!r} differs; an id names one record, of one resource: give each "
        "record an id of its own (or meter with conflicts='anomaly' to keep the first)."
    )


def test_an_id_of_another_resource_known_by_a_state_without_digests_is_a_conflict() -> None:
    # A state written before digests were kept knows its ids only: still a conflict (the
    # record is of another resource, so it cannot be the same one).
    data = first_call([S1], (EGRESS,)).state[0].to_json()
    del data["digests"]
    u2 = second_call([ELSEWHERE[0]], (EGRESS,), [rk.ResourceState.from_json(data)])
    assert (rows(u2), outcomes(u2)) == ([], [("conflict", ("s1",))])
    assert "'ip-1' of account 'a': a record was applied and is kept" in str(u2.anomalies[0])


def test_an_inventory_under_an_id_of_a_sample_is_a_conflict() -> None:
    u1 = first_call([S1], (EGRESS,))
    inventory = rk.Inventory("2026-03-12T00:00:00Z", [("a", "ip-1")], id="s1")
    u2 = second_call([inventory], (EGRESS,), list(u1.state))
    assert (rows(u2), outcomes(u2)) == ([], [("conflict", ("s1",))])


def test_an_id_is_known_on_another_resource_within_its_last_records() -> None:
    # ip-1 applies d0 .. d1024 (1 B each, 1,025 B): its state keeps the last 1,024 ids,
    # d1 .. d1024. On ip-2 in the next call, d1 is a conflict; d0, forgotten, is metered
    # (the documented bound: within the last 1,024 records with an id of that resource).
    samples = [
        rk.Sample("a", "ip-1", "eg", format_us(D1.start_us + i * MINUTE), 1, id=f"d{i}")
        for i in range(1025)
    ]
    u1 = first_call(samples, (EGRESS,))
    assert u1.total() == Decimal(1025)
    reused = [
        rk.Sample("a", "ip-2", "eg", "2026-03-12T00:00:00Z", 7, id="d0"),
        rk.Sample("a", "ip-2", "eg", "2026-03-12T00:00:00Z", 9, id="d1"),
    ]
    u2 = second_call(reused, (EGRESS,), carried(u1, via_json=True))
    assert rows(u2) == [("ip-2", "eg", "2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z", 7)]
    assert outcomes(u2) == [("conflict", ("d1",))]


def test_a_record_not_known_yet_is_not_judged_against_other_resources() -> None:
    # Stamped at the call's as_of, the reused id is not known yet: no conflict, no row;
    # the next call, which knows it, finds the conflict.
    u1 = first_call([S1], (EGRESS,))
    early = rk.Sample("a", "ip-2", "eg", D2.end, 50, id="s1")
    u2 = second_call([early], (EGRESS,), list(u1.state), conflicts="raise")
    assert (rows(u2), outcomes(u2)) == ([], [])
    u3 = rk.meter(
        [early],
        [EGRESS],
        span=rk.Span(D2.end, "2026-03-25T00:00:00Z"),
        cycle=MONTHLY,
        as_of="2026-03-25T00:00:00Z",
        state=u2.state,
        conflicts="anomaly",
    )
    assert (rows(u3), outcomes(u3)) == ([], [("conflict", ("s1",))])


@pytest.mark.parametrize(
    "attributes",
    [
        {"decimal": "n/a"},  # the attributes themselves shaped like a tagged Decimal
        {"decimal": "5"},
        {"k": {"decimal": None}},  # a mapping value shaped like one
        {"k": {"decimal": "sNaN"}, "f": "s"},
        {"k": [{"decimal": [1]}]},
    ],
)
def test_attributes_shaped_like_a_tagged_decimal_are_remembered_as_mappings(
    attributes: dict[str, object],
) -> None:
    # was: the state's to_json() raised decimal.InvalidOperation while digesting the
    # record (its content read {"decimal": "n/a"} as a number): a state metering wrote
    # could not be stored. Now the state is stored and read back, a replay is a
    # duplicate, and the same record with "5.0" where it had "5" is not one.
    meters = [rk.Meter("vm", "hour", rk.OnOff())]
    day1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    day2 = rk.Span(day1.end, "2026-03-03T00:00:00Z")
    start = rk.Event("a", "r", "2026-03-01T01:00:00Z", attributes, kind="start")
    first = rk.meter([start], meters, span=day1, cycle=None, as_of=day1.end)
    stored = json.loads(json.dumps(first.state[0].to_json()))
    state = rk.ResourceState.from_json(stored)
    assert state == first.state[0]
    again = rk.meter([start], meters, span=day2, cycle=None, as_of=day2.end, state=[state])
    assert [a.kind for a in again.anomalies] == ["duplicate"]
    if attributes == {"decimal": "5"}:
        other = rk.Event("a", "r", "2026-03-01T01:00:00Z", {"decimal": "5.0"}, kind="start")
        apart = rk.meter([other], meters, span=day2, cycle=None, as_of=day2.end, state=[state])
        assert "duplicate" not in [a.kind for a in apart.anomalies]


@pytest.mark.parametrize("bad", [None, ("a", "r"), [1]])
def test_a_non_record_beside_a_carried_state_is_refused_in_words(bad: object) -> None:
    # was: with a state that remembers records, the lookup read the item's fields first
    # and raised AttributeError or TypeError; now the door of records without a state.
    meters = [rk.Meter("vm", "hour", rk.OnOff())]
    day1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    day2 = rk.Span(day1.end, "2026-03-03T00:00:00Z")
    start = rk.Event("a", "r", "2026-03-01T01:00:00Z", kind="start", id="e1")
    first = rk.meter([start], meters, span=day1, cycle=None, as_of=day1.end)
    for state in ((), first.state):
        with pytest.raises(rk.RatekitTypeError) as raised:
            rk.meter([start, bad], meters, span=day2, cycle=None, as_of=day2.end, state=state)
        assert str(raised.value).startswith(
            f"records[1]: metering takes Event, Sample and Inventory records, not {type(bad).__name__}: "
        )
