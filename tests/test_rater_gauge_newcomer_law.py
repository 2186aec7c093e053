"""The rater's law over a newcomer's streams of gauge and counter readings.

Streams of `tests/_gauge_streams.py`: two accounts, each with two resources read by
every sample policy (`Max`, `Min`, `Latest`, `TimeWeightedMean` over the known time and
over the period, `Count`, `UniqueCount`, `Percentile`, `Counter(from_zero=True)` and a
plain `Counter` with resets), started, re-described mid-piece, stopped, deleted and
started again; readings at midnights and at the instant a price changes, some without
an id, some tied at one instant and ordered by `seq`; fed late in random batches with
replays and an other version of an id, stated at random watermarks (at a reading's
instant, at a midnight, again with nothing new), restored through JSON at random
points. Every statement's lines, summed per account, cycle and line, equal one batch
`rk.rate()` over the records taken, to the last digit, and every record fed is named
by a line, an invoice, an anomaly, a feed's lists or a statement's `no_effect`.
"""

from __future__ import annotations

import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import _gauge_streams as streams
from tests._budget import LAWS

EXAMPLES = max(LAWS // 40, 8)  # 8 in CI: each stream is some 100 records and 60 calls


@pytest.mark.property
@pytest.mark.parametrize(
    ("shape", "switch", "extras"),
    [(streams.UTC, False, False), (streams.ZURICH, True, True)],
    ids=["utc", "zurich-plan-change-allowances-minimums"],
)
@settings(max_examples=EXAMPLES, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_gauge_streams_within_the_horizon_add_up_to_one_batch_rate(
    shape: streams.Shape, switch: bool, extras: bool, seed: int
) -> None:
    # Records up to 30 hours late under a 12-hour horizon: late for closed cycles, kept.
    # A counter's increment from a reading in a compacted cycle is too late in part; the
    # law then holds from the cycles kept at that feed on.
    drawn = streams.draw(seed, shape=shape, switch=switch, extras=extras, inventories=True)
    said = streams.run(drawn)
    streams.check_law(said)
    streams.check_accounted(said)


@pytest.mark.property
@pytest.mark.parametrize("late", ["correct", "report"])
@settings(max_examples=EXAMPLES, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_gauge_streams_beyond_the_horizon_bill_the_kept_cycles_as_batch(
    late: typing.Literal["correct", "report"], seed: int
) -> None:
    # Readings up to 36 hours late under a 3-hour horizon (events and listings on time):
    # some are too late, placed in the compacted state. From the cycles kept when the last
    # of them came, the charged lines (and, under late="report", the lines reported only)
    # add up to batch's.
    said = streams.run(streams.draw(seed, beyond=True, late=late, inventories=True))
    streams.check_law(said)
    streams.check_accounted(said)


@pytest.mark.property
@settings(max_examples=EXAMPLES, deadline=None)
@given(seed=st.integers(0, 2**32), beyond=st.booleans())
def test_a_gauge_stream_restored_after_every_call_says_what_one_never_restored_says(
    seed: int, beyond: bool
) -> None:
    # Whatever an aggregation carries from one statement to the next is in the snapshot:
    # the feeds and statements (lines, reported lines, anomalies, closings, no_effect,
    # invoices) of a rater restored through JSON after every call are those of one never
    # restored, to the last digit and word.
    drawn = streams.draw(seed, beyond=beyond, inventories=True, extras=True)
    plain, always = streams.restored_everywhere(drawn)
    assert streams.told(streams.run(always)) == streams.told(streams.run(plain))
