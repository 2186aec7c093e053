"""The attribute door reads a caller's mapping once, wraps its errors and bounds its size."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping

import pytest

import ratekit as rk
from ratekit._descriptions import MAX_KEYS

AT = "2026-03-01T00:00:00Z"


class Lying(Mapping[str, object]):
    """Lists a key that ``__getitem__`` then refuses."""

    def __getitem__(self, key: str) -> object:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(["flavor"])

    def __len__(self) -> int:
        return 1


class Endless(Mapping[str, object]):
    """Iterates forever: k0, k1, k2, ..."""

    def __getitem__(self, key: str) -> object:
        return 1

    def __iter__(self) -> Iterator[str]:
        return (f"k{n}" for n in itertools.count())

    def __len__(self) -> int:
        return 1


class Counting(Mapping[str, object]):
    """Counts how often its items are read."""

    def __init__(self) -> None:
        self.reads = 0

    def __getitem__(self, key: str) -> object:
        self.reads += 1
        return "m1.small"

    def __iter__(self) -> Iterator[str]:
        return iter(["flavor"])

    def __len__(self) -> int:
        return 1


def event(attributes: object) -> rk.Event:
    return rk.Event("a", "vm-1", AT, attributes, kind="start", id="e1")  # type: ignore[arg-type]


def test_a_key_error_of_the_callers_mapping_is_a_ratekit_type_error() -> None:
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"event 'e1' attributes could not be read: its mapping \(Lying\) raised "
        r"KeyError: 'flavor'; give a mapping whose items can be read, such as a dict\.",
    ):
        event(Lying())


def test_a_nested_mapping_that_raises_is_named_by_its_path() -> None:
    with pytest.raises(
        rk.RatekitTypeError, match=r"event 'e1' attribute 'properties' could not be read"
    ):
        event({"properties": Lying()})


def test_an_endless_mapping_is_refused_not_a_hang() -> None:
    with pytest.raises(
        rk.BadRecordError,
        match=rf"event 'e1' attributes holds more than {MAX_KEYS:,} items \(or never ends\); "
        rf"a description's mapping holds at most {MAX_KEYS:,} names\.",
    ):
        event(Endless())
    with pytest.raises(rk.BadRecordError, match=r"attribute 'nested' holds more than"):
        event({"nested": Endless()})


def test_a_plain_dict_over_the_limit_is_refused_and_at_the_limit_kept() -> None:
    at_limit = {f"k{n}": {} for n in range(MAX_KEYS)}
    assert len(event({"big": at_limit}).attributes["big"]) == MAX_KEYS  # type: ignore[arg-type]
    with pytest.raises(rk.BadRecordError, match=r"attribute 'big' holds more than"):
        event({"big": {**at_limit, "one_more": 1}})


def test_plain_top_level_attributes_over_the_limit_are_refused_at_every_door() -> None:
    # The constructor's fast path for plain attributes (strings and ints) counts them too,
    # as the lean path does: one item more than the limit is refused by both.
    at_limit = {f"k{n}": n for n in range(MAX_KEYS)}
    assert len(event(at_limit).attributes) == MAX_KEYS
    over = {**at_limit, "one_more": 1}
    message = rf"attributes holds more than {MAX_KEYS:,} items"
    with pytest.raises(rk.BadRecordError, match=rf"event 'e1' {message}"):
        event(over)
    with pytest.raises(rk.BadRecordError, match=message):
        rk.RecordBatch.from_tuples(events=[("a", "vm-1", 1772323200000000, "start", over)])


def test_a_mapping_is_read_once() -> None:
    mapping = Counting()
    assert event(mapping).attributes == {"flavor": "m1.small"}
    assert mapping.reads == 1
