"""A correction after a price change within one plan: last in, first out, at the price billed.

The pricing page's rule across a change of plan (a credit note refunds what was invoiced,
at the price it was invoiced at) holds for a change of price within one plan too: an
entry that ends and another that begins. Batch rating and the streaming rater alike.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
JANUARY = rk.Span("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
EGRESS = rk.Meter("egress", "GB", rk.Discrete())


def _changed_on_16th(before: str, after: str) -> rk.Plan:
    # One plan; its egress price changes on 16 January (a layered entry).
    return rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("old", "egress", rk.PerUnit(before)),
            rk.PriceEntry(
                "new", "egress", rk.PerUnit(after), start="2026-01-16T00:00:00Z", priority=1
            ),
        ],
    )


def _gb(day: int, quantity: int, record_id: str) -> rk.Sample:
    return rk.Sample("shop", "b", "egress", f"2026-01-{day:02}T00:00:00Z", quantity, id=record_id)


def _usage(rating: rk.Rating) -> list[tuple[str, Decimal, Decimal]]:
    return [(c.entry, c.quantity, c.amount) for c in rating.charges if c.kind == "usage"]


def test_units_billed_after_the_change_go_back_first() -> None:
    # 1,000 GB at 0.09 (5th), 1,000 at 0.05 (17th), -1,500 on the 20th: last in, first out,
    # 1,000 back at 0.05 (-50.00), then 500 at 0.09 (-45.00): 90 + 50 - 50 - 45 = 45.00,
    # the 500 GB left at the price they were billed at (500 x 0.09).
    records = [_gb(5, 1000, "e1"), _gb(17, 1000, "e2"), _gb(20, -1500, "fix")]
    rating = rk.rate(records, _changed_on_16th("0.09", "0.05"), span=JANUARY, meters=[EGRESS])
    assert _usage(rating) == [
        ("old", Decimal(1000), Decimal("90.00")),
        ("new", Decimal(1000), Decimal("50.00")),
        ("new", Decimal(-1000), Decimal("-50.00")),
        ("old", Decimal(-500), Decimal("-45.00")),
    ]
    assert rk.bill(rating)[0].total == Decimal("45.00")


def test_a_correction_beyond_what_was_billed_goes_below_zero_at_its_own_price() -> None:
    # 1,000 GB at 0.09, -1,500 after the cut: 1,000 back at 0.09 (-90.00), the 500 left
    # below zero at the correction's own price, 0.05 (-25.00), as without a change.
    records = [_gb(5, 1000, "e1"), _gb(20, -1500, "fix")]
    rating = rk.rate(records, _changed_on_16th("0.09", "0.05"), span=JANUARY, meters=[EGRESS])
    assert _usage(rating) == [
        ("old", Decimal(1000), Decimal("90.00")),
        ("new", Decimal(-500), Decimal("-25.00")),
        ("old", Decimal(-1000), Decimal("-90.00")),
    ]


def test_usage_after_the_correction_is_billed_at_the_new_price() -> None:
    # e1 taken back whole at 0.09; e2 (21st) is billed at 0.05: 500 x 0.05 = 25.00.
    records = [_gb(5, 1000, "e1"), _gb(20, -1000, "fix"), _gb(21, 500, "e2")]
    rating = rk.rate(records, _changed_on_16th("0.09", "0.05"), span=JANUARY, meters=[EGRESS])
    assert rk.bill(rating)[0].total == Decimal("25.00")


def test_a_price_rise_refunds_the_lower_price_billed() -> None:
    # 1,000 GB at 0.05 = 50.00, withdrawn after a rise to 0.09: -50.00, not -90.00.
    records = [_gb(5, 1000, "e1"), _gb(20, -1000, "fix")]
    rating = rk.rate(records, _changed_on_16th("0.05", "0.09"), span=JANUARY, meters=[EGRESS])
    assert _usage(rating) == [
        ("old", Decimal(1000), Decimal("50.00")),
        ("old", Decimal(-1000), Decimal("-50.00")),
    ]


def test_a_month_rated_in_two_spans_takes_back_what_the_first_billed() -> None:
    # The span from the 18th knows what the month billed before it: -90.00 there, 90.00
    # in the span before, 0 in all.
    records = [_gb(5, 1000, "e1"), _gb(20, -1000, "fix")]
    plan = _changed_on_16th("0.09", "0.05")
    cut = "2026-01-18T00:00:00Z"
    first = rk.rate(records, plan, span=rk.Span(JANUARY.start, cut), meters=[EGRESS])
    second = rk.rate(records, plan, span=rk.Span(cut, JANUARY.end), meters=[EGRESS])
    assert _usage(first) == [("old", Decimal(1000), Decimal("90.00"))]
    assert _usage(second) == [("old", Decimal(-1000), Decimal("-90.00"))]


def test_a_span_after_a_change_of_plan_takes_back_what_the_plan_before_billed() -> None:
    # The same across a change of plan with a linear price: rated from the 18th, the
    # correction takes back plan a's 1,000 GB at a's 0.09, not at b's 0.05.
    def plan(plan_id: str, price: str) -> rk.Plan:
        return rk.Plan(plan_id, "EUR", MONTHLY, [rk.PriceEntry("eg", "egress", rk.PerUnit(price))])

    moved = [
        rk.Assignment("shop", plan("a", "0.09"), end="2026-01-16T00:00:00Z"),
        rk.Assignment("shop", plan("b", "0.05"), start="2026-01-16T00:00:00Z"),
    ]
    records = [_gb(5, 1000, "e1"), _gb(20, -1000, "fix")]
    second = rk.rate(
        records, moved, span=rk.Span("2026-01-18T00:00:00Z", JANUARY.end), meters=[EGRESS]
    )
    assert [(c.plan, c.quantity, c.amount) for c in second.charges if c.kind == "usage"] == [
        ("a", Decimal(-1000), Decimal("-90.00"))
    ]


@pytest.mark.parametrize(
    "watermarks", [("2026-02-01",), ("2026-01-10", "2026-01-17", "2026-01-25", "2026-02-01")]
)
def test_the_streaming_rater_refunds_what_was_billed(watermarks: tuple[str, ...]) -> None:
    # Fed at once, or statement by statement across the change: the month bills 0.00.
    rater = rk.Rater(_changed_on_16th("0.09", "0.05"), [EGRESS], start="2026-01-01T00:00:00Z")
    records = {"2026-01-10": [_gb(5, 1000, "e1")], "2026-01-25": [_gb(20, -1000, "fix")]}
    invoices: list[rk.Invoice] = []
    for day in watermarks:
        due = [r for at, batch in records.items() if at <= day for r in batch]
        records = {at: batch for at, batch in records.items() if at > day}
        rater.feed(due)
        invoices.extend(rater.statement(f"{day}T00:00:00Z").invoices)
    assert [invoice.total for invoice in invoices] == [Decimal("0.00")]
