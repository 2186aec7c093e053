"""What a finance analyst found wrong, each on its smallest input, now the rule it broke.

Each test states the behaviour the docs promise, worked by hand.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
COMMITTED = rk.Plan(
    "committed",
    "EUR",
    MONTHS,
    [rk.PriceEntry("calls", "calls", rk.PerUnit("0.01"))],
    minimums=[rk.Minimum("10")],
)


def _invoice(calls: str) -> rk.Invoice:
    """The plan covers 1-4 April (4 of 30 days); `calls` calls on 2 April."""
    used = rk.UsageRow(
        "acme",
        "calls",
        "key-1",
        rk.Span("2026-04-02T00:00:00Z", "2026-04-02T01:00:00Z"),
        APRIL,
        calls,
        "call",
        {},
        (),
    )
    rating = rk.rate(
        [used], [rk.Assignment("acme", COMMITTED, end="2026-04-05T00:00:00Z")], span=APRIL
    )
    (invoice,) = rk.bill(rating)
    return invoice


def test_a_minimum_line_spent_is_the_exact_spend_when_it_prints_on_the_quantum() -> None:
    # 120 calls x 0.01 = 1.20 spent against 10 x 4/30 = 4/3: the line says so exactly.
    minimum = _invoice("120").lines[-1]
    assert minimum.kind == "minimum"
    assert minimum.spent == Decimal("1.20")
    assert "spent 1.20 = ~0.133333" in str(_invoice("120"))


@pytest.mark.parametrize(("calls", "spent"), [("100", "1.00"), ("50", "0.50")])
def test_a_minimum_line_spent_is_exact_when_the_top_up_is_smaller_than_the_commitment(
    calls: str, spent: str
) -> None:
    # commitment 10 x 4/30 = 4/3 = 1.3333...; spend 100 x 0.01 = 1.00 (or 50 x 0.01 =
    # 0.50); top-up 4/3 - 1 = 1/3 (or 5/6). The exact spend is 1.00: the minimum line's
    # `spent`, its row and its note should say 1.00, as they do for 1.20 above.
    invoice = _invoice(calls)
    minimum = invoice.lines[-1]
    assert minimum.spent == Decimal(spent)
    assert Decimal(rk.to_row(invoice)["lines"][-1]["spent"]) == Decimal(spent)
    assert f"spent {spent} = ~" in str(invoice)


def test_a_plan_changed_as_the_clocks_go_back_notes_its_exact_spend() -> None:
    # April on Lord Howe Island lasts 720.5 hours; the first 98 are plan a's (196/1441 of
    # the cycle), the other 622.5 plan b's (1245/1441). a: 100 calls x 0.01 = 1.00
    # against 10 x 196/1441 = 1.3601...: billed 1.36 - 1.00 = 0.36. b: 300 calls x 0.02
    # = 6.00 against 50 x 1245/1441 = 43.1991...: billed 43.20 - 6.00 = 37.20.
    months = rk.cycles.monthly(tz="Australia/Lord_Howe")
    april = months.containing("2026-04-10T00:00:00Z")
    change = "2026-04-04T15:00:00Z"
    first, second = (
        rk.Plan(
            name,
            "AUD",
            months,
            [rk.PriceEntry("calls", "calls", rk.PerUnit(price))],
            minimums=[rk.Minimum(commitment)],
        )
        for name, price, commitment in (("a", "0.01", "10"), ("b", "0.02", "50"))
    )
    rows = [
        rk.UsageRow(
            "acme",
            "calls",
            "key-1",
            rk.Span(at, f"{at[:11]}01:00:00Z"),
            april,
            calls,
            "call",
            {},
            (),
        )
        for at, calls in (("2026-04-01T00:00:00Z", "100"), ("2026-04-20T00:00:00Z", "300"))
    ]
    assignments = [
        rk.Assignment("acme", first, end=change),
        rk.Assignment("acme", second, start=change),
    ]
    (invoice,) = rk.bill(rk.rate(rows, assignments, span=april), tz="Australia/Lord_Howe")
    text = str(invoice)
    assert (
        "b · commitment ~43.199167 - spent 6.00 = ~37.199167; billed 43.20 - lines 6.00 = 37.20"
        in text
    )
    assert invoice.total == Decimal("44.56")  # 7.00 + 0.36 + 37.20
    assert (
        "a · commitment ~1.360167 - spent 1.00 = ~0.360167; billed 1.36 - lines 1.00 = 0.36" in text
    )
