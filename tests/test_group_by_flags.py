"""A price grouped by an attribute keeps a description's True apart from 1 (and False from 0).

A selector tells them apart (``where={"gpu": True}`` does not match ``{"gpu": 1}``), but
``group_by="gpu"`` put both in one group, because ``True == 1`` in a dict: 5 units of a
resource described ``{"gpu": True}`` and 5 of one described ``{"gpu": 1}``, under
``Graduated([Tier(5, 0), Tier(None, 1)])`` per value, cost 5 x 0 + 5 x 1 = 5 as one group
of 10, where each group of 5 costs 5 x 0 = 0.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
FREE_FIVE = rk.Graduated([rk.Tier(5, "0"), rk.Tier(None, "1")])
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [rk.PriceEntry("e", "m", FREE_FIVE, group_by="gpu")],
)


def _row(resource: str, gpu: object) -> rk.UsageRow:
    return rk.UsageRow("acme", "m", resource, MARCH, MARCH, 5, "u", {"gpu": gpu}, ())


@pytest.mark.parametrize(("flag", "number"), [(True, 1), (False, 0)])
def test_a_flag_and_its_number_are_two_groups(flag: bool, number: int) -> None:
    rating = rk.rate([_row("r1", flag), _row("r2", number)], PLAN, span=MARCH)
    assert rating.total() == 0  # 5 x 0 in each group; was 5 (10 units in one group)


def test_equal_flags_and_equal_numbers_still_group() -> None:
    both = [_row("r1", True), _row("r2", True), _row("r3", 1), _row("r4", Decimal("1.0"))]
    # True: 10 units, 5 x 0 + 5 x 1 = 5; 1 and 1.0: 10 units, 5 again
    assert rk.rate(both, PLAN, span=MARCH).total() == 10
