"""The pieces of a peak priced whole add up to its amount, to the last digit.

A peak (`Max`, `Percentile`, ...) is shared among its cycle's pieces in proportion to
time, and a price that is not per unit prices the whole peak: each piece takes its part
of that amount. Rounded apart, each at its own 60th digit, the parts could add up to
5.99...97 for 6.00, which a plan rounding down billed 5.99 (and rounding up, 6.01 for
6.00...01); and an account's pieces are cut where another account's plan starts, so its
bill depended on another account. The parts are rounded so that they add up exactly.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
USERS = rk.Meter("users", "count", rk.Max())
TIERS = rk.Graduated([rk.Tier(5, "1"), rk.Tier(None, "0.5")])


def _plan(rounding: str) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("u", "users", TIERS)],
        rounding=rounding,
    )


# 7 users (5 x 1 + 2 x 0.5 = 6.00), the row cut in two by an update on 27 March.
CUT_PEAK = [
    rk.Sample("a", "app", "users", "2026-03-22T13:47:00Z", 7, kind="gauge", id="s1"),
    rk.Event("a", "app", "2026-03-27T23:19:00Z", {"v": 2}, kind="update", id="e0"),
]


@pytest.mark.parametrize("rounding", ["ROUND_DOWN", "ROUND_UP", "ROUND_HALF_EVEN"])
def test_a_peak_cut_in_two_bills_what_it_costs_whole(rounding: str) -> None:
    rating = rk.rate(CUT_PEAK, _plan(rounding), span=MARCH, meters=[USERS])
    assert len(rating.charges) == 2
    assert sum(map(Fraction, (c.amount for c in rating.charges))) == 6
    (invoice,) = rk.bill(rating)
    assert invoice.precise_total == 6
    assert invoice.total == Decimal("6.00")


def test_random_cuts_of_a_peak_add_up_to_its_price() -> None:
    for seed in range(300):
        rnd = random.Random(seed)
        records: list[rk.Event | rk.Sample] = []
        for index in range(rnd.randrange(1, 6)):
            at = MARCH.start_us + rnd.randrange(0, 44_000) * 60_000_000
            resource = f"r{rnd.randrange(2)}"
            if rnd.random() < 0.4:
                attributes = {"v": rnd.randrange(3)}
                records.append(rk.Event("a", resource, _iso(at), attributes, id=f"e{index}"))
            else:
                value = rnd.randrange(0, 12)
                records.append(
                    rk.Sample("a", resource, "users", _iso(at), value, kind="gauge", id=f"s{index}")
                )
        rating = rk.rate(records, _plan("ROUND_DOWN"), span=MARCH, meters=[USERS])
        peak = sum(Fraction(c.quantity) for c in rating.charges)
        cost = min(peak, 5) + max(peak - 5, 0) / 2
        assert sum(Fraction(c.amount) for c in rating.charges) == cost, seed


def test_an_account_pays_the_same_whatever_another_accounts_plan_starts() -> None:
    # a's two apps peak at 4 and 7: 11 users cost 5 + 3 = 8.00. b's plan starts on 22
    # March at 12:13, which cuts a's rows too (one process cuts every account's rows at
    # every plan boundary); a rated alone, or next to b, pays 8.00.
    plan = _plan("ROUND_DOWN")
    records = [
        rk.Sample("a", "app-1", "users", "2026-03-25T06:00:00Z", 4, kind="gauge", id="s0"),
        rk.Sample("a", "app-2", "users", "2026-03-06T00:00:00Z", 7, kind="gauge", id="s1"),
        rk.Sample("b", "app-9", "users", "2026-03-28T00:00:00Z", 1, kind="gauge", id="b1"),
    ]
    plans = [rk.Assignment("a", plan), rk.Assignment("b", plan, start="2026-03-22T12:13:00Z")]
    together = rk.bill(rk.rate(records, plans, span=MARCH, meters=[USERS]))
    (alone,) = rk.bill(rk.rate(records[:2], plans[:1], span=MARCH, meters=[USERS]))
    (next_to_b,) = [invoice for invoice in together if invoice.account == "a"]
    assert alone.total == next_to_b.total == Decimal("8.00")
    assert alone.precise_total == next_to_b.precise_total == 8


def test_the_rater_bills_a_cut_peak_as_rating_does() -> None:
    rater = rk.Rater(_plan("ROUND_DOWN"), [USERS], start=MARCH.start)
    rater.feed(CUT_PEAK)
    statement = rater.statement("2026-04-02T00:00:00Z")
    assert [invoice.total for invoice in statement.invoices] == [Decimal("6.00")]


def _iso(at_us: int) -> str:
    return rk.Span.from_us(at_us, at_us + 1).start.isoformat().replace("+00:00", "Z")
