"""What a statement works out once and keeps: the same answers as working it out each time.

A tier table's exact fractions are made once per table; the fingerprint of frozen plans
and meters once per process (a caller's object in a plan, which may change, is
described each time); whether an account-wide entry charges a base at all, once per
rating. Each gives what was given before it was kept.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk
from ratekit import _exact_prices, _snapshot

VM = rk.Meter("vm", "hour", rk.OnOff())
CALLS = rk.Meter("calls", "call", rk.Discrete())
MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _tiers() -> rk.Graduated:
    return rk.Graduated([rk.Tier(10, "0.07", flat="0.3"), rk.Tier(None, "0.05", block=4)])


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [
        # 20/3 x 0.07 + 0.3 = 7/15 + 3/10 = 23/30
        (Fraction(20, 3), Fraction(23, 30)),
        # the first tier full, 10 x 0.07 + 0.3 = 1; 3 units more, one block of 4: 0.05
        (Fraction(13), Fraction(21, 20)),
        # exactly the first tier's top: 0.7 + 0.3 = 1
        (Fraction(10), Fraction(1)),
        # 41/3 - 10 = 11/3 units: one started block, 0.05; 1 + 0.05 = 21/20
        (Fraction(41, 3), Fraction(21, 20)),
        # 18 - 10 = 8 units: two blocks, 0.10; 1.10
        (Fraction(18), Fraction(11, 10)),
    ],
)
def test_a_graduated_price_is_priced_exactly_again_and_by_an_equal_table(
    quantity: Fraction, amount: Fraction
) -> None:
    price = _tiers()
    assert _exact_prices.exact_amount(price, quantity) == amount
    assert _exact_prices.exact_amount(price, quantity) == amount  # from the table kept
    assert _exact_prices.exact_amount(_tiers(), quantity) == amount  # another, equal table


def test_the_fingerprint_of_the_same_frozen_plans_is_given_again() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm", rk.PerUnit("1"))])
    assigned = (rk.Assignment("a", plan), rk.Assignment("b", plan))
    first = _snapshot.fingerprint(assigned, [VM])
    assert _snapshot.fingerprint(tuple(assigned), [VM]) == first  # a tuple built anew
    assert _snapshot.fingerprint(assigned, [VM]) != _snapshot.fingerprint(assigned, [VM, CALLS])
    other = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm", rk.PerUnit("2"))])
    assert _snapshot.fingerprint((rk.Assignment("a", other),), [VM]) != _snapshot.fingerprint(
        (rk.Assignment("a", plan),), [VM]
    )


class _Stepped:
    """A caller's price model, described by its repr: its rate may change in place."""

    linear = False

    def __init__(self, rate: str) -> None:
        self.rate = Decimal(rate)

    def amount(self, quantity: Decimal) -> Decimal:
        return quantity * self.rate

    def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        return added * self.rate

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        return ()

    def __repr__(self) -> str:
        return f"_Stepped({self.rate})"


def test_a_plan_holding_a_callers_object_is_described_again_each_time() -> None:
    # The same plan object, its model changed in place: the fingerprint follows it (a
    # fingerprint kept by the plan's identity would say the old rate).
    model = _Stepped("1")
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm", model)])  # type: ignore[arg-type]
    before = _snapshot.fingerprint(plan, [VM])
    assert _snapshot.fingerprint(plan, [VM]) == before
    model.rate = Decimal(2)
    assert _snapshot.fingerprint(plan, [VM]) != before


class _NoZero:
    """A caller's model that prices any quantity but 0 (its marginals need no amount)."""

    linear = False

    def amount(self, quantity: Decimal) -> Decimal:
        if quantity == 0:
            raise rk.BadQuantityError(f"_NoZero prices more than 0, not {quantity}")
        return quantity * 2

    def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        return added * 2

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        return ()


def test_an_entry_that_cannot_price_zero_is_named_with_the_account_and_cycle_of_its_base() -> None:
    # Whether an account-wide entry charges a base is asked of its price at 0, once per
    # rating: one that refuses 0 is still named as the base's pricing names it.
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("e", "calls", _NoZero())])  # type: ignore[arg-type]
    records = [rk.Sample("a", "r", "calls", "2026-03-02T00:00:00Z", 5, id="s1")]
    said = (
        "price entry 'e' of plan 'p' cannot price the quantity 0 of meter 'calls' for account "
        "'a' in the cycle 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z: _NoZero prices more "
        "than 0, not 0"
    )
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.rate(records, plan, span=MARCH, meters=[CALLS])
    assert str(caught.value) == said
    rater = rk.Rater(plan, [CALLS], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    with pytest.raises(rk.BadQuantityError) as caught:
        rater.statement("2026-03-03T00:00:00Z")
    assert str(caught.value) == said


def test_an_account_wide_price_with_nothing_at_zero_charges_no_base_and_one_with_a_flat_does() -> (
    None
):
    # 5 calls at 0.1 in March: 0.5 of usage; with a flat of 0.3 at zero, a base of 0.3
    # (the whole cycle) beside it, as a line of its own.
    records = [rk.Sample("a", "r", "calls", "2026-03-02T00:00:00Z", 5, id="s1")]
    for tiers, bases in (
        ([rk.Tier(None, "0.1")], []),
        ([rk.Tier(None, "0.1", flat="0.3")], [Decimal("0.3")]),
    ):
        price = rk.Graduated(tiers, flat_at_zero=True)
        plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("e", "calls", price)])
        rating = rk.rate(records, plan, span=MARCH, meters=[CALLS])
        assert [c.amount for c in rating.charges if c.kind == "fee"] == bases
        assert sum(c.amount for c in rating.charges if c.kind == "usage") == Decimal("0.5")
