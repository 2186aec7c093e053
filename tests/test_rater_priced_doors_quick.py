"""What the unpriced door judges without metering, and what it must not pass so.

`_rater_priced_doors` passes most batches without metering: an event whose attributes
settle every selector and are covered, an attribute-less record whose resource is
described only by such attributes. Each case here is a record that the quick judgement
once passed while it left usage without a price, so that every later statement raised
[`UnpricedUsageError`][ratekit.UnpricedUsageError]; each is refused now, as batch
[`rate()`][ratekit.rate] refuses the same records. Worked by hand in the comments (daily
UTC cycles, prices per hour and per byte).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._priced_records import (
    BIG,
    DAILY,
    EGRESS,
    MONDAY,
    SMALL,
    VM,
    at,
    event,
    rated,
    sample,
    total,
)

import ratekit as rk


def _plan(*entries: rk.PriceEntry) -> rk.Plan:
    return rk.Plan("p", "EUR", DAILY, list(entries))


def _refused(rater: rk.Rater, batch: list[rk.Event | rk.Sample | rk.Inventory]) -> str:
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed(batch)
    message = str(caught.value)
    assert message.startswith("Rater.feed: ")
    return message


def _rate_refuses(records: list[rk.Event | rk.Sample | rk.Inventory], plan: rk.Plan) -> None:
    with pytest.raises(rk.UnpricedUsageError):
        rated(records, plan)


def test_a_flag_is_not_judged_as_the_number_it_equals() -> None:
    # where={"size": 1} selects the number 1, not True (True == 1 in Python, not to a
    # selector): the verdict on 1 is not the verdict on True.
    one = rk.PriceEntry("one", "vm", rk.PerUnit("1"), where={"size": 1})
    plan = _plan(one)
    rater = rk.Rater(plan, [VM], start=MONDAY)
    first = event(0, {"size": 1}, "e0")
    assert rater.feed([first]).accepted == ("e0",)
    flag = event(1, {"size": True}, "e1", resource="w")
    assert "described by {'size': True}" in _refused(rater, [flag])
    _rate_refuses([first, flag], plan)
    # 00:00..05:00 at 1: 5 h x 1 = 5.
    assert total(rater, 5) == Decimal(5)


def test_a_sample_after_an_inventory_re_described_its_resource_is_refused() -> None:
    # A VM costs 1 an hour whatever it is; a byte of egress 1, of a small resource only.
    plan = _plan(
        rk.PriceEntry("vm", "vm", rk.PerUnit("1")),
        rk.PriceEntry("eg", "eg", rk.PerUnit("1"), where=SMALL),
    )
    rater = rk.Rater(plan, [VM, EGRESS], start=MONDAY)
    first = [event(0, SMALL, "e0"), sample(0.5, 3, "s0")]
    assert rater.feed(first).accepted == ("e0", "s0")
    # The inventory says v is big from 01:00 (no egress after it yet: priced).
    listing = rk.Inventory(at(1), {("a", "v"): BIG}, id="i0")
    assert rater.feed([listing]).accepted == ("i0",)
    # Egress at 02:00 is of a big resource, which no entry prices.
    late = sample(2, 5, "s1")
    assert "described by {'flavor': 'big'}" in _refused(rater, [late])
    _rate_refuses([*first, listing, late], plan)
    # 00:00..05:00 VM: 5 h x 1 = 5; 3 B x 1 = 3; 8.
    assert total(rater, 5) == Decimal(8)


def test_a_start_running_into_a_window_no_entry_prices_is_refused() -> None:
    # VMs are priced on weekdays only (Monday 00:00 to Saturday 00:00): one started on
    # Monday and never stopped runs unpriced from Saturday, beyond the next cycle.
    weekdays = rk.windows.weekly(("Mon", "00:00"), ("Sat", "00:00"), tz="UTC")
    plan = _plan(rk.PriceEntry("weekdays", "vm", rk.PerUnit("1"), window=weekdays))
    rater = rk.Rater(plan, [VM], start=MONDAY)
    start = event(0, {"flavor": "small"}, "e0")
    assert "over 2026-03-07T00:00:00Z.." in _refused(rater, [start])
    _rate_refuses([start], plan)
    # Stopped on Friday at 12:00: Monday 00:00 to Friday 12:00, 108 h x 1 = 108.
    stop = event(24 * 4 + 12, None, "e1", kind="stop")
    assert rater.feed([start, stop]).accepted == ("e0", "e1")
    assert total(rater, 24 * 5) == Decimal(108)


def test_samples_of_a_meter_always_priced_do_not_hide_an_unpriced_start() -> None:
    # Egress is priced always (0.5 a byte); a VM only when small (1 an hour).
    plan = _plan(
        rk.PriceEntry("small", "vm", rk.PerUnit("1"), where=SMALL),
        rk.PriceEntry("eg", "eg", rk.PerUnit("0.5")),
    )
    rater = rk.Rater(plan, [VM, EGRESS], start=MONDAY)
    reading = sample(0, 4, "s0")
    assert rater.feed([reading]).accepted == ("s0",)
    big = event(1, BIG, "e1")
    assert "described by {'flavor': 'big'}" in _refused(rater, [big])
    _rate_refuses([reading, big], plan)
    # Unnamed attributes leave the flavor open: metered, refused too.
    _refused(rater, [event(1, None, "e2")])
    assert rater.feed([event(1, SMALL, "e3")]).accepted == ("e3",)
    # 01:00..05:00 small: 4 h x 1 = 4; 4 B x 0.5 = 2; 6.
    assert total(rater, 5) == Decimal(6)


def test_a_sample_after_its_resource_is_deleted_is_refused() -> None:
    # A sample after its resource's delete is of a resource described by nothing, whatever
    # the delete said; egress is priced for small resources only (1 a byte).
    plan = _plan(
        rk.PriceEntry("small", "vm", rk.PerUnit("1"), where=SMALL),
        rk.PriceEntry("eg", "eg", rk.PerUnit("1"), where=SMALL),
    )
    rater = rk.Rater(plan, [VM, EGRESS], start=MONDAY)
    after = [sample(24 * 9, 1, "s0", resource="w"), event(0, SMALL, "e0", "delete", resource="w")]
    assert "described by {}" in _refused(rater, after)
    _rate_refuses(after, plan)
    # A delete fed late, before a sample kept, leaves that sample undescribed too.
    kept = [event(0, SMALL, "e1"), sample(24, 2, "s1")]
    assert rater.feed(kept).accepted == ("e1", "s1")
    late = event(5, None, "e2", "delete")
    assert "described by {}" in _refused(rater, [late])
    _rate_refuses([*kept, late], plan)
    # A delete after the sample is priced: the VM runs 00:00 to 25:00, 25 h x 1, and 2 B x
    # 1: 27.
    assert rater.feed([event(25, None, "e3", "delete")]).accepted == ("e3",)
    assert total(rater, 29) == Decimal(27)


def test_a_late_stop_re_describing_before_a_restart_is_refused() -> None:
    # Kept: small from 00:00, stopped at 02:00, restarted at 03:00 without attributes. A
    # stop at 01:00 saying "big" makes the restart a big VM, which no entry prices.
    plan = _plan(rk.PriceEntry("small", "vm", rk.PerUnit("1"), where=SMALL))
    rater = rk.Rater(plan, [VM], start=MONDAY)
    kept = [event(0, SMALL, "e0"), event(2, None, "e2", "stop"), event(3, None, "e3")]
    assert rater.feed(kept).accepted == ("e0", "e2", "e3")
    stop = event(1, BIG, "e1", "stop")
    assert "described by {'flavor': 'big'}" in _refused(rater, [stop])
    _rate_refuses([*kept, stop], plan)
    # 00:00..02:00 and 03:00..05:00 small: 4 h x 1 = 4.
    assert total(rater, 5) == Decimal(4)


def test_a_late_event_before_a_kept_partial_update_is_refused() -> None:
    # Small VMs in zone a cost 1 an hour, big ones in zone b 2; nothing else is priced.
    # Kept: big in b from 00:00, then an update at 02:00 naming the zone only. A late
    # update at 01:00 to small in a is priced on its own, but the kept update merges
    # into it: small in b from 02:00, which no entry prices.
    plan = _plan(
        rk.PriceEntry("sa", "vm", rk.PerUnit("1"), where={"flavor": "small", "zone": "a"}),
        rk.PriceEntry("bb", "vm", rk.PerUnit("2"), where={"flavor": "big", "zone": "b"}),
    )
    rater = rk.Rater(plan, [VM], start=MONDAY)
    kept = [
        event(0, {"flavor": "big", "zone": "b"}, "e0"),
        event(2, {"zone": "b", "rack": 7}, "e2", "update"),
    ]
    assert rater.feed(kept).accepted == ("e0", "e2")
    late = event(1, {"flavor": "small", "zone": "a"}, "e1", "update")
    message = _refused(rater, [late])
    assert "described by {'flavor': 'small', 'zone': 'b', 'rack': 7}" in message
    _rate_refuses([*kept, late], plan)
    # Refused: big in b 00:00..05:00, 5 h x 2 = 10.
    assert total(rater, 5) == Decimal(10)


_PLAN_ENTRIES = [
    rk.PriceEntry("sa", "vm", rk.PerUnit("1"), where={"flavor": "small", "zone": "a"}),
    rk.PriceEntry("bb", "vm", rk.PerUnit("2"), where={"flavor": "big", "zone": "b"}),
    rk.PriceEntry(
        "b weekdays",
        "vm",
        rk.PerUnit("3"),
        where={"flavor": "big"},
        window=rk.windows.weekly(("Mon", "00:00"), ("Sat", "00:00"), tz="UTC"),
        priority=1,
    ),
    rk.PriceEntry("eg small", "eg", rk.PerUnit("1"), where=SMALL),
    rk.PriceEntry("one", "vm", rk.PerUnit("4"), where={"size": 1}, priority=2),
]
_ATTRIBUTES = [
    None,
    SMALL,
    BIG,
    {"zone": "a"},
    {"zone": "b"},
    {"flavor": "small", "zone": "a"},
    {"flavor": "big", "zone": "b"},
    {"flavor": None},
    {"size": 1},
    {"size": True},
]
_RECORDS = st.one_of(
    st.tuples(
        st.just("event"),
        st.integers(0, 96),
        st.sampled_from(["start", "update", "stop", "delete"]),
        st.sampled_from(range(len(_ATTRIBUTES))),
        st.sampled_from(["v", "w"]),
    ),
    st.tuples(
        st.just("sample"), st.integers(0, 96), st.integers(1, 5), st.sampled_from(["v", "w"])
    ),
    st.tuples(
        st.just("inventory"), st.integers(0, 96), st.sampled_from([1, 2, 5, 6]), st.just("v")
    ),
)


def _record(spec: tuple[Any, ...], number: int) -> rk.Event | rk.Sample | rk.Inventory:
    kind, hours = spec[0], spec[1]
    if kind == "event":
        return event(hours, _ATTRIBUTES[spec[3]], f"e{number}", spec[2], resource=spec[4])
    if kind == "sample":
        return sample(hours, spec[2], f"s{number}", spec[3])
    described = _ATTRIBUTES[spec[2]] or {}
    return rk.Inventory(at(hours), {("a", spec[3]): described}, id=f"i{number}")


@pytest.mark.property
@settings(max_examples=max(LAWS // 8, FLOOR), deadline=None)
@given(
    chosen=st.sets(st.sampled_from(range(len(_PLAN_ENTRIES))), min_size=1),
    batches=st.lists(
        st.tuples(st.lists(_RECORDS, min_size=1, max_size=3), st.integers(0, 96)),
        min_size=1,
        max_size=4,
    ),
)
def test_no_later_statement_meets_usage_the_door_passed(
    chosen: set[int], batches: list[tuple[list[tuple[Any, ...]], int]]
) -> None:
    """After every feed, taken or refused, no later statement meets unpriced usage.

    Oracle: a restored copy's statement two weeks ahead (past every window's gap) raises
    no UnpricedUsageError, and a batch refused (none of its records too late) is one
    that batch rate() of what was taken plus it refuses too. Selectors on two
    attributes with updates naming one, deletes, stops with attributes, samples priced
    per description, inventories, a weekday window, a flag next to a number.
    """
    plan = _plan(*(_PLAN_ENTRIES[i] for i in sorted(chosen)))
    meters = [VM, EGRESS]
    rater = rk.Rater(plan, meters, start=MONDAY)
    taken: list[rk.Event | rk.Sample | rk.Inventory] = []
    number, watermark = 0, 0
    for specs, hours in batches:
        batch = []
        for spec in specs:
            batch.append(_record(spec, number))
            number += 1
        kept = min(r.at for r in batch) >= at(watermark // 24 * 24)
        try:
            rater.feed(batch)
        except rk.UnpricedUsageError as error:
            if "would make every statement fail" not in str(error):
                continue  # another door's (a start in no assignment...)
            if kept:
                _rate_refuses([*taken, *batch], plan)
        except rk.RatekitError:
            continue  # another door's rule
        else:
            taken += batch
        ahead = rk.Rater.restore(rater.snapshot(), plan, meters)
        ahead.statement(at(24 * 14))  # (never raises UnpricedUsageError)
        watermark = max(watermark, hours)
        rater.statement(at(watermark))


def test_a_delete_at_the_instant_of_a_start_an_inventory_and_a_stop_is_refused() -> None:
    # Only "sa" (small in zone a) prices vm. A START of v at 2 March 00:00 with no
    # attributes is refused (v would run undescribed, unpriced). A START, an inventory
    # listing v as {'flavor': 'small'} and a STOP, all at 00:00, are taken: v stops where
    # it starts. Then a DELETE of v at 00:00: batch rate() of the four records refuses
    # them (v runs 24 h on 2 March under {'flavor': 'small'}, which no entry prices), so
    # the door must refuse the DELETE: the inventory is applied after the events of its
    # instant, so the DELETE makes it open v anew. Refused, v stops where it starts.
    plan = _plan(_PLAN_ENTRIES[0])
    meters = [VM, EGRESS]
    rater = rk.Rater(plan, meters, start=MONDAY)
    with pytest.raises(rk.UnpricedUsageError, match="would make every statement fail"):
        rater.feed([event(0, None, "e0")])
    taken: list[rk.Event | rk.Inventory] = [
        event(0, None, "e1"),
        rk.Inventory(at(0), {("a", "v"): SMALL}, id="i2"),
        event(0, None, "e3", "stop"),
    ]
    rater.feed(taken)
    rater.statement(at(0))
    delete = event(0, None, "e4", "delete")
    _rate_refuses([*taken, delete], plan)
    with pytest.raises(rk.UnpricedUsageError, match="would make every statement fail"):
        rater.feed([delete])
    message = _refused(rater, [delete])  # (the rater is as before: refused again)
    assert "event 'e4' (delete) stamped 2026-03-02T00:00:00Z" in message
    assert "(resource 'v', 24 hour)" in message
    assert "described by {'flavor': 'small'}" in message
    # v ran no time: 0 h x 1 = 0.
    assert total(rater, 5) == Decimal(0)


def test_a_listing_of_a_resource_known_by_samples_alone_is_refused() -> None:
    # Egress is priced always (1 a byte); a VM only when small in zone a (1 an hour). A
    # sample of v at 00:00 leaves v unknown (no event opened it): an inventory of 02:00
    # listing v without attributes opens it there, described by nothing, unpriced.
    plan = _plan(_PLAN_ENTRIES[0], rk.PriceEntry("eg", "eg", rk.PerUnit("1")))
    rater = rk.Rater(plan, [VM, EGRESS], start=MONDAY)
    reading = sample(0, 1, "s0")
    assert rater.feed([reading]).accepted == ("s0",)
    listing = rk.Inventory(at(2), {("a", "v"): {}}, id="i2")
    assert "described by {}" in _refused(rater, [listing])
    _rate_refuses([reading, listing], plan)
    # Refused: 1 B x 1 = 1.
    assert total(rater, 6) == Decimal(1)
