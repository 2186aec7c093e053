"""A caller's own mapping whose items are no pairs, or whose keys cannot be hashed.

Every door that reads a caller's mapping read its ``items()`` once and then unpacked
each item: items that were no pairs escaped as ``TypeError: cannot unpack
non-iterable int object`` or ``ValueError: too many values to unpack`` (from an event's
attributes, an inventory, a selector, a usage row's description, a batch's columns),
and a batch's columns let an unhashable key's ``TypeError`` (or what its own
``__hash__`` raised) escape; a mapping whose items never ended was read until memory ran
out. Each is a RatekitTypeError naming what was read now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

import ratekit as rk
from ratekit import _caller_objects

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")


class View(Mapping[Any, Any]):
    """A mapping of the caller's whose ``items()`` gives what ``made`` makes."""

    def __init__(self, made: Callable[[], object]) -> None:
        self.made = made

    def __getitem__(self, key: object) -> object:
        raise KeyError(key)

    def __iter__(self) -> Iterator[object]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def items(self) -> Any:
        return self.made()


class Unhashable:
    def __hash__(self) -> int:
        raise RuntimeError("no hash today")


DOORS: dict[str, tuple[Callable[[View], object], str]] = {
    "event attributes": (
        lambda v: rk.Event("a", "r", "2026-03-01T00:00:00Z", v, kind="start", id="e"),
        "event 'e' attributes",
    ),
    "a nested attribute": (
        lambda v: rk.Event("a", "r", "2026-03-01T00:00:00Z", {"x": v}, kind="start", id="e"),
        "event 'e' attribute 'x'",
    ),
    "an inventory": (
        lambda v: rk.Inventory("2026-03-01T00:00:00Z", v, id="i"),
        "inventory 'i' resources",
    ),
    "a selector": (lambda v: rk.PriceEntry("e", "m", rk.PerUnit(1), where=v), "a PriceEntry where"),
    "a usage row": (
        lambda v: rk.UsageRow("a", "m", "r", DAY, DAY, 1, "hour", v, ()),
        "UsageRow description attributes",
    ),
    "batch columns": (
        lambda v: rk.RecordBatch.from_columns(events=v),
        "RecordBatch event columns",
    ),
}


@pytest.mark.parametrize("door", sorted(DOORS))
@pytest.mark.parametrize(
    ("made", "problem"),
    [
        (
            lambda: [1, 2],
            (
                "gives an item that is not a (key, value) pair (TypeError: cannot unpack "
                "non-iterable int object)"
            ),
        ),
        (
            lambda: [("k", 1, 2)],
            (
                "gives an item that is not a (key, value) pair (ValueError: too many values to "
                "unpack (expected 2))"
            ),
        ),
    ],
    ids=["not pairs", "triples"],
)
def test_items_that_are_no_pairs_are_refused_naming_the_door(
    door: str, made: Callable[[], object], problem: str
) -> None:
    build, what = DOORS[door]
    with pytest.raises(rk.RatekitTypeError) as caught:
        build(View(made))
    assert str(caught.value).startswith(
        f"{what} could not be read: its mapping (View) {problem}; give "
    )


def test_batch_columns_with_a_key_that_cannot_be_hashed_are_refused() -> None:
    for key, problem in (
        ([1], "has a key of type list that cannot be hashed (TypeError: unhashable type: 'list')"),
        (
            Unhashable(),
            "has a key of type Unhashable that cannot be hashed (RuntimeError: no hash today)",
        ),
    ):
        with pytest.raises(rk.RatekitTypeError) as caught:
            rk.RecordBatch.from_columns(events=View(lambda key=key: [(key, [])]))
        assert str(caught.value) == (
            f"RecordBatch event columns could not be read: its mapping (View) {problem}; "
            "give a dict of columns."
        )


def test_a_mapping_whose_items_never_end_is_refused_not_read_until_memory_runs_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_caller_objects, "MOST_ITEMS", 1000)  # the bound, made small
    endless = View(lambda: iter(lambda: (("a", "r"), {}), None))
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Inventory("2026-03-01T00:00:00Z", endless, id="i")
    assert str(caught.value) == (
        "inventory 'i' resources could not be read: its mapping (View) gives more than 1,000 "
        "items (or never ends); give a dict of resources."
    )
