"""A RecordBatch's size as ``sys.getsizeof`` and Dask's ``sizeof`` read it.

A scheduler that weighs data by size moves what looks small: a built batch that said
only its own 48 bytes was moved whole between workers to balance them. Its size is its
object, its tuple and its records' objects with the values each holds alone (instant,
value), estimated from up to 16 records spread evenly.
"""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

AT = 1772323200000000  # 1 March 2026 00:00 UTC, in microseconds
SMALL = {"flavor": "m1.small"}


def _exact(batch: rk.RecordBatch) -> int:
    """The oracle of ``__sizeof__``: every record's bytes added up, none estimated.

    (``sys.getsizeof`` adds the garbage collector's header of the batch itself.)
    """
    held = 0
    for record in batch:
        held += sys.getsizeof(record) + sys.getsizeof(record.at_us)
        if isinstance(record, rk.Sample):
            held += sys.getsizeof(record._value)  # as kept: an int given stays an int
    return object.__sizeof__(batch) + sys.getsizeof(tuple(batch)) + held


def test_an_empty_batch_is_its_object_and_its_empty_tuple() -> None:
    batch = rk.RecordBatch()
    assert batch.__sizeof__() == _exact(batch)
    assert sys.getsizeof(batch) < 200


def test_a_batch_of_like_samples_weighs_every_record() -> None:
    # 100,000 samples alike in shape: the 16 sampled weigh as every one does, so the
    # estimate is the exact sum (at least 112 B of object, 28 B of instant and 28 B of
    # int value each: a value given as an int is kept as one, no Decimal made).
    samples = [("acme", "vm-1", "egress", AT + i, 1500 + i) for i in range(100_000)]
    batch = rk.RecordBatch.from_tuples(samples=samples)
    assert batch.__sizeof__() == _exact(batch)
    assert sys.getsizeof(batch) > 100_000 * 168
    assert sys.getsizeof(batch) < 100_000 * 190  # no 104-byte Decimal per value


def test_dask_sees_a_built_batch_as_large() -> None:
    sizeof = pytest.importorskip("dask.sizeof").sizeof
    events = [("acme", f"vm-{i}", AT + i, "start", SMALL) for i in range(10_000)]
    batch = rk.RecordBatch.from_tuples(events=events)
    assert batch.__sizeof__() == _exact(batch)
    assert sizeof(batch) == sys.getsizeof(batch) >= _exact(batch)
    assert sizeof(batch) > 10_000 * 96


@pytest.mark.property
@settings(max_examples=LAWS // 4, deadline=None)
@given(
    st.lists(st.booleans(), max_size=300),
    st.lists(st.integers(-(10**29), 10**29), min_size=1, max_size=5),
)
def test_a_mixed_batch_is_estimated_between_its_lightest_and_heaviest_record(
    kinds: list[bool], values: list[int]
) -> None:
    # Events (no value) and samples whose values differ in size: the estimate lies
    # between every record weighing what the lightest does and what the heaviest does.
    events = [("a", f"r{i}", AT + i, "start", None) for i, e in enumerate(kinds) if e]
    samples = [
        ("a", f"r{i}", "m", AT + i, values[i % len(values)]) for i, e in enumerate(kinds) if not e
    ]
    batch = rk.RecordBatch.from_tuples(events=events, samples=samples)
    each = [_exact(rk.RecordBatch([record])) - _exact(rk.RecordBatch()) for record in batch]
    base = _exact(rk.RecordBatch(list(batch))) - sum(each)
    size = batch.__sizeof__()
    assert base + len(each) * min(each, default=0) <= size
    assert size <= base + len(each) * max(each, default=0)
    if len(set(each)) <= 1:
        assert size == _exact(batch)
