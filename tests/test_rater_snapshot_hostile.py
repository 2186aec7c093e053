"""A snapshot whose mappings and lists misbehave is refused with BadSnapshotError, saying why.

A host may hand restore its own objects (a document store's mapping, a lazily loaded
list). What their code raised escaped as a RatekitTypeError, or as itself where their
items were no pairs (``TypeError: cannot unpack``, ``ValueError: too many values``) or
their keys could not be hashed; a mapping whose ``items()`` never ended hung restore;
an object of the caller's in the envelope ran its own ``__ne__`` (escaping as it
raised). Each is a BadSnapshotError now, naming what was wrong.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

import ratekit as rk
from ratekit import _caller_objects

PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "vm", rk.PerUnit(1))])
METERS = [rk.Meter("vm", "hour", rk.OnOff())]
GIVE = "give what Rater.snapshot() returned, or its JSON read back with json.load."
JSON_ONLY = (
    "; a snapshot holds only what JSON does (objects with string keys, arrays, strings, "
    "numbers, true, false and null): restore an unaltered copy."
)


def _snapshot() -> dict[str, Any]:
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "r", "2026-03-02T00:00:00Z", {"f": "s"}, kind="start", id="e1")])
    rater.statement("2026-03-03T00:00:00Z")
    data: dict[str, Any] = json.loads(json.dumps(rater.snapshot()))
    return data


class View(Mapping[object, object]):
    """A caller's mapping over ``data`` whose ``items()`` gives what ``items`` makes."""

    def __init__(self, data: Mapping[Any, object], items: Callable[[], object]) -> None:
        self.data = data
        self.made = items

    def __getitem__(self, key: object) -> object:
        return self.data[key]

    def __iter__(self) -> Iterator[object]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def items(self) -> Any:
        return self.made()


def _raise(error: Exception) -> Callable[[], object]:
    def made() -> object:
        raise error

    return made


class Unhashable:
    def __hash__(self) -> int:
        raise RuntimeError("no hash today")


class Listed(list[object]):
    def __iter__(self) -> Iterator[object]:
        raise OSError("page gone")


def _refusal(data: object) -> rk.BadSnapshotError:
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, PLAN, METERS)  # type: ignore[arg-type]
    return caught.value


SNAPSHOT = _snapshot()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (View(SNAPSHOT, _raise(RuntimeError("boom"))), "raised RuntimeError: boom"),
        (View(SNAPSHOT, _raise(KeyError("k"))), "raised KeyError: 'k'"),
        (View(SNAPSHOT, lambda: 5), "raised TypeError: 'int' object is not iterable"),
        (View(SNAPSHOT, lambda: None), "raised TypeError: 'NoneType' object is not iterable"),
        (
            View(SNAPSHOT, lambda: [1, 2]),
            (
                "gives an item that is not a (key, value) pair (TypeError: cannot unpack "
                "non-iterable int object)"
            ),
        ),
        (
            View(SNAPSHOT, lambda: [("format", "ratekit.Rater", "x")]),
            (
                "gives an item that is not a (key, value) pair (ValueError: too many values to "
                "unpack (expected 2))"
            ),
        ),
        (
            View(SNAPSHOT, lambda: [([1], 2)]),
            "has a key of type list that cannot be hashed (TypeError: unhashable type: 'list')",
        ),
        (
            View(SNAPSHOT, lambda: [(Unhashable(), 2)]),
            "has a key of type Unhashable that cannot be hashed (RuntimeError: no hash today)",
        ),
    ],
)
def test_a_snapshot_mapping_that_misbehaves_is_refused_saying_how(
    data: object, problem: str
) -> None:
    refusal = _refusal(data)
    assert str(refusal) == f"Rater snapshot could not be read: its mapping (View) {problem}; {GIVE}"


def test_a_body_of_the_callers_own_that_raises_is_refused_with_the_error_chained() -> None:
    data = {**SNAPSHOT, "body": View(SNAPSHOT["body"], _raise(LookupError("cursor closed")))}
    refusal = _refusal(data)
    assert str(refusal) == (
        f"Rater snapshot could not be read: its mapping (View) raised LookupError: cursor closed; {GIVE}"
    )
    assert isinstance(refusal.__cause__, LookupError)
    data = {**SNAPSHOT, "body": {**SNAPSHOT["body"], "records": Listed([1])}}
    assert str(_refusal(data)) == (
        f"Rater snapshot could not be read: its list (Listed) raised OSError: page gone; {GIVE}"
    )


def test_a_mapping_whose_items_never_end_is_refused_not_a_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_caller_objects, "MOST_ITEMS", 1000)  # the bound, made small
    endless = View(SNAPSHOT, lambda: iter(lambda: ("k", 1), None))
    # refused at the sixth item: a snapshot has five keys (tests/test_rater_snapshot_bounded.py)
    assert str(_refusal(endless)) == (
        f"Rater snapshot could not be read: its mapping (View) gives more than 5 items, the "
        f"keys of a snapshot (or never ends); {GIVE}"
    )
    # a list of the body's, whose len() cannot bound it, is read up to the bound of all
    data = {**SNAPSHOT, "body": {**SNAPSHOT["body"], "records": Unbounded()}}
    assert str(_refusal(data)) == (
        f"Rater snapshot could not be read: its list (Unbounded) gives more than 1,000 items "
        f"(or never ends); {GIVE}"
    )


class Unbounded(list[object]):
    """A list of the caller's that never ends and whose len() raises."""

    def __iter__(self) -> Iterator[object]:
        return iter(int, 1)

    def __len__(self) -> int:
        raise RuntimeError("no len today")


def test_a_snapshot_holding_what_json_does_not_is_refused_naming_it() -> None:
    class Sneaky:
        """An object whose comparisons raise: the envelope's checks compared it."""

        def __eq__(self, other: object) -> bool:
            raise RuntimeError("eq")

        def __ne__(self, other: object) -> bool:
            raise RuntimeError("ne")

        def __hash__(self) -> int:
            return 0

        def __repr__(self) -> str:
            return "Sneaky()"

    assert str(_refusal({**SNAPSHOT, "format": Sneaky()})) == (
        "Rater snapshot 'format' is a value of type Sneaky, Sneaky()" + JSON_ONLY
    )
    assert str(_refusal({**SNAPSHOT, "checksum": Sneaky()})) == (
        "Rater snapshot 'checksum' is a value of type Sneaky, Sneaky()" + JSON_ONLY
    )
    body = {**SNAPSHOT["body"], "base_us": {1, 2}}
    assert str(_refusal({**SNAPSHOT, "body": body})) == (
        "Rater snapshot 'body' holds a value of type set, {1, 2} at ['base_us']" + JSON_ONLY
    )
    assert str(_refusal({**SNAPSHOT, "body": {**SNAPSHOT["body"], "late": {1: "x"}}})) == (
        "Rater snapshot 'body' holds a key of type int, 1 at ['late']" + JSON_ONLY
    )


def test_subclasses_of_strings_and_ints_are_read_as_the_plain_values_they_hold() -> None:
    class Text(str):
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("eq")

        def __ne__(self, other: object) -> bool:
            raise RuntimeError("ne")

        __hash__ = str.__hash__

    class Number(int):
        def __index__(self) -> int:
            raise RuntimeError("index")

    plain: dict[str, Callable[[Any], object]] = {"format": Text, "version": Number}
    data = {Text(key): plain.get(key, lambda v: v)(value) for key, value in SNAPSHOT.items()}
    restored = rk.Rater.restore(data, PLAN, METERS)  # type: ignore[arg-type]
    assert json.loads(json.dumps(restored.snapshot())) == SNAPSHOT


@pytest.mark.parametrize("huge", [10**5000, -(10**5000)], ids=["huge", "negative"])
def test_huge_ints_anywhere_are_refused_shown_by_their_length(huge: int) -> None:
    assert str(_refusal({**SNAPSHOT, "version": huge})) == (
        f"Rater snapshot version <{'an' if huge > 0 else 'a negative'} integer of 5001 digits> "
        "is unknown: this ratekit reads versions 1, 2, 3, 4 and 5; restore it with the ratekit that "
        "wrote it."
    )
    refusal = str(_refusal({**SNAPSHOT, "body": {**SNAPSHOT["body"], "base_us": huge}}))
    # no JSON text holds it (more than 4300 digits): named where it is, by its length
    assert refusal.startswith(
        "Rater snapshot 'body' holds an integer of 5001 digits, more than JSON text can hold "
        "here (4300) at ['base_us']; "
    )
    refusal = str(_refusal({**SNAPSHOT, huge: 1}))
    assert "has keys <" in refusal
    assert "integer of 5001 digits> that a snapshot has not" in refusal
