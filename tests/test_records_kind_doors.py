"""A record's kind that is no string is refused as a kind, whatever its ``==`` does.

pandas' NA (what ``frame.to_dict("records")`` gives for a missing kind) raises when its
comparison is asked for a truth value; ``rk.Event`` and ``rk.Sample`` compared it against
each kind and let pandas' ``TypeError`` out, where ``RecordBatch`` refused the same value
with a ``BadRecordError`` naming the field.
"""

from __future__ import annotations

import pytest

import ratekit as rk


class _Ambiguous:
    """A value whose comparison has no truth value (as pandas' NA, a numpy array)."""

    def __eq__(self, other: object) -> bool:
        raise TypeError("the truth value is ambiguous")

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<ambiguous>"


def test_an_event_kind_without_a_truth_value_is_refused_as_a_kind() -> None:
    with pytest.raises(rk.BadRecordError) as refused:
        rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", kind=_Ambiguous(), id="e1")  # type: ignore[arg-type]
    assert str(refused.value) == (
        "event 'e1' kind <ambiguous> is not one of 'start', 'update', 'stop', 'delete'."
    )


def test_a_sample_kind_without_a_truth_value_is_refused_as_a_kind() -> None:
    with pytest.raises(rk.BadRecordError) as refused:
        rk.Sample("acme", "ip-1", "egress", "2026-03-02T08:00:00Z", 1, kind=_Ambiguous(), id="s1")  # type: ignore[arg-type]
    assert str(refused.value) == (
        "sample 's1' kind <ambiguous> is not one of 'delta', 'counter', 'gauge'."
    )


def test_pandas_na_as_a_kind_is_refused_at_both_doors_alike() -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(rk.BadRecordError, match="kind <NA> is not one of 'start'"):
        rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", kind=pd.NA, id="e1")
    with pytest.raises(rk.BadRecordError, match="kind <NA> is not one of 'delta'"):
        rk.Sample("acme", "ip-1", "egress", "2026-03-02T08:00:00Z", 1, kind=pd.NA, id="s1")
    with pytest.raises(rk.BadRecordError, match=r"events\[0\] \(id 'e1'\): kind is NAType"):
        rk.RecordBatch.from_tuples(events=[("acme", "vm-1", 1772438400000000, pd.NA, None, "e1")])
