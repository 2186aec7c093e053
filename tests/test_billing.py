"""Invoices: grouping, rounding once per line, totals that equal the printed lines."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
PLAN = rk.Plan(
    "standard",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("small", "vm.hours", rk.PerUnit("0.0125"), where={"flavor": "small"}),
        rk.PriceEntry("large", "vm.hours", rk.PerUnit("0.05"), where={"flavor": "large"}),
        rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.085")])),
    ],
    fees=[rk.Fee("support", "9.99")],
)


def usage(
    account: str,
    meter: str,
    resource: str,
    span: rk.Span,
    quantity: str,
    *,
    flavor: str | None = None,
) -> rk.UsageRow:
    unit = "hour" if meter == "vm.hours" else "GB"
    cycle = MARCH if span.start_us < APRIL.start_us else APRIL
    return rk.UsageRow(
        account,
        meter,
        resource,
        span,
        cycle,
        Decimal(quantity),
        unit,
        {"flavor": flavor} if flavor else {},
        (),
    )


# acme is on the plan in March, beta in April
PLANS = [
    rk.Assignment("acme", PLAN, end=APRIL.start),
    rk.Assignment("beta", PLAN, start=APRIL.start),
]
ROWS = [
    usage("acme", "vm.hours", "vm-1", MARCH, "744", flavor="small"),
    usage(
        "acme",
        "vm.hours",
        "vm-2",
        rk.Span("2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z"),
        "24",
        flavor="small",
    ),
    usage(
        "acme",
        "vm.hours",
        "vm-3",
        rk.Span("2026-03-10T00:00:00Z", "2026-03-10T10:00:00Z"),
        "10",
        flavor="large",
    ),
    usage("acme", "egress", "ip-1", MARCH, "33"),
    usage("beta", "vm.hours", "vm-9", APRIL, "720", flavor="large"),
]


def test_invoices_per_account_and_cycle_with_lines_per_meter_and_entry() -> None:
    invoices = rk.bill(rk.rate(ROWS, PLANS, span=rk.Span(MARCH.start, APRIL.end)))
    assert [(i.account, i.cycle) for i in invoices] == [("acme", MARCH), ("beta", APRIL)]
    acme = invoices[0]
    # egress: 10 free + 23 x 0.085 = 1.955 -> 1.96 (half-even: 1.955 -> 1.96)
    # large: 10 h x 0.05 = 0.50; small: (744 + 24) h x 0.0125 = 9.60; support 9.99
    assert [
        (line.label, line.quantity, line.unit_price, line.precise, line.amount)
        for line in acme.lines
    ] == [
        ("egress · egress", 33, None, Decimal("1.955"), Decimal("1.96")),
        ("vm.hours · large", 10, Decimal("0.05"), Decimal("0.50"), Decimal("0.50")),
        ("vm.hours · small", 768, Decimal("0.0125"), Decimal("9.6000"), Decimal("9.60")),
        ("fee · support", 1, Decimal("9.99"), Decimal("9.99"), Decimal("9.99")),
    ]
    assert acme.total == Decimal("22.05")  # 1.96 + 0.50 + 9.60 + 9.99
    assert acme.precise_total == Decimal("22.0450")
    assert str(acme) == "\n".join(
        [
            "Invoice acme, 2026-03-01T00:00:00Z .. 2026-04-01T00:00:00Z, EUR",
            "",
            "  line              quantity  unit price  amount",
            "  egress · egress      33 GB      tiered    1.96",
            "      tiers[0] (0, 10]: 10 * 0 = 0.00",
            "      tiers[1] (10, ∞): 23 * 0.085 = 1.955",
            "  vm.hours · large   10 hour        0.05    0.50",
            "  vm.hours · small  768 hour      0.0125    9.60",
            "  fee · support      1 cycle        9.99    9.99",
            "",
            "  total                                    22.05",
        ]
    )


def test_lines_per_resource_on_request_each_rounded_once() -> None:
    (acme, _) = rk.bill(
        rk.rate(ROWS, PLANS, span=rk.Span(MARCH.start, APRIL.end)), by_resource=True
    )
    small = [line for line in acme.lines if line.entry == "small"]
    # vm-1: 744 x 0.0125 = 9.30; vm-2: 24 x 0.0125 = 0.30
    assert [(line.resource, line.amount) for line in small] == [
        ("vm-1", Decimal("9.30")),
        ("vm-2", Decimal("0.30")),
    ]
    assert small[0].label == "vm.hours · small · vm-1"


def test_detail_lines_allocate_the_rounded_line_so_detail_and_summary_total_alike() -> None:
    # Issue 8 §5: detail lines are an allocation of the group's rounded amount (largest
    # remainder on the quantum). This replaces the old expectation that three detail
    # lines of 0.005 each print 0.00 and total 0.00 while the summary totals 0.02: by the
    # rule the issue states, the detailed invoice totals 0.02 too.
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit("0.001"))])
    rows = [
        rk.UsageRow("acme", "calls", f"app-{i}", MARCH, MARCH, Decimal(5), "call", {}, ())
        for i in range(3)
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    # together 3 x 0.005 = 0.015 -> 0.02 (half-even); each 0.005 floors to 0.00, the two
    # quanta left go to the largest remainders (all 0.005: ties to app-0, then app-1)
    (detailed,) = rk.bill(rating, by_resource=True)
    (summary,) = rk.bill(rating)
    assert [(line.resource, line.amount) for line in detailed.lines] == [
        ("app-0", Decimal("0.01")),
        ("app-1", Decimal("0.01")),
        ("app-2", Decimal("0.00")),
    ]
    assert [line.precise for line in detailed.lines] == [Decimal("0.005")] * 3
    assert detailed.total == summary.total == Decimal("0.02")
    assert detailed.precise_total == summary.precise_total == Decimal("0.015")


def test_by_resource_never_changes_the_total_5_78_not_5_77() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.0385"))])
    rows = [
        rk.UsageRow("acme", "vm.hours", f"vm-{i}", MARCH, MARCH, Decimal(50), "hour", {}, ())
        for i in range(3)
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    # each 50 x 0.0385 = 1.925 (rounded alone: 1.92, three of them 5.76); together
    # 5.775 -> 5.78 (half-even). Detail: floors 1.92 x 3 = 5.76, 2 quanta left -> vm-0 and
    # vm-1 (equal remainders 0.005, ties to the earlier resource): 1.93 + 1.93 + 1.92 = 5.78
    (detailed,) = rk.bill(rating, by_resource=True)
    (summary,) = rk.bill(rating)
    assert [line.amount for line in detailed.lines] == [
        Decimal("1.93"),
        Decimal("1.93"),
        Decimal("1.92"),
    ]
    assert summary.total == detailed.total == Decimal("5.78")


def test_the_issue_case_detail_5_77_summary_5_78_now_both_5_78() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit("0.0025"))])
    rows = [
        rk.UsageRow("acme", "calls", "app-a", MARCH, MARCH, Decimal(401), "call", {}, ()),
        rk.UsageRow("acme", "calls", "app-b", MARCH, MARCH, Decimal(1909), "call", {}, ()),
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    # app-a 401 x 0.0025 = 1.0025 (alone: 1.00); app-b 1909 x 0.0025 = 4.7725 (alone: 4.77);
    # rounded alone they made 5.77, the summary 5.775 -> 5.78. Allocated: floors 1.00 + 4.77,
    # one quantum left, equal remainders 0.0025 -> the earlier resource, app-a: 1.01 + 4.77
    (detailed,) = rk.bill(rating, by_resource=True)
    (summary,) = rk.bill(rating)
    assert [line.amount for line in detailed.lines] == [Decimal("1.01"), Decimal("4.77")]
    assert detailed.total == summary.total == Decimal("5.78")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["vm-1", "vm-2", "vm-3", "vm-4"]),
            st.sampled_from(["small", "large"]),
            st.decimals(0, 1000, places=3),
        ),
        min_size=1,
        max_size=10,
    ),
    st.sampled_from(["ROUND_HALF_EVEN", "ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP"]),
)
def test_detail_lines_sum_to_their_summary_line_and_stay_within_a_quantum(specs, rounding) -> None:  # type: ignore[no-untyped-def]
    plan = attrs.evolve(PLAN, rounding=rounding)
    rows = [usage("acme", "vm.hours", r, MARCH, str(q), flavor=f) for r, f, q in specs]
    rating = rk.rate(rows, plan, span=MARCH)
    (summary,) = rk.bill(rating)
    (detailed,) = rk.bill(rating, by_resource=True)
    assert detailed.total == summary.total
    for line in summary.lines:
        parts = [d for d in detailed.lines if (d.kind, d.entry) == (line.kind, line.entry)]
        assert sum((d.amount for d in parts), Decimal(0)) == line.amount
        assert sum((Fraction(d.precise) for d in parts), Fraction(0)) == Fraction(line.precise)
        for d in parts:
            assert abs(Fraction(d.amount) - Fraction(d.precise)) < Fraction("0.01")


def test_tier_lines_print_in_tier_order_whatever_the_resource_order() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.1")]))],
    )
    early = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    late = rk.Span("2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z")
    rows = [
        rk.UsageRow("acme", "egress", "ip-b", early, MARCH, Decimal(10), "GB", {}, ()),
        rk.UsageRow("acme", "egress", "ip-a", late, MARCH, Decimal(15), "GB", {}, ()),
    ]
    # ip-b (first in time) fills tiers[0]; ip-a (first by resource id) is all in tiers[1]:
    # 15 x 0.1 = 1.5
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    assert [tier.label for tier in invoice.lines[0].tiers] == ["tiers[0]", "tiers[1]"]
    assert str(invoice).splitlines()[4:6] == [
        "      tiers[0] (0, 10]: 10 * 0 = 0.00",
        "      tiers[1] (10, ∞): 15 * 0.1 = 1.50",
    ]


def test_unit_prices_and_tiers_never_print_in_exponent_notation() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("bytes", "bytes", rk.PerUnit("1E-11")),
            rk.PriceEntry(
                "egress", "egress", rk.Graduated([rk.Tier("1E+3", 0), rk.Tier(None, "5E-7")])
            ),
        ],
    )
    rows = [
        rk.UsageRow("acme", "bytes", "b-1", MARCH, MARCH, Decimal("3E+12"), "B", {}, ()),
        rk.UsageRow("acme", "egress", "e-1", MARCH, MARCH, Decimal(3000), "GB", {}, ()),
    ]
    # bytes: 3e12 x 1e-11 = 30; egress: 1000 free, 2000 x 0.0000005 = 0.001 -> 0.00
    text = str(rk.bill(rk.rate(rows, plan, span=MARCH))[0])
    assert "E-" not in text
    assert "E+" not in text
    assert "3000000000000 B  0.00000000001   30.00" in text
    assert "tiers[0] (0, 1000]: 1000 * 0 = 0" in text
    assert "tiers[1] (1000, ∞): 2000 * 0.0000005 = 0.001" in text


def test_a_minimum_line_says_what_it_tops_up() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5"))],
        minimums=[rk.Minimum(25)],
    )
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, Decimal(28), "hour", {}, ())]
    # spent 28 x 0.5 = 14.0 of a 25 commitment: the top-up is 25 - 14 = 11
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    minimum = invoice.lines[-1]
    assert (minimum.commitment, minimum.spent, minimum.amount) == (25, 14, Decimal("11.00"))
    assert str(invoice).splitlines()[4:7] == [
        "  minimum commitment                         11.00",
        "      commitment 25.00 - spent 14.00 = 11.00",
        "",
    ]
    assert invoice.total == Decimal("25.00")  # 14.00 + 11.00


def test_the_plan_rounding_and_quantum_apply() -> None:
    yen = rk.Plan("jp", "JPY", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("2.5"))])
    up = rk.Plan(
        "up",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.0025"))],
        rounding="ROUND_UP",
    )
    row = rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, Decimal(5), "hour", {}, ())
    # 5 x 2.5 = 12.5 JPY -> 12 (half-even, quantum 1); 5 x 0.0025 = 0.0125 -> 0.02 (up)
    assert rk.bill(rk.rate([row], yen, span=MARCH))[0].total == Decimal(12)
    assert rk.bill(rk.rate([row], up, span=MARCH))[0].total == Decimal("0.02")


def test_an_invoice_never_adds_two_currencies() -> None:
    usd = rk.Plan("usd", "USD", MONTHS, [rk.PriceEntry("vm-usd", "vm.hours", rk.PerUnit("0.10"))])
    change = "2026-03-16T00:00:00Z"
    rating = rk.rate(
        [usage("acme", "vm.hours", "vm-1", MARCH, "744", flavor="small")],
        [rk.Assignment("acme", PLAN, end=change), rk.Assignment("acme", usd, start=change)],
        span=MARCH,
    )
    with pytest.raises(rk.CurrencyMismatchError) as error:
        rk.bill(rating)
    assert str(error.value) == (
        "invoice of account 'acme' for 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z mixes EUR "
        "(plan 'standard', entry 'small') and USD (plan 'usd', entry 'vm-usd'); give the "
        "account's plans one currency, or bill each currency separately."
    )


def test_bill_refuses_what_is_not_a_charge() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"bill takes a Rating or Charge values, not str"):
        rk.bill(["charge"])  # type: ignore[list-item]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["acme", "beta"]),
            st.sampled_from(["vm-1", "vm-2", "vm-3"]),
            st.sampled_from(["small", "large"]),
            st.decimals(0, 1000, places=4),
        ),
        max_size=12,
    ),
    st.booleans(),
)
def test_an_invoice_total_is_the_sum_of_its_printed_lines(specs, by_resource) -> None:  # type: ignore[no-untyped-def]
    rows = [usage(a, "vm.hours", r, MARCH, str(q), flavor=f) for a, r, f, q in specs]
    for invoice in rk.bill(rk.rate(rows, PLAN, span=MARCH), by_resource=by_resource):
        printed = [
            Decimal(text.split()[-1])
            for text in str(invoice).splitlines()[3:-2]
            if not text.startswith("      ")
        ]
        assert (
            sum(printed, Decimal(0))
            == invoice.total
            == sum((line.amount for line in invoice.lines), Decimal(0))
        )
        assert Decimal(str(invoice).splitlines()[-1].split()[-1]) == invoice.total
        assert invoice.precise_total == sum(
            (c.amount for line in invoice.lines for c in line.charges), Decimal(0)
        )


def test_the_text_can_show_the_cycle_in_local_time() -> None:
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    plan = rk.Plan("z", "CHF", zurich, [], fees=[rk.Fee("base", 5)])
    march = zurich.containing("2026-03-15T00:00:00Z")  # 2026-02-28T23:00Z .. 2026-03-31T22:00Z
    (invoice,) = rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=march), tz="Europe/Zurich")
    assert (
        str(invoice).splitlines()[0]
        == "Invoice acme, 2026-03-01 .. 2026-04-01 (Europe/Zurich), CHF"
    )
    with pytest.raises(
        rk.BadCalendarError, match=r"bill tz 'Mars/Base' is not a known IANA timezone"
    ):
        rk.bill([], tz="Mars/Base")


def test_the_quickstart_prints_a_readable_invoice(capsys: pytest.CaptureFixture[str]) -> None:
    import runpy
    from pathlib import Path

    runpy.run_path(
        str(Path(__file__).parent.parent / "examples" / "quickstart.py"), run_name="__main__"
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Invoice acme, 2026-03-01 .. 2026-04-01 (Europe/Zurich), EUR"
    # egress 1130 GB: 100 free, 900 x 0.09 = 81, 130 x 0.05 = 6.50 -> 87.50; storage 200 GB x
    # 742 h x 0.0001 = 14.84; large 60 h x 0.08 = 4.80 and 286 h x 0.072 = 20.592 -> 20.59;
    # small 336 h x 0.02 = 6.72 and 120 h x 0.018 = 2.16; support 10.00: total 146.61
    assert lines[-1].split() == ["total", "146.61"]


@pytest.mark.parametrize("value", ["no", 1, None])
def test_a_yes_no_option_takes_only_true_or_false(value: object) -> None:
    # "no" is truthy: bill(by_resource="no") once detailed the invoice per resource.
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=march)
    shown = f"{type(value).__name__}: {value!r}."
    calls = {
        "bill by_resource": lambda: rk.bill(rating, by_resource=value),
        "Invoice.to_text tiers": lambda: rk.bill(rating)[0].to_text(tiers=value),
        "compare_plans by_resource": lambda: rk.compare_plans(
            [], {"p": plan}, span=march, by_resource=value
        ),
    }
    for what, call in calls.items():
        with pytest.raises(rk.RatekitTypeError) as caught:
            call()
        assert str(caught.value) == f"{what} must be True or False, not {shown}"


def test_a_fee_named_as_a_priced_meter_keeps_its_own_line_apart_from_the_base() -> None:
    # Fee 'seats' and the base of entry 'seats' on meter 'seats': 3 + 1 in fees, 2.00 of
    # usage; the minimum counts the usage and the base (3.00), so it tops up 97.00.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(
                "seats", "seats", rk.Graduated([rk.Tier(1, "1", flat=1), rk.Tier(None, "0.5")])
            )
        ],
        fees=[rk.Fee("seats", 3)],
        minimums=[rk.Minimum(100)],
    )
    rows = [rk.UsageRow("acme", "seats", "r", MARCH, MARCH, 3, "seat", {}, ())]
    rating = rk.rate(rows, plan, span=MARCH)
    (invoice,) = rk.bill(rating)
    assert [(line.kind, line.quantity, line.amount) for line in invoice.lines] == [
        ("usage", Decimal(3), Decimal("2.00")),
        ("fee", Decimal(1), Decimal("3.00")),
        ("fee", Decimal(1), Decimal("1.00")),
        ("minimum", Decimal(1), Decimal("97.00")),
    ]
    assert invoice.total == Decimal("103.00") == rating.total()
