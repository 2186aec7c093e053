"""The rater's snapshot doors: any text the feed took, hostile nesting, forged bodies.

A snapshot's checksum catches accidental damage; anyone can recompute it, so a body
altered and resealed is checked for shape and range, and refused naming the field and
what it should be. Every expected amount is worked by hand in a comment.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])


def _through_json(data: object) -> Any:
    return json.loads(json.dumps(data))


def _usage(statement: rk.Statement) -> list[tuple[str, str, Decimal, Decimal]]:
    return [(x.role, x.resource or "", x.quantity, x.amount) for x in statement.lines]


# -- text the feed took: lone surrogates -----------------------------------------------------


def test_a_lone_surrogate_in_an_attribute_is_saved_and_comes_back_equal() -> None:
    event = rk.Event(
        "a", "vm-1", "2026-03-01T12:00:00Z", {"k": "\udc80", "\ud800": "x"}, kind="start", id="e1"
    )
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([event])
    data = rater.snapshot()  # raised UnicodeEncodeError (the checksum's UTF-8)
    restored = rk.Rater.restore(_through_json(data), PLAN, [VM_HOURS])
    (kept,) = restored._records.values()
    assert kept == event
    assert kept.attributes["k"] == "\udc80"
    assert _through_json(restored.snapshot()) == _through_json(data)
    # The same record again is a duplicate of the restored one, not a conflict.
    assert restored.feed([event]).counts["duplicates"] == 1
    # vm-1 runs from 12:00: 12 h to midnight * 1 = 12.
    assert _usage(restored.statement("2026-03-02T00:00:00Z")) == [
        ("charge", "vm-1", Decimal(12), Decimal(12))
    ]


def test_surrogates_in_names_and_ids_are_saved_and_come_back_equal() -> None:
    event = rk.Event("a\udfff", "vm\ud800", "2026-03-01T12:00:00Z", kind="start", id="e\udc80")
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([event])
    rater.statement("2026-03-01T18:00:00Z")
    data = _through_json(rater.snapshot())
    restored = rk.Rater.restore(data, PLAN, [VM_HOURS])
    assert list(restored._records.values()) == [event]
    # 6 h reported at 18:00, 12 h by midnight: an increment of 6 h * 1 = 6.
    assert _usage(restored.statement("2026-03-02T00:00:00Z")) == [
        ("increment", "vm\ud800", Decimal(6), Decimal(6))
    ]
    # the cycle compacted away: the id is forgotten with the digest of its content
    restored.statement("2026-03-03T00:00:00Z")
    again = rk.Rater.restore(_through_json(restored.snapshot()), PLAN, [VM_HOURS])
    assert again.feed([event]).counts["duplicates"] == 1


def test_a_surrogate_pair_comes_back_as_the_character_it_encodes() -> None:
    # JSON cannot tell "\ud83d\ude00" (two code points) from the one character U+1F600:
    # json.loads joins the escaped pair. The snapshot still restores (its checksum is that
    # of the text JSON reads back), with the character.
    event = rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"k": "\ud83d\ude00"}, kind="start")
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([event])
    restored = rk.Rater.restore(_through_json(rater.snapshot()), PLAN, [VM_HOURS])
    (kept,) = restored._records.values()
    assert kept.attributes["k"] == "\U0001f600"
    # unescaped JSON keeps the two code points as they are
    raw = json.loads(json.dumps(rater.snapshot(), ensure_ascii=False))
    (kept,) = rk.Rater.restore(raw, PLAN, [VM_HOURS])._records.values()
    assert kept == event


_TEXT = st.text(
    st.one_of(st.characters(categories=["Cs"]), st.sampled_from("a\u00e9\U0001f600")),
    min_size=1,
    max_size=6,
)


@settings(max_examples=LAWS)
@given(key=_TEXT, value=_TEXT, record_id=_TEXT)
def test_any_text_the_feed_takes_survives_a_snapshot_through_json(
    key: str, value: str, record_id: str
) -> None:
    # Oracle: the snapshot read back from JSON restores, and the restored rater's
    # snapshot is the first one as JSON reads it back (nothing else changed).
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(
        [rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {key: value}, kind="start", id=record_id)]
    )
    data = _through_json(rater.snapshot())
    restored = rk.Rater.restore(data, PLAN, [VM_HOURS])
    assert _through_json(restored.snapshot()) == data


# -- hostile nesting ---------------------------------------------------------------------------


def _nested(depth: int, inner: object = 1) -> object:
    value = inner
    for level in range(depth):
        value = {"a": value} if level % 2 else [value]
    return value


@pytest.mark.parametrize("key", ["body", "fingerprint", "checksum", "format", "version", "x"])
def test_a_snapshot_nested_100000_deep_is_refused_not_a_recursion_error(key: str) -> None:
    data = dict(rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z").snapshot())
    data[key] = _nested(100_000)
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, PLAN, [VM_HOURS])
    assert str(caught.value) == (
        f"Rater snapshot {key!r} is nested more than 200 levels deep; that is not what "
        "Rater.snapshot() writes: restore an unaltered copy."
    )


def test_a_snapshot_holding_itself_is_refused() -> None:
    data: dict[str, Any] = dict(rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z").snapshot())
    loop: list[object] = []
    loop.append(loop)
    data["body"] = {"records": loop}
    with pytest.raises(rk.BadSnapshotError, match="'body' is nested more than 200 levels deep"):
        rk.Rater.restore(data, PLAN, [VM_HOURS])


def test_the_deepest_attribute_the_feed_takes_is_saved_and_restored() -> None:
    from ratekit import _snapshot

    # An attribute nests at most 32 levels (the description door); its snapshot nests
    # 71 (each level tagged, under the envelope and the record), well under 200.
    deepest = _nested(32, "x")
    with pytest.raises(rk.BadRecordError):
        rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"k": _nested(33, "x")})
    event = rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"k": deepest}, kind="start", id="e1")
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([event])
    rater.statement("2026-03-01T18:00:00Z")  # the description in the metering state too
    data = _through_json(rater.snapshot())
    assert not _snapshot.too_deep(data, 71)
    assert _snapshot.too_deep(data, 70)
    restored = rk.Rater.restore(data, PLAN, [VM_HOURS])
    assert list(restored._records.values()) == [event]


# -- the envelope ------------------------------------------------------------------------------


def _snapshot() -> dict[str, Any]:
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"f": "s"}, kind="start", id="e1")])
    rater.statement("2026-03-01T14:00:00Z")
    return _through_json(rater.snapshot())


def _resealed(data: dict[str, Any]) -> dict[str, Any]:
    from ratekit import _snapshot

    data = {key: value for key, value in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)  # anyone can recompute it
    return data


@pytest.mark.parametrize("version", [True, 1.0, "1", [1]])
def test_restore_takes_only_the_int_version(version: object) -> None:
    data = _snapshot()
    data["version"] = version  # True == 1.0 == 1 in Python: each was read as version 1
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), PLAN, [VM_HOURS])
    assert str(caught.value) == (
        f"Rater snapshot version {version!r} is unknown: this ratekit reads version 1; "
        "restore it with the ratekit that wrote it."
    )


def test_restore_refuses_other_keys_in_the_envelope() -> None:
    data = _snapshot()
    data["note"] = "mine"
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), PLAN, [VM_HOURS])
    assert str(caught.value) == (
        "Rater snapshot has keys 'note' that a snapshot has not; a snapshot has exactly body, "
        "checksum, fingerprint, format and version: restore an unaltered copy."
    )
    data = _snapshot()
    del data["fingerprint"]
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), PLAN, [VM_HOURS])
    assert str(caught.value) == (
        "Rater snapshot has no fingerprint; a snapshot has exactly body, checksum, "
        "fingerprint, format and version: restore an unaltered copy."
    )
    data = _snapshot()
    data["body"] = ["not", "an", "object"]
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_resealed(data), PLAN, [VM_HOURS])
    assert str(caught.value) == (
        "Rater snapshot body must be an object, not list: restore an unaltered copy."
    )
