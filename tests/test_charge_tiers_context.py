"""A charge explains its tiers in ratekit's context, whatever the caller's.

``Charge.tiers`` is read after rating, in the caller's context: a price model of the
caller's own was explained there (its ``q / 3`` rounded to the caller's precision), and
the check that its lines add up to its amount took its slack with ``scaleb`` there too.
Under ``prec=3, Emin=-40`` with ``Subnormal`` trapped, the slack 1E-59 raised
``Subnormal``, reported as the model's own failure (``BadPriceError``). Even in Python's
default context a breakdown in thirds was refused: at 28 digits 0.6666666666666666666666666667
+ 1.333333333333333333333333333 = 1.9999999999999999999999999997, not 2, where rate() and
the invoice explain it at 60 digits (0.66...67 + 1.33...33 = 2). The charge now does too.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


class _Thirds:
    """``amount(q) = q``, explained as a third and two thirds."""

    linear = False

    def amount(self, quantity: Decimal) -> Decimal:
        return quantity

    def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        return added

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        third = quantity / 3
        return (
            rk.TierLine(label="a", lower=None, upper=None, quantity=third, unit=1, amount=third),
            rk.TierLine(
                label="b", lower=None, upper=None, quantity=quantity - third, unit=1,
                amount=quantity - third,
            ),
        )  # fmt: skip


def _charge() -> rk.Charge:
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "m", _Thirds())])  # type: ignore[list-item]
    row = rk.UsageRow("acme", "m", "r", MARCH, MARCH, 2, "hour", {}, ())
    (charge,) = rk.rate([row], plan, span=MARCH).charges
    return charge


def test_a_charge_explains_its_tiers_alike_in_any_caller_context() -> None:
    charge = _charge()
    plain = charge.tiers
    # 2 / 3 = 0.666...67 at 60 digits, and 2 - that = 1.333...33: they add up to 2
    assert str(plain[0].amount) == "0." + "6" * 59 + "7"
    assert str(plain[1].amount) == "1." + "3" * 59
    for traps in ([decimal.Subnormal, decimal.Inexact], []):
        with decimal.localcontext(
            prec=3, rounding=decimal.ROUND_FLOOR, Emin=-40, Emax=40, traps=traps
        ):
            assert charge.tiers == plain
