"""The feed names the record it refuses by its index in the batch, as batch ``rate()`` does.

A record without an id is named by its content (kind, resource, account, instant), which
a batch of a million plain tuples may hold many times over: its index finds it. Before,
only the unknown-meter and kind doors said ``records[i]``; every other door named the
record by its content alone."""

from __future__ import annotations

import typing
from decimal import Decimal

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from tests._budget import LAWS

import ratekit as rk

START = "2026-03-01T00:00:00Z"
MONTHLY = rk.cycles.monthly(tz="UTC")
METERS = [
    rk.Meter("runtime", "hour", rk.OnOff()),
    rk.Meter("mem", "MB*hour", rk.Continuous("memory_mb")),
    rk.Meter("egress", "GB", rk.Discrete()),
]
PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("r", "runtime", rk.PerUnit("1")),
        rk.PriceEntry("m", "mem", rk.PerUnit("1")),
        rk.PriceEntry("e", "egress", rk.PerUnit("10")),  # 9E+29 GB cost 9E+30: refused
    ],
)


def _good(index: int) -> rk.Event:
    """A record every door takes, without an id: 5 MB from 2 March, one resource each."""
    return rk.Event("acme", f"vm-{index}", "2026-03-02T00:00:00Z", {"memory_mb": 5}, kind="start")


BAD = {
    "negative level": rk.Event("acme", "vm-x", "2026-03-03T00:00:00Z", {"memory_mb": -5}),
    "text level": rk.Event("acme", "vm-x", "2026-03-03T00:00:00Z", {"memory_mb": "lots"}),
    "unknown meter": rk.Sample("acme", "vm-x", "nope", "2026-03-03T00:00:00Z", 5),
    "kind": rk.Sample("acme", "vm-x", "egress", "2026-03-03T00:00:00Z", 5, kind="counter"),
    "no cycle": rk.Event("acme", "vm-x", "9999-03-03T00:00:00Z", kind="start"),
    "inventory level": rk.Inventory(START, {("acme", "vm-x"): {"memory_mb": -1}}),
    "level past prices": rk.Event("acme", "vm-x", START, {"memory_mb": "1E+29"}, kind="start"),
    "amount past prices": rk.Sample("acme", "vm-x", "egress", START, "9E+29"),
    "far": rk.Event("acme", "vm-x", "2900-03-03T00:00:00Z", kind="start"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_each_door_names_the_records_index_in_its_batch(name: str) -> None:
    bad = BAD[name]
    rater = rk.Rater(PLAN, METERS, start=START)
    with pytest.raises(rk.RatekitError) as caught:
        rater.feed([_good(0), _good(1), _good(2), bad, _good(3)])
    assert str(caught.value).startswith("Rater.feed: records[3]: ")
    # Refused whole: nothing was taken.
    assert rater.feed([_good(0)]).counts["accepted"] == 1


def test_the_message_reads_as_before_after_the_index() -> None:
    rater = rk.Rater(PLAN, METERS, start=START)
    with pytest.raises(rk.BadRecordError) as caught:
        rater.feed([_good(0), _good(1), _good(2), BAD["negative level"]])
    assert str(caught.value) == (
        "Rater.feed: records[3]: event (update) stamped 2026-03-03T00:00:00Z for resource "
        "'vm-x' of 'acme' sets the level of meter 'mem': attribute 'memory_mb' is -5, a "
        "negative level; a Continuous level measures what runs (a size, a memory, a count of "
        "instances) and is never negative, so it must be a number >= 0 (a credit or a "
        "correction is a negative 'delta' sample on a Discrete meter). Every statement "
        "metering the resource would fail on it, so the batch is refused whole; fix or drop "
        "the record and feed the batch again."
    )


def test_batch_rate_names_the_same_index() -> None:
    records = [_good(0), _good(1), _good(2), BAD["unknown meter"]]
    span = rk.Span(START, "2026-04-01T00:00:00Z")
    with pytest.raises(rk.UnknownMeterError) as batch:
        rk.rate(records, PLAN, span=span, meters=METERS)
    with pytest.raises(rk.UnknownMeterError) as fed:
        rk.Rater(PLAN, METERS, start=START).feed(records)
    assert str(batch.value).startswith("records[3]: sample (delta of 'nope' of 'vm-x'")
    assert str(fed.value) == f"Rater.feed: {batch.value}"


def test_a_price_refusal_after_the_batch_is_taken_names_its_index() -> None:
    # The priced door judges the batch once taken, then puts it back: 'big' has no price.
    small = rk.Plan(
        "small",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [rk.PriceEntry("small", "vm", rk.PerUnit("1"), where={"flavor": "small"})],
    )
    rater = rk.Rater(small, [rk.Meter("vm", "hour", rk.OnOff())], start=START)
    fine = rk.Event("acme", "vm-1", "2026-03-01T01:00:00Z", {"flavor": "small"}, kind="start")
    big = rk.Event("acme", "vm-2", "2026-03-01T01:00:00Z", {"flavor": "big"}, kind="start")
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rater.feed([fine, fine, big])
    assert str(caught.value).startswith(
        "Rater.feed: records[2]: event (start of resource 'vm-2' of 'acme', no id) stamped "
        "2026-03-01T01:00:00Z would make every statement fail to price the usage of account "
        "'acme'"
    )
    # 1 hour of vm-1, 01:00 to 02:00, at 1 EUR: the batch without 'big' is taken.
    rater.feed([fine])
    assert rater.statement("2026-03-01T02:00:00Z").lines[0].amount == Decimal(1)


def test_a_restored_snapshot_names_no_index() -> None:
    # The restore asks the feed's doors of the records it keeps, which no caller listed.
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([_good(0)])
    data = rater.snapshot()
    text = repr(data)
    assert "records[" not in text  # nothing to compare against but the message below
    restored = rk.Rater.restore(data, PLAN, METERS)
    assert (
        restored.statement("2026-03-02T01:00:00Z").total()
        == rater.statement("2026-03-02T01:00:00Z").total()
    )


@pytest.mark.property
@settings(max_examples=LAWS // 4, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=12),
    faults=st.lists(st.sampled_from(sorted(BAD)), min_size=1, max_size=3),
    data=st.data(),
)
def test_a_feed_names_the_first_record_listed_that_a_door_refuses(
    size: int, faults: list[str], data: st.DataObject
) -> None:
    # Oracle: each record fed alone, in the order listed; the first one refused alone is
    # the one the batch names (the doors of a record alone judge it as in its batch here:
    # the good records neither raise a level's sum nor price what the bad ones touch).
    batch: list[rk.Event | rk.Sample | rk.Inventory] = [_good(index) for index in range(size)]
    for name in faults:
        batch.insert(data.draw(st.integers(min_value=0, max_value=len(batch))), BAD[name])
    first = next(index for index, record in enumerate(batch) if _refused_alone(record))
    with pytest.raises(rk.RatekitError) as caught:
        rk.Rater(PLAN, METERS, start=START).feed(batch)
    assert str(caught.value).startswith(f"Rater.feed: records[{first}]: ")


def _refused_alone(record: rk.Event | rk.Sample | rk.Inventory) -> bool:
    try:
        rk.Rater(PLAN, METERS, start=START).feed([record])
    except rk.RatekitError:
        return True
    return False


def test_an_event_without_an_id_is_named_with_its_kind_once() -> None:
    # Its label says its kind already: 'event (start of resource ..., no id) (start)' was
    # said at the doors of a level past what prices take, and of usage no entry prices.
    rater = rk.Rater(PLAN, METERS, start=START)
    with pytest.raises(rk.BadPriceError) as caught:  # an amount out of range, as rate() says
        rater.feed([_good(0), BAD["level past prices"]])
    assert str(caught.value).startswith(
        "Rater.feed: records[1]: event (start of resource 'vm-x' of 'acme', no id) stamped "
        "2026-03-01T00:00:00Z for resource 'vm-x' of 'acme' sets the level of meter 'mem' "
        "to 1E+29"
    )


def _doubled(description: object) -> object:
    """A level computed by a function: twice the description's size."""
    size = typing.cast("dict[str, object]", description).get("size")
    return None if size is None else typing.cast(int, size) * 2


def test_a_level_computed_by_a_function_is_placed_at_the_record_that_sets_it() -> None:
    # Metering judges such a level over the batch and names the record by its instant
    # alone (no id): the shortest start of the batch that is refused ends at records[2].
    meters = [rk.Meter("gb", "GB*hour", rk.Continuous(_doubled))]
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("g", "gb", rk.PerUnit(1))])
    rater = rk.Rater(plan, meters, start=START)
    good = [
        rk.Event("a", f"r{index}", "2026-03-02T00:00:00Z", {"size": 1}, kind="start")
        for index in range(4)
    ]
    bad = rk.Event("a", "rx", "2026-03-02T00:00:00Z", {"size": -1}, kind="start")
    with pytest.raises(rk.BadRecordError) as caught:
        rater.feed([*good[:2], bad, *good[2:]])
    assert str(caught.value).startswith(
        "Rater.feed: records[2]: meter 'gb', resource 'rx' of 'a' as described by a record "
        "without an id at 2026-03-02T00:00:00Z: the level is -2, a negative level;"
    )
