"""Rating: pieces of a cycle with an own-period allowance, and the doors on what is rated.

Worked by hand in the comments (monthly UTC cycles, EUR).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _on(day: int, quantity: object, resource: str = "ip-1", unit: str = "GB") -> rk.UsageRow:
    span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day + 1:02d}T00:00:00Z")
    return rk.UsageRow("acme", "eg", resource, span, MARCH, quantity, unit, {}, ())


def _pieces(rows: list[rk.UsageRow], plan: rk.Plan, cut: int) -> Decimal:
    first = rk.Span(MARCH.start, f"2026-03-{cut:02d}T00:00:00Z")
    second = rk.Span(f"2026-03-{cut:02d}T00:00:00Z", MARCH.end)
    a = rk.rate(rows, plan, span=first, as_of=MARCH.end)
    b = rk.rate(rows, plan, span=second, as_of=MARCH.end)
    return a.total() + b.total()


def test_a_correction_in_a_later_piece_takes_back_units_billed_in_an_earlier_one() -> None:
    # 10 GB on 2 March, 5 free (an allowance of its own monthly period), 5 billed at 1;
    # -3 GB on 20 March takes back 3 billed units: 5 - 3 = 2 EUR for the month. Rated
    # from the 15th, with the earlier row given, the -3 took back 3 free units (0 EUR),
    # so the pieces made 5 + 0.
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", rk.PerUnit(1))],
        allowances=[rk.Allowance("eg", 5, cycle=MONTHS)],
    )  # fmt: skip
    rows = [_on(2, 10), _on(20, -3)]
    assert rk.rate(rows, plan, span=MARCH).total() == 2
    second = rk.rate(rows, plan, span=rk.Span("2026-03-15T00:00:00Z", MARCH.end), as_of=MARCH.end)
    [charge] = second.charges
    assert (charge.quantity, charge.free, charge.amount) == (-3, 0, -3)
    assert _pieces(rows, plan, 15) == 2


_ROWS = st.lists(
    st.tuples(st.integers(1, 30), st.integers(-6, 10), st.sampled_from(["a", "b"])),
    min_size=1,
    max_size=5,
)


@settings(max_examples=LAWS, deadline=None)
@given(
    rows=_ROWS,
    cut=st.integers(2, 30),
    free=st.integers(0, 8),
    weekly=st.booleans(),
    tiered=st.booleans(),
)
@example(rows=[(1, 1, "a"), (2, -1, "a")], cut=2, free=1, weekly=True, tiered=False)
def test_pieces_of_a_month_add_up_to_the_month_with_own_period_allowances(
    rows: list[tuple[int, int, str]], cut: int, free: int, weekly: bool, tiered: bool
) -> None:
    # The law of docs/pricing.md ("A cycle rated in pieces"), with corrections and an
    # allowance of its own period (the month, or the week), against the month whole.
    price = rk.Graduated([rk.Tier(4, 1), rk.Tier(None, 2)]) if tiered else rk.PerUnit(1)
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", price)],
        allowances=[rk.Allowance("eg", free, cycle=rk.cycles.weekly(tz="UTC") if weekly else MONTHS)],
    )  # fmt: skip
    usage = [_on(day, quantity, resource) for day, quantity, resource in rows]
    try:
        whole = rk.rate(usage, plan, span=MARCH).total()
    except rk.BadQuantityError:  # a tiered group below zero: a price's own rule
        return
    assert _pieces(usage, plan, cut) == whole


def test_rows_of_one_meter_in_two_units_are_refused() -> None:
    # 1 hour and 60 minutes would be one line of "61 hour".
    rows = [_on(2, 1, "vm-1", "hour"), _on(3, 60, "vm-2", "minute")]
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", rk.PerUnit(1))])
    with pytest.raises(rk.UnitError) as caught:
        rk.rate(rows, plan, span=MARCH)
    assert str(caught.value) == (
        "rate usage: the rows of meter 'eg' come in 2 units, 'hour' (resource 'vm-1' of "
        "'acme' from 2026-03-02T00:00:00Z) and 'minute' (resource 'vm-2' of 'acme' from "
        "2026-03-03T00:00:00Z); a meter's quantities are in its one unit, which rating adds "
        "up into one tier position, allowance and invoice line. Convert the rows to one "
        "unit first, or meter them with one Meter."
    )
    with pytest.raises(rk.UnitError):
        rk.rate(rk.Usage(rows, (), ()), plan, span=MARCH)
    # One unit spelled two ways is one unit: 1 + 2 hours = 2 + 1 = 3 EUR.
    same = [_on(2, 1, "vm-1", "hour"), _on(3, 2, "vm-2", "h")]
    assert rk.rate(same, plan, span=MARCH).total() == 3


class _Lookup:
    """A price model of the user's own whose lookup fails (a KeyError)."""

    linear = True
    rates: dict[str, Decimal] = {"small": Decimal(1)}  # noqa: RUF012

    def amount(self, quantity: Decimal) -> Decimal:
        return self.rates["large"] * quantity

    def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        return self.amount(quantity + added) - self.amount(quantity)

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        return ()


class _Tiered(_Lookup):
    linear = False


class _Unexplained(_Lookup):
    def amount(self, quantity: Decimal) -> Decimal:
        return quantity

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        raise IndexError("no tier")


@pytest.mark.parametrize(("model", "method"), [(_Lookup(), "amount"), (_Tiered(), "marginal")])
def test_a_price_model_of_your_own_that_fails_is_named(model: object, method: str) -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "eg", model)])  # type: ignore[arg-type]
    with pytest.raises(rk.BadPriceError) as caught:
        rk.rate([_on(2, 5)], plan, span=MARCH)
    assert str(caught.value) == (
        "price entry 'e' of plan 'p', pricing 5 GB of meter 'eg' for account 'acme': its "
        f"price model {type(model).__name__}.{method}() raised KeyError ('large')."
    )
    assert type(caught.value.__cause__) is KeyError


def test_a_price_model_whose_explain_fails_is_named_when_its_tiers_are_read() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "eg", _Unexplained())])  # type: ignore[arg-type]
    rating = rk.rate([_on(2, 5)], plan, span=MARCH)
    assert rating.total() == 5
    with pytest.raises(rk.BadPriceError) as caught:
        _ = rating.charges[0].tiers
    assert str(caught.value) == (
        "the charge of entry 'e' of plan 'p' for account 'acme' (resource 'ip-1'), "
        "explaining its tiers: its price model _Unexplained.explain() raised IndexError "
        "(no tier)."
    )


def test_an_invoice_whose_lines_add_up_past_60_digits_is_refused() -> None:
    # Each fee has 60 digits on the quantum 1E-30; their sum, 1999...998.000...002, has
    # 61: a 60-digit total would round the last digit away.
    fee = "999999999999999999999999999999.000000000000000000000000000001"
    plan = rk.Plan(
        "p", "EUR", MONTHS, [], fees=[rk.Fee("f1", fee), rk.Fee("f2", fee)], quantum="1e-30"
    )
    rating = rk.rate([], plan, span=MARCH, accounts=["acme"])
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.bill(rating)
    assert str(caught.value) == (
        "the lines of the invoice of account 'acme' for 2026-03-01T00:00:00Z.."
        "2026-04-01T00:00:00Z add up to "
        "1999999999999999999999999999998.000000000000000000000000000002 EUR, which has 61 "
        "digits; an invoice total holds at most 60, the sum of its lines to the last digit. "
        "Bill amounts of that size on a coarser quantum, or split them between invoices."
    )


def test_a_refund_row_under_a_plain_percentage_is_priced_as_under_per_unit() -> None:
    # 2 % of 100 = 2.00, of -30 = -0.60: 1.40, what 2 % of the net 70 is. With a free
    # amount of 10 (not linear) the cycle's net is priced: 2 % of (70 - 10) = 1.20.
    rows = [_on(2, 100, unit="EUR"), _on(5, -30, unit="EUR")]
    for model, total in [
        (rk.Percentage("2"), "1.40"),
        (rk.Percentage("2", free_amount=10), "1.20"),
    ]:
        plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("fees", "eg", model)])
        assert rk.rate(rows, plan, span=MARCH).total() == Decimal(total)
        assert rk.bill(rk.rate(rows, plan, span=MARCH))[0].total == Decimal(total)


WEEKS = rk.cycles.weekly(tz="UTC")
EGRESS = [rk.Meter("eg", "GB", rk.Discrete())]


def _sample(at: str, value: int, sample_id: str) -> rk.Sample:
    return rk.Sample("acme", "ip", "eg", at, value, id=sample_id)


def test_a_weekly_allowance_takes_a_deltas_usage_in_its_own_week() -> None:
    # 10 GB on 5 March (week of 2 March) and 3 GB on 25 March (week of 23 March), 5 GB
    # free a week, 1 EUR/GB: (10 - 5) + (3 - 3) = 5 EUR. The month's one row of 13 GB
    # was spread over the weeks in proportion to time (0.42, 2.94, ... each free): 0.
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("e", "eg", rk.PerUnit(1))],
        allowances=[rk.Allowance("eg", 5, cycle=WEEKS)],
    )  # fmt: skip
    records = [_sample("2026-03-05T00:00:00Z", 10, "s1"), _sample("2026-03-25T00:00:00Z", 3, "s2")]
    assert rk.rate(records, plan, span=MARCH, meters=EGRESS).total() == 5
    # Metered by hand with the plan's cuts, the rows are cut at the weeks too.
    usage = rk.meter(
        records, EGRESS, span=MARCH, cycle=MONTHS, as_of=MARCH.end, cuts=plan.cuts(MARCH)
    )
    assert [str(row.quantity) for row in usage.rows] == ["10", "3"]
    assert rk.rate(usage, plan, span=MARCH).total() == 5


def test_records_rated_in_pieces_are_cut_where_the_plan_changes_before_the_span() -> None:
    # Plan a to 12 March, then b, each with its first 10 GB free: 8 GB on 5 March (a),
    # 8 GB on 25 March (b), all free: 0. Rated from 20 March, the records before the
    # span were metered as one row of the month so far, placed whole under b: b's tiers
    # stood at 8 and the 8 GB of the 25th cost 6/19 x 8 ... (1.3684...); now 0.
    free10 = rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "1")])
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("e", "eg", free10)])
    b = rk.Plan("b", "EUR", MONTHS, [rk.PriceEntry("e", "eg", free10)])
    change = "2026-03-12T00:00:00Z"
    plans = [rk.Assignment("acme", a, end=change), rk.Assignment("acme", b, start=change)]
    records = [_sample("2026-03-05T00:00:00Z", 8, "s1"), _sample("2026-03-25T00:00:00Z", 8, "s2")]

    def rated(start: str, end: str) -> Decimal:
        span = rk.Span(start, end)
        return rk.rate(records, plans, span=span, meters=EGRESS, as_of=MARCH.end).total()

    cut = "2026-03-20T00:00:00Z"
    assert rated(MARCH.start, MARCH.end) == 0
    assert rated(MARCH.start, cut) + rated(cut, MARCH.end) == 0


def test_an_own_period_that_starts_before_the_cycle_keeps_what_it_gave_before_it() -> None:
    # A weekly allowance of 20 free hours (weeks from Thursday, UTC); a VM runs from
    # Wednesday 25 February. The week from 26 February gives its 20 h on the 26th, before
    # March: March's first 96 h (to 5 March) are all billable, then 4 weeks give 20 h each.
    # March: 744 - 80 = 664 h, volume above 50 h at 0.03: 664 * 0.03 = 19.92. Rated from
    # 2 March, the 24 h of 1 March place the tiers at 24 (none of them free): the second
    # piece costs V(664) - V(24) = 19.92 - 24 * 0.05 = 18.72, and the pieces add up.
    hours = rk.Meter("hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("h", "hours", rk.Volume([rk.Tier(50, "0.05"), rk.Tier(None, "0.03")]))],
        allowances=[rk.Allowance("hours", 20, cycle=rk.cycles.weekly(tz="UTC", weekday="Thu"))],
    )
    records = [rk.Event("a", "vm", "2026-02-25T00:00:00Z", kind="start", id="e1")]
    cut = "2026-03-02T00:00:00Z"

    def rated(span: rk.Span) -> rk.Rating:
        return rk.rate(records, plan, span=span, meters=[hours], as_of=MARCH.end)

    whole = rated(MARCH)
    first, second = rated(rk.Span(MARCH.start, cut)), rated(rk.Span(cut, MARCH.end))
    assert whole.total() == Decimal("19.92")
    assert (first.total(), second.total()) == (Decimal("1.20"), Decimal("18.72"))
    assert second.charges[0].position == 24
