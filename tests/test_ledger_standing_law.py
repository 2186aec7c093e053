"""The ledger's law: a closed cycle billed from its lines as they now stand is its invoice.

docs/streaming.md: a ledger keeps each statement line by its key, replaced by the latest
line said for it (a reversal takes it away), and bills a cycle's lines as they now stand
to say in whole quanta what a late record changed. For random streams (drawn plans with
minimums per meter and plan-wide, fees, bases, prorations by seconds or by days in
another timezone, plan changes mid-cycle, refunds; and the rater law's streams under
minimums with a plan change, some records fed after their cycle closed; one or two plan
switches in a cycle with refunds stamped after a switch and refunds spread over one), at
each statement `rk.bill` of the lines as they stand of each cycle it closes bills its
closing invoice, line for line, and once all is fed, those of every cycle bill batch
``rk.rate()`` + ``rk.bill()``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests import _plan_streams, _rater_streams
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import format_us, to_us

_Cycle = tuple[str, int, int]


def _billed(invoice: rk.Invoice) -> tuple[object, ...]:
    lines = [(x.kind, x.meter, x.entry, x.resource, x.amount) for x in invoice.lines]
    return (invoice.account, invoice.cycle, invoice.total, lines)


def _rebilled_invoice(standing: dict[object, rk.StatementLine], cycle: _Cycle) -> rk.Invoice:
    charges = [
        c
        for line in standing.values()
        if (line.account, line.cycle.start_us, line.cycle.end_us) == cycle
        for c in line.charges
    ]
    (invoice,) = rk.bill(charges)
    return invoice


def _rebilled(standing: dict[object, rk.StatementLine], cycle: _Cycle) -> tuple[object, ...]:
    return _billed(_rebilled_invoice(standing, cycle))


def check(statements: Iterable[rk.Statement], batch: Sequence[rk.Invoice]) -> None:
    """The lines as they stand bill each closing invoice, and at the end batch's.

    At each closing, the lines as they stand print the closing invoice too, text for
    text (its free quantities and tier rows, docs/streaming.md "Lines, increments and
    corrections").
    """
    standing: dict[object, rk.StatementLine] = {}
    for statement in statements:
        for line in statement.lines:
            if line.role == "reversal":
                standing.pop(line.key, None)
            else:
                standing[line.key] = line
        for invoice in statement.invoices:
            cycle = (invoice.account, invoice.cycle.start_us, invoice.cycle.end_us)
            rebilled = _rebilled_invoice(standing, cycle)
            assert _billed(rebilled) == _billed(invoice)
            assert rebilled.to_text() == invoice.to_text()
    for invoice in batch:
        cycle = (invoice.account, invoice.cycle.start_us, invoice.cycle.end_us)
        assert _rebilled(standing, cycle) == _billed(invoice)


@pytest.mark.property
@settings(max_examples=max(LAWS // 16, 6))
@given(seed=st.integers(0, 2**32))
# Drawn cases that billed a per-meter minimum, a base or a plan fee said before the
# watermark moved on apart from the plan-wide minimum said after (days of another
# timezone: their amounts stand, their spans grow): 1037, no plan change; 1108, one plan.
@example(seed=1037)
@example(seed=1108)
def test_the_lines_as_they_stand_under_drawn_plans_bill_the_closing_invoices(seed: int) -> None:
    case = _plan_streams.draw(seed)
    statements, _ = _plan_streams.run(case)
    span = rk.Span(format_us(case.start_us), format_us(case.final_us))
    batch = rk.rate(list(case.records), case.plans, span=span, meters=_plan_streams.METERS)
    check(statements, rk.bill(batch))


@pytest.mark.property
@settings(max_examples=max(LAWS // 16, 6))
@given(seed=st.integers(0, 2**32), late_ok=st.booleans())
def test_the_lines_as_they_stand_of_a_stream_with_late_records_bill_batch(
    seed: int, late_ok: bool
) -> None:
    # With late_ok, records may come after their cycle closed: the late lines correct it,
    # and the lines as they then stand bill batch's invoice of it.
    rng = random.Random(seed)
    plans = _rater_streams.MINIMUM_PLANS
    stream = _rater_streams.records(rng)
    horizon_h = rng.choice((0, 5))
    statements, _, final, _ = _rater_streams.run(
        rng, stream, horizon_h=horizon_h, late_ok=late_ok, plans=plans
    )
    span = rk.Span(format_us(_rater_streams.T0), format_us(final))
    batch = rk.rate(stream, plans, span=span, meters=_rater_streams.METERS)
    check(statements, rk.bill(batch))


# -- plan switches, refunds after them and refunds spread over them ----------------------

_KIRITIMATI = "Pacific/Kiritimati"


def _switch_plan(rng: random.Random, name: str, cycle: object) -> rk.Plan:
    """A plan of calls and payments with a minimum per meter, plan-wide, or both."""
    minimums = [
        m
        for m in (rk.Minimum(rng.choice(("2.00", "0.45"))), rk.Minimum("0.90", meter="calls"))
        if rng.random() < 0.6
    ] or [rk.Minimum("1.00", meter="calls")]
    return rk.Plan(
        name,
        "EUR",
        cycle,  # type: ignore[arg-type]
        [
            rk.PriceEntry("calls", "calls", rk.PerUnit(rng.choice(("0.013", "0.012", "0.02")))),
            rk.PriceEntry("pay", "pay", rk.PerUnit("0.01")),
        ],
        minimums=minimums,
        fees=[rk.Fee("base", "0.31")] if rng.random() < 0.4 else [],
        proration=rng.choice(("seconds", "days")),
        tz=rng.choice(("UTC", _KIRITIMATI)),
    )


def _switches(seed: int) -> _plan_streams.Case:
    """One or two plan switches in a cycle; refunds stamped after a switch, refunds over
    a span that crosses one, usage either side; fed late (some after their cycle closed,
    within the horizon) and stated at drawn watermarks, with restores."""
    rng = random.Random(seed)
    cycle = rng.choice(
        (rk.cycles.daily(tz="UTC"), rk.cycles.daily(tz=_KIRITIMATI), rk.cycles.monthly(tz="UTC"))
    )
    hour = _plan_streams.HOUR_US
    t0 = rk.cycles.daily(tz="UTC").containing_us(to_us("2026-03-02T00:00:00Z"))[0]
    start_us = cycle.containing_us(t0)[0]
    end_us = cycle.containing_us(t0)[1]
    span_h = max(4, min(40, (end_us - t0) // hour - 1))
    plans = [_switch_plan(rng, name, cycle) for name in ("p0", "p1", "p2")]
    cuts = sorted(rng.sample(range(1, span_h), 2 if rng.random() < 0.5 else 1))
    times = [t0 + h * hour + rng.choice((0, 30)) * 60_000_000 for h in cuts]
    order = [plans[0], plans[1], rng.choice((plans[0], plans[2]))][: len(times) + 1]
    edges = [None, *(format_us(t) for t in times), None]
    assigned = tuple(
        rk.Assignment("a", plan, start=edges[i], end=edges[i + 1]) for i, plan in enumerate(order)
    )
    assigned += (rk.Assignment("b", plans[0]),)
    records: list[rk.Sample] = []

    def sample(account: str, meter: str, at: int, value: int, since: int | None = None) -> None:
        records.append(
            rk.Sample(
                account,
                f"{account}-{meter}",
                meter,
                format_us(at),
                value,
                id=f"r{len(records)}",
                since=None if since is None else format_us(since),
            )
        )

    window = span_h * hour
    for _ in range(rng.randint(2, 5)):
        sample(
            rng.choice("aab"),
            rng.choice(("calls", "calls", "pay")),
            t0 + rng.randrange(window),
            rng.randrange(1, 200),
        )
    for t in times:  # a refund stamped after the switch, one spread over it
        sample("a", "calls", t + rng.randrange(1, 4 * hour), -rng.randrange(1, 150))
        if rng.random() < 0.7:
            at = t + rng.randrange(1, 3 * hour)
            sample(
                "a",
                rng.choice(("calls", "pay")),
                at,
                -rng.randrange(1, 150),
                since=max(t0, t - rng.randrange(1, 5 * hour)),
            )
        if rng.random() < 0.5:
            sample("a", "calls", t - rng.randrange(1, 2 * hour), rng.randrange(1, 120))
    horizon_us = rng.choice((0, 2, 30)) * hour
    last = max(r.at_us for r in records)
    final_us = cycle.containing_us(last)[1] + horizon_us
    ops = _plan_streams.schedule(rng, records, cycle, horizon_us, start_us, final_us)
    return _plan_streams.Case(assigned, cycle, horizon_us, start_us, tuple(records), ops, final_us)


@pytest.mark.property
@settings(max_examples=max(LAWS // 6, 8), deadline=None)
@given(seed=st.integers(0, 2**32))
# Drawn cases that failed: 2, two switches (p0, p1, p0 again by 17:00), a refund after
# the first taking back p0's calls with p0's minimum standing, said at the switch alone
# (so were 17, 19 and 81 of the first hundred); 80, a refund taken back as p1's at one
# statement and, once a spread refund fed later came before it, no longer: p1's calls
# line stood at 0.00 with the refund's charge in it, and p1's minimum, said again, had
# shrunk back to the switch (a minimum's span ran to the last refund it took back).
@example(seed=2)
@example(seed=80)
def test_the_lines_as_they_stand_over_plan_switches_and_refunds_bill_the_closing_invoices(
    seed: int,
) -> None:
    case = _switches(seed)
    statements, _ = _plan_streams.run(case)
    span = rk.Span(format_us(case.start_us), format_us(case.final_us))
    batch = rk.rate(list(case.records), case.plans, span=span, meters=_plan_streams.METERS)
    check(statements, rk.bill(batch))


@pytest.mark.xfail(
    strict=True,
    reason=(
        "expected the lines as they stand to print the closing invoice text for text; for "
        "seed 886080 a line of a tiered meter whose charges' places in the tiers moved while "
        "its amount stood is not said again, so the ledger's charges no longer chain into "
        "one climb and print per resource ('a-vm1 · tiers[0] (0, 10]: 10 * 0') where the "
        "closing prints one climb ('tiers[0] (0, 10]: 10 * 0'); totals agree. The kind "
        "tests/test_webhooks_newcomer.py pins on two endpoints"
    ),
)
def test_the_lines_as_they_stand_law_for_seed_886080() -> None:
    law = test_the_lines_as_they_stand_under_drawn_plans_bill_the_closing_invoices
    law.hypothesis.inner_test(seed=886080)  # type: ignore[attr-defined]


@pytest.mark.xfail(
    strict=True,
    reason=(
        "expected the lines as they stand to print the closing invoice text for text; for "
        "seed 14701168 (two plan switches, refunds) p0's calls line stands at -103 calls "
        "(-1.339) while its charges moved (+107 and -107 taken back after the switch "
        "joined the -103): not said again, the ledger holds the -103 alone, and the line of "
        "two prices prints its plans in the order their first charges come, 'p1 · per unit: "
        "-10 * 0.02' before 'p0 · per unit: -103 * 0.013' where the closing prints p0 first; "
        "totals agree"
    ),
)
def test_the_lines_as_they_stand_over_plan_switches_for_seed_14701168() -> None:
    # Found by a run of 500 examples of the law above (HYPOTHESIS_PROFILE=thorough).
    law = test_the_lines_as_they_stand_over_plan_switches_and_refunds_bill_the_closing_invoices
    law.hypothesis.inner_test(seed=14701168)  # type: ignore[attr-defined]
