"""The feed refuses a batch that would leave usage without a price (`_rater_priced_doors`).

Under a plan whose ``unpriced`` is ``"error"`` (the default), batch `rate()` refuses
usage no entry prices; a rater keeps what it takes and its plans are fixed, so such a
batch would make every later statement fail. It is refused whole at the feed instead,
naming the record and rating's own words, and the rater goes on as before it. Worked by
hand in the comments (daily UTC cycles, prices per hour).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import _rater_priced_doors, _rater_sample_doors
from ratekit._decimals import exact_sum

DAILY = rk.cycles.daily(tz="UTC")
VM = rk.Meter("vm", "hour", rk.OnOff())
EGRESS = rk.Meter("eg", "B", rk.Discrete())
START = "2026-03-01T00:00:00Z"
SMALL = {"flavor": "small"}
BIG = {"flavor": "big"}


def _plan(*entries: rk.PriceEntry, unpriced: str = "error") -> rk.Plan:
    return rk.Plan("p", "EUR", DAILY, list(entries), unpriced=unpriced)  # type: ignore[arg-type]


#: 1 EUR an hour for a small VM, always; nothing prices a big one.
SMALL_ONLY = _plan(rk.PriceEntry("small", "vm", rk.PerUnit("1"), where=SMALL))


def _start(
    at: str, attributes: dict[str, object] | None, name: str, kind: str = "start"
) -> rk.Event:
    return rk.Event("a", "v", at, attributes, kind=kind, id=name)  # type: ignore[arg-type]


def _total(rater: rk.Rater, as_of: str) -> Decimal:
    """What the statement at ``as_of`` adds (its lines, summed): billed since the last one."""
    return exact_sum(line.amount for line in rater.statement(as_of).lines)


def test_a_start_no_entry_prices_is_refused_and_the_rater_goes_on() -> None:
    rater = rk.Rater(SMALL_ONLY, [VM], start=START)
    good = _start("2026-03-01T00:00:00Z", SMALL, "e0")
    bad = rk.Event("a", "w", "2026-03-01T01:00:00Z", BIG, kind="start", id="e1")
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed([good, bad])
    message = str(caught.value)
    assert message.startswith(
        "Rater.feed: records[1]: event 'e1' (start) stamped 2026-03-01T01:00:00Z would make every "
        "statement fail to price the usage of account 'a': usage of meter 'vm' by account "
        "'a' (resource 'w', 23 hour) over 2026-03-01T01:00:00Z..2026-03-02T00:00:00Z has no "
        "price in plan 'p': no entry of that meter is in effect for a resource described by "
        "{'flavor': 'big'}"
    )
    assert message.endswith(
        "The batch is refused whole (a record once taken stays, and a rater's plans are "
        "fixed); fix or drop the record and feed the batch again."
    )
    # Refused whole: the good start was not taken either; fed alone, it is.
    assert rater.feed([good]).accepted == ("e0",)
    # 00:00..05:00 small: 5 h x 1 = 5.
    assert _total(rater, "2026-03-01T05:00:00Z") == Decimal(5)
    # Batch rate() refuses the same records.
    with pytest.raises(rk.UnpricedUsageError):
        rk.rate([good, bad], SMALL_ONLY, span=rk.Span(START, "2026-03-02T00:00:00Z"), meters=[VM])


def test_an_account_unpriced_already_is_left_to_the_statements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Usage no entry prices, kept as an earlier version's snapshot may hold it: a big VM
    # of account a taken with the door shut.
    rater = rk.Rater(SMALL_ONLY, [VM], start=START)
    with monkeypatch.context() as shut:
        shut.setattr(_rater_priced_doors, "suspects", lambda rater, batch: {})
        rater.feed([rk.Event("a", "v", "2026-03-01T00:00:00Z", BIG, kind="start", id="e0")])
    again = rk.Event("a", "w", "2026-03-01T01:00:00Z", BIG, kind="start", id="e1")
    other = rk.Event("b", "x", "2026-03-01T02:00:00Z", BIG, kind="start", id="e2")
    # b's usage was priced (it had none) and the batch leaves it unpriced: refused whole,
    # naming b, though a's own usage there is left to the statements.
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed([again, other])
    assert str(caught.value).startswith(
        "Rater.feed: records[1]: event 'e2' (start) stamped 2026-03-01T02:00:00Z would make every "
        "statement fail to price the usage of account 'b': "
    )
    # Alone, a's start is taken: a's usage was unpriced before it too.
    assert rater.feed([again]).accepted == ("e1",)
    with pytest.raises(rk.UnpricedUsageError):
        rater.statement("2026-03-01T05:00:00Z")


def test_a_price_that_ends_refuses_a_resource_running_past_it() -> None:
    # The small price ends on 10 March: a VM started on 1 March and never stopped runs
    # unpriced from 10 March on, whatever the watermark is now.
    plan = _plan(
        rk.PriceEntry("small", "vm", rk.PerUnit("1"), where=SMALL, end="2026-03-10T00:00:00Z")
    )
    rater = rk.Rater(plan, [VM], start=START)
    start = _start("2026-03-01T00:00:00Z", SMALL, "e0")
    with pytest.raises(rk.UnpricedUsageError, match=r"over 2026-03-10T00:00:00Z\.\."):
        rater.feed([start])
    # Stopped before the price ends, it is priced: 1..5 March, 4 days x 24 h x 1 = 96.
    stop = _start("2026-03-05T00:00:00Z", None, "e1", kind="stop")
    assert rater.feed([start, stop]).accepted == ("e0", "e1")
    assert _total(rater, "2026-03-06T00:00:00Z") == Decimal(96)
    # A restart after it would run unpriced: refused.
    with pytest.raises(rk.UnpricedUsageError, match=r"event 'e2' \(start\)"):
        rater.feed([_start("2026-03-07T00:00:00Z", None, "e2")])


def test_an_update_is_judged_on_the_description_it_makes() -> None:
    rater = rk.Rater(SMALL_ONLY, [VM], start=START)
    rater.feed([_start("2026-03-01T00:00:00Z", SMALL, "e0")])
    # {"memory": 4} merges into {"flavor": "small"}: still small, priced.
    assert rater.feed([_start("2026-03-01T02:00:00Z", {"memory": 4}, "e1", "update")]).accepted
    # Removing the flavor leaves {"memory": 4}, which no entry selects.
    with pytest.raises(rk.UnpricedUsageError, match=r"described by \{'memory': 4\}"):
        rater.feed([_start("2026-03-01T03:00:00Z", {"flavor": None}, "e2", "update")])
    # 00:00..06:00 small: 6 h x 1 = 6.
    assert _total(rater, "2026-03-01T06:00:00Z") == Decimal(6)


def test_a_late_event_re_describing_billed_time_is_refused() -> None:
    rater = rk.Rater(SMALL_ONLY, [VM], start=START)
    rater.feed([_start("2026-03-01T00:00:00Z", SMALL, "e0")])
    assert _total(rater, "2026-03-01T05:00:00Z") == Decimal(5)
    with pytest.raises(rk.UnpricedUsageError, match=r"event 'e1' \(update\) stamped 2026-03-01T01"):
        rater.feed([_start("2026-03-01T01:00:00Z", BIG, "e1", "update")])
    # Nothing changed: 05:00..06:00 small, 1 h x 1 = 1 more.
    assert _total(rater, "2026-03-01T06:00:00Z") == Decimal(1)


def test_a_sample_of_a_meter_no_entry_prices_is_refused() -> None:
    rater = rk.Rater(SMALL_ONLY, [VM, EGRESS], start=START)
    sample = rk.Sample("a", "v", "eg", "2026-03-01T01:00:00Z", 5, id="s1")
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed([_start("2026-03-01T00:00:00Z", SMALL, "e0"), sample])
    assert "usage of meter 'eg' by account 'a' (resource 'v', 5 B)" in str(caught.value)
    # The account's earliest record the door could not judge priced is named: the start
    # describes the resource whose samples no entry prices.
    assert str(caught.value).startswith(
        "Rater.feed: records[0]: event 'e0' (start) stamped 2026-03-01"
    )
    with pytest.raises(
        rk.UnpricedUsageError, match=r"^Rater\.feed: records\[0\]: sample 's1' stamped"
    ):
        rater.feed([sample])


def test_a_plan_reporting_unpriced_usage_takes_it() -> None:
    plan = _plan(rk.PriceEntry("small", "vm", rk.PerUnit("1"), where=SMALL), unpriced="anomaly")
    rater = rk.Rater(plan, [VM], start=START)
    assert rater.feed([_start("2026-03-01T00:00:00Z", BIG, "e0")]).accepted == ("e0",)
    statement = rater.statement("2026-03-01T05:00:00Z")
    assert [a.kind for a in statement.anomalies] == ["unpriced"]
    assert _total(rater, "2026-03-01T05:00:00Z") == Decimal(0)


def test_usage_in_an_assignment_gap_is_not_refused_here() -> None:
    # In a gap between two assignments, usage is an "unpriced" anomaly, not an error: a
    # start before the gap, running through it, is taken (the other door refuses a
    # start inside the gap). 1..2 March and 3..4 March: 48 h x 1 = 48.
    plans = [
        rk.Assignment("a", SMALL_ONLY, end="2026-03-02T00:00:00Z"),
        rk.Assignment("a", SMALL_ONLY, start="2026-03-03T00:00:00Z"),
    ]
    rater = rk.Rater(plans, [VM], start=START)
    assert rater.feed([_start("2026-03-01T00:00:00Z", SMALL, "e0")]).accepted == ("e0",)
    assert _total(rater, "2026-03-04T00:00:00Z") == Decimal(48)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    original = _rater_sample_doors.metered

    def counting(*args: Any, **kwargs: Any) -> rk.Usage:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(_rater_sample_doors, "metered", counting)
    return calls


def test_settled_descriptions_pass_without_metering(monkeypatch: pytest.MonkeyPatch) -> None:
    # Entries select by flavor, always in effect together (the price rises on the 2nd);
    # every start names its flavor; a restart without attributes resumes a flavor judged
    # already; samples of an always-priced meter need no description.
    plan = _plan(
        rk.PriceEntry("small", "vm", rk.PerUnit("1"), where=SMALL),
        rk.PriceEntry(
            "small later",
            "vm",
            rk.PerUnit("2"),
            where=SMALL,
            start="2026-03-02T00:00:00Z",
            priority=1,
        ),
        rk.PriceEntry("egress", "eg", rk.PerUnit("0.5")),
    )
    calls = _counting(monkeypatch)
    rater = rk.Rater(plan, [VM, EGRESS], start=START)
    feed = [
        _start("2026-03-01T00:00:00Z", SMALL, "e0"),
        _start("2026-03-01T10:00:00Z", None, "e1", "stop"),
        _start("2026-03-01T20:00:00Z", None, "e2"),
        rk.Sample("a", "v", "eg", "2026-03-01T21:00:00Z", 4, id="s1"),
    ]
    for record in feed:
        assert rater.feed([record]).accepted
    assert calls == []
    # 00..10 h and 20..24 h at 1, then 2 March 0..12 h at 2; 4 B x 0.5:
    # 14 + 24 + 2 = 40.
    assert _total(rater, "2026-03-02T12:00:00Z") == Decimal(40)


def test_a_restored_rater_judges_a_compacted_description(monkeypatch: pytest.MonkeyPatch) -> None:
    rater = rk.Rater(SMALL_ONLY, [VM], start=START)
    rater.feed([_start("2026-03-01T00:00:00Z", SMALL, "e0")])
    rater.feed([_start("2026-03-01T10:00:00Z", None, "e1", "stop")])
    rater.statement("2026-03-03T00:00:00Z")  # closes 1 and 2 March: the state holds "small"
    again = rk.Rater.restore(rater.snapshot(), SMALL_ONLY, [VM])
    calls = _counting(monkeypatch)
    assert again.feed([_start("2026-03-03T01:00:00Z", None, "e2")]).accepted == ("e2",)
    assert calls == []
    # 3 March 01:00..05:00: 4 h x 1 = 4.
    assert _total(again, "2026-03-03T05:00:00Z") == Decimal(4)


def test_a_restart_after_an_inventory_re_described_the_resource_is_judged_on_it() -> None:
    # A stopped VM listed by an inventory as "temp" (priced until 10 March) is described
    # so from then on; restarted without attributes on 12 March, it runs unpriced: the
    # kept events alone (a small start, a stop) would have judged it priced.
    plan = _plan(
        rk.PriceEntry("small", "vm", rk.PerUnit("1"), where=SMALL),
        rk.PriceEntry(
            "temp", "vm", rk.PerUnit("2"), where={"flavor": "temp"}, end="2026-03-10T00:00:00Z"
        ),
    )
    rater = rk.Rater(plan, [VM], start=START)
    rater.feed(
        [
            _start("2026-03-01T00:00:00Z", SMALL, "e0"),
            _start("2026-03-02T00:00:00Z", None, "e1", "stop"),
        ]
    )
    listed = rk.Inventory("2026-03-03T00:00:00Z", {("a", "v"): {"flavor": "temp"}}, id="i1")
    assert rater.feed([listed]).accepted == ("i1",)
    with pytest.raises(rk.UnpricedUsageError, match=r"event 'e2' \(start\) stamped 2026-03-12"):
        rater.feed([_start("2026-03-12T00:00:00Z", None, "e2")])
    # 1 March, 24 h x 1 = 24; nothing after.
    assert _total(rater, "2026-03-13T00:00:00Z") == Decimal(24)


def test_an_inventory_of_known_resources_passes_without_metering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A reconciler lists what exists: a resource the rater knows keeps its description
    # (judged when its start came), so nothing is metered at the feed.
    calls = _counting(monkeypatch)
    rater = rk.Rater(SMALL_ONLY, [VM], start=START)
    rater.feed([_start("2026-03-01T00:00:00Z", SMALL, "e0")])
    listed = rk.Inventory("2026-03-01T06:00:00Z", [("a", "v")], id="i1")
    assert rater.feed([listed]).accepted == ("i1",)
    again = rk.Inventory("2026-03-01T07:00:00Z", [("a", "v")], id="i2")
    assert rater.feed([again, _start("2026-03-01T08:00:00Z", None, "e1", "stop")]).accepted
    assert calls == []
    # 00:00..08:00 small: 8 h x 1 = 8.
    assert _total(rater, "2026-03-01T09:00:00Z") == Decimal(8)


def test_an_inventory_opening_or_re_describing_a_resource_unpriced_is_refused() -> None:
    rater = rk.Rater(SMALL_ONLY, [VM], start=START)
    # Listed without attributes, an unknown VM is opened described by nothing: no entry
    # selects {} (batch rate() refuses it too).
    opened = rk.Inventory("2026-03-01T06:00:00Z", [("a", "w")], id="i1")
    with pytest.raises(
        rk.UnpricedUsageError,
        match=r"^Rater\.feed: records\[0\]: inventory 'i1' .*described by \{\}",
    ):
        rater.feed([opened])
    # Listed as big, a small VM running is re-described from the listing on.
    rater.feed([_start("2026-03-01T00:00:00Z", SMALL, "e0")])
    big = rk.Inventory("2026-03-01T06:00:00Z", {("a", "v"): BIG}, id="i2")
    with pytest.raises(rk.UnpricedUsageError, match=r"described by \{'flavor': 'big'\}"):
        rater.feed([big])
    # Listed as small, it passes: 00:00..07:00, 7 h x 1 = 7.
    assert rater.feed([rk.Inventory("2026-03-01T06:00:00Z", {("a", "v"): SMALL}, id="i3")])
    assert _total(rater, "2026-03-01T07:00:00Z") == Decimal(7)


def _tie_plan(unpriced: str) -> rk.Plan:
    # A plan cannot tell whether two functions select one description: rating refuses
    # usage both entries of one priority select (BadPriceError), whatever ``unpriced``.
    above_one = rk.Satisfies(lambda size: size > 1, "more than 1")
    above_two = rk.Satisfies(lambda size: size > 2, "more than 2")
    return _plan(
        rk.PriceEntry("a", "vm", rk.PerUnit("1"), where={"size": above_one}),
        rk.PriceEntry("b", "vm", rk.PerUnit("2"), where={"size": above_two}),
        unpriced=unpriced,
    )


@pytest.mark.parametrize("unpriced", ["error", "anomaly"])
def test_a_start_two_entries_of_one_priority_select_is_refused(
    unpriced: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rater = rk.Rater(_tie_plan(unpriced), [VM], start=START)
    with pytest.raises(rk.BadPriceError) as caught:
        rater.feed([_start("2026-03-01T00:00:00Z", {"size": 3}, "e0")])
    assert str(caught.value).startswith(
        "Rater.feed: records[0]: event 'e0' (start) stamped 2026-03-01T00:00:00Z would make every "
        "statement fail to price the usage of account 'a': price entries 'a' and 'b' of "
        "meter 'vm' have the same priority 0 and both apply to a resource described by "
        "{'size': 3};"
    )
    # Size 2 only 'a' selects: judged without metering; 00:00..05:00, 5 h x 1 = 5.
    calls = _counting(monkeypatch)
    assert rater.feed([_start("2026-03-01T00:00:00Z", {"size": 2}, "e1")]).accepted == ("e1",)
    assert calls == []
    assert _total(rater, "2026-03-01T05:00:00Z") == Decimal(5)


def test_a_start_whose_selector_raises_is_refused() -> None:
    # Rating cannot choose an entry when a selector's function raises on the
    # description: taken, the start made every statement fail.
    def failing(flavor: object) -> bool:
        raise ValueError("no such flavor table")

    plan = _plan(rk.PriceEntry("x", "vm", rk.PerUnit("1"), where={"f": rk.Satisfies(failing, "t")}))
    rater = rk.Rater(plan, [VM], start=START)
    with pytest.raises(rk.BadPriceError) as caught:
        rater.feed([_start("2026-03-01T00:00:00Z", {"f": "small"}, "e0")])
    assert str(caught.value).startswith(
        "Rater.feed: records[0]: event 'e0' (start) stamped 2026-03-01T00:00:00Z would make every "
        "statement fail to price the usage of account 'a': price entry 'x' of meter 'vm' "
        "attribute 'f': selector Satisfies('t') failed on the value 'small': ValueError: no "
        "such flavor table"
    )
    assert _total(rater, "2026-03-02T00:00:00Z") == Decimal(0)  # (nothing taken)


_DESCRIPTIONS = st.sampled_from([SMALL, BIG, None, {"flavor": None}, {"memory": 2}])
_EVENTS = st.lists(
    st.tuples(
        st.integers(0, 95),
        st.sampled_from(["start", "update", "stop", "delete"]),
        _DESCRIPTIONS,
        st.sampled_from(["v", "w"]),
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, 40), deadline=None)
@given(
    batches=st.lists(st.tuples(_EVENTS, st.integers(0, 120)), min_size=1, max_size=4),
    ending=st.booleans(),
)
def test_every_statement_prices_and_a_refusal_is_batch_rates(
    batches: list[tuple[list[tuple[int, str, dict[str, object] | None, str]], int]],
    ending: bool,
) -> None:
    """After every feed, taken or refused, a statement prices what the rater keeps.

    Oracle: a refused batch is one batch rate() of what was taken plus it, over 1..6
    March, cannot price either. Small VMs are priced (until 3 March when ``ending``), big
    ones and those described otherwise are not; each statement's watermark is drawn
    (never back), so batches come before and after cycles close.
    """
    end = "2026-03-03T00:00:00Z" if ending else None
    plan = _plan(rk.PriceEntry("small", "vm", rk.PerUnit("1"), where=SMALL, end=end))
    rater = rk.Rater(plan, [VM], start=START)
    origin = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    taken: list[rk.Event] = []
    span = rk.Span(START, "2026-03-06T00:00:00Z")
    number, watermark = 0, 0
    for events, hours in batches:
        batch = []
        for hour, kind, attributes, resource in events:
            at = origin + dt.timedelta(hours=hour)
            batch.append(
                rk.Event("a", resource, at, attributes, kind=kind, id=f"e{number}")  # type: ignore[arg-type]
            )
            number += 1
        # The kept cycles start at the watermark's day: a record stamped before is too late,
        # placed in the compacted state as far as it can be (streaming.md, Too late), and
        # what the rater then keeps may differ from what batch rate() computes.
        kept = min(at.hour + 24 * (at.day - 1) for at in (e.at for e in batch)) >= (
            watermark // 24 * 24
        )
        refused = None
        try:
            rater.feed(batch)
        except rk.UnpricedUsageError as error:
            refused = str(error)
        else:
            taken += batch
        if refused is not None:
            assert refused.startswith("Rater.feed: ")
            if kept:
                with pytest.raises(rk.UnpricedUsageError):
                    rk.rate([*taken, *batch], plan, span=span, meters=[VM])
        watermark = max(watermark, hours)
        rater.statement(origin + dt.timedelta(hours=watermark))  # (never raises)
