"""What a price model returns is checked before it is billed (a model of the user's own).

A model returning a float, a Fraction, an int, None or NaN, or failing in its own
arithmetic, was taken by rate() and broke later (total(), bill(), exports) with foreign
exceptions, or wrote 'NaN' costs. And an amount outside the numbers ratekit carries
exactly (1E-31 from 1E-25 units at 0.000001, 1E+30 from 1E+15 units at 1E+15) was billed,
then the stored invoice could not be read back.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")


class Custom:
    """A user's model: ``amount(q) = function(q)``, not linear."""

    linear = False

    def __init__(self, function: object) -> None:
        self.function = function

    def amount(self, quantity: Decimal) -> object:
        return self.function(quantity)  # type: ignore[operator]

    def marginal(self, quantity: Decimal, added: Decimal) -> object:
        return self.function(quantity + added) - self.function(quantity)  # type: ignore[operator]

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        return ()


def _rate(price: object, quantity: str = "2") -> rk.Rating:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("e", "m", price)])  # type: ignore[arg-type]
    row = rk.UsageRow("acme", "m", "r", MARCH, MARCH, Decimal(quantity), "hour", {}, ())
    return rk.rate([row], plan, span=MARCH)


HEAD = (
    "price entry 'e' of plan 'p', pricing 2 hour of meter 'm' for account 'acme': its price model"
)


@pytest.mark.parametrize(
    ("function", "said"),
    [
        (lambda q: float(q) * 0.1, "Custom.marginal() returned float 0.2"),
        (lambda q: Fraction(int(q), 3), "Custom.marginal() returned Fraction Fraction(2, 3)"),
        (int, "Custom.marginal() returned int 2"),
        (lambda q: Decimal("NaN"), "Custom.marginal() returned Decimal Decimal('NaN')"),
    ],
)
def test_a_model_returning_what_is_not_a_finite_decimal_is_named(
    function: object, said: str
) -> None:
    with pytest.raises(rk.BadPriceError) as caught:
        _rate(Custom(function))
    assert str(caught.value) == f"{HEAD} {said}; a price model returns a finite Decimal."


@pytest.mark.parametrize(
    ("function", "said"),
    [
        (lambda q: Decimal("Infinity"), "raised InvalidOperation"),
        (lambda q: q / 0, "raised DivisionByZero"),
        (lambda q: None, "raised TypeError (unsupported operand type(s) for -: 'NoneType'"),
    ],
)
def test_a_model_failing_in_its_own_arithmetic_is_named(function: object, said: str) -> None:
    # Infinity less infinity, a division by zero in ratekit's context (which traps it),
    # None less None: the model's own error, chained, under ratekit's.
    with pytest.raises(rk.BadPriceError) as caught:
        _rate(Custom(function))
    assert str(caught.value).startswith(f"{HEAD} Custom.marginal() {said}")
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize(
    ("price", "quantity", "amount"),
    [
        ("1E+15", "1E+15", "1E+30"),  # 1E+15 * 1E+15 = 1E+30: not below 1E+30
    ],
)
def test_an_amount_ratekit_cannot_carry_exactly_is_refused(
    price: str, quantity: str, amount: str
) -> None:
    with pytest.raises(rk.BadPriceError) as caught:
        _rate(rk.PerUnit(price), quantity)
    assert str(caught.value).startswith(
        f"price entry 'e' of plan 'p' prices {quantity} hour of meter 'm' for account 'acme' "
        f"(resource 'r') at {amount}, outside the amounts ratekit carries exactly (at most 60 "
        "significant digits and, unless zero, a magnitude from 1E-100 up to but excluding 1E+30)"
    )


def test_an_amount_below_1e_30_is_carried_exactly() -> None:
    # 1E-25 * 1E-6 = 1E-31: below an input's 1E-30, carried (was: refused); 0.00.
    rating = _rate(rk.PerUnit("0.000001"), "1E-25")
    assert [charge.amount for charge in rating.charges] == [Decimal("1E-31")]
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_the_extreme_amounts_ratekit_carries_are_stored_and_read_back() -> None:
    # 1E-24 * 1E-6 = 1E-30 and 1E+14 * 9.99E+15 = 9.99E+29: in range, billed, and a
    # charge and an invoice holding them read back equal.
    for price, quantity in (("0.000001", "1E-24"), ("1E+14", "9.99E+15")):
        rating = _rate(rk.PerUnit(price), quantity)
        (charge,) = rating.charges
        assert charge.amount == Decimal(price) * Decimal(quantity)
        assert rk.from_row(rk.Charge, rk.to_row(charge)) == charge
        (invoice,) = rk.bill(rating)
        assert rk.from_row(rk.Invoice, rk.to_row(invoice)) == invoice


class _Explained(Custom):
    """``amount(q) = q`` (as a tiered model would), explained by the lines ``lines(q)``."""

    def __init__(self, lines: object) -> None:
        super().__init__(lambda quantity: quantity)
        self.lines = lines

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        return self.lines(quantity)  # type: ignore[operator,no-any-return]


def _line(quantity: Decimal, amount: object) -> rk.TierLine:
    return rk.TierLine(
        label="all",
        lower=None,
        upper=None,
        quantity=quantity,
        unit=Decimal(1),
        amount=Decimal(str(amount)),
    )


def test_a_breakdown_that_does_not_add_up_to_the_amount_is_refused_not_printed() -> None:
    # amount(2) = 2, but the model's one line says 999: printed, the breakdown read
    # "all: 2 * 1 = 0" under a 2.00 line (999 at 2 less 999 at 0).
    (charge,) = _rate(_Explained(lambda q: (_line(q, 999),))).charges
    with pytest.raises(
        rk.BadPriceError,
        match=r"^the charge of entry 'e' of plan 'p' for account 'acme' \(resource 'r'\), "
        r"explaining its tiers: its price model _Explained\.explain\(2\) gives lines adding up "
        r"to 999, where amount\(2\) is 2; explain\(\) returns TierLine values whose amounts add "
        r"up to amount\(quantity\)",
    ):
        _ = charge.tiers
    with pytest.raises(
        rk.BadPriceError, match=r"_Explained\.explain\(2\) gives lines adding up to 999"
    ):
        str(rk.bill(_rate(_Explained(lambda q: (_line(q, 999),))))[0])


def test_a_breakdown_of_other_values_than_tier_lines_is_refused() -> None:
    (charge,) = _rate(_Explained(lambda q: (("all", q),))).charges
    with pytest.raises(
        rk.BadPriceError,
        match=r"its price model _Explained\.explain\(2\) gave tuple \('all', Decimal\('2'\)\) "
        r"\(line 0\); explain\(\) returns TierLine values",
    ):
        _ = charge.tiers


def test_a_breakdown_that_adds_up_or_none_at_all_is_taken() -> None:
    # Two lines, q/4 + 3q/4 = q = amount(q): at 2, 0.5 + 1.5 = 2 (and 0 + 0 = 0 at 0).
    halves = _Explained(lambda q: (_line(q / 4, q / 4), _line(q * 3 / 4, q * 3 / 4)))
    (charge,) = _rate(halves).charges
    assert [line.amount for line in charge.tiers] == [Decimal("0.5"), Decimal("1.5")]
    (bare,) = _rate(_Explained(lambda q: ())).charges
    assert bare.tiers == ()


class _Linear(Custom):
    def __init__(self, linear: object) -> None:
        super().__init__(lambda quantity: quantity)
        self._linear = linear

    @property
    def linear(self) -> bool:  # type: ignore[override]
        if isinstance(self._linear, Exception):
            raise self._linear
        return self._linear  # type: ignore[return-value]


def test_a_linear_that_is_not_a_bool_or_raises_is_refused_at_the_entry() -> None:
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^price entry 'e': its price model _Linear\.linear is str 'yes'; it must be True or False",
    ):
        rk.PriceEntry("e", "m", _Linear("yes"))  # type: ignore[arg-type]
    with pytest.raises(
        rk.BadPriceError,
        match=r"^price entry 'e': its price model _Linear\.linear raised KeyError \('linear'\); linear is True or False\.$",
    ) as caught:
        rk.PriceEntry("e", "m", _Linear(KeyError("linear")))  # type: ignore[arg-type]
    assert isinstance(caught.value.__cause__, KeyError)
    assert rk.PriceEntry("e", "m", _Linear(True)).price.linear is True  # type: ignore[arg-type]


def test_a_fee_below_1e_30_is_carried_as_a_fee() -> None:
    # A fee of 1E-30 for the 16 of March's 31 days from the 16th is 1E-30 x 16/31 =
    # 5.16129...E-31, below 1E-30: carried, a fee charge of its own (was: refused, and
    # before that named a "price entry" of "meter 'f'"); 0.00 on the invoice.
    months = rk.cycles.monthly(tz="UTC")
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan("p", "EUR", months, [], fees=[rk.Fee("f", "1E-30")])
    rating = rk.rate([], [rk.Assignment("acme", plan, start="2026-03-16T00:00:00Z")], span=march)
    (fee,) = rating.charges
    assert (fee.kind, fee.entry, fee.resource) == ("fee", "f", None)
    assert fee.amount == Decimal(
        "5.16129032258064516129032258064516129032258064516129032258065E-31"
    )
    assert rk.bill(rating)[0].total == Decimal("0.00")
