"""A ledger re-billing a closed cycle under a minimum after a late record.

docs/streaming.md (Closing and lateness) tells a host how to say in whole quanta what a
late correction changes of a commitment's top-up: "Bill the cycle's lines as they now
stand (each line's charges as the latest statement that said it left them, reversals
left out) and take the minimum line from that invoice". Here the account changes plan at
noon; the plan of the morning has a per-meter and a plan-wide minimum, and a refund
after noon takes back the morning's calls (last in, first out, at the morning's price).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
METERS = [CALLS, VM]
DAYS = rk.cycles.daily(tz="UTC")


def at(hour: int) -> str:
    return f"2026-03-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z"


# Until noon: 0.013 a call, a commitment of 3 a day (1.50 for half of it) of which 1.50
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
RECORDS = [
    rk.Sample("acme", "k1", "calls", at(1), 100, id="a"),  # basic: 1.30
    rk.Sample("acme", "k1", "calls", at(21), -100, id="b"),  # takes basic's 100 back
    rk.Sample("acme", "k1", "calls", at(23), 1000, id="c"),  # pro, fed after the close
]


def run() -> tuple[dict[object, rk.StatementLine], list[rk.StatementLine], rk.Invoice]:
    rater = rk.Rater(PLANS, METERS, start=at(0), horizon=dt.timedelta(hours=1))
    standing: dict[object, rk.StatementLine] = {}
    said: list[rk.StatementLine] = []
    closing: list[rk.Invoice] = []
    for fed, hour in (([RECORDS[0]], 13), ([RECORDS[1]], 22), ([], 25), ([RECORDS[2]], 26)):
        rater.feed(fed)
        statement = rater.statement(at(hour))
        closing += statement.invoices
        for line in statement.lines:
            said.append(line)
            if line.role == "reversal":
                standing.pop(line.key, None)
            else:
                standing[line.key] = line
    (invoice,) = closing
    return standing, said, invoice


def batch_invoice() -> rk.Invoice:
    rating = rk.rate(RECORDS, PLANS, span=rk.Span(at(0), at(24)), meters=METERS, as_of=at(26))
    (invoice,) = rk.bill(rating)
    return invoice


def test_the_closing_invoice_and_the_lines_add_up_to_batch() -> None:
    _, said, closing = run()
    # Closed at 01:00 on 2 March: the calls net 0 (0.00), the VM commitment 0.75 - 0 =
    # 0.75, the plan-wide 1.50 - (0.00 + 0.75) = 0.75: 1.50.
    assert closing.total == Decimal("1.50")
    # The late 1000 calls, under pro: 1000 x 0.009 = 9.00, a late line of its own.
    late = [(x.role, x.plan, x.kind, x.amount) for x in said if x.late]
    assert late == [("charge", "pro", "usage", Decimal("9.000"))]
    # Every line added up is batch's exact total: 0 + 9.00 + 0.75 + 0.75 = 10.50.
    batch = batch_invoice()
    assert batch.total == Decimal("10.50")
    assert sum(Fraction(x.amount) for x in said) == Fraction(batch.precise_total)


def test_the_lines_as_they_now_stand_bill_the_cycle_as_batch_does() -> None:
    # The VM commitment's line was said at 13:00, its minimum charge spanning
    # 00:00..12:00, and not said again (its 0.75 did not change), while the refund at
    # 21:00 stretched basic's minimum charges to 21:00:00.000001 (the plan-wide one was
    # said so). The two spans overlap: one piece of the cycle, as rating has it, so the
    # plan-wide minimum counts the VM top-up: 1.50 - (0.00 + 0.75) = 0.75, and
    # 9.00 + 0.75 + 0.75 = 10.50. (Read as two pieces, it counted the refund alone:
    # 1.50 - (-1.30) = 2.80, a total of 12.55.)
    standing, _, _ = run()
    charges = [c for line in standing.values() if line.cycle.start.day == 1 for c in line.charges]
    (rebilled,) = rk.bill(charges)
    minimum = [line for line in rebilled.lines if line.kind == "minimum" and line.meter is None]
    assert [line.amount for line in minimum] == [Decimal("0.75")]
    assert rebilled.total == batch_invoice().total == Decimal("10.50")
