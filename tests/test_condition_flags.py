"""A meter's `when` holds a flag only for a flag, as a selector does (True is not 1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")


def hours(expected: object, attribute: object) -> object:
    meter = rk.Meter("premium-hours", "hour", rk.OnOff(when={"premium": expected}))
    start = rk.Event(
        "a", "r", "2026-03-01T01:00:00Z", {"premium": attribute}, kind="start", id="e1"
    )
    return rk.meter([start], [meter], span=DAY, cycle=None, as_of=DAY.end).total()


@pytest.mark.parametrize(("expected", "attribute"), [(True, 1), (1, True), (False, 0), (0, False)])
def test_a_flag_and_a_number_do_not_match(expected: object, attribute: object) -> None:
    # when={"premium": True} on a resource described premium=1 charged its 23 hours
    # (01:00 to 24:00), because Python counts True == 1; a price's where, and an
    # inventory's scope, read the same mapping and do not match, so the hours were
    # metered and then left unpriced. Nested values ({"a": 1} and {"a": True}) already
    # did not match.
    assert hours(expected, attribute) == 0
    listing = rk.Inventory("2026-03-01T00:00:00Z", [], where={"premium": expected})
    assert not listing.covers("a", "r", {"premium": attribute})


@pytest.mark.parametrize(
    ("expected", "attribute"), [(True, True), (1, 1), (1, "1.0"), (0.1, "0.1")]
)
def test_equal_values_still_match(expected: object, attribute: object) -> None:
    # A flag matches a flag; numbers match by value (1 and 1.0, 0.1 and Decimal 0.1).
    value = Decimal(attribute) if isinstance(attribute, str) else attribute
    assert hours(expected, value) == 23
