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
from tests._snapshots import edited, resealed, version_1, version_4

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])


def _through_json(data: object) -> Any:
    return json.loads(json.dumps(data))


def _usage(statement: rk.Statement) -> list[tuple[str, str, Decimal, Decimal]]:
    return [(x.role, x.resource or "", x.quantity, x.amount) for x in statement.lines]


# -- text the feed took: valid Unicode text only ----------------------------------------------


def test_a_lone_surrogate_in_an_attribute_is_refused_at_the_door() -> None:
    # was: taken by the feed, saved and restored equal. The rule changed: a string holding a
    # surrogate code point is no text UTF-8 can encode; the record door refuses it, naming
    # the record and the attribute, so no snapshot, row or state ever holds one.
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"k": "\udc80"}, kind="start", id="e1")
    assert str(raised.value).startswith(
        "event 'e1' attribute 'k' value '\\udc80' is not valid Unicode text: it holds a "
        "surrogate code point ('\\udc80' at index 0)"
    )
    with pytest.raises(rk.RatekitTypeError, match=r"^event 'e1' attribute name '\\ud800'"):
        rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"\ud800": "x"}, kind="start", id="e1")


def test_surrogates_in_names_and_ids_never_reach_a_snapshot() -> None:
    # was: taken by the feed and saved (a rule changed: text is valid Unicode text at the
    # doors, so every snapshot is UTF-8 text). The record doors refuse them, naming the field.
    with pytest.raises(rk.RatekitTypeError, match=r"^event 'e1' account 'a\\udfff' is not valid"):
        rk.Event("a\udfff", "vm-1", "2026-03-01T12:00:00Z", kind="start", id="e1")
    with pytest.raises(rk.RatekitTypeError, match=r"^event id 'e\\udc80' is not valid"):
        rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", kind="start", id="e\udc80")
    with pytest.raises(rk.RatekitTypeError, match=r"attribute 'k' value '\\ud83d\\ude00'"):
        # a surrogate pair held as two code points is not the character it encodes
        rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"k": "\ud83d\ude00"}, kind="start")


def test_any_character_comes_back_equal_through_json() -> None:
    event = rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"k": "\U0001f600"}, kind="start")
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([event])
    restored = rk.Rater.restore(_through_json(rater.snapshot()), PLAN, [VM_HOURS])
    (kept,) = restored._records.values()
    assert kept == event
    # unescaped JSON, as UTF-8 bytes, keeps it too
    raw = json.loads(json.dumps(rater.snapshot(), ensure_ascii=False).encode("utf-8"))
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
    texts = (key, value, record_id)
    if any("\ud800" <= char <= "\udfff" for text in texts for char in text):
        # not valid Unicode text: refused at the door, never fed
        with pytest.raises(rk.RatekitTypeError, match=r"is not valid Unicode text"):
            rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {key: value}, kind="start", id=record_id)
        return
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
    # 69 (each level tagged, under the envelope and the table of attributes), well under
    # 200. (Version 1 wrote the attributes in the record: 71.)
    deepest = _nested(32, "x")
    with pytest.raises(rk.BadRecordError):
        rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"k": _nested(33, "x")})
    event = rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"k": deepest}, kind="start", id="e1")
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([event])
    rater.statement("2026-03-01T18:00:00Z")  # the description in the metering state too
    data = _through_json(rater.snapshot())
    assert not _snapshot.too_deep(data, 69)
    assert _snapshot.too_deep(data, 68)
    restored = rk.Rater.restore(data, PLAN, [VM_HOURS])
    assert list(restored._records.values()) == [event]


# -- the envelope ------------------------------------------------------------------------------


def _snapshot() -> dict[str, Any]:
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"f": "s"}, kind="start", id="e1")])
    rater.statement("2026-03-01T14:00:00Z")
    return _through_json(rater.snapshot())


@pytest.mark.parametrize("version", [True, 1.0, "1", [1]])
def test_restore_takes_only_the_int_version(version: object) -> None:
    data = _snapshot()
    data["version"] = version  # True == 1.0 == 1 in Python: each was read as version 1
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(data), PLAN, [VM_HOURS])
    if version in (True, 1.0):  # a number equal to a version read: its type is named
        assert str(caught.value) == (
            f"Rater snapshot version {version!r} is a {type(version).__name__}, not an int: "
            "Rater.snapshot() writes it as an int (1, 2, 3, 4 or 5); restore the snapshot as "
            "json.loads() reads it (a reader that makes every number a float changes it)."
        )
    else:
        assert str(caught.value) == (
            f"Rater snapshot version {version!r} is unknown: this ratekit reads versions 1, 2, 3, 4 and 5; "
            "restore it with the ratekit that wrote it."
        )


def test_restore_refuses_other_keys_in_the_envelope() -> None:
    data = _snapshot()
    data["note"] = "mine"
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(data), PLAN, [VM_HOURS])
    assert str(caught.value) == (
        "Rater snapshot has keys 'note' that a snapshot has not; a snapshot has exactly body, "
        "checksum, fingerprint, format and version: restore an unaltered copy."
    )
    data = _snapshot()
    del data["fingerprint"]
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(data), PLAN, [VM_HOURS])
    assert str(caught.value) == (
        "Rater snapshot has no fingerprint; a snapshot has exactly body, checksum, "
        "fingerprint, format and version: restore an unaltered copy."
    )
    data = _snapshot()
    data["body"] = ["not", "an", "object"]
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(resealed(data), PLAN, [VM_HOURS])
    assert str(caught.value) == (
        "Rater snapshot body must be an object, not list: restore an unaltered copy."
    )


# -- a body altered and resealed: checked for shape and range ------------------------------------
# _snapshot(): base_us = closed_us = 1 March 00:00 (1772323200000000), as_of_us = 14:00
# (1772373600000000), horizon 0; vm-1's start e1 at 12:00 (1772366400000000), its line
# reported for the day (to 2 March, 1772409600000000).

INCONSISTENT = "Rater snapshot is inconsistent: {}; it was altered by hand or damaged: restore an unaltered copy."
MALFORMED = "Rater snapshot body is malformed (at {}: {}); restore an unaltered copy."
OUTSIDE = (
    "Rater snapshot {} {} lies outside the instants ratekit represents (-62135596800000000 to "
    "253402300799999999 µs, that is 0001-01-01 to 9999-12-31 in UTC); restore an unaltered copy."
)


def _forged(path: tuple[object, ...], value: object) -> dict[str, Any]:
    data = _snapshot()
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
    return resealed(data)


def _refusal(data: dict[str, Any]) -> str:
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, PLAN, [VM_HOURS])
    return str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "as_of_us",
            1_772_319_600_000_000,  # 28 February 23:00, an hour before base_us
            INCONSISTENT.format(
                "as_of_us 1772319600000000 (2026-02-28T23:00:00Z) is before base_us "
                "1772323200000000 (2026-03-01T00:00:00Z); the watermark is never before the "
                "kept cycles' start"
            ),
        ),
        (
            "as_of_us",
            1_772_496_000_000_000,  # 3 March: the day from 1 March would have closed
            INCONSISTENT.format(
                "the cycle from closed_us 1772323200000000 ends at 1772409600000000 "
                "(2026-03-02T00:00:00Z), which plus horizon_us 0 is at or before as_of_us "
                "1772496000000000: a statement closes every cycle that has ended by then"
            ),
        ),
        ("as_of_us", 10**20, OUTSIDE.format("as_of_us", 10**20)),
        ("base_us", -(10**30), OUTSIDE.format("base_us", -(10**30))),
        ("closed_us", 10**80, OUTSIDE.format("closed_us", "<an integer of 81 digits>")),
        (
            "horizon_us",
            86_400_000_000 * 1_000_000_000,  # a billion days: more than a timedelta holds
            (
                "Rater snapshot horizon_us 86400000000000000000 is longer than a rater's horizon "
                "can be (a timedelta, at most 86399999999999999999 µs); restore an unaltered copy."
            ),
        ),
        (
            "base_us",
            -62_135_596_800_000_000,  # 1 January of year 1: no calendar cycle holds it
            (
                "Rater snapshot base_us -62135596800000000 (0001-01-01T00:00:00Z) lies outside the "
                "cycles of its plans (instant 0001-01-01T00:00:00Z is outside the range ratekit's "
                "calendars support (years 2 to 9998: from 0002-01-01T00:00:00Z, inclusive, to "
                "9998-12-31T00:00:00Z, exclusive).); restore an unaltered copy."
            ),
        ),
    ],
)
def test_restore_refuses_instants_out_of_place(field: str, value: int, message: str) -> None:
    assert _refusal(_forged((field,), value)) == message


def test_restore_refuses_a_closed_cycle_the_watermark_or_horizon_cannot_have_closed() -> None:
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", kind="start", id="e1")])
    rater.statement("2026-03-02T14:00:00Z")  # 1 March closed: closed_us = 2 March 00:00
    data = _through_json(rater.snapshot())
    assert data["body"]["closed_us"] == 1_772_409_600_000_000
    before = json.loads(json.dumps(data))
    before["body"]["as_of_us"] = 1_772_366_400_000_000  # 1 March 12:00
    assert _refusal(resealed(before)) == INCONSISTENT.format(
        "as_of_us 1772366400000000 (2026-03-01T12:00:00Z) is before closed_us "
        "1772409600000000 (2026-03-02T00:00:00Z); the watermark is never before the end of "
        "the last closed cycle"
    )
    horizon = json.loads(json.dumps(data))
    horizon["body"]["horizon_us"] = 86_400_000_000  # a day: 1 March closes on 3 March
    assert _refusal(resealed(horizon)) == INCONSISTENT.format(
        "closed_us 1772409600000000 plus horizon_us 86400000000 is after as_of_us "
        "1772460000000000; a cycle closes once its end plus the horizon is at or before the "
        "watermark"
    )
    # a rater started before 1970 has negative instants, and they restore
    early = rk.Rater(PLAN, [VM_HOURS], start="1960-01-01T00:00:00Z")
    again = rk.Rater.restore(_through_json(early.snapshot()), PLAN, [VM_HOURS])
    assert again._base_us == -315_619_200_000_000


BODY_KEYS = (
    "a body holds anomalies, as_of_us, base_us, closed_us, dirty, forgotten, horizon_us, "
    "late, late_keys, records, reported, state (and by_resource, first and late_seen, which "
    "the first snapshots lacked, and allowed, when compacted cycles used an allowance with "
    "its own period): restore an unaltered copy."
)


def test_restore_refuses_a_body_with_keys_missing_or_unknown() -> None:
    data = _snapshot()
    del data["body"]["base_us"]
    del data["body"]["reported"]
    assert _refusal(resealed(data)) == (
        f"Rater snapshot body has no base_us, reported; {BODY_KEYS}"
    )
    data = _snapshot()
    data["body"]["extra"] = 1
    del data["body"]["late"]
    assert _refusal(resealed(data)) == (
        f"Rater snapshot body has no late and has unknown keys 'extra'; {BODY_KEYS}"
    )
    # the first snapshots had no by_resource, late_seen nor first: still read
    data = _snapshot()
    body = data["body"]
    body["records"] = [["E", "a", "vm-1", 1_772_366_400_000_000, {"f": "s"}, "start", "e1", None]]
    for key in ("by_resource", "late_seen", "first"):
        del body[key]
    restored = rk.Rater.restore(resealed(data), PLAN, [VM_HOURS])
    # vm-1 runs from 12:00: 2 h reported at 14:00, 4 h at 16:00, an increment of 2 h * 1 = 2.
    assert _usage(restored.statement("2026-03-01T16:00:00Z")) == [
        ("increment", "vm-1", Decimal(2), Decimal(2))
    ]


EVENT = ["E", 1_772_366_400_000_000, {"f": "s"}, "start", "e1"]
GROUP = ("by_resource", 0, 2)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        # a record kept twice
        (
            GROUP,
            [EVENT, EVENT],
            (
                "Rater snapshot keeps the Event 'e1' twice (in body.records and body.by_resource); "
                "a snapshot keeps each record once: restore an unaltered copy."
            ),
        ),
        (
            GROUP,
            [EVENT[:4], EVENT[:4]],
            (
                "Rater snapshot keeps an event without id at 2026-03-01T12:00:00Z twice (in "
                "body.records and body.by_resource); a snapshot keeps each record once: restore "
                "an unaltered copy."
            ),
        ),
        # each list of the body lists an item once
        (
            ("forgotten",),
            [["Event", "e0", "0123456789abcdef"], ["Event", "e0", "0123456789abcdef"]],
            (
                "Rater snapshot body.forgotten[1] repeats ('Event', 'e0'), listed before it; a "
                "snapshot lists each once: restore an unaltered copy."
            ),
        ),
        (
            ("late_seen",),
            ["e1", "e1"],
            (
                "Rater snapshot body.late_seen[1] repeats 'e1', listed before it; a snapshot lists "
                "each once: restore an unaltered copy."
            ),
        ),
        (
            ("dirty",),
            [["a", None], ["a", None]],
            (
                "Rater snapshot body.dirty[1] repeats ('a', None), listed before it; a snapshot "
                "lists each once: restore an unaltered copy."
            ),
        ),
        (
            ("first",),
            [["a", 1_772_366_400_000_000], ["a", 1_772_366_400_000_000]],
            (
                "Rater snapshot body.first[1] repeats 'a', listed before it; a snapshot lists each "
                "once: restore an unaltered copy."
            ),
        ),
        (
            ("state",),
            [{"account": "a", "resource": "r", "status": "stopped", "description": {}}] * 2,
            (
                "Rater snapshot body.state[1] repeats ('a', 'r'), listed before it; a snapshot "
                "lists each once: restore an unaltered copy."
            ),
        ),
    ],
)
def test_restore_refuses_an_item_listed_twice(
    path: tuple[object, ...], value: object, message: str
) -> None:
    assert _refusal(_forged(path, value)) == message


_SCOPED_ITEM = ["I", 1_772_236_800_000_000, [], "snapshot", None, ["a"], [["entity", "vm"]]]
_NOT_SCOPED = (
    "Rater snapshot body.scoped[0] is not an inventory compacted with a where: each is an "
    "inventory with no resource listed, no id and a where, stamped before base_us; restore "
    "an unaltered copy."
)


@pytest.mark.parametrize(
    ("index", "value"),
    [
        (4, "i1"),  # an id
        (2, [["a", "vm-1", {}]]),  # a listing
        (6, []),  # no where
        (1, 1_772_323_200_000_000),  # at base_us (1 March 00:00)
    ],
)
def test_restore_refuses_a_scoped_inventory_that_compaction_could_not_have_kept(
    index: int, value: object
) -> None:
    item = list(_SCOPED_ITEM)
    item[index] = value
    assert _refusal(_forged(("scoped",), [item])) == _NOT_SCOPED
    # (28 February 00:00, before base_us, as compaction keeps one: restored)
    rk.Rater.restore(_forged(("scoped",), [_SCOPED_ITEM]), PLAN, [VM_HOURS])._check()


def test_restore_refuses_a_scope_kept_twice_and_a_record_that_is_not_one() -> None:
    later = [*_SCOPED_ITEM[:1], 1_772_240_400_000_000, *_SCOPED_ITEM[2:]]
    assert _refusal(_forged(("scoped",), [_SCOPED_ITEM, later])) == (
        "Rater snapshot body.scoped[1] repeats the scope of an earlier item: it keeps the "
        "last inventory compacted per accounts, where and close; restore an unaltered copy."
    )
    assert _refusal(_forged(("scoped",), [["E", "a"]])).startswith(
        "Rater snapshot body is malformed (at body.scoped[0]: "
    )


def test_restore_refuses_a_reported_line_listed_twice() -> None:
    data = version_1(_snapshot())  # version 1's lines; version 2's: test_snapshot_format.py
    data["body"]["reported"] *= 2
    assert _refusal(resealed(data)) == (
        "Rater snapshot body.reported[1] repeats ('a', 1772323200000000, 1772409600000000, "
        "'usage', 'p', 'vm.hours', ...), listed before it; a snapshot lists each once: "
        "restore an unaltered copy."
    )


@pytest.mark.parametrize(
    ("path", "value", "where", "why"),
    [
        # forgotten ids: [type, id, digest]
        (("forgotten",), [5], "body.forgotten[0]", "a forgotten id must be a list, not int: 5"),
        (
            ("forgotten",),
            [["Event"]],
            "body.forgotten[0]",
            "a forgotten id must be 2 to 3 strings, not ['Event']",
        ),
        (
            ("forgotten",),
            [["Event", "e0", "0123456789abcdef", "x"]],
            "body.forgotten[0]",
            "a forgotten id must be 2 to 3 strings, not ['Event', 'e0', '0123456789abcdef', 'x']",
        ),
        (
            ("forgotten",),
            [["Bogus", "e0"]],
            "body.forgotten[0]",
            "a forgotten id names a record type, not 'Bogus'",
        ),
        (("forgotten",), [["Event", ""]], "body.forgotten[0]", "a forgotten id must not be empty"),
        (
            ("forgotten",),
            [["Event", "e0", "xyz"]],
            "body.forgotten[0]",
            "a forgotten id's digest must be 16 or 64 lowercase hex digits, not 'xyz'",
        ),
        # reported lines and resource states of the wrong shape
        (
            ("state",),
            [{"account": "a", "resource": "r", "status": "stopped", "description": {}, "x": 1}],
            "body.state[0]",
            (
                "a resource state has unknown keys 'x'; it holds account, applied, base, "
                "before, clock_us, complete, description, history, listings, opened_by, readings, resource, seq, "
                "since_us, "
                "status, through_us"
            ),
        ),
        (
            ("state",),
            [{"account": "a", "resource": "r", "status": "stopped"}],
            "body.state[0]",
            (
                "ResourceState data lacks 'description'; it holds account, resource, status, "
                "description and optional fields, as to_json() returns them."
            ),
        ),
        (
            ("state",),
            [5],
            "body.state[0]",
            "ResourceState data must be a mapping (what to_json() returned), not int: 5.",
        ),
        # pairs and triples that were unpacked ("too many values to unpack")
        (
            ("dirty",),
            [["a", "vm-1", "x"]],
            "body.dirty[0]",
            "a touched resource is an account and a resource or null, not ['a', 'vm-1', 'x']",
        ),
        (
            ("first",),
            [["a"]],
            "body.first[0]",
            "an account's first record must be [account, at_us], not ['a']",
        ),
        (
            ("anomalies",),
            [["late", "m"]],
            "body.anomalies[0]",
            (
                "an anomaly must be [kind, message, [record id, ...], account, resource, at_us, "
                "meter, quantity] (or its first three or six), not ['late', 'm']"
            ),
        ),
        (
            ("by_resource", 0),
            ["a", "vm-1"],
            "body.by_resource[0]",
            "a group must be [account, resource, [record, ...]], not ['a', 'vm-1']",
        ),
        (
            ("by_resource",),
            5,
            "body.by_resource",
            "it must be a list, not int: 5",
        ),
        (
            GROUP,
            [[]],
            "body.by_resource[0][2][0]",
            "a grouped record must start with its tag 'E', 'S' or 'D', not []",
        ),
        (
            GROUP,
            [[*EVENT, None, "x"]],
            "body.by_resource[0][2][0]",
            (
                'an event of a group must be ["E", at_us, attributes, kind, id, seq] (trailing '
                "nulls left out), not ['E', 1772366400000000, {'f': 's'}, 'start', 'e1', None, "
                "...]"  # shown cut after six items
            ),
        ),
        (
            GROUP,
            [["D", "vm.hours"]],
            "body.by_resource[0][2][0]",
            "a delta must be [\"D\", meter, at_us, value] or [..., id], not ['D', 'vm.hours']",
        ),
        (
            ("records",),
            [["I", 1_772_370_000_000_000]],
            "body.records[0]",
            (
                'an inventory must be ["I", at_us, [[account, resource, attributes], ...], '
                "close, id] or [..., accounts, where], not ['I', 1772370000000000]"
            ),
        ),
        (
            ("records",),
            [["X"]],
            "body.records[0]",
            "a record must start with its tag 'E', 'S' or 'I', not ['X']",
        ),
        (
            ("records", 0, 2),
            [["a", "vm-1"]],
            "body.records[0]",
            "an inventory's resource must be [account, resource, attributes], not ['a', 'vm-1']",
        ),
        (
            ("records", 0, 2),
            [["a", "vm-1", {}], ["a", "vm-1", {}]],
            "body.records[0]",
            "an inventory lists ['a', 'vm-1'] twice",
        ),
        (
            ("late_keys",),
            [["record"]],
            "body.late_keys[0]",
            "a record's identity must be [type, id] or [\"record\", record], not ['record']",
        ),
        (
            ("late_seen",),
            [5],
            "body.late_seen[0]",
            "a late record's id must be a non-empty string, not 5",
        ),
    ],
)
def test_restore_refuses_a_part_of_the_wrong_shape_naming_it(
    path: tuple[object, ...], value: object, where: str, why: str
) -> None:
    data = _snapshot()
    if path[0] == "by_resource":  # version 1's paths (see _forged())
        data = version_1(data)
    elif path[0] == "forgotten":  # version 4's (see _forged())
        data = version_4(data)
    data["body"]["records"] = [["I", 1_772_370_000_000_000, [["a", "vm-1", {}]], "snapshot", "i1"]]
    place: Any = data["body"]
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = value
    assert _refusal(resealed(data)) == MALFORMED.format(where, why)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            5,
            (
                "Rater snapshot reported line 5 is not a list of 12 items (account, cycle start and "
                "end, kind, plan, meter, entry, resource, unit, currency, quantity and amount "
                "totals); restore an unaltered copy."
            ),
        ),
        (
            {"account": "a"},
            (
                "Rater snapshot reported line {'account': 'a'} is not a list of 12 items (account, "
                "cycle start and end, kind, plan, meter, entry, resource, unit, currency, quantity "
                "and amount totals); restore an unaltered copy."
            ),
        ),
        (
            ["a", 0, 10**30, "usage", "p", "vm.hours", "vm", "vm-1", "hour", "EUR", "2", "2"],
            (
                "Rater snapshot reported line ['a', 0, 1000000000000000000000000000000, 'usage', "
                "'p', 'vm.hours', 'vm', 'vm-1', 'hour', 'EUR'] is not a line's key (account, cycle "
                "start and end in integer microseconds, kind, plan, meter, entry, resource, unit, "
                "currency); restore an unaltered copy."
            ),
        ),
    ],
)
def test_restore_refuses_a_reported_line_of_the_wrong_shape(line: object, message: str) -> None:
    assert _refusal(_forged(("reported", 0), line)) == message


# -- any part altered: a BadSnapshotError in the project's words, or a rater ----------------------

# What Python says of its own failures: none of it may reach a refusal's message.
_INTERNALS = (
    "unpack",
    "object is not",
    "index out of range",
    "unhashable",
    "not subscriptable",
    "has no attribute",
    "positional argument",
    "object of type",
    "Traceback",
)

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.sampled_from(["", "x", "e1", "a", "vm-1", "E", "S", "I", "D", "Event", "record", "1"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


def _places(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path into ``value``'s lists and dicts (the places a forger can edit)."""
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _places(item, (*path, index))
    return out


def _rich_snapshots() -> tuple[list[dict[str, Any]], rk.Plan, list[rk.Meter]]:
    """Snapshots with every part of a body filled: kept and forgotten records, late ones."""
    egress = rk.Meter("egress", "B", rk.Counter())
    plan = rk.Plan(
        "p",
        "EUR",
        DAILY,
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)),
            rk.PriceEntry("e", "egress", rk.PerUnit(1)),
        ],
    )
    rater = rk.Rater(plan, [VM_HOURS, egress], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "vm-1", "2026-03-01T12:00:00Z", {"n": [1, "2.5"]}, kind="start", id="e1"),
            rk.Event("a", "vm-1", "2026-03-01T13:00:00Z", kind="stop"),
            rk.Event("a", "vm-2", "2026-03-01T13:30:00Z", kind="stop", id="o1"),
            rk.Sample("a", "ip-1", "egress", "2026-03-01T12:00:00Z", 7, kind="counter", id="s1"),
            rk.Inventory("2026-03-01T13:00:00Z", [("a", "vm-1")], id="i1"),
            rk.Inventory("2026-03-01T14:00:00Z", [], accounts=["a"], where={"zone": "z"}),
        ]
    )
    rater.statement("2026-03-02T14:00:00Z")  # 1 March closes
    rater.feed([rk.Event("a", "vm-1", "2026-03-01T15:00:00Z", kind="start", id="late")])
    rater.feed([rk.Event("a", "vm-3", "2026-03-02T15:00:00Z", kind="start")])
    first = _through_json(rater.snapshot())
    rater.statement("2026-03-03T01:00:00Z")  # 2 March closes, 1 March compacted away
    second = _through_json(rater.snapshot())
    # Judged too late (before 2 March), and remembered: with an id and without.
    rater.feed(
        [
            rk.Event("a", "vm-9", "2026-03-01T10:00:00Z", kind="start", id="tl"),
            rk.Event("a", "vm-8", "2026-03-01T11:00:00Z", kind="start"),
        ]
    )
    third = _through_json(rater.snapshot())
    assert len(third["body"]["too_late"]) == 2
    assert len(third["body"]["scoped"]) == 1
    return [first, second, third], plan, [VM_HOURS, egress]


_RICH = _rich_snapshots()
_PLACES = [
    (number, place) for number, data in enumerate(_RICH[0]) for place in _places(data["body"])[1:]
]


@settings(max_examples=LAWS)
@given(where=st.sampled_from(_PLACES), value=_JSON, how=st.sampled_from(["set", "drop", "twice"]))
def test_any_part_altered_and_resealed_is_refused_in_words_or_restores(
    where: tuple[int, tuple[object, ...]], value: object, how: str
) -> None:
    # Oracle: restore either gives a rater whose invariants hold, or a BadSnapshotError
    # whose message is the project's own (it names the snapshot, not Python's internals).
    snapshots, plan, meters = _RICH
    number, place = where
    data = _through_json(snapshots[number])
    edited(data["body"], place, how, value)
    try:
        restored = rk.Rater.restore(resealed(data), plan, meters)
    except rk.BadSnapshotError as error:
        message = str(error)
        assert message.startswith("Rater snapshot"), message
        assert not any(word in message for word in _INTERNALS), message
    else:
        restored._check()
