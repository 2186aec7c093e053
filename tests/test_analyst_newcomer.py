"""A pricing analyst's first use of ratekit, from the README and docs alone, worked by hand.

Each test rates what an analyst at a metered SaaS would rate (tiers, proration at a plan
change inside a DST month, minimums, odd quanta, candidate plans, plans as data, invoice
previews and FOCUS exports), often under a hostile caller's decimal context, and checks
every amount against arithmetic worked in the comments (exact fractions). The faults found
are in tests/test_analyst_newcomer_faults.py; the laws in tests/test_analyst_newcomer_laws.py.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk
from ratekit import plandata

UTC_MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
ZURICH_MONTHS = rk.cycles.monthly(tz="Europe/Zurich")
ZURICH_MARCH = ZURICH_MONTHS.containing("2026-03-15T00:00:00Z")  # 743 hours: DST on the 29th


def _hostile_context() -> decimal.Context:
    """A caller's context that would cut, truncate or trap any careless arithmetic."""
    return decimal.Context(
        prec=3, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact, decimal.Rounded]
    )


# Price models under a hostile decimal context ----------------------------------------------


def test_graduated_amount_ignores_the_callers_three_digit_context() -> None:
    # (0, 3.33333] at 1.11111: 3.33333 x 1.11111 = 3.7036962963
    # (3.33333, inf) at 2.22222: (7.77777 - 3.33333) = 4.44444 x 2.22222 = 9.8765234568
    # together 13.5802197531, exact (the caller keeps 3 digits and traps Inexact)
    price = rk.Graduated([rk.Tier("3.33333", "1.11111"), rk.Tier(None, "2.22222")])
    with decimal.localcontext(_hostile_context()):
        amount = price.amount("7.77777")
    assert amount == Decimal("13.5802197531")
    first, second = (
        Fraction("3.33333") * Fraction("1.11111"),
        Fraction("4.44444") * Fraction("2.22222"),
    )
    assert Fraction(amount) == first + second


def test_percentage_and_package_ignore_the_callers_context() -> None:
    # 2.9 % of 123.456789 = 3.580246881 (exact: 123456789 x 29 / 10^10), plus the 0.30 fee
    # = 3.880246881, above the 0.50 minimum.
    card = rk.Percentage("2.9", fixed_fee="0.30", minimum="0.50")
    # Packages of 3.3333 at 1.23456 after 0.1111 free: 100.777 - 0.1111 = 100.6659 units,
    # 100.6659 / 3.3333 = 30.2001... so 31 started packages: 31 x 1.23456 = 38.27136.
    sms = rk.Package("3.3333", "1.23456", free="0.1111")
    with decimal.localcontext(_hostile_context()):
        card_amount = card.amount_of(["123.456789"])
        package_amount = sms.amount("100.777")
    assert card_amount == Decimal("3.880246881")
    assert package_amount == Decimal("38.27136")


def test_volume_just_past_a_bound_reprices_every_unit() -> None:
    # 10 units sit on the bound of (0, 10]: 10 x 1 = 10; 10.0000001 units reach (10, inf)
    # and all of them cost 2: 20.0000002.
    price = rk.Volume([rk.Tier(10, 1), rk.Tier(None, 2)])
    assert price.amount(10) == 10
    assert price.amount("10.0000001") == Decimal("20.0000002")


def test_a_package_of_a_fractional_size_counts_whole_packages_exactly() -> None:
    # 0.9 / 0.3 is exactly 3 packages (no binary fraction leaves 3.0000001); 0.91 starts a 4th.
    price = rk.Package("0.3", 1)
    assert price.amount("0.9") == 3
    assert price.amount("0.91") == 4


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (float("nan"), "must be a finite number"),
        (Decimal("sNaN"), "must be a finite number"),
        (Decimal("1E+30"), "lies outside the numbers ratekit represents"),
        (Decimal("1E-31"), "lies outside the numbers ratekit represents"),
        ("١٢", "is not written plainly"),
    ],
)
def test_a_hostile_rate_is_refused_naming_the_model_and_field(value: object, why: str) -> None:
    with pytest.raises(rk.BadPriceError) as raised:
        rk.PerUnit(value)  # type: ignore[arg-type]
    assert str(raised.value).startswith("PerUnit rate")
    assert why in str(raised.value)


# Proration at a plan change inside a DST month -------------------------------------------


def test_a_fee_prorated_by_seconds_counts_the_real_hours_of_a_dst_month() -> None:
    # Zurich's March 2026 lasts 743 h (the night of the 29th loses one). An assignment
    # from 29 March 01:00Z (03:00 CEST, right after the gap) to the month's end,
    # 31 March 22:00Z, covers 21 + 24 + 24 = 69 h: 743 x 69/743 = 69.
    plan = rk.Plan("f", "EUR", ZURICH_MONTHS, [], fees=[rk.Fee("base", 743)])
    rating = rk.rate(
        [], [rk.Assignment("a", plan, start="2026-03-29T01:00:00Z")], span=ZURICH_MARCH
    )
    [charge] = rating.charges
    assert charge.amount == 69
    assert abs(Fraction(charge.quantity) - Fraction(69, 743)) < Fraction(1, 10**59)


@pytest.mark.parametrize(
    ("start", "days"),
    [
        ("2026-03-29T01:00:00Z", 3),  # 03:00 CEST on the 29th: the 29th, 30th and 31st
        ("2026-03-28T23:00:00Z", 3),  # local midnight of the 29th (CET): the same 3 days
        ("2026-03-28T22:59:59.999999Z", 4),  # the 28th's last instant: the 28th counts too
    ],
)
def test_a_fee_prorated_by_days_in_zurich_counts_the_days_whose_last_instant_is_covered(
    start: str, days: int
) -> None:
    # A fee of 31 over March's 31 local days: 1 per day covered.
    plan = rk.Plan(
        "f",
        "EUR",
        ZURICH_MONTHS,
        [],
        fees=[rk.Fee("base", 31)],
        proration="days",
        tz="Europe/Zurich",
    )
    [charge] = rk.rate([], [rk.Assignment("a", plan, start=start)], span=ZURICH_MARCH).charges
    assert charge.amount == days


def test_samoas_skipped_day_is_not_a_day_of_its_december() -> None:
    # Pacific/Apia skipped 30 December 2011 (UTC-10 to UTC+14): its December has 30 days.
    # The part from 29 Dec 10:00Z (local 29 Dec 00:00) to 31 Dec 10:00Z (local 1 Jan
    # 00:00) holds the local 29th and 31st whole: 2 of 30 days.
    apia = rk.cycles.monthly(tz="Pacific/Apia")
    december = apia.containing("2011-12-15T00:00:00Z")
    part = rk.Span("2011-12-29T10:00:00Z", "2011-12-31T10:00:00Z")
    fraction = rk.cycles.prorate(part, december, basis="days", tz="Pacific/Apia")
    assert abs(Fraction(fraction) - Fraction(2, 30)) < Fraction(1, 10**59)
    days = rk.cycles.daily(tz="Pacific/Apia").spans(
        rk.Span("2011-12-29T00:00:00Z", "2012-01-01T00:00:00Z")
    )
    assert [str(day.start) for day in days] == [
        "2011-12-28 10:00:00+00:00",  # local 28 Dec
        "2011-12-29 10:00:00+00:00",  # local 29 Dec
        "2011-12-30 10:00:00+00:00",  # local 31 Dec: the 30th never was
        "2011-12-31 10:00:00+00:00",  # local 1 Jan
    ]


def test_minimums_of_two_plans_split_a_dst_month_at_a_change() -> None:
    # Zurich's March: 28 Feb 23:00Z to 31 Mar 22:00Z, 743 h. m1 until 16 Mar 00:00Z
    # (361 h), m2 after (382 h). m1: 10 h at 1 = 10 against 100 x 361/743 -> top-up
    # 36100/743 - 10 = 28670/743 = 38.5868...; m2: 10 h at 2 = 20 against 200 x 382/743 ->
    # 76400/743 - 20 = 61540/743 = 82.8263...
    # Invoice lines (each rounded once): usage 10 + 20 = 30.00; the commitments as
    # printed, 48.59 (36100/743 = 48.5868...) and 102.83 (102.8263...) less the lines they
    # count, 10.00 and 20.00: 38.59 + 82.83 = 121.42; total 151.42.
    m1 = rk.Plan(
        "m1",
        "EUR",
        ZURICH_MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        minimums=[rk.Minimum(100)],
    )
    m2 = rk.Plan(
        "m2",
        "EUR",
        ZURICH_MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(2))],
        minimums=[rk.Minimum(200)],
    )
    change = "2026-03-16T00:00:00Z"

    def ten_hours(day: int) -> rk.UsageRow:
        span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day:02d}T10:00:00Z")
        return rk.UsageRow("x", "vm.hours", "v", span, ZURICH_MARCH, 10, "hour", {}, ())

    assignments = [rk.Assignment("x", m1, end=change), rk.Assignment("x", m2, start=change)]
    rating = rk.rate([ten_hours(2), ten_hours(20)], assignments, span=ZURICH_MARCH)
    top_ups = {c.plan: c.amount for c in rating.charges if c.kind == "minimum"}
    assert abs(Fraction(top_ups["m1"]) - Fraction(28670, 743)) < Fraction(1, 10**57)
    assert abs(Fraction(top_ups["m2"]) - Fraction(61540, 743)) < Fraction(1, 10**57)
    with decimal.localcontext(_hostile_context()):
        [invoice] = rk.bill(rating)
    assert [line.amount for line in invoice.lines] == [Decimal("30.00"), Decimal("121.42")]
    assert invoice.total == Decimal("151.42")


def test_a_plan_change_exactly_at_a_cycle_boundary_leaves_each_cycle_one_whole_fee() -> None:
    # a until Zurich's April starts (31 Mar 22:00Z), b from then: March pays a's 10 whole,
    # April b's 20 whole, and no cycle holds a sliver of the other plan.
    a = rk.Plan("a", "EUR", ZURICH_MONTHS, [], fees=[rk.Fee("base", 10)])
    b = rk.Plan("b", "EUR", ZURICH_MONTHS, [], fees=[rk.Fee("base", 20)])
    two_months = rk.Span(ZURICH_MARCH.start, "2026-04-30T22:00:00Z")
    assignments = [
        rk.Assignment("x", a, end=ZURICH_MARCH.end),
        rk.Assignment("x", b, start=ZURICH_MARCH.end),
    ]
    charges = rk.rate([], assignments, span=two_months).charges
    assert [(c.plan, c.cycle.start.isoformat(), c.amount) for c in charges] == [
        ("a", "2026-02-28T23:00:00+00:00", 10),
        ("b", "2026-03-31T22:00:00+00:00", 20),
    ]


def test_a_zero_length_assignment_is_refused_naming_it() -> None:
    plan = rk.Plan("f", "EUR", UTC_MONTHS, [], fees=[rk.Fee("base", 1)])
    with pytest.raises(rk.BadPriceError, match="ends at 2026-03-10T00:00:00Z, not after its start"):
        rk.Assignment("a", plan, start="2026-03-10T00:00:00Z", end="2026-03-10T00:00:00Z")


# Rounding on odd quanta, negative amounts -------------------------------------------------


@pytest.mark.parametrize(
    ("quantum", "mode", "amount", "rounded"),
    [
        ("0.05", "ROUND_HALF_EVEN", "-1.025", "-1.00"),  # -20.5 steps -> -20 (even)
        ("0.05", "ROUND_HALF_EVEN", "-1.075", "-1.10"),  # -21.5 steps -> -22 (even)
        ("0.05", "ROUND_HALF_EVEN", "1.125", "1.10"),  # 22.5 steps -> 22
        ("3", "ROUND_HALF_UP", "4.5", "6"),  # 1.5 steps -> 2
        ("3", "ROUND_HALF_DOWN", "-4.5", "-3"),  # -1.5 steps -> -1
        ("0.25", "ROUND_CEILING", "-0.1", "0.00"),  # -0.4 steps -> 0, never -0.00
        ("0.25", "ROUND_UP", "-0.1", "-0.25"),  # -0.4 steps -> -1
        ("0.10", "ROUND_HALF_EVEN", "1.25", "1.20"),  # 12.5 steps -> 12, two decimals
        ("0.3", "ROUND_HALF_EVEN", "0.45", "0.6"),  # 1.5 steps -> 2
        ("0.3", "ROUND_HALF_EVEN", "0.15", "0.0"),  # 0.5 steps -> 0
        ("0.01", "ROUND_FLOOR", "-0.001", "-0.01"),  # -0.1 steps -> -1
    ],
)
def test_plan_round_on_any_quantum_in_any_mode(
    quantum: str, mode: str, amount: str, rounded: str
) -> None:
    plan = rk.Plan("q", "CHF", UTC_MONTHS, [], quantum=quantum, rounding=mode)
    with decimal.localcontext(_hostile_context()):
        result = plan.round(Decimal(amount))
    assert str(result) == rounded


# Candidate plans --------------------------------------------------------------------------


def test_compare_plans_under_a_hostile_context_totals_the_printed_lines() -> None:
    # acme used 100 hours. today: 100 x 0.05 = 5.00. proposal: 100 x 0.0512345 = 5.12345
    # (line 5.12) plus a fee of 12.345678 (line 12.35): 17.47, precise 17.469128.
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 100, "hour", {}, ())]
    today = rk.Plan(
        "today", "EUR", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))]
    )
    proposal = rk.Plan(
        "proposal",
        "EUR",
        UTC_MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.0512345"))],
        fees=[rk.Fee("f", "12.345678")],
    )
    with decimal.localcontext(_hostile_context()):
        comparison = rk.compare_plans(rows, {"today": today, "proposal": proposal}, span=MARCH)
        totals = comparison.totals()
    [_, row] = comparison.rows
    assert (row.total, row.precise_total, row.difference, row.change) == (
        Decimal("17.47"),
        Decimal("17.469128"),
        Decimal("12.47"),
        "pays more",
    )
    assert totals == {"today": Decimal("5.00"), "proposal": Decimal("17.47")}


def test_a_comparisons_table_escapes_hostile_candidate_and_account_names() -> None:
    evil = "<img src=x onerror=alert(1)>"
    rows = [rk.UsageRow(evil, "vm.hours", "vm-1", MARCH, MARCH, 100, "hour", {}, ())]
    plan = rk.Plan("p", "EUR", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    html = rk.compare_plans(rows, {evil: plan, "b\u0301": plan}, span=MARCH)._repr_html_()
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize("name", ["", 1])
def test_a_candidate_without_a_visible_string_name_is_refused(name: object) -> None:
    plan = rk.Plan("p", "EUR", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    with pytest.raises(rk.RatekitTypeError, match="candidate names"):
        rk.compare_plans([], {name: plan, "b": plan}, span=MARCH)  # type: ignore[dict-item]


def test_candidates_in_two_currencies_are_not_compared() -> None:
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 100, "hour", {}, ())]
    euros = rk.Plan("a", "EUR", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    dollars = rk.Plan("b", "USD", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    with pytest.raises(rk.CurrencyMismatchError, match="billed in EUR by 'a', USD by 'b'"):
        rk.compare_plans(rows, {"a": euros, "b": dollars}, span=MARCH)


# Invoices: HTML, credits, FOCUS ------------------------------------------------------------


def test_an_invoice_preview_escapes_every_hostile_name() -> None:
    evil = "<img src=x onerror=alert(1)>&"
    rows = [rk.UsageRow(evil, evil, evil, MARCH, MARCH, 100, evil, {evil: evil}, (evil,))]
    plan = rk.Plan(
        "p",
        "EUR",
        UTC_MONTHS,
        [rk.PriceEntry(evil, evil, rk.PerUnit("0.05"))],
        fees=[rk.Fee(evil, 1)],
    )
    credit = rk.Credit(evil, evil, 1, "EUR", start=MARCH.start)
    [invoice] = rk.bill(rk.rate(rows, plan, span=MARCH), credits=[credit])
    html = invoice._repr_html_()
    assert "<img" not in html
    escaped = "&lt;img src=x onerror=alert(1)&gt;&amp;"
    assert html.count(escaped) >= 4  # the account, the meter, the entry, the fee, ...


def test_focus_rows_of_a_credited_invoice_add_up_to_what_the_account_pays() -> None:
    # 100 h x 0.05 = 5.00, plus the 30.00 fee: 35.00; a 7.00 credit leaves 28.00.
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 100, "hour", {}, ())]
    plan = rk.Plan(
        "p",
        "EUR",
        UTC_MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))],
        fees=[rk.Fee("base", 30)],
    )
    invoices = rk.bill(
        rk.rate(rows, plan, span=MARCH),
        credits=[rk.Credit("c", "acme", 7, "EUR", start=MARCH.start)],
    )
    focus = rk.focus_rows(invoices, provider="Example Cloud")
    assert [(row["ChargeCategory"], row["BilledCost"]) for row in focus] == [
        ("Usage", "5.00"),
        ("Purchase", "30.00"),
        ("Credit", "-7.00"),
    ]
    assert sum(Fraction(row["BilledCost"]) for row in focus) == Fraction(invoices[0].total) == 28


def test_a_credit_off_the_quantum_is_refused_naming_it() -> None:
    plan = rk.Plan("p", "EUR", UTC_MONTHS, [], fees=[rk.Fee("base", 30)])
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH)
    with pytest.raises(
        rk.BadQuantityError,
        match=r"credit 'c' of account 'acme' grants 0.005 EUR.*round the credit",
    ):
        rk.bill(rating, credits=[rk.Credit("c", "acme", "0.005", "EUR", start=MARCH.start)])


def test_a_credit_expiring_one_microsecond_into_a_cycle_still_pays_all_of_it() -> None:
    # docs/invoices.md: a credit serves every cycle that overlaps its life. March's invoice
    # of 30.00 overlaps [1 Jan, 1 Mar 00:00:00.000001): the credit pays 10.00 of it.
    plan = rk.Plan("p", "EUR", UTC_MONTHS, [], fees=[rk.Fee("base", 30)])
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH)
    overlapping = rk.Credit(
        "c", "acme", 10, "EUR", start="2026-01-01T00:00:00Z", expires="2026-03-01T00:00:00.000001Z"
    )
    ended = rk.Credit(
        "d", "acme", 10, "EUR", start="2026-01-01T00:00:00Z", expires="2026-03-01T00:00:00Z"
    )
    [invoice] = rk.bill(rating, credits=[overlapping, ended])
    assert [(line.credit, line.applied) for line in invoice.credits] == [("c", Decimal("10.00"))]
    assert invoice.total == Decimal("20.00")


# Plans as data ------------------------------------------------------------------------------


def _rich_plan() -> rk.Plan:
    """A plan using every part a document can hold: windows, selectors, tiers, periods."""
    nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    entries = [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10")),
        rk.PriceEntry(
            "vm-nights",
            "vm.hours",
            rk.PerUnit("0.05"),
            window=~nights | rk.windows.weekends(tz="UTC"),
            priority=1,
        ),
        rk.PriceEntry(
            "big",
            "vm.hours",
            rk.PerUnit("0.35"),
            where={"memory_gb": rk.AtLeast(128), "flavor": rk.OneOf(["l", "xl"])},
            priority=2,
            start="2026-03-15T00:00:00+01:00",
        ),
        rk.PriceEntry(
            "egress",
            "egress",
            rk.Graduated(
                [
                    rk.Tier(10, "0"),
                    rk.Tier(100, "0.09", block=5),
                    rk.Tier(None, "0.07", flat="1.5"),
                ],
                flat_at_zero=False,
            ),
        ),
        rk.PriceEntry("sms", "sms", rk.Package(100, "5.00", free=50)),
        rk.PriceEntry("pay", "volume", rk.GraduatedPercentage([(1000, "1", 200), (None, "2")])),
    ]
    return rk.Plan(
        "rich",
        "CHF",
        rk.cycles.monthly(tz="Europe/Zurich", day=31),
        entries,
        allowances=[
            rk.Allowance("egress", 5),
            rk.Allowance("egress", 50, cycle=rk.cycles.yearly(tz="UTC")),
        ],
        minimums=[rk.Minimum(20, meter="vm.hours"), rk.Minimum(50)],
        fees=[rk.Fee("support", "9.95"), rk.Fee("discount", -2)],
        quantum="0.05",
        rounding="ROUND_HALF_UP",
        proration="days",
        tz="Europe/Zurich",
    )


def test_a_rich_plan_goes_through_json_and_back_unchanged() -> None:
    plan = _rich_plan()
    data = json.loads(json.dumps(plandata.dump(plan)))
    assert plandata.load(data) == plan
    assert plandata.dump(plandata.load(data)) == data


@pytest.mark.parametrize("depth", [50, 5000])
def test_a_deeply_nested_window_document_is_refused_or_loaded_never_a_recursion_error(
    depth: int,
) -> None:
    window: dict[str, object] = {
        "type": "windows.DailyWindow",
        "tz": "UTC",
        "start_seconds": 0,
        "end_seconds": 3600,
    }
    for _ in range(depth):
        window = {"type": "windows.Complement", "window": window}
    if depth <= 50:
        assert isinstance(plandata.load(window), rk.windows.Complement)
    else:
        with pytest.raises(rk.BadDataError, match=r"^window\.window\."):
            plandata.load(window)


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        ("NaN", "is not a decimal number"),
        (float("nan"), "is not a decimal number"),
        (float("inf"), "is not a decimal number"),
        ("1e400", "lies outside the numbers ratekit represents"),
        ("1e-999999999999", "lies outside the numbers ratekit represents"),
        ("1" * 100_000, "lies outside the numbers ratekit represents"),
        ("٣", "is not a decimal number"),
    ],
)
def test_a_documents_hostile_fee_is_refused_naming_its_path(amount: object, why: str) -> None:
    plan = plandata.dump(
        rk.Plan("p", "EUR", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    )
    document = {"plans": [dict(plan, fees=[{"id": "a", "amount": amount}])]}
    with pytest.raises(rk.BadDataError) as raised:
        plandata.load_document(document)
    assert str(raised.value).startswith("plans[0].fees[0].amount: ")
    assert why in str(raised.value)


@pytest.mark.parametrize(
    ("instant", "why"),
    [
        ("2026-03-01T00:00:00", "has no UTC offset"),
        ("2026-02-30T00:00:00Z", "no such date or time"),
        ("2026-03-01T24:00:00Z", "no such date or time"),
        ("0001-01-01T00:00:00+01:00", "lies outside the instants ratekit represents"),
    ],
)
def test_a_documents_hostile_instant_is_refused_naming_its_path(instant: str, why: str) -> None:
    plan = plandata.dump(
        rk.Plan("p", "EUR", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    )
    document = {"plans": [plan], "assignments": [{"account": "a", "plan": "p", "start": instant}]}
    with pytest.raises(rk.BadDataError) as raised:
        plandata.load_document(document)
    assert str(raised.value).startswith("assignments[0].start: ")
    assert why in str(raised.value)


def test_a_document_with_two_plans_of_one_id_is_refused() -> None:
    plan = plandata.dump(
        rk.Plan("p", "EUR", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    )
    with pytest.raises(rk.BadDataError, match=r"^plans\[1\]\.id: plan id 'p' is already"):
        plandata.load_document({"plans": [plan, plan]})


def test_a_selector_value_nested_too_deep_is_refused() -> None:
    nested: dict[str, object] = {"a": 1}
    for _ in range(500):
        nested = {"a": nested}
    entry = plandata.dump(rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)))
    with pytest.raises(rk.BadDataError, match="nests at most 32 levels deep"):
        plandata.load(dict(entry, where={"k": nested}))
