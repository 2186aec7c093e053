"""Descriptions as real feeds send them: nested values, dotted paths, conflicts, bad numbers."""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _budget import LAWS
from ratekit._instants import format_us
from ratekit._paths import MISSING, lookup
from ratekit._versions import standing

T0 = "2026-03-01T00:00:00Z"
T0_US = 1_772_323_200_000_000
HOUR = 3_600_000_000
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())


def at(hours: float) -> str:
    return format_us(T0_US + int(hours * HOUR))


def run(
    records: list[rk.Event | rk.Sample | rk.Inventory], *meters: rk.Meter, **options: object
) -> rk.Usage:
    return rk.meter(
        records,
        meters,
        span=MARCH,
        cycle=None,
        as_of="2026-04-01T00:00:00Z",
        **options,  # type: ignore[arg-type]
    )


#: A Ceilometer image.size sample's resource_metadata (seed 001), trimmed.
IMAGE_METADATA = {
    "checksum": None,
    "deleted": False,
    "min_disk": 0,
    "name": "openstack-client-vm",
    "properties": {
        "bdm_v2": "True",
        "disk_format": "raw",
        "image_name": "Official-ubuntu-trusty",
        "size": "2361393152",
    },
    "size": 0,
    "status": "active",
}


# -- nested descriptions ---------------------------------------------------------------------


def test_a_ceilometer_description_is_metered_by_dotted_paths() -> None:
    image = rk.Meter(
        "image",
        "B*hour",
        rk.Continuous(
            "properties.size", when={"status": "active", "properties.disk_format": "raw"}
        ),
    )
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("229301dc", "87252d51", at(0), IMAGE_METADATA, kind="start", id="e1"),
        rk.Event("229301dc", "87252d51", at(3), kind="delete", id="e2"),
    ]
    usage = run(records, image)
    # The size is the nested properties.size (a numeric string), not the top-level size 0:
    # 2361393152 B held 3 h = 7084179456 B*hour.
    assert [row.quantity for row in usage.rows] == [Decimal(7084179456)]
    assert usage.rows[0].description["properties"]["size"] == "2361393152"
    # Equal to its plain equivalent; a top-level None removes its key (checksum).
    assert usage.rows[0].description == {k: v for k, v in IMAGE_METADATA.items() if v is not None}


def test_a_condition_on_a_nested_value_that_does_not_hold_meters_nothing() -> None:
    image = rk.Meter(
        "image",
        "B*hour",
        rk.Continuous("properties.size", when={"properties.disk_format": "qcow2"}),
    )
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("p", "img", at(0), IMAGE_METADATA, kind="start", id="e1"),
    ]
    assert run(records, image).rows == ()


def test_a_path_indexes_lists_and_a_path_that_leads_nowhere_accrues_nothing() -> None:
    first = rk.Meter("first", "GB*hour", rk.Continuous("disks.0.size_gb"))
    last = rk.Meter("last", "GB*hour", rk.Continuous("disks.-1.size_gb"))
    absent = rk.Meter("absent", "GB*hour", rk.Continuous("disks.5.size_gb"))
    tagged = rk.Meter("tagged", "hour", rk.OnOff(when={"tags": ["gold", "eu"]}))
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event(
            "a",
            "vm",
            at(0),
            {"disks": [{"size_gb": 10}, {"size_gb": 20}], "tags": ["gold", "eu"]},
            kind="start",
            id="e1",
        ),
        rk.Event("a", "vm", at(2), kind="stop", id="e2"),
    ]
    usage = run(records, first, last, absent, tagged)
    # 10 GB x 2 h = 20; 20 GB x 2 h = 40; no disk 5: no row; the tags equal the list: 2 h.
    assert {row.meter: row.quantity for row in usage.rows} == {
        "first": Decimal(20),
        "last": Decimal(40),
        "tagged": Decimal(2),
    }


def test_lookup_reads_flat_dotted_keys_first_and_never_indexes_strings() -> None:
    assert lookup({"a.b": 1, "a": {"b": 2}}, "a.b") == 1
    assert lookup({"a": {"b": 2}}, "a.b") == 2
    assert lookup({"a": "xyz"}, "a.0") is MISSING
    assert lookup({"a": [1, 2]}, "a.x") is MISSING
    assert lookup({"a": [1, 2]}, "a.2") is MISSING
    assert lookup({"a": [1, 2]}, "a.-2") == 1


def test_a_nested_level_that_is_not_a_number_names_the_path() -> None:
    image = rk.Meter("image", "B*hour", rk.Continuous("properties.image_name"))
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("p", "img", at(0), IMAGE_METADATA, kind="start", id="e1"),
    ]
    with pytest.raises(rk.BadQuantityError) as caught:
        run(records, image)
    assert str(caught.value) == (
        "meter 'image', resource 'img' of 'p' as described by record 'e1' at "
        "2026-03-01T00:00:00Z: attribute 'properties.image_name' 'Official-ubuntu-trusty' is not "
        "a decimal number; write it like '12.5' or '1e9'."
    )


def test_nested_values_are_frozen_copies() -> None:
    source = {"properties": {"size": "1", "tags": ["a"]}}
    event = rk.Event("a", "img", T0, source, id="e1")
    source["properties"]["size"] = "2"  # type: ignore[index]
    source["properties"]["tags"].append("b")  # type: ignore[attr-defined]
    properties = event.attributes["properties"]
    assert properties == {"size": "1", "tags": ["a"]}
    with pytest.raises(TypeError, match="read-only"):
        properties["size"] = "3"  # type: ignore[index]
    assert not hasattr(properties["tags"], "append")  # type: ignore[index]
    assert repr(event) == (
        "Event('a', 'img', '2026-03-01T00:00:00Z', {'properties': {'size': '1', 'tags': ['a']}}, "
        "kind='update', id='e1')"
    )


def test_an_update_replaces_a_nested_mapping_as_a_whole_and_nested_none_is_kept() -> None:
    # The merge is one level deep: an update's "properties" replaces the old one; None
    # removes a top-level key only, and inside a mapping it is a value (JSON null).
    size = rk.Meter("size", "B*hour", rk.Continuous("properties.size"))
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("a", "img", at(0), {"properties": {"size": 100, "x": 1}}, kind="start", id="e1"),
        rk.Event("a", "img", at(1), {"properties": {"size": 300, "checksum": None}}, id="e2"),
        rk.Event("a", "img", at(3), kind="delete", id="e3"),
    ]
    usage = run(records, size)
    # 100 B x 1 h + 300 B x 2 h = 100 + 600
    assert [(row.quantity, dict(row.description)) for row in usage.rows] == [
        (Decimal(100), {"properties": {"size": 100, "x": 1}}),
        (Decimal(600), {"properties": {"size": 300, "checksum": None}}),
    ]


def test_a_nested_description_survives_the_carried_state_as_json() -> None:
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event(
            "a",
            "img",
            at(0),
            {**IMAGE_METADATA, "ratio": Decimal("0.5"), "l": [{"d": Decimal(2)}]},
            kind="start",
            id="e1",
        ),
    ]
    (state,) = run(records, RUNTIME).state
    data = json.loads(json.dumps(state.to_json()))
    assert data["description"]["properties"] == {
        "mapping": dict(IMAGE_METADATA["properties"])  # type: ignore[call-overload]
    }  # type: ignore[union-attr]
    restored = rk.ResourceState.from_json(data)
    assert restored == state
    assert restored.description["l"] == [{"d": Decimal(2)}]


# -- values refused at the door ---------------------------------------------------------------


_VALUES = (
    "an attribute holds a finite number (an int, a Decimal such as Decimal('2.5'), or a "
    "float), a string, a bool, None, a mapping or a list."
)
_MISSING = (
    " A missing value (NaN, or pandas' NA or NaT) is no attribute value: give None for it "
    "(series.astype(object).where(series.notna(), None).tolist() does), or leave the "
    "attribute out (see the Usage page)."
)
_RANGE = (
    "lies outside the numbers ratekit represents exactly: give at most 60 significant "
    "digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30."
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("NaN"), f"is Decimal('NaN'), not a finite number; {_VALUES}"),
        (Decimal("sNaN"), f"is Decimal('sNaN'), not a finite number; {_VALUES}"),
        (Decimal("-Infinity"), f"is Decimal('-Infinity'), not a finite number; {_VALUES}"),
        (float("nan"), f"is nan, not a finite number; {_VALUES}{_MISSING}"),
        (float("inf"), f"is inf, not a finite number; {_VALUES}"),
        (Decimal("1E-999999999"), f"Decimal('1E-999999999') {_RANGE}"),
        (Decimal("1E-31"), f"Decimal('1E-31') {_RANGE}"),
        (Decimal("1E+30"), f"Decimal('1E+30') {_RANGE}"),
        (Decimal("0." + "1" * 61), f"Decimal('0.{'1' * 61}') {_RANGE}"),
        (10**30, f"{10**30} {_RANGE}"),
    ],
)
def test_unrepresentable_numbers_are_refused_naming_record_and_attribute(
    value: object, message: str
) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.Event("a", "img", T0, {"properties": {"size": value}}, id="e7")
    assert str(caught.value) == f"event 'e7' attribute 'properties.size' {message}"


def test_refused_at_the_door_in_every_record_that_carries_attributes() -> None:
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^Inventory resource \('a', 'r'\) attribute 'x' is Decimal\('NaN'\)",
    ):
        rk.Inventory(T0, {("a", "r"): {"x": Decimal("NaN")}})
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^ResourceState description attribute 'x\[1\]' is Decimal\('sNaN'\)",
    ):
        rk.ResourceState("a", "r", "running", {"x": [1, Decimal("sNaN")]})
    with pytest.raises(
        rk.RatekitTypeError, match=r"^event 'e8' attribute 'm' keys must be strings, not int: 1\.$"
    ):
        rk.Event("a", "r", T0, {"m": {1: "x"}}, id="e8")
    nested: dict[str, object] = {}
    nested["self"] = nested
    with pytest.raises(rk.BadRecordError, match="nests deeper than 32 levels"):
        rk.Event("a", "r", T0, nested, id="e9")


def test_the_largest_accepted_numbers_hash_and_meter() -> None:
    # 60 significant digits and magnitudes from 1E-30 up to 1E+30 pass the door; the record
    # hashes, and metering works (quickly: the level's exact ratio stays small). A level of
    # 1E-30 B for 1 h is below metering's quantum of 1E-24 (see ratekit.metering): it
    # meters 0.
    level = rk.Meter("level", "B*hour", rk.Continuous("v"))
    tiny = rk.Event("a", "r", at(0), {"v": Decimal("1E-30")}, kind="start", id="e1")
    assert run([tiny, rk.Event("a", "r", at(1), kind="stop", id="e2")], level).total() == 0
    largest = Decimal("9" * 30 + "." + "9" * 30)  # 60 digits: hashes; meters rounded to 1E-24
    event = rk.Event("a", "r", at(0), {"v": largest, "n": {"v": largest}}, kind="start", id="e1")
    assert hash(event) == hash(copy.deepcopy(event))
    kept = Decimal("9" * 30 + "." + "9" * 24)
    for value in (kept, Decimal("9E+29"), Decimal("1E-24"), 10**30 - 1):
        event = rk.Event("a", "r", at(0), {"v": value, "n": {"v": value}}, kind="start", id="e1")
        assert hash(event) == hash(copy.deepcopy(event))
        stop = rk.Event("a", "r", at(1), kind="stop", id="e2")
        # value x 1 h
        assert run([event, stop], level).total() == value


# -- conflicts ---------------------------------------------------------------------------------


def _restart_records() -> list[rk.Event | rk.Sample | rk.Inventory]:
    return [
        rk.Event("a", "vm", at(0), {"flavor": "m1"}, kind="start", id="e1"),
        rk.Event("a", "vm", at(10), kind="stop", id="e2"),
    ]


def test_a_conflicting_record_raises_by_default() -> None:
    records = [*_restart_records(), rk.Event("a", "vm", at(12), kind="stop", id="e2")]
    with pytest.raises(rk.ConflictingRecordError, match="conflicts='anomaly' to keep one"):
        run(records, RUNTIME)


def test_a_conflicting_record_is_reported_and_one_version_kept_by_a_fixed_rule() -> None:
    conflicting = rk.Event("a", "vm", at(12), kind="stop", id="e2")
    usage = run([*_restart_records(), conflicting, conflicting], RUNTIME, conflicts="anomaly")
    # Two stops without seq: the smaller content digest stands (b528ecc0... of the 12:00
    # stop < e22145a4... of the 10:00 one): 12 h; the 10:00 stop is ignored, once.
    assert [row.quantity for row in usage.rows] == [Decimal(12)]
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [
        ("conflict", ("e2",)),
        ("duplicate", ("e2",)),
    ]
    assert str(usage.anomalies[0]) == (
        "event 'e2' was given in versions with other content: Event('a', 'vm', "
        "'2026-03-01T12:00:00Z', kind='stop', id='e2') is kept, Event('a', 'vm', "
        "'2026-03-01T10:00:00Z', kind='stop', id='e2') is ignored; Of the versions given "
        "together, an event stands before a sample, of two events the greater seq, of two "
        "samples the earlier, otherwise the smaller content digest, whatever the order they "
        "are listed in. Give a corrected record a new id."
    )
    # Listed after it, the 12:00 stop is still the one kept: 12 h (before: 10 h, the
    # version listed first was kept).
    first = run([*_restart_records(), conflicting], RUNTIME, conflicts="anomaly")
    assert [row.quantity for row in first.rows] == [Decimal(12)]
    assert first.anomalies == usage.anomalies[:1]


def test_conflicts_must_be_raise_or_anomaly() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        run([], RUNTIME, conflicts="ignore")
    assert str(caught.value) == "meter() conflicts must be 'raise' or 'anomaly', not 'ignore'."


# -- laws ----------------------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.text(max_size=4),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000),
)
_trees = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=3), children, max_size=3),
    ),
    max_leaves=8,
)
_descriptions = st.dictionaries(st.sampled_from(["a", "b", "c.d", "c"]), _trees, max_size=3)


def _strict(value: object) -> object:
    """``value`` with its flags told from numbers: the oracle of a description's equality.

    Python counts ``True == 1``; a description does not (``{"gpu": True}`` and
    ``{"gpu": 1}`` are two descriptions), at any depth.
    """
    if isinstance(value, bool):
        return ("flag", value)
    if isinstance(value, dict):
        return ("map", frozenset((key, _strict(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("list", tuple(_strict(item) for item in value))
    return ("value", value)


def test_the_oracle_tells_flags_from_numbers_at_any_depth() -> None:
    assert _strict({"a": [True, 0]}) != _strict({"a": [True, False]})
    assert _strict({"a": {"b": 1}}) != _strict({"a": {"b": True}})
    assert _strict({"a": [1, Decimal("2.0")]}) == _strict({"a": [Decimal(1), 2]})
    one = rk.Event("a", "r", T0, {"a": [True, 0]}, id="e1")
    assert one != rk.Event("a", "r", T0, {"a": [True, False]}, id="e1")


@settings(max_examples=LAWS // 2)
@given(_descriptions, _descriptions)
def test_nested_descriptions_compare_and_hash_like_their_plain_equivalents(
    first: dict[str, object], second: dict[str, object]
) -> None:
    one = rk.Event("a", "r", T0, first, id="e1")
    again = rk.Event("a", "r", T0, copy.deepcopy(first), id="e1")
    other = rk.Event("a", "r", T0, second, id="e1")
    assert one.attributes == first
    assert one == again
    assert hash(one) == hash(again)
    assert (one == other) == (_strict(first) == _strict(second))
    if _strict(first) == _strict(second):
        assert hash(one) == hash(other)
    assert pickle.loads(pickle.dumps(one)) == one
    state = rk.ResourceState("a", "r", "running", first)
    assert rk.ResourceState.from_json(json.loads(json.dumps(state.to_json()))) == state


@st.composite
def _streams_with_conflicts(
    draw: st.DrawFn,
) -> tuple[list[rk.Event | rk.Sample | rk.Inventory], list[rk.Event | rk.Sample | rk.Inventory]]:
    """Records with unique ids, and the same records with conflicting copies inserted later."""
    records: list[rk.Event | rk.Sample | rk.Inventory] = []
    for number, (resource, hours, kind, memory) in enumerate(
        draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["r1", "r2"]),
                    st.integers(0, 48),
                    st.sampled_from(["start", "update", "stop", "delete"]),
                    st.sampled_from([256, 512]),
                ),
                max_size=8,
            )
        )
    ):
        records.append(
            rk.Event("a", resource, at(hours), {"memory_mb": memory}, kind=kind, id=f"e{number}")  # type: ignore[arg-type]
        )
    for number, (resource, hours, value) in enumerate(
        draw(
            st.lists(
                st.tuples(st.sampled_from(["r1", "r2"]), st.integers(0, 48), st.integers(0, 99)),
                max_size=4,
            )
        )
    ):
        records.append(rk.Sample("a", resource, "bytes", at(hours), value, id=f"s{number}"))
    mixed = list(records)
    for index in draw(st.sets(st.integers(0, max(len(records) - 1, 0)), max_size=3)):
        if index >= len(records):
            continue
        original = records[index]
        position = draw(st.integers(mixed.index(original) + 1, len(mixed)))
        if isinstance(original, rk.Event):
            copy_: rk.Event | rk.Sample = rk.Event(
                "a",
                original.resource,
                at(draw(st.integers(0, 48))),
                {"memory_mb": 1024},
                kind=original.kind,
                id=original.id,
            )
        else:
            assert isinstance(original, rk.Sample)
            copy_ = rk.Sample(
                "a", original.resource, "bytes", original.at, original.value + 1, id=original.id
            )
        mixed.insert(position, copy_)
    return records, mixed


@settings(max_examples=LAWS // 2)
@given(_streams_with_conflicts())
def test_reporting_conflicts_gives_the_rows_of_the_stream_without_them(
    streams: tuple[
        list[rk.Event | rk.Sample | rk.Inventory], list[rk.Event | rk.Sample | rk.Inventory]
    ],
) -> None:
    clean, mixed = streams
    meters = (
        RUNTIME,
        rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb")),
        rk.Meter("bytes", "B", rk.Discrete()),
    )
    # The oracle: each id's version that stands (the least by the rule), where it was.
    stands = {
        record.id: min((r for r in mixed if r.id == record.id), key=standing) for record in clean
    }
    expected = run([stands[record.id] for record in clean], *meters)
    got = run(mixed, *meters, conflicts="anomaly")
    assert got.rows == expected.rows
    conflicts = [a for a in got.anomalies if a.kind == "conflict"]
    assert len(conflicts) == len(mixed) - len(clean)
    assert [a for a in got.anomalies if a.kind != "conflict"] == list(expected.anomalies)


def test_a_level_read_from_a_string_or_a_function_passes_the_same_door() -> None:
    def hours(level: object) -> rk.Usage:
        meter = rk.Meter("m", "B*hour", rk.Continuous(level))  # type: ignore[arg-type]
        records: list[rk.Event | rk.Sample | rk.Inventory] = [
            rk.Event("a", "r", at(0), {"x": "1E-999999999"}, kind="start", id="e1"),
            rk.Event("a", "r", at(1), kind="stop", id="e2"),
        ]
        return run(records, meter)

    # An absurd numeric string would make the exact level's ratio a billion digits long.
    with pytest.raises(rk.BadQuantityError) as caught:
        hours("x")
    assert str(caught.value) == (
        "meter 'm', resource 'r' of 'a' as described by record 'e1' at 2026-03-01T00:00:00Z: "
        f"attribute 'x' '1E-999999999' {_RANGE}"
    )
    with pytest.raises(
        rk.BadQuantityError, match=r"the level Decimal\('1E\+100000'\) lies outside"
    ):
        hours(lambda description: Decimal("1E+100000"))


def test_a_stored_description_with_a_bad_decimal_is_refused() -> None:
    data = {
        "account": "a",
        "resource": "r",
        "status": "running",
        "description": {"x": {"decimal": "abc"}},
    }
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.ResourceState.from_json(data)
    assert str(caught.value) == (
        "ResourceState description 'x': a stored description's decimal 'abc' is not a decimal "
        "number; write it like '12.5' or '1e9'."
    )


def test_a_condition_compares_values_as_attributes_are_stored() -> None:
    # A float in a condition is the Decimal of its shortest repr, as in an attribute:
    # 0.1 matches an attribute of 0.1 (stored as Decimal('0.1')), which the float 0.1 does
    # not equal exactly. A NaN in a condition is refused like one in an attribute.
    ratio = rk.Meter("ratio", "hour", rk.OnOff(when={"cpu_ratio": 0.1, "tags": ["a"]}))
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("a", "vm", at(0), {"cpu_ratio": 0.1, "tags": ("a",)}, kind="start", id="e1"),
        rk.Event("a", "vm", at(2), kind="stop", id="e2"),
    ]
    assert run(records, ratio).total() == Decimal(2)
    with pytest.raises(rk.BadQuantityError, match=r"^condition attribute 'x' is nan, not a finite"):
        rk.OnOff(when={"x": float("nan")})


def test_a_flag_and_the_number_it_equals_are_two_descriptions() -> None:
    # Python counts True == 1. Two events without ids alike but for {"gpu": True} and
    # {"gpu": 1} were one record (the second a duplicate, dropped); nested too.
    at = "2026-03-01T00:00:00Z"
    for flag, number in (({"gpu": True}, {"gpu": 1}), ({"n": {"on": [False]}}, {"n": {"on": [0]}})):
        a = rk.Event("acme", "vm", at, flag, kind="start")
        b = rk.Event("acme", "vm-2", at, number, kind="start")
        assert a.attributes != b.attributes
        assert a.attributes == flag
        assert b.attributes == number
        a2 = rk.Event("acme", "vm", at, number, kind="start")
        usage = rk.meter(
            [a, a2],
            [rk.Meter("vm.hours", "hour", rk.OnOff())],
            span=rk.Span(at, "2026-03-01T02:00:00Z"),
            cycle=rk.cycles.monthly(tz="UTC"),
            as_of="2026-03-01T02:00:00Z",
        )
        # a2 is a START of a running resource (a tie at one instant), not a replay of a
        assert "duplicate" not in [x.kind for x in usage.anomalies]
