"""Usage of a resource the rater knows by samples alone: it awaits its description.

Under a plan whose ``unpriced`` is ``"error"``, usage that nothing describes, of a resource
no event or listing has named yet, of a meter an entry prices by attributes, is taken
(an ``"unpriced"`` anomaly, not charged) rather than refused: the event describing it may
come next. Once it does, the stream bills what batch ``rk.rate()`` bills, in whichever
order the records came. Usage of a resource an event described is refused as before.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._decimals import exact_sum

MONTHLY = rk.cycles.monthly(tz="UTC")
#: 0.01 a minute of HD, 0.04 of 4K; nothing else is priced.
PLAN = rk.Plan(
    "video",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry("hd", "transcode", rk.PerUnit("0.01"), where={"res": "HD"}),
        rk.PriceEntry("4k", "transcode", rk.PerUnit("0.04"), where={"res": "4K"}),
    ],
)
METERS = [rk.Meter("transcode", "minute", rk.Discrete())]
START = "2026-03-01T00:00:00Z"
MARCH = rk.Span(START, "2026-04-01T00:00:00Z")
END = "2026-04-01T00:00:00Z"

STARTS_HD = rk.Event("a", "job", "2026-03-02T00:00:00Z", {"res": "HD"}, kind="start", id="e1")
MINUTES = rk.Sample("a", "job", "transcode", "2026-03-03T00:00:00Z", 100, id="s1")
MORE = rk.Sample("a", "job", "transcode", "2026-03-06T00:00:00Z", 50, id="s2")
TO_4K = rk.Event("a", "job", "2026-03-05T00:00:00Z", {"res": "4K"}, id="e2")
TO_SD = rk.Event("a", "job", "2026-03-04T00:00:00Z", {"res": "SD"}, id="e3")


def batch_total(records: list[Any], plans: Any = PLAN) -> Decimal:
    return exact_sum(i.total for i in rk.bill(rk.rate(records, plans, span=MARCH, meters=METERS)))


def invoiced(rater: rk.Rater, as_of: str = END) -> Decimal:
    return exact_sum(i.total for i in rater.statement(as_of).invoices)


def test_minutes_fed_before_their_start_are_said_then_billed_once_it_comes() -> None:
    rater = rk.Rater(PLAN, METERS, start=START)
    assert rater.feed([MINUTES]).accepted == ("s1",)
    early = rater.statement("2026-03-10T00:00:00Z")
    assert early.lines == ()  # not charged while nothing describes the job
    (said,) = early.anomalies
    assert said.kind == "unpriced"
    assert said.record_ids == ("s1",)
    assert "nothing describes the resource there yet" in said.message
    assert rater.feed([STARTS_HD]).accepted == ("e1",)
    # 100 minutes of HD x 0.01 = 1.00, as batch rate() of both records
    assert invoiced(rater) == Decimal("1.00") == batch_total([MINUTES, STARTS_HD])


def test_an_update_after_the_usage_bills_as_the_batch_in_every_order() -> None:
    # HD from 2 March, 4K from 5 March: 100 minutes on the 3rd at 0.01 = 1.00, 50 on the
    # 6th at 0.04 = 2.00; 3.00 whichever order the four records are fed in, one by one.
    records = [MINUTES, MORE, STARTS_HD, TO_4K]
    assert batch_total(records) == Decimal("3.00")
    for order in itertools.permutations(records):
        rater = rk.Rater(PLAN, METERS, start=START)
        for record in order:
            assert rater.feed([record]).accepted == (record.id,)
        assert invoiced(rater) == Decimal("3.00"), order


def test_a_description_no_entry_prices_is_refused_as_the_batch_refuses_it() -> None:
    # SD from 4 March: the 50 minutes of the 6th have no price. Whichever comes last (the
    # update or the minutes) is refused with UnpricedUsageError, as batch rate() refuses.
    with pytest.raises(rk.UnpricedUsageError):
        rk.rate([MINUTES, MORE, STARTS_HD, TO_SD], PLAN, span=MARCH, meters=METERS)
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([MORE, MINUTES, STARTS_HD])
    with pytest.raises(rk.UnpricedUsageError, match=r"event 'e3'.*described by \{'res': 'SD'\}"):
        rater.feed([TO_SD])
    assert invoiced(rater) == Decimal("1.50")  # 150 minutes of HD x 0.01
    described = rk.Rater(PLAN, METERS, start=START)
    described.feed([STARTS_HD, TO_SD])
    with pytest.raises(rk.UnpricedUsageError, match="sample 's2'"):
        described.feed([MORE])


def test_a_resource_started_without_attributes_is_refused_from_its_start() -> None:
    """Usage from an event on (no attributes: described by nothing) awaits nothing."""
    at_start = rk.Event("a", "job", START, kind="start", id="e0")  # the cycle's start
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([at_start])
    with pytest.raises(rk.UnpricedUsageError, match="sample 's1'"):
        rater.feed([MINUTES])
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([MINUTES])
    with pytest.raises(rk.UnpricedUsageError, match="event 'e0'"):
        rater.feed([at_start])
    with pytest.raises(rk.UnpricedUsageError):
        rk.rate([MINUTES, at_start], PLAN, span=MARCH, meters=METERS)


def test_usage_from_before_an_event_without_attributes_still_awaits_a_description() -> None:
    # A stop on the 8th (no attributes) says nothing of the minutes of the 3rd, whose piece
    # of usage starts with the cycle: they await the start of the 2nd, then bill 1.00.
    stop = rk.Event("a", "job", "2026-03-08T00:00:00Z", kind="stop", id="e4")
    rater = rk.Rater(PLAN, METERS, start=START)
    assert rater.feed([stop, MINUTES]).accepted == ("e4", "s1")
    said = rater.statement("2026-03-10T00:00:00Z").anomalies
    assert [a.kind for a in said] == ["orphan_stop", "unpriced"]  # a stop of nothing started
    rater.feed([STARTS_HD])
    assert invoiced(rater) == Decimal("1.00") == batch_total([stop, MINUTES, STARTS_HD])


def test_a_meter_no_entry_prices_by_attributes_is_refused_at_once() -> None:
    # No description can make an entry in effect there: the minutes are refused.
    dated = rk.Plan(
        "dated",
        "USD",
        MONTHLY,
        [rk.PriceEntry("hd", "transcode", rk.PerUnit("0.01"), end="2026-03-02T00:00:00Z")],
    )
    with pytest.raises(rk.UnpricedUsageError, match="sample 's1'"):
        rk.Rater(dated, METERS, start=START).feed([MINUTES])


def test_a_description_that_never_comes_leaves_the_usage_out_of_the_closing() -> None:
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([MINUTES])
    closing = rater.statement(END)  # closes March (no horizon)
    assert closing.invoices == ()  # nothing charged; the anomaly said it
    assert [a.kind for a in closing.anomalies] == ["unpriced"]
    assert rater.statement("2026-05-01T00:00:00Z").anomalies == ()  # said once
    # Batch rate() of the same records, which has them all, refuses them.
    with pytest.raises(rk.UnpricedUsageError):
        rk.rate([MINUTES], PLAN, span=MARCH, meters=METERS)
    # Once March is compacted, the start is too late: it changes nothing.
    fed = rater.feed([STARTS_HD])
    assert fed.too_late == ("e1",)
    assert rater.statement("2026-06-01T00:00:00Z").lines == ()


def test_a_description_fed_within_the_horizon_bills_on_the_closing() -> None:
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(days=2))
    rater.feed([MINUTES])
    assert rater.statement(END).invoices == ()  # March open two more days
    assert rater.feed([STARTS_HD]).accepted == ("e1",)
    closing = rater.statement("2026-04-03T00:00:00Z")
    assert [i.total for i in closing.invoices] == [Decimal("1.00")]


def test_a_snapshot_keeps_the_usage_awaiting_and_the_restored_rater_bills_it() -> None:
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([MINUTES])
    rater.statement("2026-03-10T00:00:00Z")
    restored = rk.Rater.restore(rater.snapshot(), PLAN, METERS)
    assert restored.feed([STARTS_HD]).accepted == ("e1",)
    assert invoiced(restored) == Decimal("1.00")


def test_under_assignments_the_usage_awaits_its_description_too() -> None:
    assigned = [rk.Assignment("a", PLAN)]
    rater = rk.Rater(assigned, METERS, start=START)
    assert rater.feed([MINUTES]).accepted == ("s1",)
    rater.feed([STARTS_HD])
    assert invoiced(rater) == Decimal("1.00") == batch_total([MINUTES, STARTS_HD], assigned)
    # An account no assignment names is refused still: no description gives it a plan.
    with pytest.raises(rk.UnpricedUsageError, match="account 'b'"):
        rater.feed([rk.Sample("b", "job", "transcode", "2026-04-03T00:00:00Z", 1, id="b1")])


def test_a_listing_describes_the_resource_as_an_event_does() -> None:
    listing = rk.Inventory("2026-03-02T00:00:00Z", [("a", "job", {"res": "4K"})], id="i1")
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([MINUTES])
    assert rater.feed([listing]).accepted == ("i1",)
    # 100 minutes of 4K x 0.04 = 4.00
    assert invoiced(rater) == Decimal("4.00") == batch_total([MINUTES, listing])


_JOB = [
    STARTS_HD,
    TO_4K,
    rk.Event("a", "job", "2026-03-08T00:00:00Z", kind="stop", id="e4"),
    rk.Sample("a", "job", "transcode", "2026-03-02T12:00:00Z", 7, id="t1"),
    MINUTES,
    MORE,
    rk.Sample("a", "job", "transcode", "2026-03-07T00:00:00Z", 3, id="t2"),
]


@pytest.mark.property
@settings(deadline=None, max_examples=LAWS)
@given(
    order=st.permutations(range(len(_JOB))),
    cuts=st.lists(st.booleans(), min_size=len(_JOB), max_size=len(_JOB)),
    watermarks=st.lists(st.booleans(), min_size=len(_JOB), max_size=len(_JOB)),
)
def test_any_order_and_batching_bills_as_the_batch(
    order: list[int], cuts: list[bool], watermarks: list[bool]
) -> None:
    """Fed in any order, in any batches, with statements between: the batch's invoices.

    Oracle by hand: HD 2..5 March, 4K 5..8 March; 7 + 100 minutes x 0.01 = 1.07, 50 + 3
    minutes x 0.04 = 2.12; 3.19.
    """
    assert batch_total(_JOB) == Decimal("3.19")
    rater = rk.Rater(PLAN, METERS, start=START)
    batch: list[Any] = []
    said = Decimal(0)
    for index, position in enumerate(order):
        batch.append(_JOB[position])
        if cuts[index] or index == len(order) - 1:
            rater.feed(batch)
            batch = []
            if watermarks[index]:
                said = exact_sum(
                    (said, *(x.amount for x in rater.statement("2026-03-09T00:00:00Z").lines))
                )
    closing = rater.statement(END)
    said = exact_sum((said, *(x.amount for x in closing.lines)))
    assert said == Decimal("3.19")
    assert [i.total for i in closing.invoices] == [Decimal("3.19")]
