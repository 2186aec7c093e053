"""The caller's decimal context never changes a result: rating, metering and billing."""

from __future__ import annotations

import decimal
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk

from .streams import LAWS, MARCH, METERS, PLAN, SPAN, rated, streams

_ALL_TRAPS = [
    decimal.Clamped,
    decimal.DivisionByZero,
    decimal.FloatOperation,
    decimal.Inexact,
    decimal.InvalidOperation,
    decimal.Overflow,
    decimal.Rounded,
    decimal.Subnormal,
    decimal.Underflow,
]

#: Contexts a host application might have set (or a hostile one would).
HOSTILE = {
    "prec=6": decimal.Context(prec=6),
    "prec=3, floor, every trap": decimal.Context(
        prec=3, rounding=decimal.ROUND_FLOOR, traps=_ALL_TRAPS
    ),
    "round up, tiny exponents, every trap": decimal.Context(
        prec=12, rounding=decimal.ROUND_UP, Emax=6, Emin=-6, traps=_ALL_TRAPS
    ),
    "prec=100, ceiling, no traps": decimal.Context(
        prec=100, rounding=decimal.ROUND_CEILING, traps=[]
    ),
    "prec=1, half down, capitals off": decimal.Context(
        prec=1, rounding=decimal.ROUND_HALF_DOWN, capitals=0, clamp=1, traps=[]
    ),
}


def _everything(records: list[rk.Event | rk.Sample]) -> tuple[object, ...]:
    usage = rk.meter(records, METERS, span=SPAN, cycle=PLAN.cycle, as_of=SPAN.end)
    rating = rk.rate(usage, PLAN, span=SPAN)
    invoices = rk.bill(rating)
    return (
        [repr(row) for row in usage.rows],
        [repr(charge) for charge in rating.charges],
        [(str(charge.amount), str(charge.quantity)) for charge in rating.charges],
        [invoice.to_text() for invoice in invoices],
        [
            (str(invoice.total), [str(line.amount) for line in invoice.lines])
            for invoice in invoices
        ],
    )


def _minimum_top_up() -> Decimal:
    plan = rk.Plan(
        "committed",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("any", "vm.hours", rk.PerUnit(1)),
            rk.PriceEntry("eg", "egress", rk.PerUnit(1)),
        ],
        minimums=[rk.Minimum(50)],
    )
    rows = [
        rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, "12.3456789", "hour", {}, ("e1",)),
        rk.UsageRow("acme", "egress", "ip-1", MARCH, MARCH, "17.6707777848", "GB", {}, ("s1",)),
    ]
    charges = rk.rate(rows, plan, span=MARCH).charges
    (top_up,) = [charge.amount for charge in charges if charge.kind == "minimum"]
    return top_up


def test_a_minimum_top_up_keeps_every_digit_under_a_six_digit_host_context() -> None:
    # spent: 12.3456789 + 17.6707777848 = 30.0164566848; top-up 50 - 30.0164566848
    # = 19.9835433152 (a host's 6-digit sum gave 30.0165, so a top-up of 19.9835).
    expected = Decimal("19.9835433152")
    assert _minimum_top_up() == expected
    for name, context in HOSTILE.items():
        with decimal.localcontext(context):
            assert str(_minimum_top_up()) == str(expected), name


def test_the_callers_context_and_flags_are_left_as_they_were() -> None:
    host = decimal.Context(prec=6, traps=[])
    with decimal.localcontext(host) as inside:
        _minimum_top_up()
        assert inside.prec == 6
        assert not any(inside.flags.values())


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_context_changes_no_result_of_the_example_stream(name: str) -> None:
    # A fixed stream that exercises every meter and the minimums.
    records = [
        rk.Event(
            "acme",
            "r1",
            "2026-03-01T06:00:00Z",
            {"state": "on", "memory_mb": "1536.5"},
            kind="start",
            id="e1",
        ),
        rk.Event("acme", "r1", "2026-03-20T18:00:00Z", kind="stop", id="e2"),
        rk.Sample("acme", "r1", "egress", "2026-03-02T00:00:00Z", "1234.567", id="s1"),
        rk.Sample("beta", "r2", "egress", "2026-04-02T00:00:00Z", "7.001", id="s2"),
    ]
    expected = _everything(records)
    with decimal.localcontext(HOSTILE[name]):
        assert _everything(records) == expected


@settings(max_examples=LAWS // 2)
@given(streams(), st.sampled_from(sorted(HOSTILE)))
def test_hostile_contexts_change_no_result(records: list[rk.Event | rk.Sample], name: str) -> None:
    expected = _everything(records)
    with decimal.localcontext(HOSTILE[name]):
        assert _everything(records) == expected


def test_rated_helper_is_the_same_pipeline() -> None:
    assert rated([]).charges == rk.rate([], PLAN, span=SPAN, meters=METERS).charges


def _values() -> list[str]:
    half = rk.Span("2026-03-01T00:00:00Z", "2026-03-16T12:00:00Z")
    models = [
        rk.PerUnit("0.0137"),
        rk.Flat("9.99"),
        rk.Graduated([rk.Tier(10, "0.3333"), rk.Tier(None, "0.1234567", block=7, flat="1.1")]),
        rk.Volume([rk.Tier(10, "0.3333", flat="2"), rk.Tier(None, "0.1234567")]),
        rk.Package(7, "1.2345", free=3),
        rk.Percentage("2.9", free_amount="0.5"),
    ]
    out = []
    for model in models:
        for quantity in ("0", "1.7", "12.345678901", "123456.7891"):
            out.append(str(model.amount(quantity)))
            out.append(repr(model.explain(quantity)))
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
    out += [
        str(plan.round(Decimal("2.675"))),
        str(plan.round(Decimal("-2.665"))),
        str(rk.convert("1234.5678", "MB*hour", "GiB*second")),
        str(rk.units.from_microseconds(1_234_567_891, "hour")),
        str(rk.cycles.prorate(half, MARCH)),
        str(rk.cycles.prorate(half, MARCH, basis="days", tz="Europe/Zurich")),
    ]
    rating = rk.rate(
        [rk.UsageRow("acme", "vm.hours", "vm-1", half, MARCH, "12.3456789", "hour", {}, ())],
        rk.Plan(
            "q",
            "EUR",
            rk.cycles.monthly(tz="UTC"),
            [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.0137"))],
        ),
        span=MARCH,
    )
    out += [str(rating.total()), str(rating.total("acme"))]
    return out


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_price_models_units_proration_and_rounding_ignore_the_callers_context(name: str) -> None:
    expected = _values()
    with decimal.localcontext(HOSTILE[name]):
        assert _values() == expected


#: A context whose tiny exponents make ``Decimal(1).scaleb(-6)`` subnormal, trapped.
_SUBNORMAL = decimal.Context(Emin=-5, Emax=5, traps=[decimal.Subnormal])
PRINTING = {**HOSTILE, "tiny exponents, subnormal trapped": _SUBNORMAL}


def _printed() -> list[str]:
    """str/repr/text/html/rows of an invoice, its lines, charges, usage and a statement."""
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("e", "m", rk.PerUnit("0.5"))],
        minimums=[rk.Minimum(50)],
    )
    # a quantity with 11 decimals: printed rounded to 6 places, ~1.234568
    row = rk.UsageRow("a", "m", "r", MARCH, MARCH, "1.23456789012", "h", {}, ())
    rating = rk.rate([row], plan, span=MARCH)
    (invoice,) = rk.bill(rating)
    usage = rk.meter(
        [rk.Sample("acme", "ip-1", "egress", "2026-03-02T00:00:00Z", "1234.5678901", id="s1")],
        METERS,
        span=SPAN,
        cycle=PLAN.cycle,
        as_of=SPAN.end,
    )
    rater = rk.Rater(plan, [], start="2026-03-01T00:00:00Z")
    statement = rater.statement("2026-03-05T00:00:00Z")
    line = rk.StatementLine(
        "acme", MARCH, "usage", "p", "runtime", "vm", "vm-1", "hour", "EUR",
        "1.23456789012", "0.617283945060", "charge",
    )  # fmt: skip
    out = [str(invoice), repr(invoice), invoice.to_text(), invoice._repr_html_()]
    out += [f"{line_!s} {line_!r}" for line_ in invoice.lines]
    out += [f"{charge!s} {charge!r}" for charge in rating.charges]
    out += [repr(rating), rating._repr_html_()]
    out += [f"{usage_row!s} {usage_row!r}" for usage_row in usage.rows]
    out += [repr(usage), usage._repr_html_(), repr(row), str(row)]
    out += [str(statement), repr(statement), str(line), repr(line)]
    out += [repr(rk.to_rows([invoice, *rating.charges, *usage.rows, row]))]
    out += [repr(rk.focus_rows(rating, provider="acme cloud")), repr(rk.plandata.dump(plan))]
    return out


@pytest.mark.parametrize("name", sorted(PRINTING))
def test_printing_runs_in_ratekits_context_and_leaves_the_callers_flags_clear(name: str) -> None:
    expected = _printed()
    assert "~1.234568" in expected[0]  # the rounding to 6 places that scaleb(-6) made subnormal
    with decimal.localcontext(PRINTING[name]):
        assert _printed() == expected
    host = PRINTING[name].copy()
    host.traps = dict.fromkeys(host.traps, False)
    host.clear_flags()
    with decimal.localcontext(host) as inside:
        _printed()
        raised = sorted(signal.__name__ for signal, on in inside.flags.items() if on)
    assert raised == [], name
