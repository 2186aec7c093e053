"""A feed read as it goes names the same first bad record as the list of what it gave.

`RecordBatch.from_tuples` reads a generator whole, then checks it column by column; a
generator column of `from_columns` likewise. Attributes are frozen as each record is read
(a feed may reuse one dict), and a mapping refused then is kept until its column is
checked: so the first bad record is named whatever field is bad in it, as for a list,
and the records ahead of a tuple of another shape are checked with the attributes they
had when read, not with what a reused dict holds at the end.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

T0 = 1772323200000000  # 2026-03-01T00:00:00Z
FIELDS = ("account", "resource", "at_us", "kind", "attributes")


def _generated(rows: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    yield from rows


def _columns(rows: list[tuple[Any, ...]], lazy: bool) -> dict[str, Any]:
    columns = {field: [row[i] for row in rows] for i, field in enumerate(FIELDS)}
    if lazy:  # the attributes as a generator column, read value by value
        return {**columns, "attributes": (value for value in columns["attributes"])}
    return columns


def _refusal(build: Any) -> tuple[str, str]:
    with pytest.raises(rk.RatekitError) as raised:
        build()
    return type(raised.value).__name__, str(raised.value)


@pytest.mark.parametrize("way", ["tuple generator", "column generator"])
def test_a_bad_account_ahead_of_a_bad_attribute_is_named_from_a_feed(way: str) -> None:
    # events[0] has an empty account, events[1] an attribute name that is no string: the
    # list names events[0]; a feed read as it goes named events[1], refused as it was read.
    rows: list[tuple[Any, ...]] = [
        ("", "vm-0", T0, "start", None),
        ("acme", "vm-1", T0, "start", {1: "x"}),
    ]
    listed = _refusal(lambda: rk.RecordBatch.from_tuples(events=rows))
    assert listed == (
        "RatekitTypeError",
        "events[0]: account is str ''; it must be a non-empty string.",
    )
    if way == "tuple generator":
        fed = _refusal(lambda: rk.RecordBatch.from_tuples(events=_generated(rows)))
    else:
        fed = _refusal(lambda: rk.RecordBatch.from_columns(events=_columns(rows, lazy=True)))
    assert fed == listed
    # without the bad account, the bad attribute is the one named, on every way
    rows[0] = ("acme", "vm-0", T0, "start", None)
    assert _refusal(lambda: rk.RecordBatch.from_tuples(events=_generated(rows))) == (
        "RatekitTypeError",
        "events[1]: attribute names must be strings, not int: 1.",
    )


def test_a_reused_dict_changed_after_its_tuple_is_not_blamed_on_the_records_ahead() -> None:
    # A feed reuses one dict: events[0] had {'flavor': 'a'}, events[1] {'flavor': 'b'};
    # then it adds the key 1 and yields a 3-field tuple. The fault is events[2]'s length;
    # the records ahead were checked again with the dict as it is now, and events[0] was
    # named for an attribute name it never had.
    def feed() -> Iterator[tuple[Any, ...]]:
        attributes: dict[Any, str] = {}
        attributes["flavor"] = "a"
        yield ("acme", "vm-1", T0, "start", attributes)
        attributes["flavor"] = "b"
        yield ("acme", "vm-2", T0, "start", attributes)
        attributes[1] = "x"
        yield ("acme", "vm-3", T0)

    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_tuples(events=feed())
    assert str(raised.value) == (
        "events[2] has 3 fields: ('acme', 'vm-3', 1772323200000000); an event tuple is "
        "(account, resource, at_us, kind, attributes, id, seq), from 3 to 7 fields (the first "
        "3 required), and every tuple of a batch has the same length."
    )


def test_a_bad_attribute_read_from_a_feed_ahead_of_another_shape_is_named_first() -> None:
    # events[0]'s attribute is NaN (refused when read), events[1] is shorter: events[0]
    # comes first, as from a list.
    rows: list[tuple[Any, ...]] = [
        ("acme", "vm-1", T0, "start", {"a": float("nan")}),
        ("acme", "vm-2", T0, "start"),
    ]
    listed = _refusal(lambda: rk.RecordBatch.from_tuples(events=rows))
    assert listed[0] == "BadQuantityError"
    assert listed[1].startswith("events[0]: attribute 'a' is nan, not a finite number;")
    assert _refusal(lambda: rk.RecordBatch.from_tuples(events=_generated(rows))) == listed


class _Endless(Mapping[str, int]):
    """A mapping that never ends: kept as it is when refused, never copied."""

    def __getitem__(self, key: str) -> int:
        return 1

    def __len__(self) -> int:
        return 10**9

    def __iter__(self) -> Iterator[str]:
        count = 0
        while True:
            yield str(count)
            count += 1


def test_a_refused_mapping_of_a_feed_that_never_ends_is_refused_not_copied() -> None:
    # A mapping refused as its tuple is read is kept until its column is checked; only
    # plain dicts and lists are copied then, so one that never ends is not read forever.
    with pytest.raises(rk.BadRecordError) as raised:
        rk.RecordBatch.from_tuples(events=_generated([("a", "r", T0, "start", _Endless())]))
    assert str(raised.value) == (
        "events[0]: attributes holds more than 100,000 items (or never ends); a "
        "description's mapping holds at most 100,000 names."
    )
    nested: dict[str, Any] = {"self": None}
    nested["self"] = nested  # a dict that contains itself: its copy is cut, still refused
    rows = [("a", "r", T0, "start", nested), ("a",) * 3]
    with pytest.raises(rk.BadRecordError) as cut:
        rk.RecordBatch.from_tuples(events=_generated(rows))
    assert str(cut.value) == (
        f"events[0]: attribute '{'.'.join(['self'] * 33)}' nests deeper than 32 levels (or "
        "contains itself); a description is a tree of JSON-like values."
    )


_names = st.sampled_from(["acme", "", 5])
_kinds = st.sampled_from(["start", "stop", "halt"])
_attributes = st.sampled_from(
    [None, {"flavor": "s"}, {"flavor": "l", "n": 2}, {1: "x"}, {"a": float("nan")}, "text"]
)
_rows = st.lists(
    st.tuples(_names, st.just("vm"), st.sampled_from([T0, "T", -(2**70)]), _kinds, _attributes),
    max_size=6,
)


@pytest.mark.property
@settings(max_examples=LAWS)
@given(rows=_rows, cut=st.integers(0, 6))
def test_law_a_feed_is_refused_or_built_as_the_list_of_what_it_gave(
    rows: list[tuple[Any, ...]], cut: int
) -> None:
    # Oracle: the list of the same tuples. The feed reuses one dict, changed after each tuple is read and, at the end,
    # made bad; a tuple of another shape at ``cut`` (if within the rows) follows its rows.
    copies = list(rows)
    shaped = [*copies[:cut], ("acme", "vm", T0), *copies[cut:]] if cut < len(rows) else copies

    def feed() -> Iterator[tuple[Any, ...]]:
        reused: dict[Any, Any] = {}
        for row in shaped:
            if len(row) > 4 and isinstance(row[4], dict):
                reused.clear()
                reused.update(row[4])
                yield (*row[:4], reused)
            else:
                yield row
        reused[2] = float("nan")  # changed after the last tuple was read

    def outcome(build: Any) -> tuple[str, ...]:
        try:
            return ("built", repr(list(build())))
        except rk.RatekitError as error:
            return (type(error).__name__, str(error))

    want = outcome(lambda: rk.RecordBatch.from_tuples(events=shaped))
    assert outcome(lambda: rk.RecordBatch.from_tuples(events=feed())) == want
    if cut >= len(rows) and rows:  # one shape: the same as columns, a generator column too
        assert outcome(lambda: rk.RecordBatch.from_columns(events=_columns(copies, True))) == want
