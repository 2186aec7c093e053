"""A record at the last instant ratekit represents is judged like every other record.

``rate()`` covers each account from the plan's cycle containing its first record, and
refuses a record whose instant lies in no cycle the plan can compute (calendar cycles
end before 9998-12-31). The first record per account was found by comparing with the
last representable instant, 9999-12-31T23:59:59.999999Z, as "none yet": a record
stamped exactly there was never anyone's first.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

LAST_US = 253402300799999999  # 9999-12-31T23:59:59.999999Z
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.monthly(tz="Europe/Zurich"), [rk.PriceEntry("v", "vm", rk.PerUnit("1"))]
)
METERS = [rk.Meter("vm", "hour", rk.OnOff())]


@pytest.mark.parametrize("at_us", [LAST_US - 1, LAST_US])
def test_an_account_whose_only_record_lies_past_every_cycle_is_refused(at_us: int) -> None:
    # One microsecond before the last instant was refused; the last instant itself was
    # taken, its account never covered (no first record), and rate() said nothing.
    batch = rk.RecordBatch.from_tuples(events=[("a", "r", at_us, "start")])
    shown = "9999-12-31T23:59:59.99999" + ("9Z" if at_us == LAST_US else "8Z")
    with pytest.raises(
        rk.BadTimeError,
        match=rf"^rate: records\[0\] \(event of account 'a', resource 'r'\) has at {shown}, in no billing cycle of the plan",
    ):
        rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    friendly = [rk.Event("a", "r", batch[0].at, kind="start")]
    with pytest.raises(rk.BadTimeError, match=rf"has at {shown}, in no billing cycle"):
        rk.rate(friendly, PLAN, span=MARCH, meters=METERS)


@pytest.mark.property
@settings(max_examples=LAWS)
@given(at_us=st.one_of(st.integers(LAST_US - 86_400_000_000, LAST_US), st.just(LAST_US)))
def test_law_every_record_past_the_calendars_is_refused_alike(at_us: int) -> None:
    # Oracle: the calendars end before 9998-12-31T00:00:00Z, so every instant of the
    # last day ratekit represents lies in no cycle; each is refused, naming the record.
    batch = rk.RecordBatch.from_tuples(samples=[("a", "r", "vm", at_us, 1)])
    with pytest.raises(rk.BadTimeError, match=r"^rate: records\[0\] \(sample of account 'a'"):
        rk.rate(batch, PLAN, span=MARCH, meters=METERS)
