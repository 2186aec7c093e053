"""Amounts and shares below 1E-30 that rating computes from inputs in range are carried.

Every input passes its door (a price, a quantity, a fee: 60 digits, 1E-30 up to but
excluding 1E+30); what rating makes of them may be smaller: a tiny price for a tiny
share, a fee prorated over one microsecond, a share of a tiny peak. A charge carries such
a number exactly (down to 1E-100: docs/guarantees.md, "Numbers"), its row reads back,
and each invoice line rounds once from the exact amount: 0.00 half-even, 0.01 rounded
up. The batch path (rk.rate, rk.bill, rows) and the streaming rater agree.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._rounding import MODES
from tests.test_licensing_newcomer_seats import rounded

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
APRIL_US = 30 * 86_400 * 10**6  # 2,592,000,000,000
START_US = APRIL.start_us + 20 * 86_400 * 10**6  # 21 April, 00:00
SEATS = rk.Meter("seats", "seat", rk.Max())
CALLS = rk.Meter("calls", "call", rk.Discrete())
#: The doors' bounds: the least and the greatest magnitude an input may have.
LEAST = Decimal("1E-30")
GREATEST = Decimal("9" * 30 + "." + "9" * 30)  # 60 nines: just below 1E+30


def _plan(
    seat: Decimal | str = "1",
    call: Decimal | str = "1",
    fee: Decimal | str | None = None,
    minimum: Decimal | str | None = None,
    rounding: str = "ROUND_HALF_EVEN",
) -> rk.Plan:
    return rk.Plan(
        "p",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("seat", "seats", rk.PerUnit(seat)),
            rk.PriceEntry("call", "calls", rk.PerUnit(call)),
        ],
        fees=[] if fee is None else [rk.Fee("base", fee)],
        minimums=[] if minimum is None else [rk.Minimum(minimum)],
        rounding=rounding,
    )


def _covering(plan: rk.Plan, microseconds: int | None) -> list[rk.Assignment]:
    """``plan`` from 21 April for ``microseconds`` (None: to the end of April and on)."""
    start = rk.Span.from_us(START_US, START_US + 1).start
    if microseconds is None:
        return [rk.Assignment("acme", plan, start=start)]
    end = rk.Span.from_us(START_US, START_US + microseconds).end
    return [rk.Assignment("acme", plan, start=start, end=end)]


def _peak(seats: Decimal | str | int) -> rk.Sample:
    """The month's peak, read where the plan starts (its share of April is the plan's)."""
    at = rk.Span.from_us(START_US, START_US + 1).start
    return rk.Sample("acme", "app", "seats", at, seats, kind="gauge", id="s1")


def _calls(calls: Decimal | str) -> rk.Sample:
    at = rk.Span.from_us(START_US, START_US + 1).start
    return rk.Sample("acme", "api", "calls", at, calls, id="c1")


def _billed(
    records: list[rk.Sample], assignments: list[rk.Assignment], *, rows: bool = True
) -> rk.Invoice:
    rating = rk.rate(records, assignments, span=APRIL, meters=[SEATS, CALLS])
    (invoice,) = rk.bill(rating)
    if rows:  # the invoice's row, with its charges', reads back
        assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice
    return invoice


def _lines(invoice: rk.Invoice) -> dict[str, Decimal]:
    return {
        (line.entry or "") if line.kind == "usage" else line.kind: line.amount
        for line in invoice.lines
    }


@pytest.mark.parametrize("mode", MODES)
def test_a_tiny_price_for_a_tiny_share_of_a_tiny_peak(mode: str) -> None:
    # 1E-30 seats at 1E-30 a seat for 1 us of April: 1E-60 / 2,592,000,000,000 =
    # 3.858...E-73, carried (was: BadPriceError); 0.00, or 0.01 rounded up.
    invoice = _billed([_peak(LEAST)], _covering(_plan(seat=LEAST, rounding=mode), 1))
    (charge,) = invoice.lines[0].charges
    exact = Fraction(1, 10**60) / APRIL_US
    assert abs(Fraction(charge.amount) - exact) < exact / 10**45  # to its cut share's digits
    assert _lines(invoice) == {"seat": rounded(exact, mode)}
    assert rounded(exact, mode) == (Decimal("0.01") if mode in ("ROUND_UP", "ROUND_CEILING") else 0)


@pytest.mark.parametrize("mode", MODES)
def test_tiny_calls_at_a_tiny_price_are_priced_exactly(mode: str) -> None:
    # 1E-30 calls at 1E-30 = 1E-60 exactly (was: BadPriceError): 0.00, or 0.01 up.
    invoice = _billed([_calls(LEAST)], _covering(_plan(call=LEAST, rounding=mode), None))
    (charge,) = invoice.lines[0].charges
    assert charge.amount == Decimal("1E-60")
    assert _lines(invoice) == {"call": rounded(Fraction(1, 10**60), mode)}


@pytest.mark.parametrize("mode", MODES)
def test_a_tiny_quantity_at_a_huge_price_near_the_upper_door(mode: str) -> None:
    # 1E-30 seats at 999...9.99...9 (60 nines, just below 1E+30) for a third of April:
    # (1E+30 - 1E-30) x 1E-30 / 3 = 0.333...3 (30 threes) less 1E-60/3: 0.33, 0.34 up.
    # 1E-30 calls at that price: 0.999...9 (60 nines): 1.00 half-even, 0.99 down.
    plan = _plan(seat=GREATEST, call=GREATEST, rounding=mode)
    invoice = _billed([_peak(LEAST), _calls(LEAST)], _covering(plan, None))
    seats = Fraction(GREATEST) * Fraction(LEAST) / 3
    calls = Fraction(GREATEST) * Fraction(LEAST)
    assert _lines(invoice) == {"seat": rounded(seats, mode), "call": rounded(calls, mode)}


def test_a_tiny_quantity_less_a_third_of_a_tiny_allowance_is_priced_exactly() -> None:
    # 1E-30 calls, 1E-30 free a month, the plan from 21 April (a third): 1E-30 - 1E-30/3
    # = 6.66...7E-31 calls to pay, at 9E+29: 0.6 exactly (was: 0.9, the part to pay
    # handed on as its nearest number of an input's range, 1E-30).
    plan = rk.Plan(
        "p",
        "USD",
        MONTHS,
        [rk.PriceEntry("call", "calls", rk.PerUnit("9E+29"))],
        allowances=[rk.Allowance("calls", LEAST)],
    )
    invoice = _billed([_calls(LEAST)], _covering(plan, None))
    (charge,) = invoice.lines[0].charges
    assert charge.amount == Decimal("0.6")
    assert Fraction(charge.free) - Fraction(1, 3 * 10**30) < Fraction(1, 10**89)
    assert invoice.total == Decimal("0.60")


@pytest.mark.parametrize("mode", MODES)
def test_a_fee_of_a_cent_prorated_over_one_microsecond(mode: str) -> None:
    # 0.01 x 1 / 2,592,000,000,000 = 3.858...E-15: 0.00, or 0.01 rounded up.
    invoice = _billed([], _covering(_plan(fee="0.01", rounding=mode), 1))
    (line,) = invoice.lines
    assert line.kind == "fee"
    assert abs(Fraction(line.precise) - Fraction(1, 100 * APRIL_US)) < Fraction(1, 10**74)
    assert line.amount == rounded(Fraction(1, 100 * APRIL_US), mode)


@pytest.mark.parametrize("mode", MODES)
def test_a_tiny_fee_and_commitment_prorated_over_one_microsecond(mode: str) -> None:
    # A fee and a commitment of 1E-30 for 1 us: 1E-30 / 2,592,000,000,000 = 3.858...E-43
    # each (was: BadPriceError for the fee; a top-up of 0, the commitment shown as 0).
    # No usage is spent (a fee counts towards no commitment), so the minimum tops up the
    # whole commitment: 0.00 each, or 0.01 each rounded up (the commitment on the cent).
    invoice = _billed([], _covering(_plan(fee=LEAST, minimum=LEAST, rounding=mode), 1))
    exact = Fraction(1, 10**30) / APRIL_US
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("fee", rounded(exact, mode)),
        ("minimum", rounded(exact, mode)),
    ]
    (fee, minimum) = invoice.lines
    assert abs(Fraction(fee.precise) - exact) < exact / 10**59
    assert minimum.commitment == minimum.precise == fee.precise


def test_the_rater_states_a_tiny_price_as_batch_rating_charges_it() -> None:
    # The rater fed the same records: its statements carry 1E-60 for the calls and
    # 10 x 1E-30 / 3 seats for the third of April, as rk.rate charges them, and the
    # closing invoice is batch bill()'s: 0.00.
    plan = _plan(seat=LEAST, call=LEAST)
    records = [_peak(10), _calls(LEAST)]
    assignments = _covering(plan, None)
    rater = rk.Rater(assignments, [SEATS, CALLS], start=APRIL.start)
    assert rater.feed(records).counts["accepted"] == 2
    early = rater.statement("2026-04-25T00:00:00Z")
    closing = rater.statement("2026-05-01T00:00:00Z")
    stated = [*early.lines, *closing.lines]
    batch = rk.rate(records, assignments, span=APRIL, meters=[SEATS, CALLS])
    assert sum(Fraction(line.amount) for line in stated) == Fraction(batch.total())
    exact = Fraction(1, 10**60) + Fraction(10, 3 * 10**30)  # the seats' share cut at 1E-89
    assert abs(Fraction(batch.total()) - exact) < Fraction(1, 10**88)
    assert [line.amount for line in closing.lines if line.meter == "calls"] == []
    assert [line.amount for line in early.lines if line.meter == "calls"] == [Decimal("1E-60")]
    (invoice,) = closing.invoices
    assert invoice == rk.bill(batch)[0]
    assert invoice.total == Decimal("0.00")


_MAGNITUDES = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(1, 999),
    st.integers(-32, 27),
).filter(lambda value: -30 <= value.adjusted() <= 29)
#: Numbers across the whole range a door accepts, from its least bound to just below its
#: greatest, of at most three digits: their products are exact within 60 digits (a
#: product of wider numbers is rounded at its 60th digit, and a line rounds from the
#: exact product: see test_a_60_digit_price_times_a_fifth_rounds_once_from_the_exact_amount).
_INPUTS = st.one_of(st.sampled_from([LEAST, Decimal("9.99E+29")]), _MAGNITUDES)
#: Peaks across the whole range too: a share of a peak of 1E+9 or more, cut at 1E-50 or
#: coarser, is priced at its exact value as a smaller one is.
_PEAKS = _INPUTS


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    seat=_INPUTS,
    seats=_PEAKS,
    call=_INPUTS,
    calls=_INPUTS,
    fee=_INPUTS,
    microseconds=st.one_of(st.just(1), st.integers(1, 10 * 86_400 * 10**6)),
    mode=st.sampled_from(MODES),
)
def test_inputs_in_range_always_rate_and_each_line_is_the_exact_amount_rounded_once(  # noqa: PLR0917 - the drawn inputs
    seat: Decimal,
    seats: Decimal,
    call: Decimal,
    calls: Decimal,
    fee: Decimal,
    microseconds: int,
    mode: str,
) -> None:
    # Law: prices, quantities and a fee anywhere in the doors' range, a plan covering
    # from one microsecond to the rest of April: rating never raises while each amount
    # stays below 1E+30 (the one refusal, naming the entry), and each invoice line is
    # its exact amount (Fractions) rounded once on the plan's quantum and mode.
    share = Fraction(microseconds, APRIL_US)
    exact = {
        "seat": Fraction(seat) * Fraction(seats) * share,
        "call": Fraction(call) * Fraction(calls),
        "fee": Fraction(fee) * share,
    }
    plan = _plan(seat=seat, call=call, fee=fee, rounding=mode)
    records = [_peak(seats), _calls(calls)]
    if any(abs(amount) >= 10**30 for amount in exact.values()):
        with pytest.raises(rk.BadPriceError, match="outside the amounts ratekit carries"):
            rk.rate(records, _covering(plan, microseconds), span=APRIL, meters=[SEATS, CALLS])
        return
    invoice = _billed(records, _covering(plan, microseconds), rows=False)
    assert _lines(invoice) == {key: rounded(amount, mode) for key, amount in exact.items()}
    assert Fraction(invoice.total) == sum(map(Fraction, _lines(invoice).values()))


def test_a_60_digit_price_times_a_fifth_rounds_once_from_the_exact_amount() -> None:
    # 999...9.99...9 (60 nines) x 0.2 = 199...9.99...98 (61 digits): rounded down once on
    # the cent, 199999999999999999999999999999.99.
    invoice = _billed([_calls("0.2")], _covering(_plan(call=GREATEST, rounding="ROUND_DOWN"), None))
    assert _lines(invoice) == {"call": Decimal("199999999999999999999999999999.99")}


def test_a_huge_peak_for_one_microsecond_rounds_once_from_its_exact_share() -> None:
    # 9.99E+29 x 9 / 2,592,000,000,000 = 3,468,750,000,000,000,000 exactly.
    plan = _plan(seat="9", rounding="ROUND_UP")
    invoice = _billed([_peak("9.99E+29")], _covering(plan, 1))
    assert _lines(invoice) == {"seat": Decimal("3468750000000000000.00")}


def test_a_peak_on_a_volume_bound_keeps_its_tier_for_a_short_cover() -> None:
    volume = rk.Volume([rk.Tier(1_000_000, "7"), rk.Tier(None, "2")])
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("seat", "seats", volume)])
    start = rk.Span.from_us(START_US, START_US + 1).start
    end = rk.Span.from_us(START_US, START_US + 420 * 10**6).end
    rating = rk.rate(
        [_peak(1_000_000)],
        [rk.Assignment("acme", plan, start=start, end=end)],
        span=APRIL,
        meters=[SEATS],
    )
    assert rk.bill(rating)[0].total == Decimal("1134.26")


#: Prices of up to 60 digits anywhere in the range: their products with a quantity of a
#: few digits need more than 60, and rating rounds each amount at its 60th. Half of them
#: a number of few digits less or more a unit of its 60th digit (999...9.99...9 is 1E+30
#: less one): their products round at the 60th digit onto a number of few digits, on
#: the cent, where the exact product lies just beside it.
_EXACT = decimal.Context(prec=100)
_NEAR_ROUND = st.builds(
    lambda value, sign: _EXACT.add(value, Decimal(sign).scaleb(value.adjusted() - 59)),
    _MAGNITUDES.filter(lambda value: -29 <= value.adjusted() <= 29),
    st.sampled_from([-1, 1]),
)
_WIDE = st.one_of(
    st.builds(
        lambda digits, exponent: Decimal(digits).scaleb(exponent),
        st.integers(1, 10**60 - 1),
        st.integers(-60, -30),
    ).filter(lambda value: -30 <= value.adjusted() <= 29),
    _NEAR_ROUND,
)


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, 10), deadline=None)
@given(
    price=_WIDE,
    calls=st.lists(_MAGNITUDES.filter(lambda value: value.adjusted() <= 0), min_size=1, max_size=3),
    mode=st.sampled_from(MODES),
)
def test_a_wide_price_times_calls_rounds_once_from_the_exact_products(
    price: Decimal, calls: list[Decimal], mode: str
) -> None:
    # Law: a price of up to 60 digits times a few quantities of calls, each rated on its
    # own: each amount is rounded at its 60th digit, and the line is the exact sum of
    # the exact products rounded once on the plan's quantum and mode.
    exact = sum((Fraction(price) * Fraction(value) for value in calls), Fraction(0))
    if abs(exact) >= 10**29:
        return  # (a charge of 1E+30 or more is refused: its own law above)
    records = [
        rk.Sample("acme", "api", "calls", _calls(value).at, value, id=f"c{n}")
        for n, value in enumerate(calls)
    ]
    invoice = _billed(records, _covering(_plan(call=price, rounding=mode), None), rows=False)
    assert _lines(invoice) == {"call": rounded(exact, mode)}
