"""A quarter on Lord Howe Island rated under today's plan and two candidates, by hand.

A finance analyst's notebook: four accounts (one named with markup and right-to-left
marks, one with a 5,000-character id) call an API through April to June 2026, billed
monthly in Australia/Lord_Howe, whose clocks go back half an hour on 5 April (so April
lasts 720.5 hours). The quarter is rated under today's per-unit plan, a graduated plan
with a fee and a minimum commitment, and a volume plan with an allowance and a
commitment; every total is worked by hand and checked against a `fractions.Fraction`
oracle. Then one account changes plan at the very instant the clocks go back, with a
credit larger than its invoices and a correction larger than its usage; its invoices
are previewed as HTML (parsed as a browser would) and exported as rows, FOCUS rows and
CSV, each read back (docs/experiments.md, docs/invoices.md, docs/exports.md,
docs/calendars.md "Proration").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest

import ratekit as rk
from _html_pages import SAFE_TAGS, parsed
from ratekit import plandata

TZ = "Australia/Lord_Howe"
MONTHS = rk.cycles.monthly(tz=TZ)
QUARTER = rk.Span("2026-04-01T00:00:00+11:00", "2026-07-01T00:00:00+10:30")
APRIL = MONTHS.containing("2026-04-10T00:00:00Z")
CALLS = rk.Meter("api.calls", "call", rk.Discrete())
#: 02:00 LHDT (+11:00) on 5 April 2026 is 01:30 LHST (+10:30): both are 15:00Z on 4 April.
CLOCKS_GO_BACK = "2026-04-04T15:00:00Z"

EVIL = "<script>alert('x')</script>\u202eevil\u200f ACME & co \"quoted\""
ACCOUNTS = (EVIL, "globex", "初期", "x" * 5000)

TODAY = rk.Plan(
    "today",
    "AUD",
    MONTHS,
    [rk.PriceEntry("calls", "api.calls", rk.PerUnit("0.0005"))],
    fees=[rk.Fee("platform", "49.995")],
)
TIERED = rk.Plan(
    "tiered",
    "AUD",
    MONTHS,
    [
        rk.PriceEntry(
            "calls", "api.calls", rk.Graduated([rk.Tier(100000, "0"), rk.Tier(None, "0.0007")])
        )
    ],
    fees=[rk.Fee("platform", "29")],
    minimums=[rk.Minimum("60")],
)
VOLUME = rk.Plan(
    "volume",
    "AUD",
    MONTHS,
    [
        rk.PriceEntry(
            "calls", "api.calls", rk.Volume([rk.Tier(50000, "0.001"), rk.Tier(None, "0.0004")])
        )
    ],
    allowances=[rk.Allowance("api.calls", 20000)],
    minimums=[rk.Minimum("100")],
)


def _records() -> list[rk.Sample]:
    """Every third day from 31 March 18:00Z (1 April 05:00 local), 12345 + day calls."""
    records = []
    start = dt.datetime(2026, 3, 31, 18, tzinfo=dt.UTC)
    for number, account in enumerate(ACCOUNTS):
        for day in range(0, 90, 3):
            at = start + dt.timedelta(days=day)
            records.append(
                rk.Sample(
                    account, "key-<b>1</b>", "api.calls", at, 12345 + day, id=f"s{number}-{day}"
                )
            )
    return records


def _cents(value: Fraction) -> Fraction:
    """Half-even on the cent, the plans' rounding (AUD has two minor units)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return Fraction(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def _monthly_calls() -> list[int]:
    """Each cycle's calls of one account, summed from the records by their instants."""
    cycles = MONTHS.spans(QUARTER)
    totals = [0] * len(cycles)
    for record in _records():
        if record.account != "globex":
            continue
        for index, cycle in enumerate(cycles):
            if record.at in cycle:
                totals[index] += int(record.value)
    return totals


def _oracle(calls: int) -> dict[str, Fraction]:
    """What each candidate bills a cycle of `calls` calls, each line rounded once."""
    today = _cents(calls * Fraction("0.0005")) + _cents(Fraction("49.995"))
    tiered_usage = _cents(max(calls - 100000, 0) * Fraction("0.0007"))
    tiered = tiered_usage + max(Fraction(60) - tiered_usage, 0) + 29
    billable = max(calls - 20000, 0)
    volume_usage = _cents(
        billable * (Fraction("0.001") if billable <= 50000 else Fraction("0.0004"))
    )
    volume = volume_usage + max(Fraction(100) - volume_usage, 0)
    return {"today": today, "tiered": tiered, "volume": volume}


def test_lord_howe_april_is_half_an_hour_longer_and_october_half_an_hour_shorter() -> None:
    # April: 1 April 00:00 +11:00 (13:00Z on 31 March) to 1 May 00:00 +10:30 (13:30Z on
    # 30 April): 30 days and 30 minutes. October: 1 October 00:00 +10:30 (13:30Z on
    # 30 September) to 1 November 00:00 +11:00 (13:00Z on 31 October): 30 days 23.5 hours.
    assert rk.Span("2026-03-31T13:00:00Z", "2026-04-30T13:30:00Z") == APRIL
    assert APRIL.duration == dt.timedelta(days=30, minutes=30)
    october = MONTHS.containing("2026-10-10T00:00:00Z")
    assert october == rk.Span("2026-09-30T13:30:00Z", "2026-10-31T13:00:00Z")
    assert october.duration == dt.timedelta(days=30, hours=23, minutes=30)
    assert [cycle.duration for cycle in MONTHS.spans(QUARTER)] == [
        dt.timedelta(days=30, minutes=30),
        dt.timedelta(days=31),
        dt.timedelta(days=30),
    ]


def test_the_quarter_under_three_candidates_matches_the_hand_worked_totals() -> None:
    # Per account and cycle (the four accounts use alike):
    #   April: days 0..27, 10 samples, 10 x 12345 + (0 + 3 + ... + 27) = 123585 calls
    #     today  123585 x 0.0005 = 61.7925 -> 61.79; fee 49.995 -> 50.00 (half-even); 111.79
    #     tiered 23585 x 0.0007 = 16.5095 -> 16.51 < 60: top-up 43.49; + fee 29: 89.00
    #     volume 103585 billable (20000 free) > 50000: x 0.0004 = 41.434 -> 41.43 < 100: 100.00
    #   May: days 30..60 (30 April 18:00Z is after the cycle's start, 13:30Z), 11 samples,
    #     11 x 12345 + 495 = 136290: today 68.145 -> 68.14 + 50.00 = 118.14; tiered 25.403
    #     -> 25.40 < 60: 89.00; volume 116290 x 0.0004 = 46.516 -> 46.52 < 100: 100.00
    #   June: days 63..87, 9 samples, 9 x 12345 + 675 = 111780: today 55.89 + 50.00 =
    #     105.89; tiered 8.246 -> 8.25: 89.00; volume 36.712 -> 36.71: 100.00
    assert _monthly_calls() == [123585, 136290, 111780]
    by_hand = {
        "today": [Decimal("111.79"), Decimal("118.14"), Decimal("105.89")],
        "tiered": [Decimal("89.00")] * 3,
        "volume": [Decimal("100.00")] * 3,
    }
    comparison = rk.compare_plans(
        _records(),
        {"today": TODAY, "tiered": TIERED, "volume": VOLUME},
        span=QUARTER,
        meters=[CALLS],
    )
    assert len(comparison.rows) == 4 * 3 * 3
    cycles = MONTHS.spans(QUARTER)
    for row in comparison.rows:
        month = cycles.index(row.cycle)
        assert row.total == by_hand[row.candidate][month]
        assert Fraction(row.total) == _oracle(_monthly_calls()[month])[row.candidate]
        baseline = by_hand["today"][month]
        assert row.difference == row.total - baseline
        expected_change = "same" if row.candidate == "today" else "pays less"
        assert row.change == expected_change
    # totals: 4 accounts x (111.79 + 118.14 + 105.89 = 335.82) = 1343.28; 4 x 267 = 1068;
    # 4 x 300 = 1200.
    assert comparison.totals() == {
        "today": Decimal("1343.28"),
        "tiered": Decimal("1068.00"),
        "volume": Decimal("1200.00"),
    }
    assert comparison.accounts("tiered", "pays less") == tuple(sorted(ACCOUNTS))


def test_the_comparison_table_escapes_every_name_and_prints_local_months() -> None:
    comparison = rk.compare_plans(
        _records(),
        {"today": TODAY, "tiered": TIERED, "volume": VOLUME},
        span=QUARTER,
        meters=[CALLS],
    )
    page = parsed(comparison._repr_html_())
    assert page.tags <= SAFE_TAGS
    assert not [name for name, _ in page.attributes if name.startswith("on")]
    shown = "".join(page.text)
    # The account shows as text, its format characters as escapes (docs/invoices.md).
    assert "<script>alert('x')</script>\\u202eevil\\u200f ACME & co \"quoted\"" in shown
    assert "2026-04-01 .. 2026-05-01 (Australia/Lord_Howe)" in shown
    assert "111.79 AUD" in shown
    assert "-22.79 (pays less)" in shown
    rows = comparison.to_rows()
    assert json.loads(json.dumps(rows)) == rows
    assert {row["cycle_start"] for row in rows} == {
        "2026-03-31T13:00:00Z",
        "2026-04-30T13:30:00Z",
        "2026-05-31T13:30:00Z",
    }


# --- one account changes plan as the clocks go back --------------------------------

STARTER = rk.Plan(
    "starter",
    "AUD",
    MONTHS,
    [rk.PriceEntry("calls", "api.calls", rk.PerUnit("0.0005"))],
    fees=[rk.Fee("platform", "49.995")],
    minimums=[rk.Minimum("10")],
    proration="days",
)
GROWTH = rk.Plan(
    "growth",
    "AUD",
    MONTHS,
    [
        rk.PriceEntry(
            "calls", "api.calls", rk.Graduated([rk.Tier(100000, "0"), rk.Tier(None, "0.0007")])
        )
    ],
    fees=[rk.Fee("platform", "29")],
    allowances=[rk.Allowance("api.calls", 1000)],
    minimums=[rk.Minimum("60")],
    proration="days",
)
SWITCHED = [
    rk.Assignment(EVIL, STARTER, end=CLOCKS_GO_BACK),
    rk.Assignment(EVIL, GROWTH, start=CLOCKS_GO_BACK),
]
SWITCH_RECORDS = [
    rk.Sample(EVIL, "key", "api.calls", "2026-04-02T00:00:00Z", 200000, id="r1"),
    rk.Sample(EVIL, "key", "api.calls", "2026-04-10T00:00:00Z", 150000, id="r2"),
    rk.Sample(EVIL, "key", "api.calls", "2026-04-11T00:00:00Z", -50000, id="r3"),
    rk.Sample(EVIL, "key", "api.calls", "2026-06-11T00:00:00Z", -5000, id="r4"),
]
WELCOME = rk.Credit(
    "welcome", EVIL, "500", "AUD", start=QUARTER.start, expires="2026-06-01T00:00:00Z"
)


def _switched() -> tuple[rk.Rating, tuple[rk.Invoice, ...]]:
    rating = rk.rate(SWITCH_RECORDS, SWITCHED, span=QUARTER, meters=[CALLS])
    return rating, tuple(rk.bill(rating, credits=[WELCOME], tz=TZ))


def test_a_plan_change_at_the_dst_instant_counts_local_days_by_hand() -> None:
    # The change at 15:00Z on 4 April is 01:30 LHST on 5 April: 1-4 April (4 days) are
    # the starter's, 5 April (which holds the change) and the 25 after it the growth's.
    #   starter: 200000 calls x 0.0005 = 100.00; fee 49.995 x 4/30 = 6.666; minimum
    #            10 x 4/30 = 1.33 reached (100.00): no top-up
    #   growth:  150000 - 50000 = 100000 calls, 1000 x 26/30 = 866.67 free, all in the
    #            free tier: 0; fee 29 x 26/30 = 25.1333...; minimum 60 x 26/30 = 52.00,
    #            spent 0: top-up 52.00
    #   fee line 6.666 + 25.1333... = 31.7993... -> 31.80
    #   subtotal 100.00 + 31.80 + 52.00 = 183.80; the credit of 500 pays it, 316.20 left
    #   May and June: fee 29 + top-up 60 = 89.00 each (June's correction of -5000 calls
    #   is priced 0 with a negative_total anomaly), paid by the credit: 227.20, 138.20
    #   left; it expires on 1 June, inside June's cycle, so June's invoice still has it.
    rating, invoices = _switched()
    fees = {
        (charge.plan, charge.cycle.start): charge
        for charge in rating.charges
        if charge.kind == "fee"
    }
    starter_fee = fees["starter", APRIL.start]
    growth_fee = fees["growth", APRIL.start]
    assert Fraction(starter_fee.amount) == Fraction("49.995") * Fraction(4, 30)
    assert abs(Fraction(growth_fee.amount) - 29 * Fraction(26, 30)) < Fraction(1, 10**55)
    assert [invoice.subtotal for invoice in invoices] == [
        Decimal("183.80"),
        Decimal("89.00"),
        Decimal("89.00"),
    ]
    assert [invoice.total for invoice in invoices] == [Decimal("0.00")] * 3
    assert [line.amount for line in invoices[0].lines] == [
        Decimal("100.00"),
        Decimal("31.80"),
        Decimal("52.00"),
    ]
    assert [credit.left for credit in (invoice.credits[0] for invoice in invoices)] == [
        Decimal("316.20"),
        Decimal("227.20"),
        Decimal("138.20"),
    ]
    assert [anomaly.kind for anomaly in rating.anomalies] == ["negative_total"]
    (left,) = rk.credits_left([WELCOME], invoices)
    assert left.amount == Decimal("138.20")


@pytest.mark.parametrize(
    ("proration", "starter_share", "growth_share"),
    [
        # by the second: 74 of October's 743.5 hours are before 15:30Z on 3 October
        ("seconds", Fraction(74 * 2, 1487), Fraction(1339, 1487)),
        # by days: 1-3 October (3 of 31) are the first plan's; 4 October, 23.5 hours
        # long, holds the change and is the second's
        ("days", Fraction(3, 31), Fraction(28, 31)),
    ],
)
def test_a_plan_change_when_the_clocks_go_forward_prorates_fees_by_hand(
    proration: str, starter_share: Fraction, growth_share: Fraction
) -> None:
    # 02:00 LHST (+10:30) on 4 October 2026 jumps to 02:30 LHDT: 15:30Z on 3 October.
    october = MONTHS.containing("2026-10-10T00:00:00Z")
    change = "2026-10-03T15:30:00Z"
    first = rk.Plan("a", "AUD", MONTHS, [], fees=[rk.Fee("base", 31)], proration=proration)
    second = rk.Plan("b", "AUD", MONTHS, [], fees=[rk.Fee("base", 62)], proration=proration)
    rating = rk.rate(
        [],
        [rk.Assignment("acme", first, end=change), rk.Assignment("acme", second, start=change)],
        span=october,
    )
    amounts = {charge.plan: Fraction(charge.amount) for charge in rating.charges}
    tolerance = Fraction(1, 10**57)
    assert abs(amounts["a"] - 31 * starter_share) < tolerance
    assert abs(amounts["b"] - 62 * growth_share) < tolerance
    (invoice,) = rk.bill(rating, tz=TZ)
    # seconds: 31 x 148/1487 + 62 x 1339/1487 = 87606/1487 = 58.9146... -> 58.91
    # days: 3 + 56 = 59.00
    assert Fraction(invoice.total) == _cents(31 * starter_share + 62 * growth_share)
    assert "2026-10-01 .. 2026-11-01 (Australia/Lord_Howe)" in str(invoice)


def _line_cells(invoice: rk.Invoice) -> list[tuple[str, str]]:
    """Each row of the HTML table that carries an amount: its first cell and its last."""
    return [
        (cells[0], cells[-1])
        for _, cells in parsed(invoice._repr_html_()).rows
        if cells and cells[-1]
    ]


def test_each_html_preview_shows_what_the_text_invoice_shows() -> None:
    _, invoices = _switched()
    for invoice in invoices:
        page = parsed(invoice._repr_html_())
        assert page.tags <= SAFE_TAGS
        assert not [name for name, _ in page.attributes if name.startswith("on")]
        text = str(invoice)
        cells = _line_cells(invoice)
        for line in invoice.lines:
            assert (line.label, str(line.amount)) in cells
            assert line.label in text
            assert str(line.amount) in text
        assert ("total", str(invoice.total)) in cells
        assert text.rstrip().endswith(str(invoice.total))
        for credit in invoice.credits:
            assert (f"credit · {credit.credit}", str(-credit.applied)) in cells
            assert str(-credit.applied) in text
        # the account reads the same, escaped alike, in the text and the page
        shown = "<script>alert('x')</script>\\u202eevil\\u200f ACME & co \"quoted\""
        assert shown in text.splitlines()[0]
        assert shown in "".join(page.text)
        assert "\u202e" not in text
        assert "\u202e" not in invoice._repr_html_()


def test_each_invoice_and_charge_reads_back_from_json_rows_the_same() -> None:
    rating, invoices = _switched()
    for invoice in invoices:
        back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert back == invoice
        assert str(back) == str(invoice)
        assert back._repr_html_() == invoice._repr_html_()
        assert back.credits == invoice.credits
    for charge in rating.charges:
        back_charge = rk.from_row(rk.Charge, json.loads(json.dumps(rk.to_row(charge))))
        assert back_charge == charge
        assert back_charge.tiers == charge.tiers


def test_the_focus_rows_add_up_to_each_total_and_to_the_rating_exactly() -> None:
    rating, invoices = _switched()
    billed = rk.focus_rows(invoices, provider="Example SaaS")
    for invoice in invoices:
        start = rk.to_row(invoice)["cycle_start"]
        rows = [row for row in billed if row["BillingPeriodStart"] == start]
        assert sum(Fraction(row["BilledCost"]) for row in rows) == Fraction(invoice.total)
        credit_rows = [row for row in rows if row["ChargeCategory"] == "Credit"]
        assert [row["BilledCost"] for row in credit_rows] == [str(-invoice.credits[0].applied)]
    # a rating's rows are exact: they add up to the rating's total, to the last digit
    charged = rk.focus_rows(rating, provider="Example SaaS")
    assert sum(Fraction(row["BilledCost"]) for row in charged) == Fraction(rating.total())


def test_a_csv_of_the_charges_reads_back_to_the_same_exact_amounts() -> None:
    pytest.importorskip("pandas")
    rating, invoices = _switched()
    frame = rk.charges_frame(rating)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    read = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert [Decimal(row["amount"]) for row in read] == [charge.amount for charge in rating.charges]
    assert [Decimal(row["quantity"]) for row in read] == [
        charge.quantity for charge in rating.charges
    ]
    lines = rk.invoice_lines_frame(invoices)
    buffer = io.StringIO()
    lines.to_csv(buffer, index=False)
    read_lines = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    expected = [line.precise for invoice in invoices for line in invoice.lines]
    assert [Decimal(row["precise"]) for row in read_lines] == expected
    by_invoice = [sum(line.amount for line in invoice.lines) for invoice in invoices]
    assert by_invoice == [invoice.subtotal for invoice in invoices]


def test_the_plans_as_json_data_load_back_equal_and_rate_the_quarter_alike() -> None:
    document = plandata.Document(
        meters=(CALLS,), plans=(TODAY, TIERED, VOLUME, STARTER, GROWTH), assignments=tuple(SWITCHED)
    )
    stored = json.dumps(plandata.dump_document(document))
    loaded = plandata.load_document(json.loads(stored))
    assert loaded == document
    assert plandata.dump_document(loaded) == json.loads(stored)
    # the Lord Howe cycle (as docs/exports.md writes it, or as dump writes it, every
    # field present), the days' proration and the fee of 49.995 survive
    cycle = json.loads(stored)["plans"][3]["cycle"]
    assert cycle == {"type": "cycles.Monthly", "tz": TZ, "day": 1, "months": 1, "month": 1}
    assert plandata.load({"type": "cycles.Monthly", "tz": TZ, "day": 1}) == MONTHS
    assert json.loads(stored)["plans"][3]["proration"] == "days"
    assert json.loads(stored)["plans"][0]["fees"] == [{"id": "platform", "amount": "49.995"}]
    rating, invoices = _switched()
    again = rk.rate(
        SWITCH_RECORDS, list(loaded.assignments), span=QUARTER, meters=list(loaded.meters)
    )
    assert again.charges == rating.charges
    assert rk.bill(again, credits=[WELCOME], tz=TZ) == invoices
