"""Faults a marketplace's pricing analyst met: refunds across two list-price changes in a month.

The promise (docs/pricing.md, "Corrections after a price change within a plan" and
"Corrections across a change of plan"): the units a plan billed stack up with the price
they were billed at; a correction takes them back last in, first out, and what is left
below zero is rated at the correction's own price; "usage after corrections that went
below zero fills them the same way, last in, first out". So a month whose usage nets to
zero costs nothing, whatever the list prices were when each refund and each call came.

Each fault is kept on its smallest input, with what is expected worked by hand.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
CALLS = rk.Meter("calls", "call", rk.Discrete())


def _three_prices(model: type[rk.PerUnit] | type[rk.Graduated]) -> rk.Plan:
    """List price 1 a call, 2 from 10 March, 4 from 20 March (each a higher priority)."""

    def price(unit: int) -> rk.PriceModel:
        if model is rk.PerUnit:
            return rk.PerUnit(unit)
        return rk.Graduated([rk.Tier(None, unit)])

    return rk.Plan(
        "list",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", price(1)),
            rk.PriceEntry("b", "calls", price(2), start="2026-03-10T00:00:00Z", priority=1),
            rk.PriceEntry("c", "calls", price(4), start="2026-03-20T00:00:00Z", priority=2),
        ],
    )


def _calls(*stamped: tuple[int, int]) -> list[rk.Sample]:
    return [
        rk.Sample("acme", "api", "calls", f"2026-03-{day:02d}T00:00:00Z", n, id=f"r{i}")
        for i, (day, n) in enumerate(stamped)
    ]


def test_refunds_below_zero_under_two_prices_are_filled_by_usage_under_the_second() -> None:
    # What holds: with two prices, a refund of 1 on 2 March (at 1) and one on 12 March
    # (at 2), then 2 calls on 15 March (under the second price) fill 12 March's deficit
    # at 2, then 2 March's at 1: -1 - 2 + 2 + 1 = 0.
    two = rk.Plan(
        "list",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", rk.PerUnit(1)),
            rk.PriceEntry("b", "calls", rk.PerUnit(2), start="2026-03-10T00:00:00Z", priority=1),
        ],
    )
    assert rk.rate(_calls((2, -1), (12, -1), (15, 2)), two, span=MARCH, meters=[CALLS]).total() == 0
    # And 3 calls under a third price fill both deficits, then 1 call at 4:
    # -1 - 2 + 2 + 1 + 4 = 4.
    three = _three_prices(rk.PerUnit)
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 3)), three, span=MARCH, meters=[CALLS])
    assert rating.total() == 4


def test_usage_under_a_third_price_that_exactly_fills_two_deficits_nets_to_zero() -> None:
    # Refunds of 1 call on 2 March (list price 1) and on 12 March (price 2), then 2 calls on
    # 25 March (price 4): the 2 calls fill the deficits last in, first out, 12 March's at 2
    # then 2 March's at 1, so the month nets to 0 calls and costs -1 - 2 + 2 + 1 = 0 (the
    # fill of 12 March's deficit was once dropped: a -1, b -1, a +1, total -2).
    three = _three_prices(rk.PerUnit)
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 2)), three, span=MARCH, meters=[CALLS])
    assert rating.total() == 0
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_a_comparison_inherits_the_dropped_fill() -> None:
    # The same stream compared as a candidate: -1 - 2 + 2 + 1 = 0.00, 'same' as a flat
    # plan at 1 a call (-1 - 1 + 2 = 0.00).
    flat = rk.Plan("flat", "USD", MONTHS, [rk.PriceEntry("a", "calls", rk.PerUnit(1))])
    candidates = {"flat": flat, "list": _three_prices(rk.PerUnit)}
    records = _calls((2, -1), (12, -1), (25, 2))
    comparison = rk.compare_plans(records, candidates, span=MARCH, meters=[CALLS])
    assert [(row.candidate, row.total, row.change) for row in comparison.rows] == [
        ("flat", Decimal("0.00"), "same"),
        ("list", Decimal("0.00"), "same"),
    ]


def test_graduated_usage_past_two_deficits_is_priced_at_its_own_price() -> None:
    # Graduated prices, one open tier each (1, 2 from 10 March, 4 from 20 March): the
    # refunds of 1 call on 2 and 12 March are below zero (priced 0); of the 3 calls on 25
    # March, 2 fill both deficits (from -2 to 0, priced 0) and 1 is left at 4: 0 + 4 = 4,
    # as under the per-unit prices.
    three = _three_prices(rk.Graduated)
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 3)), three, span=MARCH, meters=[CALLS])
    assert rating.total() == 4


def test_a_month_netting_to_zero_under_three_tiered_prices_reports_no_negative_total() -> None:
    # Graduated prices changing twice, refunds of 1 call on 2 and 12 March, 2 calls on 25
    # March: the month nets to 0 calls and costs 0, no total below zero, so no
    # 'negative_total' anomaly.
    three = _three_prices(rk.Graduated)
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 2)), three, span=MARCH, meters=[CALLS])
    assert rating.total() == 0
    assert [anomaly.kind for anomaly in rating.anomalies] == []


def test_the_same_refunds_across_three_plans_net_to_zero() -> None:
    # What holds: the customer moves a (1 a call) -> b (2) on 10 March -> c (4) on 20
    # March. Refunds of 1 on 2 and 12 March go below zero under a and b; 2 calls on 25
    # March fill b's deficit (+2), then a's (+1): -1 - 2 + 2 + 1 = 0.
    def plan(name: str, unit: int) -> rk.Plan:
        return rk.Plan(name, "USD", MONTHS, [rk.PriceEntry("c", "calls", rk.PerUnit(unit))])

    moves = [
        rk.Assignment("acme", plan("a", 1), end="2026-03-10T00:00:00Z"),
        rk.Assignment(
            "acme", plan("b", 2), start="2026-03-10T00:00:00Z", end="2026-03-20T00:00:00Z"
        ),
        rk.Assignment("acme", plan("c", 4), start="2026-03-20T00:00:00Z"),
    ]
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 2)), moves, span=MARCH, meters=[CALLS])
    assert sorted((c.plan, c.quantity, c.amount) for c in rating.charges) == [
        ("a", Decimal(-1), Decimal(-1)),
        ("a", Decimal(1), Decimal(1)),
        ("b", Decimal(-1), Decimal(-2)),
        ("b", Decimal(1), Decimal(2)),
    ]
    assert rating.total() == 0


def test_the_rater_closes_the_month_of_the_dropped_fill_at_zero() -> None:
    # Fed one call at a time, with a statement and a JSON snapshot restore after each,
    # March closes as batch rating prices it: -1 - 2 + 2 + 1 = 0.00.
    plan = _three_prices(rk.PerUnit)
    rater = rk.Rater(plan, [CALLS], start=MARCH.start, horizon=dt.timedelta(days=2))
    for record in _calls((2, -1), (12, -1), (25, 2)):
        rater.feed([record])
        rater.statement(record.at + dt.timedelta(hours=1))
        snapshot = json.loads(json.dumps(rater.snapshot()))
        rater = rk.Rater.restore(snapshot, plan, [CALLS])
    closing = rater.statement("2026-04-03T00:00:00Z")
    assert [invoice.total for invoice in closing.invoices] == [Decimal("0.00")]


def test_a_full_refund_after_one_price_change_or_across_plans_nets_to_zero() -> None:
    # What holds: 1 call on 2 March at 1, 1 on 12 March at 2, both refunded on 25 March:
    # under two prices of one plan, and across three plans (a, b from 10 March, c from 20
    # March), the refund takes back b's unit (-2), then a's (-1): 1 + 2 - 2 - 1 = 0.
    two = rk.Plan(
        "list",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", rk.PerUnit(1)),
            rk.PriceEntry("b", "calls", rk.PerUnit(2), start="2026-03-10T00:00:00Z", priority=1),
        ],
    )
    records = _calls((2, 1), (12, 1), (25, -2))
    assert rk.rate(records, two, span=MARCH, meters=[CALLS]).total() == 0

    def plan(name: str, unit: int) -> rk.Plan:
        return rk.Plan(name, "USD", MONTHS, [rk.PriceEntry("c", "calls", rk.PerUnit(unit))])

    moves = [
        rk.Assignment("acme", plan("a", 1), end="2026-03-10T00:00:00Z"),
        rk.Assignment(
            "acme", plan("b", 2), start="2026-03-10T00:00:00Z", end="2026-03-20T00:00:00Z"
        ),
        rk.Assignment("acme", plan("c", 4), start="2026-03-20T00:00:00Z"),
    ]
    assert rk.rate(records, moves, span=MARCH, meters=[CALLS]).total() == 0


def test_a_refund_under_a_third_price_takes_back_the_units_of_both_earlier_prices() -> None:
    # 1 call on 2 March at 1, 1 on 12 March at 2, both refunded (-2) on 25 March under
    # the price 4: the refund takes back the 12th's unit at 2, then the 2nd's at 1:
    # 1 + 2 - 2 - 1 = 0.
    three = _three_prices(rk.PerUnit)
    rating = rk.rate(_calls((2, 1), (12, 1), (25, -2)), three, span=MARCH, meters=[CALLS])
    assert sorted((c.entry, c.quantity, c.amount) for c in rating.charges) == [
        ("a", Decimal(-1), Decimal(-1)),
        ("a", Decimal(1), Decimal(1)),
        ("b", Decimal(-1), Decimal(-2)),
        ("b", Decimal(1), Decimal(2)),
    ]
    assert rating.total() == 0


def test_a_full_refund_under_a_third_graduated_price_costs_nothing() -> None:
    # Tiers running on within the plan: 800 calls on 2 March at a (800 x 0.002 = 1.60),
    # 800 on 12 March at b (200 x 0.003 + 600 x 0.0015 = 0.60 + 0.90 = 1.50), all 1600
    # refunded on 25 March: the refund takes back b's 800 from 1600 down to 800 (-1.50),
    # then a's from 800 down to 0 (-1.60): 1.60 + 1.50 - 1.50 - 1.60 = 0.
    def tiers(first: str, past: str) -> rk.Graduated:
        return rk.Graduated([rk.Tier(1000, first), rk.Tier(None, past)])

    plan = rk.Plan(
        "tiered",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", tiers("0.002", "0.001")),
            rk.PriceEntry(
                "b", "calls", tiers("0.003", "0.0015"), start="2026-03-10T00:00:00Z", priority=1
            ),
            rk.PriceEntry(
                "c", "calls", tiers("0.004", "0.002"), start="2026-03-20T00:00:00Z", priority=2
            ),
        ],
    )
    rating = rk.rate(_calls((2, 800), (12, 800), (25, -1600)), plan, span=MARCH, meters=[CALLS])
    assert rating.total() == 0


def test_a_comparison_of_a_fully_refunded_month_under_two_price_changes() -> None:
    # 8000 calls on 10 February at 0.002 (16.00), 8000 on 18 February at 0.0015 (12.00),
    # all 16000 refunded on 25 February under the promotion: -12.00 - 16.00, so 0.00,
    # 'same' as the flat plan (16.00 + 16.00 - 32.00 = 0.00).
    months = rk.cycles.monthly(tz="America/New_York")
    quarter = rk.Span("2026-01-01T00:00:00-05:00", "2026-04-01T00:00:00-04:00")
    listed = rk.Plan(
        "per",
        "USD",
        months,
        [
            rk.PriceEntry("list", "calls", rk.PerUnit("0.002")),
            rk.PriceEntry(
                "cut", "calls", rk.PerUnit("0.0015"), start="2026-02-15T00:00:00-05:00", priority=1
            ),
            rk.PriceEntry(
                "promo", "calls", rk.PerUnit("0.001"), start="2026-02-22T00:00:00-05:00", priority=2
            ),
        ],
    )
    flat = rk.Plan("flat", "USD", months, [rk.PriceEntry("list", "calls", rk.PerUnit("0.002"))])
    records = [
        rk.Sample("acme", "api", "calls", "2026-02-10T12:00:00Z", 8000, id="a"),
        rk.Sample("acme", "api", "calls", "2026-02-18T12:00:00Z", 8000, id="b"),
        rk.Sample("acme", "api", "calls", "2026-02-25T12:00:00Z", -16000, id="c"),
    ]
    comparison = rk.compare_plans(
        records, {"flat": flat, "per": listed}, span=quarter, meters=[CALLS]
    )
    assert [(row.candidate, row.total, row.change) for row in comparison.rows] == [
        ("flat", Decimal("0.00"), "same"),
        ("per", Decimal("0.00"), "same"),
    ]


def test_usage_after_a_deficit_under_a_new_graduated_price_is_priced_at_the_new_price() -> None:
    # Graduated list price 1 a call (one open tier), 2 from 10 March: a refund of 5 calls
    # on 2 March goes below zero (priced 0); of 8 calls on 12 March, 5 fill it (from -5 to
    # 0 at a, priced 0) and 3 are left at the new price: 3 x 2 = 6, as per-unit prices bill
    # it (-5 + 5 + 6 = 6).
    two = rk.Plan(
        "list",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", rk.Graduated([rk.Tier(None, 1)])),
            rk.PriceEntry(
                "b",
                "calls",
                rk.Graduated([rk.Tier(None, 2)]),
                start="2026-03-10T00:00:00Z",
                priority=1,
            ),
        ],
    )
    rating = rk.rate(_calls((2, -5), (12, 8)), two, span=MARCH, meters=[CALLS])
    assert rating.total() == 6


def _tiered_at_two_prices() -> rk.Plan:
    """Graduated 0.001 to 500 calls and 0.002 past; from 10 March 0.003 and 0.0015 past."""
    return rk.Plan(
        "tiered",
        "USD",
        MONTHS,
        [
            rk.PriceEntry(
                "a", "calls", rk.Graduated([rk.Tier(500, "0.001"), rk.Tier(None, "0.002")])
            ),
            rk.PriceEntry(
                "b",
                "calls",
                rk.Graduated([rk.Tier(500, "0.003"), rk.Tier(None, "0.0015")]),
                start="2026-03-10T00:00:00Z",
                priority=1,
            ),
        ],
    )


def _refund_and_call(resource: str) -> list[rk.Sample]:
    """501 calls on 2 March; on 12 March a refund of 2 on "api" and 1 call on ``resource``."""
    return [
        rk.Sample("acme", "api", "calls", "2026-03-02T00:00:00Z", 501, id="r0"),
        rk.Sample("acme", "api", "calls", "2026-03-12T00:00:00Z", -2, id="r1"),
        rk.Sample("acme", resource, "calls", "2026-03-12T00:00:00Z", 1, id="r2"),
    ]


def test_a_call_and_a_refund_of_one_instant_net_before_a_resource_sorting_first() -> None:
    # What holds: 501 calls on 2 March at a (500 x 0.001 + 1 x 0.002 = 0.502); on 12 March
    # 1 call on "ap" and a refund of 2 on "api" net to -1, which takes back the 501st call
    # at a, from 501 to 500 (-0.002): 0.502 - 0.002 = 0.500.
    rating = rk.rate(_refund_and_call("ap"), _tiered_at_two_prices(), span=MARCH, meters=[CALLS])
    assert rating.total() == Decimal("0.500")


def test_a_call_and_a_refund_of_one_instant_net_whatever_the_resources_order() -> None:
    # As above with the call on "api2", which sorts after the refund's "api": the instant
    # still nets to -1 and takes back the 501st call at a (-0.002), total 0.500. Its
    # usage comes first, whatever the resources' names: the call climbs under b from 501
    # to 502 (0.0015), the refund takes it back from the top (b, -0.0015), then the
    # 501st call (a, -0.002). Priced in the resources' order, the refund came first (b
    # -1 from 501 to 500, -0.0015; a -1 from 500 to 499, -0.001) and the call after it
    # under b from 499 to 500 (0.003): 0.5025.
    rating = rk.rate(_refund_and_call("api2"), _tiered_at_two_prices(), span=MARCH, meters=[CALLS])
    assert rating.total() == Decimal("0.500")


def _renamed(
    stamped: list[tuple[int, str, int]], plan: rk.Plan
) -> set[tuple[Decimal, tuple[tuple[str, Decimal, Decimal], ...]]]:
    """The total and per-entry lines of ``stamped`` (day, resource, calls) in March.

    Rated under every renaming of its resources to "api", "cdn" and "db" (a
    permutation), with the records as given and reversed: one element when the resources'
    names and the records' order change nothing.
    """
    names = sorted({resource for _, resource, _ in stamped})
    seen = set()
    for renamed in itertools.permutations(["api", "cdn", "db"], len(names)):
        to = dict(zip(names, renamed, strict=True))
        records = [
            rk.Sample("acme", to[resource], "calls", f"2026-03-{day:02d}T00:00:00Z", n, id=f"r{i}")
            for i, (day, resource, n) in enumerate(stamped)
        ]
        for given in (records, records[::-1]):
            rating = rk.rate(given, plan, span=MARCH, meters=[CALLS])
            (invoice,) = rk.bill(rating)
            lines = tuple((line.entry or "", line.quantity, line.precise) for line in invoice.lines)
            seen.add((rating.total(), lines))
    return seen


def test_a_refund_of_three_resources_at_one_instant_takes_back_its_net_whatever_their_names() -> (
    None
):
    # Graduated 0.001 to 500 calls and 0.002 past, from 10 March 0.003 and 0.0015 past.
    # 505 calls on 2 March at a: 500 x 0.001 + 5 x 0.002 = 0.510. On 12 March, -4 on
    # "x", +3 on "y" and -2 on "z" net to -3, which take back the top 3 of a's units,
    # from 505 to 502 at 0.002: -0.006; total 0.504. The instant's call climbs first
    # (under b, from 505 to 508: 3 x 0.0015) and its refunds take it back from the top
    # (b: -0.0045) before a's units: a's line is 502 calls for 0.504, b's 0 calls for 0.
    # The same whatever resource is called what, or the records' order.
    stamped = [(2, "x", 505), (12, "x", -4), (12, "y", 3), (12, "z", -2)]
    assert _renamed(stamped, _tiered_at_two_prices()) == {
        (
            Decimal("0.504"),
            (("a", Decimal(502), Decimal("0.504")), ("b", Decimal(0), Decimal("0.0000"))),
        )
    }


def test_usage_of_three_resources_at_one_instant_fills_a_deficit_by_its_net() -> None:
    # A refund of 8 calls on 2 March goes below zero under a (priced 0). On 12 March +4
    # on "x", +12 on "y" and -6 on "z" net to +10: 8 fill a's deficit (from -8 to 0,
    # priced 0), the other 2 climb under b from 0 to 2: 2 x 0.003 = 0.006. a's line is
    # 0 calls for 0, b's 2 calls for 0.006, whatever the names: had the first usage's
    # units been the ones the refund cancels, "x"'s 4 would have climbed under b while
    # "y"'s filled the deficit, and a's fill been priced above zero (-0.002 or 0.002 by
    # the names).
    stamped = [(2, "x", -8), (12, "x", 4), (12, "y", 12), (12, "z", -6)]
    assert _renamed(stamped, _tiered_at_two_prices()) == {
        (
            Decimal("0.006"),
            (("a", Decimal(0), Decimal(0)), ("b", Decimal(2), Decimal("0.006"))),
        )
    }


def test_an_allowance_takes_an_instants_usage_before_its_refunds_whatever_their_names() -> None:
    # 2 calls free a month; graduated 1 a call to 5 and 2 past, from 10 March 3 to 5 and
    # 1 past. 3 calls on 2 March: 2 free, 1 billed at a (1). On 12 March -5 on one
    # resource and +3 on another net to -2: they take back the billed call (a, -1), then
    # give back one free call: the month is 1 call, free, and costs 0, whatever the
    # names. The call draws from the allowance first (nothing left: billed, under b from
    # 1 to 4, 9), and the refund takes it back (b, -9), then a's billed call and a free
    # one (a: -2 calls, -1 free, -1). Had the refund given back free calls first (its
    # resource sorting first), the call would have drawn 1 of them and billed 2 under b
    # (from 1 to 3, 6), the refund taking back 1 under b (-3) and 2 under a (-2): 2.
    plan = rk.Plan(
        "free",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", rk.Graduated([rk.Tier(5, 1), rk.Tier(None, 2)])),
            rk.PriceEntry(
                "b",
                "calls",
                rk.Graduated([rk.Tier(5, 3), rk.Tier(None, 1)]),
                start="2026-03-10T00:00:00Z",
                priority=1,
            ),
        ],
        allowances=[rk.Allowance("calls", 2)],
    )
    stamped = [(2, "x", 3), (12, "x", -5), (12, "y", 3)]
    assert _renamed(stamped, plan) == {
        (Decimal(0), (("a", Decimal(1), Decimal(0)), ("b", Decimal(0), Decimal(0))))
    }


def test_the_stream_prices_an_instant_split_across_statements_as_batch() -> None:
    # One graduated price (0.001 to 500 calls, 0.002 past): 501 calls on 2 March, then a
    # refund of 2 on "api" stamped 12 March, and a statement; the call of 12 March on
    # "api2" arrives after it. Batch prices the instant's call first (501 to 502: 0.002)
    # and the refund from the top (502 to 500: -0.004): the statements' lines add up to
    # that per resource, not to the refund first (-0.003) and the call on top (0.001).
    plan = rk.Plan(
        "one",
        "USD",
        MONTHS,
        [
            rk.PriceEntry(
                "a", "calls", rk.Graduated([rk.Tier(500, "0.001"), rk.Tier(None, "0.002")])
            )
        ],
    )
    records = _refund_and_call("api2")
    rater = rk.Rater(plan, [CALLS], start=MARCH.start, horizon=dt.timedelta(days=3))
    summed: dict[str | None, Decimal] = {}
    for record, as_of in zip(
        records,
        ["2026-03-03T00:00:00Z", "2026-03-12T01:00:00Z", "2026-03-12T02:00:00Z"],
        strict=True,
    ):
        rater.feed([record])
        for line in rater.statement(as_of).lines:
            summed[line.resource] = summed.get(line.resource, Decimal(0)) + line.amount
    for line in rater.statement("2026-04-03T00:00:00Z").lines:
        summed[line.resource] = summed.get(line.resource, Decimal(0)) + line.amount
    batch: dict[str | None, Decimal] = {}
    for charge in rk.rate(records, plan, span=MARCH, meters=[CALLS]).charges:
        batch[charge.resource] = batch.get(charge.resource, Decimal(0)) + charge.amount
    assert summed == batch == {"api": Decimal("0.498"), "api2": Decimal("0.002")}


def test_a_refund_under_a_third_volume_price_takes_back_both_earlier_prices_units() -> None:
    # Volume prices (1 a call to 10 calls, 2 past; 2 and 4 from 10 March; 4 and 8 from 20
    # March): 5 calls on 2 March at a, 3 on 12 March at b, 6 refunded on 25 March take
    # back b's 3, then 3 of a's. The cycle's total is 2 calls, all a's: a's share is
    # (5 - 3) / 2 of a's amount of 2 (2 x 1 = 2), b's (3 - 3) / 2 of its: 2 + 0 = 2 (with
    # the refund's b part dropped, b's 3 calls stayed billed: 8).
    def volume(unit: int) -> rk.Volume:
        return rk.Volume([rk.Tier(10, unit), rk.Tier(None, 2 * unit)])

    plan = rk.Plan(
        "volume",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", volume(1)),
            rk.PriceEntry("b", "calls", volume(2), start="2026-03-10T00:00:00Z", priority=1),
            rk.PriceEntry("c", "calls", volume(4), start="2026-03-20T00:00:00Z", priority=2),
        ],
    )
    rating = rk.rate(_calls((2, 5), (12, 3), (25, -6)), plan, span=MARCH, meters=[CALLS])
    assert sorted((c.entry, c.quantity, c.amount) for c in rating.charges) == [
        ("a", Decimal(-3), Decimal(-3)),
        ("a", Decimal(5), Decimal(5)),
        ("b", Decimal(-3), Decimal(-6)),
        ("b", Decimal(3), Decimal(6)),
    ]
    assert rating.total() == 2
