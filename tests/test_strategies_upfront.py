"""Arguments of plans(), records() and tiers() are refused when the strategy is built.

Before, some were taken as they were and failed only when hypothesis drew from the
strategy: a price model given as ``prices`` escaped as ``AttributeError: 'PerUnit' object
has no attribute 'validate'``, ``records(accounts=[])`` and ``records(max_size=-1)`` as
hypothesis' ``InvalidArgument``, and a bad currency, timezone or plan id of ``plans()``
failed inside the user's test, reported as a falsifying example of it.
``records(accounts="acme")`` drew accounts 'a', 'c', 'm', 'e', and ``tiers(blocks="no")``
drew blocks.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings

import ratekit as rk
from ratekit import strategies as rks


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (
            lambda: rks.plans(prices=rk.PerUnit(1)),
            rk.RatekitTypeError,
            (
                "plans prices must be a hypothesis strategy of price models, such as "
                "rks.price_models(kinds=['Graduated']), not PerUnit: PerUnit('1')."
            ),
        ),
        (
            lambda: rks.plans(currency="eur"),
            rk.BadPriceError,
            (
                "plan 'basic' currency 'eur' is not a currency code; write it as three capital "
                "letters, such as 'EUR'."
            ),
        ),
        (lambda: rks.plans(tz="Mars/Base"), rk.BadCalendarError, "monthly tz 'Mars/Base' is"),
        (
            lambda: rks.plans(plan_id=""),
            rk.BadPriceError,
            "a plan id must be a non-empty string, not ''.",
        ),
        (
            lambda: rks.plans(meters={"": "hour"}),
            rk.BadPriceError,
            "a price entry id must be a non-empty string, not ''.",
        ),
        (
            lambda: rks.records(accounts=[]),
            rk.RatekitTypeError,
            "records accounts must name at least one, e.g. ('acme',), not [].",
        ),
        (
            lambda: rks.records(accounts="acme"),
            rk.RatekitTypeError,
            "records accounts must name at least one, e.g. ('acme',), not 'acme'.",
        ),
        (
            lambda: rks.records(accounts=["acme", ""]),
            rk.RatekitTypeError,
            "records accounts must be non-empty strings (account names), not ''.",
        ),
        (
            lambda: rks.usage_rows(accounts=[3]),
            rk.RatekitTypeError,
            "usage_rows accounts must be non-empty strings (account names), not 3.",
        ),
        (
            lambda: rks.records(max_size=-1),
            rk.RatekitTypeError,
            "records max_size must be an int of 0 or more, not -1.",
        ),
        (
            lambda: rks.tiers(blocks="no"),
            rk.RatekitTypeError,
            "tiers blocks must be True or False, not 'no'.",
        ),
    ],
)
def test_refused_when_built_not_when_drawn(build: object, error: type, message: str) -> None:
    with pytest.raises(error) as caught:
        build()  # type: ignore[operator]  # building only: nothing is drawn
    assert str(caught.value).startswith(message)


def test_good_arguments_still_build() -> None:
    rks.plans(currency="JPY", tz="Europe/Zurich", plan_id="x")
    rks.records(accounts=["acme"], max_size=0)
    rks.tiers(blocks=False)


def test_plans_take_a_quantum_for_a_currency_without_minor_units() -> None:
    # XAU has no minor unit in ISO 4217: refused without a quantum, drawn with one.
    with pytest.raises(rk.BadPriceError, match="currency 'XAU' has no known quantum"):
        rks.plans(currency="XAU")
    drawn: list[rk.Plan] = []

    @settings(max_examples=5, database=None)
    @given(rks.plans(currency="XAU", quantum="0.001"))
    def draw(plan: rk.Plan) -> None:
        drawn.append(plan)

    draw()
    assert drawn
    assert {(plan.currency, plan.quantum) for plan in drawn} == {("XAU", Decimal("0.001"))}
    with pytest.raises(rk.BadPriceError, match="quantum must be positive"):
        rks.plans(quantum="-1")
