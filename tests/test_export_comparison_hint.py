"""to_row and to_rows point a comparison to its own rows.

A notebook user exporting a comparison wrote ``rk.to_rows(comparison)`` (as for a
rating's charges) and was told only the classes to_rows takes: "to_rows takes a list
of values, each one of Event, ..., not Comparison: ...". A comparison's rows are
``comparison.to_rows()``, JSON-safe already; the error now says so, as it names
``rating.charges`` for a rating.
"""

from __future__ import annotations

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])


@pytest.mark.parametrize("function", [rk.to_row, rk.to_rows])
def test_a_comparison_is_pointed_to_its_rows(function: object) -> None:
    comparison = rk.compare_plans([], {"now": PLAN}, span=MARCH, accounts=["acme"])
    with pytest.raises(rk.RatekitTypeError) as caught:
        function(comparison)  # type: ignore[operator]
    assert str(caught.value).endswith("not a Comparison; for its rows, write comparison.to_rows().")


def test_a_comparison_row_is_pointed_to_the_comparisons_rows() -> None:
    comparison = rk.compare_plans([], {"now": PLAN}, span=MARCH, accounts=["acme"])
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.to_rows(comparison.rows)
    assert str(caught.value).endswith(
        "not a ComparisonRow; for a comparison's rows, write comparison.to_rows()."
    )
    # what the hint names works: 10.00 base fee, JSON-safe
    assert comparison.to_rows()[0]["total"] == "10.00"
