"""A price entry of a meter no meter given measures, while a meter given has no entry.

The likely cause is a misspelt meter (``PriceEntry("p", "parkin", ...)`` for
``Meter("parking", ...)``): refused where the meters meet the plans, in batch
``rate(..., meters=...)`` and in ``Rater(...)``, ``Rater.restore()`` and ``assign()``,
naming the entry, its meter and the meters given, not at the first usage as the usage of
a meter no entry prices. A plan may still price meters a call does not measure (one plan
for every service, rated one meter at a time) when every meter given has an entry.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

DAYS = rk.cycles.daily(tz="UTC")
DAY = rk.Span("2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z")
START = "2026-03-10T00:00:00Z"
PARKING = rk.Meter("parking", "hour", rk.OnOff())
CHARGING = rk.Meter("charging", "kWh", rk.Discrete())
TYPO = rk.Plan("p", "EUR", DAYS, [rk.PriceEntry("p", "parkin", rk.PerUnit(1))])
# A plan for every service: parking by the hour, charging by the kWh.
EVERY = rk.Plan(
    "every",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("p", "parking", rk.PerUnit(2)),
        rk.PriceEntry("c", "charging", rk.PerUnit("0.3")),
    ],
)
STAY = [
    rk.Event("acme", "bay-1", "2026-03-10T10:00:00Z", kind="start", id="s"),
    rk.Event("acme", "bay-1", "2026-03-10T13:00:00Z", kind="stop", id="e"),
]
REFUSED = (
    "price entry 'p' of plan 'p' prices meter 'parkin', which no meter given measures "
    "(meters: 'parking'), while no price entry prices 'parking': name in the entry the "
    "meter you mean, or give a Meter named 'parkin'."
)


def test_batch_rate_names_the_entry_and_its_meter() -> None:
    with pytest.raises(rk.UnknownMeterError) as refused:
        rk.rate(STAY, TYPO, span=DAY, meters=[PARKING])
    assert str(refused.value) == f"rate: {REFUSED}"


def test_batch_rate_refuses_it_without_usage_too() -> None:
    """Refused where the meters meet the plan: no usage is needed to see it."""
    with pytest.raises(rk.UnknownMeterError, match="'parkin'"):
        rk.rate([], TYPO, span=DAY, meters=[PARKING])


def test_the_rater_refuses_it_when_built_not_at_the_feed() -> None:
    with pytest.raises(rk.UnknownMeterError) as refused:
        rk.Rater(TYPO, [PARKING], start=START)
    assert str(refused.value) == f"Rater: {REFUSED}"


def test_a_restore_refuses_it() -> None:
    rater = rk.Rater(EVERY, [PARKING], start=START)
    rater.feed(STAY)
    with pytest.raises(
        rk.UnknownMeterError, match="price entry 'p' of plan 'p' prices meter 'parkin'"
    ):
        rk.Rater.restore(rater.snapshot(), TYPO, [PARKING])


def test_an_assignment_refuses_it() -> None:
    """A rater of chargers (parking measured, priced by none) given a plan with the typo."""
    chargers = rk.Plan("c", "EUR", DAYS, [rk.PriceEntry("c", "charging", rk.PerUnit(1))])
    rater = rk.Rater([rk.Assignment("acme", chargers)], [PARKING, CHARGING], start=START)
    with pytest.raises(rk.UnknownMeterError, match="prices meter 'parkin'"):
        rater.assign(rk.Assignment("zeta", TYPO, start="2026-03-11T00:00:00Z"))


def test_a_plan_may_price_meters_a_call_does_not_measure() -> None:
    """Charging is priced but not measured here: parking alone, 3 h x 2 = 6."""
    rating = rk.rate(STAY, EVERY, span=DAY, meters=[PARKING])
    assert rating.total() == Decimal(6)
    rater = rk.Rater(EVERY, [PARKING], start=START)
    rater.feed(STAY)
    assert rater.statement("2026-03-11T00:00:00Z").total() == Decimal(6)


def test_every_meter_given_priced_by_some_plan_is_accepted() -> None:
    """Among assignments, a plan may price only meters this call does not measure."""
    charging_only = rk.Plan("c", "EUR", DAYS, [rk.PriceEntry("c", "charging", rk.PerUnit(1))])
    rater = rk.Rater(
        [rk.Assignment("acme", EVERY), rk.Assignment("zeta", charging_only)],
        [PARKING],
        start=START,
    )
    rater.feed(STAY)
    assert rater.statement("2026-03-11T00:00:00Z").total() == Decimal(6)  # 3 h x 2


def test_a_meter_given_and_priced_nowhere_without_such_an_entry_is_refused_at_its_usage() -> None:
    """No entry names a meter none measures: nothing to point at, the usage is refused."""
    parking_only = rk.Plan("p", "EUR", DAYS, [rk.PriceEntry("p", "parking", rk.PerUnit(2))])
    charged = [rk.Sample("acme", "ev-1", "charging", "2026-03-10T12:00:00Z", 10, id="k")]
    with pytest.raises(rk.UnpricedUsageError, match="meter 'charging'"):
        rk.rate(charged, parking_only, span=DAY, meters=[PARKING, CHARGING])


def test_a_plan_that_reports_unpriced_usage_keeps_an_entry_of_a_meter_not_given() -> None:
    """Under ``unpriced="anomaly"`` a meter given without an entry is meant to be reported.

    The plan prices charging (not given) and reports parking (given, no entry) as an
    anomaly: rated as before, nothing refused where the meters meet the plan.
    """
    reporting = rk.Plan(
        "r", "EUR", DAYS, [rk.PriceEntry("c", "charging", rk.PerUnit("0.3"))], unpriced="anomaly"
    )
    rating = rk.rate(STAY, reporting, span=DAY, meters=[PARKING])
    # 3 hours of parking, priced by no entry: nothing billed, one "unpriced" anomaly.
    assert rating.total() == Decimal(0)
    assert [a.kind for a in rating.anomalies] == ["unpriced"]
    rater = rk.Rater(reporting, [PARKING], start=START)
    rater.feed(STAY)
    assert [a.kind for a in rater.statement("2026-03-11T00:00:00Z").anomalies] == ["unpriced"]
