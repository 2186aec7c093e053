"""A plan's parts that would be silently added are refused; those that stack are kept."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import plandata

MONTHS = rk.cycles.monthly(tz="UTC")
DAYS = rk.cycles.daily(tz="UTC")
WEEKS = rk.cycles.weekly(tz="UTC")
ENTRY = rk.PriceEntry("e", "m", rk.PerUnit(1))
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def refused(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(rk.BadPriceError) as raised:
        call()
    assert str(raised.value) == message


def test_two_fees_with_one_id_are_refused() -> None:
    refused(
        lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], fees=[rk.Fee("f", 1), rk.Fee("f", 2)]),
        "plan 'p' has two fees with id 'f'; fee ids name charges and must be unique "
        "(give one Fee with the amount you mean).",
    )
    # Fees of distinct ids each make their own line: 1 + 2 = 3.
    plan = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("f", 1), rk.Fee("g", 2)])
    rating = rk.rate([], plan, span=MARCH, accounts=["a"])
    assert [(c.entry, c.amount) for c in rating.charges] == [
        ("f", Decimal(1)),
        ("g", Decimal(2)),
    ]


def test_two_minimums_of_one_scope_are_refused() -> None:
    refused(
        lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], minimums=[rk.Minimum(500), rk.Minimum(300)]),
        "plan 'p' has two plan-wide minimums, 500 and 300; a plan takes one minimum for the "
        "whole plan and one per meter (give one Minimum with the commitment you mean).",
    )
    refused(
        lambda: rk.Plan(
            "p",
            "EUR",
            MONTHS,
            [ENTRY],
            minimums=[rk.Minimum(5, meter="m"), rk.Minimum(100), rk.Minimum("7.5", meter="m")],
        ),
        "plan 'p' has two minimums of meter 'm', 5 and 7.5; a plan takes one minimum for the "
        "whole plan and one per meter (give one Minimum with the commitment you mean).",
    )


def test_one_minimum_per_scope_is_kept() -> None:
    # 100 hours at 1 = 100 on meter m; its minimum 150 tops up 50, the plan's 200 then
    # sees 100 + 50 = 150 spent and tops up 50 more.
    plan = rk.Plan(
        "p", "EUR", MONTHS, [ENTRY], minimums=[rk.Minimum(200), rk.Minimum(150, meter="m")]
    )
    row = rk.UsageRow("a", "m", "r", MARCH, MARCH, 100, "hour", {}, ())
    rating = rk.rate([row], plan, span=MARCH)
    assert sorted(c.amount for c in rating.charges) == [Decimal(50), Decimal(50), Decimal(100)]
    assert rating.total() == Decimal(200)


def test_two_allowances_of_one_meter_and_period_are_refused() -> None:
    refused(
        lambda: rk.Plan(
            "p", "EUR", MONTHS, [ENTRY], allowances=[rk.Allowance("m", 10), rk.Allowance("m", 20)]
        ),
        "plan 'p' has two allowances of meter 'm' per billing cycle, 10 and 20; a plan takes "
        "one allowance per meter and period (give one Allowance with the quantity you mean; "
        "allowances of different periods, a day's and a week's, stack).",
    )
    # The plan's own cycle named explicitly is the same period as None.
    refused(
        lambda: rk.Plan(
            "p",
            "EUR",
            MONTHS,
            [ENTRY],
            allowances=[rk.Allowance("m", 10), rk.Allowance("m", 20, cycle=MONTHS)],
        ),
        "plan 'p' has two allowances of meter 'm' per billing cycle, 10 and 20; a plan takes "
        "one allowance per meter and period (give one Allowance with the quantity you mean; "
        "allowances of different periods, a day's and a week's, stack).",
    )
    refused(
        lambda: rk.Plan(
            "p",
            "EUR",
            MONTHS,
            [ENTRY],
            allowances=[rk.Allowance("m", 1, cycle=DAYS), rk.Allowance("m", 2, cycle=DAYS)],
        ),
        "plan 'p' has two allowances of meter 'm' per cycles.daily(tz='UTC'), 1 and 2; a plan "
        "takes one allowance per meter and period (give one Allowance with the quantity you "
        "mean; allowances of different periods, a day's and a week's, stack).",
    )


def test_allowances_of_different_periods_or_meters_stack() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [ENTRY, rk.PriceEntry("n", "n", rk.PerUnit(1))],
        allowances=[
            rk.Allowance("m", 10, cycle=DAYS),
            rk.Allowance("m", 30, cycle=WEEKS),
            rk.Allowance("m", 5),
            rk.Allowance("n", 5),
        ],
    )
    assert len(plan.allowances) == 4
    # One day's use of 50 hours on Monday 2 March: the day's 10, the week's 30 and the
    # month's 5 are all free; 50 - (10 + 30 + 5) = 5 hours at 1 are charged.
    day = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    row = rk.UsageRow("a", "m", "r", day, MARCH, 50, "hour", {}, ())
    (charge,) = rk.rate([row], plan, span=MARCH).charges
    assert (charge.free, charge.amount) == (Decimal(45), Decimal(5))


def test_plan_data_gives_the_same_refusals() -> None:
    cycle = {"type": "cycles.Monthly", "tz": "UTC"}
    base = {"type": "Plan", "id": "p", "currency": "EUR", "cycle": cycle, "entries": []}
    cases = [
        (
            {"fees": [{"type": "Fee", "id": "f", "amount": "1"}] * 2},
            (
                "plan 'p' has two fees with id 'f'; fee ids name charges and must be unique "
                "(give one Fee with the amount you mean)."
            ),
        ),
        (
            {
                "minimums": [
                    {"type": "Minimum", "amount": "500"},
                    {"type": "Minimum", "amount": "300"},
                ]
            },
            (
                "plan 'p' has two plan-wide minimums, 500 and 300; a plan takes one minimum for "
                "the whole plan and one per meter (give one Minimum with the commitment you mean)."
            ),
        ),
        (
            {
                "allowances": [
                    {"type": "Allowance", "meter": "m", "quantity": "10"},
                    {"type": "Allowance", "meter": "m", "quantity": "20"},
                ]
            },
            (
                "plan 'p' has two allowances of meter 'm' per billing cycle, 10 and 20; a plan "
                "takes one allowance per meter and period (give one Allowance with the quantity "
                "you mean; allowances of different periods, a day's and a week's, stack)."
            ),
        ),
    ]
    for extra, message in cases:
        with pytest.raises(rk.BadDataError) as raised:
            plandata.load({**base, **extra}, path="plans[0]")
        assert str(raised.value) == f"plans[0]: {message}"


def test_a_minimum_of_a_meter_the_plan_does_not_price_is_refused() -> None:
    # A minimum of 'vm.hour' on a plan pricing 'vm.hours' can never be reached: no line
    # of that meter exists. Taken, it billed the whole commitment on top of the usage:
    # 100 hours at 1 (100.00) and a commitment of 150 meant for them made 100.00 + 150.00
    # = 250.00, where the commitment the plan means bills 100.00 + (150 - 100) = 150.00.
    vm = rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))
    refused(
        lambda: rk.Plan("p", "EUR", MONTHS, [vm], minimums=[rk.Minimum(150, meter="vm.hour")]),
        "plan 'p' has a minimum of meter 'vm.hour', which none of its price entries prices "
        "(they price 'vm.hours'); no usage could ever count towards it, so it would bill "
        "its whole commitment every cycle: name a meter the plan prices, or give a Fee.",
    )
    refused(
        lambda: rk.Plan("p", "EUR", MONTHS, [], minimums=[rk.Minimum(5, meter="m")]),
        "plan 'p' has a minimum of meter 'm', which none of its price entries prices "
        "(they price no meter); no usage could ever count towards it, so it would bill "
        "its whole commitment every cycle: name a meter the plan prices, or give a Fee.",
    )
    plan = rk.Plan("p", "EUR", MONTHS, [vm], minimums=[rk.Minimum(150, meter="vm.hours")])
    row = rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 100, "hour", {}, ())
    assert rk.bill(rk.rate([row], plan, span=MARCH))[0].total == Decimal("150.00")


def test_an_allowance_of_a_meter_the_plan_does_not_price_is_refused() -> None:
    # An allowance of 'vm.hour' on a plan pricing 'vm.hours' frees nothing: no usage of
    # that meter is ever priced. Taken, it billed the hours it was meant to free:
    # 100 hours at 1 with 40 meant free billed 100 x 1 = 100.00, where the allowance the
    # plan means bills (100 - 40) x 1 = 60.00.
    vm = rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))
    refused(
        lambda: rk.Plan("p", "EUR", MONTHS, [vm], allowances=[rk.Allowance("vm.hour", 40)]),
        "plan 'p' has an allowance of meter 'vm.hour', which none of its price entries "
        "prices (they price 'vm.hours'); no usage could ever take from it, so it would "
        "free nothing: name a meter the plan prices.",
    )
    refused(
        lambda: rk.Plan("p", "EUR", MONTHS, [], allowances=[rk.Allowance("m", 5, cycle=WEEKS)]),
        "plan 'p' has an allowance of meter 'm', which none of its price entries prices "
        "(they price no meter); no usage could ever take from it, so it would free "
        "nothing: name a meter the plan prices.",
    )
    plan = rk.Plan("p", "EUR", MONTHS, [vm], allowances=[rk.Allowance("vm.hours", 40)])
    row = rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 100, "hour", {}, ())
    assert rk.bill(rk.rate([row], plan, span=MARCH))[0].total == Decimal("60.00")


def test_two_entries_of_one_meter_must_agree_on_its_unit() -> None:
    # 'x' says the meter is in GB and 'y' in MB: every rating would refuse one of them
    # (rate() checks each entry against the Meter); the plan says so when it is built.
    months = rk.cycles.monthly(tz="UTC")
    before = rk.PriceEntry("x", "gb", rk.PerUnit(1), meter_unit="GB", end="2026-03-10T00:00:00Z")
    after = rk.PriceEntry("y", "gb", rk.PerUnit(1), meter_unit="MB", start="2026-03-10T00:00:00Z")
    with pytest.raises(rk.UnitError) as caught:
        rk.Plan("p", "EUR", months, [before, after])
    assert str(caught.value) == (
        "plan 'p' has price entries 'x' and 'y' of meter 'gb' that say its unit is 'GB' and "
        "'MB'; a meter has one unit: give both entries the meter's unit as meter_unit (or "
        "leave it out)."
    )
    # One unit in two spellings, or one entry without meter_unit, is one unit.
    kilo = rk.PriceEntry("x", "kb", rk.PerUnit(1), meter_unit="kB", end="2026-03-10T00:00:00Z")
    same = rk.PriceEntry("y", "kb", rk.PerUnit(1), meter_unit="KB", start="2026-03-10T00:00:00Z")
    assert len(rk.Plan("p", "EUR", months, [kilo, same]).entries) == 2
    bare = rk.PriceEntry("y", "gb", rk.PerUnit(1), start="2026-03-10T00:00:00Z")
    assert len(rk.Plan("p", "EUR", months, [before, bare]).entries) == 2
