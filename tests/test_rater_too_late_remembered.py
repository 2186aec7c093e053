"""A record judged too late is remembered: fed again in a later batch, it is a no-op.

A record stamped before the kept cycles is not kept (an event is placed in the compacted
state, an inventory reconciled with it, a delta named with its quantity). The rater
remembers its identity and a digest of its content, so the same record fed again in a
later batch, or after a snapshot and restore, is a duplicate, and another version of it
(same id, other content; or another type of record under its id) ``conflicting``: as
when both come in one batch, nothing placed or named twice. It is remembered until the
second compaction after it was judged (as a record of the oldest kept cycle is), so the
memory stays bounded. Worked by hand in the comments.

Setup: daily UTC cycles, ``vm.hours`` on/off at 1 EUR an hour, ``calls`` deltas at
1 EUR a call; ``vm-1`` of ``acme`` started 1 March 00:00 and running; a statement at
4 March 00:00 closes 1 to 3 March and compacts 1 and 2 March (3 March kept).
"""

from __future__ import annotations

import json
import typing
from decimal import Decimal

import pytest
from tests._snapshots import resealed, version_4

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
CALLS = rk.Meter("calls", "call", rk.Discrete())
METERS = [VM, CALLS]
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)), rk.PriceEntry("c", "calls", rk.PerUnit(1))],
)
START = rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="s")
STOP = rk.Event("acme", "vm-1", "2026-03-01T02:00:00Z", kind="stop", id="d")
# Another version of the STOP ``d``: stamped an hour later.
STOP_AT_THREE = rk.Event("acme", "vm-1", "2026-03-01T03:00:00Z", kind="stop", id="d")
CALLED = rk.Sample("acme", "fn", "calls", "2026-03-01T05:00:00Z", 5, id="x")
LISTING = rk.Inventory("2026-03-01T04:00:00Z", [], id="i")  # lists nothing: vm-1 closed


def _rater() -> rk.Rater:
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([START])
    rater.statement("2026-03-04T00:00:00Z")
    return rater


def _restored(rater: rk.Rater) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)


def _said(feed: rk.Feed) -> tuple[object, ...]:
    return (feed.accepted, feed.duplicates, feed.conflicting, feed.late, feed.too_late)


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_stop_fed_again_is_a_duplicate_and_placed_once(restore: bool) -> None:
    rater = _rater()
    first = rater.feed([STOP])
    # Placed: 1 March billed 24 h, batch 2 h (-22); 2 March 24 h, batch 0 (-24): -46 h.
    assert first.too_late == ("d",)
    assert [a.quantity for a in first.anomalies] == [Decimal(-46)]
    rater = _restored(rater) if restore else rater
    again = rater.feed([STOP])
    assert _said(again) == ((), ("d",), (), (), ())
    assert again.anomalies == ()
    # Another version of it, in a third batch: conflicting, not placed as well.
    other = rater.feed([STOP_AT_THREE])
    assert _said(other) == ((), (), ("d",), (), ())
    assert other.anomalies == ()
    # Applied once from the kept cycles on: 3 March's 24 h reversed, nothing else.
    lines = rater.statement("2026-03-05T00:00:00Z").lines
    assert [(x.role, x.cycle.start.day, x.quantity) for x in lines] == [
        ("reversal", 3, Decimal(-24))
    ]


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_delta_fed_again_is_named_once(restore: bool) -> None:
    rater = _rater()
    first = rater.feed([CALLED])
    assert first.too_late == ("x",)
    assert [(a.meter, a.quantity) for a in first.anomalies] == [("calls", Decimal(5))]
    rater = _restored(rater) if restore else rater
    # The same delta: a duplicate, its 5 calls not named again (5 in all, not 10).
    assert _said(rater.feed([CALLED])) == ((), ("x",), (), (), ())
    # 6 calls under its id: conflicting, not named (the first version stands).
    six = rk.Sample("acme", "fn", "calls", "2026-03-01T05:00:00Z", 6, id="x")
    assert _said(rater.feed([six])) == ((), (), ("x",), (), ())
    # Its id taken by an event stamped in a kept cycle: one id space, conflicting.
    start = rk.Event("acme", "vm-2", "2026-03-04T01:00:00Z", kind="start", id="x")
    feed = rater.feed([start])
    assert (_said(feed), feed.anomalies) == (((), (), ("x",), (), ()), ())
    assert rater.statement("2026-03-05T00:00:00Z").lines[0].record_ids == ("s",)


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_record_without_id_fed_again_is_a_duplicate(restore: bool) -> None:
    rater = _rater()
    anonymous = rk.Sample("acme", "fn", "calls", "2026-03-01T06:00:00Z", 7)
    first = rater.feed([anonymous])
    assert first.counts["too_late"] == 1
    assert [a.quantity for a in first.anomalies] == [Decimal(7)]
    rater = _restored(rater) if restore else rater
    # Known by its content: the same sample is a duplicate, its 7 calls named once.
    again = rater.feed([anonymous])
    assert (again.counts["duplicates"], again.counts["too_late"], again.anomalies) == (1, 0, ())
    # 8 calls at that instant are another record: too late, named.
    eight = rk.Sample("acme", "fn", "calls", "2026-03-01T06:00:00Z", 8)
    assert [a.quantity for a in rater.feed([eight]).anomalies] == [Decimal(8)]


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_inventory_fed_again_is_reconciled_once(restore: bool) -> None:
    rater = _rater()
    first = rater.feed([LISTING])
    # It closes vm-1 at 04:00: 1 March billed 24 h, batch 4 h (-20); 2 March -24: -44 h.
    assert first.too_late == ("i",)
    assert [a.quantity for a in first.anomalies] == [Decimal(-44)]
    rater = _restored(rater) if restore else rater
    assert _said(rater.feed([LISTING])) == ((), ("i",), (), (), ())
    # Another version (it lists vm-1): conflicting, not reconciled (it would open it).
    listed = rk.Inventory("2026-03-01T04:00:00Z", [("acme", "vm-1")], id="i")
    feed = rater.feed([listed])
    assert (_said(feed), feed.anomalies) == (((), (), ("i",), (), ()), ())
    lines = rater.statement("2026-03-05T00:00:00Z").lines
    assert [(x.role, x.cycle.start.day, x.quantity) for x in lines] == [
        ("reversal", 3, Decimal(-24))
    ]


def test_remembered_until_the_second_compaction_after() -> None:
    rater = _rater()
    assert rater.feed([CALLED]).too_late == ("x",)
    snapshot = rater.snapshot()["body"]
    assert snapshot["too_late"] == [["Sample", "x", snapshot["too_late"][0][2], True]]
    assert ["Sample", "x"] not in [item[:2] for item in snapshot["forgotten"]]
    # 5 March 00:00 compacts 3 March (one compaction): still remembered, carried.
    rater.statement("2026-03-05T00:00:00Z")
    assert rater.snapshot()["body"]["too_late"][0][3] is False
    assert _said(rater.feed([CALLED])) == ((), ("x",), (), (), ())
    # 6 March 00:00 compacts 4 March: forgotten, as the ids compacted with 3 March are.
    rater.statement("2026-03-06T00:00:00Z")
    assert "too_late" not in rater.snapshot()["body"]
    again = rater.feed([CALLED])
    assert again.too_late == ("x",)
    assert [a.quantity for a in again.anomalies] == [Decimal(5)]
    assert "It may be a replay" in again.anomalies[0].message


def test_a_replay_in_its_own_batch_and_in_the_next_is_judged_alike() -> None:
    # Twice in one batch: too late once, then a duplicate; twice in the next batch:
    # duplicates both, as the second copy was in the first batch.
    rater = _rater()
    feed = rater.feed([STOP, STOP])
    assert (feed.duplicates, feed.too_late) == (("d",), ("d",))
    assert _said(rater.feed([STOP, STOP])) == ((), ("d", "d"), (), (), ())


def _with_too_late() -> dict[str, typing.Any]:
    rater = _rater()
    rater.feed([STOP, rk.Sample("acme", "fn", "calls", "2026-03-01T06:00:00Z", 7)])
    data: dict[str, typing.Any] = json.loads(json.dumps(rater.snapshot()))
    return data


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (5, "body.too_late[0]"),
        (["Event", "d", "0123456789abcdef"], "body.too_late[0]"),
        (["Bogus", "d", "0123456789abcdef", True], "names a record type, not 'Bogus'"),
        (["Event", "", "0123456789abcdef", True], "a non-empty id or null, not ''"),
        (["Event", "d", "XYZ", True], "a digest of 16 lowercase hex digits, not 'XYZ'"),
        (["Event", "d", "0123456789abcdef", 1], "is fresh true or false, not 1"),
        (["Event", "s", "0123456789abcdef", True], "names the id 's', which a record kept"),
    ],
)
def test_a_resealed_too_late_entry_out_of_shape_is_refused(entry: object, words: str) -> None:
    data = _with_too_late()
    data["body"]["too_late"][0] = entry
    with pytest.raises(rk.BadSnapshotError, match="Rater snapshot body") as caught:
        rk.Rater.restore(resealed(data), PLAN, METERS)
    assert words in str(caught.value)


def test_a_too_late_entry_listed_twice_or_altered_unsealed_is_refused() -> None:
    data = _with_too_late()
    data["body"]["too_late"].append(data["body"]["too_late"][0])
    with pytest.raises(rk.BadSnapshotError, match=r"body.too_late\[2\] repeats"):
        rk.Rater.restore(resealed(data), PLAN, METERS)
    with pytest.raises(rk.BadSnapshotError, match="checksum"):
        rk.Rater.restore(data, PLAN, METERS)
    # An id both compacted away and judged too late: listed twice (forged on version 4,
    # an id compacted away a list of its own; version 5's groups are read to the same).
    data = version_4(_with_too_late())
    entry = next(e for e in data["body"]["too_late"] if e[1] is not None)
    data["body"]["forgotten"].append(entry[:3])
    with pytest.raises(rk.BadSnapshotError, match="which a record kept or compacted away"):
        rk.Rater.restore(resealed(data), PLAN, METERS)


def test_a_resealed_digest_or_freshness_is_harmless() -> None:
    # Another digest: a replay reads as another version, conflicting; still not placed.
    data = _with_too_late()
    for entry in data["body"]["too_late"]:
        entry[2] = "0" * 16
        entry[3] = False
    rater = rk.Rater.restore(resealed(data), PLAN, METERS)
    feed = rater.feed([STOP])
    assert (_said(feed), feed.anomalies) == (((), (), ("d",), (), ()), ())
    lines = rater.statement("2026-03-05T00:00:00Z").lines
    assert [(x.role, x.cycle.start.day, x.quantity) for x in lines] == [
        ("reversal", 3, Decimal(-24))
    ]
    # Carried (not fresh): dropped at that statement's compaction.
    assert "too_late" not in rater.snapshot()["body"]


# -- a replay written another way: numbers by their value ----------------------------------------


@pytest.mark.parametrize("restore", [False, True])
def test_a_too_late_replay_written_another_way_is_still_a_duplicate(restore: bool) -> None:
    # 7 calls at 1 March 06:00, too late, named once; the same sample written 7.0, 70E-1,
    # Decimal("7.00") is equal to it (records compare numbers by value), so a duplicate:
    # it used to be too late again each time, 7 more calls named per notation.
    rater = _rater()
    first = rater.feed([rk.Sample("acme", "fn", "calls", "2026-03-01T06:00:00Z", 7)])
    assert [a.quantity for a in first.anomalies] == [Decimal(7)]
    for value in ("7.0", "70E-1", Decimal("7.00")):
        rater = _restored(rater) if restore else rater
        again = rater.feed([rk.Sample("acme", "fn", "calls", "2026-03-01T06:00:00Z", value)])
        assert (again.counts["duplicates"], again.counts["too_late"]) == (1, 0), value
        assert again.anomalies == (), value


@pytest.mark.parametrize("restore", [False, True])
def test_a_compacted_record_replayed_another_way_is_a_duplicate_not_a_conflict(
    restore: bool,
) -> None:
    # The sample x (5 calls) is compacted with 1 March; replayed as 5.0 it is the same
    # record (a duplicate), as 6 it is another version (conflicting). So is an event
    # whose attribute 2 comes back as Decimal("2.0").
    sized = rk.Event("acme", "vm-2", "2026-03-01T01:00:00Z", {"size": 2}, kind="start", id="z")
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([START, CALLED, sized])
    rater.statement("2026-03-04T00:00:00Z")  # 1 and 2 March compacted
    rater = _restored(rater) if restore else rater
    again = rk.Sample("acme", "fn", "calls", "2026-03-01T05:00:00Z", "5.0", id="x")
    assert _said(rater.feed([again])) == ((), ("x",), (), (), ())
    other = rk.Sample("acme", "fn", "calls", "2026-03-01T05:00:00Z", 6, id="x")
    assert _said(rater.feed([other])) == ((), (), ("x",), (), ())
    resized = rk.Event(
        "acme", "vm-2", "2026-03-01T01:00:00Z", {"size": Decimal("2.0")}, kind="start", id="z"
    )
    assert _said(rater.feed([resized])) == ((), ("z",), (), (), ())


def test_a_digest_an_earlier_version_wrote_still_knows_its_replay() -> None:
    # Earlier versions remembered the digest of the content as written: a snapshot of
    # theirs restored, the replay of a record judged too late is still a duplicate.
    from ratekit import _snapshot

    anonymous = rk.Sample("acme", "fn", "calls", "2026-03-01T06:00:00Z", 7)
    # the STOP d and the 7 calls without id, judged too late (as version 4 wrote them)
    data = version_4(_with_too_late())
    for entry in (*data["body"]["too_late"], *data["body"]["forgotten"]):
        entry[2] = _snapshot.digest(STOP if entry[1] == "d" else anonymous)[:16]
    rater = rk.Rater.restore(resealed(data), PLAN, METERS)
    assert _said(rater.feed([STOP])) == ((), ("d",), (), (), ())
    again = rater.feed([anonymous])
    assert (again.counts["duplicates"], again.anomalies) == (1, ())
    assert _said(rater.feed([STOP_AT_THREE])) == ((), (), ("d",), (), ())


@pytest.mark.parametrize("nested", [False, True])
def test_true_and_one_stay_other_contents_once_compacted_or_too_late(nested: bool) -> None:
    # Records compare True and 1 as different values (batch refuses the two under one id
    # as a conflict): the digests keep a bool a bool, flat or nested in a list.
    def event(value: object) -> rk.Event:
        attributes = {"on": [value] if nested else value}
        return rk.Event("acme", "vm-1", "2026-03-01T06:00:00Z", attributes, id="u")

    assert event(True) != event(1)
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([START, event(True)])
    rater.statement("2026-03-04T00:00:00Z")  # 1 and 2 March compacted
    assert _said(rater.feed([event(1)])) == ((), (), ("u",), (), ())
    assert _said(rater.feed([event(True)])) == ((), ("u",), (), (), ())
    late = _rater()  # judged too late, then replayed
    late.feed([event(True)])
    assert _said(late.feed([event(1)])) == ((), (), ("u",), (), ())
