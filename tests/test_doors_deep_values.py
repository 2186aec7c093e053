"""The doors refuse very deep or very big values with a short message, never a crash.

A value nested deeper than Python's recursion limit, or a mapping of 100,000 keys, given
where ratekit expects something else: each door raises a `RatekitError` whose message
shows the value cut short (``ratekit._shown.show``), not a ``RecursionError`` nor a
message of megabytes. Descriptions nest at most 32 levels, at every door that takes one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

import ratekit as rk
from ratekit._descriptions import MAX_DEPTH
from ratekit._shown import show

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])


def deep(levels: int, leaf: object = 1) -> object:
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


DEEP = deep(sys.getrecursionlimit() + 200)
BIG = {f"k{i}": "v" * 100 for i in range(100_000)}  # about 11 MB as a repr

DOORS: dict[str, Callable[[object], object]] = {
    "RecordBatch": lambda v: rk.RecordBatch([v]),  # type: ignore[list-item]
    "RecordBatch tuple": lambda v: rk.RecordBatch([("a", "r", 0, "start", {"x": v}, "e", None, 1)]),  # type: ignore[list-item]
    "from_tuples item": lambda v: rk.RecordBatch.from_tuples(events=[v]),  # type: ignore[list-item]
    "from_tuples length": lambda v: rk.RecordBatch.from_tuples(
        events=[("a", "r", 0, "start", {"x": v}, "id", None, 1)]
    ),  # type: ignore[list-item]
    "meter": lambda v: rk.meter([v], [], span=MARCH, cycle=None, as_of=MARCH.end),  # type: ignore[list-item]
    "rate": lambda v: rk.rate([v], PLAN, span=MARCH),  # type: ignore[list-item]
    "Rater.feed": lambda v: rk.Rater(PLAN, [], start=MARCH.start).feed([v]),  # type: ignore[list-item]
    "bill": lambda v: rk.bill([v]),  # type: ignore[list-item]
    "to_row": rk.to_row,
    "Plan": lambda v: rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [v]),  # type: ignore[list-item]
    "PriceEntry where": lambda v: rk.PriceEntry("e", "m", rk.PerUnit(1), where={"x": v}),
    "Meter": lambda v: rk.Meter("m", "hour", v),  # type: ignore[arg-type]
    "Span": lambda v: rk.Span(v, v),  # type: ignore[arg-type]
    "Credit": lambda v: rk.Credit(v, "a", 1, "EUR", "2026-03-01T00:00:00Z"),  # type: ignore[arg-type]
    "Share": lambda v: rk.Share(v, "r", {"a": 1}),  # type: ignore[arg-type]
    "Event": lambda v: rk.Event("a", "r", "2026-03-01T00:00:00Z", {"x": v}, id="e"),
}


# A wide mapping of strings is a fine description or selector value: not refused there.
CASES = [(door, "deep") for door in sorted(DOORS)] + [
    (door, "big") for door in sorted(DOORS) if door not in ("Event", "PriceEntry where")
]


@pytest.mark.parametrize(("door", "value"), CASES)
def test_a_door_refuses_a_deep_or_big_value_with_a_short_message(door: str, value: str) -> None:
    with pytest.raises(rk.RatekitError) as caught:
        DOORS[door](DEEP if value == "deep" else BIG)
    message = str(caught.value)
    assert len(message) < 600, message[:600]
    # The value cut short ({...} below three levels, ... past 80 characters), or the
    # nesting named by its path and the limit.
    assert "{...}" in message or "..." in message or "nests deeper than 32" in message


def test_the_shown_value_is_the_one_shortener() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.meter([BIG], [], span=MARCH, cycle=None, as_of=MARCH.end)  # type: ignore[list-item]
    assert str(caught.value) == (
        f"records[0]: metering takes Event, Sample and Inventory records, not dict: {show(BIG)}."
    )
    assert len(show(BIG)) == 80


def test_events_and_rows_take_descriptions_of_the_same_depth() -> None:
    # {"x": 32 nested mappings around 1}: mappings at levels 0..31 below the attribute,
    # accepted at both doors; one more level is refused at both, naming the limit.
    assert MAX_DEPTH == 32
    row = rk.to_row(rk.Event("a", "r", "2026-03-01T00:00:00Z", {"x": deep(32)}, id="e"))
    assert rk.from_row(rk.Event, row).attributes == {"x": deep(32)}
    with pytest.raises(rk.BadRecordError) as event_error:
        rk.Event("a", "r", "2026-03-01T00:00:00Z", {"x": deep(33)}, id="e")
    assert str(event_error.value) == (
        f"event 'e' attribute 'x{'.a' * 32}' nests deeper than 32 levels (or contains itself); "
        "a description is a tree of JSON-like values."
    )
    with pytest.raises(rk.BadDataError) as row_error:
        rk.from_row(rk.Event, {**row, "attributes": {"x": deep(33)}})
    message = str(row_error.value)
    assert message.startswith("attributes.x.a.a.a.a")
    assert message.endswith(
        "a description nests at most 32 levels deep (lists and mappings in an attribute), "
        "as an Event takes it."
    )


def test_a_where_value_deeper_than_any_description_is_refused() -> None:
    # 32 levels match a description; 33 could match none, and a value deeper than the
    # recursion limit is refused the same way, its value cut short.
    rk.PriceEntry("e", "m", rk.PerUnit(1), where={"x": deep(32)})
    with pytest.raises(rk.BadPriceError) as caught:
        rk.PriceEntry("e", "m", rk.PerUnit(1), where={"x": deep(33)})
    assert str(caught.value) == (
        "a PriceEntry where value of 'x' nests deeper than 32 levels (or contains itself); it "
        "could match no description, which nests at most 32 levels deep: "
        "{'a': {'a': {'a': {...}}}}."
    )
    looped: dict[str, object] = {}
    looped["a"] = looped
    with pytest.raises(rk.BadPriceError, match="contains itself"):
        rk.PriceEntry("e", "m", rk.PerUnit(1), where={"x": looped})
