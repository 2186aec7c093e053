"""A fee's parts under two plans add up exactly on the invoice, however rating rounded them."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
THIRD = "2026-03-11T08:00:00Z"  # 248 of March's 744 hours: exactly a third


def _switched(first: str, second: str, rounding: str, **extra: object) -> rk.Rating:
    a = rk.Plan("a", "EUR", MONTHS, [], fees=[rk.Fee("base", first)], rounding=rounding)
    b = rk.Plan("b", "EUR", MONTHS, [], fees=[rk.Fee("base", second)], rounding=rounding, **extra)
    assigned = [rk.Assignment("acme", a, end=THIRD), rk.Assignment("acme", b, start=THIRD)]
    return rk.rate([], assigned, span=MARCH)


@pytest.mark.parametrize(
    ("first", "second", "rounding", "expected"),
    [
        # 1 x 1/3 + 4 x 2/3 = 1/3 + 8/3 = 3 exactly: 3.00 rounded up, not 3.01 (rating's
        # parts are 0.333...3 and 2.666...67, whose sum is 3.000...003)
        ("1", "4", "ROUND_CEILING", "3.00"),
        ("1", "4", "ROUND_UP", "3.00"),
        # 1.015 x 1/3 + 4 x 2/3 = 9.015/3 = 3.005 exactly: a tie, half-even to 3.00
        ("1.015", "4", "ROUND_HALF_EVEN", "3.00"),
        # the same tie half-down (3.00) and half-up (3.01)
        ("1.015", "4", "ROUND_HALF_DOWN", "3.00"),
        ("1.015", "4", "ROUND_HALF_UP", "3.01"),
    ],
)
def test_a_fee_of_two_plans_rounds_its_exact_sum(
    first: str, second: str, rounding: str, expected: str
) -> None:
    rating = _switched(first, second, rounding)
    (invoice,) = rk.bill(rating)
    (line,) = invoice.lines
    assert (line.kind, line.amount, invoice.total) == ("fee", Decimal(expected), Decimal(expected))
    # the same lines from the bare charges, in any order
    assert rk.bill(list(reversed(rating.charges)))[0].lines[0].amount == Decimal(expected)


def _freed(rounding: str, shares: list[rk.Share] | None = None) -> rk.Rating:
    # Plans a (to a third of March) and b (the rest) price m at 1 under one entry id,
    # each with 10 free hours prorated: 10/3 for a, 20/3 for b.
    def plan(name: str) -> rk.Plan:
        return rk.Plan(
            name,
            "EUR",
            MONTHS,
            [rk.PriceEntry("e", "m", rk.PerUnit(1))],
            allowances=[rk.Allowance("m", 10)],
            rounding=rounding,
        )

    def row(quantity: int, day: int) -> rk.UsageRow:
        span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day:02d}T01:00:00Z")
        return rk.UsageRow("acme", "m", "disk", span, MARCH, quantity, "hour", {}, ())

    assigned = [
        rk.Assignment("acme", plan("a"), end=THIRD),
        rk.Assignment("acme", plan("b"), start=THIRD),
    ]
    return rk.rate([row(10, 2), row(7, 20)], assigned, span=MARCH, shares=shares or ())


def test_usage_less_prorated_free_parts_of_two_plans_rounds_its_exact_sum() -> None:
    # 10 hours under a less 10/3 free = 20/3; 7 under b less 20/3 free = 1/3; the line is
    # 20/3 + 1/3 = 7 exactly: 7.00 rounded up, not 7.01 (rating's parts 6.666...67 and
    # 0.333...33 add up to 7.000...003)
    rating = _freed("ROUND_CEILING")
    assert len(rating.charges) == 2
    (invoice,) = rk.bill(rating)
    assert [line.amount for line in invoice.lines] == [Decimal("7.00")]
    assert invoice.total == Decimal("7.00")


def test_a_shared_pool_of_such_parts_splits_its_exact_whole() -> None:
    # the same 7 shared in halves: the whole is 7.00 (not 7.01), 3.50 each
    share = rk.Share("acme", "disk", {"acme": 1, "beta": 1})
    invoices = rk.bill(_freed("ROUND_CEILING", [share]))
    assert [(i.account, i.total) for i in invoices] == [
        ("acme", Decimal("3.50")),
        ("beta", Decimal("3.50")),
    ]
