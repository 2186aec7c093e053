"""Pricing experiments: the same usage under several plans (ratekit.compare)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given

import ratekit as rk
from ratekit import strategies as rks

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
TODAY = rk.Plan("today", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
TIERED = rk.Plan(
    "tiered",
    "EUR",
    MONTHLY,
    [rk.PriceEntry("vm", "vm.hours", rk.Graduated([rk.Tier(500, "0.06"), rk.Tier(None, "0.02")]))],
    fees=[rk.Fee("base", "1")],
)


def _rows() -> list[rk.UsageRow]:
    return [
        rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 100, "hour", {}, ()),
        rk.UsageRow("globex", "vm.hours", "vm-2", MARCH, MARCH, 900, "hour", {}, ()),
        rk.UsageRow("globex", "vm.hours", "vm-2", APRIL, APRIL, 10, "hour", {}, ()),
    ]


def test_a_worked_comparison():
    span = rk.Span(MARCH.start, APRIL.end)
    comparison = rk.compare_plans(_rows(), {"today": TODAY, "tiered": TIERED}, span=span)
    got = [
        (r.account, r.cycle.start.month, r.candidate, r.total, r.difference, r.change)
        for r in comparison.rows
    ]
    assert got == [
        # acme: 100 * 0.05 = 5.00; tiered 100 * 0.06 + 1 = 7.00
        ("acme", 3, "today", Decimal("5.00"), Decimal("0.00"), "same"),
        ("acme", 3, "tiered", Decimal("7.00"), Decimal("2.00"), "pays more"),
        # acme April: no usage; today bills nothing, tiered its base fee of 1.00: acme pays
        # 1.00 - 0 = 1.00 more (this row used to say "not billed" of a candidate that bills)
        ("acme", 4, "today", None, None, "not billed"),
        ("acme", 4, "tiered", Decimal("1.00"), Decimal("1.00"), "pays more"),
        # globex March: 900 * 0.05 = 45.00; tiered 500 * 0.06 + 400 * 0.02 + 1 = 39.00
        ("globex", 3, "today", Decimal("45.00"), Decimal("0.00"), "same"),
        ("globex", 3, "tiered", Decimal("39.00"), Decimal("-6.00"), "pays less"),
        # globex April: 10 * 0.05 = 0.50; tiered 10 * 0.06 + 1 = 1.60
        ("globex", 4, "today", Decimal("0.50"), Decimal("0.00"), "same"),
        ("globex", 4, "tiered", Decimal("1.60"), Decimal("1.10"), "pays more"),
    ]
    assert comparison.accounts("tiered", "pays less") == ("globex",)
    assert comparison.accounts("tiered", "pays more") == ("acme", "globex")
    assert comparison.totals() == {"today": Decimal("50.50"), "tiered": Decimal("48.60")}
    rows = comparison.to_rows()
    assert rows[1] == {
        "account": "acme",
        "cycle_start": "2026-03-01T00:00:00Z",
        "cycle_end": "2026-04-01T00:00:00Z",
        "currency": "EUR",
        "candidate": "tiered",
        "total": "7.00",
        "precise_total": "7.00",
        "baseline": "5.00",
        "difference": "2.00",
        "change": "pays more",
    }
    frame = comparison.to_frame()
    assert str(frame["cycle_start"].dtype) == "datetime64[us, UTC]"
    # 0 + 2.00 + 1.00 (acme April, from nothing to the base fee) + 0 - 6.00 + 0 + 1.10
    assert frame["difference"].sum() == Decimal("-1.90")
    wide = frame.pivot(index=["account", "cycle_start"], columns="candidate", values="total")
    assert wide.loc[("acme", frame["cycle_start"][0]), "tiered"] == Decimal("7.00")


def test_an_account_a_candidate_does_not_bill_is_not_billed():
    candidates = {"today": TODAY, "acme only": [rk.Assignment("acme", TIERED)]}
    rows = _rows()[:1]
    comparison = rk.compare_plans(rows, candidates, span=MARCH)
    assert [(r.candidate, r.change) for r in comparison.rows] == [
        ("today", "same"),
        ("acme only", "pays more"),
    ]
    other = rk.compare_plans(
        rows,
        {
            "acme only": [rk.Assignment("acme", TIERED), rk.Assignment("globex", TIERED)],
            "today": TODAY,
        },
        span=MARCH,
    )
    globex = [r for r in other.rows if r.account == "globex"]
    assert [(r.candidate, r.total, r.change) for r in globex] == [
        ("acme only", Decimal("1.00"), "same"),  # the base fee, no usage
        ("today", None, "not billed"),
    ]


def test_html_escapes_every_user_string():
    evil = "<script>alert(1)</script>"
    rows = [rk.UsageRow(evil, "vm.hours", "vm-1", MARCH, MARCH, 1, "hour", {}, ())]
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    page = rk.compare_plans(rows, {evil: plan, "b&b": plan}, span=MARCH)._repr_html_()
    assert "<script>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # the account and the candidate
    assert "b&amp;b" in page
    assert "1.00 EUR" in page


def test_totals_never_add_currencies():
    eur = rk.Plan("e", "EUR", MONTHLY, [], fees=[rk.Fee("base", 10)])
    usd = rk.Plan("u", "USD", MONTHLY, [], fees=[rk.Fee("base", 12)])
    comparison = rk.compare_plans(
        [], {"now": [rk.Assignment("a", eur), rk.Assignment("b", usd)]}, span=MARCH
    )
    assert comparison.totals_by_currency() == {
        "now": {"EUR": Decimal("10.00"), "USD": Decimal("12.00")}
    }
    with pytest.raises(
        rk.CurrencyMismatchError,
        match=r"^candidate 'now' bills in EUR, USD; its totals per currency are in totals_by_currency\(\)\.$",
    ):
        comparison.totals()
    assert "10.00 EUR + 12.00 USD" in comparison._repr_html_()


def test_errors():
    with pytest.raises(
        rk.RatekitTypeError, match=r"^compare_plans needs at least one candidate plan"
    ):
        rk.compare_plans([], {}, span=MARCH)
    usd = rk.Plan("usd", "USD", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    with pytest.raises(
        rk.CurrencyMismatchError,
        match=r"^account 'acme' cycle 2026-03-01T00:00:00Z is billed in EUR by 'today', USD by 'usd'; compare candidates of one currency\.$",
    ):
        rk.compare_plans(_rows()[:1], {"today": TODAY, "usd": usd}, span=MARCH)
    comparison = rk.compare_plans(_rows()[:1], {"today": TODAY}, span=MARCH)
    # a lookup, not a type error (was: RatekitTypeError "candidate 'x' is not one of 'today'.")
    with pytest.raises(rk.UnknownCandidateError) as caught:
        comparison.accounts("x", "same")
    assert str(caught.value) == "candidate 'x' is not one of this comparison's: 'today'."
    assert isinstance(caught.value, LookupError)
    assert not isinstance(caught.value, TypeError)
    with pytest.raises(rk.RatekitTypeError, match=r"^change 'cheaper' is not one of "):
        comparison.accounts("today", "cheaper")  # type: ignore[arg-type]


@given(rks.usage_rows(max_size=5), rks.plans(plan_id="a"), rks.plans(plan_id="b"))
def test_law_each_total_is_that_candidates_own_bill(rows, first, second):
    comparison = rk.compare_plans(rows, {"a": first, "b": second}, span=MARCH)
    for name, plan in (("a", first), ("b", second)):
        invoices = {inv.account: inv.total for inv in rk.bill(rk.rate(rows, plan, span=MARCH))}
        mine = {
            r.account: r.total
            for r in comparison.rows
            if r.candidate == name and r.total is not None
        }
        assert mine == invoices
    for row in comparison.rows:
        if row.candidate == "a":
            assert row.change in ("same", "not billed")
        if row.total is not None and row.baseline is not None:
            assert row.difference == row.total - row.baseline
            assert (row.change == "pays less") == (row.total < row.baseline)


def test_a_candidate_billing_what_the_baseline_does_not_is_compared_with_nothing_paid():
    span = rk.Span(MARCH.start, APRIL.end)
    comparison = rk.compare_plans(_rows(), {"today": TODAY, "tiered": TIERED}, span=span)
    april = [r for r in comparison.rows if r.account == "acme" and r.cycle.start.month == 4]
    # today bills acme nothing in April; tiered bills its base fee 1.00: 1.00 - 0 = 1.00
    assert [(r.candidate, r.total, r.baseline, r.difference, r.change) for r in april] == [
        ("today", None, None, None, "not billed"),
        ("tiered", Decimal("1.00"), None, Decimal("1.00"), "pays more"),
    ]


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        (
            [TODAY, TIERED],
            (
                "compare_plans needs at least one candidate plan, named in a mapping, e.g. "
                "{'today': plan, 'proposal': other}, not list."
            ),
        ),
        (
            {"today": None},
            (
                "candidate 'today' must be a Plan (for every account) or a list of Assignment "
                "values, not NoneType: None."
            ),
        ),
        (
            {"today": "TODAY"},
            (
                "candidate 'today' must be a Plan (for every account) or a list of Assignment "
                "values, not str: 'TODAY'."
            ),
        ),
        (
            {1: TODAY},
            "candidate names are strings (they head the comparison's columns), not int: 1.",
        ),
    ],
)
def test_bad_candidates_are_refused_naming_them(candidates, message):
    # {"today": None} used to escape as TypeError: 'NoneType' object is not iterable
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.compare_plans(_rows(), candidates, span=MARCH)
    assert str(caught.value) == message


def test_an_error_under_one_candidate_names_it():
    # acme-only assigns no plan to globex, whose April usage then has none.
    acme_only = [rk.Assignment("acme", TODAY)]
    span = rk.Span(MARCH.start, APRIL.end)
    with pytest.raises(rk.UnpricedUsageError) as caught:
        rk.compare_plans(_rows(), {"today": TODAY, "acme only": acme_only}, span=span)
    assert str(caught.value).startswith(
        "under candidate 'acme only': usage of meter 'vm.hours' by account 'globex'"
    )


def test_the_table_prints_cycles_in_the_plans_timezone_like_invoices():
    # A Zurich month is [Feb 28 23:00Z, Mar 31 22:00Z): CET +1 until the switch to CEST
    # (+2) on March 29. The table said "2026-02-28T23:00:00Z .. 2026-03-31T22:00:00Z".
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    march = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
    plan = rk.Plan("z", "CHF", zurich, [], fees=[rk.Fee("base", 10)])
    comparison = rk.compare_plans([], {"today": [rk.Assignment("acme", plan)]}, span=march)
    page = comparison._repr_html_()
    assert "<td>2026-03-01 .. 2026-04-01 (Europe/Zurich)</td>" in page
    assert "T23:00:00Z" not in page
    [invoice] = comparison.invoices["today"]
    assert invoice.tz == "Europe/Zurich"
    assert "2026-03-01 .. 2026-04-01 (Europe/Zurich)" in invoice.to_text()
    # A plan's own tz wins over its cycle's: a UTC month read in Zurich runs from
    # 01:00 (+1) on March 1 to 02:00 (+2) on April 1.
    local = rk.Plan("l", "CHF", MONTHLY, [], fees=[rk.Fee("base", 10)], tz="Europe/Zurich")
    page = rk.compare_plans([], {"today": [rk.Assignment("acme", local)]}, span=MARCH)._repr_html_()
    assert "<td>2026-03-01T01:00+01:00 .. 2026-04-01T02:00+02:00 (Europe/Zurich)</td>" in page
    # A plan for every account: its cycle's zone, here UTC, named as an invoice names it
    page = rk.compare_plans(_rows(), {"today": TODAY}, span=MARCH)._repr_html_()
    assert "<td>2026-03-01 .. 2026-04-01 (UTC)</td>" in page


def test_a_cycle_only_a_candidate_bills_is_printed_in_its_plans_timezone():
    # 10 hours in a Zurich March; the candidate with a fee bills April too, the baseline
    # does not (no usage): April's row was printed as UTC instants (2026-03-31T22:00:00Z
    # .. 2026-04-30T22:00:00Z) beside March's local dates.
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    march = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
    april = rk.Span("2026-03-31T22:00:00Z", "2026-04-30T22:00:00Z")
    usage = [rk.UsageRow("acme", "vm.hours", "v", march, march, 10, "hour", {}, ())]
    price = [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))]
    today = rk.Plan("today", "EUR", zurich, price)
    fee = rk.Plan("fee", "EUR", zurich, price, fees=[rk.Fee("base", "2")])
    comparison = rk.compare_plans(
        usage, {"today": today, "fee": fee}, span=rk.Span(march.start, april.end)
    )
    page = comparison._repr_html_()
    assert "<td>2026-04-01 .. 2026-05-01 (Europe/Zurich)</td>" in page
    assert "T22:00:00Z" not in page


@pytest.mark.parametrize(
    ("usage", "meters", "message"),
    [
        (
            None,
            None,
            "compare_plans usage must be an iterable (a list or tuple), not NoneType: None.",
        ),
        ([], [1], "compare_plans meters must be Meter values, not int: 1."),
        ([], "x", "compare_plans meters must be an iterable (a list or tuple), not str: 'x'."),
    ],
)
def test_compare_plans_checks_its_usage_and_meters_at_the_door(
    usage: object, meters: object, message: str
) -> None:
    # Found by the long fuzz run: compare_plans(None, ...) raised a bare TypeError.
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.compare_plans(usage, {"a": plan}, span=march, meters=meters)  # type: ignore[arg-type]
    assert str(caught.value) == message
