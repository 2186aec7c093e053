"""The rater refuses at the feed an event whose Continuous level no metering could read."""

from __future__ import annotations

import typing
from decimal import Decimal

import pytest

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
PLAN = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("g", "gb", rk.PerUnit(1))])
START = "2026-03-01T00:00:00Z"


def _rater(level: object = "size") -> rk.Rater:
    meters = [rk.Meter("gb", "GB*hour", rk.Continuous(level))]  # type: ignore[arg-type]
    return rk.Rater(PLAN, meters, start=START)


def _amount(rater: rk.Rater, as_of: str) -> Decimal:
    return sum((line.amount for line in rater.statement(as_of).lines), Decimal(0))


def test_negative_level_is_refused_with_its_batch_and_the_rater_keeps_working() -> None:
    rater = _rater()
    good = rk.Event("a", "r2", "2026-03-02T00:00:00Z", {"size": 1}, kind="start", id="ok")
    bad = rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": -100}, kind="start", id="e1")
    with pytest.raises(rk.BadRecordError) as caught:
        rater.feed([good, bad])
    message = str(caught.value)
    assert message.startswith(
        "Rater.feed: records[1]: event 'e1' (start) stamped 2026-03-02T00:00:00Z for resource "
        "'r' of 'a' sets the level of meter 'gb': attribute 'size' is -100, a negative level;"
    )
    assert "must be a number >= 0" in message
    assert "the batch is refused whole" in message
    # Nothing of the batch was taken: no usage, and a statement works.
    assert _amount(rater, "2026-03-03T00:00:00Z") == Decimal(0)
    fixed = rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": 100}, kind="start", id="e1")
    assert rater.feed([fixed]).accepted == ("e1",)
    # 100 GB from 03-02 00:00 to 03-05 00:00 = 100 x 72 h = 7200 GB*hour x 1 EUR = 7200.
    assert _amount(rater, "2026-03-05T00:00:00Z") == Decimal(7200)


def test_non_numeric_level_by_path_is_refused() -> None:
    rater = _rater("properties.size")
    bad = rk.Event("a", "r", "2026-03-02T00:00:00Z", {"properties": {"size": "big"}}, id="e1")
    # text that is not a decimal: a BadQuantityError, as batch metering raises
    with pytest.raises(rk.BadQuantityError, match=r"event 'e1' .*meter 'gb': .*'properties\.size'"):
        rater.feed([bad])
    assert rater.statement("2026-03-03T00:00:00Z").lines == ()


def test_a_factor_of_a_product_set_by_an_update_is_refused() -> None:
    rater = _rater(("size", "count"))
    start = rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": 2, "count": 3}, id="s")
    assert rater.feed([start]).accepted == ("s",)
    update = rk.Event("a", "r", "2026-03-03T00:00:00Z", {"count": -1}, kind="update", id="u")
    with pytest.raises(rk.BadRecordError, match=r"event 'u' \(update\).*attribute 'count' is -1"):
        rater.feed([update])
    # 2 x 3 = 6 GB from 03-02 to 03-04 = 48 h: 6 x 48 = 288 GB*hour x 1 EUR = 288.
    assert _amount(rater, "2026-03-04T00:00:00Z") == Decimal(288)


def test_removing_a_level_attribute_and_other_attributes_are_not_refused() -> None:
    rater = _rater()
    events = [
        rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": 5, "note": -1}, id="s"),
        rk.Event("a", "r", "2026-03-02T12:00:00Z", {"size": None}, kind="update", id="u"),
    ]
    assert rater.feed(events).accepted == ("s", "u")
    # 5 GB for 12 h = 60 GB*hour, then no size: no level. 60 x 1 EUR = 60.
    assert _amount(rater, "2026-03-03T00:00:00Z") == Decimal(60)


def _product(description: dict[str, object]) -> object:
    """A level computed by a function: size x count (count 1 when not given)."""
    size, count = description.get("size"), description.get("count", 1)
    if size is None:
        return None
    return typing.cast(int, size) * typing.cast(int, count)


def test_a_level_function_is_read_at_the_feed_on_the_merged_description() -> None:
    rater = _rater(_product)
    start = rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": 2, "count": 3}, id="s")
    assert rater.feed([start]).accepted == ("s",)
    # The update alone gives no size: only merged with the start's does it read 2 x -1.
    update = rk.Event("a", "r", "2026-03-03T00:00:00Z", {"count": -1}, kind="update", id="u")
    with pytest.raises(rk.BadRecordError) as caught:
        rater.feed([update])
    assert str(caught.value) == (
        "Rater.feed: records[0]: meter 'gb', resource 'r' of 'a' as described by record 'u' "
        "at 2026-03-03T00:00:00Z: the level is -2, a negative level; a Continuous level "
        "measures what runs (a size, a memory, a count of instances) and is never negative, "
        "so it must be a number >= 0 (a credit or a correction is a negative 'delta' sample "
        "on a Discrete meter). Every statement metering the resource would fail on it, so "
        "the batch is refused whole; fix or drop the record and feed the batch again."
    )
    # Nothing of it was taken: 2 x 3 = 6 GB from 03-02 to 03-04 = 6 x 48 = 288 GB*hour.
    assert _amount(rater, "2026-03-04T00:00:00Z") == Decimal(288)


def test_a_level_function_giving_what_is_no_number_is_refused_naming_the_record() -> None:
    rater = _rater(_product)
    bad = rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": "big"}, id="e1")
    good = rk.Event("a", "r2", "2026-03-02T00:00:00Z", {"size": 1}, id="ok")
    with pytest.raises(rk.BadQuantityError) as caught:
        rater.feed([good, bad])
    assert str(caught.value) == (
        "Rater.feed: records[1]: meter 'gb', resource 'r' of 'a' as described by record 'e1' "
        "at 2026-03-02T00:00:00Z: the level 'big' is not a decimal number; write it like "
        "'12.5' or '1e9'. Every statement metering the resource would fail on it, so the "
        "batch is refused whole; fix or drop the record and feed the batch again."
    )
    assert rater.statement("2026-03-03T00:00:00Z").lines == ()


def test_a_level_function_on_a_stopped_resource_or_without_a_level_is_not_refused() -> None:
    rater = _rater(_product)
    events = [
        rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": 4}, id="s"),
        # Stopped, its level is not read (no usage), whatever it would be.
        rk.Event("a", "r", "2026-03-02T06:00:00Z", {"count": -1}, kind="stop", id="x"),
        rk.Event("a", "q", "2026-03-02T00:00:00Z", {"note": "no size"}, id="n"),
    ]
    assert sorted(rater.feed(events).accepted) == ["n", "s", "x"]
    # 4 GB for 6 h = 24 GB*hour; 'q' has no level. 24 x 1 EUR = 24.
    assert _amount(rater, "2026-03-03T00:00:00Z") == Decimal(24)


def test_a_value_read_as_a_level_once_in_a_batch_lets_no_other_value_through() -> None:
    # The batch's doors read each level value once: 1 is a level, True (equal to 1) is not,
    # and an event setting it after one setting 1 is still refused, with its batch.
    rater = _rater()
    one = rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": 1}, kind="start", id="e1")
    true = rk.Event("a", "r2", "2026-03-02T00:00:00Z", {"size": True}, kind="start", id="e2")
    with pytest.raises(
        rk.BadRecordError, match=r"^Rater\.feed: records\[1\]: event 'e2' .*'size' is True, not"
    ):
        rater.feed([one, true])
    # 2 and 2.0 are read alike; both are levels.
    two = rk.Event("a", "r3", "2026-03-02T00:00:00Z", {"size": 2}, kind="start", id="e3")
    same = rk.Event(
        "a", "r4", "2026-03-02T00:00:00Z", {"size": Decimal("2.0")}, kind="start", id="e4"
    )
    assert rater.feed([two, same]).accepted == ("e3", "e4")


def test_the_first_record_listed_that_a_door_refuses_is_named_whatever_the_door() -> None:
    # A sample of an unknown meter and an event setting a negative level: the batch is
    # refused for the one listed first, as a record-by-record walk finds it.
    rater = _rater()
    sample = rk.Sample("a", "r", "nope", "2026-03-02T00:00:00Z", 1, id="s1")
    event = rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": -1}, kind="start", id="e1")
    with pytest.raises(
        rk.UnknownMeterError, match=r"^Rater\.feed: records\[0\]: sample 's1' meter 'nope'"
    ):
        rater.feed([sample, event])
    with pytest.raises(
        rk.BadRecordError, match=r"^Rater\.feed: records\[0\]: event 'e1' .*'size' is -1"
    ):
        rater.feed([event, sample])
    assert rater.feed([]).accepted == ()


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        ("big", rk.BadQuantityError, "attribute 'size' 'big' is not a decimal number"),
        ("2 GB", rk.BadQuantityError, "attribute 'size' '2 GB' is not a decimal number"),
        ("1e40", rk.BadQuantityError, "attribute 'size' '1e40' lies outside the numbers"),
        ("NaN", rk.BadQuantityError, "attribute 'size' must be a finite number, not 'NaN'"),
        ([1], rk.BadRecordError, "attribute 'size' is [1], not a number"),
        (True, rk.BadRecordError, "attribute 'size' is True, not a number"),
        ("-1", rk.BadRecordError, "attribute 'size' is -1, a negative level"),
    ],
)
def test_the_feed_refuses_a_level_with_the_error_batch_metering_raises(
    value: object, error: type[rk.RatekitError], words: str
) -> None:
    # One engine, one error: a level batch rate() refuses with a BadQuantityError (text
    # that is not a decimal, a number out of range) the feed refuses with the same class,
    # named by the record, whether an event sets it or an inventory lists it.
    event = rk.Event("a", "r", "2026-03-02T00:00:00Z", {"size": value}, kind="start", id="e1")
    listing = rk.Inventory("2026-03-02T00:00:00Z", [("a", "r", {"size": value})], id="i1")
    march = rk.Span(START, "2026-04-01T00:00:00Z")
    meters = [rk.Meter("gb", "GB*hour", rk.Continuous("size"))]
    for record in (event, listing):
        with pytest.raises(rk.RatekitError) as batch:
            rk.rate([record], PLAN, span=march, meters=meters)
        with pytest.raises(rk.RatekitError) as fed:
            _rater().feed([record])
        assert type(batch.value) is type(fed.value) is error
        assert words in str(batch.value)
        assert str(fed.value).startswith("Rater.feed: ")
        assert words in str(fed.value)
        assert "'e1'" in str(fed.value) if record is event else "'i1'" in str(fed.value)
