"""A revenue ledger on the streaming rater: plan switches, refunds, restores, closings.

The host of docs/streaming.md ("What to store where"): per-meter and plan-wide minimums,
fees prorated by days in Pacific/Kiritimati (UTC+14, a day starts at 10:00Z), a weekly
pool of free calls beside daily cycles, customers switching plans mid-cycle. At every
closing the lines as they now stand, billed by ``rk.bill()``, are the closing invoice
and batch ``rk.rate()`` + ``rk.bill()``, to the last digit; a rater restored from JSON
says what one never restored says (``tests/_revenue_ledger.py`` checks all that).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk
from _revenue_ledger import TZ, Ledger, run

DAYS = rk.cycles.daily(tz=TZ)
CALLS = rk.Meter("calls", "call", rk.Discrete())
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
METERS = [CALLS, VM]
START = "2026-03-01T10:00:00Z"  # 2 March 00:00 in Kiritimati
BASIC = rk.Plan(
    "basic",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("c", "calls", rk.PerUnit("0.013")),
        rk.PriceEntry("v", "vm.hours", rk.PerUnit("0.07")),
    ],
    fees=[rk.Fee("base", "3.10")],
    minimums=[rk.Minimum("2.00", "calls"), rk.Minimum("5.00")],
    proration="days",
    tz=TZ,
)
MID = rk.Plan(
    "mid",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("c", "calls", rk.PerUnit("0.012")),
        rk.PriceEntry("v", "vm.hours", rk.PerUnit("0.06")),
    ],
    fees=[rk.Fee("mid", "3.70")],
    minimums=[rk.Minimum("2.50", "calls")],
    proration="days",
    tz=TZ,
)
PRO = rk.Plan(
    "pro",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("c", "calls", rk.PerUnit("0.011")),
        rk.PriceEntry("v", "vm.hours", rk.PerUnit("0.05")),
    ],
    fees=[rk.Fee("pro", "4.65")],
    minimums=[rk.Minimum("3.00", "calls"), rk.Minimum("7.00")],
    allowances=[rk.Allowance("calls", 5), rk.Allowance("calls", 15, cycle=rk.cycles.weekly(tz=TZ))],
)
HORIZON = dt.timedelta(hours=2)


def calls(at: str, value: int, rid: str, since: str | None = None) -> rk.Sample:
    return rk.Sample("acme", "fn", "calls", at, value, id=rid, since=since)


def vm(at: str, kind: str, rid: str) -> rk.Event:
    return rk.Event("acme", "vm-1", at, kind=kind, id=rid)  # type: ignore[arg-type]


SWITCHES = [
    ("feed", [calls("2026-03-01T12:00:00Z", 100, "a"), vm("2026-03-01T11:00:00Z", "start", "e1")]),
    ("statement", "2026-03-01T13:00:00Z"),
    ("statement", "2026-03-01T13:05:00Z"),  # nothing new
    ("restore",),
    ("statement", "2026-03-01T13:10:00Z"),
    ("assign", [rk.Assignment("acme", MID, start="2026-03-01T13:10:00Z")]),
    # a refund spread back over the switch: 40 calls from 11:00 to 14:00
    ("feed", [calls("2026-03-01T14:00:00Z", -40, "b", since="2026-03-01T11:00:00Z")]),
    ("statement", "2026-03-01T20:00:00Z"),
    ("restore",),
    # the second switch of the week, and a refund back over both switches
    ("assign", [rk.Assignment("acme", PRO, start="2026-03-02T03:00:00Z")]),
    (
        "feed",
        [
            calls("2026-03-02T04:00:00Z", -7, "c", since="2026-03-01T12:30:00Z"),
            calls("2026-03-02T05:00:00Z", 30, "d"),
        ],
    ),
    ("statement", "2026-03-02T06:00:00Z"),
    ("statement", "2026-03-02T06:05:00Z"),
    ("restore",),
    ("statement", "2026-03-02T12:30:00Z"),  # the first day closes (its end 10:00Z + 2 h)
    # late for the closed day, kept: a refund over its last two hours and the VM's stop
    (
        "feed",
        [
            calls("2026-03-02T09:00:00Z", -3, "late1", since="2026-03-02T08:00:00Z"),
            vm("2026-03-02T09:30:00Z", "stop", "e2"),
        ],
    ),
    ("restore",),
    ("statement", "2026-03-02T12:35:00Z"),
    ("statement", "2026-03-02T12:40:00Z"),
    ("statement", "2026-03-03T12:00:00Z"),  # the second day closes, the first is compacted
    ("feed", [calls("2026-03-01T15:00:00Z", 9, "toolate")]),  # past the horizon
    ("restore",),
    ("statement", "2026-03-03T12:05:00Z"),
    ("statement", "2026-03-04T12:05:00Z"),
]


def test_two_switches_refunds_and_restores_close_as_batch_bills() -> None:
    closings = run(
        [rk.Assignment("acme", BASIC)], METERS, START, SWITCHES, recheck=2, horizon=HORIZON
    )
    first = closings[0][0]
    fees = {
        line.entry: (Fraction(line.quantity), line.amount)
        for line in first.lines
        if line.kind == "fee"
    }
    # a share is its two positions rounded to 60 places: within 1e-60 of the fraction
    for entry, share in (("mid", Fraction(17, 24)), ("pro", Fraction(7, 24))):
        assert abs(fees[entry][0] - share) < Fraction(1, 10**59)
        fees[entry] = (share, fees[entry][1])
    # basic (by days) 10:00Z-13:10Z holds no whole Kiritimati day; mid (by days) to
    # 03:00Z holds none either, but pro (by seconds) from there finds the cycle 17 h of
    # 24 along: mid is due 17/24 (3.70 * 17/24 = 2.6208333 -> 2.62), pro 7/24
    # (4.65 * 7/24 = 1.35625 -> 1.36, half-even on ...625 with a 3 after: up).
    assert fees == {
        "base": (Fraction(0), Decimal("0.00")),
        "mid": (Fraction(17, 24), Decimal("2.62")),
        "pro": (Fraction(7, 24), Decimal("1.36")),
    }
    # the next two days are pro's alone, idle: fee 4.65, calls top-up 3.00, plan-wide
    # 7.00 - 3.00 = 4.00; 11.65 each.
    assert [c[0].total for c in closings[1:]] == [Decimal("11.65"), Decimal("11.65")]


def test_a_statement_with_nothing_new_at_the_same_watermark_is_empty() -> None:
    rater = rk.Rater([rk.Assignment("acme", BASIC)], METERS, start=START, horizon=HORIZON, tz=TZ)
    rater.feed([calls("2026-03-01T12:00:00Z", 100, "a")])
    rater.statement("2026-03-01T13:00:00Z")
    again = rater.statement("2026-03-01T13:00:00Z")
    assert (again.lines, again.invoices, again.anomalies) == ((), (), ())


def test_leaving_a_weekly_pool_inside_its_week_is_refused_and_changes_nothing() -> None:
    # pro's 15 free calls a week would be prorated by its share of the week: a change
    # inside the week after a watermark in it is a BadTimeError naming the period.
    rater = rk.Rater([rk.Assignment("acme", PRO)], METERS, start=START, horizon=HORIZON, tz=TZ)
    rater.feed([calls("2026-03-01T12:00:00Z", 10, "a")])
    rater.statement("2026-03-01T13:00:00Z")
    before = json.dumps(rater.snapshot())
    with pytest.raises(rk.BadTimeError, match="period"):
        rater.assign(rk.Assignment("acme", BASIC, start="2026-03-02T13:00:00Z"))
    assert json.dumps(rater.snapshot()) == before


def test_a_snapshot_restored_with_the_set_before_a_switch_is_refused() -> None:
    rater = rk.Rater([rk.Assignment("acme", BASIC)], METERS, start=START, tz=TZ)
    old = rater.assign()
    rater.assign(rk.Assignment("acme", MID, start="2026-03-01T13:00:00Z"))
    data = json.loads(json.dumps(rater.snapshot()))
    with pytest.raises(rk.BadSnapshotError):
        rk.Rater.restore(data, old, METERS)


def _drawn(seed: int) -> list[tuple[object, ...]]:
    """A messy stream: deltas and refunds (some over a span), VM events, switches
    between basic and mid (then at most one to pro), restores, statements minutes or
    hours apart or at the same watermark."""
    draw = random.Random(seed)
    base = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    now, plan, n = base, BASIC, 0
    script: list[tuple[object, ...]] = []

    def iso(t: dt.datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    for _ in range(draw.randint(8, 18)):
        op = draw.random()
        if op < 0.45:
            records: list[object] = []
            for _ in range(draw.randint(1, 3)):
                n += 1
                at = max(
                    base + dt.timedelta(minutes=1),
                    now + dt.timedelta(minutes=draw.randint(-300, 120)),
                )
                value = draw.choice([draw.randint(1, 60), -draw.randint(1, 30)])
                since = None
                if draw.random() < 0.4:
                    since = iso(max(base, at - dt.timedelta(minutes=draw.randint(10, 600))))
                records.append(calls(iso(at), value, f"s{n}", since))
            if draw.random() < 0.2:
                n += 1
                at = max(base, now - dt.timedelta(minutes=draw.randint(0, 200)))
                records.append(vm(iso(at), draw.choice(["start", "stop"]), f"e{n}"))
            script.append(("feed", records))
        elif op < 0.55 and plan is not PRO and now > base and script[-1][0] != "assign":
            plan = draw.choice([p for p in (BASIC, MID, PRO) if p is not plan])
            script.append(("assign", [rk.Assignment("acme", plan, start=iso(now))]))
        elif op < 0.7:
            script.append(("restore",))
        else:
            now += draw.choice(
                [dt.timedelta(minutes=5), dt.timedelta(0), dt.timedelta(hours=draw.randint(1, 14))]
            )
            script.append(("statement", iso(now)))
    script.append(("statement", iso(now + dt.timedelta(days=2))))
    return script


@pytest.mark.parametrize("seed", [0, 3, 7, 38, 41])
def test_drawn_streams_close_as_batch_bills(seed: int) -> None:
    closings = run(
        [rk.Assignment("acme", BASIC)], METERS, START, _drawn(seed), recheck=2, horizon=HORIZON
    )
    assert closings  # a day closed at least


MONTHS = rk.cycles.monthly(tz="UTC")


def _committed(name: str, price: str) -> rk.Plan:
    return rk.Plan(
        name,
        "EUR",
        MONTHS,
        [rk.PriceEntry("c", "calls", rk.PerUnit(price))],
        minimums=[rk.Minimum("31.00", "calls")],
    )


def test_a_refund_after_a_switch_bills_from_the_lines_as_the_closing_invoice() -> None:
    # Plan a's calls minimum (15.00, said at 16 March) stands when a refund after the
    # switch takes back a's units (a's usage 1.30 - 1.30 = 0, its top-up still 15.00);
    # a's calls line, said on 21 March, says the minimum again, its charge spanning
    # 1..21 March, so bill() of the lines counts the refund of 20 March with the usage of
    # 10 March (counting the usage alone: 15.00 - 1.30 = 13.70, a total of 29.70).
    a, b = _committed("a", "0.013"), _committed("b", "0.012")
    rater = rk.Rater([rk.Assignment("x", a)], [CALLS], start="2026-03-01T00:00:00Z")
    ledger = Ledger(None)
    ledger.take(rater.statement("2026-03-16T00:00:00Z"))  # a's minimum 31 * 15/31 = 15.00
    held = rater.assign(rk.Assignment("x", b, start="2026-03-16T00:00:00Z"))
    records = [
        rk.Sample(
            "x", "fn", "calls", "2026-03-10T00:00:00Z", 100, id="1"
        ),  # 100 * 0.013 = 1.30 under a
        rk.Sample(
            "x", "fn", "calls", "2026-03-20T00:00:00Z", -100, id="2"
        ),  # takes a's 100 back: -1.30
    ]
    rater.feed(records)
    later = rater.statement("2026-03-21T00:00:00Z")
    said = later.lines
    ledger.take(later)
    closing = rater.statement("2026-04-01T00:00:00Z")
    ledger.take(closing)
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    batch = rk.bill(rk.rate(records, list(held), span=march, meters=[CALLS]))
    # a: 15.00 - 0.00 = 15.00; b: 31 * 16/31 = 16.00 - 0.00: 31.00 in all
    assert [i.total for i in batch] == [i.total for i in closing.invoices] == [Decimal("31.00")]
    (again,) = [x for x in said if x.kind == "minimum" and x.plan == "a"][-1:]
    assert (again.role, again.amount) == ("correction", Decimal("15.00"))
    assert again.charges[0].span == rk.Span("2026-03-01T00:00:00Z", "2026-03-21T00:00:00Z")
    assert [i.total for i in rk.bill([c for ln in ledger.lines.values() for c in ln.charges])] == [
        Decimal("31.00")
    ]


CHATHAM = "Pacific/Chatham"  # +13:45, +12:45 from 5 April 2026
CHATHAM_MONTHS = rk.cycles.monthly(tz=CHATHAM)


def _monthly(
    name: str, calls: str, hours: str, fee: str, *, minimums: list[rk.Minimum], proration: str
) -> rk.Plan:
    allowances = []
    if name == "pro":  # 50 free calls a month, then 150 a Chatham week
        allowances = [
            rk.Allowance("calls", 50),
            rk.Allowance("calls", 150, cycle=rk.cycles.weekly(tz=CHATHAM)),
        ]
    return rk.Plan(
        name,
        "EUR",
        CHATHAM_MONTHS,
        [
            rk.PriceEntry("c", "calls", rk.PerUnit(calls)),
            rk.PriceEntry("v", "vm.hours", rk.PerUnit(hours)),
        ],
        fees=[rk.Fee(name, fee)],
        minimums=minimums,
        allowances=allowances,
        proration=proration,
        tz=CHATHAM,
    )


M_BASIC = _monthly(
    "basic",
    "0.013",
    "0.07",
    "31",
    minimums=[rk.Minimum("20.00", "calls"), rk.Minimum("50.00")],
    proration="days",
)
M_MID = _monthly(
    "mid", "0.012", "0.06", "37", minimums=[rk.Minimum("25.00", "calls")], proration="days"
)
M_PRO = _monthly(
    "pro",
    "0.011",
    "0.05",
    "46.5",
    minimums=[rk.Minimum("30.00", "calls"), rk.Minimum("70.00")],
    proration="seconds",
)


def _drawn_months(seed: int) -> list[tuple[object, ...]]:
    """Two accounts over the end of March and Chatham's DST change: deltas and refunds
    reaching back up to four days, VM events, switches (basic, mid, then pro at most
    once), restores, statements minutes to days apart."""
    draw = random.Random(seed)
    base = dt.datetime(2026, 3, 25, tzinfo=dt.UTC)
    plans = {"a": M_BASIC, "b": M_BASIC}
    now, n, switched = base, 0, None
    script: list[tuple[object, ...]] = []

    def iso(t: dt.datetime) -> str:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    for _ in range(draw.randint(10, 25)):
        op = draw.random()
        if op < 0.45:
            records: list[object] = []
            for _ in range(draw.randint(1, 3)):
                n += 1
                at = max(
                    base + dt.timedelta(minutes=1),
                    now + dt.timedelta(minutes=draw.randint(-3000, 600)),
                )
                value = draw.choice([draw.randint(1, 600), -draw.randint(1, 300)])
                since = None
                if draw.random() < 0.4:
                    since = iso(max(base, at - dt.timedelta(minutes=draw.randint(10, 6000))))
                records.append(
                    rk.Sample(
                        draw.choice("ab"), "fn", "calls", iso(at), value, id=f"s{n}", since=since
                    )
                )
            if draw.random() < 0.25:
                n += 1
                at = max(base, now - dt.timedelta(minutes=draw.randint(0, 2000)))
                kind = draw.choice(["start", "stop"])
                records.append(rk.Event(draw.choice("ab"), "vm-1", iso(at), kind=kind, id=f"e{n}"))  # type: ignore[arg-type]
            script.append(("feed", records))
        elif op < 0.58 and now > base and switched != now:
            account = draw.choice("ab")
            if plans[account] is not M_PRO:
                plans[account] = draw.choice(
                    [p for p in (M_BASIC, M_MID, M_PRO) if p is not plans[account]]
                )
                script.append(("assign", [rk.Assignment(account, plans[account], start=iso(now))]))
                switched = now
        elif op < 0.7:
            script.append(("restore",))
        else:
            step = draw.choice(
                [dt.timedelta(minutes=5), dt.timedelta(0), dt.timedelta(hours=draw.randint(1, 60))]
            )
            now += step
            script.append(("statement", iso(now)))
    script.append(("statement", iso(now + dt.timedelta(days=3))))
    return script


@pytest.mark.parametrize("seed", [5, 50, 103, 131])  # each switches twice or more and closes March
def test_drawn_months_in_chatham_close_as_batch_bills(seed: int) -> None:
    assigned = [rk.Assignment("a", M_BASIC), rk.Assignment("b", M_BASIC)]
    closings = run(
        assigned,
        METERS,
        "2026-03-25T00:00:00Z",
        _drawn_months(seed),
        recheck=2,
        tz=CHATHAM,
        horizon=dt.timedelta(days=1),
    )
    assert closings  # March closed


def _priced(name: str, currency: str = "EUR", cycle: object = MONTHS) -> rk.Plan:
    return rk.Plan(
        name,
        currency,
        cycle,
        [rk.PriceEntry("c", "calls", rk.PerUnit("0.01"))],
        fees=[rk.Fee("f", 31)],
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("assignment", "error", "words"),
    [
        (
            rk.Assignment("b", _priced("p"), start="2026-03-04T00:00:00Z"),
            rk.BadTimeError,
            "before the rater's last",
        ),
        (
            rk.Assignment("a", _priced("q", "USD"), start="2026-03-06T00:00:00Z"),
            rk.CurrencyMismatchError,
            "'q'",
        ),
        (
            rk.Assignment(
                "a", _priced("q", cycle=rk.cycles.daily(tz="UTC")), start="2026-03-06T00:00:00Z"
            ),
            rk.BadCalendarError,
            "'q'",
        ),
    ],
)
def test_a_switch_the_rater_cannot_bill_is_refused_and_changes_nothing(
    assignment: rk.Assignment, error: type[Exception], words: str
) -> None:
    # before the watermark of 5 March, a currency changed mid-cycle, a plan on daily
    # cycles beside monthly ones: each refused naming the assignment, the rater as it was
    rater = rk.Rater([rk.Assignment("a", _priced("p"))], [CALLS], start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-05T00:00:00Z")
    before = json.dumps(rater.snapshot())
    with pytest.raises(error, match=words):
        rater.assign(assignment)
    assert json.dumps(rater.snapshot()) == before


def test_the_callers_decimal_context_does_not_matter() -> None:
    # 1234.5678 calls * 0.01 = 12.345678; the fee 31 * (2 days + 7 h) / 31 days
    # = 55/24 = 2.291666...7 at 60 digits, whatever the caller's 3-digit context says
    def lines() -> list[Decimal]:
        rater = rk.Rater([rk.Assignment("a", _priced("p"))], [CALLS], start="2026-03-01T00:00:00Z")
        rater.feed([rk.Sample("a", "fn", "calls", "2026-03-02T00:00:00Z", "1234.5678", id="x")])
        return [line.amount for line in rater.statement("2026-03-03T07:00:00Z").lines]

    with decimal.localcontext() as context:
        context.prec, context.rounding = 3, decimal.ROUND_DOWN
        context.traps[decimal.Inexact] = True
        narrow = lines()
    assert narrow == lines()
    assert abs(Fraction(narrow[0]) - Fraction(55, 24)) < Fraction(1, 10**59)
    assert narrow[1] == Decimal("12.345678")


@pytest.mark.parametrize(
    ("minimum", "since"),
    [(rk.Minimum("31.00"), None), (rk.Minimum("31.00", "calls"), "2026-03-14T00:00:00Z")],
)
def test_a_refund_after_a_switch_bills_from_the_lines_plan_wide_or_spread(
    minimum: rk.Minimum, since: str | None
) -> None:
    a = rk.Plan(
        "a", "EUR", MONTHS, [rk.PriceEntry("c", "calls", rk.PerUnit("0.013"))], minimums=[minimum]
    )
    b = rk.Plan("b", "EUR", MONTHS, [rk.PriceEntry("c", "calls", rk.PerUnit("0.012"))])
    rater = rk.Rater([rk.Assignment("x", a)], [CALLS], start="2026-03-01T00:00:00Z")
    ledger = Ledger(None)
    ledger.take(rater.statement("2026-03-16T00:00:00Z"))  # a's minimum 31 * 15/31 = 15.00
    rater.assign(rk.Assignment("x", b, start="2026-03-16T00:00:00Z"))
    rater.feed(
        [
            rk.Sample("x", "fn", "calls", "2026-03-10T00:00:00Z", 100, id="1"),
            rk.Sample("x", "fn", "calls", "2026-03-20T00:00:00Z", -100, id="2", since=since),
        ]
    )
    ledger.take(rater.statement("2026-03-21T00:00:00Z"))
    closing = rater.statement("2026-04-01T00:00:00Z")
    ledger.take(closing)
    # a's usage 1.30 - 1.30 = 0 (the refund takes a's units back at a's price), so its
    # top-up is 15.00 less 0.00; b has no minimum: 15.00. a's minimum, said again with
    # a's calls line on 21 March, spans 1..21 March: the lines count the refund too
    # (without it the plan-wide minimum counted 1.30 of usage, 13.70; a refund spread from
    # 14 March left its part after the 16th, 200/3 calls * 0.013 = 0.8667, out: 14.13).
    assert [i.total for i in closing.invoices] == [Decimal("15.00")]
    assert [i.total for i in rk.bill([c for ln in ledger.lines.values() for c in ln.charges])] == [
        Decimal("15.00")
    ]


def test_a_fee_by_kiritimati_days_waits_for_its_midnight() -> None:
    # basic prorates by whole days of Kiritimati (UTC+14): at 13:00Z, 3 h into its day,
    # the fee is due 0 days (said as a charge of 0), five minutes later nothing changed
    # (no line); at 10:00Z the day is whole: 3.10, the calls top-up 2.00, the plan-wide
    # 5.00 - 2.00 = 3.00, and the idle day closes at 3.10 + 2.00 + 3.00 = 8.10.
    rater = rk.Rater([rk.Assignment("acme", BASIC)], METERS, start=START, tz=TZ)
    said = []
    for as_of in ("2026-03-01T13:00:00Z", "2026-03-01T13:05:00Z", "2026-03-02T10:00:00Z"):
        statement = rater.statement(as_of)
        said.append([(line.role, line.entry, line.amount) for line in statement.lines])
    assert said == [
        [("charge", "base", Decimal(0))],
        [],
        [
            ("increment", "base", Decimal("3.10")),
            ("charge", "minimum", Decimal("3.00")),
            ("charge", "minimum:calls", Decimal("2.00")),
        ],
    ]
    assert [invoice.total for invoice in statement.invoices] == [Decimal("8.10")]
