"""A charge made by hand (ratekit.charges): one range of numbers and one currency rule at its door."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._carried import to_amount, to_usage
from ratekit._decimals import to_decimal

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
OUTSIDE = (
    "lies outside the numbers ratekit represents exactly: give at most 60 significant digits "
    "and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30."
)
#: What rating computes (an amount, a free part, a quantity it cuts) goes down to 1E-100.
CARRIED = OUTSIDE.replace("1E-30", "1E-100")
CARRIED_USAGE = CARRIED.replace("1E+30.", "1E+60.")


def _charge(**changes: object) -> rk.Charge:
    fields: dict[str, object] = {
        "account": "acme",
        "meter": "m",
        "resource": "r",
        "span": MARCH,
        "cycle": MARCH,
        "quantity": 1,
        "unit": "hour",
        "amount": "1",
        "currency": "EUR",
        "plan": "p",
        "entry": "e",
        "unit_price": "1",
    }
    return rk.Charge(**{**fields, **changes})  # type: ignore[arg-type]


def _back(value: object) -> object:
    """``value`` written as a row, through JSON, and read back."""
    return rk.from_row(type(value), json.loads(json.dumps(rk.to_row(value))))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # was: accepted (up to 300 digits, 1E±100) and billed, then from_row refused its row
        ({"amount": "5e40", "unit_price": "5e40"}, f"Charge amount Decimal('5E+40') {CARRIED}"),
        # a quantity of usage reaches up to 1E+60 (what metering makes) and down to 1E-100
        # (what rating cuts: a third of a peak of 1E-30 seats), not below (was: 1E-30)
        ({"quantity": "1e-101"}, f"Charge quantity Decimal('1E-101') {CARRIED_USAGE}"),
        ({"quantity": "1e60"}, f"Charge quantity Decimal('1E+60') {CARRIED_USAGE}"),
        ({"quantum": "1e-40"}, f"Charge quantum Decimal('1E-40') {OUTSIDE}"),
        ({"free": 10**30}, f"Charge free Decimal('{10**30}') {CARRIED}"),
        ({"unit_price": "1e30"}, f"Charge unit_price Decimal('1E+30') {OUTSIDE}"),
        ({"position": "-1e31"}, f"Charge position Decimal('-1E+31') {OUTSIDE}"),
        # an amount rating computes goes down to 1E-100 (was: 1E-30, "1e-31" refused)
        ({"whole": "1e-101"}, f"Charge whole Decimal('1E-101') {CARRIED}"),
        (  # 61 significant digits: 1.111... (one and sixty ones)
            {"amount": "1." + "1" * 60},
            f"Charge amount Decimal('1.{'1' * 60}') {CARRIED}",
        ),
    ],
)
def test_a_charge_holds_only_the_numbers_rating_carries_and_rows_read_back(changes, message):
    with pytest.raises(rk.BadQuantityError) as caught:
        _charge(**changes)
    assert str(caught.value) == message


def test_a_charge_at_the_edges_of_the_range_is_billed_and_read_back():
    # 60 digits, 9.99...E+29 and 1E-30: the largest and smallest magnitudes, and trailing
    # zeros past 60 digits carry nothing (1.000...0 with 61 digits is 1).
    for changes in (
        {"amount": "9" * 30, "unit_price": "9" * 30, "quantum": "1"},
        {
            "quantity": "1e-30",
            "amount": "1.23456789012345678901234567890123456789012345678901234567890",
        },
        {"amount": "1." + "0" * 60, "free": "0.5"},
    ):
        charge = _charge(**changes)
        assert _back(charge) == charge
        (invoice,) = rk.bill([charge])
        assert _back(invoice) == invoice


def test_an_invoice_whose_sum_passes_the_range_of_one_number_is_read_back():
    # Two charges of 9E+29 EUR: 1.8E+30 EUR in all, a sum past an input's range (an
    # invoice's numbers are sums: their door takes up to 300 digits, 1E-160 to 1E+100); its row
    # reads back (was: refused, read with an input's range).
    big = [_charge(resource=r, amount="9e29", unit_price="9e29") for r in ("r1", "r2")]
    (invoice,) = rk.bill(big)
    assert invoice.total == Decimal("1.8E+30")
    assert _back(invoice) == invoice
    row = rk.to_row(invoice)
    row["total"] = "1E+400"
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Invoice, row)
    assert str(caught.value) == (
        "total: Invoice total must be a finite number with at most 300 significant digits "
        "and, unless zero, a magnitude from 1E-160 up to but excluding 1E+100, not "
        "Decimal('1E+400')."
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # was: "must be a number (Decimal, int or str), not str: 'Infinity'", naming str as
        # accepted while refusing one
        ({"amount": "Infinity"}, "Charge amount must be a finite number, not 'Infinity'."),
        (
            {"unit_price": "-Infinity"},
            "Charge unit_price must be a finite number, not '-Infinity'.",
        ),
        # was: a range of 300 digits and 1E±100, not the documented 60 and 1E±30
        (
            {"amount": Decimal("Infinity")},
            "Charge amount must be a finite number, not Decimal('Infinity').",
        ),
        (
            {"quantity": float("nan")},
            "Charge quantity must be a finite number, not Decimal('NaN').",
        ),
        (
            {"amount": "1,5"},
            "Charge amount '1,5' is not a decimal number; write it like '12.5' or '1e9'.",
        ),
    ],
)
def test_a_charge_says_a_number_is_not_finite(changes, message):
    with pytest.raises(rk.BadQuantityError) as caught:
        _charge(**changes)
    assert str(caught.value) == message


def test_a_charge_names_a_wrong_type_and_what_it_takes():
    with pytest.raises(rk.RatekitTypeError) as caught:
        _charge(amount=True)
    assert str(caught.value) == (
        "Charge amount must be a number (int, str, Decimal or float), not bool: True."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        _charge(amount=[1])
    assert str(caught.value) == (
        "Charge amount must be a number (int, str, Decimal or float), not list: [1]."
    )


def test_a_charge_takes_a_currency_code_as_a_plan_and_a_credit_do():
    # was: Charge(currency="eur") accepted and billed, then a credit in EUR raised a
    # currency mismatch between 'EUR' and 'eur'
    with pytest.raises(rk.BadPriceError) as caught:
        _charge(currency="eur")
    assert str(caught.value) == (
        "Charge currency 'eur' is not a currency code; write it as three capital letters, "
        "such as 'EUR'."
    )
    with pytest.raises(rk.BadPriceError) as caught:
        _charge(currency="EURO")
    assert str(caught.value) == (
        "Charge currency 'EURO' is not a currency code; write it as three capital letters, "
        "such as 'EUR'."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        _charge(currency=5)
    assert str(caught.value) == "Charge currency must be a non-empty string, not int: 5."
    # the code in capitals is billed, and a credit in it pays: 1.00 - 1.00 = 0.00
    credit = rk.Credit("c", "acme", 1, "EUR", start=MARCH.start)
    (invoice,) = rk.bill([_charge(currency="EUR")], credits=[credit])
    assert invoice.total == Decimal("0.00")
    # from_row names the key
    row = rk.to_row(_charge())
    row["currency"] = "eur"
    with pytest.raises(rk.BadDataError, match=r"^currency: Charge currency 'eur' is not"):
        rk.from_row(rk.Charge, row)


_NUMBERS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.integers(min_value=-(10**40), max_value=10**40).map(Decimal),
    st.builds(
        lambda digits, exponent: Decimal(f"{digits}E{exponent}"),
        st.integers(min_value=-(10**65), max_value=10**65),
        st.integers(min_value=-100, max_value=100),
    ),
)


@given(_NUMBERS, st.sampled_from(["quantity", "amount", "unit_price", "free"]))
def test_law_the_charge_door_is_the_row_door(number, field):
    # Whatever number: the Charge takes it exactly when to_decimal (the door of rows and
    # of inputs, the oracle) does, a quantity when to_usage (a quantity of usage, up to
    # 1E+60 and down to 1E-100) does, an amount or a free part when to_amount (what rating
    # computes, down to 1E-100) does, and a charge taken is read back from its row.
    door = {"quantity": to_usage, "amount": to_amount, "free": to_amount}.get(field, to_decimal)
    try:
        door(number, "n")
    except rk.RatekitError:
        with pytest.raises(rk.RatekitError):
            _charge(**{field: number})
        return
    charge = _charge(**{field: number})
    assert _back(charge) == charge
