"""Where a record lands among its resource's others: the unpriced door judges it as batch does.

`ratekit._rater_priced_order` says when the door's quick verdicts (`_rater_priced_doors`)
may judge a record on its description alone: metering applies a resource's events of one
instant in an order of their own and the inventories stamped there after them, and a
record placed before or among others changes what they make. Each case here is a record
that the quick judgement once passed while batch [`rate()`][ratekit.rate] of the records
taken and it refuses them, so that every later statement raised
[`UnpricedUsageError`][ratekit.UnpricedUsageError]; each is refused now. Worked by hand in
the comments (daily UTC cycles from Monday 2 March 2026, prices per hour and per byte).
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
    METERS,
    MONDAY,
    SA,
    SMALL,
    TWO_WEEKS,
    at,
    batch_refuses,
    described,
    event,
    sample,
    total,
)

import ratekit as rk

#: Small VMs in zone a cost 1 an hour; nothing else is priced.
ONLY_SA = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("sa", "vm", rk.PerUnit("1"), where=SA)])
#: Small VMs in zone a cost 1 an hour, big ones in zone b 2.
SMALL_A_BIG_B = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [
        rk.PriceEntry("sa", "vm", rk.PerUnit("1"), where=SA),
        rk.PriceEntry("bb", "vm", rk.PerUnit("2"), where={"flavor": "big", "zone": "b"}),
    ],
)


def _listing(
    hours: float, listed: dict[str, object] | None, name: str, **options: Any
) -> rk.Inventory:
    resources = {} if listed is None else {("a", "v"): listed}
    return rk.Inventory(at(hours), resources, id=name, **options)


def _refused(rater: rk.Rater, batch: list[Any]) -> str:
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed(batch)
    message = str(caught.value)
    assert message.startswith("Rater.feed: ")
    assert "would make every statement fail" in message
    assert "The batch is refused whole" in message
    return message


def _rate_refuses(records: list[Any], plan: rk.Plan) -> None:
    with pytest.raises(rk.UnpricedUsageError):
        rk.rate(records, plan, span=TWO_WEEKS, meters=METERS)


def test_a_delete_before_a_later_listing_is_refused() -> None:
    # Kept: v small in zone a from 00:00, listed at 05:00 without attributes (a VM the
    # rater knows: nothing changes). A DELETE at 02:00 makes the listing open v anew at
    # 05:00, described by nothing, which no entry prices.
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    kept = [event(0, SA, "e0"), _listing(5, {}, "i1")]
    assert rater.feed(kept).accepted == ("e0", "i1")
    delete = event(2, None, "d2", "delete")
    assert "described by {}" in _refused(rater, [delete])
    _rate_refuses([*kept, delete], ONLY_SA)
    # Refused: v runs 00:00..06:00 small in zone a, 6 h x 1 = 6.
    assert total(rater, 6) == Decimal(6)


def test_a_listing_at_the_instant_of_a_closing_is_refused() -> None:
    # Kept: a START of v at 00:00 without attributes, and an inventory of 00:00 listing
    # nothing, applied after the START: v is closed where it starts, 0 h. A second
    # inventory of 00:00 listing v without attributes: a resource listed by any inventory
    # of an instant is present, so v is not closed and runs from 00:00 described by
    # nothing, which no entry prices (the property below found it).
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    kept = [event(0, None, "e0"), _listing(0, None, "i0")]
    assert rater.feed(kept).accepted == ("e0", "i0")
    listing = _listing(0, {}, "i1")
    assert "described by {}" in _refused(rater, [listing])
    _rate_refuses([*kept, listing], ONLY_SA)
    # Refused: v ran no time, 0.
    assert total(rater, 6) == Decimal(0)


def test_a_listing_after_a_closing_is_refused() -> None:
    # Kept: v small in zone a from 00:00, and an inventory of 00:00 listing nothing (it
    # closes v at the snapshot, 00:00: 0 h). A listing of v without attributes at 02:00
    # does not find v known: it opens v anew there, described by nothing, which no entry
    # prices (22 h to the day's end in batch). The property below found it, once its
    # inventories came at 02:00 as often as at 00:00.
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    kept = [event(0, SA, "e0"), _listing(0, None, "i0")]
    assert rater.feed(kept).accepted == ("e0", "i0")
    listing = _listing(2, {}, "i2")
    message = _refused(rater, [listing])
    assert "(resource 'v', 22 hour) over 2026-03-02T02:00:00Z..2026-03-03T00:00:00Z" in message
    assert "described by {}" in message
    _rate_refuses([*kept, listing], ONLY_SA)
    # In one batch with them too.
    fresh = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    assert "described by {}" in _refused(fresh, [*kept, listing])
    # Refused: v ran no time, 0.
    assert total(rater, 6) == Decimal(0)
    # Without the closing, the listing changes nothing of v: 00:00..06:00, 6 h x 1 = 6.
    known = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    assert known.feed([kept[0], listing]).accepted == ("e0", "i2")
    assert total(known, 6) == Decimal(6)


def test_a_stop_before_a_closing_at_the_last_sign_of_life_is_refused() -> None:
    # Kept: a big VM started at 00:00 and an inventory of 10:00 listing nothing that
    # closes it at its last sign of life, 00:00: it ran no time, nothing to price. A STOP
    # at 05:00 is a later sign of life: big runs 00:00..05:00, which no entry prices.
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    kept = [event(0, BIG, "e0"), _listing(10, None, "i1", close="last_seen")]
    assert rater.feed(kept).accepted == ("e0", "i1")
    stop = event(5, None, "x5", "stop")
    assert "(resource 'v', 5 hour)" in _refused(rater, [stop])
    _rate_refuses([*kept, stop], ONLY_SA)
    # So does a sample of a meter every plan prices (egress at 1 a byte, on the same
    # plan): 3 B at 05:00 would be priced, the 5 h of the VM it keeps alive not.
    both = rk.Plan(
        "q", "EUR", DAILY, [*ONLY_SA.entries, rk.PriceEntry("eg", "eg", rk.PerUnit("1"))]
    )
    other = rk.Rater(both, METERS, start=MONDAY)
    assert other.feed(kept).accepted == ("e0", "i1")
    reading = sample(5, 3, "s5")
    assert "(resource 'v', 5 hour)" in _refused(other, [reading])
    _rate_refuses([*kept, reading], both)
    # A sample after the inventory moves nothing: 3 B x 1 = 3.
    assert other.feed([sample(11, 3, "s11")]).accepted == ("s11",)
    assert total(other, 12) == Decimal(3)


def test_a_listing_before_a_kept_partial_update_is_refused() -> None:
    # Small VMs in zone a cost 1 an hour, big ones in zone b 2. Kept: small in a from
    # 00:00, an update at 05:00 naming the zone only. An inventory of 03:00 listing v as
    # big in b is priced on its own, but the update merges into it: big in a from 05:00,
    # which no entry prices.
    plan = SMALL_A_BIG_B
    rater = rk.Rater(plan, METERS, start=MONDAY)
    kept = [event(0, SA, "e0"), event(5, {"zone": "a"}, "u5", "update")]
    assert rater.feed(kept).accepted == ("e0", "u5")
    listing = _listing(3, {"flavor": "big", "zone": "b"}, "i3")
    assert "described by {'flavor': 'big', 'zone': 'a'}" in _refused(rater, [listing])
    _rate_refuses([*kept, listing], plan)
    # Refused: small in a 00:00..06:00, 6 h x 1 = 6.
    assert total(rater, 6) == Decimal(6)


def test_an_inventory_closing_before_a_kept_listing_is_refused() -> None:
    # Kept: small in a from 00:00, listed at 05:00 as {'flavor': 'small'} (a correction
    # that changes nothing). An inventory of 03:00 listing nothing closes v there, and the
    # listing of 05:00 opens it anew described by {'flavor': 'small'} alone: unpriced.
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    kept = [event(0, SA, "e0"), _listing(5, SMALL, "i5")]
    assert rater.feed(kept).accepted == ("e0", "i5")
    closing = _listing(3, None, "i3")
    assert "described by {'flavor': 'small'}" in _refused(rater, [closing])
    _rate_refuses([*kept, closing], ONLY_SA)
    # Refused: 00:00..06:00, 6 h x 1 = 6.
    assert total(rater, 6) == Decimal(6)


def test_a_sample_after_a_closing_is_refused() -> None:
    # A VM costs 1 an hour whatever it is; a byte of egress 1, of a small resource only.
    # Kept: v small from 00:00 with 1 B at 01:00, an inventory of 05:00 listing nothing
    # (v closed there). A sample at 06:00 is of a resource described by nothing.
    plan = rk.Plan(
        "p",
        "EUR",
        DAILY,
        [
            rk.PriceEntry("vm", "vm", rk.PerUnit("1")),
            rk.PriceEntry("eg", "eg", rk.PerUnit("1"), where=SMALL),
        ],
    )
    rater = rk.Rater(plan, METERS, start=MONDAY)
    kept = [event(0, SMALL, "e0"), sample(1, 1, "s1"), _listing(5, None, "i5")]
    assert rater.feed(kept).accepted == ("e0", "s1", "i5")
    after = sample(6, 2, "s6")
    assert "described by {}" in _refused(rater, [after])
    _rate_refuses([*kept, after], plan)
    # Refused: 00:00..05:00, 5 h x 1 = 5; 1 B x 1 = 1; 6.
    assert total(rater, 7) == Decimal(6)


def test_a_last_seen_closing_at_a_kept_samples_instant_is_refused() -> None:
    # A small VM costs 3 an hour; a byte of egress 1, of a small resource only. Kept: 1 B
    # of v at 00:00 (known by its samples alone) and an inventory of 00:00 listing v as
    # {'flavor': 'small'} (v opened there, small). An inventory of 02:00 listing nothing
    # closes v at its last sign of life, 00:00: the sample of that instant comes after
    # the closing, described by nothing, which no entry prices.
    plan = rk.Plan(
        "p",
        "EUR",
        DAILY,
        [
            rk.PriceEntry("small", "vm", rk.PerUnit("3"), where=SMALL),
            rk.PriceEntry("eg small", "eg", rk.PerUnit("1"), where=SMALL),
        ],
    )
    rater = rk.Rater(plan, METERS, start=MONDAY)
    kept = [sample(0, 1, "s0"), _listing(0, SMALL, "i0")]
    assert rater.feed(kept).accepted == ("s0", "i0")
    closing = _listing(2, None, "i2", close="last_seen")
    assert "described by {}" in _refused(rater, [closing])
    _rate_refuses([*kept, closing], plan)
    # Refused: v small 00:00..03:00, 3 h x 3 = 9; 1 B x 1 = 1; 10.
    assert total(rater, 3) == Decimal(10)
    # Closed at the snapshot's instant instead, after the sample: taken.
    assert rater.feed([_listing(4, None, "i4")]).accepted == ("i4",)


def test_a_last_seen_closing_at_the_instant_of_a_sample_of_its_batch_is_refused() -> None:
    # Small VMs in zone a cost 1 an hour; a byte of egress 1, of a small resource only.
    # One batch: a START of v at 00:00 small in a, 1 B of v at 00:00 and an inventory of
    # 02:00 listing nothing, closing at the last sign of life: v is closed at 00:00, and
    # the sample of that instant comes after the closing, described by nothing.
    plan = rk.Plan(
        "p",
        "EUR",
        DAILY,
        [
            rk.PriceEntry("sa", "vm", rk.PerUnit("1"), where=SA),
            rk.PriceEntry("eg small", "eg", rk.PerUnit("1"), where=SMALL),
        ],
    )
    rater = rk.Rater(plan, METERS, start=MONDAY)
    batch = [event(0, SA, "e0"), _listing(2, None, "i1", close="last_seen"), sample(0, 1, "s2")]
    _rate_refuses(batch, plan)
    assert "described by {}" in _refused(rater, batch)
    # Without the inventory: 00:00..03:00, 3 h x 1 = 3; 1 B x 1 = 1; 4.
    assert rater.feed([batch[0], batch[2]]).accepted == ("e0", "s2")
    assert total(rater, 3) == Decimal(4)


def test_a_sequenced_delete_placed_before_a_listing_is_refused() -> None:
    # Kept: a START of 01:00 (seq 2) small in a, an inventory of 03:00 listing v as
    # {'flavor': 'small'}. A DELETE of 04:00 with seq 1 is applied first: the inventory
    # (stamped before it) then finds v unknown and opens it as {'flavor': 'small'} alone,
    # unpriced from 03:00 to 04:00.
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    kept = [
        rk.Event("a", "v", at(1), SA, kind="start", id="e1", seq=2),
        _listing(3, SMALL, "i3"),
    ]
    assert rater.feed(kept).accepted == ("e1", "i3")
    delete = rk.Event("a", "v", at(4), kind="delete", id="d4", seq=1)
    assert "described by {'flavor': 'small'}" in _refused(rater, [delete])
    _rate_refuses([*kept, delete], ONLY_SA)
    # Refused: small in a 01:00..06:00, 5 h x 1 = 5.
    assert total(rater, 6) == Decimal(5)


def test_a_sequenced_start_placed_before_a_listing_of_its_batch_is_refused() -> None:
    # Small VMs in zone a cost 1 an hour, big ones in zone b 2. One batch: a START of
    # 04:00 (seq 1) big in b, a START of 01:00 (seq 2) small in a, and an inventory of
    # 03:00 listing v without attributes. The START of 04:00 is applied first, and the
    # inventory (stamped before it) finds v unknown: it opens v described by nothing,
    # unpriced from 03:00 to 04:00.
    plan = SMALL_A_BIG_B
    rater = rk.Rater(plan, METERS, start=MONDAY)
    batch = [
        rk.Event("a", "v", at(4), {"flavor": "big", "zone": "b"}, kind="start", id="e4", seq=1),
        rk.Event("a", "v", at(1), SA, kind="start", id="e1", seq=2),
        _listing(3, {}, "i3"),
    ]
    assert "described by {}" in _refused(rater, batch)
    _rate_refuses(batch, plan)
    # Without the inventory: big in b at 04:00, then small in a at 04:00 (the START of
    # 01:00 takes effect at the instant of the one sequenced before it): 04:00..06:00,
    # 2 h x 1 = 2.
    assert rater.feed(batch[:2]).accepted == ("e4", "e1")
    assert total(rater, 6) == Decimal(2)


_PLAN_ENTRIES = [
    rk.PriceEntry("sa", "vm", rk.PerUnit("1"), where=SA),
    rk.PriceEntry("bb", "vm", rk.PerUnit("2"), where={"flavor": "big", "zone": "b"}),
    rk.PriceEntry("small", "vm", rk.PerUnit("3"), where=SMALL, priority=1),
    rk.PriceEntry("eg small", "eg", rk.PerUnit("1"), where=SMALL),
    rk.PriceEntry("eg", "eg", rk.PerUnit("1"), priority=-1),
]
_ATTRIBUTES: list[dict[str, object] | None] = [
    None,
    SMALL,
    BIG,
    {"zone": "a"},
    {"zone": "b"},
    SA,
    {"flavor": "big", "zone": "b"},
]
_KINDS = ["start", "update", "stop", "delete"]
#: A record: (kind, hours, detail...); most at 00:00, some at 02:00 (an inventory as
#: often there, ahead of statements at 01:00 and 02:00 that may meter what it closes).
_INSTANTS = st.sampled_from([0, 0, 0, 2])
_LISTED_AT = st.sampled_from([0, 2])
_RECORDS = st.one_of(
    st.tuples(
        st.just("event"),
        _INSTANTS,
        st.sampled_from(_KINDS),
        st.sampled_from(range(len(_ATTRIBUTES))),
    ),
    st.tuples(st.just("sample"), _INSTANTS, st.integers(1, 5)),
    st.tuples(
        st.just("inventory"),
        _LISTED_AT,
        st.sampled_from([-1, -1, *range(len(_ATTRIBUTES))]),  # -1: lists nothing
        st.sampled_from(["snapshot", "last_seen"]),
    ),
)


def _record(spec: tuple[Any, ...], number: int) -> rk.Event | rk.Sample | rk.Inventory:
    kind, hours = spec[0], spec[1]
    if kind == "event":
        return event(hours, _ATTRIBUTES[spec[3]], f"e{number}", spec[2])
    if kind == "sample":
        return sample(hours, spec[2], f"s{number}")
    listed = None if spec[2] < 0 else (_ATTRIBUTES[spec[2]] or {})
    return _listing(hours, listed, f"i{number}", close=spec[3])


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    chosen=st.sets(st.sampled_from(range(len(_PLAN_ENTRIES))), min_size=1),
    batches=st.lists(
        st.tuples(
            st.lists(_RECORDS, min_size=1, max_size=4), st.one_of(st.none(), st.integers(0, 6))
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_records_at_one_instant_are_refused_exactly_when_batch_refuses_them(
    chosen: set[int], batches: list[tuple[list[tuple[Any, ...]], int | None]]
) -> None:
    """The door refuses a batch exactly when batch rate() of what was taken and it does.

    Stacks of one resource's records at one instant (STARTs, STOPs, DELETEs and UPDATEs
    with attributes or none, inventories listing it, or not, closing at the snapshot or
    its last sign of life, samples), fed in random batches with statements between
    (every watermark in the first day: nothing is too late; some at or before a
    ``last_seen`` inventory taken, which may close back what they meter). Oracle: batch
    rate() over two weeks of the records taken plus the batch offered; after every feed,
    a restored copy's statement two weeks ahead raises no UnpricedUsageError, and no
    statement does.
    """
    plan = rk.Plan("p", "EUR", DAILY, [_PLAN_ENTRIES[i] for i in sorted(chosen)])
    rater = rk.Rater(plan, METERS, start=MONDAY)
    taken: list[rk.Event | rk.Sample | rk.Inventory] = []
    number, reached = 0, 0
    for specs, watermark in batches:
        batch = []
        for spec in specs:
            batch.append(_record(spec, number))
            number += 1
        # (the samples of a resource nothing names yet await its description: taken)
        refuses = batch_refuses(described([*taken, *batch], plan), plan)
        said = ""
        try:
            rater.feed(batch)
        except rk.UnpricedUsageError as error:
            said = str(error)
        except rk.RatekitError:
            continue  # another door's rule
        if said:
            assert "would make every statement fail" in said
            assert refuses, f"the door refused {batch!r}, which batch rate() prices"
            continue
        assert not refuses, f"the door took {batch!r}, which batch rate() refuses"
        taken += batch
        ahead = rk.Rater.restore(rater.snapshot(), plan, METERS)
        ahead.statement(at(24 * 14))  # (never raises UnpricedUsageError)
        if watermark is not None:
            reached = max(reached, watermark)
            rater.statement(at(reached))


def test_a_statement_before_a_last_seen_closing_fed_ahead_meets_no_unpriced_usage() -> None:
    # A START of v at 00:00 without attributes (described by nothing, which no entry
    # prices) with an inventory of 02:00 listing nothing, closing at the last sign of
    # life: batch rate() closes v at 00:00, 0 h, and prices everything; the door takes
    # both. A statement at 01:00, before the inventory, meters v running 00:00..01:00
    # described by nothing, and one at 02:00 (which does not read a record stamped at
    # its watermark) 00:00..02:00: usage the closing takes back, withheld, 0 each (they
    # raised UnpricedUsageError); one at 03:00 reads the closing and bills 0.
    rater = rk.Rater(ONLY_SA, METERS, start=MONDAY)
    both = [event(0, None, "e0"), _listing(2, None, "i2", close="last_seen")]
    assert not batch_refuses(both, ONLY_SA)
    assert rater.feed(both).accepted == ("e0", "i2")
    assert [total(rater, hours) for hours in (1, 2, 3)] == [0, 0, 0]
