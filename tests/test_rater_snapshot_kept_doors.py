"""Restore runs the feed's own doors on what a snapshot keeps: one id space, levels, instants.

A snapshot altered by hand and resealed passes its checksum. Restore then checks what
the rater keeps with the functions the feed checks a batch with, so that a snapshot it
takes can give statements: two kinds under one id (kept, or compacted away last), a
compacted level that a cycle's time takes past what prices take (alone, or summed with
the account's others), an instant of a compacted state or of the first-record table in
no computable cycle are refused naming the part and the field. Every expected amount is
worked by hand in a comment.
"""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._snapshots import edited, resealed, version_4

import ratekit as rk
from ratekit._instants import format_us

VM = rk.Meter("vm", "hour", rk.OnOff())
EGRESS = rk.Meter("eg", "B", rk.Counter())
DISK = rk.Meter("disk", "GB*hour", rk.Continuous("gb"))
UPLOAD = rk.Meter("up", "B", rk.Discrete())
TIERS = rk.Graduated([rk.Tier(100, "0.01"), rk.Tier(None, "0.001")])
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("vm", "vm", rk.PerUnit("0.1")),
        rk.PriceEntry("e", "eg", rk.PerUnit("0.001")),
        rk.PriceEntry("d", "disk", TIERS),
        rk.PriceEntry("u", "up", TIERS),
    ],
)
METERS = [VM, EGRESS, DISK, UPLOAD]
END = "Every statement metering it would fail: restore an unaltered copy."
OUTSIDE = (
    "is outside the range ratekit's calendars support (years 2 to 9998: from "
    "0002-01-01T00:00:00Z, inclusive, to 9998-12-31T00:00:00Z, exclusive)"
)


def _snapshot() -> dict[str, Any]:
    """Two disks of 5 GB from 1 March 01:00, a counter; 1 March compacted away (version 4)."""
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "v1", "2026-03-01T01:00:00Z", {"gb": 5}, kind="start", id="e1"),
            rk.Event("a", "v2", "2026-03-01T01:00:00Z", {"gb": 5}, kind="start", id="e2"),
            rk.Sample("a", "v1", "eg", "2026-03-01T02:00:00Z", 5, kind="counter", id="s1"),
        ]
    )
    rater.statement("2026-03-01T05:00:00Z")
    rater.feed([rk.Sample("a", "v1", "eg", "2026-03-02T02:00:00Z", 9, kind="counter", id="s2")])
    rater.statement("2026-03-02T05:00:00Z")
    rater.statement("2026-03-03T05:00:00Z")  # 2 March closes, 1 March is compacted away
    # As version 4 wrote it (an id compacted away a list of its own, forged by its path;
    # version 5's groups: tests/test_snapshot_remembered.py), still restored.
    data = version_4(rater.snapshot())
    body = data["body"]
    assert [state["description"] for state in body["state"]] == [{"gb": 5}, {"gb": 5}]
    assert body["by_resource"]["groups"][0][:2] == ["a", "v1"]
    assert body["by_resource"]["groups"][0][4] == {"prefix": "s", "steps": "E"}  # s2: 2, packed
    assert [item[:2] for item in body["forgotten"]] == [
        ["Event", "e1"],
        ["Event", "e2"],
        ["Sample", "s1"],
    ]
    return data


def _refusal(data: dict[str, Any]) -> str:
    with pytest.raises(rk.BadSnapshotError) as raised:
        rk.Rater.restore(resealed(data), PLAN, METERS)
    return str(raised.value)


# -- one id space across record kinds ---------------------------------------------------------


def test_two_kept_records_of_two_kinds_under_one_id_are_refused() -> None:
    # was: restored; every statement then raised ConflictingRecordError (batch rate()
    # refuses two kinds under one id), and a replay of the overwritten record was taken
    # as a new late one.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("a", "v1", "2026-03-01T01:00:00Z", {"gb": 5}, kind="start", id="e1"),
            rk.Sample("a", "v1", "eg", "2026-03-01T02:00:00Z", 5, kind="counter", id="s1"),
        ]
    )
    data = json.loads(json.dumps(rater.snapshot()))
    assert data["body"]["by_resource"]["groups"][0][4] == ["e1", "s1"]
    data["body"]["by_resource"]["groups"][0][4] = ["e1", "e1"]
    assert _refusal(data) == (
        "Rater snapshot holds the id 'e1' for records of several kinds: an event kept "
        "(body.by_resource) and a sample kept (body.by_resource); ids are one space across "
        "events, samples and inventories, as the feed keeps them (it takes a record whose "
        "id another kind holds as conflicting, and a statement refuses two kinds under one "
        "id): restore an unaltered copy."
    )


def test_a_kept_id_that_a_record_of_another_kind_compacted_away_holds_is_refused() -> None:
    data = _snapshot()
    data["body"]["forgotten"][0][1] = "s2"  # the event 'e1' forgotten as 's2'
    assert _refusal(data) == (
        "Rater snapshot holds the id 's2' for records of several kinds: an event compacted "
        "away (body.forgotten) and a sample kept (body.by_resource); ids are one space "
        "across events, samples and inventories, as the feed keeps them (it takes a record "
        "whose id another kind holds as conflicting, and a statement refuses two kinds "
        "under one id): restore an unaltered copy."
    )


def test_a_kept_inventory_under_a_sample_id_is_refused_naming_body_records() -> None:
    data = _snapshot()
    data["body"]["records"] = [["I", 1772503200000000, [["a", "v1", {"gb": 5}]], "snapshot", "s2"]]
    assert _refusal(data) == (
        "Rater snapshot holds the id 's2' for records of several kinds: a sample kept "
        "(body.by_resource) and an inventory kept (body.records); ids are one space across "
        "events, samples and inventories, as the feed keeps them (it takes a record whose "
        "id another kind holds as conflicting, and a statement refuses two kinds under one "
        "id): restore an unaltered copy."
    )
    data["body"]["records"][0][4] = "i1"  # an id of its own: restored
    rk.Rater.restore(resealed(data), PLAN, METERS).statement("2026-03-03T06:00:00Z")


# -- compacted levels: the feed's level doors --------------------------------------------------


def test_a_compacted_level_a_cycle_takes_past_what_prices_take_is_refused() -> None:
    # was: restored; every statement then raised BadQuantityError. The same level in a kept
    # event was refused (the feed's door), and a negative one in the state too.
    # 1E+29 GB x 24 h = 2.4E+30 GB*hour, not below 1E+30; accepted: below 1E+30 / 24.
    data = _snapshot()
    data["body"]["state"][0]["description"] = {"gb": 10**29}
    assert _refusal(data) == (
        "Rater snapshot keeps the state of resource 'v1' of 'a' (body.state[0]) with a "
        "description that sets the level of meter 'disk' to 100000000000000000000000000000 "
        "('gb'): held over a cycle of 24 hours (the longest of the cycles it can run "
        "through, in the year from its instant), its quantity would reach 2.4E+30 GB*hour, "
        "beyond what its price takes (a cycle's quantity below 1E+30 in magnitude, under a "
        "price other than PerUnit), so every statement from then on would fail to price "
        "it. A level is accepted from 0 up to but excluding 4.16666E+28; or price the "
        f"meter PerUnit. {END}"
    )


def test_a_compacted_level_below_the_limit_restores_and_is_priced() -> None:
    # 4E+28 GB x 24 h = 9.6E+29 GB*hour, below 1E+30: taken, as the feed takes it.
    data = _snapshot()
    data["body"]["state"][0]["description"] = {"gb": 4 * 10**28}
    statement = rk.Rater.restore(resealed(data), PLAN, METERS).statement("2026-03-03T06:00:00Z")
    (correction,) = [
        line for line in statement.lines if line.role == "correction" and line.meter == "disk"
    ]
    # 2 March, v1 at 4E+28 GB all day: 9.6E+29 GB*hour; its first 100 at 0.01 = 1, the
    # rest at 0.001 = 9.6E+26 - 0.1: 9.6E+26 + 0.9
    assert correction.resource == "v1"
    assert correction.quantity == Decimal("9.6E+29")
    assert correction.amount == Decimal("960000000000000000000000000.900")


def test_compacted_levels_summing_past_the_limit_are_refused() -> None:
    # Each 3E+28 is below 1E+30 / 24 = 4.1666E+28 alone; together 6E+28 x 24 h = 1.44E+30.
    data = _snapshot()
    for state in data["body"]["state"]:
        state["description"] = {"gb": 3 * 10**28}
    assert _refusal(data) == (
        "Rater snapshot keeps the state of resource 'v1' of 'a' (body.state[0]) with a "
        "description that sets the level of meter 'disk' to 30000000000000000000000000000, "
        "which with the levels of the account's 1 other resource of that meter (3E+28 "
        "summed, each its largest) makes 6E+28: held together over a cycle of 24 hours (the "
        "longest of the cycles they can run through, in the year from its instant; its own "
        "is 2026-03-02T00:00:00Z..2026-03-03T00:00:00Z), the account's quantity in one "
        "cycle would reach 1.44E+30 GB*hour, beyond what its price takes (a cycle's "
        "quantity below 1E+30 in magnitude, under a price other than PerUnit), so every "
        "statement from then on would fail to price it. The levels of one account's "
        "resources of a meter are accepted while their sum stays below 4.16666E+28 (here, "
        f"this one below 1.16666E+28); or price the meter PerUnit. {END}"
    )


def test_a_history_event_setting_a_level_past_the_limit_is_refused() -> None:
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(
        [rk.Event("a", "v", "2026-03-01T02:00:00Z", {"gb": 5}, kind="start", seq=1, id="e1")]
    )
    rater.statement("2026-03-03T01:00:00Z")  # 1 March compacted: the state keeps its history
    data = json.loads(json.dumps(rater.snapshot()))
    data["body"]["state"][0]["history"][0]["attributes"]["gb"] = 10**29
    message = _refusal(data)
    assert message.startswith(
        "Rater snapshot keeps the state of resource 'v' of 'a' (body.state[0]) with "
        "history[0] (event at 2026-03-01T02:00:00Z) that sets the level of meter 'disk' to "
        "100000000000000000000000000000 ('gb'): held over a cycle of 24 hours"
    )
    assert message.endswith(f"or price the meter PerUnit. {END}")


# -- instants in computable cycles -------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        (
            ("readings", 0, 1),
            -62135596800000000,
            "readings[0] (meter 'eg') at 0001-01-01T00:00:00Z",
        ),
        (("through_us",), 253402300799999999, "through_us at 9999-12-31T23:59:59.999999Z"),
        (("since_us",), -62135596800000000, "since_us at 0001-01-01T00:00:00Z"),
    ],
)
def test_a_compacted_instant_in_no_computable_cycle_is_refused(
    field: tuple[object, ...], value: int, words: str
) -> None:
    # was: restored; every statement then raised BadTimeError
    data = _snapshot()
    parent: Any = data["body"]["state"][0]
    for step in field[:-1]:
        parent = parent[step]
    parent[field[-1]] = value
    shown = words.rsplit(" at ", 1)[1]
    assert _refusal(data) == (
        f"Rater snapshot keeps the state of resource 'v1' of 'a' (body.state[0]) with "
        f"{words}, in no billing cycle the rater can compute (instant {shown} {OUTSIDE}); "
        "every statement metering it would fail: restore an unaltered copy."
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        # 2 March 00:00 is the kept cycles' start: a state there stands at it.
        (("through_us",), "2082-04-29T02:00:00Z", "through_us"),
        (("readings", 0, 1), "2026-03-02T00:00:00.000001Z", "readings[0] (meter 'eg')"),
        (("clock_us",), "2026-03-03T01:00:00Z", "clock_us"),
    ],
)
def test_a_compacted_instant_after_the_kept_cycles_start_is_refused(
    field: tuple[object, ...], value: str, words: str
) -> None:
    # was: restored (a state's through_us moved to 2082): metering from there took
    # minutes per statement. A compacted state is where its resource stood at the base.
    data = _snapshot()
    assert (
        data["body"]["base_us"] == rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z").start_us
    )
    parent: Any = data["body"]["state"][0]
    for step in field[:-1]:
        parent = parent[step]
    parent[field[-1]] = rk.Span(value, "9000-01-01T00:00:00Z").start_us
    shown = format_us(rk.Span(value, "9000-01-01T00:00:00Z").start_us)
    assert _refusal(data) == (
        f"Rater snapshot keeps the state of resource 'v1' of 'a' (body.state[0]) with "
        f"{words} at {shown}, after the start of the cycles the rater "
        "keeps (2026-03-02T00:00:00Z, body.base_us): a compacted state holds only what "
        "came by then; restore an unaltered copy."
    )


def test_a_first_record_instant_in_no_computable_cycle_is_refused() -> None:
    # was: restored; every statement then raised BadTimeError
    data = _snapshot()
    data["body"]["first"][0][1] = -62135596800000000
    assert _refusal(data) == (
        "Rater snapshot body.first[0] gives the account 'a' its first record at "
        f"0001-01-01T00:00:00Z, in no billing cycle the rater can compute (instant "
        f"0001-01-01T00:00:00Z {OUTSIDE}); every statement billing it would fail: restore "
        "an unaltered copy."
    )


# -- any single field altered: refused, or a rater that gives statements ----------------------


def _rich() -> dict[str, Any]:
    """A snapshot with every part of a body filled, levels and sums the feed judges included."""
    rater = rk.Rater(
        PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=datetime.timedelta(hours=2)
    )
    rater.feed(
        [
            rk.Event("a", "v1", "2026-03-01T01:00:00Z", {"gb": 5}, kind="start", id="e1"),
            rk.Sample("a", "v1", "eg", "2026-03-01T02:00:00Z", 5, kind="counter", id="s1"),
            rk.Sample("a", "v1", "up", "2026-03-01T02:00:00Z", 5, id="u1"),
            rk.Sample("b", "w1", "up", "2026-03-01T02:00:00Z", 7),
            rk.Event("b", "w1", "2026-03-01T01:00:00Z", {"gb": 3}, kind="start", seq=1, id="b1"),
            rk.Inventory(
                "2026-03-01T03:00:00Z",
                {("a", "v2"): {"gb": 7}, ("a", "v1"): {"gb": 5}},
                id="i1",
                accounts=["a"],
            ),
        ]
    )
    rater.statement("2026-03-01T05:00:00Z")
    for day in (2, 3):
        rater.feed(
            [
                rk.Sample(
                    "a",
                    "v1",
                    "eg",
                    f"2026-03-0{day}T02:00:00Z",
                    5 * day,
                    kind="counter",
                    id=f"s{day}",
                ),
                rk.Event(
                    "b",
                    "w1",
                    f"2026-03-0{day}T01:00:00Z",
                    {"gb": day},
                    kind="update",
                    seq=day,
                    id=f"b{day}",
                ),
                rk.Sample(
                    "a",
                    "v2",
                    "up",
                    f"2026-03-0{day}T02:00:00Z",
                    "2.5",
                    since=f"2026-03-0{day}T01:00:00Z",
                    id=f"u{day}",
                ),
            ]
        )
        rater.statement(f"2026-03-0{day}T05:00:00Z")
    rater.feed(
        [
            rk.Sample("a", "v1", "eg", "2026-03-02T03:00:00Z", 12, kind="counter", id="late"),
            rk.Event("b", "w1", "2026-03-02T03:00:00Z", {"gb": 4}, kind="update", seq=9, id="b9"),
            rk.Sample("a", "v1", "eg", "2026-03-03T03:00:00Z", 17, kind="counter", id="s4"),
            rk.Inventory(
                "2026-03-03T04:00:00Z", {("a", "v2"): {"gb": 8}, ("a", "v1"): {"gb": 5}}, id="i2"
            ),
        ]
    )
    rater.statement("2026-03-03T06:00:00Z")
    data: dict[str, Any] = json.loads(json.dumps(rater.snapshot()))
    body = data["body"]
    assert all(body[part] for part in ("state", "records", "by_resource", "forgotten"))
    assert all(body[part] for part in ("late_keys", "reported", "anomalies", "first"))
    return data


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


def _texts(value: object) -> set[str]:
    """Every string of ``value``: the ids, names and keys a forger would move about."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value).union(*map(_texts, value.values()))
    if isinstance(value, list):
        return set().union(*map(_texts, value))
    return set()


RICH = _rich()
# Per part of the body, the places in it: a part is drawn first, so that the small ones
# (first, forgotten) are edited as often as the large ones.
PARTS = {part: _places(value, (part,)) for part, value in RICH["body"].items()}
IDS = ["e1", "s1", "u1", "b1", "i1", "s2", "b2", "u2", "s3", "b3", "u3", "late", "b9", "s4", "i2"]
AS_OF_US = RICH["body"]["as_of_us"]
_DAY = 86_400_000_000
_TEXTS = st.sampled_from(sorted(_texts(RICH["body"])))
_IDS = st.sampled_from(IDS)
_ANY = st.sampled_from([None, True, "", "-5", "NaN", "1E+29", [], {}, {"gb": 10**29}])
_EXTREMES = st.sampled_from([0, -1, 10**29, -62135596800000000, 253402300799999999])


def _at(place: tuple[object, ...]) -> object:
    value: Any = RICH["body"]
    for step in place:
        value = value[step]
    return value


def _like(place: tuple[object, ...]) -> st.SearchStrategy[object]:
    """Values a forger would put at ``place``: mostly of its own type, near its own value.

    A string is swapped for an id of the stream, or another string of the body, an
    integer moved by up to ten days (an instant) or to an extreme, anything else (and,
    now and then, these too) set to a value of another type.
    """
    value = _at(place)
    if isinstance(value, str):
        return st.one_of(_IDS, _TEXTS, _ANY)
    if isinstance(value, int) and not isinstance(value, bool):
        shifts = st.integers(-10 * _DAY, 10 * _DAY).map(lambda shift: value + shift)
        return st.one_of(shifts, _EXTREMES, st.integers(-(10**30), 10**30), _ANY)
    return st.one_of(_ANY, _TEXTS, _EXTREMES)


@settings(max_examples=LAWS)
@given(
    edit=st.sampled_from(sorted(PARTS))
    .flatmap(lambda part: st.sampled_from(PARTS[part]))
    .flatmap(lambda place: st.tuples(st.just(place), _like(place))),
    how=st.sampled_from(["set", "set", "drop", "twice"]),
)
def test_any_field_altered_and_resealed_is_refused_or_gives_statements(
    edit: tuple[tuple[object, ...], object], how: str
) -> None:
    # Oracle: restore refuses with a BadSnapshotError, or the rater it gives can give a
    # statement, within the hour and once three more days have closed (compacting what
    # it kept): nothing else escapes.
    where, value = edit
    data = copy.deepcopy(RICH)
    edited(data["body"], where, how, value)
    try:
        rater = rk.Rater.restore(resealed(data), PLAN, METERS)
    except rk.BadSnapshotError:
        return
    as_of_us = max(rater._as_of_us, AS_OF_US)
    for later_us in (as_of_us + 3_600_000_000, as_of_us + 3 * _DAY):
        rater.statement(format_us(later_us))
