"""A city's smart parking service rated with ratekit, as its docs describe it.

Bay sensors send a START (with the vehicle's plate) and a STOP per parking session. On the
street tariff a vehicle pays 0.50 per started 15 minutes of its local day in
Europe/Berlin, capped at 10.00 a day (5 hours), and 0.20 an hour at night (20:00 to 08:00
local). A monthly pass costs 31.00 a month (prorated by whole days when bought mid-month),
gives each day's first 2 hours free and then costs 2.00 an hour. EV chargers report
cumulative kWh counters that reset when a charger reboots (0.39 per kWh). Every total
below is worked by hand, with the arithmetic in a comment.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import random
import zoneinfo
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

BERLIN = "Europe/Berlin"
DAYS = rk.cycles.daily(tz=BERLIN)
MONTHS = rk.cycles.monthly(tz=BERLIN)
NIGHTS = rk.windows.daily("20:00", "08:00", tz=BERLIN)
PARKING = rk.Meter("parking", "hour", rk.OnOff())
KWH = rk.Meter("kwh", "kWh", rk.Counter())
METERS = [PARKING, KWH]
# 0.50 per started quarter hour up to 5 hours (20 blocks: the 10.00 cap), nothing beyond.
CAPPED = rk.Graduated([rk.Tier(5, "0.50", block="0.25"), rk.Tier(None, 0)])
DAY_ONLY = rk.Plan(
    "day", "EUR", DAYS, [rk.PriceEntry("park", "parking", CAPPED, group_by="vehicle")], tz=BERLIN
)
STREET = rk.Plan(
    "street",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("park", "parking", CAPPED, group_by="vehicle"),
        rk.PriceEntry("night", "parking", rk.PerUnit("0.20"), window=NIGHTS, priority=10),
        rk.PriceEntry("ev", "kwh", rk.PerUnit("0.39")),
    ],
    tz=BERLIN,
)
PASS = rk.Plan(
    "pass",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("park", "parking", rk.PerUnit(2)),
        rk.PriceEntry("ev", "kwh", rk.PerUnit("0.39")),
    ],
    fees=[rk.Fee("pass", 31)],
    allowances=[rk.Allowance("parking", 2, cycle=DAYS)],
    proration="days",
    tz=BERLIN,
)
MARCH = MONTHS.containing("2026-03-15T12:00:00Z")


def session(bay: str, vehicle: str, start: object, stop: object, sid: str) -> list[rk.Event]:
    return [
        rk.Event("city", bay, start, {"vehicle": vehicle}, kind="start", id=f"{sid}a"),  # type: ignore[arg-type]
        rk.Event("city", bay, stop, kind="stop", id=f"{sid}b"),  # type: ignore[arg-type]
    ]


def local_day(date: str) -> rk.Span:
    return DAYS.containing(
        dt.datetime.fromisoformat(f"{date}T12:00:00").replace(tzinfo=zoneinfo.ZoneInfo(BERLIN))
    )


def billed(rating: rk.Rating) -> Decimal:
    return sum((invoice.total for invoice in rk.bill(rating, tz=BERLIN)), Decimal(0))


# -- the tariff, worked by hand -------------------------------------------------------


def test_started_quarter_hours_and_the_daily_cap() -> None:
    """A 20-minute stay starts 2 quarter hours; 8 hours reach the 10.00 cap."""
    records = session(
        "bay-1", "B-1", "2026-03-10T09:00:00+01:00", "2026-03-10T09:20:00+01:00", "s1"
    )
    records += session(
        "bay-2", "B-2", "2026-03-10T09:00:00+01:00", "2026-03-10T17:00:00+01:00", "s2"
    )
    rating = rk.rate(records, DAY_ONLY, span=local_day("2026-03-10"), meters=[PARKING])
    # B-1: 1/3 h -> 2 blocks * 0.50 = 1.00; B-2: 8 h, 5 h in 20 blocks * 0.50 = 10.00, 3 h * 0
    assert [charge.amount for charge in rating.charges] == [Decimal("1.00"), Decimal("10.00")]
    (invoice,) = rk.bill(rating, tz=BERLIN)
    assert invoice.total == Decimal("11.00")
    assert (
        str(invoice).splitlines()[0]
        == "Invoice city, 2026-03-10 .. 2026-03-11 (Europe/Berlin), EUR"
    )


def test_quarter_hours_of_a_day_add_up_exactly_across_sessions() -> None:
    """Three 5-minute stays of one vehicle are exactly one quarter hour, not a hair more."""

    def day_of(first_end: str) -> Decimal:
        records = session("bay-1", "V", "2026-03-10T10:00:00Z", first_end, "a")
        records += session("bay-2", "V", "2026-03-10T12:00:00Z", "2026-03-10T12:05:00Z", "b")
        records += session("bay-3", "V", "2026-03-10T13:00:00Z", "2026-03-10T13:05:00Z", "c")
        return rk.rate(records, DAY_ONLY, span=local_day("2026-03-10"), meters=[PARKING]).total()

    assert day_of("2026-03-10T10:05:00Z") == Decimal("0.50")  # 3 * 1/12 h = 1/4 h: 1 block
    assert day_of("2026-03-10T10:10:00.000001Z") == Decimal("1.00")  # 1/4 h and 1 us: 2 blocks
    assert day_of("2026-03-10T10:45:00Z") == Decimal("2.00")  # 55 min = 3.67 quarters: 4 blocks


def test_spring_forward_day_has_a_seven_hour_night() -> None:
    """29 March 2026 lasts 23 hours in Berlin: its night 00:00-08:00 is 7 hours."""
    records = session(
        "bay-1", "B-1", "2026-03-28T19:00:00+01:00", "2026-03-29T09:20:00+02:00", "s1"
    )
    records += session(
        "bay-2", "B-2", "2026-03-29T09:00:00+02:00", "2026-03-29T17:00:00+02:00", "s2"
    )
    records += session(
        "bay-1", "B-2", "2026-03-29T18:00:00+02:00", "2026-03-29T18:10:00+02:00", "s3"
    )
    span = rk.Span("2026-03-28T00:00:00+01:00", "2026-03-30T00:00:00+02:00")
    rating = rk.rate(records, STREET, span=span, meters=METERS)
    # 28th: 19-20 h day 4 blocks = 2.00; 20-24 h night 4 * 0.20 = 0.80            -> 2.80
    # 29th: 00-08 h night, 7 real hours * 0.20 = 1.40; B-1 08:00-09:20 = 4/3 h, 6 blocks
    #       = 3.00; B-2 8 h capped 10.00, then 10 more minutes past the cap 0.00   -> 14.40
    assert [invoice.total for invoice in rk.bill(rating, tz=BERLIN)] == [
        Decimal("2.80"),
        Decimal("14.40"),
    ]


def test_fall_back_day_has_twenty_five_hours() -> None:
    """25 October 2026 lasts 25 hours: a vehicle parked all day pays 9 night hours before 08:00."""
    records = session("bay-1", "V", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", "s")
    day = local_day("2026-10-25")
    assert day.duration == dt.timedelta(hours=25)
    street = rk.rate(records, STREET, span=day, meters=METERS)
    # night 00-08 h: 9 h * 0.20 = 1.80; day 08-20 h: 12 h capped 10.00; night 20-24 h 0.80
    assert billed(street) == Decimal("12.60")
    on_pass = rk.rate(records, PASS, span=day, meters=METERS)
    # pass: 25 h - 2 free = 23 h * 2 = 46.00; fee 31 * 1/31 days of the month rated = 1.00
    assert [(c.kind, c.free, c.amount) for c in on_pass.charges] == [
        ("usage", Decimal(2), Decimal(46)),
        ("fee", Decimal(0), Decimal(1)),
    ]


def test_monthly_pass_bought_mid_month_with_two_free_hours_a_day() -> None:
    """A pass from 16 March: 16 of 31 days of its fee, each day's first 2 hours free."""
    records = session(
        "bay-1", "B-1", "2026-03-29T00:00:00+01:00", "2026-03-29T04:00:00+02:00", "dst"
    )
    records += session(
        "bay-1", "B-1", "2026-03-20T10:00:00+01:00", "2026-03-20T11:30:00+01:00", "short"
    )
    records += session(
        "bay-1", "B-1", "2026-03-25T10:00:00+01:00", "2026-03-25T13:00:00+01:00", "long"
    )
    plans = [rk.Assignment("city", PASS, start="2026-03-16T00:00:00+01:00")]
    rating = rk.rate(records, plans, span=MARCH, meters=METERS)
    # 20th 1.5 h all free; 25th 3 h - 2 = 1 h * 2; 29th 00:00-04:00 local is 3 real hours
    # (02:00-03:00 is skipped) - 2 = 1 h * 2; fee 31 * 16/31 = 16.00     -> 4.00 + 16.00
    assert [(c.kind, c.free, c.amount) for c in rating.charges] == [
        ("usage", Decimal("1.5"), Decimal(0)),
        ("usage", Decimal(2), Decimal(2)),
        ("usage", Decimal(2), Decimal(2)),
        ("fee", Decimal(0), Decimal(16)),
    ]
    assert billed(rating) == Decimal("20.00")


def test_pass_fee_prorated_by_the_second_over_a_743_hour_march() -> None:
    """By the second, a pass from 16 March covers 383 of March's 743 hours in Berlin."""
    by_second = rk.Plan(
        "pass-s",
        "EUR",
        MONTHS,
        [rk.PriceEntry("park", "parking", rk.PerUnit(2))],
        fees=[rk.Fee("p", 30)],
    )
    rating = rk.rate(
        [], [rk.Assignment("city", by_second, start="2026-03-16T00:00:00+01:00")], span=MARCH
    )
    (fee,) = rating.charges
    # 16 days * 24 h - 1 h (29 March) = 383 h of 743: 30 * 383/743 = 15.4643... -> 15.46
    assert Fraction(fee.amount) - Fraction(30 * 383, 743) < Fraction(1, 10**57)
    assert billed(rating) == Decimal("15.46")


def test_switch_from_street_to_pass_at_noon() -> None:
    """A vehicle parked 10:00-14:00 while its owner buys a pass at noon."""
    plans = [
        rk.Assignment("city", STREET, end="2026-03-16T12:00:00+01:00"),
        rk.Assignment("city", PASS, start="2026-03-16T12:00:00+01:00"),
    ]
    records = session("bay-1", "V", "2026-03-16T10:00:00+01:00", "2026-03-16T14:00:00+01:00", "s")
    rating = rk.rate(records, plans, span=MARCH, meters=METERS)
    by_plan = {(c.plan, c.kind): c for c in rating.charges}
    # street 10-12 h: 8 blocks * 0.50 = 4.00
    assert by_plan["street", "usage"].amount == Decimal("4.00")
    # pass 12-14 h: the day's 2 free hours prorated to its half day (1 h), 1 h * 2 = 2.00
    assert (by_plan["pass", "usage"].free, by_plan["pass", "usage"].amount) == (
        Decimal(1),
        Decimal(2),
    )
    # fee: the street plan counts seconds, so the change is at 372 of 743 hours; the pass
    # is due 31 * 371/743 = 15.4791... -> 15.48
    assert Fraction(by_plan["pass", "fee"].amount) - Fraction(31 * 371, 743) < Fraction(1, 10**57)
    assert billed(rating) == Decimal("4.00") + Decimal("2.00") + Decimal("15.48")


def test_charger_reboot_is_a_counter_reset() -> None:
    """A charger reading 100, 130, then 5 after a reboot, then 25: 30 + 5 + 20 kWh."""
    readings = [
        rk.Sample("city", "ch-1", "kwh", at, value, kind="counter", id=sid)
        for sid, at, value in [
            ("k1", "2026-03-20T10:00:00+01:00", 100),
            ("k2", "2026-03-20T11:00:00+01:00", 130),
            ("k3", "2026-03-20T12:00:00+01:00", 5),
            ("k4", "2026-03-20T13:00:00+01:00", 25),
        ]
    ]
    rating = rk.rate(readings, STREET, span=local_day("2026-03-20"), meters=METERS)
    assert billed(rating) == Decimal("21.45")  # 55 kWh * 0.39
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("counter_reset", ("k3", "k2"))]


def test_refund_of_a_session_nets_the_day() -> None:
    """Sessions as minutes per vehicle: a refund takes its quarter hours back."""
    minutes = rk.Meter("parking", "min", rk.Discrete())
    plan = rk.Plan(
        "min",
        "EUR",
        DAYS,
        [
            rk.PriceEntry(
                "park",
                "parking",
                rk.Graduated([rk.Tier(300, "0.50", block=15), rk.Tier(None, 0)]),
                group_by="resource",
            )
        ],
    )

    def stay(sid: str, since: str, at: str, value: int) -> rk.Sample:
        return rk.Sample("city", "B-1", "parking", at, value, since=since, id=sid)

    records = [
        stay("a", "2026-03-10T09:00:00Z", "2026-03-10T09:20:00Z", 20),
        stay("b", "2026-03-10T10:00:00Z", "2026-03-10T10:20:00Z", 20),
        stay("a-refund", "2026-03-10T09:00:00Z", "2026-03-10T09:20:00Z", -20),
    ]
    rating = rk.rate(records, plan, span=local_day("2026-03-10"), meters=[minutes])
    # a: 20 min, 2 blocks 1.00; b: 40 min, 3 blocks, +0.50; the refund stamped at 09:20 nets
    # the day to 20 minutes: 2 blocks, 1.00 in all
    assert rating.total() == Decimal("1.00")


def test_stop_stamped_before_its_start() -> None:
    """A sensor whose STOP is stamped a minute before its START: an orphan stop, said so."""
    records = [
        rk.Event("city", "bay-1", "2026-03-10T10:00:00Z", {"vehicle": "V"}, kind="start", id="a"),
        rk.Event("city", "bay-1", "2026-03-10T09:59:00Z", kind="stop", id="b"),
    ]
    rating = rk.rate(records, STREET, span=local_day("2026-03-10"), meters=METERS)
    assert [a.kind for a in rating.anomalies] == ["orphan_stop"]
    assert "'b'" in rating.anomalies[0].message
    # the stay runs on to midnight: 11:00-20:00 local capped 10.00, 20-24 h night 0.80
    assert billed(rating) == Decimal("10.80")


# -- streams --------------------------------------------------------------------------

T0 = dt.datetime(2026, 3, 27, 12, tzinfo=dt.UTC)
SPAN = rk.Span("2026-03-26T23:00:00Z", "2026-03-31T22:00:00Z")  # 27-31 March in Berlin


def draw_stream(rnd: random.Random, n: int) -> list[rk.Event | rk.Sample]:
    records: list[rk.Event | rk.Sample] = []
    for bay in ("bay-1", "bay-2"):
        t = T0
        for s in range(n):
            t += dt.timedelta(minutes=rnd.choice([5, 17, 60, 200, 600]))
            start = t
            t += dt.timedelta(minutes=rnd.choice([1, 10, 15, 16, 45, 125, 400]))
            records += session(bay, rnd.choice(["B-1", "B-2"]), start, t, f"{bay}-{s}")
    value, t = 0, T0
    for s in range(n):
        t += dt.timedelta(minutes=rnd.choice([30, 90, 300]))
        value = rnd.choice([0, 3]) if rnd.random() < 0.2 else value + rnd.choice([1, 7, 22])
        records.append(rk.Sample("city", "ch-1", "kwh", t, value, kind="counter", id=f"k{s}"))
    return records


def streamed(records: list[rk.Event | rk.Sample], plan: rk.Plan, rnd: random.Random) -> Fraction:
    """Feed shuffled, duplicated records in two batches, a statement and a restore between."""
    rater = rk.Rater(plan, METERS, start=SPAN.start, horizon=dt.timedelta(days=10), tz=BERLIN)
    order = records[:]
    rnd.shuffle(order)
    order += [rnd.choice(records), rnd.choice(records)]
    cut = rnd.randint(0, len(order))
    rater.feed(order[:cut])
    statement = rater.statement(T0 + dt.timedelta(hours=rnd.randint(1, 99)))
    total = sum((Fraction(line.amount) for line in statement.lines), Fraction(0))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, METERS)
    rater.feed(order[cut:])
    return total + sum(
        (Fraction(line.amount) for line in rater.statement(SPAN.end).lines), Fraction(0)
    )


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 2), st.sampled_from([STREET, PASS]))
def test_stream_with_restores_equals_batch(rnd: random.Random, n: int, plan: rk.Plan) -> None:
    """Late, duplicated, out-of-order sessions fed across restores bill what batch bills."""
    records = draw_stream(rnd, n)
    # a rater owes a plan's fee for every cycle it bills whole: batch rates all of March
    batch = rk.rate(
        records, plan, span=rk.Span(MARCH.start, SPAN.end), meters=METERS, as_of=SPAN.end
    )
    assert streamed(records, plan, rnd) == Fraction(batch.total())


def renamed(record: rk.Event | rk.Sample, names: dict[str, str]) -> rk.Event | rk.Sample:
    if isinstance(record, rk.Event):
        attributes = {k: names.get(v, v) for k, v in (record.attributes or {}).items()}
        return rk.Event(
            names["city"],
            names.get(record.resource, record.resource),
            record.at,
            attributes,
            kind=record.kind,
            id=record.id,
        )
    return rk.Sample(
        names["city"],
        names[record.resource],
        record.meter,
        record.at,
        record.value,
        kind=record.kind,
        id=record.id,
    )


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(1, 3), st.sampled_from([STREET, PASS]))
def test_renaming_and_reordering_never_change_a_bill(
    rnd: random.Random, n: int, plan: rk.Plan
) -> None:
    """Other names for the account, bays, vehicles and charger, in another order: same bills."""
    records = draw_stream(rnd, n)
    names = {"city": "zz-city", "bay-1": "z9", "bay-2": "a0", "B-1": "Z", "B-2": "A", "ch-1": "0"}
    before = rk.rate(records, plan, span=SPAN, meters=METERS, as_of=SPAN.end)
    other = [renamed(record, names) for record in records]
    rnd.shuffle(other)
    after = rk.rate(other, plan, span=SPAN, meters=METERS, as_of=SPAN.end)
    assert after.total() == before.total()
    assert [i.total for i in rk.bill(after, tz=BERLIN)] == [
        i.total for i in rk.bill(before, tz=BERLIN)
    ]


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 1), st.sampled_from("VW"), st.integers(0, 600), st.integers(1, 500)
        ),
        min_size=1,
        max_size=6,
    )
)
def test_daily_cap_against_quarter_hours_counted_by_hand(
    stays: list[tuple[int, str, int, int]],
) -> None:
    """Per vehicle and local day: ceil(min(hours, 5) / 0.25) * 0.50, around the spring DST day."""
    records: list[rk.Event] = []
    seconds: dict[tuple[str, dt.date], int] = {}
    ends = {0: T0, 1: T0}
    berlin = zoneinfo.ZoneInfo(BERLIN)
    for n, (bay, vehicle, gap, length) in enumerate(stays):
        start = ends[bay] + dt.timedelta(minutes=gap)
        stop = start + dt.timedelta(minutes=length)
        ends[bay] = stop
        records += session(f"bay-{bay}", vehicle, start, stop, f"s{n}")
        for minute in range(length):  # the oracle: each minute on its local day
            day = (start + dt.timedelta(minutes=minute)).astimezone(berlin).date()
            seconds[vehicle, day] = seconds.get((vehicle, day), 0) + 60
    expected = sum(
        (
            math.ceil(min(Fraction(s, 3600), Fraction(5)) / Fraction(1, 4)) * Decimal("0.50")
            for s in seconds.values()
        ),
        Decimal(0),
    )
    assert rk.rate(records, DAY_ONLY, span=SPAN, meters=[PARKING]).total() == expected


# -- hostile input --------------------------------------------------------------------


def test_hostile_records_are_refused_naming_the_field() -> None:
    """Each bad field raises a RatekitError that names it and says what is accepted."""
    at = "2026-03-10T10:00:00Z"
    cases = [
        (
            lambda: rk.Sample("city", "ch-1", "kwh", at, float("nan"), kind="counter"),
            "finite number",
        ),
        (lambda: rk.Sample("city", "ch-1", "kwh", at, "Infinity", kind="counter"), "finite number"),
        (
            lambda: rk.Sample("city", "ch-1", "kwh", at, "1e999", kind="counter"),
            "at most 60 significant digits",
        ),
        (lambda: rk.Sample("city", "ch-1", "kwh", at, "1e-999", kind="counter"), "from 1E-30"),
        (lambda: rk.Sample("city", "ch-1", "kwh", at, True, kind="counter"), "not bool"),
        (lambda: rk.Event("city", "bay-1", "2026-03-10T10:00:00", kind="start"), "no UTC offset"),
        (
            lambda: rk.Event("city", "bay-1", dt.datetime(2026, 3, 10), kind="start"),  # noqa: DTZ001
            "naive datetime",
        ),
        (lambda: rk.Event("", "bay-1", at, kind="start"), "account must be a non-empty string"),
        (lambda: rk.Event("city", "", at, kind="start"), "resource must be a non-empty string"),
        (
            lambda: rk.Event("city", "bay-1", at, kind="start", id=""),
            "id must be a non-empty string",
        ),
        (lambda: rk.Event("city", "bay-1", at, kind="park"), "'start', 'update', 'stop', 'delete'"),
        (
            lambda: rk.Event("city", "bay-1", at, {"vehicle": float("nan")}, kind="start"),
            "attribute 'vehicle'",
        ),
        (
            lambda: rk.Sample("city", "ch-1", "kwh", at, -5, kind="counter", id="neg"),
            "never negative",
        ),
        (lambda: rk.Tier(5, "0.50", block=0), "block must be greater than 0"),
        (lambda: rk.windows.daily("24:00", "08:00", tz=BERLIN), "not a time of day"),
        (lambda: rk.windows.daily("20:00", "20:00", tz=BERLIN), "has no length"),
        (lambda: rk.cycles.daily(tz="Berlin"), "not a known IANA timezone"),
        (lambda: rk.Allowance("parking", -2), "must not be negative"),
        (lambda: rk.PriceEntry("p", "parking", rk.PerUnit(1), group_by=""), "group_by must be"),
    ]
    for make, words in cases:
        with pytest.raises(rk.RatekitError) as caught:
            make()
        assert words in str(caught.value)


def test_a_stream_refuses_what_it_cannot_bill() -> None:
    """Unknown meters, unassigned accounts, a rewritten id, going back in time."""
    span = local_day("2026-03-10")
    with pytest.raises(rk.UnknownMeterError, match="meter 'water' is not one of the meters given"):
        rk.rate(
            [rk.Sample("city", "ch-1", "water", "2026-03-10T10:00:00Z", 1, id="w")],
            STREET,
            span=span,
            meters=METERS,
        )
    twice = [
        rk.Sample("city", "ch-1", "kwh", "2026-03-10T10:00:00Z", 1, kind="counter", id="x"),
        rk.Sample("city", "ch-1", "kwh", "2026-03-10T10:00:00Z", 2, kind="counter", id="x"),
    ]
    with pytest.raises(rk.ConflictingRecordError, match="share the id 'x'"):
        rk.rate(twice, STREET, span=span, meters=METERS)
    rater = rk.Rater([rk.Assignment("city", STREET)], METERS, start=span.start, tz=BERLIN)
    assert rater.feed(twice).conflicting == ("x",)
    with pytest.raises(
        rk.UnpricedUsageError, match="account 'bob', which no assignment of this rater names"
    ):
        rater.feed([rk.Event("bob", "bay-1", "2026-03-10T10:00:00Z", kind="start", id="b")])
    rater.statement("2026-03-10T12:00:00Z")
    with pytest.raises(rk.BadTimeError, match="watermarks only move forward"):
        rater.statement("2026-03-10T11:00:00Z")
    with pytest.raises(rk.BadTimeError, match="has no UTC offset"):
        rater.statement("2026-03-10T13:00:00")


def test_fall_back_hour_read_with_fold() -> None:
    """02:30 on 25 October happens twice in Berlin; fold picks the instant, as PEP 495 says."""
    berlin = zoneinfo.ZoneInfo(BERLIN)
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=berlin)
    assert rk.Event("city", "bay-1", first, kind="start").at == dt.datetime(
        2026, 10, 25, 0, 30, tzinfo=dt.UTC
    )
    assert rk.Event("city", "bay-1", first.replace(fold=1), kind="start").at == dt.datetime(
        2026, 10, 25, 1, 30, tzinfo=dt.UTC
    )


def test_an_altered_snapshot_is_refused() -> None:
    """Any leaf of a snapshot changed is a BadSnapshotError, never another exception."""
    rater = rk.Rater(STREET, METERS, start=SPAN.start, tz=BERLIN)
    rater.feed(draw_stream(random.Random(3), 2))
    rater.statement("2026-03-28T00:00:00Z")
    saved = json.loads(json.dumps(rater.snapshot()))

    def leaves(node: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        if isinstance(node, dict):
            return [p for k, v in node.items() for p in leaves(v, (*path, k))]
        if isinstance(node, list):
            return [p for i, v in enumerate(node) for p in leaves(v, (*path, i))]
        return [path]

    for path in leaves(saved):
        altered = copy.deepcopy(saved)
        holder = altered
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = "x" if holder[path[-1]] != "x" else None
        with pytest.raises(rk.BadSnapshotError):
            rk.Rater.restore(altered, STREET, METERS)


# -- faults ---------------------------------------------------------------------------


def test_a_misspelt_meter_in_a_price_entry_is_named() -> None:
    """A price entry for 'parkin' (a typo of 'parking'): the error points at the typo."""
    typo = rk.Plan("p", "EUR", DAYS, [rk.PriceEntry("p", "parkin", rk.PerUnit(1))])
    stay = session("bay-1", "V", "2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z", "s")
    with pytest.raises(rk.RatekitError, match="parkin'"):
        rk.rate(stay, typo, span=local_day("2026-03-10"), meters=METERS)


def test_a_night_window_without_a_timezone_is_refused_as_a_cycle_is() -> None:
    """Nights from 20:00 to 08:00 with no zone: which 20:00? The refusal says so."""
    with pytest.raises(rk.RatekitTypeError, match="needs tz"):
        rk.windows.daily("20:00", "08:00")  # type: ignore[call-arg]
