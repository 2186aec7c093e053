"""A closed cycle billed again from the statement lines as they now stand.

docs/streaming.md (Closing and lateness) tells a ledger to bill a cycle's lines as they
now stand (each line's charges as the latest statement that said it left them, reversals
left out) to say in whole quanta what a late record changed of a commitment's top-up. A
line whose total did not change is not said again, while the charges behind it may have
moved on: a minimum's charge spans its plan's part of the cycle from its first instant to
the watermark, so a per-meter commitment said in the morning spans the morning, and the
plan-wide one said at night the day so far. `rk.bill` tells the pieces of a cycle rated
apart by their minimums' spans; spans of one plan that overlap are one piece
(`_minimum_scopes.scope_of_minimums`). A minimum's line is said again (a correction to the same
total) whenever a line it counts is said while its total stands (a refund after a plan
switch taking back the plan's units: +100 - 100 calls), so that its span as the ledger
holds it reaches every charge it counts, and the lines as they now stand bill what the
closing invoice bills.

Each plan below prorates by days of Kiritimati (UTC+14, its midnight at 10:00Z): from
10:00 on, a UTC day's plan is due a whole day, so its fees' and minimums' amounts stay
put as the watermark moves on, and only their spans grow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
METERS = [CALLS, VM]
DAYS = rk.cycles.daily(tz="UTC")

Fed = Sequence[tuple[Sequence[rk.Sample], int]]


def at(hour: int) -> str:
    return f"2026-03-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z"


def calls(hour: int, n: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "k1", "calls", at(hour), n, id=record_id)


def run(
    plans: rk.Plan | Sequence[rk.Assignment], fed: Fed
) -> tuple[dict[object, rk.StatementLine], list[rk.StatementLine], rk.Invoice]:
    """Feed and state as ``fed`` says; the lines as they stand, every line said, 1 March's invoice."""
    rater = rk.Rater(plans, METERS, start=at(0), horizon=dt.timedelta(hours=1))
    standing: dict[object, rk.StatementLine] = {}
    said: list[rk.StatementLine] = []
    closing: list[rk.Invoice] = []
    for records, hour in fed:
        rater.feed(records)
        statement = rater.statement(at(hour))
        closing += [x for x in statement.invoices if x.cycle.start.day == 1]
        for line in statement.lines:
            said.append(line)
            if line.role == "reversal":
                standing.pop(line.key, None)
            else:
                standing[line.key] = line
    (invoice,) = closing
    return standing, said, invoice


def rebilled(standing: dict[object, rk.StatementLine]) -> rk.Invoice:
    """1 March billed from its lines as they now stand."""
    charges = [c for line in standing.values() if line.cycle.start.day == 1 for c in line.charges]
    (invoice,) = rk.bill(charges)
    return invoice


def billed(invoice: rk.Invoice) -> list[tuple[str, str | None, Decimal]]:
    return [(line.kind, line.meter, line.amount) for line in invoice.lines]


def batch(records: Sequence[rk.Sample], plans: rk.Plan | Sequence[rk.Assignment]) -> rk.Invoice:
    rating = rk.rate(list(records), plans, span=rk.Span(at(0), at(24)), meters=METERS, as_of=at(30))
    (invoice,) = rk.bill(rating)
    return invoice


def said_of(said: list[rk.StatementLine], kind: str, meter: str | None) -> list[rk.StatementLine]:
    return [x for x in said if x.kind == kind and x.meter == meter and x.cycle.start.day == 1]


# 0.01 a call; a commitment of 5 a day, of which 2 on VM hours (none run here).
COMMITTED = rk.Plan(
    "committed",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("api", "calls", rk.PerUnit("0.01")),
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.1")),
    ],
    minimums=[rk.Minimum(5), rk.Minimum(2, meter="vm.hours")],
    proration="days",
    tz="Pacific/Kiritimati",
)


def test_a_per_meter_commitment_said_in_the_morning_still_counts_at_night() -> None:
    records = [calls(1, 100, "a"), calls(15, 50, "b")]
    fed = [([records[0]], 12), ([records[1]], 20), ([], 26)]
    standing, said, closing = run(COMMITTED, fed)
    # At 12:00: 100 calls, 1.00; VM 2 - 0 = 2; plan-wide 5 - (1.00 + 2) = 2.00.
    # At 20:00: 150 calls, 1.50; VM 2 (not said again); plan-wide 5 - (1.50 + 2) = 1.50.
    (vm,) = said_of(said, "minimum", "vm.hours")
    assert (vm.role, vm.amount) == ("charge", Decimal(2))
    assert vm.charges[0].span == rk.Span(at(0), at(12))
    wide = said_of(said, "minimum", None)
    assert [(x.role, x.amount) for x in wide] == [
        ("charge", Decimal("2.00")),
        ("increment", Decimal("-0.50")),
    ]
    assert wide[-1].charges[0].span == rk.Span(at(0), at(20))
    # Closed at 01:00 on 2 March: 1.50 + 2.00 + 1.50 = 5.00, as batch bills it.
    expected = [
        ("usage", "calls", Decimal("1.50")),
        ("minimum", "vm.hours", Decimal("2.00")),
        ("minimum", None, Decimal("1.50")),
    ]
    assert billed(closing) == billed(batch(records, COMMITTED)) == expected
    assert closing.total == Decimal("5.00")
    # The lines as they stand: the VM commitment spans 00:00..12:00, the plan-wide one
    # 00:00..20:00, one piece of the day; the plan-wide minimum counts the calls and the
    # VM top-up (5 - (1.50 + 2.00) = 1.50). Read as two pieces (the calls in the
    # morning's), it counted nothing: 5.00, a total of 8.50.
    again = rebilled(standing)
    assert billed(again) == expected
    assert again.total == Decimal("5.00")


# A base of 0.40 a day on the calls' price (which the minimum counts) and a fee of 0.50 a
# day (which it does not); a commitment of 5 a day, of which 1 on VM hours.
FEES = rk.Plan(
    "fees",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("api", "calls", rk.Graduated([rk.Tier(None, "0.01", flat="0.40")])),
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.1")),
    ],
    minimums=[rk.Minimum(5), rk.Minimum(1, meter="vm.hours")],
    fees=[rk.Fee("support", "0.50")],
    proration="days",
    tz="Pacific/Kiritimati",
)


def test_a_base_and_a_fee_said_in_the_morning_still_count_at_night() -> None:
    records = [calls(1, 100, "a"), calls(15, 50, "b")]
    fed = [([records[0]], 12), ([records[1]], 20), ([], 26)]
    standing, said, closing = run(FEES, fed)
    # At 12:00: calls 1.00, base 0.40, support 0.50, VM 1 - 0 = 1; plan-wide
    # 5 - (1.00 + 0.40 + 1) = 2.60 (the fee not counted).
    # At 20:00: calls 1.50; plan-wide 5 - (1.50 + 0.40 + 1) = 2.10; the base, the fee
    # and the VM commitment unchanged, not said again: their charges span 00:00..12:00.
    for kind, meter in (("fee", "calls"), ("fee", "support"), ("minimum", "vm.hours")):
        (line,) = said_of(said, kind, meter)
        assert line.charges[0].span == rk.Span(at(0), at(12))
    assert [x.amount for x in said_of(said, "minimum", None)] == [
        Decimal("2.60"),
        Decimal("-0.50"),
    ]
    # 1.50 + 0.40 + 0.50 + 1.00 + 2.10 = 5.50, the closing invoice's and batch's.
    expected = [
        ("usage", "calls", Decimal("1.50")),
        ("fee", "calls", Decimal("0.40")),
        ("fee", "support", Decimal("0.50")),
        ("minimum", "vm.hours", Decimal("1.00")),
        ("minimum", None, Decimal("2.10")),
    ]
    assert billed(closing) == billed(batch(records, FEES)) == expected
    # As they stand: the calls, the base and the VM top-up still count. Read as two
    # pieces (all three in the morning's), none did: 5.00, a total of 8.40.
    again = rebilled(standing)
    assert billed(again) == expected
    assert again.total == closing.total == Decimal("5.50")


# Until noon: 0.013 a call, a commitment of 3 a day (1.50 for half of it), of which 1.50
# a day (0.75) on VM hours. From noon: 0.009 a call, no commitment.
BASIC = rk.Plan(
    "basic",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("api", "calls", rk.PerUnit("0.013")),
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.1")),
    ],
    minimums=[rk.Minimum(3), rk.Minimum("1.5", meter="vm.hours")],
)
PRO = rk.Plan("pro", "EUR", DAYS, [rk.PriceEntry("api", "calls", rk.PerUnit("0.009"))])
PLANS = [rk.Assignment("acme", BASIC, end=at(12)), rk.Assignment("acme", PRO, start=at(12))]


def test_two_refunds_after_a_plan_change_stretch_the_commitments_twice() -> None:
    # Two refunds after noon take back the morning's calls (last in, first out, at the
    # morning's price); basic's plan-wide minimum, said with each, spans the day to its
    # statement's watermark.
    records = [
        calls(1, 100, "a"),  # basic: 1.30
        calls(18, -50, "b"),  # -0.65
        calls(21, -50, "c"),  # -0.65
        calls(23, 1000, "d"),  # pro: 9.00, fed after the close
    ]
    fed = [([records[0]], 13), ([records[1]], 19), ([records[2]], 22), ([], 25), ([records[3]], 26)]
    standing, said, closing = run(PLANS, fed)
    # At 13:00: calls 1.30; VM 0.75 - 0 = 0.75; plan-wide 1.50 - (1.30 + 0.75) < 0: none.
    # At 19:00: 0.65 left; plan-wide 1.50 - (0.65 + 0.75) = 0.10, spanning to 19:00.
    # At 22:00: 0.00 left; plan-wide 1.50 - (0 + 0.75) = 0.75, spanning to 22:00. The VM
    # top-up, 0.75 all along and counting no calls, was said once, spanning 00:00..13:00.
    (vm,) = said_of(said, "minimum", "vm.hours")
    assert vm.charges[0].span == rk.Span(at(0), at(13))
    wide = said_of(said, "minimum", None)
    assert [(x.role, x.amount) for x in wide] == [
        ("charge", Decimal("0.100")),
        ("increment", Decimal("0.650")),
    ]
    assert wide[-1].charges[0].span == rk.Span(at(0), at(22))
    # Closed at 01:00 on 2 March: 0.00 + 0.75 + 0.75 = 1.50; the late 1000 calls 9.00.
    assert closing.total == Decimal("1.50")
    assert [(x.role, x.amount) for x in said if x.late] == [("charge", Decimal("9.000"))]
    whole = batch(records, PLANS)
    assert whole.total == Decimal("10.50")
    assert sum(Fraction(x.amount) for x in said) == Fraction(whole.precise_total)
    # As they stand: 9.00 + 0.75 + 0.75 = 10.50, as batch bills it. Read as two pieces
    # (the morning's calls and the VM top-up in the morning's, the refunds in the
    # night's), the plan-wide minimum counted the refunds alone: 1.50 - (-1.30) = 2.80,
    # a total of 12.55.
    again = rebilled(standing)
    assert (
        billed(again)
        == billed(whole)
        == [
            ("usage", "calls", Decimal("9.00")),
            ("minimum", "vm.hours", Decimal("0.75")),
            ("minimum", None, Decimal("0.75")),
        ]
    )
    assert again.total == Decimal("10.50")


def test_a_refund_after_the_switch_fed_after_the_close_says_the_minimum_again() -> None:
    # Basic until noon (a commitment of 3 a day: 1.50; of it 0.75 on VM hours), pro
    # after. Nothing is used by the close at 01:00: VM top-up 0.75, plan-wide
    # 1.50 - 0.75 = 0.75, a total of 1.50. Fed after the close: +100 calls at 01:00
    # (basic: 1.30) and -100 at 14:00, which takes basic's 100 back at basic's price
    # (-1.30): basic's calls line is 0.00, its spend and both top-ups as they were.
    records = [calls(1, 100, "a"), calls(14, -100, "b")]
    fed = [([], 13), ([], 25), (records, 26)]
    standing, said, closing = run(PLANS, fed)
    assert closing.total == Decimal("1.50")
    late = [(x.role, x.kind, x.meter, x.amount) for x in said if x.late]
    # The calls line, new: a late charge of 0.00. The plan-wide minimum counts it, so it
    # is said again, a late correction to the same 0.75, its charge spanning the day
    # (the refund of 14:00 in it); the VM top-up counts no calls and is not.
    assert late == [
        ("reversal", "minimum", None, Decimal("-0.75")),
        ("correction", "minimum", None, Decimal("0.75")),
        ("charge", "usage", "calls", Decimal("0.000")),
    ]
    (wide,) = [x for x in said if x.late and x.role == "correction"]
    assert wide.charges[0].span == rk.Span(at(0), at(24))
    # As they stand: 0.00 + 0.75 + 0.75 = 1.50, batch's. Had the minimum spanned the
    # morning as said at 13:00, the lines would count the +1.30 and not the -1.30:
    # plan-wide 1.50 - (1.30 + 0.75) < 0, a total of 0.75.
    again = rebilled(standing)
    expected = [
        ("usage", "calls", Decimal("0.00")),
        ("minimum", "vm.hours", Decimal("0.75")),
        ("minimum", None, Decimal("0.75")),
    ]
    assert billed(again) == billed(batch(records, PLANS)) == expected
    assert again.total == Decimal("1.50")


# Basic until 08:00 (a commitment of 3 a day: 1.00; of it 0.50 on VM hours), mid until
# 16:00 (0.011 a call, no commitment), pro after.
THREE = [
    rk.Assignment("acme", BASIC, end=at(8)),
    rk.Assignment(
        "acme",
        rk.Plan("mid", "EUR", DAYS, [rk.PriceEntry("api", "calls", rk.PerUnit("0.011"))]),
        start=at(8),
        end=at(16),
    ),
    rk.Assignment("acme", PRO, start=at(16)),
]


def test_a_refund_after_a_second_switch_says_the_first_plans_minimum_again() -> None:
    # At 09:00 nothing is used: basic's VM top-up 0.50, plan-wide 1.00 - 0.50 = 0.50, its
    # charge spanning 00:00..09:00. Fed by 21:00: +100 calls at 01:00 (basic: 1.30) and
    # -100 at 20:00 under pro, which takes back the units on top of the stack, basic's
    # (mid used none): -1.30 at basic's price. Basic's calls line is 0.00 and its
    # top-ups stand; the plan-wide one is said again, spanning 00:00..21:00.
    records = [calls(1, 100, "a"), calls(20, -100, "b")]
    fed = [([], 9), (records, 21), ([], 25)]
    standing, said, closing = run(THREE, fed)
    wide = said_of(said, "minimum", None)
    assert [(x.role, x.amount) for x in wide] == [
        ("charge", Decimal("0.50")),
        ("reversal", Decimal("-0.50")),
        ("correction", Decimal("0.50")),
    ]
    assert wide[-1].charges[0].span == rk.Span(at(0), at(21))
    (vm,) = said_of(said, "minimum", "vm.hours")
    assert vm.charges[0].span == rk.Span(at(0), at(9))
    # Closed at 01:00: 0.00 + 0.50 + 0.50 = 1.00, batch's; the lines as they stand bill
    # it (the minimum said at 09:00 alone would count +1.30 and not -1.30: 0.50).
    expected = [
        ("usage", "calls", Decimal("0.00")),
        ("minimum", "vm.hours", Decimal("0.50")),
        ("minimum", None, Decimal("0.50")),
    ]
    assert billed(closing) == billed(batch(records, THREE)) == expected
    again = rebilled(standing)
    assert billed(again) == expected
    assert again.total == closing.total == Decimal("1.00")


def vm(hour: int, kind: str, record_id: str) -> rk.Event:
    return rk.Event("acme", "vm-1", at(hour), kind=kind, id=record_id)  # type: ignore[arg-type]


def test_a_refund_no_longer_taken_back_from_the_first_plan_leaves_its_charge_counted() -> None:
    # At 15:00: +100 calls at 01:00 (basic, 1.30) and -100 at 14:00, which takes them back
    # (-1.30 at basic's price): basic's calls line 0.00, said with its charges at 01:00
    # and 14:00; VM top-up 0.75; plan-wide 1.50 - (0.00 + 0.75) = 0.75.
    # At 20:00: -100 at 11:00 (basic) now takes back the 100 of 01:00, and +100 at 13:00
    # (pro, 0.90) come before the refund of 14:00, which takes those back: basic's calls
    # line is 0.00 still (01:00 and 11:00), not said again, its charge of 14:00 standing in
    # the ledger; the VM ran 02:00..11:00 under basic: 9 h * 0.10 = 0.90, its top-up
    # 0.75 - 0.90 < 0 gone; plan-wide 1.50 - (0.00 + 0.90) = 0.60, said again at 20:00
    # (records stamped before 15:00 came), spanning the day to 20:00, 14:00 in it.
    first = [calls(1, 100, "a"), calls(14, -100, "b")]
    then = [calls(11, -100, "c"), calls(13, 100, "d"), vm(2, "start", "e"), vm(11, "stop", "f")]
    fed = [(first, 15), (then, 20), ([], 25)]
    standing, said, closing = run(PLANS, fed)
    basic = [x for x in said if x.kind == "usage" and x.meter == "calls" and x.plan == "basic"]
    assert [(x.role, x.amount) for x in basic] == [("charge", Decimal("0.000"))]
    wide = said_of(said, "minimum", None)
    assert [(x.role, x.amount) for x in wide] == [
        ("charge", Decimal("0.75")),
        ("reversal", Decimal("-0.75")),
        ("correction", Decimal("0.60")),
    ]
    assert wide[-1].charges[0].span == rk.Span(at(0), at(20))
    # Closed at 01:00: calls 0.00 (basic's and pro's), VM 0.90, plan-wide 0.60: 1.50, as
    # batch bills it. Had the plan-wide minimum spanned basic's part alone (00:00..12:00)
    # as the refunds now fall, the lines would count the +1.30 and not the -1.30 of
    # 14:00: 1.50 - (1.30 + 0.90) < 0, a total of 0.90.
    expected = [
        ("usage", "calls", Decimal("0.00")),
        ("usage", "vm.hours", Decimal("0.90")),
        ("minimum", None, Decimal("0.60")),
    ]
    records = [*first, *then]
    assert billed(closing) == billed(batch(records, PLANS)) == expected  # type: ignore[arg-type]
    again = rebilled(standing)
    assert billed(again) == expected
    assert again.total == closing.total == Decimal("1.50")
