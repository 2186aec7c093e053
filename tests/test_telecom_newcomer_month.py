"""A mobile operator's month, as its billing engineer rates it from the docs alone.

A subscriber's cycle starts on their own day of the month (the 17th, in Europe/Zurich); voice
call detail records are deltas over the call's span (seconds, priced per minute), SMS are
counted, data sessions send cumulative interim updates (a counter per session), roaming
usage from partner networks is a meter of its own. Every figure is worked by hand.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from tests._telecom_tariffs import CYCLES, ZURICH, peak_and_night

import ratekit as rk

SUBSCRIBER = "41790000001"
VOICE = rk.Meter("voice", "s", rk.Discrete())
SMS = rk.Meter("sms", "count", rk.Discrete())
DATA = rk.Meter("data", "B", rk.Counter())
ROAMING = rk.Meter("roam.voice", "s", rk.Discrete())
METERS = [VOICE, SMS, DATA, ROAMING]
OCTOBER = CYCLES.containing("2026-10-20T00:00:00Z")  # 17 Oct .. 17 Nov, over the DST end
GB = 10**9


def cdr(at: str, seconds: int, since: str, record_id: str, meter: str = "voice") -> rk.Sample:
    return rk.Sample(SUBSCRIBER, "msisdn", meter, at, seconds, since=since, id=record_id)


def interim(at: str, octets: int, record_id: str, session: str = "sess-1") -> rk.Sample:
    return rk.Sample(SUBSCRIBER, session, "data", at, octets, kind="counter", id=record_id)


def bundle() -> rk.Plan:
    return rk.Plan(
        "s100",
        "CHF",
        CYCLES,
        [
            rk.PriceEntry("voice", "voice", rk.PerUnit("0.12"), unit="minute", meter_unit="s"),
            rk.PriceEntry("sms", "sms", rk.PerUnit("0.05")),
            rk.PriceEntry("data", "data", rk.PerUnit("2"), unit="GB", meter_unit="B"),
            rk.PriceEntry("roam", "roam.voice", rk.PerUnit("0.99"), unit="minute", meter_unit="s"),
        ],
        allowances=[
            rk.Allowance("voice", 6000),  # 100 minutes, in the meter's seconds
            rk.Allowance("sms", 50),
            rk.Allowance("data", 5 * GB),
        ],
        fees=[rk.Fee("subscription", "19.90")],
    )


def test_the_subscribers_cycle_starts_on_the_17th_at_local_midnight_and_lasts_745_hours() -> None:
    # 17 Oct 00:00 CEST = 16 Oct 22:00Z; 17 Nov 00:00 CET = 16 Nov 23:00Z; the clocks go
    # back on 25 Oct, so 31 days and one hour.
    assert rk.Span("2026-10-16T22:00:00Z", "2026-11-16T23:00:00Z") == OCTOBER
    assert OCTOBER.duration.total_seconds() == 745 * 3600


def test_a_month_of_voice_sms_data_and_roaming_bills_what_the_bundle_leaves_over() -> None:
    records = [
        cdr("2026-10-20T10:05:00Z", 7200, "2026-10-20T08:05:00Z", "cdr-1"),
        cdr("2026-10-21T10:00:30Z", 30, "2026-10-21T10:00:00Z", "cdr-2"),
        rk.Sample(SUBSCRIBER, "msisdn", "sms", "2026-10-21T10:00:30Z", 60, id="sms-1"),
        interim("2026-10-22T10:00:00Z", 0, "acct-start"),
        interim("2026-10-22T11:00:00Z", 4 * GB, "interim-1"),
        interim("2026-10-22T12:00:00Z", 7 * GB, "acct-stop"),
        cdr("2026-10-23T12:00:00Z", 90, "2026-10-23T11:58:30Z", "tap-1", meter="roam.voice"),
    ]
    rating = rk.rate(records, bundle(), span=OCTOBER, meters=METERS)
    assert rating.anomalies == ()
    charges = {charge.meter: charge for charge in rating.charges if charge.kind == "usage"}
    # voice: 7230 s = 120.5 min, 100 free: 20.5 * 0.12 = 2.46
    assert (charges["voice"].quantity, charges["voice"].unit) == (Decimal("120.5"), "minute")
    assert (charges["voice"].free, charges["voice"].amount) == (Decimal(100), Decimal("2.46"))
    # sms: 60, 50 free: 10 * 0.05 = 0.50
    assert (charges["sms"].free, charges["sms"].amount) == (Decimal(50), Decimal("0.5"))
    # data: the session's counter rose 7e9 B = 7 GB, 5 free: 2 * 2 = 4
    assert (charges["data"].quantity, charges["data"].free) == (Decimal(7), Decimal(5))
    assert charges["data"].amount == Decimal(4)
    # roaming: 90 s = 1.5 min * 0.99 = 1.485, no bundle
    assert charges["roam.voice"].amount == Decimal("1.485")
    [invoice] = rk.bill(rating, tz=ZURICH)
    amounts = {line.meter: line.amount for line in invoice.lines}
    assert amounts["roam.voice"] == Decimal("1.48")  # 1.485 half-even
    # 2.46 + 0.50 + 4.00 + 1.48 + 19.90 = 28.34
    assert invoice.total == Decimal("28.34")
    assert (
        str(invoice).splitlines()[0]
        == "Invoice 41790000001, 2026-10-17 .. 2026-11-17 (Europe/Zurich), CHF"
    )


def test_a_call_across_local_midnight_of_the_dst_day_is_shared_by_real_seconds() -> None:
    days = rk.cycles.daily(tz=ZURICH)
    three_days = rk.Span("2026-10-24T00:00:00+02:00", "2026-10-27T00:00:00+01:00")
    # 25 Oct starts at 22:00Z (00:00 CEST) and lasts 25 hours
    assert [cycle.duration.total_seconds() / 3600 for cycle in days.spans(three_days)] == [
        24,
        25,
        24,
    ]
    call = cdr("2026-10-24T22:30:00Z", 3600, "2026-10-24T21:30:00Z", "cdr-midnight")
    usage = rk.meter([call], [VOICE], span=three_days, cycle=days, as_of=three_days.end)
    # 30 min before local midnight, 30 after: 1800 s each
    assert [(row.cycle.start.isoformat(), row.quantity) for row in usage.rows] == [
        ("2026-10-23T22:00:00+00:00", Decimal(1800)),
        ("2026-10-24T22:00:00+00:00", Decimal(1800)),
    ]


def test_a_call_over_the_repeated_hour_lasts_its_real_hour() -> None:
    # 00:30Z..01:30Z on 25 Oct: the wall clock reads 02:30 CEST, then 02:30 CET again
    call = [
        rk.Event(SUBSCRIBER, "call-7", "2026-10-25T02:30:00+02:00", kind="start", id="c7-start"),
        rk.Event(SUBSCRIBER, "call-7", "2026-10-25T02:30:00+01:00", kind="stop", id="c7-stop"),
    ]
    minutes = rk.Meter("voice.minutes", "minute", rk.OnOff())
    day = rk.cycles.daily(tz=ZURICH).containing("2026-10-25T12:00:00Z")
    usage = rk.meter(call, [minutes], span=day, cycle=None, as_of=day.end)
    assert usage.total() == Decimal(60)


def test_a_call_across_the_cycles_end_is_shared_exactly_by_time() -> None:
    # 10 s over 3 s, one of them before the cycle ends at 16 Nov 23:00Z: 10/3 and 20/3
    call = cdr("2026-11-16T23:00:02Z", 10, "2026-11-16T22:59:59Z", "cdr-edge")
    both = rk.Span(OCTOBER.start, "2026-12-16T23:00:00Z")
    usage = rk.meter([call], [VOICE], span=both, cycle=CYCLES, as_of=both.end)
    quantities = [row.quantity for row in usage.rows]
    assert quantities == [
        Decimal("3.333333333333333333333333"),
        Decimal("6.666666666666666666666667"),
    ]
    assert sum(quantities) == 10


def test_a_plan_change_mid_cycle_prorates_fees_and_bundles_by_local_days() -> None:
    def plan(name: str, fee: int, free_seconds: int, rate: str) -> rk.Plan:
        return rk.Plan(
            name,
            "CHF",
            CYCLES,
            [rk.PriceEntry("voice", "voice", rk.PerUnit(rate), unit="minute", meter_unit="s")],
            allowances=[rk.Allowance("voice", free_seconds)],
            fees=[rk.Fee("subscription", fee)],
            proration="days",
            tz=ZURICH,
        )

    small, large = plan("s100", 31, 3100, "0.12"), plan("s300", 62, 6200, "0.08")
    change = "2026-11-01T00:00:00+01:00"
    plans = [
        rk.Assignment(SUBSCRIBER, small, end=change),
        rk.Assignment(SUBSCRIBER, large, start=change),
    ]
    records = [
        cdr("2026-10-20T10:40:00Z", 2400, "2026-10-20T10:00:00Z", "cdr-1"),
        cdr("2026-11-05T10:50:00Z", 3000, "2026-11-05T10:00:00Z", "cdr-2"),
    ]
    rating = rk.rate(records, plans, span=OCTOBER, meters=[VOICE])
    got = [(c.plan, c.kind, c.free, c.amount) for c in rating.charges]
    # 17..31 Oct are 15 of the cycle's 31 days: s100 frees 3100 * 15/31 = 1500 s = 25 min of
    # its 40 min call, 15 * 0.12 = 1.80, and is due 31 * 15/31 = 15; s300 frees
    # 6200 * 16/31 = 3200 s (53.3 min) > its 50 min call, and is due 62 * 16/31 = 32.
    assert got == [
        ("s100", "usage", Decimal(25), Decimal("1.8")),
        ("s300", "usage", Decimal(50), Decimal(0)),
        ("s100", "fee", Decimal(0), Decimal(15)),
        ("s300", "fee", Decimal(0), Decimal(32)),
    ]
    [invoice] = rk.bill(rating, tz=ZURICH)
    assert invoice.total == Decimal("48.80")  # 1.80 + 15 + 32
    # a prepaid top-up of 20 on 5 Nov overlaps the cycle, so it pays its invoice
    topup = rk.Credit("topup-1", SUBSCRIBER, 20, "CHF", start="2026-11-05T09:00:00Z")
    [credited] = rk.apply_credits([invoice], [topup])
    assert (credited.subtotal, credited.total) == (Decimal("48.80"), Decimal("28.80"))
    assert rk.credits_left([topup], [credited]) == ()  # spent whole: dropped
    # last month under both plans, whole cycle each: s100 frees 3100 s of 5400 s,
    # 2300 s = 38.33.. min * 0.12 = 4.60, + 31 = 35.60; s300 frees all, 62.00
    comparison = rk.compare_plans(
        records, {"s100": small, "s300": large}, span=OCTOBER, meters=[VOICE]
    )
    assert [(row.candidate, row.total, row.difference, row.change) for row in comparison.rows] == [
        ("s100", Decimal("35.60"), Decimal("0.00"), "same"),
        ("s300", Decimal("62.00"), Decimal("26.40"), "pays more"),
    ]


class StartedMinute:
    """Each call billed per started minute (61 s is 2 minutes), over the call's span."""

    def accepts(self, kind: str) -> bool:
        return kind == "delta"

    def increments(
        self, readings: object, previous: object, report: object
    ) -> list[tuple[int, int, Decimal, tuple[str, ...]]]:
        out = []
        for sample in readings:  # type: ignore[attr-defined]
            start = sample.since_us if sample.since_us is not None else sample.at_us
            # not -(-value // 60): Decimal's // truncates towards zero
            minutes = (sample.value / 60).to_integral_value(rounding="ROUND_CEILING")
            out.append((start, sample.at_us, minutes, (sample.id,)))
        return out


STARTED = rk.Meter("voice", "minute", StartedMinute())
DAYS_UTC = rk.cycles.daily(tz="UTC")
PER_MINUTE = rk.Plan(
    "pm",
    "EUR",
    DAYS_UTC,
    [rk.PriceEntry("voice", "voice", rk.PerUnit("0.10"))],
    allowances=[rk.Allowance("voice", 3)],
)
CALLS = [
    rk.Sample(
        "sub", "m", "voice", "2026-03-01T10:01:01Z", 61, since="2026-03-01T10:00:00Z", id="c1"
    ),
    rk.Sample(
        "sub", "m", "voice", "2026-03-01T11:00:59Z", 59, since="2026-03-01T11:00:00Z", id="c2"
    ),
    rk.Sample(
        "sub", "m", "voice", "2026-03-01T23:59:30Z", 90, since="2026-03-01T23:59:00Z", id="c3"
    ),
    rk.Sample(
        "sub", "m", "voice", "2026-03-02T00:00:30Z", 90, since="2026-03-01T23:59:00Z", id="c4"
    ),
]
TWO_DAYS = rk.Span("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z")


def test_per_call_started_minutes_by_a_policy_of_ones_own_in_batch() -> None:
    # 2 + 1 + 2 + 2 = 7 started minutes; c4's 2 minutes run over 23:59:00..00:00:30,
    # 60 of its 90 s on 1 March: 4/3 there and 2/3 on 2 March
    rating = rk.rate(CALLS, PER_MINUTE, span=TWO_DAYS, meters=[STARTED])
    got = [(c.cycle.start.day, c.quantity, c.free, c.amount) for c in rating.charges]
    # 1 March: 5 + 4/3 = 19/3 min, 3 free: 10/3 * 0.10 = 1/3; 2 March: 2/3 min, all free
    assert got == [
        (
            1,
            Decimal("6.333333333333333333333333"),
            Decimal(3),
            Decimal("0.3333333333333333333333333"),
        ),
        (
            2,
            Decimal("0.666666666666666666666667"),
            Decimal("0.666666666666666666666667"),
            Decimal(0),
        ),
    ]
    assert [invoice.total for invoice in rk.bill(rating)] == [Decimal("0.33"), Decimal("0.00")]


def test_per_call_started_minutes_stream_through_a_restart_as_in_batch() -> None:
    rater = rk.Rater(PER_MINUTE, [STARTED], start="2026-03-01T00:00:00Z")
    assert rater.feed(CALLS[:2]).accepted == ("c1", "c2")
    first = rater.statement("2026-03-01T12:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PER_MINUTE, [STARTED])
    assert rater.feed([*CALLS[2:], CALLS[0]]).duplicates == ("c1",)
    second = rater.statement("2026-03-03T00:00:00Z")
    # by noon 3 minutes, and the day's 3 free minutes prorated to noon: 1.5 free,
    # 1.5 * 0.10 = 0.15; by the day's end 10/3 minutes more and 1.5 more free: the day
    # comes to 1/3 (as in batch), so the increment is 1/3 - 0.15
    assert [(line.role, line.quantity, line.amount) for line in first.lines + second.lines] == [
        ("charge", Decimal(3), Decimal("0.15")),
        (
            "increment",
            Decimal("3.333333333333333333333333"),
            Decimal("0.1833333333333333333333333"),
        ),
        ("charge", Decimal("0.666666666666666666666667"), Decimal(0)),
    ]
    assert [invoice.total for invoice in second.invoices] == [Decimal("0.33"), Decimal("0.00")]


@pytest.mark.parametrize("seconds", [0, 1, 60, 61, 3599, 3600])
def test_started_minutes_round_up_each_call(seconds: int) -> None:
    call = rk.Sample(
        "sub", "m", "voice", "2026-03-01T12:00:00Z", seconds, since="2026-03-01T10:00:00Z", id="x"
    )
    usage = rk.meter([call], [STARTED], span=TWO_DAYS, cycle=None, as_of=TWO_DAYS.end)
    assert usage.total() == -(-seconds // 60)  # ints: floor division


TIERED_MINUTES = {
    # 3615 s = 60.25 min, 600 s (10 min) free: 50.25 billable minutes
    "graduated": (
        rk.Graduated([rk.Tier(20, "0.10"), rk.Tier(None, "0.05")]),
        "3.5125",
    ),  # 2.00 + 30.25*0.05
    "per started half minute": (rk.Package("0.5", "0.04"), "4.04"),  # 100.5 -> 101 blocks * 0.04
    "volume": (rk.Volume([rk.Tier(20, "0.10"), rk.Tier(None, "0.05")]), "2.5125"),  # 50.25 * 0.05
}


@pytest.mark.parametrize("case", sorted(TIERED_MINUTES))
def test_tiers_count_in_the_prices_minutes_and_the_bundle_in_the_meters_seconds(case: str) -> None:
    price, amount = TIERED_MINUTES[case]
    plan = rk.Plan(
        "t",
        "CHF",
        CYCLES,
        [rk.PriceEntry("voice", "voice", price, unit="minute", meter_unit="s")],
        allowances=[rk.Allowance("voice", 600)],
    )
    call = rk.Sample(SUBSCRIBER, "msisdn", "voice", "2026-10-20T10:00:00Z", 3615, id="c")
    [charge] = rk.rate([call], plan, span=OCTOBER, meters=[VOICE]).charges
    assert (charge.quantity, charge.free, charge.amount) == (
        Decimal("60.25"),
        Decimal(10),
        Decimal(amount),
    )


def test_a_month_end_invoice_with_a_night_tariff_a_commitment_and_cash_rounding_round_trips() -> (
    None
):
    minutes = rk.Meter("call.time", "minute", rk.OnOff())
    plan = rk.Plan(
        "tod",
        "CHF",
        CYCLES,
        [
            *peak_and_night(),
            rk.PriceEntry(
                "data",
                "data",
                rk.Graduated([rk.Tier(1, 0), rk.Tier(None, "2", block="0.5")]),
                unit="GB",
                meter_unit="B",
            ),
            rk.PriceEntry(
                "call.time", "call.time", rk.Package(3, "0.5"), unit="hour", meter_unit="minute"
            ),
        ],
        allowances=[rk.Allowance("voice", 600)],
        minimums=[rk.Minimum(30)],
        fees=[rk.Fee("subscription", "9.95")],
        quantum="0.05",
    )
    records = [
        cdr("2026-10-20T22:10:00+02:00", 1200, "2026-10-20T21:50:00+02:00", "c1"),
        cdr("2026-10-25T06:30:00+01:00", 6 * 3600, "2026-10-25T01:30:00+02:00", "c2"),
        rk.Sample(
            SUBSCRIBER, "msisdn", "voice", "2026-10-26T06:30:00+01:00", -600, id="c3"
        ),  # a refund
        interim("2026-10-25T00:30:00Z", 0, "d1"),
        interim("2026-10-25T01:30:00Z", 2345678901, "d2"),
        rk.Event(SUBSCRIBER, "call", "2026-10-25T02:30:00+02:00", kind="start", id="e1"),
        rk.Event(
            SUBSCRIBER, "call", "2026-10-25T02:20:00+01:00", kind="stop", id="e2"
        ),  # 50 real minutes
    ]
    rating = rk.rate(records, plan, span=OCTOBER, meters=[VOICE, DATA, minutes])
    [invoice] = rk.bill(rating, tz=ZURICH)
    amounts = {(line.kind, line.entry): line.amount for line in invoice.lines}
    # voice: c1 10 min peak (the 10 free) + 10 night; c2 330 night + 30 peak; c3 takes back
    # 10 billed peak minutes: night 340 * 0.05 = 17.00, peak 20 * 0.20 = 4.00
    assert amounts["usage", "night"] == Decimal("17.00")
    assert amounts["usage", "peak"] == Decimal("4.00")
    # data: 2.345678901 GB, 1 free, 1.345678901 in 3 blocks of 0.5 GB * 2 = 6.00
    assert amounts["usage", "data"] == Decimal("6.00")
    # the call ran 50 min = 5/6 hour: one package of 3 hours, 0.50
    assert amounts["usage", "call.time"] == Decimal("0.50")
    # spent 17 + 4 + 6 + 0.50 = 27.50 < 30: top-up 2.50; + 9.95 = 39.95
    assert amounts["minimum", "minimum"] == Decimal("2.50")
    assert invoice.total == Decimal("39.95")
    stored = json.loads(json.dumps(rk.to_row(invoice)))
    back = rk.from_row(rk.Invoice, stored)
    assert back == invoice
    assert str(back) == str(invoice)
