"""A university's chargeback, as the docs tell it: shared resources split among departments.

Departments are accounts; the GPU cluster, the storage array and the licence server are
resources of the central IT account (``hpc``) whose charges are split among departments
by ``rk.Share`` values given to ``rk.rate`` (docs/invoices.md, "Shared charges"). Cycles
are months in Europe/Berlin and the fiscal year starts in October.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="Europe/Berlin")
# March 2026 in Berlin: 1 March 00:00 CET to 1 April 00:00 CEST.
MARCH = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
MID = "2026-03-15T23:00:00Z"  # 16 March, 00:00 in Berlin
FIRST, SECOND = rk.Span(MARCH.start, MID), rk.Span(MID, MARCH.end)
D = Decimal


def row(
    account: str, meter: str, resource: str, quantity: object, span: rk.Span = MARCH
) -> rk.UsageRow:
    cycle = MONTHS.containing(span.start)
    return rk.UsageRow(account, meter, resource, span, cycle, quantity, "hour", {}, ())


def gpu_plan(plan_id: str = "gpu", price: str = "1", **kwargs: object) -> rk.Plan:
    entries = [
        rk.PriceEntry("gpu", "gpu.hours", rk.PerUnit(price)),
        rk.PriceEntry("own", "own", rk.PerUnit(1)),
    ]
    return rk.Plan(plan_id, "EUR", MONTHS, entries, **kwargs)  # type: ignore[arg-type]


def totals(invoices: tuple[rk.Invoice, ...]) -> list[tuple[str, Decimal]]:
    return [(invoice.account, invoice.total) for invoice in invoices]


def test_thirds_written_as_0_333_split_like_whole_thirds_to_the_cent() -> None:
    # 100 h x 1 = 100.00; shares 0.3333333333 x 3 are relative weights: thirds.
    # 100/3 = 33.333..; floors 33.33 x 3 = 99.99; the cent left goes to the first
    # account id (equal remainders): bio 33.34, chem 33.33, physics 33.33.
    third = D("0.3333333333")
    share = rk.Share("hpc", "cluster", {"physics": third, "chem": third, "bio": third})
    rating = rk.rate(
        [row("hpc", "gpu.hours", "cluster", 100)], gpu_plan(), span=MARCH, shares=[share]
    )
    invoices = rk.bill(rating)
    assert totals(invoices) == [("bio", D("33.34")), ("chem", D("33.33")), ("physics", D("33.33"))]
    assert sum(invoice.total for invoice in invoices) == D("100.00")
    # The owner is not a holder: it has no invoice, and the label reads 1/3.
    assert [line.label for line in invoices[0].lines] == ["gpu.hours · gpu · cluster (shared 1/3)"]
    # The rating keeps the exact charge with its owner.
    assert rating.total() == D(100)
    assert rating.total(account="bio") == 0


def test_uneven_weights_print_as_a_marked_percentage() -> None:
    # 0.3333333333 : 0.6666666667 is no fraction with a denominator up to 100: ~%.
    # 100 h x 0.01 = 1.00 -> physics 0.3333333333 (33.33 cents: 0.33), chem 0.67.
    share = rk.Share("hpc", "cluster", {"physics": "0.3333333333", "chem": "0.6666666667"})
    rating = rk.rate(
        [row("hpc", "gpu.hours", "cluster", 100)],
        gpu_plan(price="0.01"),
        span=MARCH,
        shares=[share],
    )
    invoices = rk.bill(rating)
    assert totals(invoices) == [("chem", D("0.67")), ("physics", D("0.33"))]
    assert [invoice.lines[0].label for invoice in invoices] == [
        "gpu.hours · gpu · cluster (shared ~66.67%)",
        "gpu.hours · gpu · cluster (shared ~33.33%)",
    ]


def test_a_department_leaving_mid_month_splits_each_period_on_its_own() -> None:
    # Rows cut at 16 March (local midnight): 100 h before, 201 h after, at 0.01.
    # Before: 1.00 in thirds -> 0.34 (bio, first id), 0.33, 0.33.
    # After (bio left): 2.01 in halves -> 1.005 each; floors 1.00 + 1.00, the cent to
    # chem (first id): chem 1.01, physics 1.00.
    rows = [
        row("hpc", "gpu.hours", "cluster", 100, FIRST),
        row("hpc", "gpu.hours", "cluster", 201, SECOND),
    ]
    shares = [
        rk.Share("hpc", "cluster", {"physics": 1, "chem": 1, "bio": 1}, end=MID),
        rk.Share("hpc", "cluster", {"physics": 1, "chem": 1}, start=MID),
    ]
    rating = rk.rate(rows, gpu_plan(price="0.01"), span=MARCH, shares=shares)
    invoices = rk.bill(rating)
    assert [(i.account, [line.amount for line in i.lines]) for i in invoices] == [
        ("bio", [D("0.34")]),
        ("chem", [D("0.33"), D("1.01")]),
        ("physics", [D("0.33"), D("1.00")]),
    ]
    assert sum(i.total for i in invoices) == D("3.01")  # 1.00 + 2.01, to the cent
    assert [line.whole for line in invoices[1].lines] == [D("1.00"), D("2.01")]
    # by_resource detail bills the same.
    assert totals(rk.bill(rating, by_resource=True)) == totals(invoices)


def test_a_charge_across_a_mid_month_share_bound_is_refused() -> None:
    shares = [
        rk.Share("hpc", "cluster", {"physics": 1, "chem": 1, "bio": 1}, end=MID),
        rk.Share("hpc", "cluster", {"physics": 1, "chem": 1}, start=MID),
    ]
    rating = rk.rate(
        [row("hpc", "gpu.hours", "cluster", 100)], gpu_plan(), span=MARCH, shares=shares
    )
    with pytest.raises(rk.BadPriceError, match=r"across its bounds.*cycle boundaries"):
        rk.bill(rating)


def test_a_plan_switch_at_the_share_change_rounds_every_whole_with_the_latest_plan() -> None:
    # Plan a (0.333, cent, floor) until 16 March, plan b (0.0777, 0.05, ceiling) after.
    # Before: 7 h x 0.333 = 2.331 -> on 0.05 up: 2.35 = 47 steps in thirds: 15 each and
    # 2 left to bio and chem: 0.80, 0.80, 0.75.
    # After: 11 h x 0.0777 = 0.8547 -> 0.90 = 18 steps, 2:1 -> physics 0.60, chem 0.30.
    a = gpu_plan("a", "0.333", rounding="ROUND_FLOOR")
    b = gpu_plan("b", "0.0777", quantum="0.05", rounding="ROUND_CEILING")
    rows = [
        row("hpc", "gpu.hours", "cluster", 7, FIRST),
        row("hpc", "gpu.hours", "cluster", 11, SECOND),
    ]
    shares = [
        rk.Share("hpc", "cluster", {"physics": 1, "chem": 1, "bio": 1}, end=MID),
        rk.Share("hpc", "cluster", {"physics": 2, "chem": 1}, start=MID),
    ]
    plans = [rk.Assignment("hpc", a, end=MID), rk.Assignment("hpc", b, start=MID)]
    rating = rk.rate(rows, plans, span=MARCH, shares=shares)
    assert rating.total() == D("3.1857")  # 2.331 + 0.8547, exact, to the owner
    invoices = rk.bill(rating)
    assert [(i.account, [line.amount for line in i.lines], i.total) for i in invoices] == [
        ("bio", [D("0.80")], D("0.80")),
        ("chem", [D("0.80"), D("0.30")], D("1.10")),
        ("physics", [D("0.75"), D("0.60")], D("1.35")),
    ]
    assert sum(i.total for i in invoices) == D("2.35") + D("0.90")
    # Each part is its plan's unit price; FOCUS rows add up to each invoice.
    assert [line.unit_price for line in invoices[2].lines] == [D("0.333"), D("0.0777")]
    focus = rk.focus_rows(invoices, provider="University IT")
    for invoice in invoices:
        billed = [D(r["BilledCost"]) for r in focus if r["BillingAccountId"] == invoice.account]
        assert sum(billed) == invoice.total
    assert [(r["BillingAccountId"], r["x_Plan"]) for r in focus] == [
        ("bio", "a"),
        ("chem", "a"),
        ("chem", "b"),
        ("physics", "a"),
        ("physics", "b"),
    ]


def test_an_owner_holding_a_third_under_a_minimum_pays_exactly_its_commitment() -> None:
    # Own usage 5.00; the cluster's 10.00 in thirds: a (owner, first id) 3.34, b 3.33,
    # c 3.33. Minimum 20: top-up 20 - (5.00 + 3.34) = 11.66; invoice 20.00.
    rows = [row("a", "own", "x", 5), row("a", "gpu.hours", "cluster", 10)]
    share = rk.Share("a", "cluster", {"a": 1, "b": 1, "c": 1})
    rating = rk.rate(rows, gpu_plan(minimums=[rk.Minimum(20)]), span=MARCH, shares=[share])
    owner, b, c = rk.bill(rating)
    assert [(line.kind, line.amount) for line in owner.lines] == [
        ("usage", D("5.00")),
        ("minimum", D("11.66")),
        ("shared", D("3.34")),
    ]
    assert owner.total == D("20.00")
    assert (b.total, c.total) == (D("3.33"), D("3.33"))


def test_an_owner_holding_a_quarter_pays_its_commitment_as_the_docs_work_it() -> None:
    # docs/invoices.md: 5.00 own + a quarter of 10.00 (2.50), Minimum(20): top-up
    # 20 - 7.50 = 12.50, invoice 20.00; b pays 7.50.
    rows = [row("a", "own", "x", 5), row("a", "gpu.hours", "cluster", 10)]
    share = rk.Share("a", "cluster", {"a": 1, "b": 3})
    rating = rk.rate(rows, gpu_plan(minimums=[rk.Minimum(20)]), span=MARCH, shares=[share])
    owner, holder = rk.bill(rating)
    assert [(line.kind, line.amount) for line in owner.lines] == [
        ("usage", D("5.00")),
        ("minimum", D("12.50")),
        ("shared", D("2.50")),
    ]
    assert (owner.total, holder.total) == (D("20.00"), D("7.50"))


def test_an_owner_that_holds_no_share_tops_up_its_whole_commitment() -> None:
    # The cluster's 10.00 all goes to b; the owner's minimum of 20 counts nothing.
    share = rk.Share("a", "cluster", {"b": 1})
    plan = gpu_plan(minimums=[rk.Minimum(20)])
    rating = rk.rate([row("a", "gpu.hours", "cluster", 10)], plan, span=MARCH, shares=[share])
    assert [
        (i.account, [(line.kind, line.amount) for line in i.lines]) for i in rk.bill(rating)
    ] == [
        ("a", [("minimum", D("20.00"))]),
        ("b", [("shared", D("10.00"))]),
    ]


def test_a_holders_part_does_not_count_towards_the_holders_own_minimum() -> None:
    # physics is on a whole-euro plan with a minimum of 50 and 3 h of its own:
    # top-up 50 - 3 = 47 (its part 10.01 / 2 -> 5.00, on the owner's cent, counts not).
    # Subtotal 3 + 47 + 5.00 = 55.00; a grant of 100 pays 55 (whole euros), 45 left.
    whole_euros = gpu_plan("whole", quantum=1, minimums=[rk.Minimum(50)])
    plans = [
        rk.Assignment("hpc", gpu_plan()),
        rk.Assignment("physics", whole_euros),
        rk.Assignment("chem", gpu_plan()),
    ]
    rows = [row("hpc", "gpu.hours", "cluster", "10.01"), row("physics", "gpu.hours", "ws", 3)]
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 1})
    rating = rk.rate(rows, plans, span=MARCH, shares=[share])
    grant = rk.Credit("dfg", "physics", 100, "EUR", start=MARCH.start)
    chem, physics = rk.bill(rating, credits=[grant])
    assert chem.total == D("5.01")  # 5.005 + 5.005 = 10.01: the cent to chem
    assert [(line.kind, line.amount) for line in physics.lines] == [
        ("usage", D("3")),
        ("minimum", D("47")),
        ("shared", D("5.00")),
    ]
    assert physics.subtotal == D("55.00")
    assert physics.total == D("0.00")
    assert physics.credits[0].applied == 55
    assert physics.credits[0].left == 45


def test_a_holder_on_a_plan_in_another_currency_is_refused_naming_both() -> None:
    usd = rk.Plan("usd", "USD", MONTHS, [rk.PriceEntry("gpu", "gpu.hours", rk.PerUnit(1))])
    plans = [rk.Assignment("hpc", gpu_plan()), rk.Assignment("physics", usd)]
    rows = [row("hpc", "gpu.hours", "cluster", 10), row("physics", "gpu.hours", "ws", 3)]
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 1})
    rating = rk.rate(rows, plans, span=MARCH, shares=[share])
    with pytest.raises(rk.CurrencyMismatchError, match=r"'physics'.*USD.*EUR"):
        rk.bill(rating)


def test_a_grant_larger_than_the_invoices_is_spent_in_cycle_order_and_carried() -> None:
    # Q1 of the fiscal year (Oct-Dec 2025, Berlin): 10, 20, 30 h at 1, split 1:2.
    # physics: 3.33 (10/3 = 3.333.., chem's remainder .666 is larger), 6.67, 10.00.
    # A grant of 15 until 1 December pays 3.33 in October, 6.67 in November and
    # lapses with 5.00 left before December.
    quarter = rk.Span("2025-09-30T22:00:00Z", "2025-12-31T23:00:00Z")
    cycles = list(MONTHS.spans(quarter))
    rows = [
        rk.UsageRow("hpc", "gpu.hours", "cluster", c, c, 10 * (i + 1), "hour", {}, ())
        for i, c in enumerate(cycles)
    ]
    shares = [rk.Share("hpc", "cluster", {"physics": 1, "chem": 2})]
    grant = rk.Credit(
        "dfg", "physics", 15, "EUR", start=quarter.start, expires="2025-12-01T00:00:00+01:00"
    )
    invoices = rk.bill(rk.rate(rows, gpu_plan(), span=quarter, shares=shares), credits=[grant])
    physics = [i for i in invoices if i.account == "physics"]
    assert [(i.subtotal, i.total) for i in physics] == [
        (D("3.33"), D("0.00")),
        (D("6.67"), D("0.00")),
        (D("10.00"), D("10.00")),
    ]
    assert [line.left for i in physics for line in i.credits] == [D("11.67"), D("5.00")]
    # Billed one month at a time, carrying balances with credits_left: the same.
    balances: list[rk.Credit] = [grant]
    one_by_one: list[rk.Invoice] = []
    for cycle in cycles:
        month = rk.rate([r for r in rows if r.span == cycle], gpu_plan(), span=cycle, shares=shares)
        billed = rk.bill(month, credits=balances)
        one_by_one += billed
        balances = list(rk.credits_left(balances, billed))
    key = lambda i: (i.account, i.cycle.start)  # noqa: E731
    assert sorted(one_by_one, key=key) == sorted(invoices, key=key)


def test_a_credit_in_another_currency_is_refused_naming_it() -> None:
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 1})
    rating = rk.rate(
        [row("hpc", "gpu.hours", "cluster", 10)], gpu_plan(), span=MARCH, shares=[share]
    )
    dollars = rk.Credit("nsf", "chem", 5, "USD", start=MARCH.start)
    with pytest.raises(rk.CurrencyMismatchError, match=r"credit 'nsf' of account 'chem' is in USD"):
        rk.bill(rating, credits=[dollars])


FISCAL_YEAR = rk.Span("2025-09-30T22:00:00Z", "2026-09-30T22:00:00Z")  # Oct 2025 .. Oct 2026
Q1 = rk.Span("2025-09-30T22:00:00Z", "2025-12-31T23:00:00Z")
NEW_YEAR = "2025-12-31T23:00:00Z"  # 1 January 2026, 00:00 in Berlin


def fiscal_rows() -> list[rk.UsageRow]:
    return [
        rk.UsageRow("hpc", "gpu.hours", "cluster", c, c, 100 + 7 * i, "hour", {}, ())
        for i, c in enumerate(MONTHS.spans(FISCAL_YEAR))
    ]


FISCAL_SHARES = [
    rk.Share("hpc", "cluster", {"physics": 1, "chem": 1, "bio": 1}, end=NEW_YEAR),
    rk.Share("hpc", "cluster", {"physics": 1, "chem": 2}, start=NEW_YEAR),
]


def test_the_fiscal_year_rated_in_batch_bills_its_first_quarter_as_the_quarter_does() -> None:
    plan = gpu_plan(price="0.0377", minimums=[rk.Minimum(5)])
    year = rk.bill(rk.rate(fiscal_rows(), plan, span=FISCAL_YEAR, shares=FISCAL_SHARES))
    q1_rows = [r for r in fiscal_rows() if r.span.end <= Q1.end]
    quarter = rk.bill(rk.rate(q1_rows, plan, span=Q1, shares=FISCAL_SHARES))
    assert len(list(MONTHS.spans(FISCAL_YEAR))) == 12
    assert set(quarter) == {i for i in year if i.cycle.end <= Q1.end}
    assert len(quarter) == 12  # bio, chem, hpc (its minimum), physics x 3 months
    # October: 100 h x 0.0377 = 3.77 in thirds, 1.2566.. each: floors 1.25 x 3 = 3.75,
    # 2 cents to bio and chem. The owner holds nothing: its minimum of 5 is all due.
    october = {i.account: i.total for i in quarter if i.cycle.start == Q1.start}
    assert october == {"bio": D("1.26"), "chem": D("1.26"), "hpc": D("5.00"), "physics": D("1.25")}
    # January: 100 + 7 x 3 = 121 h x 0.0377 = 4.5617 -> 4.56, 1:2 -> 1.52 and 3.04.
    january = {
        i.account: i.total for i in year if i.cycle.start == MONTHS.containing(NEW_YEAR).start
    }
    assert january == {"chem": D("3.04"), "hpc": D("5.00"), "physics": D("1.52")}


def test_compare_plans_splits_the_shared_cluster_under_each_candidate() -> None:
    # October under "now" (0.0377): 3.77 -> bio 1.26; under "flat" (0.03): 3.00 -> 1.00.
    now = gpu_plan("now", price="0.0377")
    flat = gpu_plan("flat", price="0.03")
    comparison = rk.compare_plans(
        fiscal_rows(), {"now": now, "flat": flat}, span=FISCAL_YEAR, shares=FISCAL_SHARES
    )
    first = [(r.account, r.candidate, r.total, r.change) for r in comparison.rows[:2]]
    assert first == [("bio", "now", D("1.26"), "same"), ("bio", "flat", D("1.00"), "pays less")]
    for name, plan in (("now", now), ("flat", flat)):
        billed = rk.bill(rk.rate(fiscal_rows(), plan, span=FISCAL_YEAR, shares=FISCAL_SHARES))
        assert comparison.totals()[name] == sum(i.total for i in billed)
    # The flat plan bills the 1,662 h of the year exactly: 12 x 100 + 7 x 66 = 1662 h
    # x 0.03 = 49.86, each month's whole split to the cent.
    assert comparison.totals()["flat"] == D("49.86")


def test_parts_of_a_correction_are_floored_and_the_quanta_left_go_in_account_order() -> None:
    # -100 h x 0.01 = -1.00 in thirds: -0.333.. each; floors -0.34 x 3 = -1.02, the two
    # cents left to bio and chem (equal remainders): -0.33, -0.33, -0.34.
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 1, "bio": 1})
    rating = rk.rate(
        [row("hpc", "gpu.hours", "cluster", -100)],
        gpu_plan(price="0.01"),
        span=MARCH,
        shares=[share],
    )
    assert totals(rk.bill(rating)) == [
        ("bio", D("-0.33")),
        ("chem", D("-0.33")),
        ("physics", D("-0.34")),
    ]


def test_a_cent_in_thirds_bills_zero_parts_to_two_departments() -> None:
    # 1 h x 0.01 = 0.01 in thirds: 0.0033.. each; floors 0, the cent to bio.
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 1, "bio": 1})
    rating = rk.rate(
        [row("hpc", "gpu.hours", "cluster", 1)], gpu_plan(price="0.01"), span=MARCH, shares=[share]
    )
    invoices = rk.bill(rating)
    assert totals(invoices) == [("bio", D("0.01")), ("chem", D("0.00")), ("physics", D("0.00"))]
    # FOCUS: the holder's quantity is its exact third of 1 h, to 60 digits.
    focus = rk.focus_rows(invoices, provider="University IT")
    quantity = Fraction(focus[-1]["PricingQuantity"])
    assert abs(quantity - Fraction(1, 3)) < Fraction(1, 10**59)


def test_a_share_of_one_meter_leaves_the_resources_other_meters_with_the_owner() -> None:
    # The array bills gpu.hours 10 (to a) and own 4 (stays with hpc).
    rows = [row("hpc", "gpu.hours", "array", 10), row("hpc", "own", "array", 4)]
    shares = [rk.Share("hpc", "array", {"a": 1}, meter="gpu.hours")]
    rating = rk.rate(rows, gpu_plan(), span=MARCH, shares=shares)
    assert totals(rk.bill(rating)) == [("a", D("10.00")), ("hpc", D("4.00"))]


def test_thirds_that_do_not_add_up_to_one_give_the_cent_to_the_largest_weight() -> None:
    # Weights 0.3333333333, 0.3333333333, 0.3333333334 (sum 1): c's exact part of 100.00
    # is 33.33333334, its remainder 0.003333334 the largest, so c takes the cent, not a.
    # The array stays with the owner (no share names it): 1 h x 1 = 1.00.
    third = "0.3333333333"
    share = rk.Share("hpc", "cluster", {"a": third, "b": third, "c": "0.3333333334"})
    rows = [row("hpc", "gpu.hours", "cluster", 100), row("hpc", "gpu.hours", "array", 1)]
    rating = rk.rate(rows, gpu_plan(), span=MARCH, shares=[share])
    expected = [("a", D("33.33")), ("b", D("33.33")), ("c", D("33.34")), ("hpc", D("1.00"))]
    assert totals(rk.bill(rating)) == expected
    assert totals(rk.bill(rating, by_resource=True)) == expected
    assert rk.bill(rating)[2].lines[0].label == "gpu.hours · gpu · cluster (shared ~33.33%)"
    comparison = rk.compare_plans(
        rows, {"now": gpu_plan()}, span=MARCH, shares=[share], by_resource=True
    )
    assert [(r.account, r.total) for r in comparison.rows] == expected
