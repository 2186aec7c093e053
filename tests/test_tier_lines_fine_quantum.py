"""A tier line's amount exact on a quantum finer than 6 places prints on it, in text as in HTML."""

from __future__ import annotations

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def test_tier_amounts_on_a_satoshi_quantum_are_printed_exactly() -> None:
    # 30 calls, the first 10 at 0.00000001 and 20 at 0.00000003, on a quantum of
    # 0.00000001: tier amounts 0.00000010 and 0.00000060, line 0.00000070. The text
    # used to print '~ tiers[0] ... = 0' and '~ tiers[1] ... = 0.000001' (rounded to 6
    # places, and marked approximate), tier lines that do not add up to their line,
    # while the HTML printed 0.00000010 and 0.00000060.
    price = rk.Graduated([rk.Tier(10, "0.00000001"), rk.Tier(None, "0.00000003")])
    plan = rk.Plan(
        "p",
        "BTC",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("c", "calls", price)],
        quantum="0.00000001",
    )
    row = rk.UsageRow("acme", "calls", "api", MARCH, MARCH, 30, "call", {}, ())
    (invoice,) = rk.bill(rk.rate([row], plan, span=MARCH))
    text = str(invoice).splitlines()
    assert text[4] == "      tiers[0] (0, 10]: 10 * 0.00000001 = 0.00000010"
    assert text[5] == "      tiers[1] (10, ∞): 20 * 0.00000003 = 0.00000060"
    assert text[-1].split() == ["total", "0.00000070"]
    page = invoice._repr_html_()
    assert '<td class="num">0.00000010</td>' in page
    assert '<td class="num">0.00000060</td>' in page


def test_a_long_tier_amount_off_the_quantum_is_still_rounded_and_marked() -> None:
    # 1/3 hour at 0.1 on the cent: 0.0333... is not on 0.01, so it prints to 6 places, '~'.
    price = rk.Graduated([rk.Tier(None, "0.1")])
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("c", "vm", price)])
    third = rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, "0.333333333", "hour", {}, ())
    (invoice,) = rk.bill(rk.rate([third], plan, span=MARCH))
    assert "~ tiers[0] (0, ∞): 0.333333 * 0.1 = 0.033333" in str(invoice)


def test_amounts_off_a_fine_quantum_are_rounded_to_its_places_not_to_6() -> None:
    # A minimum of 0.00001 on a quantum of 0.0000001, prorated 12/31 (the plan starts on
    # 20 March): commitment 0.00000387096..., spent 10 hours at 0.00000001 = 0.0000001.
    # The note used to read 'commitment ~0.000004 - spent 0.0000001 = ~0.000004' (6
    # places, coarser than the invoice's 7); it now rounds to the quantum's places:
    # ~0.0000039 - 0.0000001 = ~0.0000038 (exactly 0.00000377096...).
    plan = rk.Plan(
        "p",
        "JPY",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm", rk.PerUnit("0.00000001"))],
        minimums=[rk.Minimum("0.00001")],
        quantum="0.0000001",
    )
    start = "2026-03-20T00:00:00Z"
    part = rk.Span(start, MARCH.end)
    row = rk.UsageRow("acme", "vm", "vm-1", part, MARCH, 10, "hour", {}, ())
    rating = rk.rate([row], [rk.Assignment("acme", plan, start=start)], span=MARCH)
    (invoice,) = rk.bill(rating)
    note = "commitment ~0.0000039 - spent 0.0000001 = ~0.0000038"
    assert note in str(invoice)
    assert note in invoice._repr_html_()
