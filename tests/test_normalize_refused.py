"""Grouping refuses a sample whose (meter, kind) no meter given takes: read as two sets.

`_normalize._refused()` reads the meters and the kinds of the samples as two sets of
strings and makes the pairs only when some meter read does not take some kind read; the
law: it refuses exactly the pairs a brute-force pass over every sample refuses.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit._normalize import _refused

_METERS = ("egress", "calls", "level")
_KINDS = ("delta", "counter", "gauge")
T0 = "2026-03-01T00:00:00Z"


def _oracle(pairs: list[tuple[str, str]], accepted: dict[str, frozenset[str]]) -> set[object]:
    return {(meter, kind) for meter, kind in pairs if kind not in accepted.get(meter, ())}


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR))
@given(
    pairs=st.lists(st.tuples(st.sampled_from(_METERS), st.sampled_from(_KINDS)), max_size=8),
    accepted=st.dictionaries(
        st.sampled_from(_METERS), st.frozensets(st.sampled_from(_KINDS)), max_size=3
    ),
)
def test_the_pairs_refused_are_the_brute_force_ones(
    pairs: list[tuple[str, str]], accepted: dict[str, frozenset[str]]
) -> None:
    samples = [rk.Sample("acme", "r", meter, T0, 1, kind=kind) for meter, kind in pairs]  # type: ignore[arg-type]
    assert _refused(samples, accepted) == _oracle(pairs, accepted)


def test_a_meter_that_takes_every_kind_read_refuses_none_and_one_that_does_not_is_named() -> None:
    # egress takes delta and counter; calls takes delta only. Samples: egress/delta,
    # calls/delta, egress/counter. Every meter takes delta, but calls does not take
    # counter: the two sets alone ({egress, calls} x {delta, counter}) would refuse
    # (calls, counter), which no sample is; the pairs read refuse nothing.
    accepted = {"egress": frozenset({"delta", "counter"}), "calls": frozenset({"delta"})}
    samples = [
        rk.Sample("acme", "r", "egress", T0, 1),
        rk.Sample("acme", "r", "calls", T0, 1),
        rk.Sample("acme", "r", "egress", T0, 1, kind="counter"),
    ]
    assert _refused(samples, accepted) == set()
    # a calls counter reading is refused, and only that pair
    samples.append(rk.Sample("acme", "r", "calls", T0, 1, kind="counter"))
    assert _refused(samples, accepted) == {("calls", "counter")}
