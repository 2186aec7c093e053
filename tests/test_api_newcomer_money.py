"""A metered API's money, worked by hand: tiers, allowances, commitments, credits, exports.

Read from the pricing, invoices, exports and experiments pages only. Per-call pricing
under Graduated and Volume tiers, a free allowance of calls, a monthly commitment met
exactly (and only after rounding), credits larger than the invoice, an allowance larger
than the usage, refunds that move a Volume total back across a bound, three candidate
plans compared, and exports (FOCUS, rows, frames) that add up to the invoices.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
MONTHS = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
SPRING = rk.Span("2026-04-01T00:00:00Z", "2026-06-01T00:00:00Z")
VOLUME = rk.Volume([rk.Tier(1000, "0.003"), rk.Tier(5000, "0.002"), rk.Tier(None, "0.001")])


def call(
    at: str, quantity: object, ident: str, account: str = "acme", key: str = "key"
) -> rk.Sample:
    return rk.Sample(account, key, "calls", at, quantity, id=ident)


def plan(model: object, name: str = "api", **parts: object) -> rk.Plan:
    return rk.Plan(name, "USD", MONTHS, [rk.PriceEntry("calls", "calls", model)], **parts)


def rated(records: list[rk.Sample], priced: rk.Plan, span: rk.Span = APRIL) -> rk.Rating:
    return rk.rate(records, priced, span=span, meters=[CALLS])


# --- commitments, allowances and credits ---------------------------------------------


def test_usage_exactly_equal_to_the_commitment_bills_no_top_up_line() -> None:
    # 11,000 calls, 1,000 free: 10,000 x 0.002 = 20.00, the commitment exactly.
    graduated = rk.Graduated([rk.Tier(10000, "0.002"), rk.Tier(None, "0.003")])
    committed = plan(graduated, allowances=[rk.Allowance("calls", 1000)], minimums=[rk.Minimum(20)])
    (invoice,) = rk.bill(rated([call("2026-04-10T00:00:00Z", 11000, "a")], committed))
    assert [(line.kind, line.free, line.amount) for line in invoice.lines] == [
        ("usage", Decimal(1000), Decimal("20.00"))
    ]
    assert invoice.total == Decimal("20.00")


@pytest.mark.parametrize(
    ("calls", "usage", "top_up"),
    [
        # 9,995 x 0.001 = 9.995, printed 10.00 (half-even); exact top-up 0.005, billed
        # 10.00 - lines 10.00 = 0.00: the lines add up to exactly the commitment.
        (9995, "10.00", "0.00"),
        # 9,994 x 0.001 = 9.994 -> 9.99; 10.00 - 9.99 = 0.01.
        (9994, "9.99", "0.01"),
    ],
)
def test_a_commitment_met_only_after_rounding_bills_exactly_the_commitment(
    calls: int, usage: str, top_up: str
) -> None:
    committed = plan(rk.PerUnit("0.001"), minimums=[rk.Minimum(10)])
    (invoice,) = rk.bill(rated([call("2026-04-02T00:00:00Z", calls, "a")], committed))
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal(usage)),
        ("minimum", Decimal(top_up)),
    ]
    assert invoice.total == Decimal("10.00")
    rows = rk.focus_rows([invoice], provider="Example API")
    assert [(row["ChargeCategory"], row["BilledCost"]) for row in rows] == [
        ("Usage", usage),
        ("Adjustment", top_up),
    ]


def test_an_allowance_larger_than_the_usage_frees_it_all_and_the_commitment_is_due() -> None:
    # 300 calls under 1,000 free: all free, 0.00; the commitment of 20 is a top-up of 20.
    committed = plan(
        rk.PerUnit("0.01"), allowances=[rk.Allowance("calls", 1000)], minimums=[rk.Minimum(20)]
    )
    rating = rated([call("2026-04-10T00:00:00Z", 300, "a")], committed)
    assert [(c.kind, c.quantity, c.free, c.amount) for c in rating.charges] == [
        ("usage", Decimal(300), Decimal(300), Decimal("0.00")),
        ("minimum", Decimal(1), Decimal(0), Decimal(20)),
    ]
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("20.00")


def test_a_credit_larger_than_the_invoices_pays_them_and_keeps_the_rest_until_it_expires() -> None:
    # April: 20.00 due, the grant of 100 pays 20 (80 left). May: the commitment's 20.00;
    # the grant expires on 15 May, but it overlaps May, so it pays May whole (60 left,
    # which lapses). June is outside its life.
    committed = plan(rk.PerUnit("0.002"), minimums=[rk.Minimum(20)])
    three = rk.Span("2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z")
    grant = rk.Credit(
        "grant", "acme", 100, "USD", start="2026-04-01T00:00:00Z", expires="2026-05-15T00:00:00Z"
    )
    invoices = rk.bill(
        rated([call("2026-04-10T00:00:00Z", 10000, "a")], committed, three), credits=[grant]
    )
    assert [(i.subtotal, i.total) for i in invoices] == [
        (Decimal("20.00"), Decimal("0.00")),
        (Decimal("20.00"), Decimal("0.00")),
        (Decimal("20.00"), Decimal("20.00")),
    ]
    assert [[(c.applied, c.left) for c in i.credits] for i in invoices] == [
        [(Decimal("20.00"), Decimal("80.00"))],
        [(Decimal("20.00"), Decimal("60.00"))],
        [],
    ]
    (left,) = rk.credits_left([grant], invoices)
    assert (left.amount, left.granted) == (Decimal("60.00"), Decimal(100))


def test_a_renewing_grant_is_spent_before_a_one_time_credit_of_lower_priority() -> None:
    # 3,000 calls a month at 0.01 = 30.00 (the commitment of 25 is met). The renewing
    # grant (10 a cycle, priority 1, expires 15 May) pays 10 of April and of May; the
    # one-time 40 pays 20 + 20; June pays itself.
    committed = plan(rk.PerUnit("0.01"), minimums=[rk.Minimum(25)])
    three = rk.Span("2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z")
    records = [call(f"2026-0{month}-10T00:00:00Z", 3000, f"u{month}") for month in (4, 5, 6)]
    grant = rk.Credit(
        "grant",
        "acme",
        10,
        "USD",
        start="2026-04-01T00:00:00Z",
        expires="2026-05-15T00:00:00Z",
        renews=True,
        priority=1,
    )
    once = rk.Credit("once", "acme", 40, "USD", start="2026-04-01T00:00:00Z")
    invoices = rk.bill(rated(records, committed, three), credits=[grant, once])
    assert [[(c.credit, c.applied) for c in i.credits] for i in invoices] == [
        [("grant", Decimal("10.00")), ("once", Decimal("20.00"))],
        [("grant", Decimal("10.00")), ("once", Decimal("20.00"))],
        [],
    ]
    assert [i.total for i in invoices] == [Decimal("0.00"), Decimal("0.00"), Decimal("30.00")]


# --- Volume tiers and refunds ---------------------------------------------------------


@pytest.mark.parametrize("refund_day", ["2026-04-20", "2026-04-05"])
def test_a_refund_that_takes_a_volume_total_back_below_a_bound_costs_more(
    refund_day: str,
) -> None:
    # 6,000 calls, 500 free: 5,500 billed, all in the third tier: 5,500 x 0.001 = 5.50.
    # A refund of 1,500 calls nets 4,500 used, 500 free, 4,000 billed: the second tier,
    # 4,000 x 0.002 = 8.00. The cycle costs the price of its total, whichever comes first.
    free = plan(VOLUME, allowances=[rk.Allowance("calls", 500)])
    use = call("2026-04-10T00:00:00Z", 6000, "use")
    assert rk.bill(rated([use], free))[0].total == Decimal("5.50")
    refund = call(f"{refund_day}T00:00:00Z", -1500, "refund")
    rating = rated([use, refund], free)
    assert rating.anomalies == ()
    assert sum(c.amount for c in rating.charges) == Decimal("8.000")
    assert rk.bill(rating)[0].total == Decimal("8.00")


def test_refunds_beyond_the_usage_cost_nothing_and_say_so() -> None:
    # 100 calls, then 300 refunded: the total is -200, priced at 0 with an anomaly.
    rating = rated(
        [call("2026-04-02T00:00:00Z", 100, "use"), call("2026-04-03T00:00:00Z", -300, "refund")],
        plan(VOLUME),
    )
    assert [c.amount for c in rating.charges] == [Decimal("0.300"), Decimal("-0.300")]
    assert [anomaly.kind for anomaly in rating.anomalies] == ["negative_total"]
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_a_volume_piece_that_reaches_a_cheaper_tier_is_negative_on_a_detailed_invoice() -> None:
    # Documented: the piece is the change in the cycle's price. k0's 900 calls cost
    # 900 x 0.0031 = 2.79; k1's 200 take the total to 1,100 x 0.0017 = 1.87, so k1's
    # line is 1.87 - 2.79 = -0.92. The lines add up to the Volume price of 1,100.
    cheaper = plan(rk.Volume([rk.Tier(1000, "0.0031"), rk.Tier(None, "0.0017")]))
    records = [
        call("2026-04-02T00:00:00Z", 900, "x", key="k0"),
        call("2026-04-03T00:00:00Z", 200, "y", key="k1"),
    ]
    (invoice,) = rk.bill(rated(records, cheaper), by_resource=True)
    assert [(line.resource, line.amount) for line in invoice.lines] == [
        ("k0", Decimal("2.79")),
        ("k1", Decimal("-0.92")),
    ]
    assert invoice.total == Decimal("1.87")
    rows = rk.focus_rows([invoice], provider="Example API")
    assert [(row["ResourceId"], row["BilledCost"]) for row in rows] == [
        ("k0", "2.79"),
        ("k1", "-0.92"),
    ]


# --- three candidate plans ------------------------------------------------------------


def three_candidates() -> dict[str, rk.Plan]:
    return {
        "payg": plan(rk.PerUnit("0.002"), "payg"),
        "graduated": plan(
            rk.Graduated([rk.Tier(1000, "0"), rk.Tier(10000, "0.002"), rk.Tier(None, "0.001")]),
            "graduated",
            minimums=[rk.Minimum(10)],
        ),
        "volume": plan(
            rk.Volume([rk.Tier(1000, "0.003"), rk.Tier(10000, "0.0025"), rk.Tier(None, "0.0015")]),
            "volume",
            fees=[rk.Fee("platform", 5)],
        ),
    }


USAGE = [
    call("2026-04-10T00:00:00Z", 3000, "a1"),
    call("2026-04-11T00:00:00Z", 12000, "b1", "beta"),
]


def test_three_candidate_plans_compared_by_hand() -> None:
    # acme, 3,000 calls: payg 6.00; graduated 2,000 x 0.002 = 4.00 + top-up 6.00 = 10.00;
    # volume 3,000 x 0.0025 = 7.50 + 5 = 12.50.
    # beta, 12,000 calls: payg 24.00; graduated 9,000 x 0.002 + 2,000 x 0.001 = 20.00;
    # volume 12,000 x 0.0015 = 18.00 + 5 = 23.00.
    comparison = rk.compare_plans(USAGE, three_candidates(), span=APRIL, meters=[CALLS])
    assert [(r.account, r.candidate, r.total, r.difference, r.change) for r in comparison.rows] == [
        ("acme", "payg", Decimal("6.00"), Decimal("0.00"), "same"),
        ("acme", "graduated", Decimal("10.00"), Decimal("4.00"), "pays more"),
        ("acme", "volume", Decimal("12.50"), Decimal("6.50"), "pays more"),
        ("beta", "payg", Decimal("24.00"), Decimal("0.00"), "same"),
        ("beta", "graduated", Decimal("20.00"), Decimal("-4.00"), "pays less"),
        ("beta", "volume", Decimal("23.00"), Decimal("-1.00"), "pays less"),
    ]
    assert comparison.totals() == {
        "payg": Decimal("30.00"),
        "graduated": Decimal("30.00"),
        "volume": Decimal("35.50"),
    }
    # Each candidate rated on its own with rk.rate gives the same invoices.
    for name, candidate in three_candidates().items():
        totals = [i.total for i in rk.bill(rated(USAGE, candidate))]
        assert totals == [r.total for r in comparison.rows if r.candidate == name]
    rows = json.loads(json.dumps(comparison.to_rows()))
    assert [row["total"] for row in rows if row["candidate"] == "volume"] == ["12.50", "23.00"]


def test_the_comparison_and_invoice_previews_escape_hostile_names() -> None:
    hostile = "<script>alert(1)</script>"
    records = [call("2026-04-10T00:00:00Z", 3000, "a1", hostile, key="<img src=x>")]
    comparison = rk.compare_plans(
        records, {"<b>now</b>": three_candidates()["payg"]}, span=APRIL, meters=[CALLS]
    )
    page = comparison._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<b>now</b>" not in page
    assert "&lt;b&gt;now&lt;/b&gt;" in page
    (invoice,) = rk.bill(rated(records, three_candidates()["payg"]), by_resource=True)
    page = invoice._repr_html_()
    assert "<script>" not in page
    assert "<img" not in page
    assert "&lt;img src=x&gt;" in page


# --- exports add up to the invoices --------------------------------------------------


def test_focus_rows_rows_and_frames_add_up_to_the_invoices_after_credits() -> None:
    # Volume with a flat fee per tier, 77 free calls, a commitment of 5, a hostile mix
    # of refunds over two API keys and two accounts; credits larger than one invoice.
    pytest.importorskip("pandas")
    priced = plan(
        rk.Volume([rk.Tier(1000, "0.0031", flat="1"), rk.Tier(None, "0.0017", flat="2")]),
        allowances=[rk.Allowance("calls", 77)],
        minimums=[rk.Minimum(5)],
    )
    records = [
        call("2026-04-02T00:00:00Z", 900, "a1", key="k0"),
        call("2026-04-03T00:00:00Z", 333, "a2", key="k1"),
        call("2026-04-04T00:00:00Z", -250, "a3", key="k0"),
        call("2026-04-05T00:00:00Z", 17, "b1", "beta"),
        call("2026-05-06T00:00:00Z", 2500, "a4", key="k1"),
    ]
    granted = [
        rk.Credit(
            "promo",
            "acme",
            "4.00",
            "USD",
            start="2026-04-01T00:00:00Z",
            expires="2026-04-10T00:00:00Z",
        ),
        rk.Credit("big", "beta", 1000, "USD", start="2026-04-01T00:00:00Z"),
    ]
    rating = rated(records, priced, SPRING)
    for by_resource in (False, True):
        invoices = rk.bill(rating, credits=granted, by_resource=by_resource)
        rows = rk.focus_rows(invoices, provider="Example API")
        for invoice in invoices:
            mine = [
                r
                for r in rows
                if r["BillingAccountId"] == invoice.account
                and r["BillingPeriodStart"] == rk.to_row(invoice)["cycle_start"]
            ]
            assert sum(Decimal(r["BilledCost"]) for r in mine) == invoice.total
            assert sum(line.amount for line in invoice.lines) == invoice.subtotal
        assert [Decimal(r["total"]) for r in rk.to_rows(invoices)] == [i.total for i in invoices]
        frame = rk.invoice_lines_frame(invoices)
        sums = frame.groupby(["account", "cycle_start"])["amount"].sum()
        assert sorted(sums.to_list()) == sorted(i.subtotal for i in invoices)
    # Charges, exported one row each, add up exactly to each invoice's precise total.
    rows = rk.focus_rows(rating, provider="Example API")
    assert sum(Decimal(r["BilledCost"]) for r in rows) == sum(
        i.precise_total for i in rk.bill(rating)
    )
    # And every invoice comes back from its row whole.
    for invoice in rk.bill(rating, credits=granted):
        back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert back == invoice
        assert str(back) == str(invoice)
