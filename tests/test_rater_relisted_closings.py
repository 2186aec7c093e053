"""A listing that moves a ``last_seen`` closing back out of the compacted cycles, or within.

A VM closed back by a ``last_seen`` inventory at its last sign of life, in a compacted
cycle: its part from there to the kept cycles "stays billed" (``"too_late"``, negative),
or was never billed when the closing was applied while its cycles were kept. An
inventory fed later that lists the VM, stamped up to that one, is a later sign of life:
batch ``rate()`` closes the VM there (or not at all, at the same instant), and bills the
part again. Fed in the kept cycles, the listing moves the closing into them, and one
``"too_late"`` per time meter names the part (positive: it "stays unbilled"); fed too
late, it moves it within the compacted cycles, and says so the same way
(docs/streaming.md, Closing and lateness). Worked by hand in the comments (daily UTC
cycles, 0.10 EUR an hour, 0.0001 EUR an MB*hour). The property draws such streams
against batch ``rate()``.
"""

from __future__ import annotations

import json
import random
import typing
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._lines_named import lines_and_named
from tests._relisted import METERS, PLAN, T0, Record, Report, batch_quantity, stated_twice

import ratekit as rk
from ratekit._instants import format_us


def _moves(reports: list[Report]) -> list[tuple[str | None, Decimal | None, tuple[str, ...]]]:
    return [
        (a.meter, a.quantity, a.record_ids)
        for r in reports
        for a in r.anomalies
        if a.kind == "too_late" and "moves where" in a.message
    ]


START = rk.Event("b", "vm", "2026-03-03T16:30:00Z", {"memory_mb": 512}, kind="start", id="s")
CLOSING = rk.Inventory("2026-03-04T14:45:00Z", [], close="last_seen", id="inv")


@pytest.mark.parametrize("close", ["snapshot", "last_seen"])
def test_a_kept_listing_moves_a_closing_back_out_of_the_compacted_cycles(close: str) -> None:
    # s starts vm (512 MB) on 3 March 16:30; stated at 5 March 01:00 (1 to 3 March
    # compacted): 7.5 h of 3 March (3840 MB*h), 24 h of 4 March, 1 h of 5 March. inv, a
    # last_seen inventory of 4 March 14:45 that lists nothing, closes vm back at s: its
    # 7.5 h of 3 March "stay billed" (-7.5 h, -3840 MB*h), 4 and 5 March withdrawn.
    # lst, an inventory of 4 March 14:30 that lists vm, is a later sign of life: inv
    # closes vm there, and batch bills 7.5 + 14.5 = 22 h (2.20 EUR; 11264 MB*h). lst
    # names the 7.5 h of 3 March (+7.5 h, +3840 MB*h: "stays unbilled", as said
    # before), and the kept 4 March bills 14.5 h again: 7.5 + 14.5 - 7.5 + 7.5 = 22 h.
    listing = rk.Inventory("2026-03-04T14:30:00Z", [("b", "vm")], close=close, id="lst")
    reports = stated_twice([START], "2026-03-05T01:00:00Z", [[CLOSING], [listing]])
    assert _moves(reports) == [
        ("runtime", Decimal("7.5"), ("lst", "inv")),
        ("memory", Decimal(3840), ("lst", "inv")),
    ]
    assert reports[3].too_late == ("lst",)  # the feed of lst: too late in part
    for meter, total in (("runtime", Decimal(22)), ("memory", Decimal(11264))):
        assert (
            lines_and_named(reports, meter)
            == total
            == batch_quantity([START, CLOSING, listing], meter)
        )


def test_a_listing_and_an_event_in_one_batch_move_the_closing_once() -> None:
    # As above, with a STOP of vm on 4 March 10:00 fed with lst: a sign of life in the
    # kept cycles too, which takes the closing out of the compacted ones as lst does.
    # Batch: 7.5 h of 3 March, 10 h of 4 March (the STOP; lst finds vm stopped, inv
    # then closes it at lst, where it stood stopped): 17.5 h (1.75 EUR). The move of
    # the 7.5 h of 3 March is named once: 7.5 - 7.5 + 7.5 + 10 = 17.5 h.
    listing = rk.Inventory("2026-03-04T14:30:00Z", [("b", "vm")], id="lst")
    stop = rk.Event("b", "vm", "2026-03-04T10:00:00Z", kind="stop", id="x")
    reports = stated_twice([START], "2026-03-05T01:00:00Z", [[CLOSING], [listing, stop]])
    assert [m for m in _moves(reports) if m[0] == "runtime"] == [
        ("runtime", Decimal("7.5"), ("lst", "inv"))
    ]
    records = [START, CLOSING, listing, stop]
    for meter in ("runtime", "memory"):
        assert lines_and_named(reports, meter) == batch_quantity(records, meter)
    assert lines_and_named(reports, "runtime") == Decimal("17.5")


@pytest.mark.parametrize("close", ["snapshot", "last_seen"])
def test_a_too_late_listing_moves_a_closing_within_the_compacted_cycles(close: str) -> None:
    # vm (512 MB) starts on 1 March 12:15; stated at 4 March 17:45 (1 and 2 March
    # compacted): 11.75 + 24 h, then 24 h of 3 March and 17.75 h of 4 March. inv, a
    # last_seen inventory of 3 March 13:45 that lists nothing, closes vm back at its
    # START: the 35.75 h of 1 and 2 March "stay billed" (-35.75 h), 3 and 4 March are
    # withdrawn. lst, an inventory of 2 March 01:45 that lists vm, comes too late: a
    # later sign of life, in the compacted cycles, where inv now closes vm. Batch
    # bills 11.75 + 1.75 = 13.5 h (1.35 EUR; 6912 MB*h); lst names the 13.5 h from
    # 12:15 to 01:45 (+13.5 h, +6912 MB*h): 35.75 - 35.75 + 13.5 = 13.5 h.
    start = rk.Event("b", "vm", "2026-03-01T12:15:00Z", {"memory_mb": 512}, kind="start", id="s")
    closing = rk.Inventory("2026-03-03T13:45:00Z", [], close="last_seen", id="inv")
    listing = rk.Inventory("2026-03-02T01:45:00Z", [("b", "vm")], close=close, id="lst")
    reports = stated_twice([start], "2026-03-04T17:45:00Z", [[closing], [listing]])
    assert _moves(reports) == [
        ("runtime", Decimal("13.5"), ("lst", "inv")),
        ("memory", Decimal(6912), ("lst", "inv")),
    ]
    for meter, total in (("runtime", Decimal("13.5")), ("memory", Decimal(6912))):
        assert (
            lines_and_named(reports, meter)
            == total
            == batch_quantity([start, closing, listing], meter)
        )


_QUARTERS = st.integers(min_value=0, max_value=4 * 24 * 4 - 1)  # quarter hours into the span


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    start=_QUARTERS,
    stop=st.none() | _QUARTERS,
    closing=_QUARTERS,
    listing=_QUARTERS,
    close=st.sampled_from(["snapshot", "last_seen"]),
    listed=st.booleans(),
    watermarks=st.lists(_QUARTERS, min_size=1, max_size=3),
    restore=st.booleans(),
    held=st.sampled_from([(), ("s",), ("x",), ("s", "x")]),
    order=st.randoms(use_true_random=False),
)
def test_law_a_listing_fed_after_a_last_seen_closing_adds_up_to_batch(  # noqa: PLR0917 - one argument per drawn value
    start: int,
    stop: int | None,
    closing: int,
    listing: int,
    close: typing.Literal["snapshot", "last_seen"],
    listed: bool,
    watermarks: list[int],
    restore: bool,
    held: tuple[str, ...],
    order: random.Random,
) -> None:
    # Oracle: one batch rate() of every record. A VM starts (and may stop); a last_seen
    # inventory that lists nothing comes after its START, fed with it; statements at
    # random watermarks compact what they may; then an inventory stamped up to the
    # last_seen one (a listing of the VM, or one that covers it and lists nothing),
    # kept or too late; a last statement. The START or the STOP (or both) may be held
    # back and fed in one batch with that inventory, in any order (each may move the
    # closing, or re-place the VM in the compacted cycles). The stream's lines plus the
    # parts its anomalies name come to batch's, per meter, restored before the listing
    # or not.
    def at(quarter: int) -> str:
        return format_us(T0 + quarter * 15 * 60_000_000)

    records: list[Record] = [
        rk.Event("b", "vm", at(start), {"memory_mb": 512}, kind="start", id="s")
    ]
    if stop is not None and stop > start:
        records.append(rk.Event("b", "vm", at(stop), kind="stop", id="x"))
    closing = max(closing, start + 1)
    records.append(rk.Inventory(at(closing), [], close="last_seen", id="inv"))
    listing = min(listing, closing)
    resources = [("b", "vm")] if listed else []
    late = rk.Inventory(at(listing), resources, close=close, id="lst")
    first = [r for r in records if r.id not in held]
    last = [late, *(r for r in records if r.id in held)]
    order.shuffle(last)
    said = {}
    for again in (False, True):
        rater = rk.Rater(PLAN, METERS, start=format_us(T0))
        reports: list[Report] = [rater.feed(first)]
        reports += [rater.statement(at(w)) for w in sorted(set(watermarks))]
        if again and restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        reports.append(rater.feed(last))
        reports.append(rater.statement("2026-03-06T00:00:00Z"))
        said[again] = reports
    assert said[True] == said[False]
    reports = said[False]
    if any(
        a.kind == "too_late" and (a.quantity is None or "may have covered" in a.message)
        for r in reports
        for a in r.anomalies
    ):
        # Not placed, or a START placed too late whose part is in doubt (an inventory
        # compacted since may have closed the VM): its anomaly says so, not counted.
        return
    for meter in ("runtime", "memory"):
        assert lines_and_named(reports, meter) == batch_quantity([*records, late], meter), meter
