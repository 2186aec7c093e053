"""Totals never add two currencies (Rating, Statement) or two units (Usage).

An invoice refuses charges of two currencies, and so does every total: a sum of 5 EUR and
700 JPY is no amount. The sums per currency are in ``totals_by_currency()``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import ratekit as rk

UTC = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
EUR = rk.Plan("eur", "EUR", UTC, [rk.PriceEntry("m", "vm.hours", rk.PerUnit("0.05"))])
JPY = rk.Plan("jpy", "JPY", UTC, [rk.PriceEntry("m", "vm.hours", rk.PerUnit("7"))])
USD = rk.Plan("usd", "USD", UTC, [rk.PriceEntry("m", "vm.hours", rk.PerUnit("0.06"))])
ROWS = [
    rk.UsageRow("eu", "vm.hours", "vm-1", MARCH, MARCH, 100, "hour", {}, ()),
    rk.UsageRow("jp", "vm.hours", "vm-2", MARCH, MARCH, 100, "hour", {}, ()),
]
PLANS = [rk.Assignment("eu", EUR), rk.Assignment("jp", JPY)]


def test_a_rating_over_two_currencies_has_no_total_but_totals_per_currency() -> None:
    # By hand: eu 100 h x 0.05 = 5.00 EUR; jp 100 h x 7 = 700 JPY. Their "sum" 705.00
    # is no amount: refused, naming both currencies and the per-currency way.
    rating = rk.rate(ROWS, PLANS, span=MARCH)
    with pytest.raises(rk.CurrencyMismatchError) as caught:
        rating.total()
    assert str(caught.value) == (
        "Rating.total() would add amounts in 2 currencies, EUR and JPY; its exact totals "
        "per currency are in Rating.totals_by_currency()."
    )
    assert rating.totals_by_currency() == {"EUR": Decimal("5.00"), "JPY": Decimal(700)}
    # One account's charges are in one currency: its total stands.
    assert rating.total("eu") == Decimal("5.00")
    assert rating.total("jp", MARCH) == Decimal(700)
    assert rating.totals_by_currency("jp") == {"JPY": Decimal(700)}
    assert rating.totals_by_currency("nobody") == {}
    assert rating.total("nobody") == Decimal(0)


def test_a_plan_changing_currency_mid_cycle_has_no_total_of_that_cycle() -> None:
    # By hand: 744 h in March, EUR from 1 to 15 March (15 days = 360 h x 0.05 = 18.00
    # EUR), USD from 16 March (16 days = 384 h x 0.06 = 23.04 USD). bill() refuses the
    # invoice; total("o", march) is refused too (it was 41.04, in no currency).
    rows = [rk.UsageRow("o", "vm.hours", "vm", MARCH, MARCH, 744, "hour", {}, ())]
    change = "2026-03-16T00:00:00Z"
    plans = [rk.Assignment("o", EUR, end=change), rk.Assignment("o", USD, start=change)]
    rating = rk.rate(rows, plans, span=MARCH)
    with pytest.raises(rk.CurrencyMismatchError):
        rk.bill(rating)
    with pytest.raises(rk.CurrencyMismatchError) as caught:
        rating.total("o", MARCH)
    assert str(caught.value).startswith(
        "Rating.total('o', Span('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')) would add "
        "amounts in 2 currencies, EUR and USD; "
    )
    with pytest.raises(rk.CurrencyMismatchError, match=r"^Rating\.total\('o', '2026-03-20"):
        rating.total("o", "2026-03-20T00:00:00Z")
    assert rating.totals_by_currency("o", MARCH) == {
        "EUR": Decimal("18.00"),
        "USD": Decimal("23.04"),
    }


def test_a_statement_over_two_currencies_has_no_total() -> None:
    # The streaming rater over the same two accounts, 100 h each by 5 March 04:00:
    # 100 x 0.05 = 5.00 EUR and 100 x 7 = 700 JPY.
    meters = [rk.Meter("vm.hours", "hour", rk.OnOff())]
    rater = rk.Rater(PLANS, meters, start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed(
        [
            rk.Event("eu", "vm-1", "2026-03-01T00:00:00Z", {}, kind="start", id="a"),
            rk.Event("jp", "vm-2", "2026-03-01T00:00:00Z", {}, kind="start", id="b"),
        ]
    )
    statement = rater.statement("2026-03-05T04:00:00Z")
    with pytest.raises(rk.CurrencyMismatchError) as caught:
        statement.total()
    assert str(caught.value) == (
        "Statement.total() would add amounts in 2 currencies, EUR and JPY; its exact totals "
        "per currency are in Statement.totals_by_currency()."
    )
    assert statement.totals_by_currency() == {"EUR": Decimal("5.00"), "JPY": Decimal(700)}
    assert statement.total("eu") == Decimal("5.00")
    assert statement.totals_by_currency("jp") == {"JPY": Decimal(700)}


def test_a_statement_total_refuses_an_account_of_another_type() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"Statement\.total account must be an account"):
        rk.Statement(MARCH.end).total(3)  # type: ignore[arg-type]


def test_usage_over_two_units_has_no_total_but_one_per_meter() -> None:
    # By hand: vm 10:00..20:00 = 10 hour; egress 7 GB. 10 + 7 = 17 is no quantity.
    records = [
        rk.Event("a", "vm", "2026-03-02T00:00:00Z", {}, kind="start", id="1"),
        rk.Event("a", "vm", "2026-03-02T10:00:00Z", kind="stop", id="2"),
        rk.Sample("a", "ip", "egress", "2026-03-02T05:00:00Z", 7, kind="delta", id="3"),
    ]
    meters = [rk.Meter("vm.hours", "hour", rk.OnOff()), rk.Meter("egress", "GB", rk.Discrete())]
    usage = rk.meter(records, meters, span=MARCH, cycle=UTC, as_of=MARCH.end)
    with pytest.raises(rk.UnitError) as caught:
        usage.total()
    assert str(caught.value) == (
        "Usage.total() would add quantities in 2 units, GB and hour (meters 'egress', "
        "'vm.hours'); give one meter, total(meter), for that meter's total."
    )
    with pytest.raises(rk.UnitError, match="2 units, GB and hour"):
        usage.total(account="a")
    assert usage.total("vm.hours") == Decimal(10)
    assert usage.total("egress") == Decimal(7)
    assert usage.total(resource="vm") == Decimal(10)


def test_usage_of_two_meters_in_one_unit_still_adds_up() -> None:
    # By hand: 3 hour + 4 hour = 7 hour, two meters of one unit.
    rows = [
        rk.UsageRow("a", "vm.hours", "vm-1", MARCH, MARCH, 3, "hour", {}, ()),
        rk.UsageRow("a", "gpu.hours", "gpu-1", MARCH, MARCH, 4, "hour", {}, ()),
    ]
    assert rk.Usage(rows, (), ()).total() == Decimal(7)


def test_one_unit_spelled_two_ways_still_adds_up() -> None:
    # "h" and "hour" are one unit (Unit("h") == Unit("hour")): 3 h + 4 hour = 7.
    rows = [
        rk.UsageRow("a", "vm.hours", "vm-1", MARCH, MARCH, 3, "h", {}, ()),
        rk.UsageRow("a", "gpu.hours", "gpu-1", MARCH, MARCH, 4, "hour", {}, ()),
    ]
    assert rk.Usage(rows, (), ()).total() == Decimal(7)
    # A unit ratekit cannot read is only equal to itself.
    rows.append(rk.UsageRow("a", "odd", "r-1", MARCH, MARCH, 1, "furlongs^^", {}, ()))
    with pytest.raises(rk.UnitError, match=r"in 3 units, furlongs\^\^, h and hour \(meters"):
        rk.Usage(rows, (), ()).total()
