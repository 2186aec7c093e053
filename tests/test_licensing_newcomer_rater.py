"""A licensing vendor's month fed to the streaming Rater: the same invoice as one batch,
and month-to-date statements of a peak under its allowance that never charge then refund
(docs/usage.md, "Aggregations that do not add up"; docs/streaming.md)."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest
from tests.test_licensing_newcomer_seats import (
    APRIL,
    CONCURRENT,
    FEBRUARY,
    SEATS,
    UTC_MONTHS,
    peak,
    seat_plan,
)

import ratekit as rk


def _licenses(at: str, value: int, record: str) -> rk.Sample:
    return rk.Sample("acme", "app", "concurrent", at, value, kind="gauge", id=record)


PRO = rk.Plan(
    "pro",
    "USD",
    UTC_MONTHS,
    [
        rk.PriceEntry("seat", "seats", rk.PerUnit("6")),
        rk.PriceEntry("lic", "concurrent", rk.PerUnit("2.5")),
    ],
    allowances=[rk.Allowance("seats", 5)],
    minimums=[rk.Minimum(40)],
    rounding=decimal.ROUND_UP,
)
BASIC = seat_plan("4", allowance=3, minimum=20, rounding=decimal.ROUND_UP, name="basic")
SWITCHED = [
    rk.Assignment("acme", BASIC, end="2026-02-05T00:00:00Z"),  # 4 of February's 28 days: a seventh
    rk.Assignment("acme", PRO, start="2026-02-05T00:00:00Z"),
]
RECORDS = [
    peak(6, at="2026-02-01T03:00:00Z", record="a"),
    peak(11, at="2026-02-09T10:00:00Z", record="b"),
    peak(8, at="2026-02-20T00:00:00Z", record="c"),
    _licenses("2026-02-06T00:00:00Z", 3, "m1"),
    _licenses("2026-02-17T08:00:00Z", 1, "m2"),
]


def test_the_switched_month_in_one_batch_worked_by_hand() -> None:
    # Peak 11 for the month. basic: 11/7 seats less 3/7 free = 8/7 x 4 = 32/7;
    # pro: 66/7 seats less 30/7 free = 36/7 x 6 = 216/7; together 248/7 = 35.428..., up 35.43.
    # Licenses (pro only): 3 x 272 h + 1 x 280 h = 1,096 h over 672 h, x 2.5 = 4.077..., up 4.08.
    # Commitments: basic 20/7 -> 2.86 under 32/7; pro 240/7 -> 34.29 under 30.86 + 4.08.
    (invoice,) = rk.bill(rk.rate(RECORDS, SWITCHED, span=FEBRUARY, meters=[SEATS, CONCURRENT]))
    assert [line.amount for line in invoice.lines] == [Decimal("4.08"), Decimal("35.43")]
    assert invoice.total == Decimal("39.51")


@pytest.mark.parametrize(
    "watermarks",
    [
        [
            "2026-02-03T00:00:00Z",
            "2026-02-10T00:00:00Z",
            "2026-02-21T00:00:00Z",
            "2026-02-21T00:00:00Z",
        ],
        [
            "2026-02-05T00:00:00Z",
            "2026-02-05T00:00:00Z",
            "2026-02-17T08:00:00Z",
            "2026-02-28T23:59:59.999999Z",
        ],
        [
            "2026-02-10T08:00:00Z",
            "2026-02-19T16:00:00Z",
            "2026-02-28T00:00:00Z",
            "2026-02-28T00:00:00Z",
        ],
    ],
)
def test_statements_at_several_watermarks_then_closing_give_the_batch_invoice(
    watermarks: list[str],
) -> None:
    batch = rk.bill(rk.rate(RECORDS, SWITCHED, span=FEBRUARY, meters=[SEATS, CONCURRENT]))
    rater = rk.Rater(SWITCHED, [SEATS, CONCURRENT], start=FEBRUARY.start)
    fed = 0
    for watermark in watermarks:
        due = [
            record
            for record in RECORDS[fed:]
            if record.at < rk.Span(watermark, "2026-03-02T00:00:00Z").start
        ]
        rater.feed(list(RECORDS[fed:]) if watermark == watermarks[-1] else due)
        fed += len(due)
        rater.statement(watermark)
    rater.feed(list(RECORDS))  # replays are duplicates: nothing counted twice
    closing = rater.statement("2026-03-01T00:00:00Z")
    assert closing.closed == (FEBRUARY,)
    assert [str(invoice) for invoice in closing.invoices] == [str(invoice) for invoice in batch]
    assert closing.invoices[0].total == Decimal("39.51")


def _assigned(proration_before: str, proration_after: str) -> list[rk.Assignment]:
    def plan(name: str, proration: str) -> rk.Plan:
        return rk.Plan(
            name,
            "USD",
            UTC_MONTHS,
            [rk.PriceEntry("seat", "seats", rk.PerUnit("9"))],
            allowances=[rk.Allowance("seats", 12)],
            proration=proration,
        )

    change = "2026-04-10T12:00:00Z"
    return [
        rk.Assignment("acme", plan("a", proration_before), end=change),
        rk.Assignment("acme", plan("b", proration_after), start=change),
    ]


WATERMARKS = [
    "2026-04-02T00:00:00Z",
    "2026-04-02T12:00:00Z",
    "2026-04-11T03:00:00Z",
    "2026-04-20T00:00:00Z",
]


def _statement_totals(
    assignments: list[rk.Assignment], at: str = "2026-04-01T06:00:00Z"
) -> list[Decimal]:
    rater = rk.Rater(assignments, [SEATS], start=APRIL.start)
    rater.feed([peak(12, at=at)])
    totals = [rater.statement(watermark).total() for watermark in WATERMARKS]
    closing = rater.statement("2026-05-01T00:00:00Z")
    return [*totals, closing.total(), closing.invoices[0].total]


@pytest.mark.parametrize(
    ("assignments", "at"),
    [
        ([rk.Assignment("acme", seat_plan("9", allowance=12))], "2026-04-01T06:00:00Z"),
        (
            [rk.Assignment("acme", seat_plan("9", allowance=12), start="2026-04-10T12:00:00Z")],
            "2026-04-10T13:00:00Z",
        ),
        (_assigned("seconds", "seconds"), "2026-04-01T06:00:00Z"),
        (_assigned("days", "seconds"), "2026-04-01T06:00:00Z"),
    ],
)
def test_month_to_date_a_peak_under_its_allowance_is_never_charged(
    assignments: list[rk.Assignment], at: str
) -> None:
    # 12 seats with 12 free under every plan: nothing due at any watermark, nor at the close.
    assert _statement_totals(assignments, at) == [0, 0, 0, 0, 0, Decimal("0.00")]


def test_month_to_date_a_peak_under_its_allowance_across_a_change_to_days_is_never_charged() -> (
    None
):
    # rk.rate(..., span=APRIL, as_of="2026-04-11T03:00:00Z") charges plan b 0.74 seats less
    # 0.6 free x 9 = 1.2666...; the statements then give it back. Expected: 0 at every watermark.
    assert _statement_totals(_assigned("seconds", "days")) == [0, 0, 0, 0, 0, Decimal("0.00")]


def test_a_peak_under_both_plans_allowances_across_a_change_between_day_counting_plans_is_free() -> (
    None
):
    rating = rk.rate(
        [peak(12, at="2026-04-01T06:00:00Z")], _assigned("days", "days"), span=APRIL, meters=[SEATS]
    )
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_an_upgrade_and_a_leaving_told_to_the_rater_give_the_batch_invoice() -> None:
    # basic until 11 April 08:00 (248 h of 720), pro until 24 April 16:00 (320 h), then none.
    # Peak 9. basic: 9 x 248/720 = 3.1 seats less 3 x 248/720 free = 2.0666... x 4 = 8.2666...
    # pro: 9 x 320/720 = 4 less 5 x 320/720 free = 1.7777... x 6 = 10.6666...
    # The line: 18.9333... up to 18.94 (ROUND_CEILING). pro's commitment 40 x 320/720 =
    # 17.7777... is 17.78, less its lines as rounded 10.67: a top-up of 7.11. Total 26.05.
    basic = seat_plan("4", allowance=3, minimum=20, rounding=decimal.ROUND_CEILING, name="basic")
    pro = seat_plan("6", allowance=5, minimum=40, rounding=decimal.ROUND_CEILING, name="pro")
    upgrade, leaving = "2026-04-11T08:00:00Z", "2026-04-24T16:00:00Z"
    records = [
        peak(6, at="2026-04-02T00:00:00Z", record="a"),
        peak(9, at="2026-04-15T00:00:00Z", record="b"),
        peak(2, at="2026-04-20T00:00:00Z", record="c"),
    ]
    told = [
        rk.Assignment("acme", basic, end=upgrade),
        rk.Assignment("acme", pro, start=upgrade, end=leaving),
    ]
    (batch,) = rk.bill(rk.rate(records, told, span=APRIL, meters=[SEATS]))
    assert [(line.kind, line.amount) for line in batch.lines] == [
        ("usage", Decimal("18.94")),
        ("minimum", Decimal("7.11")),
    ]
    assert batch.total == Decimal("26.05")

    rater = rk.Rater([rk.Assignment("acme", basic)], [SEATS], start=APRIL.start)
    rater.feed(records[:1])
    rater.statement("2026-04-10T00:00:00Z")
    rater.assign(rk.Assignment("acme", pro, start=upgrade))
    rater.feed(records[1:])
    rater.statement("2026-04-21T00:00:00Z")
    rater.assign(rk.Assignment("acme", pro, start=upgrade, end=leaving))
    (closed,) = rater.statement("2026-05-01T00:00:00Z").invoices
    assert str(closed) == str(batch)
    assert [line.precise for line in closed.lines] == [line.precise for line in batch.lines]
