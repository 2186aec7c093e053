"""Attribute paths: how they are refused, and how one rule reads them (`_paths.py`).

An empty name ("", ".a", "a.", "a..b") is refused wherever a path is given. One rule
reads every path (levels, `when` conditions, selectors, `group_by`): the whole path as a
key first, then the path cut after its first names into the longest key present and the
rest read inside it by the same rule, a shorter key tried only when the longer leads
nowhere; inside a list the next name is an index.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._paths import MISSING, checked_path, lookup
from ratekit.adapters import cloudevents

_PATH = (
    "must be an attribute path: one or more non-empty names joined by single dots, such as "
    "'flavor' or 'properties.size', not "
)


@pytest.mark.parametrize("path", ["", ".", ".size", "size.", "properties..size"])
@pytest.mark.parametrize(
    ("make", "what"),
    [
        (rk.Continuous, "a level"),
        (lambda path: rk.Continuous(("instances", path)), "each name of a level"),
        (lambda path: rk.OnOff(when={path: "on"}), "a condition's attribute"),
        (lambda path: rk.Continuous("size", when={path: 1}), "a condition's attribute"),
        (
            lambda path: rk.PriceEntry("e", "m", rk.PerUnit(1), where={path: "m1"}),
            "a PriceEntry where key",
        ),
        (
            lambda path: rk.PriceEntry("e", "m", rk.PerUnit(1), group_by=path),
            "price entry 'e' group_by",
        ),
    ],
)
def test_an_empty_attribute_name_is_refused(
    make: Callable[[str], object], what: str, path: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        make(path)
    message = str(raised.value)
    if path == "" and what == "price entry 'e' group_by":
        # the older check of group_by speaks first of an empty string
        assert message.startswith("price entry 'e' group_by must be None")
    elif path == "" and what == "a PriceEntry where key":
        assert message.startswith("PriceEntry where keys must be attribute names")
    else:
        assert message == f"{what} {_PATH}{path!r} (an empty name)."


def test_a_usable_path_is_kept_and_still_reads_nested_values() -> None:
    assert checked_path("properties.size", "level") == "properties.size"
    assert checked_path("disks.0.size", "level") == "disks.0.size"
    assert repr(rk.Continuous("properties.size")) == "Continuous('properties.size')"
    assert lookup({"disks": [{"size": 10}]}, "disks.0.size") == 10
    with pytest.raises(rk.RatekitTypeError) as raised:
        checked_path(3, "level")
    assert str(raised.value) == f"level {_PATH.replace(', not ', ', not int: ')}3."


MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
GPU = "requests.nvidia.com/gpu"
SPOT = "labels.node.kubernetes.io/instance-type"
TEAM = "labels.team.example.com/name"


def _ten_hours(resource: str, attributes: Mapping[str, object]) -> list[rk.Event]:
    """A pod that runs ten hours, from March 1st 00:00 to 10:00."""
    return [
        rk.Event("acme", resource, "2026-03-01T00:00:00Z", attributes, kind="start", id=resource),
        rk.Event("acme", resource, "2026-03-01T10:00:00Z", kind="stop", id=f"{resource}-stop"),
    ]


def _streamed(plan: rk.Plan, meters: list[rk.Meter], records: list[rk.Event]) -> Decimal:
    """What the streaming rater says of ``records`` by April, fed one at a time."""
    rater = rk.Rater(plan, meters, start=MARCH.start)
    total = Decimal(0)
    for record in records:
        rater.feed([record])
        total += sum((line.amount for line in rater.statement(record.at).lines), Decimal(0))
    return total + sum((line.amount for line in rater.statement(MARCH.end).lines), Decimal(0))


def test_a_key_with_several_dots_is_read_three_levels_deep() -> None:
    pod = {"spec": {"containers": {"resources": {"requests": {"nvidia.com/gpu": 4}}}}}
    assert lookup(pod, "spec.containers.resources.requests.nvidia.com/gpu") == 4
    labels = {"metadata": {"labels": {"app.kubernetes.io/part-of.v2": "shop"}}}
    assert lookup(labels, "metadata.labels.app.kubernetes.io/part-of.v2") == "shop"
    assert lookup(labels, "metadata.labels.app.kubernetes.io") is MISSING  # no such key
    assert lookup(labels, "metadata.labels.app") is MISSING


def test_every_cut_of_a_path_is_read() -> None:
    # a.b.c reads m["a.b.c"], m["a.b"]["c"], m["a"]["b.c"] and m["a"]["b"]["c"] alike.
    for nested in ({"a.b.c": 1}, {"a.b": {"c": 1}}, {"a": {"b.c": 1}}, {"a": {"b": {"c": 1}}}):
        assert lookup(nested, "a.b.c") == 1
        assert lookup(rk.Event("x", "r", MARCH.start, nested).attributes, "a.b.c") == 1
        assert lookup(nested, "a.b.d") is MISSING
        assert lookup(nested, "a.c") is MISSING


def test_the_longest_key_present_wins_when_two_readings_differ() -> None:
    # The whole path first (as before), then the key naming the most of the path.
    assert lookup({"a.b": 1, "a": {"b": 2}}, "a.b") == 1
    assert lookup({"a": {"b.c": 2}, "a.b": {"c": 1}}, "a.b.c") == 1
    assert lookup({"a": {"b": {"c": 3}, "b.c": 2}}, "a.b.c") == 2
    assert lookup({"a.b.c": 0, "a.b": {"c": 1}}, "a.b.c") == 0


def test_a_longer_key_that_leads_nowhere_gives_way_to_a_shorter() -> None:
    assert lookup({"a.b": {"x": 1}, "a": {"b": {"c": 3}}}, "a.b.c") == 3
    assert lookup({"a.b": "text", "a": {"b.c": 2}}, "a.b.c") == 2  # a string is not read into
    assert lookup({"a.b": [5], "a": {"b": {"0": 6}}}, "a.b.0") == 5  # a list, indexed


def test_lists_are_indexed_and_keys_with_dots_read_inside_their_items() -> None:
    pod = {"containers": [{"requests": {"nvidia.com/gpu": 2}}, {"requests.nvidia.com/gpu": 1}]}
    assert lookup(pod, "containers.0.requests.nvidia.com/gpu") == 2
    assert lookup(pod, "containers.-1.requests.nvidia.com/gpu") == 1
    assert lookup(pod, "containers.2.requests.nvidia.com/gpu") is MISSING
    assert lookup(pod, "containers.first.requests") is MISSING


def test_a_path_of_many_names_reads_every_way_it_is_nested() -> None:
    names = [f"n{i}" for i in range(40)]  # more names than the cuts kept joined
    path = ".".join(names)
    deep: object = 7
    for name in reversed(names):
        deep = {name: deep}
    halves = {".".join(names[:25]): {".".join(names[25:]): 8}}
    assert (lookup(deep, path), lookup(halves, path), lookup({path: 9}, path)) == (7, 8, 9)
    assert lookup(halves, path + ".n40") is MISSING


class _Counted(Mapping[str, object]):
    """A mapping that counts the keys looked up in it (shared by all its instances)."""

    looked = 0

    def __init__(self, items: dict[str, object]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> object:
        _Counted.looked += 1
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def test_a_mapping_is_searched_once_per_position_however_many_cuts_lead_to_it() -> None:
    # Every join of names[at:stop] leads to the mapping at `stop`; the last name is
    # missing, so every one of the 2^19 readings of 20 names leads nowhere. Each of the
    # 20 mappings is searched once, with at most 20 keys: at most 400 look-ups.
    names = [f"k{i}" for i in range(20)]
    levels: list[_Counted] = [_Counted({})]  # the mapping at position 19: no "k19"
    for at in range(18, -1, -1):
        after = {at + 1 + i: level for i, level in enumerate(levels)}
        levels.insert(0, _Counted({".".join(names[at:stop]): after[stop] for stop in after}))
    _Counted.looked = 0
    assert lookup(levels[0], ".".join(names)) is MISSING
    assert 0 < _Counted.looked <= 20 * 20


def test_a_long_path_tries_keys_of_at_most_32_of_its_names_inside_a_mapping() -> None:
    # A path of 5,000 names over a description nested 32 deep (the deepest a record's
    # attributes may be): each mapping on the way is searched at one position, with keys
    # of at most 32 names (the whole path is tried as a key first): at most 33 * 32 = 1,056
    # look-ups, where trying every join would take about 5,000 at each of the 33 mappings
    # (and join each of them, O(n²) characters: a hang for a hostile path).
    leaf: object = 5
    for _ in range(32):
        leaf = _Counted({"a": leaf})
    path = ".".join(["a"] * 5000)
    _Counted.looked = 0
    assert lookup(leaf, path) is MISSING  # type: ignore[arg-type]
    assert 0 < _Counted.looked <= 33 * 32
    assert lookup(leaf, ".".join(["a"] * 32)) == 5  # type: ignore[arg-type]


def test_a_level_a_when_and_a_selector_read_nested_keys_with_dots_in_batch_and_stream() -> None:
    # 3 GPUs x 10 h: 30 GPU-hours at 2.00 (spot) = 60.00, not at 5.00 on demand (150.00).
    meters = [
        rk.Meter("gpu", "hour", rk.Continuous(GPU)),
        rk.Meter("spot", "hour", rk.OnOff(when={SPOT: "spot"})),
    ]
    entries = [
        rk.PriceEntry("gpu", "gpu", rk.PerUnit(5)),
        rk.PriceEntry("gpu-spot", "gpu", rk.PerUnit(2), where={SPOT: "spot"}, priority=1),
        rk.PriceEntry("spot", "spot", rk.PerUnit("0.10")),  # 10 h x 0.10 = 1.00
    ]
    plan = rk.Plan("k", "USD", MONTHS, entries)
    pod = {
        "requests": {"nvidia.com": {"gpu": 1}, "nvidia.com/gpu": 3},
        "labels": {"node.kubernetes.io/instance-type": "spot"},
    }
    records = _ten_hours("p", pod)
    rating = rk.rate(records, plan, span=MARCH, meters=meters)
    assert (rating.total(), rating.anomalies) == (Decimal("61.00"), ())
    assert _streamed(plan, meters, records) == Decimal("61.00")


def test_the_longest_key_prices_a_pod_whose_label_is_both_flat_and_nested() -> None:
    # The flat "labels.team" names the whole path: team "x", 2 vCPU x 10 h x 0.30 = 6.00
    # (team "y"'s price, 0.70, would give 14.00).
    entries = [
        rk.PriceEntry("x", "cpu", rk.PerUnit("0.30"), where={"labels.team": "x"}),
        rk.PriceEntry("y", "cpu", rk.PerUnit("0.70"), where={"labels.team": "y"}),
    ]
    plan = rk.Plan("t", "USD", MONTHS, entries)
    meters = [rk.Meter("cpu", "vCPU*hour", rk.Continuous("cpu"))]
    records = _ten_hours("p", {"cpu": 2, "labels.team": "x", "labels": {"team": "y"}})
    rating = rk.rate(records, plan, span=MARCH, meters=meters)
    assert [(c.entry, c.amount) for c in rating.charges] == [("x", Decimal("6.00"))]
    assert _streamed(plan, meters, records) == Decimal("6.00")


def test_group_by_reads_a_nested_key_with_dots() -> None:
    # Each team climbs its own tiers: the first 5 GPU-hours free, then 2.00. Team a: one
    # pod nested, 10 h -> 5 x 2 = 10; team b: one pod with the flat key, 10 h -> 10; 20.00.
    # Grouped as one (the label unread), 20 h -> 15 x 2 = 30.00.
    meters = [rk.Meter("gpu", "hour", rk.Continuous("gpu"))]
    price = rk.Graduated([rk.Tier(5, 0), rk.Tier(None, 2)])
    plan = rk.Plan("g", "USD", MONTHS, [rk.PriceEntry("gpu", "gpu", price, group_by=TEAM)])
    records = [
        *_ten_hours("p", {"gpu": 1, "labels": {"team.example.com/name": "a"}}),
        *_ten_hours("q", {"gpu": 1, "labels.team.example.com": {"name": "b"}}),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=meters)
    assert rating.total() == Decimal(20)
    assert _streamed(plan, meters, sorted(records, key=lambda r: r.at)) == Decimal(20)


def test_a_level_path_that_leads_nowhere_accrues_nothing_as_documented() -> None:
    meters = [rk.Meter("gpu", "hour", rk.Continuous(GPU))]
    plan = rk.Plan("g", "USD", MONTHS, [rk.PriceEntry("gpu", "gpu", rk.PerUnit(2))])
    for pod in ({"requests": {"nvidia.com": 1}}, {"requests": {"amd.com/gpu": 1}}, {}):
        rating = rk.rate(_ten_hours("p", pod), plan, span=MARCH, meters=meters)
        assert (rating.total(), rating.anomalies) == (Decimal(0), ())


_NAME = st.sampled_from(["a", "b", "c", "io", "k8s", "0"])


@st.composite
def _flat_and_nested(draw: st.DrawFn) -> tuple[dict[str, int], dict[str, object]]:
    """A flat mapping of dotted keys (none a prefix of another) and one way to nest it."""
    paths = draw(st.lists(st.lists(_NAME, min_size=1, max_size=5).map(tuple), max_size=8))
    kept = [p for p in dict.fromkeys(paths) if not any(q != p and q[: len(p)] == p for q in paths)]
    flat: dict[str, int] = {}
    nested: dict[str, object] = {}
    for value, names in enumerate(kept):
        flat[".".join(names)] = value
        inner = range(1, len(names))
        cuts = draw(st.sets(st.sampled_from(inner))) if inner else set()
        bounds = [0, *sorted(cuts), len(names)]
        keys = [".".join(names[a:b]) for a, b in itertools.pairwise(bounds)]
        level = nested
        for key in keys[:-1]:
            level = level.setdefault(key, {})  # type: ignore[assignment]
        level[keys[-1]] = value
    return flat, nested


@pytest.mark.property
@settings(max_examples=LAWS)
@given(_flat_and_nested())
def test_law_any_nesting_of_a_flat_dotted_mapping_reads_as_the_flat_one(
    mappings: tuple[dict[str, int], dict[str, object]],
) -> None:
    """Oracle: the flat mapping. Each key reads its value, any other path MISSING."""
    flat, nested = mappings
    frozen = rk.Event("x", "r", MARCH.start, nested).attributes
    for path, value in flat.items():
        assert lookup(nested, path) == lookup(frozen, path) == value
        assert lookup(nested, path + ".z") is MISSING
    assert lookup(nested, "z.a") is lookup(frozen, "a.z.b") is MISSING


def test_a_cloudevents_data_path_reads_a_nested_key_with_dots() -> None:
    # The adapter reads data paths by the same rule: 1200 tokens under a key with dots.
    spec = cloudevents.Spec(
        {"com.example.llm.tokens": "llm.tokens"},
        quantity="data.usage.example.com/tokens",
        account="subject",
        resource="data.model.example.com.name",
    )
    event = {
        "specversion": "1.0",
        "id": "t1",
        "source": "//gateway.example.com/llm",
        "type": "com.example.llm.tokens",
        "subject": "customer-1",
        "time": "2026-03-02T08:00:00Z",
        "data": {"model.example.com": {"name": "large"}, "usage": {"example.com/tokens": 1200}},
    }
    [sample] = cloudevents.usage_events([event], spec)
    assert (sample.resource, sample.value) == ("large", Decimal(1200))
    event["data"] = {"model.example.com": {"name": "large"}, "usage": {"example.com": 5}}
    with pytest.raises(rk.BadRecordError, match=r"data\.usage\.example\.com/tokens is missing"):
        cloudevents.usage_events([event], spec)
