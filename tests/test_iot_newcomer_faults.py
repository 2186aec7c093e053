"""Faults an IoT provider meets: a modem's data counter starts again at zero when the
modem boots, and its boots are known from the session events (a STOP, then a START).

`Counter(from_zero=True)` is documented as "the counter was 0 when the resource
started (a CPU-time counter starts at 0 at boot)", with the running stretch begun by
"the last START ... a stop does [begin a new stretch]" (docs/usage.md, Counters and
gauges). Every stretch after a STOP counts from 0: a reading after a later STOP and
START is a rise from 0 at the START, not from the reading before the STOP.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

DAYS = rk.cycles.daily(tz="UTC")
DATA = rk.Meter("data", "MB", rk.Counter(from_zero=True))
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")


def _per_day(records: list[rk.Event | rk.Sample]) -> dict[int, Decimal]:
    usage = rk.meter(records, [DATA], span=SPAN, cycle=DAYS, as_of=SPAN.end)
    days: dict[int, Decimal] = {}
    for row in usage.rows:
        days[row.cycle.start.day] = days.get(row.cycle.start.day, Decimal(0)) + row.quantity
    return days


def _rebooted(after: int) -> list[rk.Event | rk.Sample]:
    return [
        rk.Event("a", "sim", "2026-03-01T12:00:00Z", kind="start", id="e1"),
        rk.Sample("a", "sim", "data", "2026-03-02T12:00:00Z", 100, kind="counter", id="r1"),
        rk.Event("a", "sim", "2026-03-03T00:00:00Z", kind="stop", id="e2"),
        rk.Event("a", "sim", "2026-03-04T00:00:00Z", kind="start", id="e3"),  # the modem boots
        rk.Sample("a", "sim", "data", "2026-03-04T12:00:00Z", after, kind="counter", id="r2"),
    ]


def test_the_first_boot_counts_from_zero() -> None:
    # What holds: r1's 100 MB count from the START at 12:00 on 1 March, 24 h: 50 + 50.
    assert _per_day(_rebooted(after=130)[:2]) == {1: Decimal(50), 2: Decimal(50)}


def test_a_reading_after_a_reboot_counts_from_zero_when_it_is_higher() -> None:
    # r1: 100 from the START at 1 March 12:00, 50 + 50. The STOP at 3 March 00:00 and the
    # START at 4 March 00:00 are a boot: r2's 150 count from 0 at that START, all on 4
    # March (none on the stopped 3 March). 250 in all.
    assert _per_day(_rebooted(after=150)) == {1: Decimal(50), 2: Decimal(50), 4: Decimal(150)}


def test_a_reset_after_a_reboot_lands_after_the_start_not_while_stopped() -> None:
    # r2 (30, lower than r1's 100) after the boot: 30 from 0 at 4 March 00:00, all on
    # 4 March (no reset: the boot, not the counter, took it back to 0).
    assert _per_day(_rebooted(after=30)) == {1: Decimal(50), 2: Decimal(50), 4: Decimal(30)}


def test_a_zero_rebate_has_no_sign() -> None:
    fix = rk.Meter("fix", "MB", rk.Discrete())
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("f", "fix", rk.PerUnit("-0.10"))]
    )
    records = [rk.Sample("a", "s", "fix", "2026-03-05T00:00:00Z", 0, id="z")]
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    rater = rk.Rater(plan, [fix], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    assert str(rater.statement("2026-04-01T00:00:00Z").lines[0].amount) == "0.00"  # holds
    (charge,) = rk.rate(records, plan, span=march, meters=[fix]).charges
    assert str(charge.amount) == "0.00"
    assert rk.to_row(charge)["amount"] == "0.00"


@pytest.mark.parametrize(
    "price",
    [
        rk.PerUnit("-0.10"),
        rk.Graduated([rk.Tier(10, "-0.10"), rk.Tier(None, "-0.05")]),
        rk.Volume([rk.Tier(10, "-0.10"), rk.Tier(None, "-0.05")]),
    ],
    ids=["per_unit", "graduated", "volume"],
)
@pytest.mark.parametrize("quantity", ["0", "-0", "0.000"])
def test_a_rebate_on_no_usage_is_a_plain_zero_everywhere(
    price: rk.PriceModel, quantity: str
) -> None:
    # -0.10 x 0 is Decimal('-0.00') in Python; a charge, its row, the line's exact sum and
    # the rating's total print no sign (exports.md, pricing.md: a zero never has one).
    fix = rk.Meter("fix", "MB", rk.Discrete())
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("f", "fix", price)])
    records = [rk.Sample("a", "s", "fix", "2026-03-05T00:00:00Z", quantity, id="z")]
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    rating = rk.rate(records, plan, span=march, meters=[fix])
    (charge,) = rating.charges
    assert not charge.amount.is_signed(), charge.amount
    assert not rk.to_row(charge)["amount"].startswith("-")
    assert not rating.total().is_signed()
    (invoice,) = rk.bill(rating)
    assert str(invoice.lines[0].amount) == "0.00"
    assert not invoice.lines[0].precise.is_signed()
