"""An IoT connectivity provider's month, streamed and checked against batch and by hand.

SIM cards send cumulative data counters (in MB) that reset when the modem reboots, and
session events (a START when the modem attaches); a message queue delivers them late,
twice and out of order, and the billing process restarts from a JSON snapshot before
every call. Corrections come days later as negative deltas on a meter of their own
(a counter meter takes readings only). Plans: a monthly fee per SIM (a flat price per
resource on the session meter), a pooled data allowance per account, graduated overage,
a price change on the 15th, and one account moved to another plan on the 20th.
Every figure is worked by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
DATA = rk.Meter("data", "MB", rk.Counter())
SESSION = rk.Meter("session", "hour", rk.OnOff())
FIX = rk.Meter("fix", "MB", rk.Discrete())
METERS = [DATA, SESSION, FIX]
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")

BASIC = rk.Plan(
    "basic",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("data", "data", rk.Graduated([rk.Tier(100, "0.10"), rk.Tier(None, "0.05")])),
        rk.PriceEntry(
            "data-15",
            "data",
            rk.Graduated([rk.Tier(100, "0.08"), rk.Tier(None, "0.04")]),
            start="2026-03-15T00:00:00Z",
            priority=1,
        ),
        rk.PriceEntry("sim", "session", rk.Flat(2), group_by="resource"),
        rk.PriceEntry("fix", "fix", rk.PerUnit("0.10")),
    ],
    allowances=[rk.Allowance("data", 50)],
)
PRO = rk.Plan(
    "pro",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("data", "data", rk.PerUnit("0.02")),
        rk.PriceEntry("sim", "session", rk.Flat(3), group_by="resource"),
        rk.PriceEntry("fix", "fix", rk.PerUnit("0.02")),
    ],
    allowances=[rk.Allowance("data", 200)],
    fees=[rk.Fee("acct", 10)],
)
MOVE = "2026-03-20T00:00:00Z"
ASSIGNED = [
    rk.Assignment("a1", BASIC),
    rk.Assignment("a2", BASIC, end=MOVE),
    rk.Assignment("a2", PRO, start=MOVE),
]


def reading(account: str, sim: str, at: str, value: int, ident: str) -> rk.Sample:
    return rk.Sample(account, sim, "data", f"2026-03-{at}Z", value, kind="counter", id=ident)


RECORDS: list[rk.Event | rk.Sample] = [
    rk.Event("a1", "s1", "2026-03-01T00:00:00Z", kind="start", id="e1"),
    reading("a1", "s1", "02T00:00:00", 0, "r1"),
    reading("a1", "s1", "10T00:00:00", 120, "r2"),
    reading("a1", "s1", "12T00:00:00", 30, "r3"),  # the modem rebooted: +30 from zero
    reading("a1", "s1", "20T00:00:00", 130, "r4"),
    rk.Sample("a1", "s1", "fix", "2026-03-25T00:00:00Z", -20, id="x1"),  # a correction
    rk.Event("a2", "s2", "2026-03-05T00:00:00Z", kind="start", id="e2"),
    reading("a2", "s2", "06T00:00:00", 1000, "q1"),
    reading("a2", "s2", "16T00:00:00", 1300, "q2"),
    reading("a2", "s2", "24T00:00:00", 1700, "q3"),
]

# a1 (basic all month): 120 + 30 (reset) + 100 = 250 MB. r4's 100 MB are spread over
# 12..20 March, 3 days before the 15th (37.5) and 5 after (62.5). Before the 15th:
# 120 + 30 + 37.5 = 187.5 MB, 50 free, 137.5 billed = 100 x 0.10 + 37.5 x 0.05 = 11.875.
# From the 15th the tiers run on from 137.5: 62.5 x 0.04 = 2.50. The correction:
# -20 x 0.10 = -2.00. The SIM's fee: 2.00. Precise 14.375; lines 11.88 + 2.50 - 2.00
# + 0.00 + 2.00 = 14.38.
A1_PRECISE = Fraction(14375, 1000)
# a2 (basic to the 20th, pro after): q2's 300 MB over 6..16 March, 270 before the 15th
# and 30 after; q3's 400 over 16..24, 200 to the move and 200 after. basic frees
# 50 x 19/31 = 950/31 MB: (270 - 950/31) = 7420/31 billed, 10 + (4320/31) x 0.05 =
# 10 + 216/31; from the 15th 230 x 0.04 = 9.20; pro frees 200 x 12/31 = 2400/31, so
# (200 - 2400/31) x 0.02 = 76/31; pro's fee 10 x 12/31 = 120/31; the SIM's fee
# 2 x 19/31 + 3 x 12/31 = 74/31. Together 19.20 + 486/31 = 34.877419...
A2_PRECISE = Fraction(192, 10) + Fraction(486, 31)


def _by_account(rating: rk.Rating) -> dict[str, Fraction]:
    totals: dict[str, Fraction] = {}
    for charge in rating.charges:
        totals[charge.account] = totals.get(charge.account, Fraction(0)) + Fraction(charge.amount)
    return totals


def _near(got: Fraction, want: Fraction) -> bool:
    # a2's thirty-firsts do not terminate: each charge is rounded once at its 60th digit.
    return abs(got - want) < Fraction(1, 10**55)


def test_the_month_in_batch_is_the_hand_worked_one() -> None:
    rating = rk.rate(RECORDS, ASSIGNED, span=MARCH, meters=METERS)
    totals = _by_account(rating)
    assert totals["a1"] == A1_PRECISE
    assert _near(totals["a2"], A2_PRECISE)
    data = [
        (c.account, c.plan, c.entry, c.quantity, c.free)
        for c in rating.charges
        if c.meter == "data"
    ]
    assert data == [
        ("a1", "basic", "data", Decimal("187.5"), Decimal(50)),
        ("a1", "basic", "data-15", Decimal("62.5"), Decimal(0)),
        # 50 x 19/31 and 200 x 12/31, at their 60th digit:
        (
            "a2",
            "basic",
            "data",
            Decimal(270),
            Decimal("30." + "6451612903225806451612903225806451612903225806451612903226"),
        ),
        ("a2", "basic", "data-15", Decimal(230), Decimal(0)),
        (
            "a2",
            "pro",
            "data",
            Decimal(200),
            Decimal("77." + "4193548387096774193548387096774193548387096774193548387097"),
        ),
    ]
    invoices = {invoice.account: invoice.total for invoice in rk.bill(rating)}
    # a2's lines: data 16.9677 + 2.4516 = 19.42, data-15 9.20, session 0.00,
    # acct 3.87, sim 2.39: 34.88.
    assert invoices == {"a1": Decimal("14.38"), "a2": Decimal("34.88")}
    assert [a.kind for a in rating.anomalies] == ["counter_reset"]


def _stream(horizon: dt.timedelta) -> tuple[dict[str, Fraction], list[rk.Invoice], list[str]]:
    """Feed RECORDS scrambled, each batch with a replay, restoring from JSON each call."""
    order = [RECORDS[i] for i in (6, 2, 0, 9, 7, 1, 4, 3, 8, 5)]
    rater = rk.Rater(ASSIGNED, METERS, start="2026-03-01T00:00:00Z", horizon=horizon)
    sums: dict[str, Fraction] = {}
    invoices: list[rk.Invoice] = []
    anomalies: list[str] = []
    watermarks = ["2026-03-08", "2026-03-14", "2026-03-21", "2026-03-28", "2026-04-03"]
    for step, watermark in enumerate(watermarks):
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), ASSIGNED, METERS)
        batch = order[2 * step : 2 * step + 2] + order[: 2 * step + 1][-1:]  # one replayed
        feed = rater.feed(batch)
        assert not feed.too_late
        assert not feed.conflicting
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), ASSIGNED, METERS)
        statement = rater.statement(f"{watermark}T00:00:00Z")
        for line in statement.lines:
            if line.cycle != MARCH:
                continue
            sums[line.account] = sums.get(line.account, Fraction(0)) + Fraction(line.amount)
        invoices.extend(statement.invoices)
        anomalies.extend(a.kind for a in statement.anomalies)
    return sums, invoices, anomalies


def test_the_month_streamed_with_restarts_and_replays_is_batch_to_the_digit() -> None:
    sums, invoices, anomalies = _stream(dt.timedelta(days=2))
    rating = rk.rate(RECORDS, ASSIGNED, span=MARCH, meters=METERS)
    assert sums == _by_account(rating)  # to the last digit
    assert sums["a1"] == A1_PRECISE
    assert _near(sums["a2"], A2_PRECISE)
    batch = {i.account: i for i in rk.bill(rating)}
    assert [(i.account, i.total, i.precise_total) for i in invoices] == [
        (account, batch[account].total, batch[account].precise_total) for account in ("a1", "a2")
    ]
    assert [i.total for i in invoices] == [Decimal("14.38"), Decimal("34.88")]
    # The reboot is said once, though its reading was replayed and the rater restored.
    assert anomalies.count("counter_reset") == 1


def test_a_correction_cannot_go_to_the_counter_meter_itself() -> None:
    # A correction as a negative delta on the counter's own meter is refused, naming
    # the record, the meter and what the meter takes; it goes to a delta meter.
    rater = rk.Rater(ASSIGNED, METERS, start="2026-03-01T00:00:00Z")
    with pytest.raises(
        rk.BadRecordError, match=r"sample 'x9'.*kind 'delta'.*meter 'data'.*'counter'"
    ):
        rater.feed([rk.Sample("a1", "s1", "data", "2026-03-25T00:00:00Z", -20, id="x9")])


def test_a_sim_offline_for_two_months_bills_its_backlog_and_names_the_lost_part() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("b", "data", rk.PerUnit("0.01"))])
    rater = rk.Rater(plan, [DATA], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=2))
    rater.feed(
        [
            reading("a", "sim", "01T00:00:00", 0, "r0"),
            reading("a", "sim", "05T00:00:00", 1000, "r1"),
        ]
    )
    assert rater.statement("2026-04-03T00:00:00Z").invoices[0].total == Decimal("10.00")
    rater.statement("2026-05-03T00:00:00Z")  # April closes; March is compacted
    feed = rater.feed(
        [rk.Sample("a", "sim", "data", "2026-05-10T00:00:00Z", 5000, kind="counter", id="r2")]
    )
    # 4000 MB over 5 March .. 10 May (66 days): 27 days of March (lost), 30 of April
    # (a late charge), 9 of May.
    assert feed.too_late == ("r2",)
    assert feed.anomalies[0].quantity == Decimal("1636.363636363636363636363636")  # 4000 x 27/66
    lines = rater.statement("2026-06-03T00:00:00Z").lines
    assert [(line.cycle.start.month, line.quantity, line.late) for line in lines] == [
        (4, Decimal("1818.181818181818181818181819"), True),  # 4000 x 30/66
        (5, Decimal("545.454545454545454545454545"), False),  # 4000 x 9/66
    ]
    assert feed.anomalies[0].quantity + sum(line.quantity for line in lines) == 4000


def test_a_late_correction_spread_over_the_last_day_corrects_the_closed_month() -> None:
    data = rk.Meter("data", "MB", rk.Discrete())
    tiers = rk.Graduated([rk.Tier(100, "0.10"), rk.Tier(None, "0.05")])
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("d", "data", tiers)],
        allowances=[rk.Allowance("data", 50)],
    )
    rater = rk.Rater(plan, [data], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "sim", "data", "2026-03-10T00:00:00Z", 200, id="u1")])
    # 200 MB, 50 free: 100 x 0.10 + 50 x 0.05 = 12.50.
    assert rater.statement("2026-04-01T00:00:00Z").invoices[0].total == Decimal("12.50")
    fix = rk.Sample(
        "a", "sim", "data", "2026-04-01T00:00:00Z", -30, since="2026-03-31T00:00:00Z", id="x1"
    )
    assert rater.feed([fix]).late == ("x1",)
    lines = rater.statement("2026-04-02T00:00:00Z").lines
    # 170 MB, 50 free: 100 x 0.10 + 20 x 0.05 = 11.00.
    assert [(line.role, line.amount, line.late) for line in lines] == [
        ("reversal", Decimal("-12.50"), True),
        ("correction", Decimal("11.00"), True),
    ]


def test_a_reading_that_reaches_back_into_a_closed_month_is_reported_only() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("b", "data", rk.PerUnit("0.01"))],
        allowances=[rk.Allowance("data", 50)],
    )
    rater = rk.Rater(
        plan, [DATA], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=2), late="report"
    )
    rater.feed(
        [reading("a", "sim", "01T00:00:00", 0, "r0"), reading("a", "sim", "21T00:00:00", 100, "r1")]
    )
    # March: 100 MB, 50 free, 50 x 0.01 = 0.50.
    assert rater.statement("2026-04-03T00:00:00Z").invoices[0].total == Decimal("0.50")
    assert rater.feed(
        [rk.Sample("a", "sim", "data", "2026-04-10T00:00:00Z", 400, kind="counter", id="r2")]
    ).accepted
    statement = rater.statement("2026-04-11T00:00:00Z")
    # 300 MB over 21 March .. 10 April (20 days): 11 days of March (165), 9 of April (135).
    # March anew: 265 MB, 50 free, 2.15, reported only. April: 50 x 10/30 free to the
    # watermark, (135 - 50/3) x 0.01 = 1.18333..., charged.
    assert [(line.role, line.quantity, line.amount) for line in statement.reported_only] == [
        ("reversal", Decimal(-100), Decimal("-0.5")),
        ("correction", Decimal(265), Decimal("2.15")),
    ]
    (april,) = statement.lines
    assert (april.role, april.quantity, april.late) == ("charge", Decimal(135), False)
    assert abs(Fraction(april.amount) - Fraction(355, 300)) < Fraction(1, 10**58)
    assert "reported only (late='report')" in statement.anomalies[0].message
