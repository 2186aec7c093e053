"""A refusal names a huge value by its start: its message stays short.

A feed may hand ratekit a megabyte of text where a name goes (a corrupt column, a
payload in the wrong field). The refusal must still name the field and what is
accepted, in a message a log line can hold: the value is shown cut (``show``), never
whole, whatever door refuses it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import ratekit as rk

HUGE = "m" * 1_000_000
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
AT = "2026-03-02T00:00:00Z"
ONLY_X = [rk.Meter("x", "B", rk.Discrete())]


def _meter(records: list[rk.Sample]) -> object:
    return rk.meter(records, ONLY_X, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)


def _feed(records: list[rk.Sample]) -> object:
    return rk.Rater(rk.Plan("p", "EUR", MONTHLY, []), ONLY_X, start=MARCH.start).feed(records)


CASES: dict[str, tuple[Callable[[], object], type[rk.RatekitError], str]] = {
    "a sample's unknown meter (meter)": (
        lambda: _meter([rk.Sample("a", "r", HUGE, AT, 1)]),
        rk.UnknownMeterError,
        "is not one of the meters given: 'x'",
    ),
    "a sample's unknown meter (an id-less label)": (
        lambda: _meter([rk.Sample("a", HUGE, "y", AT, 1)]),
        rk.UnknownMeterError,
        "is not one of the meters given: 'x'",
    ),
    "a sample's unknown meter (Rater.feed)": (
        lambda: _feed([rk.Sample("a", "r", HUGE, AT, 1, id=HUGE)]),
        rk.UnknownMeterError,
        "declare a Meter with that name",
    ),
    "a unit convert() cannot read": (
        lambda: rk.convert(1, HUGE, "B"),
        rk.UnitError,
        "is not a unit ratekit knows",
    ),
    "an attribute's name, its value refused": (
        lambda: rk.Event("a", "r", AT, {HUGE: float("nan")}),
        rk.BadQuantityError,
        "not a finite number",
    ),
    "a nested attribute's name, its value refused": (
        lambda: rk.Event("a", "r", AT, {"p": {HUGE: float("inf")}}),
        rk.BadQuantityError,
        "attribute 'p.mmm",
    ),
    "an inventory's close": (
        lambda: rk.Inventory(AT, [], close=HUGE),  # type: ignore[arg-type]
        rk.BadRecordError,
        "is not one of 'snapshot', 'last_seen'",
    ),
    "a comparison's candidate": (
        lambda: rk.compare_plans(
            [], {"now": [rk.Assignment("a", rk.Plan("p", "EUR", MONTHLY, []))]}, span=MARCH
        ).accounts(HUGE, "same"),
        rk.UnknownCandidateError,
        "is not one of this comparison's: 'now'",
    ),
    "two price entries of one id": (
        lambda: rk.Plan(
            "p",
            "EUR",
            MONTHLY,
            [rk.PriceEntry(HUGE, "gb", rk.PerUnit(1)), rk.PriceEntry(HUGE, "gb", rk.PerUnit(2))],
        ),
        rk.BadPriceError,
        "entry ids name charges and must be unique",
    ),
    "two units of one meter": (
        lambda: rk.Plan(
            "p",
            "EUR",
            MONTHLY,
            [
                rk.PriceEntry("a", HUGE, rk.PerUnit(1), meter_unit="GB"),
                rk.PriceEntry("b", HUGE, rk.PerUnit(2), meter_unit="MB", priority=1),
            ],
        ),
        rk.UnitError,
        "a meter has one unit",
    ),
    "two plans of one account at once": (
        lambda: rk.rate(
            [],
            [
                rk.Assignment(HUGE, rk.Plan("p", "EUR", MONTHLY, [])),
                rk.Assignment(HUGE, rk.Plan("q", "EUR", MONTHLY, [])),
            ],
            span=MARCH,
        ),
        rk.BadPriceError,
        "is assigned plans 'p' and 'q' at once",
    ),
    "a plan's currency, under a huge plan id": (
        lambda: rk.Plan(HUGE, "eur", MONTHLY, []),
        rk.BadPriceError,
        "is not a currency code",
    ),
    "a share's resource": (
        lambda: rk.Share("a", HUGE, {"x": 1}, start=AT, end=AT),
        rk.BadTimeError,
        "not after its",
    ),
    "a stored row's nested attribute, its key refused": (
        lambda: rk.from_row(
            rk.UsageRow,
            {
                **rk.to_row(rk.UsageRow("a", "m", "r", MARCH, MARCH, 1, "GB", {}, ())),
                "description": {HUGE: {1: "x"}},
            },
        ),
        rk.BadDataError,
        "keys are attribute names (strings)",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_a_megabyte_value_is_named_in_a_short_message(case: str) -> None:
    call, error, names = CASES[case]
    with pytest.raises(error) as refused:
        call()
    message = str(refused.value)
    assert names in message
    assert "mmmmmmmmmm" in message  # the value is named, by its start
    assert len(message) < 1_000, f"{case}: {len(message):,} characters"
