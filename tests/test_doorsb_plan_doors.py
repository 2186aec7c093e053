"""The public methods of plans, price entries and shares check their arguments."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit._instants import MAX_US

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
ENTRY = rk.PriceEntry("small", "vm.hours", rk.PerUnit("0.5"), where={"a": 1})
PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [ENTRY])
SHARE = rk.Share("o", "r", {"a": 1})


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal(1), 1.0, True, "1", None])
def test_cuts_us_refuses_a_non_int_instant(bad: object) -> None:
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"plan 'p' cuts_us start_us must be an int of microseconds since the epoch, "
        rf"not {type(bad).__name__}",
    ):
        PLAN.cuts_us("vm.hours", bad, 1)  # type: ignore[arg-type]


def test_cuts_us_refuses_an_out_of_range_instant_and_a_non_str_meter() -> None:
    with pytest.raises(rk.BadTimeError, match=r"plan 'p' cuts_us end_us .* lies outside"):
        PLAN.cuts_us("vm.hours", 0, MAX_US + 1)
    with pytest.raises(
        rk.RatekitTypeError, match=r"plan 'p' cuts_us meter must be a str \(a name\), not list"
    ):
        PLAN.cuts_us([], 0, 1)  # type: ignore[arg-type]
    assert PLAN.cuts_us("vm.hours", 0, 1) == []


@pytest.mark.parametrize("bad", [None, "2026-03", (0, 1)])
def test_cuts_and_in_effect_refuse_a_non_span(bad: object) -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"plan 'p' cuts takes a Span, such as"):
        PLAN.cuts(bad)  # type: ignore[arg-type]
    with pytest.raises(
        rk.RatekitTypeError,
        match=rf"price entry 'small' in_effect takes a Span, .*not {type(bad).__name__}",
    ):
        ENTRY.in_effect(bad)  # type: ignore[arg-type]


def test_active_us_refuses_a_non_int_instant() -> None:
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"price entry 'small' active_us start_us must be an int of microseconds "
        r"since the epoch, not str: 'x'\.",
    ):
        ENTRY.active_us("x", 1)  # type: ignore[arg-type]
    with pytest.raises(rk.BadTimeError, match=r"active_us end_us .* lies outside"):
        ENTRY.active_us(0, 2**70)
    assert ENTRY.active_us(0, 10) == [(0, 10)]


@pytest.mark.parametrize("bad", [None, [], "a=1", 1])
def test_matches_and_resolve_refuse_a_non_mapping_description(bad: object) -> None:
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"price entry 'small' matches description must be a mapping of names to values "
        rf"\(a resource's description\), not {type(bad).__name__}",
    ):
        ENTRY.matches(bad)  # type: ignore[arg-type]
    with pytest.raises(
        rk.RatekitTypeError, match=r"plan 'p' resolve description must be a mapping"
    ):
        PLAN.resolve("vm.hours", bad, MARCH.start)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [[], None, 1, ("vm.hours",)])
def test_entries_of_and_resolve_refuse_a_non_str_meter(bad: object) -> None:
    with pytest.raises(
        rk.RatekitTypeError,
        match=rf"plan 'p' entries_of meter must be a str \(a name\), not {type(bad).__name__}",
    ):
        PLAN.entries_of(bad)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"plan 'p' resolve meter must be a str"):
        PLAN.resolve(bad, {}, MARCH.start)  # type: ignore[arg-type]


def test_the_checked_methods_still_answer() -> None:
    assert PLAN.entries_of("vm.hours") == (ENTRY,)
    assert PLAN.entries_of("other") == ()
    assert PLAN.resolve("vm.hours", {"a": 1}, MARCH.start) is ENTRY
    assert ENTRY.matches({"a": 1})
    assert PLAN.cuts(MARCH) == {"vm.hours": []}


@pytest.mark.parametrize("bad", [[], None, 1])
def test_share_part_refuses_a_non_str_account(bad: object) -> None:
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"Share.part account \(share of resource 'r', owner 'o'\) must be a str "
        r"\(an account name\), "
        rf"not {type(bad).__name__}",
    ):
        SHARE.part(bad)  # type: ignore[arg-type]
    # 1 of a total of 1: a's part is 1; an account without a share pays 0.
    assert SHARE.part("a") == 1
    assert SHARE.part("b") == 0
