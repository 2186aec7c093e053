"""A CDN's March after it closed: credits, every export the docs offer, and an analyst's
comparison of two candidate plans, each checked against a hand computation in Fractions.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._cdn_edges import (
    ASSIGNMENTS,
    BIGCO,
    GB,
    METERS,
    MONTH_END,
    MONTH_START,
    MONTHLY,
    STANDARD,
    distinct_records,
    month_of_files,
    node_events,
    oracle_invoices,
    round_cents,
)

import ratekit as rk

MARCH = rk.Span(MONTH_START, MONTH_END)
HORIZON = dt.timedelta(days=3)


@pytest.fixture(scope="module")
def records() -> list[rk.Sample | rk.Event]:
    return node_events() + distinct_records(month_of_files(seed=7))


@pytest.fixture(scope="module")
def closing(records: list[rk.Sample | rk.Event]) -> tuple[rk.Invoice, ...]:
    rater = rk.Rater(ASSIGNMENTS, METERS, start=MONTH_START, horizon=HORIZON, tz="Asia/Tokyo")
    rater.feed(records)
    return rater.statement(MONTH_END + HORIZON).invoices


def test_prepaid_credits_pay_the_closing_invoices(
    closing: tuple[rk.Invoice, ...], records: list[rk.Sample | rk.Event]
) -> None:
    expected = oracle_invoices(records)
    prepaid = [
        rk.Credit("prepaid", "acme", 120, "USD", start=MONTH_START),
        rk.Credit("prepaid", "bigco", "5000.00", "USD", start=MONTH_START),  # more than its total
    ]
    credited = {invoice.account: invoice for invoice in rk.apply_credits(closing, prepaid)}
    acme_total = sum(expected["acme"].values(), Decimal(0))
    big_total = sum(expected["bigco"].values(), Decimal(0))
    assert credited["acme"].subtotal == acme_total == Decimal("500.00")
    assert credited["acme"].total == acme_total - 120
    # A credit larger than the invoice pays all of it and keeps the rest.
    assert credited["bigco"].total == Decimal("0.00")
    [line] = credited["bigco"].credits
    assert (line.applied, line.left) == (big_total, Decimal("5000.00") - big_total)
    left = {
        credit.account: credit.amount
        for credit in rk.credits_left(prepaid, tuple(credited.values()))
    }
    assert left == {"bigco": Decimal("5000.00") - big_total}  # acme's 120 are spent and dropped
    text = str(credited["bigco"])
    assert "credit · prepaid" in text
    assert text.splitlines()[-1].split() == ["total", "0.00"]


def test_rows_round_trip_through_json(closing: tuple[rk.Invoice, ...]) -> None:
    for invoice in closing:
        back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert back == invoice
        assert str(back) == str(invoice)
        for line in invoice.lines:
            for charge in line.charges:
                assert rk.from_row(rk.Charge, json.loads(json.dumps(rk.to_row(charge)))) == charge
    assert len(rk.to_rows(closing)) == len(closing)


def test_focus_rows_of_credited_invoices_add_up_to_what_is_asked(
    closing: tuple[rk.Invoice, ...],
) -> None:
    credited = rk.apply_credits(
        closing, [rk.Credit("prepaid", "acme", 120, "USD", start=MONTH_START)]
    )
    rows = rk.focus_rows(credited, provider="Edge CDN", service_categories={"egress": "Networking"})
    for invoice in credited:
        mine = [row for row in rows if row["BillingAccountId"] == invoice.account]
        assert sum((Decimal(row["BilledCost"]) for row in mine), Decimal(0)) == invoice.total
        assert all(row["BillingCurrency"] == "USD" for row in mine)
        assert {row["BillingPeriodStart"] for row in mine} == {"2026-02-28T15:00:00Z"}
    [credit_row] = [row for row in rows if row["ChargeCategory"] == "Credit"]
    assert credit_row["BilledCost"] == "-120.00"
    assert credit_row["x_Credit"] == "prepaid"
    egress = [row for row in rows if row["x_Meter"] == "egress"]
    assert {row["ServiceCategory"] for row in egress} == {"Networking"}
    # Priced per GB from a meter in bytes: the pricing unit is the price's.
    assert {row["PricingUnit"] for row in egress} == {"GB"}
    for row in rows:
        if row["ListUnitPrice"] is not None:  # exactly, whatever the digits (Fractions)
            assert Fraction(row["PricingQuantity"]) * Fraction(row["ListUnitPrice"]) == Fraction(
                row["ListCost"]
            )


def test_focus_rows_of_a_rating_are_exact(records: list[rk.Sample | rk.Event]) -> None:
    rating = rk.rate(records, ASSIGNMENTS, span=MARCH, meters=METERS)
    rows = rk.focus_rows(rating, provider="Edge CDN")
    assert sum((Fraction(row["BilledCost"]) for row in rows), Fraction(0)) == Fraction(
        rating.total()
    )


def test_frames_sum_to_the_invoices(
    closing: tuple[rk.Invoice, ...], records: list[rk.Sample | rk.Event]
) -> None:
    lines = rk.invoice_lines_frame(closing)
    for invoice in closing:
        mine = lines[lines["account"] == invoice.account]
        assert sum(mine["amount"], Decimal(0)) == invoice.total
    rating = rk.rate(records, ASSIGNMENTS, span=MARCH, meters=METERS)
    charges = rk.charges_frame(rating)
    assert sum(charges["amount"], Decimal(0)) == rating.total()
    usage = rk.usage_frame(rk.meter(records, METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end))
    bytes_sent = sum(
        (r.value for r in records if isinstance(r, rk.Sample) and r.meter == "egress"), Decimal(0)
    )
    assert sum(usage[usage["meter"] == "egress"]["quantity"], Decimal(0)) == bytes_sent


def test_exports_of_a_customer_with_no_usage() -> None:
    quiet = rk.rate([], [rk.Assignment("quiet", STANDARD, start=MONTH_START)], span=MARCH)
    [invoice] = rk.bill(quiet, tz="Asia/Tokyo")
    assert [(line.kind, line.amount) for line in invoice.lines] == [("minimum", Decimal("500.00"))]
    [row] = rk.focus_rows([invoice], provider="Edge CDN")
    assert (row["ChargeCategory"], row["BilledCost"], row["ResourceId"]) == (
        "Adjustment",
        "500.00",
        None,
    )
    assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice
    assert list(rk.invoice_lines_frame([invoice])["amount"]) == [Decimal("500.00")]
    # A plan with nothing due without usage bills such a customer nothing at all.
    packaged_only = rk.Plan(
        "p", "USD", MONTHLY, [rk.PriceEntry("requests", "requests", rk.PerUnit("0.0000004"))]
    )
    nothing = rk.rate([], [rk.Assignment("quiet", packaged_only)], span=MARCH)
    assert rk.bill(nothing) == ()
    assert rk.focus_rows(rk.bill(nothing), provider="Edge CDN") == []
    frame = rk.invoice_lines_frame(rk.bill(nothing))
    assert len(frame) == 0
    assert "amount" in frame.columns


# The analyst's candidate: requests sold in started packs of a million at 0.35, egress at
# 0.09 a GB anywhere, no commitment; bigco keeps its own plan.
PACKS = rk.Plan(
    "cdn-packs",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.09"), unit="GB", meter_unit="B"),
        rk.PriceEntry("requests", "requests", rk.Package(1_000_000, "0.35")),
    ],
)


def test_two_candidate_plans_compared_against_the_oracle(
    records: list[rk.Sample | rk.Event],
) -> None:
    candidates = {
        "today": ASSIGNMENTS,
        "packs": [
            rk.Assignment("acme", PACKS, start=MONTH_START),
            rk.Assignment("bigco", BIGCO, start=MONTH_START),
        ],
    }
    comparison = rk.compare_plans(records, candidates, span=MARCH, meters=METERS)
    today = {
        account: sum(lines.values(), Decimal(0))
        for account, lines in oracle_invoices(records).items()
    }
    samples = [r for r in records if isinstance(r, rk.Sample) and r.account == "acme"]
    gigabytes = sum((Fraction(r.value) for r in samples if r.meter == "egress"), Fraction(0)) / GB
    requests = sum((int(r.value) for r in samples if r.meter == "requests"), 0)
    packs = round_cents(gigabytes * Fraction("0.09")) + round_cents(
        math.ceil(Fraction(requests, 10**6)) * Fraction("0.35")
    )
    got = {(row.account, row.candidate): row.total for row in comparison.rows}
    assert got == {
        ("acme", "today"): today["acme"],
        ("acme", "packs"): packs,
        ("bigco", "today"): today["bigco"],
        ("bigco", "packs"): today["bigco"],
    }
    assert comparison.totals() == {
        "today": today["acme"] + today["bigco"],
        "packs": packs + today["bigco"],
    }
    change = "pays less" if packs < today["acme"] else "pays more"
    assert comparison.accounts("packs", change) == ("acme",)
    assert "<th>packs</th>" in comparison._repr_html_()


def test_a_tampered_snapshot_is_refused(records: list[rk.Sample | rk.Event]) -> None:
    rater = rk.Rater(ASSIGNMENTS, METERS, start=MONTH_START, horizon=HORIZON, tz="Asia/Tokyo")
    rater.feed(records[:50])
    data = json.loads(json.dumps(rater.snapshot()))
    rk.Rater.restore(data, ASSIGNMENTS, METERS)  # as it was: restored
    data["tz"] = "America/Sao_Paulo"
    with pytest.raises(rk.BadSnapshotError, match="checksum"):
        rk.Rater.restore(data, ASSIGNMENTS, METERS)
    with pytest.raises(rk.BadSnapshotError):
        rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), ASSIGNMENTS[:1], METERS)


def test_a_quiet_customer_of_the_rater_is_billed_its_commitment_and_paid_by_its_credit() -> None:
    assignments = [*ASSIGNMENTS, rk.Assignment("quiet", STANDARD, start=MONTH_START)]
    rater = rk.Rater(assignments, METERS, start=MONTH_START, horizon=HORIZON, tz="Asia/Tokyo")
    closing = rater.statement(MONTH_END + HORIZON).invoices
    assert [(i.account, i.total) for i in closing] == [
        ("acme", Decimal("500.00")),  # the commitment: acme has no usage either
        ("bigco", Decimal("1000.00")),  # its platform fee
        ("quiet", Decimal("500.00")),
    ]
    credited = rk.apply_credits(
        closing, [rk.Credit("prepaid", "quiet", 800, "USD", start=MONTH_START)]
    )
    quiet = credited[2]
    assert (quiet.total, quiet.credits[0].applied, quiet.credits[0].left) == (
        Decimal("0.00"),
        Decimal("500.00"),
        Decimal("300.00"),
    )
    rows = [
        r for r in rk.focus_rows(credited, provider="Edge CDN") if r["BillingAccountId"] == "quiet"
    ]
    assert [(r["ChargeCategory"], r["BilledCost"]) for r in rows] == [
        ("Adjustment", "500.00"),
        ("Credit", "-500.00"),
    ]


def test_a_correction_file_after_march_closed_corrects_it_on_the_next_statement() -> None:
    rater = rk.Rater(ASSIGNMENTS, METERS, start=MONTH_START, horizon=HORIZON, tz="Asia/Tokyo")
    rater.feed(node_events())
    rater.feed(
        [
            rk.Sample("acme", "acme-ap-1", "egress", "2026-03-05T10:05:00+09:00", 150 * GB, id="a"),
            rk.Sample("acme", "acme-ap-1", "requests", "2026-03-05T10:05:00+09:00", 10**6, id="r"),
        ]
    )
    [acme, _] = rater.statement(MONTH_END + HORIZON).invoices
    # 150 GB in Asia: 90 x 0.12 + 50 x 0.08 = 14.80; a million requests 0.40; top-up 484.80.
    assert [line.amount for line in acme.lines] == [
        Decimal("14.80"),
        Decimal("0.40"),
        Decimal("484.80"),
    ]
    fix = rk.Sample("acme", "acme-ap-1", "egress", "2026-03-06T10:05:00+09:00", -60 * GB, id="fix")
    assert rater.feed([fix]).late == ("fix",)
    statement = rater.statement(MONTH_END + HORIZON + dt.timedelta(hours=1))
    late = [
        (line.role, line.entry, line.quantity, line.amount) for line in statement.lines if line.late
    ]
    # 90 GB: 80 x 0.12 = 9.60; the top-up becomes 500 - 9.60 - 0.40 = 490.00.
    assert late == [
        ("reversal", "minimum", -1, Decimal("-484.80")),
        ("correction", "minimum", 1, Decimal("490.00")),
        ("reversal", "egress-ap", -150, Decimal("-14.80")),
        ("correction", "egress-ap", 90, Decimal("9.60")),
    ]
    # The recipe of docs/streaming.md: bill the corrected line's charges anew, rounded once.
    corrected = [
        c
        for line in statement.lines
        if line.late and line.role == "correction"
        for c in line.charges
    ]
    [again] = rk.bill([c for c in corrected if c.kind == "usage"], tz="Asia/Tokyo")
    assert again.total == Decimal("9.60")


def test_a_file_past_the_horizon_is_too_late_named_with_its_quantity_and_remembered() -> None:
    rater = rk.Rater(ASSIGNMENTS, METERS, start=MONTH_START, horizon=HORIZON, tz="Asia/Tokyo")
    rater.feed(node_events())
    rater.statement("2026-05-05T00:00:00+09:00")  # March and April closed, March compacted
    old = [
        rk.Sample("acme", "acme-ap-1", "egress", "2026-03-20T10:05:00+09:00", 7 * GB, id="old"),
        rk.Sample("acme", "acme-ap-1", "egress", "2026-03-20T10:10:00+09:00", 3 * GB),  # no id
    ]
    feed = rater.feed(old)
    assert feed.too_late == ("old",)
    assert feed.counts["too_late"] == 2
    assert [(a.kind, a.meter, a.quantity) for a in feed.anomalies] == [
        ("too_late", "egress", 7 * GB),
        ("too_late", "egress", 3 * GB),
    ]
    assert rater.feed(old).counts["duplicates"] == 2
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), ASSIGNMENTS, METERS)
    assert restored.feed(old).counts["duplicates"] == 2
