"""Plans, entries and their parts checked at the door (issue 9 §5 and §7, plan side)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
ENTRY = rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))


def refused(error: type[rk.RatekitError], call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message


def test_plan_parts_must_be_lists_of_their_values() -> None:
    refused(
        rk.RatekitTypeError,
        lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], fees="inf"),
        "Plan fees must be a list of Fee values such as [Fee('support', 30)], not str: 'inf'.",
    )
    refused(
        rk.RatekitTypeError,
        lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], allowances=[5]),
        "Plan allowances[0] must be an Allowance such as Allowance('egress', 100), not int: 5.",
    )
    refused(
        rk.RatekitTypeError,
        lambda: rk.Plan("p", "EUR", MONTHS, 5),
        "Plan entries must be a list of PriceEntry values such as "
        "[PriceEntry('vm', 'vm.hours', PerUnit('0.10'))], not int: 5.",
    )
    refused(
        rk.RatekitTypeError,
        lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], minimums=[None]),
        "Plan minimums[0] must be a Minimum such as Minimum(50), not NoneType: None.",
    )


def test_plan_rounding_and_tz_are_checked() -> None:
    refused(
        rk.BadPriceError,
        lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], rounding=[]),
        "plan 'p' rounding [] is not a decimal rounding mode; use one of ROUND_CEILING, "
        "ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP.",
    )
    # ROUND_05UP is a decimal mode, but rounds on the last digit, not to a quantum.
    refused(
        rk.BadPriceError,
        lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], rounding="ROUND_05UP"),
        "plan 'p' rounding 'ROUND_05UP' is a decimal rounding mode that rounds on a number's "
        "last digit, not to a quantum, and is not one a plan takes; use one of ROUND_CEILING, "
        "ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP.",
    )
    refused(
        rk.BadCalendarError,
        lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], tz="Mars/Olympus"),
        "plan 'p' tz 'Mars/Olympus' is not a known IANA timezone name; give an IANA name "
        "such as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as "
        "'UTC+05:45'.",
    )
    refused(
        rk.BadCalendarError,
        lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], tz="a" * 300),
        f"plan 'p' tz '{'a' * 59}... is not a known IANA timezone name; give an IANA name "
        "such as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as "
        "'UTC+05:45'.",  # cut to 60 characters
    )
    assert rk.Plan("p", "EUR", MONTHS, [ENTRY], tz="Europe/Zurich").tz == "Europe/Zurich"


def test_selectors_and_group_by_are_checked() -> None:
    refused(
        rk.RatekitTypeError,
        lambda: rk.PriceEntry("e", "m", rk.PerUnit(1), where={1: "a"}),
        "PriceEntry where keys must be attribute names (non-empty strings, dotted paths such "
        "as 'properties.size'), not int: 1.",
    )
    refused(
        rk.RatekitTypeError,
        lambda: rk.PriceEntry("e", "m", rk.Graduated([rk.Tier(None, 1)]), group_by=[1]),
        "price entry 'e' group_by must be None (per account and meter), 'resource', or an "
        "attribute name such as 'flavor', not list: [1].",
    )


def test_minimums_and_allowances_are_checked() -> None:
    refused(
        rk.BadPriceError,
        lambda: rk.Minimum(-5),
        "Minimum amount must be 0 or more (the least a cycle costs), not '-5'.",
    )
    refused(
        rk.RatekitTypeError,
        lambda: rk.Minimum(5, meter=123),
        "Minimum meter must be a meter name (a non-empty string) naming the meter a "
        "per-meter minimum (or None for the plan) applies to, not int: 123.",
    )
    assert rk.Minimum(5).meter is None  # no meter: the whole plan's minimum, as documented
    for meter in (None, 123, ""):
        refused(
            rk.RatekitTypeError,
            lambda meter=meter: rk.Allowance(meter, 5),
            "Allowance meter must be a meter name (a non-empty string) naming the meter an "
            f"allowance applies to, not {type(meter).__name__}: {meter!r}.",
        )


def test_plan_round_refuses_what_is_not_a_finite_decimal() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [ENTRY])
    refused(
        rk.BadQuantityError,
        lambda: plan.round(Decimal("NaN")),
        "plan 'p' rounds finite Decimal amounts, not Decimal: Decimal('NaN').",
    )
    refused(
        rk.BadQuantityError,
        lambda: plan.round(Decimal("-Infinity")),
        "plan 'p' rounds finite Decimal amounts, not Decimal: Decimal('-Infinity').",
    )
    refused(
        rk.BadQuantityError,
        lambda: plan.round(1.5),  # type: ignore[arg-type]
        "plan 'p' rounds finite Decimal amounts, not float: 1.5.",
    )
    assert plan.round(Decimal("2.345")) == Decimal("2.34")


@pytest.mark.parametrize("model", [rk.Graduated, rk.Volume, rk.GraduatedPercentage])
def test_flags_must_be_bools(model: type) -> None:
    refused(
        rk.RatekitTypeError,
        lambda: model([rk.Tier(None, 1)], flat_at_zero="no"),
        f"{model.__name__} flat_at_zero must be True or False, not str: 'no'.",
    )


def test_odd_values_end_in_ratekit_errors() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [ENTRY])
    refused(
        rk.BadQuantityError,
        lambda: plan.round(Decimal("1E+999999")),
        "plan 'p' cannot round 1E+999999 to its quantum 0.01: the result would have more "
        "than 60 digits.",
    )
    refused(
        rk.RatekitTypeError,
        lambda: rk.PriceEntry("e", "m", rk.PerUnit(1), where=("a",)),  # type: ignore[arg-type]
        "a selector must be a mapping of attribute to value such as {'flavor': 'm1.large'}, "
        "not tuple: ('a',).",
    )
    refused(
        rk.RatekitTypeError,
        lambda: rk.Assignment(123, plan),  # type: ignore[arg-type]
        "an assignment's account must be an account name (a non-empty string), not int: 123.",
    )
    blocks = rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "2", block=50)])
    with pytest.raises(rk.BadQuantityError) as error:
        blocks.amount(Decimal("1E+100"))
    # The one door for numbers refuses a quantity beyond 1E+30 before any block is counted.
    assert str(error.value) == (
        "Graduated quantity Decimal('1E+100') lies outside the numbers ratekit represents "
        "exactly: give at most 60 significant digits and, unless zero, a magnitude from 1E-30 "
        "up to but excluding 1E+30."
    )
