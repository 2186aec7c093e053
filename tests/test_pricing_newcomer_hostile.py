"""Hostile input to prices and plans: each refused with a RatekitError naming what is accepted.

Tiers out of order, overlapping windows, prices with 60 digits and more, zero-length cycles and
spans, a plan with no entries, selectors that match nothing, a currency mix; and the caller's
decimal context, which must never matter.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOUR = rk.Span("2026-03-02T00:00:00Z", "2026-03-02T01:00:00Z")


def _row(
    quantity: object = 1,
    account: str = "acme",
    description: dict[str, object] | None = None,
    span: rk.Span = HOUR,
) -> rk.UsageRow:
    return rk.UsageRow(
        account, "vm.hours", "vm-1", span, MARCH, quantity, "hour", description or {}, ("r",)
    )


def _plan(
    *entries: rk.PriceEntry, currency: str = "EUR", plan_id: str = "p", **kwargs: object
) -> rk.Plan:
    return rk.Plan(plan_id, currency, MONTHS, list(entries), **kwargs)  # type: ignore[arg-type]


PER_HOUR = rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))


# --- tier tables ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        (
            [rk.Tier(10, 1), rk.Tier(10, 2), rk.Tier(None, 1)],
            r"tiers\[1\] up_to '10' is not greater than tiers\[0\] up_to '10'",
        ),
        (
            [rk.Tier(10, 1), rk.Tier(5, 2), rk.Tier(None, 1)],
            r"tiers\[1\] up_to '5' is not greater than tiers\[0\] up_to '10'",
        ),
        (
            [rk.Tier(None, 1), rk.Tier(10, 2)],
            r"tiers\[0\] is open \(up_to=None\) but is not the last tier",
        ),
        ([], r"needs at least one tier"),
    ],
)
@pytest.mark.parametrize("model", [rk.Graduated, rk.Volume])
def test_tier_tables_out_of_order_are_refused_naming_the_tier(
    model: type[rk.Graduated] | type[rk.Volume], tiers: list[rk.Tier], message: str
) -> None:
    with pytest.raises(rk.BadPriceError, match=message):
        model(tiers)


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: rk.Tier(0, 1), rk.BadPriceError, r"up_to must be greater than 0, not '0'"),
        (lambda: rk.Tier(-1, 1), rk.BadPriceError, r"up_to must be greater than 0, not '-1'"),
        (
            lambda: rk.Tier(None, 1, block=0),
            rk.BadPriceError,
            r"block must be greater than 0, not '0'",
        ),
        (lambda: rk.Tier("abc", 1), rk.BadPriceError, r"up_to 'abc' is not a decimal number"),
        (
            lambda: rk.Tier(None, float("nan")),
            rk.BadPriceError,
            r"unit must be a finite number, not nan",
        ),
        (lambda: rk.Tier(True, 1), rk.RatekitTypeError, r"up_to must be a number .* not bool"),
        (lambda: rk.Tier("1E+30", 1), rk.BadPriceError, r"up_to '1E\+30' lies outside the numbers"),
        (
            lambda: rk.Graduated(rk.Tier(None, 1)),
            rk.BadPriceError,
            r"tiers must be a sequence of tiers",
        ),
        (
            lambda: rk.Graduated([{"upto": 10, "unit": 1}]),
            rk.BadPriceError,
            r"tiers\[0\] \{'upto': 10, 'unit': 1\} is not a tier",
        ),
        (
            lambda: rk.Graduated([rk.Tier(None, 1)], flat_at_zero=1),
            rk.RatekitTypeError,
            r"flat_at_zero must be True or False",
        ),
        (lambda: rk.Package(0, 1), rk.BadPriceError, r"Package size must be greater than 0"),
        (lambda: rk.Package(1, 1, free=-1), rk.BadPriceError, r"Package free must be 0 or more"),
        (
            lambda: rk.GraduatedPercentage([(10, "1"), (5, "1"), (None, 2)]),
            rk.BadPriceError,
            r"tiers\[1\] up_to '5' is not greater",
        ),
        (
            lambda: rk.GraduatedPercentage(["abc"]),
            rk.BadPriceError,
            r"tiers\[0\]: a GraduatedPercentage tier is",
        ),
        (
            lambda: rk.Graduated.from_ranges([("1-5", "1"), ("5-10", "2")]),
            rk.BadPriceError,
            r"ranges\[1\] '5-10' overlaps ranges\[0\] '1-5'",
        ),
        (
            lambda: rk.Graduated.from_ranges([("5-1", "1")]),
            rk.BadPriceError,
            r"ranges\[0\] '5-1' ends before it starts",
        ),
        (
            lambda: rk.Graduated.from_ranges([("1+", "1"), ("2+", "1")]),
            rk.BadPriceError,
            r"ranges\[0\] '1\+' is open but is not the last range",
        ),
        (
            lambda: rk.Graduated.from_ranges([("1-5.5", "1")]),
            rk.BadPriceError,
            r"range '1-5.5' is not an inclusive integer range",
        ),
    ],
)
def test_bad_tiers_and_models_are_refused_naming_the_field(
    build: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    "model",
    [
        rk.Graduated([rk.Tier(10, 1), rk.Tier(None, 2)]),
        rk.Volume([rk.Tier(10, 1), rk.Tier(None, 2)]),
        rk.Package(10, 1),
        rk.GraduatedPercentage([(None, "1")]),
        rk.Percentage("2", free_amount=10),
    ],
)
def test_a_negative_quantity_is_refused_by_every_price_by_total(model: rk.PriceModel) -> None:
    with pytest.raises(rk.BadQuantityError, match=r"cannot price the negative quantity '-1'"):
        model.amount(-1)


@pytest.mark.parametrize("quantity", [None, "abc", Decimal("NaN"), Decimal("sNaN"), float("inf")])
def test_a_quantity_that_is_no_number_is_refused(quantity: object) -> None:
    with pytest.raises(rk.RatekitError, match=r"Graduated quantity"):
        rk.Graduated([rk.Tier(None, 2)]).amount(quantity)  # type: ignore[arg-type]


# --- 60 digits ------------------------------------------------------------------------------


def test_a_price_of_60_digits_is_kept_and_one_of_61_refused() -> None:
    sixty = "1." + "1" * 59
    # 1.1...1 (60 digits) x 3 = 3.3...3 (60 digits): exact.
    assert rk.PerUnit(sixty).amount(3) == Decimal("3." + "3" * 59)
    with pytest.raises(
        rk.BadPriceError,
        match=r"PerUnit rate '1\.1{60}' lies outside the numbers ratekit represents",
    ):
        rk.PerUnit("1." + "1" * 60)
    for outside in ("1E+59", "1E-40"):
        with pytest.raises(rk.BadPriceError, match="give at most 60 significant digits"):
            rk.PerUnit(outside)


def test_tiers_of_60_digit_prices_round_once_at_the_60th_digit() -> None:
    bound, unit, above, flat = (
        "1." + "1" * 59,
        "0." + "3" * 59 + "7",
        "9." + "8" * 59,
        "1." + "2" * 59,
    )
    graduated = rk.Graduated([rk.Tier(bound, unit), rk.Tier(None, above, flat=flat)])
    for quantity in (Decimal("2.5"), Decimal("1234.567"), Decimal("1." + "1" * 58 + "2")):
        exact = Fraction(Decimal(bound)) * Fraction(Decimal(unit))
        exact += (Fraction(quantity) - Fraction(Decimal(bound))) * Fraction(
            Decimal(above)
        ) + Fraction(Decimal(flat))
        amount = graduated.amount(quantity)
        assert len(amount.as_tuple().digits) <= 60
        # within half a unit of the 60th significant digit of the exact amount
        assert abs(Fraction(amount) - exact) <= Fraction(1, 2) * Fraction(10) ** (
            amount.adjusted() - 59
        )
        # the lines add up to the amount at the 60th digit
        with decimal.localcontext(decimal.Context(prec=60)):
            assert sum(line.amount for line in graduated.explain(quantity)) == amount


def test_sixty_digit_quantities_in_a_group_price_the_exact_sum() -> None:
    # Nine rows of k x 1.3...3 (k = 1..9), each rounded to 60 digits: their exact sum S is
    # about 60 GB. (0, 10] at 1 then 0.5: 10 + (S - 10) / 2, rounded once at the 60th digit.
    third = Decimal("1." + "3" * 59)
    with decimal.localcontext(decimal.Context(prec=60)):
        quantities = [third * k for k in range(1, 10)]
    rows = [
        rk.UsageRow("acme", "eg", f"r{k}", HOUR, MARCH, q, "GB", {}, ())
        for k, q in enumerate(quantities)
    ]
    plan = _plan(rk.PriceEntry("eg", "eg", rk.Graduated([rk.Tier(10, 1), rk.Tier(None, "0.5")])))
    total = sum(Fraction(q) for q in quantities)
    expected = 10 + (total - 10) / 2
    got = rk.rate(rows, plan, span=MARCH).total()
    assert abs(Fraction(got) - expected) < Fraction(1, 10**57)


# --- cycles and spans of no length ----------------------------------------------------------


@pytest.mark.parametrize("period", [dt.timedelta(0), dt.timedelta(hours=-1)])
def test_a_cycle_of_no_length_is_refused(period: dt.timedelta) -> None:
    with pytest.raises(
        rk.BadCalendarError, match=r"must be a positive whole number of microseconds"
    ):
        rk.cycles.every(period, anchor="2026-01-01T00:00:00Z")


def test_a_cycle_of_a_microsecond_is_refused_before_it_hangs() -> None:
    tiny = rk.cycles.every(dt.timedelta(microseconds=1), anchor="2026-01-01T00:00:00Z")
    plan = rk.Plan("p", "EUR", tiny, [PER_HOUR])
    with pytest.raises(rk.BadSpanError, match=r"boundaries"):
        rk.rate([_row()], plan, span=MARCH)


def test_rating_an_empty_span_charges_nothing() -> None:
    empty = rk.Span("2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z")
    assert rk.rate([_row()], _plan(PER_HOUR), span=empty).charges == ()
    assert rk.compare_plans([_row()], {"a": _plan(PER_HOUR)}, span=empty).rows == ()


def test_an_entry_whose_span_is_empty_or_reversed_is_refused() -> None:
    for end in ("2026-03-10T00:00:00Z", "2026-03-01T00:00:00Z"):
        with pytest.raises(
            rk.BadPriceError, match=r"price entry 'a' ends at .* not after its start"
        ):
            rk.PriceEntry("a", "vm.hours", rk.PerUnit(1), start="2026-03-10T00:00:00Z", end=end)


# --- plans that price nothing ---------------------------------------------------------------


def test_a_plan_with_no_entries_refuses_usage_or_reports_it() -> None:
    with pytest.raises(
        rk.UnpricedUsageError,
        match=r"usage of meter 'vm.hours' by account 'acme' .* has no price in plan 'p'",
    ):
        rk.rate([_row()], _plan(), span=MARCH)
    rating = rk.rate([_row()], _plan(unpriced="anomaly"), span=MARCH)
    assert rating.charges == ()
    assert [a.kind for a in rating.anomalies] == ["unpriced"]
    # a plan of fees alone still bills its fee to a named account
    fees_only = _plan(fees=[rk.Fee("base", 5)])
    assert rk.rate([], fees_only, span=MARCH, accounts=["acme"]).total() == 5


def test_a_selector_that_matches_nothing_leaves_the_usage_unpriced() -> None:
    xl = rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1), where={"flavor": "xl"})
    with pytest.raises(rk.UnpricedUsageError, match=r"described by \{'flavor': 's'\}"):
        rk.rate([_row(description={"flavor": "s"})], _plan(xl), span=MARCH)
    never = rk.windows.cron("*/5 * * * *", "* * * * *", tz="UTC")
    closed = rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1), window=never)
    with pytest.raises(rk.UnpricedUsageError, match=r"no entry of that meter is in effect"):
        rk.rate([_row()], _plan(closed), span=MARCH)
    with pytest.raises(rk.BadPriceError, match=r"OneOf needs at least one value"):
        rk.OneOf([])
    with pytest.raises(rk.BadPriceError, match=r"Between\(128, 64\) is empty"):
        rk.Between(128, 64)


# --- overlapping windows and spans ----------------------------------------------------------


def test_overlapping_windows_of_one_priority_are_refused_naming_both() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    mornings = rk.windows.daily("05:00", "07:00", tz="UTC")
    days = rk.windows.daily("06:00", "22:00", tz="UTC")
    with pytest.raises(
        rk.BadPriceError,
        match=r"price entries 'a' and 'b' of meter 'vm.hours' have the same priority 0 and can both apply",
    ):
        _plan(
            rk.PriceEntry("a", "vm.hours", rk.PerUnit(1), window=nights),
            rk.PriceEntry("b", "vm.hours", rk.PerUnit(2), window=mornings),
        )
    with pytest.raises(rk.BadPriceError, match=r"can both apply \(e.g. at 2026-03-10T00:00:00Z\)"):
        _plan(
            rk.PriceEntry("a", "vm.hours", rk.PerUnit(1), end="2026-03-20T00:00:00Z"),
            rk.PriceEntry("b", "vm.hours", rk.PerUnit(2), start="2026-03-10T00:00:00Z"),
        )
    # windows that only touch are exclusive: 22:00 -> 06:00 and 06:00 -> 22:00 cover the day once
    plan = _plan(
        rk.PriceEntry("a", "vm.hours", rk.PerUnit(1), window=nights),
        rk.PriceEntry("b", "vm.hours", rk.PerUnit(2), window=days),
    )
    day = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", day, MARCH, 24, "hour", {}, ("r",))]
    assert rk.rate(rows, plan, span=MARCH).total() == 8 * 1 + 16 * 2


# --- currencies -----------------------------------------------------------------------------


def test_a_currency_mix_is_never_added() -> None:
    eur, usd = _plan(PER_HOUR), _plan(PER_HOUR, currency="USD", plan_id="q")
    assigned = [rk.Assignment("acme", eur), rk.Assignment("globex", usd)]
    rating = rk.rate([_row(1), _row(2, account="globex")], assigned, span=MARCH)
    with pytest.raises(
        rk.CurrencyMismatchError, match=r"would add amounts in 2 currencies, EUR and USD"
    ):
        rating.total()
    assert rating.totals_by_currency() == {"EUR": 1, "USD": 2}
    # one account changing currency mid-cycle: its invoice is refused
    half = "2026-03-16T00:00:00Z"
    changed = [rk.Assignment("acme", eur, end=half), rk.Assignment("acme", usd, start=half)]
    late = _row(2, span=rk.Span("2026-03-20T00:00:00Z", "2026-03-20T01:00:00Z"))
    with pytest.raises(
        rk.CurrencyMismatchError,
        match=r"mixes EUR \(plan 'p', entry 'vm'\) and USD \(plan 'q', entry 'vm'\)",
    ):
        rk.bill(rk.rate([_row(1), late], changed, span=MARCH))
    with pytest.raises(rk.CurrencyMismatchError, match=r"billed in EUR by 'a', USD by 'b'"):
        rk.compare_plans([_row(1)], {"a": eur, "b": usd}, span=MARCH)
    with pytest.raises(rk.CurrencyMismatchError, match=r"credit 'c' of account 'acme' is in USD"):
        rk.bill(
            rk.rate([_row(1)], eur, span=MARCH),
            credits=[rk.Credit("c", "acme", 1, "USD", start=MARCH.start)],
        )


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        (
            "usd",
            r"currency 'usd' is not a currency code; write it as three capital letters, such as 'USD'",
        ),
        ("US", r"currency 'US' is not a currency code; .* such as 'EUR'"),
        ("XAU", r"currency 'XAU' has no known quantum; give the plan one"),
    ],
)
def test_a_currency_that_is_no_code_is_refused_with_a_suggestion(
    currency: str, message: str
) -> None:
    with pytest.raises(rk.BadPriceError, match=message):
        _plan(currency=currency)


def test_candidates_on_other_calendars_are_refused() -> None:
    new_york = rk.Plan("ny", "EUR", rk.cycles.monthly(tz="America/New_York"), [PER_HOUR])
    anniversary = rk.Plan("ann", "EUR", rk.cycles.monthly(tz="UTC", day=31), [PER_HOUR])
    for other in (new_york, anniversary):
        with pytest.raises(rk.BadCalendarError, match=r"bill account 'acme' over different cycles"):
            rk.compare_plans([_row()], {"a": _plan(PER_HOUR), "other": other}, span=MARCH)


# --- plans' other parts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: rk.Allowance("vm.hours", -1), rk.BadPriceError, r"quantity must not be negative"),
        (lambda: rk.Minimum(-1), rk.BadPriceError, r"Minimum amount must be 0 or more"),
        (
            lambda: rk.Fee("f", float("nan")),
            rk.BadQuantityError,
            r"Fee amount must be a finite number",
        ),
        (
            lambda: rk.Credit("c", "a", -5, "EUR", start="2026-03-01T00:00:00Z"),
            rk.BadQuantityError,
            r"Credit amount must be greater than 0",
        ),
        (
            lambda: rk.PriceEntry("a", "vm.hours", "0.10"),
            rk.RatekitTypeError,
            r"price entry 'a' price must be a price model",
        ),
        (
            lambda: rk.PriceEntry("a", "vm.hours", rk.PerUnit(1), priority=True),
            rk.RatekitTypeError,
            r"priority must be an int, not bool",
        ),
        (
            lambda: rk.Plan("p", "EUR", None, []),
            rk.RatekitTypeError,
            r"plan 'p' cycle must be a billing cycle",
        ),
        (lambda: _plan(quantum=0), rk.BadPriceError, r"quantum must be positive"),
        (lambda: _plan(quantum="1E-70"), rk.BadQuantityError, r"quantum '1E-70' lies outside"),
        (
            lambda: _plan(PER_HOUR, rk.PriceEntry("vm", "egress", rk.PerUnit(2))),
            rk.BadPriceError,
            r"two price entries with id 'vm'",
        ),
        (
            lambda: _plan(PER_HOUR).round(1.03),
            rk.BadQuantityError,
            r"rounds finite Decimal amounts, not float",
        ),
        (
            lambda: _plan(PER_HOUR).round(Decimal("1E+70")),
            rk.BadQuantityError,
            r"more than 60 digits",
        ),
        (
            lambda: rk.rate(_row(), _plan(PER_HOUR), span=MARCH),
            rk.RatekitTypeError,
            r"rate usage must be an iterable",
        ),
        (
            lambda: rk.rate([], [_plan(PER_HOUR)], span=MARCH),
            rk.RatekitTypeError,
            r"plans\[0\] is a Plan \('p'\)",
        ),
        (
            lambda: rk.rate([], _plan(PER_HOUR), span=MARCH, accounts="acme"),
            rk.RatekitTypeError,
            r"accounts must be an iterable of account names",
        ),
        (
            lambda: rk.compare_plans([], [], span=MARCH),
            rk.RatekitTypeError,
            r"compare_plans needs at least one candidate plan",
        ),
        (
            lambda: rk.compare_plans([], {1: _plan()}, span=MARCH),
            rk.RatekitTypeError,
            r"candidate names are strings",
        ),
    ],
)
def test_bad_plan_parts_are_refused_naming_the_field(
    build: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


def test_a_rows_own_cycle_does_not_decide_its_tiers() -> None:
    # A row made by hand with a cycle that is not the plan's: rating groups it by the plan's
    # month, so 8 + 8 GB under (0, 10] at 1 then 0.5 cost 10 + 3 = 13.
    february = rk.Span("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
    other = rk.Span("2026-03-03T00:00:00Z", "2026-03-03T01:00:00Z")
    rows = [
        rk.UsageRow("a", "eg", "r", HOUR, MARCH, 8, "GB", {}, ("x",)),
        rk.UsageRow("a", "eg", "r", other, february, 8, "GB", {}, ("y",)),
    ]
    plan = _plan(rk.PriceEntry("eg", "eg", rk.Graduated([rk.Tier(10, 1), rk.Tier(None, "0.5")])))
    assert rk.rate(rows, plan, span=MARCH).total() == 13


# --- the caller's decimal context -----------------------------------------------------------


def _priced_everything() -> tuple[object, ...]:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(
                "vm",
                "vm.hours",
                rk.Graduated([rk.Tier(100, "0.0333"), rk.Tier(None, "0.011", block=7)]),
            )
        ],
        fees=[rk.Fee("f", "9.99")],
        allowances=[rk.Allowance("vm.hours", "12.5")],
        minimums=[rk.Minimum(5)],
    )
    records = [
        rk.Event("acme", "vm-1", "2026-03-01T00:20:00Z", kind="start", id="e1"),
        rk.Event("acme", "vm-1", "2026-03-09T07:40:00Z", kind="stop", id="e2"),
    ]
    assigned = [rk.Assignment("acme", plan, start="2026-03-03T05:00:00Z")]
    rating = rk.rate(
        records, assigned, span=MARCH, meters=[rk.Meter("vm.hours", "hour", rk.OnOff())]
    )
    invoices = rk.bill(rating)
    return (
        tuple((c.kind, c.amount, c.quantity, c.free) for c in rating.charges),
        rating.total(),
        tuple(str(invoice) for invoice in invoices),
        rk.compare_plans(
            records, {"p": assigned}, span=MARCH, meters=[rk.Meter("vm.hours", "hour", rk.OnOff())]
        ).to_rows(),
    )


def test_the_hand_worked_invoice_under_a_committed_prorated_plan() -> None:
    # Assigned from 3 March 05:00: 691 of March's 744 hours. The VM runs from then to 9 March
    # 07:40, 146 2/3 h. Allowance 12.5 x 691/744 = 11.6095...; billed 135.0571...: 100 x 0.0333
    # = 3.33 and 35.057... in 6 started blocks of 7 at 0.011 = 0.066: 3.396 -> 3.40.
    # Fee 9.99 x 691/744 = 9.2783... -> 9.28. Commitment 5 x 691/744 = 4.6438... -> 4.64,
    # top-up 4.64 - 3.40 = 1.24. Total 3.40 + 9.28 + 1.24 = 13.92.
    _, _, (text,), _ = _priced_everything()
    assert "total                                                                13.92" in str(text)
    assert "billed 4.64 - lines 3.40 = 1.24" in str(text)


@pytest.mark.parametrize(
    "context",
    [
        decimal.Context(prec=3, rounding=decimal.ROUND_FLOOR),
        decimal.Context(
            prec=100, rounding=decimal.ROUND_UP, traps=[decimal.Inexact, decimal.Rounded]
        ),
        decimal.Context(prec=28, Emax=5, Emin=-5),
        decimal.Context(capitals=0),
        decimal.Context(traps=[decimal.FloatOperation]),
    ],
)
def test_the_callers_decimal_context_changes_nothing(context: decimal.Context) -> None:
    expected = _priced_everything()
    with decimal.localcontext(context):
        assert _priced_everything() == expected


# --- faults ---------------------------------------------------------------------------------


def test_a_float_selector_matches_the_same_float_in_a_description() -> None:
    # docs/pricing.md: "a float is the Decimal of its shortest repr (0.1 matches an attribute
    # given as 0.1)". Rating agrees (a row described by {'m': 0.1} is priced at 1); the public
    # matches() and resolve() did not (they compared the float itself).
    entry = rk.PriceEntry("x", "vm.hours", rk.PerUnit(1), where={"m": 0.1})
    plan = _plan(entry)
    assert rk.rate([_row(description={"m": 0.1})], plan, span=MARCH).total() == 1
    assert entry.matches({"m": 0.1})
    resolved = plan.resolve("vm.hours", {"m": 0.1}, MARCH.start)
    assert resolved is not None
    assert resolved.id == "x"


def test_a_float_in_a_one_of_matches_the_same_float_in_a_description() -> None:
    # OneOf's floats are read through their repr, and so is the description's now
    entry = rk.PriceEntry("x", "vm.hours", rk.PerUnit(1), where={"m": rk.OneOf([0.1, 0.2])})
    assert entry.matches({"m": 0.2})


def _two_minutes_forty_two(price: rk.PriceModel) -> Decimal:
    """The invoice of a VM run for 162 s (0.045 h) priced per hour by ``price``."""
    meter = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", price)])
    records = [
        rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="start", id="e1"),
        rk.Event("acme", "vm-1", "2026-03-02T00:02:42Z", kind="stop", id="e2"),
    ]
    [invoice] = rk.bill(rk.rate(records, plan, span=MARCH, meters=[meter]))
    return invoice.total


THIRD = "0." + "3" * 60  # 60 significant digits, the widest price accepted


def test_a_sixty_digit_price_per_hour_is_rounded_once_from_the_exact_time_by_a_price_by_total() -> (
    None
):
    # 0.045 h x 0.3...3 (60 threes) = 0.015 x (1 - 1E-60) = 0.01499...9985, just below the
    # half cent: 0.01 half-even. A single open tier, graduated or volume, bills that.
    exact = Fraction(Decimal(THIRD)) * Fraction(162, 3600)
    assert exact < Fraction(15, 1000)
    assert _two_minutes_forty_two(rk.Graduated([rk.Tier(None, THIRD)])) == Decimal("0.01")
    assert _two_minutes_forty_two(rk.Volume([rk.Tier(None, THIRD)])) == Decimal("0.01")


def test_a_sixty_digit_price_per_hour_is_rounded_once_from_the_exact_time_by_per_unit() -> None:
    # docs/usage.md: "a per-unit line is rounded once from the exact sum of its charges' prices
    # times their exact time"; docs/pricing.md: "each line is rounded once". (The charge's
    # 0.015, the product at 60 digits, billed 0.02 before.)
    assert _two_minutes_forty_two(rk.PerUnit(THIRD)) == Decimal("0.01")


def test_matches_and_resolve_refuse_a_description_no_record_may_hold() -> None:
    # The description goes through the records' door: a NaN is refused naming the call.
    entry = rk.PriceEntry("x", "vm.hours", rk.PerUnit(1), where={"m": 0.1})
    with pytest.raises(rk.BadQuantityError) as raised:
        entry.matches({"m": float("nan")})
    assert str(raised.value).startswith(
        "price entry 'x' matches description attribute 'm' is nan, not a finite number;"
    )
    with pytest.raises(rk.RatekitTypeError) as typed:
        _plan(entry).resolve("vm.hours", {1: "a"}, MARCH.start)
    assert str(typed.value) == (
        "plan 'p' resolve description attribute names must be strings, not int: 1."
    )
