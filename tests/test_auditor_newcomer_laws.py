"""An auditor's laws: exports' totals == invoices' totals == a Fraction oracle.

Two accounts, two meters (one linear with corrections below zero, one tiered), a plan
change at a random midnight of March with a fee due under both plans, a minimum
commitment on the second plan and a credit. The oracle works each invoice out with
`fractions.Fraction` from docs/invoices.md's rules alone: a line is its charges' exact
sum rounded once (half-even, on the cent), each plan's tiers start from zero, fees are
prorated by days, a minimum tops the lines *as rounded* up to its commitment put on the
cent, and a credit pays at most the subtotal.
"""

from __future__ import annotations

import decimal
import json
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._money_oracle import stacked

import ratekit as rk
from _budget import LAWS
from _html_pages import SAFE_TAGS, parsed

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
CENT = Fraction(1, 100)
TIERS = ((Fraction(10), Fraction(0)), (Fraction(25), Fraction(1, 10)), (None, Fraction(7, 100)))


def _plan(name: str, rate: str, fee: int, minimum: int | None) -> rk.Plan:
    return rk.Plan(
        name,
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(f"m-{name}", "m", rk.PerUnit(rate)),
            rk.PriceEntry(
                f"t-{name}",
                "t",
                rk.Graduated([rk.Tier(10, 0), rk.Tier(25, "0.1"), rk.Tier(None, "0.07")]),
            ),
        ],
        fees=[rk.Fee("support", fee)],
        minimums=[] if minimum is None else [rk.Minimum(minimum)],
        proration="days",
    )


OLD = _plan("old", "0.013", 9, None)
NEW = _plan("new", "0.0175", 31, 40)
RATES = {"old": Fraction("0.013"), "new": Fraction("0.0175")}
FEES = {"old": Fraction(9), "new": Fraction(31)}


def _round(value: Fraction) -> Fraction:
    """Half-even on the cent, exactly."""
    steps = value / CENT
    floor = steps.numerator // steps.denominator
    rest = steps - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return floor * CENT


def _graduated(quantity: Fraction) -> Fraction:
    amount, low = Fraction(0), Fraction(0)
    for up_to, unit in TIERS:
        top = quantity if up_to is None else min(quantity, up_to)
        if top > low:
            amount += (top - low) * unit
        if up_to is None or quantity <= up_to:
            break
        low = up_to
    return amount


@st.composite
def _months(draw: st.DrawFn) -> tuple[int, list[rk.UsageRow], int]:
    change = draw(st.integers(2, 31))  # the new plan from this day's midnight
    rows = []
    for index in range(draw(st.integers(0, 10))):
        account = draw(st.sampled_from(["acme", "beta"]))
        meter = draw(st.sampled_from(["m", "t"]))
        day = draw(st.integers(1, 31))
        if meter == "m":
            quantity = Decimal(draw(st.integers(-3000, 90000))) / 1000
        else:
            quantity = Decimal(draw(st.integers(0, 30)))
        start = f"2026-03-{day:02d}T00:00:00Z"
        end = f"2026-03-{day:02d}T12:00:00Z"
        rows.append(
            rk.UsageRow(
                account,
                meter,
                draw(st.sampled_from(["r1", "r2", "r3"])),
                rk.Span(start, end),
                MARCH,
                quantity,
                "GB",
                {},
                (f"s{index}",),
            )
        )
    credit = draw(st.integers(1, 6000))
    return change, rows, credit


def _assignments(change: int) -> list[rk.Assignment]:
    at = f"2026-03-{change:02d}T00:00:00Z"
    return [
        rk.Assignment("acme", OLD, end=at),
        rk.Assignment("acme", NEW, start=at),
        rk.Assignment("beta", OLD),
    ]


def _taken_back(
    rows: list[rk.UsageRow], plan_of: Callable[[rk.UsageRow], str]
) -> list[tuple[str, str, Fraction]]:
    """(plan, meter, quantity) rated: a correction takes back the units of the month
    billed before it, last in, first out, whichever plan billed them, each back to that
    plan; only what is left is its own plan's (docs/pricing.md, Negative quantities).

    The rows in time order (at one span: by resource, then quantity, then record ids, as
    rating orders them); per meter, a stack of (plan, quantity) runs, last in on top.
    """
    out: list[tuple[str, str, Fraction]] = []
    stacks: dict[str, list[tuple[str, Fraction]]] = {}
    order = sorted(
        rows,
        key=lambda r: (r.span.start_us, r.span.end_us, r.resource, r.quantity, r.record_ids),
    )
    for row in order:
        parts = stacked(stacks.setdefault(row.meter, []), plan_of(row), Fraction(row.quantity))
        out.extend((owner, row.meter, quantity) for owner, quantity in parts)
        if not row.quantity:
            out.append((plan_of(row), row.meter, Fraction(0)))
    return out


def _oracle(
    change: int, rows: list[rk.UsageRow], credit: int
) -> dict[str, tuple[Fraction, Fraction]]:
    """(subtotal, total) of each account, by hand."""
    invoices = {}
    for account in ("acme", "beta"):

        def plan_of(row: rk.UsageRow) -> str:
            return "new" if account == "acme" and row.span.start.day >= change else "old"  # noqa: B023

        mine = [row for row in rows if row.account == account]
        rated = _taken_back(mine, plan_of)
        lines: dict[str, Fraction] = {}
        for name in ("old", "new"):
            linear = [q * RATES[name] for plan, meter, q in rated if (plan, meter) == (name, "m")]
            if linear:
                lines[f"m-{name}"] = _round(sum(linear, Fraction(0)))
            tiered = [q for plan, meter, q in rated if (plan, meter) == (name, "t")]
            if tiered:
                lines[f"t-{name}"] = _round(_graduated(sum(tiered, Fraction(0))))
        old_days = Fraction(change - 1, 31) if account == "acme" else Fraction(1)
        fee = FEES["old"] * old_days + FEES["new"] * (1 - old_days)
        subtotal = sum(lines.values(), Fraction(0)) + _round(fee)
        if account == "acme" and old_days < 1:
            commitment = _round(40 * (1 - old_days))
            spent = lines.get("m-new", Fraction(0)) + lines.get("t-new", Fraction(0))
            subtotal += max(commitment - spent, Fraction(0))
        paid = (
            min(Fraction(credit, 100), max(subtotal, Fraction(0)))
            if account == "acme"
            else Fraction(0)
        )
        invoices[account] = (subtotal, subtotal - paid)
    return invoices


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(month=_months())
def test_invoices_focus_frames_and_rows_agree_with_the_fraction_oracle(
    month: tuple[int, list[rk.UsageRow], int],
) -> None:
    change, rows, credit = month
    rating = rk.rate(rows, _assignments(change), span=MARCH)
    granted = [rk.Credit("welcome", "acme", Decimal(credit) / 100, "EUR", start=MARCH.start)]
    invoices = rk.bill(rating, credits=granted)
    oracle = _oracle(change, rows, credit)
    assert {i.account: (Fraction(i.subtotal), Fraction(i.total)) for i in invoices} == oracle

    # FOCUS from invoices: each account's rows add up to its total, to the cent
    focus: dict[str, Fraction] = {}
    for row in rk.focus_rows(invoices, provider="Example SaaS"):
        account = row["BillingAccountId"]
        focus[account] = focus.get(account, Fraction(0)) + Fraction(row["BilledCost"])
    assert focus == {account: total for account, (_, total) in oracle.items()}

    # FOCUS from the rating: the exact amounts, the rating's own total
    exact: dict[str, Fraction] = {}
    for row in rk.focus_rows(rating, provider="Example SaaS"):
        account = row["BillingAccountId"]
        exact[account] = exact.get(account, Fraction(0)) + Fraction(row["BilledCost"])
    assert exact == {account: Fraction(rating.total(account=account)) for account in oracle}

    # the lines' frame adds up to the subtotals
    frame = rk.invoice_lines_frame(invoices)
    with decimal.localcontext(prec=decimal.MAX_PREC):
        sums = frame.groupby("account")["amount"].sum().to_dict()
    assert {a: Fraction(s) for a, s in sums.items()} == {a: s for a, (s, _) in oracle.items()}

    # detailed per resource, the same totals, each resource within a cent of its exact
    for summary, detailed in zip(
        invoices, rk.bill(rating, credits=granted, by_resource=True), strict=True
    ):
        assert (detailed.subtotal, detailed.total) == (summary.subtotal, summary.total)
        for line in detailed.lines:
            if line.kind == "usage":
                assert abs(Fraction(line.amount) - Fraction(line.precise)) < CENT

    # rows round-trip: the same invoice, printed the same
    for invoice in invoices:
        back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert back == invoice
        assert str(back) == str(invoice)


HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(list("ab=+-@<>&\"'\\,;|!\t\r\n \u202e\u200b\u2028\ufeff\u05d0\x1b")),
    min_size=1,
    max_size=12,
)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(HOSTILE_TEXT, min_size=1, max_size=4, unique=True),
    cents=st.lists(st.integers(-500, 5000), min_size=1, max_size=4),
)
def test_hostile_names_lose_no_line_and_no_cent_in_any_view_or_export(
    names: list[str], cents: list[int]
) -> None:
    # Each name is an account with one resource of the same name; each row is worth its
    # cents at 1 a unit, plus a fee of 1: an invoice per name, its total by hand.
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], fees=[rk.Fee("f", 1)]
    )
    rows = [
        rk.UsageRow(
            names[i % len(names)],
            "m",
            names[i % len(names)],
            MARCH,
            MARCH,
            Decimal(amount) / 100,
            "GB",
            {names[i % len(names)]: names[0]},
            (f"s{i}",),
        )
        for i, amount in enumerate(cents)
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    invoices = rk.bill(rating, by_resource=True)
    expected: dict[str, Fraction] = {}
    for i, amount in enumerate(cents):
        name = names[i % len(names)]
        expected[name] = expected.get(name, Fraction(1)) + Fraction(amount, 100)
    assert {invoice.account: Fraction(invoice.total) for invoice in invoices} == expected

    focus = rk.focus_rows(invoices, provider="X")
    by_account: dict[str, Fraction] = {}
    for row in focus:
        by_account[row["BillingAccountId"]] = by_account.get(
            row["BillingAccountId"], Fraction(0)
        ) + Fraction(row["BilledCost"])
    assert by_account == expected
    assert sorted(i for row in focus for i in row["x_RecordIds"]) == sorted(
        f"s{i}" for i in range(len(cents))
    )
    for invoice in invoices:
        text = str(invoice)
        assert not any(character in text for character in "\r\t\x1b\u202e\u200b\u2028\ufeff")
        assert len(text.splitlines()) == len(invoice.lines) + 5
        page = parsed(invoice._repr_html_())
        assert page.tags <= SAFE_TAGS
        back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert back == invoice
        assert str(back) == text
