"""A hostile snapshot, endless or huge, is refused after bounded work, in a short message.

``Rater.restore`` read a caller's mapping until it had given 16,777,216 items before it
refused one that never ends: about 7 s of CPU (cProfile: all of it in
``_caller_objects.read_items``, drawing the items), whether the mapping was the whole
snapshot, its body, or a part of the body. A body of a million keys was walked three
times and checksummed before its keys were looked at, and refused in a message of
9,889,227 characters naming every key. Now the envelope and the body, whose keys a
snapshot knows, are read no further than those keys (a caller's mapping that gives more
is refused as it is read), a caller's mapping or list deeper in no further than its own
``len()`` says, and keys a snapshot has not are named five at most, before any checksum.
A part of the body (or a value of the envelope) that is a mapping of more keys than a
snapshot writes in one (3: ``reported`` and ``by_resource``) is refused as its ``len()``
says it, unread: a million honest items at ``body.reported`` were read, walked and
checksummed before (1.5 s) for the checksum to refuse them.
The work is counted here (items drawn, checksums computed), not timed.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import ratekit as rk
from ratekit import _caller_objects, _snapshot_seal

PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "vm", rk.PerUnit(1))])
METERS = [rk.Meter("vm", "hour", rk.OnOff())]
GIVE = "give what Rater.snapshot() returned, or its JSON read back with json.load."
MILLION = 1_000_000


def _snapshot() -> dict[str, Any]:
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "r", "2026-03-02T00:00:00Z", {"f": "s"}, kind="start", id="e1")])
    rater.statement("2026-03-03T00:00:00Z")
    data: dict[str, Any] = json.loads(json.dumps(rater.snapshot()))
    return data


SNAPSHOT = _snapshot()
#: The keys a body may hold (those of every version), as the refusal lists them.
BODY = (
    "anomalies, as_of_us, base_us, closed_us, dirty, forgotten, horizon_us, late, late_keys, "
    "records, reported, state"
)


def resealed(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the checksum of its content: what anyone can forge."""
    envelope = {key: value for key, value in data.items() if key != "checksum"}
    return {**envelope, "checksum": _snapshot_seal.checksum(envelope)}


class Counted(Mapping[str, object]):
    """A caller's mapping whose ``items()`` gives ``pairs`` (maybe endlessly), counting them."""

    def __init__(self, pairs: Iterator[tuple[str, object]], size: int) -> None:
        self.pairs = pairs
        self.size = size
        self.drawn = 0

    def __getitem__(self, key: str) -> object:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.items())

    def __len__(self) -> int:
        return self.size

    def items(self) -> Any:
        for pair in self.pairs:
            self.drawn += 1
            yield pair


class CountedList(list[object]):
    """A caller's list that says it holds ``size`` items and gives ``items`` (maybe endless)."""

    def __init__(self, items: Iterator[object], size: int) -> None:
        super().__init__()
        self.given = items
        self.size = size
        self.drawn = 0

    def __iter__(self) -> Iterator[object]:
        for item in self.given:
            self.drawn += 1
            yield item

    def __len__(self) -> int:
        return self.size


def endless(size: int = 3) -> Counted:
    return Counted(((f"k{i}", i) for i in itertools.count()), size)


def _refusal(data: object) -> str:
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, PLAN, METERS)  # type: ignore[arg-type]
    return str(caught.value)


@pytest.fixture
def checksums(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The values checksummed by restore, recorded (the fingerprints are not checksummed here)."""
    seen: list[object] = []
    real = _snapshot_seal.checksum

    def counted(value: object) -> str:
        if isinstance(value, dict) and "body" in value:
            seen.append(value)
        return real(value)

    monkeypatch.setattr(_snapshot_seal, "checksum", counted)
    return seen


def test_an_endless_mapping_as_the_snapshot_is_refused_after_six_items(
    checksums: list[object],
) -> None:
    # a snapshot has five keys: a sixth item is more than one has (before: 16,777,217 drawn)
    data = endless()
    assert _refusal(data) == (
        "Rater snapshot could not be read: its mapping (Counted) gives more than 5 keys, the "
        f"keys of a snapshot (or never ends); {GIVE}"
    )
    assert data.drawn == 6
    assert checksums == []


def test_an_endless_or_huge_mapping_as_the_body_is_refused_after_the_keys_of_a_body(
    checksums: list[object],
) -> None:
    # a body has at most 25 keys (12 always, 13 that later versions added, the last the
    # tombstones' listings: gone_listings)
    for body in (endless(), Counted(((str(i), i) for i in range(MILLION)), MILLION)):
        assert _refusal({**SNAPSHOT, "body": body}) == (
            "Rater snapshot could not be read: its mapping (Counted) gives more than 25 "
            f"keys, the keys of a body (or never ends); {GIVE}"
        )
        assert body.drawn == 26
    assert checksums == []


def test_a_body_that_gives_one_key_again_and_again_is_refused_after_the_keys_of_a_body(
    checksums: list[object],
) -> None:
    # a key given again is read as json.loads reads it (the last one standing), but no
    # more items are drawn than a body has keys, or than its len() says when that is more
    for size, most, why in ((3, 25, "the keys of a body"), (40, 40, "more than its len() says")):
        body = Counted(itertools.repeat(("late", "report")), size)
        assert _refusal({**SNAPSHOT, "body": body}) == (
            f"Rater snapshot could not be read: its mapping (Counted) gives more than {most} "
            f"items, {why} (or never ends); {GIVE}"
        )
        assert body.drawn == most + 1
    assert checksums == []


@pytest.mark.parametrize("key", ["by_resource", "reported", "state"])
def test_an_endless_mapping_or_list_in_the_body_is_read_no_further_than_its_len(
    key: str, checksums: list[object]
) -> None:
    # a mapping of 40 items as a part of the body: no part is a mapping of more than 3
    # keys, so it is refused as it says its len(), not one item drawn (before: 41)
    mapping = endless(size=40)
    assert _refusal({**SNAPSHOT, "body": {**SNAPSHOT["body"], key: mapping}}) == (
        f"Rater snapshot body.{key} is a mapping of 40 items; no part of a snapshot is a "
        "mapping of more than 3 (a body's reported and by_resource hold 3 keys each): "
        "restore an unaltered copy."
    )
    assert mapping.drawn == 0
    # deeper in, its len() is the bound
    mapping = endless(size=40)
    reported = {**SNAPSHOT["body"]["reported"], "names": mapping}
    assert _refusal({**SNAPSHOT, "body": {**SNAPSHOT["body"], key: reported}}) == (
        "Rater snapshot could not be read: its mapping (Counted) gives more than 40 items, "
        f"more than its len() says (or never ends); {GIVE}"
    )
    assert mapping.drawn == 41
    listed = CountedList(itertools.count(), 2)
    assert _refusal({**SNAPSHOT, "body": {**SNAPSHOT["body"], key: listed}}) == (
        "Rater snapshot could not be read: its list (CountedList) gives more than 2 items, "
        f"more than its len() says (or never ends); {GIVE}"
    )
    assert listed.drawn == 3
    assert checksums == []


def test_a_len_that_cannot_bound_an_endless_mapping_leaves_the_bound_of_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_caller_objects, "MOST_ITEMS", 1000)  # the bound, made small
    for size in (10**9, 1000):
        mapping = endless(size=size)
        # deep in the body: as a part of it, no mapping of more than 3 keys is read at all
        reported = {**SNAPSHOT["body"]["reported"], "heads": mapping}
        assert _refusal({**SNAPSHOT, "body": {**SNAPSHOT["body"], "reported": reported}}) == (
            "Rater snapshot could not be read: its mapping (Counted) gives more than 1,000 "
            f"items (or never ends); {GIVE}"
        )
        assert mapping.drawn == 1001


def test_a_mapping_that_gives_no_more_than_its_len_is_read_as_before() -> None:
    class Body(Counted):
        pass

    body = Body(iter(SNAPSHOT["body"].items()), len(SNAPSHOT["body"]))
    restored = rk.Rater.restore({**SNAPSHOT, "body": body}, PLAN, METERS)
    assert json.loads(json.dumps(restored.snapshot())) == SNAPSHOT
    assert body.drawn == len(SNAPSHOT["body"])


@pytest.mark.parametrize("sealed", [False, True], ids=["altered", "forged"])
@pytest.mark.heavy
def test_a_body_of_a_million_keys_is_refused_before_its_checksum_naming_five(
    sealed: bool, checksums: list[object]
) -> None:
    body = {**SNAPSHOT["body"], **{f"x{i}": i for i in range(MILLION)}}
    data = {**SNAPSHOT, "body": body}
    data = resealed(data) if sealed else data
    checksums.clear()
    message = _refusal(data)
    assert message == (
        "Rater snapshot body has unknown keys 'x0', 'x1', 'x2', 'x3', 'x4' and 999,995 more; "
        f"a body holds {BODY} (and by_resource, first and late_seen, which the first "
        "snapshots lacked, and allowed, when compacted cycles used an allowance with its own "
        "period): restore an unaltered copy."
    )
    assert checksums == []


@pytest.mark.heavy
def test_a_snapshot_of_a_million_keys_is_refused_naming_five() -> None:
    data = {**SNAPSHOT, **{f"x{i}": i for i in range(MILLION)}}
    assert _refusal(data) == (
        "Rater snapshot has keys 'x0', 'x1', 'x2', 'x3', 'x4' and 999,995 more that a snapshot "
        "has not; a snapshot has exactly body, checksum, fingerprint, format and version: "
        "restore an unaltered copy."
    )


def test_a_body_without_its_keys_is_refused_before_its_checksum(checksums: list[object]) -> None:
    body = {key: value for key, value in SNAPSHOT["body"].items() if key != "state"}
    assert _refusal({**SNAPSHOT, "body": body}) == (
        f"Rater snapshot body has no state; a body holds {BODY} (and by_resource, first and "
        "late_seen, which the first snapshots lacked, and allowed, when compacted cycles used "
        "an allowance with its own period): restore an unaltered copy."
    )
    assert checksums == []


@pytest.mark.parametrize("key", ["reported", "by_resource", "records", "state", "allowed"])
def test_an_honest_million_items_at_a_part_of_the_body_are_refused_unread(
    key: str, checksums: list[object]
) -> None:
    # A mapping whose len() says the truth, a million items, at a key a body has: it was
    # read whole, walked and checksummed before the checksum refused it (1.5 s). No part
    # of a body is a mapping of more than 3 keys: refused as it says its size, none drawn.
    mapping = Counted(((str(i), i) for i in range(MILLION)), MILLION)
    assert _refusal({**SNAPSHOT, "body": {**SNAPSHOT["body"], key: mapping}}) == (
        f"Rater snapshot body.{key} is a mapping of 1,000,000 items; no part of a snapshot "
        "is a mapping of more than 3 (a body's reported and by_resource hold 3 keys each): "
        "restore an unaltered copy."
    )
    assert mapping.drawn == 0
    assert checksums == []


def test_a_plain_dict_of_a_million_keys_at_a_part_is_refused_before_any_walk(
    checksums: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # json.load's own dict: refused by its len() before plain_data, the walks or the checksum
    read: list[object] = []
    real = _snapshot_seal.plain_data

    def counted(data: object, *args: Any, **kwargs: Any) -> object:
        read.append(data)
        return real(data, *args, **kwargs)

    monkeypatch.setattr(_snapshot_seal, "plain_data", counted)
    huge = dict.fromkeys(map(str, range(MILLION)), 0)
    forged = resealed({**SNAPSHOT, "body": {**SNAPSHOT["body"], "reported": huge}})
    checksums.clear()  # (the forger's own checksum, above)
    assert _refusal(forged).startswith(
        "Rater snapshot body.reported is a mapping of 1,000,000 items; "
    )
    assert read == []
    assert checksums == []


def test_a_mapping_at_an_envelope_key_is_bounded_alike(checksums: list[object]) -> None:
    for key in ("fingerprint", "checksum", "version"):
        mapping = Counted(((str(i), i) for i in range(MILLION)), MILLION)
        assert _refusal({**SNAPSHOT, key: mapping}) == (
            f"Rater snapshot {key!r} is a mapping of 1,000,000 items; no part of a snapshot "
            "is a mapping of more than 3 (a body's reported and by_resource hold 3 keys "
            "each): restore an unaltered copy."
        )
        assert mapping.drawn == 0
    assert checksums == []


def test_a_part_that_says_it_is_small_is_read_no_further_than_a_part_holds() -> None:
    # len() says 3 and it gives a million: drawn up to the three keys of a part, and one
    mapping = Counted(((str(i), i) for i in range(MILLION)), 3)
    assert _refusal({**SNAPSHOT, "body": {**SNAPSHOT["body"], "reported": mapping}}) == (
        "Rater snapshot could not be read: its mapping (Counted) gives more than 3 keys, the "
        f"keys of body.reported (or never ends); {GIVE}"
    )
    assert mapping.drawn == 4


def test_the_parts_that_are_mappings_are_restored_from_a_callers_mapping() -> None:
    class Part(Counted):
        pass

    reported = SNAPSHOT["body"]["reported"]
    body = {**SNAPSHOT["body"], "reported": Part(iter(reported.items()), len(reported))}
    restored = rk.Rater.restore({**SNAPSHOT, "body": body}, PLAN, METERS)
    assert json.loads(json.dumps(restored.snapshot())) == SNAPSHOT
