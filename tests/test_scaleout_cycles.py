"""Scale-out under plans on several cycles: each part meters as one process meters.

Each account's records are metered by its own first plan's cycle (docs/pricing.md,
Layering), so a peak of an account on a weekly plan is taken per week whichever accounts
share its part, or its process. Run over the stand-in bag of
``tests/test_scaleout_inventories.py`` (the whole of ``rate_by_account``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.test_scaleout_inventories import MARCH, ListBag

import ratekit as rk
from ratekit.scaleout import bill_by_account, rate_by_account

T0 = 1772323200000000  # 2026-03-01T00:00:00Z
DAY = 86_400_000_000
PEAK = [rk.Meter("ips", "ip", rk.Max())]
RUNTIME = [rk.Meter("vm.hours", "hour", rk.OnOff())]


def _plans(meter: str) -> list[rk.Assignment]:
    entries = [rk.PriceEntry("p", meter, rk.PerUnit(1))]
    monthly = rk.Plan("monthly", "EUR", rk.cycles.monthly(tz="UTC"), entries)
    weekly = rk.Plan("weekly", "EUR", rk.cycles.weekly(tz="UTC"), entries)
    return [rk.Assignment("a", monthly), rk.Assignment("b", weekly)]


def _owed(invoices: tuple[rk.Invoice, ...], account: str) -> Decimal:
    return sum((i.total for i in invoices if i.account == account), Decimal(0))


def test_a_peak_of_a_weekly_account_alone_in_its_part_is_billed_as_in_one_process() -> None:
    # b (weekly, Monday cycles) reads 5 on Monday 2 March and 3 on Wednesday 11 March:
    # peaks of 5 in the week [2, 9) and 3 in [9, 16), 5 + 3 = 8.00, in one process and in
    # a part of its own. (One process metered every account by the first plan's cycle,
    # a's month: one peak of 5 shared among b's weeks, 5.00, where b alone billed 8.00.)
    records = list(
        rk.RecordBatch.from_tuples(
            samples=[
                ("a", "x", "ips", T0 + DAY, 5, "gauge"),
                ("b", "y", "ips", T0 + DAY, 5, "gauge"),
                ("b", "y", "ips", T0 + 10 * DAY, 3, "gauge"),
            ]
        )
    )
    plans = _plans("ips")
    want = rk.rate(records, plans, span=MARCH, meters=PEAK)
    invoices = rk.bill(want)
    apart = ListBag([records[:1], records[1:]])  # a alone, b alone
    rating, got = rate_by_account(apart, plans, span=MARCH, meters=PEAK, shuffle=False)
    assert [_owed(got, account) for account in "ab"] == [
        _owed(invoices, account) for account in "ab"
    ]
    assert _owed(invoices, "b") == Decimal("8.00")
    assert rating.charges == want.charges
    assert rating.rows == want.rows
    billed, _, _ = bill_by_account(apart, plans, span=MARCH, meters=PEAK, shuffle=False)
    assert billed == invoices


def test_rows_of_a_weekly_account_alone_in_its_part_carry_one_processs_cycle() -> None:
    # Hours add up either way, but a row names the cycle it was metered in: its own
    # account's (a's month, b's weeks), in one process and in parts.
    records = list(
        rk.RecordBatch.from_tuples(events=[("a", "x", T0, "start"), ("b", "y", T0 + DAY, "start")])
    )
    plans = _plans("vm.hours")
    want = rk.rate(records, plans, span=MARCH, meters=RUNTIME)
    rating, invoices = rate_by_account(
        ListBag([records[:1], records[1:]]), plans, span=MARCH, meters=RUNTIME, shuffle=False
    )
    assert {row.cycle for row in want.rows if row.account == "a"} == {MARCH}
    assert {row.cycle.duration for row in want.rows if row.account == "b"} == {dt.timedelta(days=7)}
    assert rating.rows == want.rows
    assert rating.charges == want.charges
    assert invoices == rk.bill(want)
