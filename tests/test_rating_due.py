"""Charges due without usage: bases of non-linear prices, fees and minimums (issue 8 §1)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._instants import US_PER_HOUR, to_us
from ratekit.render import tier_text

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
T0 = to_us("2026-03-01T00:00:00Z")


def usage(quantity: str | int, account: str = "acme", day: int = 2) -> rk.UsageRow:
    span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day + 1:02d}T00:00:00Z")
    return rk.UsageRow(account, "calls", "app-1", span, MARCH, Decimal(quantity), "call", {}, ())


def test_a_volume_base_and_a_fee_are_due_to_an_assigned_account_without_usage() -> None:
    # Volume: 50 flat in (0, 1], 80 flat above; no usage: the first tier's flat 50 is due,
    # plus the fee 10: 50 + 10 = 60 (issue 8: was 10).
    price = rk.Volume([rk.Tier(1, 0, flat=50), rk.Tier(None, 0, flat=80)])
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", price)], fees=[rk.Fee("sub", 10)]
    )
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH)
    assert rating.total() == Decimal(60)
    assert [(c.kind, c.entry, c.quantity, c.amount) for c in rating.charges] == [
        ("fee", "calls", Decimal(1), Decimal(50)),
        ("fee", "sub", Decimal(1), Decimal(10)),
    ]


def test_with_usage_the_base_and_the_marginal_add_up_to_the_amount() -> None:
    # 5 calls: all in the second tier, 80 flat; the base 50 + the piece's marginal 30 = 80
    price = rk.Volume([rk.Tier(1, 0, flat=50), rk.Tier(None, 0, flat=80)])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", price)])
    charges = rk.rate([usage(5)], plan, span=MARCH).charges
    assert [(c.kind, c.amount) for c in charges] == [("usage", Decimal(30)), ("fee", Decimal(50))]
    # the piece's tiers: tiers[0] taken back (-50), tiers[1] reached (80): 30
    assert [str(line) for line in charges[0].tiers] == [
        "tiers[1] (1, ∞): 5 * 0 + 80 flat = 80",
        "tiers[0] (0, 1]: -50 flat = -50",
    ]


def test_a_volume_base_with_a_discount_fee_explains_itself_in_charges_and_invoices() -> None:
    # Volume (0, 5] at 2 with a -3 flat fee, then 1 per unit; 5 flat a month as a fee.
    # No usage: the base is the first tier's fee alone, -3; the invoice: 5 - 3 = 2.00.
    price = rk.Volume([rk.Tier(5, 2, flat=-3), rk.Tier(None, 1)])
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", price)], fees=[rk.Fee("sub", 5)]
    )
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH)
    base = next(c for c in rating.charges if c.entry == "calls")
    assert base.amount == Decimal(-3)
    assert [str(line) for line in base.tiers] == ["tiers[0] (0, 5]: -3 flat = -3"]
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("2.00")
    assert tier_text(base.tiers[0]) == "tiers[0] (0, 5]: -3 flat = -3"


def test_a_graduated_first_tier_flat_fee_makes_an_invoice_of_a_month_without_records() -> None:
    price = rk.Graduated([rk.Tier(100, "0", flat=2), rk.Tier(None, "0.01")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("api", "calls", price)])
    meters = [rk.Meter("calls", "call", rk.Discrete())]
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH, meters=meters)
    invoices = rk.bill(rating)
    assert len(invoices) == 1
    assert invoices[0].account == "acme"
    assert invoices[0].total == Decimal("2.00")


def test_the_base_is_prorated_by_the_plans_share_of_the_cycle() -> None:
    # assigned from March 16 12:00: 15.5 of 31 days, half the cycle: Flat 30 -> 15
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("seat", "seats", rk.Flat(30))])
    rating = rk.rate([], [rk.Assignment("acme", plan, start="2026-03-16T12:00:00Z")], span=MARCH)
    [charge] = rating.charges
    assert (charge.quantity, charge.amount, charge.unit_price) == (
        Decimal("0.5"),
        Decimal(15),
        Decimal(30),
    )
    assert [str(line) for line in charge.tiers] == ["flat fee: 15 flat = 15"]


def test_the_base_follows_the_price_regimes_of_the_cycle() -> None:
    # Flat 31 until March 11, then Flat 62: 10 days of 31 at 31 (10) + 21 days at 62 (42)
    entries = [
        rk.PriceEntry("old", "seats", rk.Flat(31)),
        rk.PriceEntry("new", "seats", rk.Flat(62), start="2026-03-11T00:00:00Z", priority=1),
    ]
    plan = rk.Plan("p", "EUR", MONTHS, entries)
    charges = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH).charges
    assert [(c.entry, c.amount) for c in charges] == [("old", Decimal(10)), ("new", Decimal(42))]


def test_a_selector_entrys_base_is_due_only_to_a_group_with_usage() -> None:
    # no account-wide entry: the selector's group owes its base only when usage opens it
    price = rk.Graduated([rk.Tier(100, "0", flat=3), rk.Tier(None, "0.01")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eu", "calls", price, where={"r": "eu"})])
    assert rk.rate([], [rk.Assignment("acme", plan)], span=MARCH).total() == 0
    row = rk.UsageRow("acme", "calls", "a", MARCH, MARCH, 150, "call", {"r": "eu"}, ())
    # 3 flat + 50 x 0.01 = 3.50
    assert rk.rate([row], plan, span=MARCH).total() == Decimal("3.50")


# -- a single plan: the accounts it covers -------------------------------------------------

PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHS,
    [rk.PriceEntry("calls", "calls", rk.PerUnit("0.01"))],
    fees=[rk.Fee("sub", 31)],
    minimums=[rk.Minimum(62)],
)


def test_a_single_plan_covers_the_named_accounts_and_those_in_the_input() -> None:
    # acme used 100 calls (1.00); globex is named: fee 31 and minimum 62 for both
    rating = rk.rate([usage(100)], PLAN, span=MARCH, accounts=["globex"])
    assert rating.total("acme") == Decimal(31) + Decimal(1) + Decimal(61)
    assert rating.total("globex") == Decimal(31) + Decimal(62)


def test_an_account_quiet_in_a_piece_of_the_month_still_pays_its_slice() -> None:
    # rated in two pieces, March 1-11 (10 days) and 11-31 (21 days); acme's usage lies in
    # the first only. Its fee: 31 x 10/31 + 31 x 21/31 = 10 + 21 = 31, as rated at once.
    first = rk.Span("2026-03-01T00:00:00Z", "2026-03-11T00:00:00Z")
    second = rk.Span("2026-03-11T00:00:00Z", "2026-04-01T00:00:00Z")
    rows = [usage(100)]
    pieces = [rk.rate(rows, PLAN, span=part, accounts=["acme"]) for part in (first, second)]
    fees = [sum(c.amount for c in r.charges if c.kind == "fee") for r in pieces]
    assert fees == [Decimal(10), Decimal(21)]
    minimums = [sum(c.amount for c in r.charges if c.kind == "minimum") for r in pieces]
    # minimum 62 prorated: 20 and 42; spent 1.00 in the first piece: 19 + 42
    assert minimums == [Decimal(19), Decimal(42)]
    # rows outside the rated span still say the account is covered
    assert rk.rate(rows, PLAN, span=second).total("acme") == Decimal(21) + Decimal(42)


def test_rate_accounts_is_checked_at_the_door() -> None:
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.rate([], PLAN, span=MARCH, accounts="acme")
    assert "rate accounts must be an iterable of account names" in str(error.value)
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.rate([], PLAN, span=MARCH, accounts=[1])
    assert (
        str(error.value) == "rate accounts must be non-empty strings (account names), not int: 1."
    )
    with pytest.raises(rk.UnpricedUsageError) as unassigned:
        rk.rate([], [rk.Assignment("acme", PLAN)], span=MARCH, accounts=["globex"])
    assert "rate accounts ['globex'] have no assignment" in str(unassigned.value)


@given(st.lists(st.integers(1, 31 * 24 - 1), max_size=5, unique=True))
def test_fees_and_bases_of_a_month_rated_in_pieces_add_up_to_the_month(cuts: list[int]) -> None:
    # Law: cutting the rated span anywhere changes no due-without-usage total.
    price = rk.Graduated([rk.Tier(10, "0", flat="7.13"), rk.Tier(None, "0.01")])
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("api", "calls", price)], fees=[rk.Fee("sub", "9.99")]
    )
    edges = [T0, *sorted(T0 + h * US_PER_HOUR for h in cuts), MARCH.end_us]
    total = sum(
        Fraction(rk.rate([], plan, span=rk.Span.from_us(a, b), accounts=["acme"]).total())
        for a, b in itertools.pairwise(edges)
    )
    # 7.13 + 9.99 = 17.12, up to the 60th digit of the shares
    assert abs(total - Fraction("17.12")) < Fraction(1, 10**50)


def test_rating_total_can_be_asked_per_cycle() -> None:
    # March and April: each cycle owes the fee 31 and the base 7: 38 each, 76 in all
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("seat", "seats", rk.Flat(7))],
        fees=[rk.Fee("sub", 31)],
    )
    two_months = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=two_months)
    assert rating.total() == Decimal(76)
    assert rating.total("acme", MARCH) == Decimal(38)
    assert rating.total(cycle="2026-04-30T23:59:59Z") == Decimal(38)
    assert rating.total("globex", MARCH) == 0
    assert rating.total(cycle=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")) == 0
    with pytest.raises(rk.RatekitTypeError) as error:
        rating.total(7)  # type: ignore[arg-type]
    assert str(error.value) == "Rating.total account must be an account name, not int: 7."
    with pytest.raises(rk.BadTimeError):
        rating.total(cycle="2026-03-01")


def test_a_minimum_top_up_does_not_depend_on_the_callers_decimal_context() -> None:
    # issue 9 §3: under prec=6 with Inexact trapped, the minimum's sum ran in the caller's
    # context. 25 - 5.0164566848 = 19.9835433152, to the last digit, whatever the context.
    import decimal

    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", rk.PerUnit("0.0000000001")),
            rk.PriceEntry("b", "calls.2", rk.PerUnit("1")),
        ],
        minimums=[rk.Minimum(25)],
    )
    rows = [
        rk.UsageRow("acme", "calls", "a", MARCH, MARCH, Decimal(164566848), "call", {}, ()),
        rk.UsageRow("acme", "calls.2", "a", MARCH, MARCH, Decimal(5), "call", {}, ()),
    ]
    hostile = decimal.Context(prec=6, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact])
    with decimal.localcontext(hostile):
        charges = rk.rate(rows, plan, span=MARCH).charges
    [top_up] = [c for c in charges if c.kind == "minimum"]
    assert top_up.amount == Decimal("19.9835433152")


@given(
    st.integers(0, 31 * 24 - 1),
    st.integers(1, 31 * 24),
    st.sampled_from(["12.34", "50", "0.07"]),
    st.booleans(),
)
def test_a_base_is_the_amount_at_zero_times_the_plans_share_of_the_cycle(
    start_hour: int, hours: int, flat: str, at_zero: bool
) -> None:
    # Law: against Fraction arithmetic, an assigned account with no usage owes
    # amount(0) x covered / cycle, where amount(0) is the first tier's flat fee, or 0 with
    # flat_at_zero=False.
    end_hour = min(start_hour + hours, 31 * 24)
    price = rk.Graduated(
        [rk.Tier(10, "0.5", flat=flat), rk.Tier(None, "0.1")], flat_at_zero=at_zero
    )
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("api", "calls", price)])
    assignment = rk.Assignment(
        "acme",
        plan,
        start=rk.Span.from_us(T0 + start_hour * US_PER_HOUR, T0 + end_hour * US_PER_HOUR).start,
        end=rk.Span.from_us(T0 + start_hour * US_PER_HOUR, T0 + end_hour * US_PER_HOUR).end,
    )
    total = Fraction(rk.rate([], [assignment], span=MARCH).total())
    expected = Fraction(flat) * (end_hour - start_hour) / (31 * 24) if at_zero else 0
    assert abs(total - expected) < Fraction(1, 10**50)


def test_a_base_counts_as_spending_on_its_meter_for_its_minimum() -> None:
    # Flat 30 on seats, minimum 50 on seats: no usage, the base 30 is spent, top-up 20.
    # A plan-wide minimum of 100 also counts the per-meter top-up: 30 + 20 = 50, top-up 50.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("seat", "seats", rk.Flat(30))],
        minimums=[rk.Minimum(50, meter="seats"), rk.Minimum(100)],
        fees=[rk.Fee("sub", 5)],
    )
    charges = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH).charges
    assert [(c.kind, c.entry, c.amount) for c in charges] == [
        ("fee", "seat", Decimal(30)),
        ("fee", "sub", Decimal(5)),
        ("minimum", "minimum:seats", Decimal(20)),
        ("minimum", "minimum", Decimal(50)),
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        {"prec": 6, "traps": ["Inexact", "Rounded"]},
        {"prec": 3, "rounding": "ROUND_FLOOR"},
        {"prec": 28, "traps": ["Inexact", "Rounded", "Subnormal", "Clamped"], "Emax": 10},
    ],
)
def test_bases_allowances_units_and_minimums_ignore_the_callers_decimal_context(
    hostile: dict[str, object],
) -> None:
    import decimal

    years = rk.cycles.yearly(tz="UTC")
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(
                "base",
                "calls",
                rk.Graduated([rk.Tier(10, "0.013", flat="7.77"), rk.Tier(None, "0.0011")]),
            ),
            rk.PriceEntry(
                "big", "memory", rk.PerUnit("0.0301"), where={"gb": rk.AtLeast(64)}, unit="GiB*hour"
            ),
        ],
        allowances=[rk.Allowance("memory", "1000.5", cycle=years), rk.Allowance("calls", 3)],
        minimums=[rk.Minimum("123.456")],
        fees=[rk.Fee("sub", "9.99")],
    )
    first_days = rk.Span("2026-03-01T00:00:00Z", "2026-03-08T07:00:00Z")
    rows = [
        rk.UsageRow(
            "acme", "calls", "a", first_days, MARCH, Decimal("17.123456789"), "call", {}, ()
        ),
        rk.UsageRow(
            "acme",
            "memory",
            "vm",
            first_days,
            MARCH,
            Decimal("123456.789"),
            "MiB*hour",
            {"gb": 96},
            (),
        ),
    ]
    expected = rk.rate(rows, plan, span=first_days, accounts=["quiet"])
    traps = [getattr(decimal, name) for name in hostile.pop("traps", [])]  # type: ignore[attr-defined]
    rounding = getattr(decimal, str(hostile.pop("rounding", "ROUND_HALF_EVEN")))
    context = decimal.Context(traps=traps, rounding=rounding, **hostile)  # type: ignore[arg-type]
    with decimal.localcontext(context):
        got = rk.rate(rows, plan, span=first_days, accounts=["quiet"])
    assert [(c.kind, c.entry, c.quantity, c.free, c.amount) for c in got.charges] == [
        (c.kind, c.entry, c.quantity, c.free, c.amount) for c in expected.charges
    ]
    # acme: two usage charges, the base, the fee, the minimum; quiet: the base, the fee, the minimum
    assert len(got.charges) == 8


def test_a_graduated_base_reads_as_the_plan_writes_it() -> None:
    # The base of Graduated([Tier(100, "0.0713", flat="0.5"), ...]) is its amount at 0:
    # 0.0713 * 0 + 0.5 = 0.5000 as computed; billed and printed as the plan says, 0.5.
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    price = rk.Graduated([rk.Tier(100, "0.0713", flat="0.5"), rk.Tier(None, "0.0333")])
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", price)])
    (charge,) = rk.rate([], [rk.Assignment("acme", plan)], span=march).charges
    assert (str(charge.unit_price), str(charge.amount)) == ("0.5", "0.5")
