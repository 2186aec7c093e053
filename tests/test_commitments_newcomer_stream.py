"""A committed plan billed by the streaming Rater: corrections, restores, and batch.

Read from the streaming page only: a daily plan with a fee, a commitment and free calls
is fed API calls in random batches with replays, late records that change a closed
cycle, and restores through ``json.dumps``/``json.loads`` between statements. The
statements' lines must add up, per cycle, to one batch ``rk.rate()``; the lines as they
last stand, billed again, must give batch's invoices to the cent, and both must be what
a ``fractions.Fraction`` oracle of the plan makes of the records.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _saas_plans import BASIC, PRO

DAYS = rk.cycles.daily(tz="UTC")
CALLS = rk.Meter("api", "call", rk.Discrete())
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HORIZON = dt.timedelta(hours=6)
CENT = Fraction(1, 100)


def daily_plan(
    price: str = "0.013", fee: str = "5", minimum: str = "20", free: str = "0"
) -> rk.Plan:
    allowances = [rk.Allowance("api", free)] if Fraction(free) else []
    return rk.Plan(
        "daily",
        "EUR",
        DAYS,
        [rk.PriceEntry("api", "api", rk.PerUnit(price))],
        fees=[rk.Fee("base", fee)],
        minimums=[rk.Minimum(minimum)],
        allowances=allowances,
    )


def sample(at: str, quantity: int, ident: str, resource: str = "gw") -> rk.Sample:
    return rk.Sample("acme", resource, "api", at, quantity, id=ident)


def restored(rater: rk.Rater, plan: rk.Plan) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [CALLS])


def roles(statement: rk.Statement, day: int) -> list[tuple[str, str, Decimal, bool]]:
    return [
        (line.role, line.kind, line.amount, line.late)
        for line in statement.lines
        if line.cycle.start.day == day
    ]


def latest_charges(lines: list[rk.StatementLine], cycle: rk.Span) -> list[rk.Charge]:
    """The charges of each line of ``cycle`` as its last statement left it."""
    latest: dict[object, rk.StatementLine] = {}
    for line in lines:
        if line.cycle == cycle:
            latest[line.key] = line
    return [
        charge for line in latest.values() if line.role != "reversal" for charge in line.charges
    ]


# --- a late record under a commitment, by hand --------------------------------------


def first_of_march_closed() -> tuple[rk.Rater, rk.Statement]:
    rater = rk.Rater(daily_plan(), [CALLS], start=T0, horizon=HORIZON)
    assert rater.feed([sample("2026-03-01T10:00:00Z", 1001, "c1")]).accepted == ("c1",)
    return rater, rater.statement("2026-03-02T06:00:00Z")


def test_the_closing_invoice_tops_up_to_the_commitment() -> None:
    # 1001 calls x 0.013 = 13.013, printed 13.01; fee 5.00; top-up 20.00 - 13.01 = 6.99.
    _, statement = first_of_march_closed()
    (invoice,) = statement.invoices
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("13.01")),
        ("fee", Decimal("5.00")),
        ("minimum", Decimal("6.99")),
    ]
    assert invoice.total == Decimal("25.00")
    # 2 March to 06:00, a quarter of the day: fee 5/4 = 1.25 and commitment 20/4 = 5.
    assert roles(statement, 2) == [
        ("charge", "fee", Decimal("1.25"), False),
        ("charge", "minimum", Decimal(5), False),
    ]


def test_a_late_record_corrects_the_usage_and_the_commitment_lines() -> None:
    # One more call on 1 March, fed after it closed: usage 1002 x 0.013 = 13.026, the
    # exact top-up 20 - 13.026 = 6.974. Both lines are reversed and said anew (late),
    # never rewritten silently; restored through JSON before the statement.
    rater, _ = first_of_march_closed()
    assert rater.feed([sample("2026-03-01T11:00:00Z", 1, "l1")]).late == ("l1",)
    statement = restored(rater, daily_plan()).statement("2026-03-02T07:00:00Z")
    assert roles(statement, 1) == [
        ("reversal", "minimum", Decimal("-6.987"), True),
        ("correction", "minimum", Decimal("6.974"), True),
        ("reversal", "usage", Decimal("-13.013"), True),
        ("correction", "usage", Decimal("13.026"), True),
    ]
    assert statement.invoices == ()


def test_a_late_record_past_the_commitment_takes_the_top_up_away() -> None:
    # 600 more calls: 1601 x 0.013 = 20.813 > 20, so the minimum line goes (a reversal
    # alone) and the usage line is said anew.
    rater, _ = first_of_march_closed()
    rater.feed([sample("2026-03-01T12:00:00Z", 600, "l2")])
    statement = rater.statement("2026-03-02T07:00:00Z")
    assert roles(statement, 1) == [
        ("reversal", "minimum", Decimal("-6.987"), True),
        ("reversal", "usage", Decimal("-13.013"), True),
        ("correction", "usage", Decimal("20.813"), True),
    ]


def test_the_corrected_lines_billed_together_are_batchs_invoice() -> None:
    # 1 March anew: usage 13.026 -> 13.03, fee 5.00, top-up 20.00 - 13.03 = 6.97: 25.00.
    rater, closing = first_of_march_closed()
    rater.feed([sample("2026-03-01T11:00:00Z", 1, "l1")])
    lines = [*closing.lines, *rater.statement("2026-03-02T07:00:00Z").lines]
    march_first = DAYS.containing(T0)
    (anew,) = rk.bill(latest_charges(lines, march_first))
    assert [(line.kind, line.amount) for line in anew.lines] == [
        ("usage", Decimal("13.03")),
        ("fee", Decimal("5.00")),
        ("minimum", Decimal("6.97")),
    ]
    records = [sample("2026-03-01T10:00:00Z", 1001, "c1"), sample("2026-03-01T11:00:00Z", 1, "l1")]
    (batch,) = rk.bill(rk.rate(records, daily_plan(), span=march_first, meters=[CALLS]))
    assert anew == batch


def test_a_commitment_correction_in_whole_quanta_is_billed_with_the_cycles_lines() -> None:
    # streaming.md, closing and lateness: a commitment's line is what the cycle's other
    # lines leave under it, so its correction's charges billed alone give the whole
    # commitment (20.00); billed with the cycle's lines as they now stand, the top-up is
    # 20.00 - 13.03 = 6.97, so it changed by 6.97 - 6.99 = -0.02.
    rater, closing = first_of_march_closed()
    rater.feed([sample("2026-03-01T11:00:00Z", 1, "l1")])
    statement = rater.statement("2026-03-02T07:00:00Z")
    (correction,) = [
        line
        for line in statement.lines
        if line.late and line.kind == "minimum" and line.role == "correction"
    ]
    (alone,) = rk.bill(correction.charges)
    assert [line.amount for line in alone.lines] == [Decimal("20.00")]
    (closed,) = closing.invoices
    (anew,) = rk.bill(latest_charges([*closing.lines, *statement.lines], correction.cycle))
    (before,) = [line.amount for line in closed.lines if line.kind == "minimum"]
    (after,) = [line.amount for line in anew.lines if line.kind == "minimum"]
    assert (before, after, after - before) == (Decimal("6.99"), Decimal("6.97"), Decimal("-0.02"))


def test_statements_do_not_depend_on_the_callers_decimal_context() -> None:
    def lines() -> list[tuple[str, Decimal]]:
        rater, closing = first_of_march_closed()
        rater.feed([sample("2026-03-01T11:00:00Z", 1, "l1")])
        rater = restored(rater, daily_plan())
        later = rater.statement("2026-03-03T07:00:00Z")
        return [(line.role, line.amount) for line in (*closing.lines, *later.lines)] + [
            ("invoice", invoice.total) for invoice in later.invoices
        ]

    plain = lines()
    with decimal.localcontext() as context:
        context.prec = 4
        context.rounding = decimal.ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        assert lines() == plain
    # 2 March closes at 3 March 06:00: fee 5 and the commitment 20 (nothing used).
    assert plain[-1] == ("invoice", Decimal("25.00"))


def test_a_closing_invoice_carries_no_credits() -> None:
    # Credits are applied by bill(); the rater's closing invoices have none: bill their
    # charges again with the credits (as the upgrade below does).
    _, statement = first_of_march_closed()
    (invoice,) = statement.invoices
    assert invoice.credits == ()
    assert invoice.subtotal == invoice.total == Decimal("25.00")


def test_parts_too_late_under_a_commitment_are_what_the_page_says_batch_bills() -> None:
    # The streaming page, under a minimum: 3 calls on 1 March and 30 on 2 March, both
    # compacted, then 4 + 16 calls of 1 March and 2 of 2 March too late. The stream
    # charged 5 + max(20, 3) = 25 and 5 + max(20, 30) = 35; batch charges
    # 5 + max(20, 3 + 20) = 28 and 5 + max(20, 30 + 2) = 37.
    plan = rk.Plan(
        "m",
        "EUR",
        DAYS,
        [rk.PriceEntry("api", "api", rk.PerUnit(1))],
        fees=[rk.Fee("base", 5)],
        minimums=[rk.Minimum(20)],
    )
    on_time = [sample("2026-03-01T10:00:00Z", 3, "c1"), sample("2026-03-02T10:00:00Z", 30, "c2")]
    too_late = [
        sample("2026-03-01T12:00:00Z", 4, "l1"),
        sample("2026-03-01T13:00:00Z", 16, "l2"),
        sample("2026-03-02T11:00:00Z", 2, "l3"),
    ]
    rater = rk.Rater(plan, [CALLS], start=T0)
    rater.feed(on_time)
    closing = rater.statement("2026-03-04T00:00:00Z")
    assert [invoice.total for invoice in closing.invoices] == [
        Decimal("25.00"),
        Decimal("35.00"),
        Decimal("25.00"),
    ]
    assert rater.feed(too_late).too_late == ("l1", "l2", "l3")
    three_days = rk.Span(T0, "2026-03-04T00:00:00Z")
    batch = rk.bill(rk.rate(on_time + too_late, plan, span=three_days, meters=[CALLS]))
    assert [invoice.total for invoice in batch] == [
        Decimal("28.00"),
        Decimal("37.00"),
        Decimal("25.00"),
    ]


# --- the top-up as rounded, corrected late -----------------------------------------

THREE = tuple(rk.Meter(meter, "hour", rk.Discrete()) for meter in ("vm", "disk", "ip"))
FLOORED = rk.Plan(
    "floored",
    "EUR",
    DAYS,
    [rk.PriceEntry(meter, meter, rk.PerUnit(1)) for meter in ("vm", "disk", "ip")],
    rounding="ROUND_DOWN",
    minimums=[rk.Minimum("10.00")],
)


def used(meter: str, quantity: str, ident: str, at: str = "2026-03-01T10:00:00Z") -> rk.Sample:
    return rk.Sample("acme", f"{meter}-1", meter, at, quantity, id=ident)


def closed_then_late(first: list[rk.Sample], late: rk.Sample) -> tuple[rk.Statement, rk.Statement]:
    rater = rk.Rater(FLOORED, THREE, start=T0, horizon=HORIZON)
    rater.feed(first)
    closing = rater.statement("2026-03-02T06:00:00Z")
    assert rater.feed([late]).late == (late.id,)
    return closing, rater.statement("2026-03-02T07:00:00Z")


def test_a_late_record_that_rounds_the_lines_below_the_commitment_adds_its_top_up() -> None:
    # 3.341 + 3.339 + 3.339 = 10.019, printed (down) 3.34 + 3.33 + 3.33 = 10.00: no
    # top-up. A late -0.002 on vm: 3.339 each, 10.017 exactly (above 10) but 9.99 as
    # printed: the minimum line comes (late), a zero charge whose invoice tops up 0.01.
    first = [used("vm", "3.341", "a"), used("disk", "3.339", "b"), used("ip", "3.339", "c")]
    closing, corrected = closed_then_late(first, used("vm", "-0.002", "d", "2026-03-01T11:00:00Z"))
    assert closing.invoices[0].total == Decimal("10.00")
    assert roles(corrected, 1) == [
        ("charge", "minimum", Decimal(0), True),
        ("reversal", "usage", Decimal("-3.341"), True),
        ("correction", "usage", Decimal("3.339"), True),
    ]
    lines = [*closing.lines, *corrected.lines]
    (anew,) = rk.bill(latest_charges(lines, DAYS.containing(T0)))
    assert [(line.kind, line.amount) for line in anew.lines][-1] == ("minimum", Decimal("0.01"))
    assert anew.total == Decimal("10.00")


def test_a_late_record_that_rounds_the_lines_up_to_the_commitment_takes_the_top_up_away() -> None:
    # 3 x 3.339 = 10.017, printed 9.99: a top-up of 0.01 (a zero charge in rating). A late
    # +0.002 on vm: 3.341 prints 3.34, the lines reach 10.00, the minimum line goes.
    first = [used("vm", "3.339", "a"), used("disk", "3.339", "b"), used("ip", "3.339", "c")]
    closing, corrected = closed_then_late(first, used("vm", "0.002", "d", "2026-03-01T11:00:00Z"))
    assert [(line.kind, line.amount) for line in closing.invoices[0].lines][-1] == (
        "minimum",
        Decimal("0.01"),
    )
    assert roles(corrected, 1) == [
        ("reversal", "minimum", Decimal(0), True),
        ("reversal", "usage", Decimal("-3.339"), True),
        ("correction", "usage", Decimal("3.341"), True),
    ]
    lines = [*closing.lines, *corrected.lines]
    (anew,) = rk.bill(latest_charges(lines, DAYS.containing(T0)))
    assert [line.kind for line in anew.lines] == ["usage"] * 3
    assert anew.total == Decimal("10.00")


# --- an upgrade told to the rater, credits on its closing invoices -----------------


@pytest.mark.parametrize(
    ("change", "march"),
    [
        # basic 10/31: fee 10, commitment 20, 150 x 0.10 = 15.00, top-up 5.00; pro 21/31:
        # fee 42, commitment 63, 210 free, (1000 - 210) x 0.05 = 39.50, top-up 23.50.
        ("2026-03-11T00:00:00Z", "135.00"),
        # at the cycle's end instant: March is basic's: 31 + 1150 x 0.10 = 146.00.
        ("2026-04-01T00:00:00Z", "146.00"),
    ],
)
def test_an_upgrade_told_to_the_rater_bills_as_batch(change: str, march: str) -> None:
    # April under pro: fee 62, 1000 - 310 free = 690 x 0.05 = 34.50 < 93: 155.00.
    # A top-up of 200 (bought 20 March, valid to 10 April) pays March's invoice and
    # what is left of it April's, billed one closing at a time with credits_left.
    records = [
        sample("2026-03-05T10:00:00Z", 150, "a"),
        sample("2026-03-20T10:00:00Z", 1000, "b"),
        sample("2026-04-20T10:00:00Z", 1000, "c"),
    ]
    rater = rk.Rater(
        [rk.Assignment("acme", BASIC, start=T0)], [CALLS], start=T0, horizon=dt.timedelta(days=1)
    )
    before = [record for record in records if record.at < rk.Span(change, change).start]
    rater.feed(before)
    rater.statement(change)
    assigned = rater.assign(rk.Assignment("acme", PRO, start=change))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, [CALLS])
    rater.feed([record for record in records if record not in before])
    closings = []
    for watermark in ("2026-04-02T00:00:00Z", "2026-05-02T00:00:00Z"):
        closings += rater.statement(watermark).invoices
    two_months = rk.Span(T0, "2026-05-01T00:00:00Z")
    batch = rk.bill(rk.rate(records, list(assigned), span=two_months, meters=[CALLS]))
    assert closings == list(batch)
    assert [invoice.total for invoice in closings] == [Decimal(march), Decimal("155.00")]
    top_up = rk.Credit(
        "top-up", "acme", 200, "EUR", start="2026-03-20T00:00:00Z", expires="2026-04-10T00:00:00Z"
    )
    carried: tuple[rk.Credit, ...] = (top_up,)
    paid = []
    for closing in closings:
        (invoice,) = rk.bill(
            [charge for line in closing.lines for charge in line.charges], credits=carried
        )
        carried = rk.credits_left(carried, [invoice])
        paid.append(invoice.total)
    # 200 pays all of March, and 200 - March of April (expiring 10 April, April overlaps
    # it): 155 - 65 = 90.00 after 135.00, 155 - 54 = 101.00 after 146.00.
    assert paid == [Decimal("0.00"), Decimal("155.00") - (200 - Decimal(march))]
    together = rk.bill(
        rk.rate(records, list(assigned), span=two_months, meters=[CALLS]), credits=[top_up]
    )
    assert paid == [invoice.total for invoice in together]


# --- the law: any cut into batches, late records, restores, one batch ---------------


def oracle(
    records: list[rk.Sample], price: str, fee: str, minimum: str, free: str
) -> dict[int, Fraction]:
    """Each day's invoice total, from the plan's words, in fractions.

    usage = price x max(0, net - free) (a net below zero refunded as it is), rounded
    half-even to the cent; the commitment tops the usage line up to it; the fee is its
    own line.
    """

    def cents(amount: Fraction) -> Fraction:
        return Fraction(round(amount / CENT)) * CENT  # round() on a Fraction is half-even

    net: dict[int, int] = {}
    for record in records:
        net[record.at.day] = net.get(record.at.day, 0) + int(record.value)
    totals = {}
    for day in range(1, 6):
        used = net.get(day, 0)
        billable = used if used < 0 else max(0, used - Fraction(free))
        usage = cents(Fraction(price) * billable)
        commitment = cents(Fraction(minimum))
        totals[day] = max(usage, commitment) + cents(Fraction(fee))
    return totals


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[tuple[dt.datetime, rk.Sample]], int]:
    """Up to 25 samples over 1 to 4 March, each delivered up to a day after its instant."""
    count = draw(st.integers(0, 25))
    delivered = []
    for number in range(count):
        at = T0 + dt.timedelta(minutes=draw(st.integers(0, 4 * 24 * 60 - 1)))
        quantity = draw(st.one_of(st.integers(0, 3000), st.integers(-40, 40)))
        delay = dt.timedelta(minutes=draw(st.integers(0, 24 * 60)))
        resource = draw(st.sampled_from(["gw-1", "gw-2"]))
        delivered.append((at + delay, sample(at.isoformat(), quantity, f"s{number}", resource)))
    return delivered, draw(st.integers(0, 2**32 - 1))


PLANS = st.tuples(
    st.sampled_from(["0.013", "1", "0.0049", "0.5"]),
    st.sampled_from(["5", "0", "-3", "0.25"]),
    st.sampled_from(["20", "0", "7.77", "100"]),
    st.sampled_from(["0", "10", "0.5", "1000"]),
)


def run(
    delivered: list[tuple[dt.datetime, rk.Sample]], seed: int, plan: rk.Plan
) -> tuple[list[rk.StatementLine], list[rk.Invoice], dt.datetime]:
    """Feed the stream as its records arrive, in shuffled batches with replays, stating
    at random watermarks and restoring through JSON at random points."""
    randomly = random.Random(seed)
    rater = rk.Rater(plan, [CALLS], start=T0, horizon=HORIZON)
    pending = sorted(delivered, key=lambda pair: (pair[0], pair[1].id))
    end = T0 + dt.timedelta(days=5, hours=6)  # 1 to 5 March closed
    watermark, lines, invoices = T0, [], []
    while watermark < end:
        watermark = min(end, watermark + dt.timedelta(minutes=randomly.randrange(30, 600)))
        batch = [record for arrived, record in pending if arrived <= watermark]
        pending = [(arrived, record) for arrived, record in pending if arrived > watermark]
        randomly.shuffle(batch)
        while batch:
            cut = randomly.randrange(1, len(batch) + 1)
            replays = batch[: randomly.randrange(0, cut + 1)]
            feed = rater.feed(batch[:cut] + replays)
            assert feed.too_late == ()
            batch = batch[cut:]
        if randomly.random() < 0.5:
            rater = restored(rater, plan)
        statement = rater.statement(watermark)
        lines += statement.lines
        invoices += statement.invoices
    return lines, invoices, watermark


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(streams(), PLANS)
def test_statements_restores_and_corrections_add_up_to_one_batch(
    drawn: tuple[list[tuple[dt.datetime, rk.Sample]], int], terms: tuple[str, str, str, str]
) -> None:
    delivered, seed = drawn
    plan = daily_plan(*terms)
    lines, invoices, watermark = run(delivered, seed, plan)
    records = [record for _, record in delivered]
    span = rk.Span(T0, watermark)
    batch = rk.rate(records, plan, span=span, meters=[CALLS], as_of=watermark)
    # 1 to 5 March are closed; 6 March is open to 06:00 (its fee and commitment so far)
    billed = {invoice.cycle: invoice for invoice in rk.bill(batch) if invoice.cycle.start.day <= 5}
    expected = oracle(records, *terms)
    late_days = {line.cycle for line in lines if line.late}
    # the account owes from the day of its first record on (batch and stream alike)
    first = min((record.at.day for record in records), default=6)
    assert sorted(billed) == [
        DAYS.containing(T0 + dt.timedelta(days=day - 1)) for day in range(first, 6)
    ]
    closing = {invoice.cycle: invoice for invoice in invoices}
    for cycle, batch_invoice in billed.items():
        # the statements' lines of a cycle add up to batch's exact total
        stated = sum((Fraction(line.amount) for line in lines if line.cycle == cycle), Fraction(0))
        assert stated == Fraction(batch.total(cycle=cycle))
        # the lines as they last stand, billed again, are batch's invoice, to the cent
        (anew,) = rk.bill(latest_charges(lines, cycle))
        assert anew.total == batch_invoice.total == expected[cycle.start.day]
        if cycle not in late_days:  # closed once and for all: its closing invoice
            assert closing[cycle].total == anew.total
