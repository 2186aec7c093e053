"""The quiet resources of the rater's book: left as they stood, brought up to date when read.

A resource with nothing new whose sums' pieces only run on to the watermark, each priced
alone by a linear price, is left as it stood (`ratekit._rater_running`): an idle
statement neither makes its rows again nor rates its account again. What every
statement says must not change by one digit: the charges a line or an invoice carries
have the spans of running on at every statement.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import format_us

T0 = 1772323200000000  # 2026-03-01T00:00:00Z
HOUR = 3_600_000_000
DAY = 24 * HOUR
METERS = [rk.Meter("egress", "GB", rk.Discrete()), rk.Meter("misc", "x", rk.Discrete())]


def _plan(*entries: rk.PriceEntry, cycle: object = None) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC") if cycle is None else cycle,  # type: ignore[arg-type]
        list(entries),
        unpriced="anomaly",
    )


PER_UNIT = rk.PriceEntry("e", "egress", rk.PerUnit("0.01"))


def _left(rater: rk.Rater) -> set[tuple[str, str]]:
    book = rater._book
    assert book is not None
    return set(book.running.left)


def _spans(lines: tuple[rk.StatementLine, ...] | tuple[rk.InvoiceLine, ...]) -> list[rk.Span]:
    return [charge.span for line in lines for charge in line.charges]


def test_an_idle_statement_leaves_the_quiet_resources_and_a_record_brings_one_back() -> None:
    rater = rk.Rater(_plan(PER_UNIT), METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample(f"a{i}", "r", "egress", "2026-03-01T01:00:00Z", 5) for i in range(3)])
    first = rater.statement("2026-03-02T00:00:00Z")
    # 5 GB x 0.01 = 0.05 per account, over 1 March 00:00 (the cycle's start) .. the watermark
    assert [(line.account, line.amount) for line in first.lines] == [
        ("a0", Decimal("0.05")),
        ("a1", Decimal("0.05")),
        ("a2", Decimal("0.05")),
    ]
    idle = rater.statement("2026-03-03T00:00:00Z")
    assert idle.lines == ()
    assert _left(rater) == {("a0", "r"), ("a1", "r"), ("a2", "r")}
    rater.feed([rk.Sample("a1", "r", "egress", "2026-03-03T12:00:00Z", 7)])
    line = rater.statement("2026-03-04T00:00:00Z").lines
    # a1 alone: 7 GB x 0.01 = 0.07 more, its piece 1 March .. 4 March whole (5 + 7 = 12 GB)
    assert [(x.account, x.role, x.quantity, x.amount) for x in line] == [
        ("a1", "increment", Decimal(7), Decimal("0.07"))
    ]
    assert _spans(line) == [rk.Span("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z")]
    assert line[0].charges[0].quantity == 12
    assert _left(rater) == {("a0", "r"), ("a2", "r")}
    closing = rater.statement("2026-04-02T00:00:00Z")
    # Each invoice's charge spans the whole cycle, as running on at every statement gives.
    assert [(i.account, i.total) for i in closing.invoices] == [
        ("a0", Decimal("0.05")),
        ("a1", Decimal("0.12")),
        ("a2", Decimal("0.05")),
    ]
    for invoice in closing.invoices:
        assert _spans(invoice.lines) == [rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")]


def test_a_left_resource_is_brought_at_a_price_cut_and_its_piece_ends_there() -> None:
    # 0.01 a GB until 10 March, 0.02 from then: a piece ends at that cut.
    plan = _plan(
        rk.PriceEntry("old", "egress", rk.PerUnit("0.01"), end="2026-03-10T00:00:00Z"),
        rk.PriceEntry("new", "egress", rk.PerUnit("0.02"), start="2026-03-10T00:00:00Z"),
    )
    rater = rk.Rater(plan, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "r", "egress", "2026-03-01T01:00:00Z", 5)])
    rater.statement("2026-03-02T00:00:00Z")
    rater.statement("2026-03-05T00:00:00Z")
    assert _left(rater) == {("a", "r")}
    assert rater.statement("2026-03-10T00:00:00Z").lines == ()  # the watermark at the cut
    assert _left(rater) == set()
    rater.feed([rk.Sample("a", "r", "egress", "2026-03-11T00:00:00Z", 3)])
    rater.statement("2026-03-12T00:00:00Z")
    closing = rater.statement("2026-04-02T00:00:00Z")
    (invoice,) = closing.invoices
    # 5 GB x 0.01 = 0.05 over 1 .. 10 March, 3 GB x 0.02 = 0.06 from 10 March: 0.11
    assert invoice.total == Decimal("0.11")
    assert sorted(_spans(invoice.lines), key=lambda span: span.start_us) == [
        rk.Span("2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z"),
        rk.Span("2026-03-10T00:00:00Z", "2026-04-01T00:00:00Z"),
    ]


def test_a_watermark_at_the_cycles_end_bills_the_left_pieces_whole() -> None:
    # No horizon: the statement at the cycle's end closes it; the left piece ends there.
    rater = rk.Rater(_plan(PER_UNIT, cycle=rk.cycles.daily(tz="UTC")), METERS, start=format_us(T0))
    rater.feed([rk.Sample("a", "r", "egress", "2026-03-01T01:00:00Z", 20)])
    rater.statement("2026-03-01T16:00:00Z")
    rater.statement("2026-03-01T23:00:00Z")
    assert _left(rater) == {("a", "r")}
    closing = rater.statement("2026-03-02T00:00:00Z")
    (invoice,) = closing.invoices
    assert invoice.total == Decimal("0.20")  # 20 GB x 0.01
    assert _spans(invoice.lines) == [rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")]


@pytest.mark.parametrize(
    "entry",
    [
        # Priced by the group's total: a piece's place in its group is told by its span.
        rk.PriceEntry("g", "egress", rk.Graduated([rk.Tier(3, 0), rk.Tier(None, "0.01")])),
        # No price: its "unpriced" anomaly says the span once, its figure standing still.
        rk.PriceEntry("e", "other", rk.PerUnit("0.01")),
    ],
)
def test_a_piece_whose_charge_depends_on_its_span_is_not_left(entry: rk.PriceEntry) -> None:
    meters = [*METERS, rk.Meter("other", "GB", rk.Discrete())]
    rater = rk.Rater(_plan(entry), meters, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "r", "egress", "2026-03-01T01:00:00Z", 5)])
    first = rater.statement("2026-03-02T00:00:00Z").anomalies
    said = rater.statement("2026-03-03T00:00:00Z").anomalies
    assert _left(rater) == set()
    if entry.meter == "other":
        (anomaly,) = first
        assert anomaly.kind == "unpriced"
        assert "(resource 'r', 5 GB) over 2026-03-01T00:00:00Z..2026-03-02T00:00:00Z" in (
            anomaly.message
        )
        assert said == ()  # still 5 GB: only the watermark moved


def test_nothing_is_left_when_something_is_due_with_time_alone() -> None:
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [PER_UNIT], fees=[rk.Fee("f", "1")])
    rater = rk.Rater(plan, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "r", "egress", "2026-03-01T01:00:00Z", 5)])
    rater.statement("2026-03-02T00:00:00Z")
    rater.statement("2026-03-03T00:00:00Z")
    assert _left(rater) == set()


def _said(statement: rk.Statement) -> list[object]:
    """All a statement says, the spans of the charges its lines and invoices carry too."""
    out: list[object] = [statement.as_of, statement.anomalies, statement.closed]
    out.append(statement.no_effect)
    for line in (*statement.lines, *statement.reported_only):
        out.append((line.role, line.kind, line.account, line.resource, line.quantity, line.amount))
        out.extend((c.span, c.quantity, c.amount, c.row and c.row.span) for c in line.charges)
    for invoice in statement.invoices:
        out.append((invoice.account, invoice.total))
        out.extend((c.span, c.amount) for c in (c for x in invoice.lines for c in x.charges))
    return out


def _stream(rng: random.Random) -> list[rk.Sample]:
    samples = []
    for number in range(rng.randint(1, 12)):
        account = f"a{rng.randrange(4)}"
        at = T0 + rng.randrange(0, 3 * DAY, HOUR)
        meter = rng.choice(["egress", "egress", "egress", "misc"])
        samples.append(
            rk.Sample(
                account,
                f"r{rng.randrange(3)}",
                meter,
                format_us(at),
                rng.randint(0, 9),
                id=f"s{number}",
            )
        )
    return sorted(samples, key=lambda sample: sample.at_us)


@pytest.mark.property
@settings(max_examples=max(LAWS // 16, 30))
@given(seed=st.integers(0, 2**32))
def test_a_rater_says_what_one_restored_before_every_statement_says(seed: int) -> None:
    # Restored, a rater meters every kept record again: nothing is left. Under a daily
    # cycle and a price cut at 1 March 07:00, with idle statements between the feeds.
    rng = random.Random(seed)
    plan = _plan(
        rk.PriceEntry("one", "egress", rk.PerUnit("0.01"), end="2026-03-02T07:00:00Z"),
        rk.PriceEntry("two", "egress", rk.PerUnit("0.02"), start="2026-03-02T07:00:00Z"),
        cycle=rng.choice([rk.cycles.daily(tz="UTC"), rk.cycles.monthly(tz="UTC")]),
    )
    kept = rk.Rater(plan, METERS, start=format_us(T0))
    fresh = rk.Rater(plan, METERS, start=format_us(T0))
    as_of = T0
    for sample in [*_stream(rng), None]:
        for _ in range(rng.randint(0, 3)):
            as_of += rng.choice([0, HOUR, 5 * HOUR, 31 * HOUR])
            fresh = rk.Rater.restore(json.loads(json.dumps(fresh.snapshot())), plan, METERS)
            assert _said(kept.statement(format_us(as_of))) == _said(
                fresh.statement(format_us(as_of))
            )
        if sample is not None and sample.at_us >= as_of:
            kept.feed([sample])
            fresh.feed([sample])
    end = format_us(T0 + 40 * DAY)
    assert _said(kept.statement(end)) == _said(
        rk.Rater.restore(fresh.snapshot(), plan, METERS).statement(end)
    )
