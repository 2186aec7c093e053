"""The lean constructors name the first bad record of the batch, whatever its fault.

In a batch the events come first, then the samples. Before, a sample tuple of another
shape (or a sample column missing) was named ahead of a bad event: the samples' shape was
checked before any event's fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from tests._budget import LAWS

import ratekit as rk

T = 1772323200000000  # 2026-03-01T00:00:00Z
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def test_a_bad_event_is_named_before_a_sample_tuple_of_another_shape() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        rk.RecordBatch.from_tuples(events=[("a", "r", T, "halt")], samples=[("a", "r", "m")])
    assert str(caught.value) == (
        "events[0]: kind is str 'halt'; it must be one of 'start', 'update', 'stop', 'delete'."
    )
    # With the event good, the sample tuple is named as before.
    with pytest.raises(rk.RatekitTypeError, match=r"^samples\[0\] has 3 fields: "):
        rk.RecordBatch.from_tuples(events=[("a", "r", T, "start")], samples=[("a", "r", "m")])


def test_a_bad_event_is_named_before_a_sample_column_missing() -> None:
    events = {"account": ["a", "a"], "resource": ["r", "r"], "at_us": [T, 1.5]}
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.RecordBatch.from_columns(events=events, samples={"account": ["a"]})
    assert str(caught.value).startswith("events[1]: at_us is float 1.5; ")
    events["at_us"] = [T, T]
    with pytest.raises(rk.RatekitTypeError, match=r"^RecordBatch sample columns miss "):
        rk.RecordBatch.from_columns(events=events, samples={"account": ["a"]})


def test_a_lazy_column_is_read_whole_before_its_values_are_checked() -> None:
    # Documented: the columns are read (and their lengths compared) before any value is
    # checked, so a generator is read past a bad value; the first bad record is named.
    read: list[int] = []

    def at_us() -> Iterator[object]:
        for index, value in enumerate([T, "x", T, T]):
            read.append(index)
            yield value

    columns = {"account": ["a"] * 4, "resource": ["r"] * 4, "at_us": at_us()}
    with pytest.raises(rk.RatekitTypeError, match=r"^events\[1\]: at_us is str 'x'"):
        rk.RecordBatch.from_columns(events=columns)
    assert read == [0, 1, 2, 3]


# -- the law: the first fault listed is named, as the friendly constructors find it -----

EVENT_FAULTS = {
    "kind": ("a", "r", T, "halt", None),
    "account": ("", "r", T, "start", None),
    "at_us": ("a", "r", 1.5, "start", None),
    "attribute": ("a", "r", T, "start", {"x": float("nan")}),
    "shape": ("a", "r"),
}
SAMPLE_FAULTS = {
    "value": ("a", "r", "m", T, "lots", "delta"),
    "counter": ("a", "r", "m", T, -1, "counter"),
    "meter": ("a", "r", "", T, 5, "delta"),
    "kind": ("a", "r", "m", T, 5, "level"),
    "shape": ("a", "r", "m", T),
}


def _good_event(index: int) -> tuple[object, ...]:
    return ("a", f"r{index}", T + index, "start", {"n": index})


def _good_sample(index: int) -> tuple[object, ...]:
    return ("a", f"r{index}", "m", T + index, index, "delta")


def _friendly_refuses(row: tuple[object, ...], event: bool) -> bool:
    """Whether ``rk.Event`` (or ``rk.Sample``) refuses the record the tuple gives."""
    if len(row) != (5 if event else 6):
        return True  # every good tuple here has that length: the batch's shape
    at = (
        EPOCH + dt.timedelta(microseconds=row[2 if event else 3])
        if type(row[2 if event else 3]) is int
        else row[2 if event else 3]
    )
    try:
        if event:
            rk.Event(row[0], row[1], at, row[4], kind=row[3])  # type: ignore[arg-type]
        else:
            rk.Sample(row[0], row[1], row[2], at, row[4], kind=row[5])  # type: ignore[arg-type]
    except rk.RatekitError:
        return True
    return False


@st.composite
def _batches(draw: st.DrawFn) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    events = [_good_event(index) for index in range(draw(st.integers(1, 6)))]
    samples = [_good_sample(index) for index in range(draw(st.integers(0, 6)))]
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            fault = EVENT_FAULTS[draw(st.sampled_from(sorted(EVENT_FAULTS)))]
            events.insert(draw(st.integers(0, len(events))), fault)
        else:
            fault = SAMPLE_FAULTS[draw(st.sampled_from(sorted(SAMPLE_FAULTS)))]
            samples.insert(draw(st.integers(0, len(samples))), fault)
    return events, samples


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(batch=_batches(), lazy=st.booleans())
def test_law_the_first_bad_tuple_listed_is_named(
    batch: tuple[list[tuple[object, ...]], list[tuple[object, ...]]], lazy: bool
) -> None:
    events, samples = batch
    named = [
        f"events[{index}]" for index, row in enumerate(events) if _friendly_refuses(row, True)
    ] + [f"samples[{index}]" for index, row in enumerate(samples) if _friendly_refuses(row, False)]
    given_events = iter(events) if lazy else events
    given_samples = iter(samples) if lazy else samples
    with pytest.raises(rk.RatekitError) as caught:
        rk.RecordBatch.from_tuples(events=given_events, samples=given_samples)
    assert str(caught.value).startswith(named[0]), (named, str(caught.value))
