"""A batch's records are made in runs: the same records, holding the caller's own values.

`RecordBatch` makes its records in runs of ``ratekit._batch_making._RUN`` (1,024), each run's
instants, ids and seqs read ahead at C speed. The records are the ones the values give,
in the order given, across the runs' boundaries, and they hold the caller's own ints and
strings: no copy is made of a value the caller keeps (a copied instant costs 32 bytes a
record while the caller's feed is alive).
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._batch_making import _RUN
from ratekit._instants import from_us

T0 = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
SMALL = {"flavor": "m1.small"}


def _feed(count: int, seed: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """``count`` events and ``count`` samples with ids and seqs, their ints made afresh."""
    rng = random.Random(seed)
    events = [
        (
            f"acct-{rng.randrange(3)}",
            f"vm-{rng.randrange(5)}",
            T0 + rng.randrange(10**12),
            rng.choice(["start", "stop", "update"]),
            rng.choice([SMALL, None]),
            f"e{index}",
            rng.randrange(-(2**63), 2**63),
        )
        for index in range(count)
    ]
    samples = [
        (
            f"acct-{rng.randrange(3)}",
            f"vm-{rng.randrange(5)}",
            "egress",
            T0 + rng.randrange(10**12),
            rng.randrange(-(10**12), 10**12),
            "delta",
            rng.choice([f"s{index}", None]),
            rng.choice([rng.randrange(10**6), None]),
        )
        for index in range(count)
    ]
    return events, samples


def test_records_across_runs_hold_the_callers_own_instants_ids_and_seqs() -> None:
    # 2,500 records of each kind: runs of 1,024, 1,024 and 452. Record i holds the very
    # objects of tuple i (not equal copies), and a sample's value is its int as a Decimal.
    assert _RUN == 1024
    events, samples = _feed(2500, seed=7)
    batch = rk.RecordBatch.from_tuples(events, samples)
    assert len(batch) == 5000
    for event, row in zip(batch.events, events, strict=True):
        assert event.at_us is row[2]
        assert event.id is row[5]
        assert event.seq is row[6]
        assert (event.account, event.resource, event.kind) == row[:2] + row[3:4]
    for sample, row in zip(batch.samples, samples, strict=True):
        assert sample.at_us is row[3]
        assert sample.id is row[6]
        assert sample.seq is row[7]
        assert sample.value == Decimal(row[4])  # type: ignore[arg-type]
        assert sample.value.as_tuple().exponent == 0
    # the boundaries: the last of the first run, the first of the second, the last one
    assert [batch.events[i].id for i in (1023, 1024, 2499)] == ["e1023", "e1024", "e2499"]


def test_a_bad_record_in_a_later_run_is_named_by_its_index() -> None:
    # The 2,000th event (index 1999, in the second run) stamped in the year 10000:
    # 253402300800000000 is one microsecond past the last instant, 9999-12-31T23:59:59.999999Z.
    events, _ = _feed(2500, seed=8)
    events[1999] = ("a", "r", 253_402_300_800_000_000)
    events = [row[:3] for row in events]
    with pytest.raises(rk.BadTimeError) as error:
        rk.RecordBatch.from_tuples(events=events)
    assert str(error.value) == (
        "events[1999]: at_us is int 253402300800000000; an instant lies from "
        "-62135596800000000 to 253402300799999999 microseconds since the epoch."
    )


@pytest.mark.property
@settings(max_examples=max(10, LAWS // 50), deadline=None)
@given(
    count=st.sampled_from([0, 1, _RUN - 1, _RUN, _RUN + 1, 2 * _RUN + 3]),
    seed=st.integers(0, 2**32 - 1),
)
def test_law_a_batch_of_any_length_is_its_friendly_records(count: int, seed: int) -> None:
    events, samples = _feed(count, seed)
    friendly = [
        rk.Event(a, r, from_us(at), attributes, kind=kind, id=i, seq=seq)  # type: ignore[arg-type]
        for a, r, at, kind, attributes, i, seq in events
    ] + [
        rk.Sample(a, r, m, from_us(at), value, kind=kind, id=i, seq=seq)  # type: ignore[arg-type]
        for a, r, m, at, value, kind, i, seq in samples
    ]
    batch = rk.RecordBatch.from_tuples(events, samples)
    assert list(batch) == friendly
    assert [type(record) for record in batch] == [type(record) for record in friendly]


def test_int_values_at_and_beyond_64_bits_are_exact_decimals() -> None:
    # The int values are read packed as 64-bit ints when all fit: -2**63 and 2**63 - 1
    # are the edges (-9223372036854775808, 9223372036854775807); 2**63 does not fit, so
    # its column is bounded as ints (below 1E+30) and read as they are. Either way each
    # value is its int as a Decimal of exponent 0.
    for values in ([-(2**63), 0, 2**63 - 1], [-(2**63), 2**63, 10**30 - 1]):
        batch = rk.RecordBatch.from_columns(
            samples={
                "account": ["a"] * 3,
                "resource": ["r"] * 3,
                "meter": ["m"] * 3,
                "at_us": [T0] * 3,
                "value": values,
            }
        )
        assert [sample.value for sample in batch] == [Decimal(value) for value in values]
        assert {sample.value.as_tuple().exponent for sample in batch} == {0}
    assert str(batch[1].value) == "9223372036854775808"


def test_columns_given_as_tuples_are_read_as_lists_are() -> None:
    # Tuple columns are given back as they are (not copied): the records hold their
    # values, and a negative counter reading is named with its id, as for lists.
    at = (T0, T0 + 1)
    columns = {
        "account": ("a", "a"),
        "resource": ("r", "r"),
        "meter": ("m", "m"),
        "at_us": at,
        "value": (5, -2),
        "kind": ("counter", "counter"),
        "id": ("s1", "s2"),
        "seq": (None, 3),
    }
    with pytest.raises(rk.BadRecordError) as error:
        rk.RecordBatch.from_columns(samples=columns)
    assert str(error.value).startswith(
        "samples[1] (id 's2'): value -2 is a negative counter reading"
    )
    batch = rk.RecordBatch.from_columns(samples={**columns, "value": (5, 7)})
    assert [sample.at_us for sample in batch] == [1_772_323_200_000_000, 1_772_323_200_000_001]
    assert batch[1].at_us is at[1]
    assert [(sample.id, sample.seq) for sample in batch] == [("s1", None), ("s2", 3)]


def test_equal_names_given_as_other_objects_become_one_interned_name() -> None:
    # Three equal account names, three objects made at run time; the interned "acme-7"
    # is one of them or an older one, and every record holds that one, as rk.Sample does.
    names = ["".join(["acme", "-", "7"]) for _ in range(3)]
    assert names[0] is not names[1]
    batch = rk.RecordBatch.from_columns(
        samples={
            "account": names,
            "resource": [f"ip-{i}" for i in range(3)],
            "meter": ["m"] * 3,
            "at_us": [T0] * 3,
            "value": [1, 2, 3],
        }
    )
    interned = sys.intern("acme-7")
    assert all(sample.account is interned for sample in batch)
    assert [sample.resource for sample in batch] == ["ip-0", "ip-1", "ip-2"]
    assert all(sample.resource is sys.intern(sample.resource) for sample in batch)


def test_a_negative_counter_reading_is_named_before_a_bad_seq_of_its_record() -> None:
    # One sample, a counter reading of -1 and a seq of 2**63 = 9223372036854775808 (one
    # past the largest): the fields are checked in the order of the tuple but the seq
    # after the readings, so the reading is the fault named, as before the runs.
    with pytest.raises(rk.BadRecordError) as error:
        rk.RecordBatch.from_tuples(samples=[("a", "r", "m", T0, -1, "counter", "s1", 2**63)])
    assert str(error.value).startswith(
        "samples[0] (id 's1'): value -1 is a negative counter reading;"
    )
