"""Time quantities billed at the time used, tried as a demanding user would try them.

docs/usage.md, "Rows are slices; bills price the time used": a time meter's rows are
slices ``F(b) - F(a)`` rounded at 1e-24, and rating and billing price the exact time
they stand for. Here the runs start and stop on odd microseconds, levels are read in
other units (MiB on a ``GiB*hour`` meter, MB on a ``GB*hour`` one, MB on ``MB*ns``),
prices are stated per another unit, prices and plans change inside a run, cycles are
cut in Lord Howe, Apia and Kathmandu, and the streaming rater is fed in pieces with
statements and JSON restores between. The oracle is always brute force: the exact time
as a `fractions.Fraction` of the microseconds run, priced by the documented rule of the
price, rounded once per line with the plan's mode (`tests._money_oracle.round_on`).
"""

from __future__ import annotations

import decimal
import json
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._money_oracle import round_on
from tests._rounding import MODES

import ratekit as rk
from ratekit._time_exact import _places, time_unit_us

from ._ticks import stretches_of

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
#: 2 March 2026, 00:00 UTC: the runs below are placed in microseconds after it.
DAY = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z").start_us
MINUTE = 60_000_000
CENT = Fraction(1, 100)

#: A time meter: its unit, the unit its level is read in (None: the meter's), how many of
#: the meter's level units one read unit is, and the microseconds in its unit of time.
METERS: dict[str, tuple[str, str | None, Fraction, Fraction]] = {
    "hours": ("hour", None, Fraction(1), Fraction(3_600_000_000)),
    "minutes": ("minute", None, Fraction(1), Fraction(60_000_000)),
    "days": ("day", None, Fraction(1), Fraction(86_400_000_000)),
    "MiB into GiB*hour": ("GiB*hour", "MiB", Fraction(1, 1024), Fraction(3_600_000_000)),
    "MB into GB*hour": ("GB*hour", "MB", Fraction(1, 1000), Fraction(3_600_000_000)),
    "MB*ns": ("MB*ns", "MB", Fraction(1), Fraction(1, 1000)),
    "GB*minute": ("GB*minute", None, Fraction(1), Fraction(60_000_000)),
}

#: Per meter unit: a unit a price may be stated in, and how many of it one meter unit is.
PRICE_UNITS: dict[str, tuple[tuple[str | None, Fraction], ...]] = {
    "hour": ((None, Fraction(1)), ("minute", Fraction(60)), ("s", Fraction(3600))),
    "minute": ((None, Fraction(1)), ("hour", Fraction(1, 60)), ("s", Fraction(60))),
    "day": ((None, Fraction(1)), ("hour", Fraction(24)), ("minute", Fraction(1440))),
    "GiB*hour": ((None, Fraction(1)), ("MiB*minute", Fraction(1024 * 60))),
    "GB*hour": ((None, Fraction(1)), ("MB*minute", Fraction(60_000)), ("kB*hour", Fraction(10**6))),
    "MB*ns": ((None, Fraction(1)), ("MB*us", Fraction(1, 1000))),
    "GB*minute": ((None, Fraction(1)), ("GB*hour", Fraction(1, 60)), ("MB*s", Fraction(60_000))),
}


def _instant(us: int) -> str:
    return rk.Span.from_us(us, us).start.isoformat().replace("+00:00", "Z")


def _meter(name: str) -> rk.Meter:
    unit, read_in, _, _ = METERS[name]
    if name in {"hours", "minutes", "days"}:
        return rk.Meter("vm", unit, rk.OnOff())
    return rk.Meter("vm", unit, rk.Continuous("level", unit=read_in))


def _events(runs: list[tuple[int, int]], level: Decimal | None) -> list[rk.Event]:
    """vm-1 of acme running over each ``[start, stop)`` (µs) with ``level``, if any."""
    attributes = {} if level is None else {"level": level}
    events: list[rk.Event] = []
    for index, (start, stop) in enumerate(runs):
        events.append(
            rk.Event("acme", "vm-1", _instant(start), attributes, kind="start", id=f"s{index}")
        )
        events.append(rk.Event("acme", "vm-1", _instant(stop), kind="stop", id=f"t{index}"))
    return events


def _decimal(value: Fraction) -> Decimal:
    """A fraction whose decimal expansion ends, as that Decimal, to every digit."""
    with decimal.localcontext(decimal.Context(prec=200)):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    assert Fraction(exact) == value
    return exact


def _terminates(value: Fraction) -> bool:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _places_of(value: Fraction) -> int:
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    return places


def _bill(records: list[rk.Event], plan: rk.Plan, meter: rk.Meter) -> Decimal:
    invoices = rk.bill(rk.rate(records, plan, span=MARCH, meters=[meter]))
    return sum((invoice.total for invoice in invoices), Decimal(0))


def _streamed(
    records: list[rk.Event], plan: rk.Plan, meter: rk.Meter, cut: int, at: int
) -> Decimal:
    """The March invoice of a rater fed ``records[:cut]``, stated at ``at`` µs, restored
    through JSON, then fed the rest and stated at the end of March."""
    rater = rk.Rater(plan, [meter], start=MARCH.start)
    rater.feed(records[:cut])
    rater.statement(_instant(at))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [meter])
    rater.feed(records[cut:])
    invoices = rater.statement(MARCH.end).invoices
    return sum((invoice.total for invoice in invoices), Decimal(0))


@st.composite
def _usage_on_a_bound(
    draw: st.DrawFn,
) -> tuple[str, Decimal | None, list[tuple[int, int]], Fraction]:
    """Runs apart on odd microseconds whose exact quantity ends as a decimal.

    Returns the meter's name, the level read (None for an on/off meter), the runs and
    the exact quantity in the meter's unit. The level has no more places, in the
    meter's unit, than the shortest run recovers (docs/usage.md: 8 for a row of one µs in
    hours, 14 of a second, 17 of an hour), so the docs promise its exact time.
    """
    name = draw(st.sampled_from(sorted(METERS)))
    unit, _, factor, per = METERS[name]
    if name in {"hours", "minutes", "days"}:
        level = None
        read = Fraction(1)
    else:
        level = Decimal(draw(st.integers(1, 10**6))).scaleb(-draw(st.integers(0, 4)))
        read = Fraction(level) * factor
    # 27 µs divides every unit of time here into a decimal: the total time ends
    total = 27 * draw(st.integers(100_000 // 27, 36_000_000_000 // 27))
    count = draw(st.integers(1, 4))
    cuts = sorted(set(draw(st.lists(st.integers(1, total - 1), max_size=count - 1))))
    lengths = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    gaps = draw(
        st.lists(st.integers(1, 4 * 3_600_000_000), min_size=len(lengths), max_size=len(lengths))
    )
    runs, at = [], DAY + draw(st.integers(0, 3_600_000_000))
    for length, gap in zip(lengths, gaps, strict=True):
        runs.append((at, at + length))
        at += length + gap
    recovered = _places(time_unit_us(unit) or (1, 1), min(lengths))
    assume(_places_of(read) <= recovered)
    return name, level, runs, read * total / per


@pytest.mark.property
@settings(max_examples=max(LAWS // 5, FLOOR))
# MiB into GiB*hour: 1024 MiB over 3 x 20 min is 1 GiB*hour, one package
@example(
    drawn=(
        "MiB into GiB*hour",
        Decimal(1024),
        [
            (DAY + 500 * MINUTE, DAY + 520 * MINUTE),
            (DAY + 560 * MINUTE, DAY + 580 * MINUTE),
            (DAY + 620 * MINUTE, DAY + 640 * MINUTE),
        ],
        Fraction(1),
    ),
    case="package",
    mode="ROUND_HALF_EVEN",
    price_unit=0,
    streamed=True,
)
@given(
    drawn=_usage_on_a_bound(),
    case=st.sampled_from(["package", "allowance", "volume", "graduated", "minimum"]),
    mode=st.sampled_from(MODES),
    price_unit=st.integers(0, 2),
    streamed=st.booleans(),
)
def test_usage_on_a_price_bound_bills_its_exact_time(
    drawn: tuple[str, Decimal | None, list[tuple[int, int]], Fraction],
    case: str,
    mode: str,
    price_unit: int,
    streamed: bool,
) -> None:
    # The bound is the exact quantity Q itself, in the price's unit: a package of Q is one
    # package (10.00), an allowance of Q leaves nothing to pay, a volume tier up to Q
    # prices all of it at 10, a graduated tier up to Q at 0 then a flat fee of 5 beyond
    # (0.00), a minimum of 1 against Q at 1.00 a unit. The slices, a few 1e-24 off Q,
    # would start a second package, leave 1e-24 to pay, or cross the bound.
    name, level, runs, exact = drawn
    meter = _meter(name)
    choices = PRICE_UNITS[meter.unit]
    unit, per_unit = choices[price_unit % len(choices)]
    priced = exact * per_unit
    assume(_terminates(priced))
    bound = _decimal(priced)
    allowances: list[rk.Allowance] = []
    minimums: list[rk.Minimum] = []
    price: rk.PriceModel
    if case == "package":
        price, expected = rk.Package(bound, 10), Fraction(10)
    elif case == "allowance":  # in the meter's unit
        price, expected = rk.Package(bound, 10), Fraction(0)
        allowances = [rk.Allowance("vm", _decimal(exact))]
    elif case == "volume":
        price, expected = rk.Volume([rk.Tier(bound, 10), rk.Tier(None, 1)]), priced * 10
    elif case == "graduated":
        price, expected = rk.Graduated([rk.Tier(bound, 0), rk.Tier(None, 1, flat=5)]), Fraction(0)
    else:
        price, expected = rk.PerUnit(1), max(priced, Fraction(1))
        minimums = [rk.Minimum(1)]
    entry = rk.PriceEntry("vm", "vm", price, unit=unit)
    plan = rk.Plan(
        "p", "EUR", MONTHS, [entry], allowances=allowances, minimums=minimums, rounding=mode
    )
    records = _events(runs, level)
    expected = round_on(expected, CENT, mode)
    if streamed:
        total = _streamed(records, plan, meter, len(records) // 2, runs[0][1])
    else:
        total = _bill(records, plan, meter)
    assert Fraction(total) == expected


@pytest.mark.property
@settings(max_examples=max(LAWS // 5, FLOOR))
@example(offset=1, lengths=[1, 1, 1], level=1, mode="ROUND_UP", name="MiB into GiB*hour", rate=3)
@given(
    offset=st.integers(0, 3_600_000_000),
    lengths=st.lists(st.integers(1, 180), min_size=1, max_size=4),
    level=st.integers(1, 4096),
    mode=st.sampled_from(MODES),
    name=st.sampled_from(["hours", "MB into GB*hour", "MiB into GiB*hour", "GB*minute"]),
    rate=st.sampled_from([3, 6, 30]),
)
def test_runs_of_whole_minutes_from_an_odd_microsecond_bill_exact_cents(
    *, offset: int, lengths: list[int], level: int, mode: str, name: str, rate: int
) -> None:
    # Runs of whole multiples of 20 minutes, starting on odd microseconds: at 3.00 (or
    # 6.00, 30.00) per unit, level x 20 min x 3.00 / hour is level x 1.00, so every line's
    # exact amount is on a cent (GB*minute: 20 x level x 3 = 60 x level; MiB: level /
    # 1024 x 3 x n / 3). No rounding mode may move it; the slices, 1e-24s off, would
    # (ROUND_UP and ROUND_CEILING a cent up, ROUND_DOWN and ROUND_FLOOR one down).
    meter = _meter(name)
    _, _, factor, per = METERS[name]
    on_off = name == "hours"
    read = Fraction(1) if on_off else Fraction(level) * factor
    runs, at = [], DAY + offset
    for length in lengths:
        runs.append((at, at + length * 20 * MINUTE))
        at += length * 20 * MINUTE + 7 * MINUTE + 13
    exact = read * sum(b - a for a, b in runs) / per * rate
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit(rate))], rounding=mode)
    total = _bill(_events(runs, None if on_off else Decimal(level)), plan, meter)
    assert Fraction(total) == round_on(exact, CENT, mode)


@pytest.mark.property
@settings(max_examples=max(LAWS // 10, FLOOR))
@example(
    runs=[(500, 520), (560, 580), (620, 652)],
    cut=625 * MINUTE + 1,
    rates=(6, 6),
    mode="ROUND_UP",
    plans=True,
    streamed=False,
)
@given(
    runs=st.lists(st.tuples(st.integers(0, 1_400), st.integers(1, 40)), min_size=1, max_size=3).map(
        lambda drawn: [
            (start, start + length)
            for start, length in sorted({s: (s, n) for s, n in drawn}.values())
        ]
    ),
    cut=st.integers(0, 1_440 * MINUTE),
    rates=st.tuples(
        st.sampled_from([3, 6, "0.15", "93.342"]), st.sampled_from([3, 6, "0.15", "12"])
    ),
    mode=st.sampled_from(MODES),
    plans=st.booleans(),
    streamed=st.booleans(),
)
def test_a_price_or_plan_changed_inside_a_run_bills_each_part_exactly(
    *,
    runs: list[tuple[int, int]],
    cut: int,
    rates: tuple[object, object],
    mode: str,
    plans: bool,
    streamed: bool,
) -> None:
    # Runs on whole minutes of 2 March; a price (or the account's plan) changes at a
    # microsecond ``cut`` of the day, inside a run or not. Each entry's line is its exact
    # time before (after) the cut times its price, rounded once with the plan's mode.
    merged: list[tuple[int, int]] = []
    for start, stop in runs:  # runs that overlap are one run
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    spans = [(DAY + a * MINUTE, DAY + b * MINUTE) for a, b in merged]
    change = DAY + cut
    first, second = (Decimal(str(rate)) for rate in rates)
    before = sum((Fraction(min(b, change) - a) for a, b in spans if a < change), Fraction(0))
    after = sum((Fraction(b - max(a, change)) for a, b in spans if b > change), Fraction(0))
    hour = 3_600_000_000
    expected = round_on(before / hour * Fraction(first), CENT, mode) + round_on(
        after / hour * Fraction(second), CENT, mode
    )
    meter = _meter("hours")
    records = _events(spans, None)
    if plans:
        old = rk.Plan(
            "old", "EUR", MONTHS, [rk.PriceEntry("a", "vm", rk.PerUnit(first))], rounding=mode
        )
        new = rk.Plan(
            "new", "EUR", MONTHS, [rk.PriceEntry("b", "vm", rk.PerUnit(second))], rounding=mode
        )
        at = _instant(change)
        assigned: rk.Plan | list[rk.Assignment] = [
            rk.Assignment("acme", old, end=at),
            rk.Assignment("acme", new, start=at),
        ]
    else:
        entries = [
            rk.PriceEntry("a", "vm", rk.PerUnit(first), end=_instant(change)),
            rk.PriceEntry("b", "vm", rk.PerUnit(second), start=_instant(change)),
        ]
        assigned = rk.Plan("p", "EUR", MONTHS, entries, rounding=mode)
    if streamed:
        rater = rk.Rater(assigned, [meter], start=MARCH.start)
        rater.feed(records[::2])
        rater.statement(_instant(change))
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, [meter])
        rater.feed(records[1::2])
        total = sum((invoice.total for invoice in rater.statement(MARCH.end).invoices), Decimal(0))
    else:
        invoices = rk.bill(rk.rate(records, assigned, span=MARCH, meters=[meter]))
        total = sum((invoice.total for invoice in invoices), Decimal(0))
    assert Fraction(total) == expected


#: Zones whose days are not 24 hours, with a week around the change.
ZONES = (
    ("Australia/Lord_Howe", "2026-04-03T00:00:00Z"),  # 02:00 back to 01:30 on 5 April
    ("Australia/Lord_Howe", "2026-10-02T00:00:00Z"),  # 02:00 on to 02:30 on 4 October
    ("Pacific/Apia", "2011-12-28T00:00:00Z"),  # 30 December 2011 was skipped
    ("Asia/Kathmandu", "2026-03-02T00:00:00Z"),  # UTC+05:45
)


@pytest.mark.property
@settings(max_examples=max(LAWS // 10, FLOOR))
@example(zone=0, daily=True, runs=[(1_206, 20), (2_486, 20)], kind="package", mode="ROUND_UP")
@given(
    zone=st.integers(0, len(ZONES) - 1),
    daily=st.booleans(),
    runs=st.lists(
        st.tuples(st.integers(0, 7_000), st.sampled_from([10, 20, 40, 47, 130])),
        min_size=1,
        max_size=5,
    ),
    kind=st.sampled_from(["per unit", "package", "allowance"]),
    mode=st.sampled_from(MODES),
)
def test_cycles_of_odd_zones_bill_the_exact_time_of_each_cycle(
    zone: int, daily: bool, runs: list[tuple[int, int]], kind: str, mode: str
) -> None:
    # Runs on whole minutes of a week around a zone's odd day; each cycle's invoice is
    # the exact time run within it, priced per the model (3.00 an hour: any whole minute
    # count is a multiple of 0.05; a package of half an hour at 10.00; 3.00 an hour past
    # a free half hour per cycle), rounded once. Cycle bounds as the cycle places them.
    tz, start = ZONES[zone]
    cycle = rk.cycles.daily(tz=tz) if daily else rk.cycles.monthly(tz=tz)
    base = rk.Span(start, start).start_us
    stretches: set[int] = set()
    for begin, length in runs:
        stretches.update(range(begin, begin + length))
    minutes = sorted(stretches)
    spans: list[tuple[int, int]] = []
    for minute in minutes:  # the minutes run, as runs
        if spans and spans[-1][1] == minute:
            spans[-1] = (spans[-1][0], minute + 1)
        else:
            spans.append((minute, minute + 1))
    week = rk.Span.from_us(base, base + 7_200 * MINUTE)
    whole = cycle.spans(week)
    span = rk.Span(whole[0].start, whole[-1].end)
    allowances = [rk.Allowance("vm", "0.5")] if kind == "allowance" else []
    price = rk.Package("0.5", 10) if kind == "package" else rk.PerUnit(3)
    plan = rk.Plan(
        "p", "EUR", cycle, [rk.PriceEntry("vm", "vm", price)], allowances=allowances, rounding=mode
    )
    records = _events([(base + a * MINUTE, base + b * MINUTE) for a, b in spans], None)
    invoices = rk.bill(rk.rate(records, plan, span=span, meters=[_meter("hours")]))
    billed = {invoice.cycle.start_us: invoice.total for invoice in invoices}
    for each in whole:
        lo, hi = (each.start_us - base) / MINUTE, (each.end_us - base) / MINUTE
        used = sum(
            (
                max(Fraction(0), min(Fraction(b), Fraction(hi)) - max(Fraction(a), Fraction(lo)))
                for a, b in spans
            ),
            Fraction(0),
        )
        hours = used / 60
        if kind == "package":
            exact = Fraction(math.ceil(hours * 2)) * 10
        elif kind == "allowance":
            exact = max(hours - Fraction(1, 2), Fraction(0)) * 3
        else:
            exact = hours * 3
        assert Fraction(billed.get(each.start_us, Decimal(0))) == round_on(exact, CENT, mode), each


def _minutes(*runs: tuple[int, int]) -> list[tuple[int, int]]:
    """Runs given in minutes after midnight of 2 March, as microseconds."""
    return [(DAY + start * MINUTE, DAY + stop * MINUTE) for start, stop in runs]


#: 08:20-08:40, 09:20-09:40, 10:20-10:40: exactly one hour, metered as three slices of
#: 0.333333333333333333333334 hour (1.000000000000000000000002 in all).
THREE_THIRDS = _events(_minutes((500, 520), (560, 580), (620, 640)), None)
#: 08:00-08:20: exactly a third of an hour, metered 0.333333333333333333333333.
ONE_THIRD = _events(_minutes((480, 500)), None)


def _plan(price: rk.PriceModel, rounding: str = "ROUND_HALF_EVEN", **terms: object) -> rk.Plan:
    return rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", price)], rounding=rounding, **terms
    )


def test_a_callers_context_of_three_digits_with_traps_changes_no_bill() -> None:
    # The caller's context holds 3 digits and traps Inexact and Rounded: ratekit computes
    # in its own. One hour in three runs is one Package(1 hour, 10.00), in batch and
    # through a rater restored from JSON; 20 min at 3.00 an hour under ROUND_DOWN is 1.00.
    traps = [decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.DivisionByZero]
    meter = _meter("hours")
    package = _plan(rk.Package(1, 10))
    down = _plan(rk.PerUnit(3), "ROUND_DOWN")
    with decimal.localcontext(decimal.Context(prec=3, traps=traps)):
        batch = rk.bill(rk.rate(THREE_THIRDS, package, span=MARCH, meters=[meter]))
        rater = rk.Rater(package, [meter], start=MARCH.start)
        rater.feed(THREE_THIRDS[:3])
        rater.statement("2026-03-02T09:00:00Z")
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), package, [meter])
        rater.feed(THREE_THIRDS[3:])
        streamed = rater.statement(MARCH.end).invoices
        third = rk.bill(rk.rate(ONE_THIRD, down, span=MARCH, meters=[meter]))
    assert [invoice.total for invoice in (*batch, *streamed)] == [Decimal("10.00")] * 2
    assert [invoice.total for invoice in third] == [Decimal("1.00")]


def test_a_shared_hour_in_three_runs_rounded_up_splits_three() -> None:
    # 3 x 20 min at 3.00 an hour, ROUND_UP: the whole is exactly 3.00 (the slices',
    # 3.000000000000000000000006, would round up to 3.01), split 1:2 as 1.00 and 2.00.
    plan = _plan(rk.PerUnit(3), "ROUND_UP")
    share = rk.Share("acme", "vm-1", {"acme": 1, "beta": 2})
    rating = rk.rate(THREE_THIRDS, plan, span=MARCH, meters=[_meter("hours")], shares=[share])
    totals = [(invoice.account, invoice.total) for invoice in rk.bill(rating)]
    assert totals == [("acme", Decimal("1.00")), ("beta", Decimal("2.00"))]


def test_an_owners_part_of_twenty_minutes_meets_its_minimum_exactly() -> None:
    # 08:00-08:20 at 6.00 an hour is exactly 2.00, shared in halves: the owner's part,
    # 1.00, meets its Minimum(1) (no top-up), under ROUND_UP as under half-even. (Its
    # slice, 0.333333333333333333333333 hour, is 1.999999999999999999999998: a part
    # 1e-24 short of the minimum would be topped up by 0.01 rounded up.)
    for rounding in ("ROUND_UP", "ROUND_HALF_EVEN"):
        plan = _plan(rk.PerUnit(6), rounding, minimums=[rk.Minimum(1)])
        share = rk.Share("acme", "vm-1", {"acme": 1, "beta": 1})
        rating = rk.rate(ONE_THIRD, plan, span=MARCH, meters=[_meter("hours")], shares=[share])
        assert [invoice.total for invoice in rk.bill(rating)] == [Decimal("1.00")] * 2


def test_a_plan_changed_a_microsecond_after_a_quarter_past_bills_each_part_rounded_up() -> None:
    # 08:20-08:40, 09:20-09:40, 10:20-10:52 (72 min) at 3.00 an hour under two plans,
    # changed at 10:25:00.000001. The old plan: 40 min + 5 min + 1 µs = 0.75 h + 1/3.6e9 h,
    # 2.25 + 3/3.6e9 = 2.2500000008333..., 2.26 rounded up; the new: 27 min - 1 µs =
    # 0.45 h - 1/3.6e9 h, 1.35 - 0.00000000083..., 1.35 rounded up: 3.61.
    records = _events(_minutes((500, 520), (560, 580), (620, 652)), None)
    old = rk.Plan(
        "old", "EUR", MONTHS, [rk.PriceEntry("a", "vm", rk.PerUnit(3))], rounding="ROUND_UP"
    )
    new = rk.Plan(
        "new", "EUR", MONTHS, [rk.PriceEntry("b", "vm", rk.PerUnit(3))], rounding="ROUND_UP"
    )
    change = "2026-03-02T10:25:00.000001Z"
    assignments = [rk.Assignment("acme", old, end=change), rk.Assignment("acme", new, start=change)]
    (invoice,) = rk.bill(rk.rate(records, assignments, span=MARCH, meters=[_meter("hours")]))
    assert [line.amount for line in invoice.lines] == [Decimal("2.26"), Decimal("1.35")]
    assert invoice.total == Decimal("3.61")


def test_usage_before_a_span_takes_its_exact_time_from_the_allowance() -> None:
    # A free hour a month; the span starts at 10:00, after two of the three runs: they
    # took 2/3 h of the free hour before the span, the third run takes the last 1/3 h.
    # Nothing to pay, Package(1 hour, 10.00) or 3.00 an hour rounded up (the slices
    # would leave 2e-24 hour: 10.00, or 0.01).
    span = rk.Span("2026-03-02T10:00:00Z", MARCH.end)
    free = [rk.Allowance("vm", 1)]
    for plan in (
        _plan(rk.Package(1, 10), allowances=free),
        _plan(rk.PerUnit(3), "ROUND_UP", allowances=free),
    ):
        (invoice,) = rk.bill(rk.rate(THREE_THIRDS, plan, span=span, meters=[_meter("hours")]))
        assert invoice.total == Decimal("0.00")


def test_charges_stored_as_rows_and_read_back_bill_the_exact_time() -> None:
    # 08:00-08:20 at 3.00 an hour, ROUND_DOWN: 1.00. Its charge through to_row, json and
    # from_row keeps its usage row, so billing the charges read back still prices the
    # exact third of an hour (its slice would bill 0.99); the invoice read back is equal.
    plan = _plan(rk.PerUnit(3), "ROUND_DOWN")
    rating = rk.rate(ONE_THIRD, plan, span=MARCH, meters=[_meter("hours")])
    back = [rk.from_row(rk.Charge, json.loads(json.dumps(rk.to_row(c)))) for c in rating.charges]
    (invoice,) = rk.bill(rating)
    assert rk.bill(back)[0].total == invoice.total == Decimal("1.00")
    assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice


def _metered_in_two_calls(clock: str) -> list[rk.UsageRow]:
    """The three runs metered by two calls: the first up to ``clock`` knows the first
    START only (the VM runs on to the clock), the second gets the rest with its state:
    the rest before the clock is late (`Usage.late`)."""
    meter = [_meter("hours")]
    first = rk.meter(
        THREE_THIRDS[:1], meter, span=rk.Span(MARCH.start, clock), cycle=MONTHS, as_of=clock
    )
    rest = rk.Span(clock, MARCH.end)
    second = rk.meter(
        THREE_THIRDS[1:], meter, span=rest, cycle=MONTHS, as_of=MARCH.end, state=first.state
    )
    return [*first.rows, *second.rows, *second.late]


def test_a_late_stop_of_one_stretch_bills_the_exact_time() -> None:
    # Metered to 09:00 with the START of 08:20 only: a row 08:20-09:00 of
    # 9 - 8.333333333333333333333333 = 0.666666666666666666666667 h. Then the STOP of
    # 08:40 is late: one late row over 08:40-09:00 of -0.333333333333333333333333 h, a
    # single stretch, whose exact time (-1/3 h) rating recovers; the two runs after 09:00
    # are rows of their own. 1/3 + 1/3 + 1/3 = 1 hour: one Package(1 hour, 10.00), and
    # 3.00 at 3.00 an hour rounded up.
    rows = _metered_in_two_calls("2026-03-02T09:00:00Z")
    assert [row.quantity for row in rows][-1] == Decimal("-0.333333333333333333333333")
    for plan, billed in (
        (_plan(rk.Package(1, 10)), "10.00"),
        (_plan(rk.PerUnit(3), "ROUND_UP"), "3.00"),
    ):
        (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
        assert invoice.total == Decimal(billed)


def test_late_records_that_cut_a_stretch_in_three_bill_the_exact_time() -> None:
    # Metered to 11:00 with the START of 08:20 only: 08:20-11:00 is one row of
    # 11 - 8.333333333333333333333333 = 2.666666666666666666666667 h. The other five
    # records are late: the VM stopped at 08:40, 09:40 and 10:40 and ran again from
    # 09:20 and 10:20, so 08:40-09:20, 09:40-10:20 and 10:40-11:00 are taken back, a late
    # row each: -(9.333333333333333333333333 - 8.666666666666666666666667) =
    # -0.666666666666666666666666, the same, and -(11 - 10.666666666666666666666667) =
    # -0.333333333333333333333333 h, each the slice of one stretch, whose exact time
    # (-2/3, -2/3, -1/3 h) rating recovers. They add up to 1.000000000000000000000002 h
    # with the first row, as metering at once does; billed, 2 2/3 - 5/3 = 1 hour is one
    # Package(1 hour, 10.00), and 3.00 at 3.00 an hour rounded up. (One late row of
    # -1.666666666666666666666665 h over 08:40-11:00, the slices summed, is no slice of
    # one stretch: it was priced as it is, 20.00 and 3.01.)
    rows = _metered_in_two_calls("2026-03-02T11:00:00Z")
    late = [(row.span, row.quantity) for row in rows[1:]]
    assert late == [
        (
            rk.Span("2026-03-02T08:40:00Z", "2026-03-02T09:20:00Z"),
            Decimal("-0.666666666666666666666666"),
        ),
        (
            rk.Span("2026-03-02T09:40:00Z", "2026-03-02T10:20:00Z"),
            Decimal("-0.666666666666666666666666"),
        ),
        (
            rk.Span("2026-03-02T10:40:00Z", "2026-03-02T11:00:00Z"),
            Decimal("-0.333333333333333333333333"),
        ),
    ]
    assert sum(row.quantity for row in rows) == Decimal("1.000000000000000000000002")
    totals = [
        rk.bill(rk.rate(rows, plan, span=MARCH))[0].total
        for plan in (_plan(rk.Package(1, 10)), _plan(rk.PerUnit(3), "ROUND_UP"))
    ]
    assert totals == [Decimal("10.00"), Decimal("3.00")]


def test_a_late_stop_and_start_take_back_the_stretch_between() -> None:
    # Metered to 11:00 with the START of 08:20 only (2.666666666666666666666667 h); then
    # a STOP of 08:40 and a START of 09:20 come late, with a STOP of 12:00: 08:40-09:20
    # is taken back, one late row over that stretch of -(9.333333333333333333333333 -
    # 8.666666666666666666666667) = -0.666666666666666666666666 h (over 08:40-11:00 it
    # was no slice of its span, and priced as it is), and 11:00-12:00 is 1 h. 2 2/3 -
    # 2/3 + 1 = 3 hours: at 3.00 an hour rounded up, 9.00 (the slices'
    # 3.000000000000000000000001 h, 9.01).
    meter = [_meter("hours")]
    clock = "2026-03-02T11:00:00Z"
    first = rk.meter(
        THREE_THIRDS[:1], meter, span=rk.Span(MARCH.start, clock), cycle=MONTHS, as_of=clock
    )
    late = [
        *THREE_THIRDS[1:3],
        rk.Event("acme", "vm-1", "2026-03-02T12:00:00Z", kind="stop", id="t9"),
    ]
    second = rk.meter(
        late,
        meter,
        span=rk.Span(clock, MARCH.end),
        cycle=MONTHS,
        as_of=MARCH.end,
        state=first.state,
    )
    assert [(row.span, row.quantity) for row in second.late] == [
        (
            rk.Span("2026-03-02T08:40:00Z", "2026-03-02T09:20:00Z"),
            Decimal("-0.666666666666666666666666"),
        )
    ]
    rows = [*first.rows, *second.rows, *second.late]
    assert sum(row.quantity for row in rows) == Decimal("3.000000000000000000000001")
    (invoice,) = rk.bill(rk.rate(rows, _plan(rk.PerUnit(3), "ROUND_UP"), span=MARCH))
    assert invoice.total == Decimal("9.00")


def test_a_late_stop_and_start_across_a_price_change_bill_each_price_its_hours() -> None:
    # 1.00 an hour until noon, 10.00 from then on. Metered to 18:00 knowing the START of
    # 06:00 only: a row 06:00-18:00 of 12 h. Then a STOP of 10:00 and a START of 15:00
    # come late, with a STOP of 20:00: the late row takes back 10:00-15:00, -5 h over
    # that stretch, 2 h before noon and 3 h after; 18:00-20:00 is 2 h. Line a: 12 - 8 =
    # 06:00-10:00, 4 h x 1.00 = 4.00; line b: 12:00-18:00 less
    # 12:00-15:00, plus 18:00-20:00 = 6 - 3 + 2 = 5 h, 50.00: 54.00, as metering at once.
    # (The late row over 10:00-18:00, -5 h cut at noon in proportion to its 8 hours, took
    # back 1.25 h at 1.00 and 3.75 h at 10.00: 4.75 + 42.50 = 47.25.)
    meter = [_meter("hours")]

    def event(clock: str, kind: str, name: str) -> rk.Event:
        return rk.Event("acme", "vm-1", f"2026-03-02T{clock}:00Z", kind=kind, id=name)

    clock = "2026-03-02T18:00:00Z"
    head = rk.meter(
        [event("06:00", "start", "a")],
        meter,
        span=rk.Span(MARCH.start, clock),
        cycle=MONTHS,
        as_of=clock,
    )
    late = [event("10:00", "stop", "b"), event("15:00", "start", "c"), event("20:00", "stop", "d")]
    tail = rk.meter(
        late, meter, span=rk.Span(clock, MARCH.end), cycle=MONTHS, as_of=MARCH.end, state=head.state
    )
    assert [(row.span, row.quantity) for row in tail.late] == [
        (rk.Span("2026-03-02T10:00:00Z", "2026-03-02T15:00:00Z"), Decimal(-5))
    ]
    noon = "2026-03-02T12:00:00Z"
    entries = [
        rk.PriceEntry("a", "vm", rk.PerUnit(1), end=noon),
        rk.PriceEntry("b", "vm", rk.PerUnit(10), start=noon),
    ]
    plan = rk.Plan("p", "EUR", MONTHS, entries)
    (invoice,) = rk.bill(rk.rate([*head.rows, *tail.rows, *tail.late], plan, span=MARCH))
    assert [(line.quantity, line.amount) for line in invoice.lines] == [
        (Decimal(4), Decimal("4.00")),
        (Decimal(5), Decimal("50.00")),
    ]
    assert invoice.total == Decimal("54.00")


@pytest.mark.property
@settings(max_examples=max(LAWS // 5, FLOOR))
@example(
    runs=[(500, 20), (560, 20), (620, 20)],
    clock=660,
    first=[True] + [False] * 7,
    kind="package",
    change=0,
)
# 06:00-10:00 and 15:00-20:00 metered to 18:00 knowing the START only; 1.00 then 10.00
# from noon: 4 + 50 = 54.00 (the late row of -5 h over 10:00-18:00 cut at noon in
# proportion, -1.25 h at 1.00 and -3.75 h at 10.00, billed 47.25)
@example(
    runs=[(360, 240), (900, 300)],
    clock=1_080,
    first=[True] + [False] * 7,
    kind="two prices",
    change=720,
)
@given(
    runs=st.lists(st.tuples(st.integers(0, 1_400), st.integers(1, 60)), min_size=1, max_size=4),
    clock=st.integers(1, 1_439),
    first=st.lists(st.booleans(), min_size=8, max_size=8),
    kind=st.sampled_from(
        ["package", "three an hour, up", "three an hour, down", "volume", "two prices"]
    ),
    change=st.integers(0, 1_440),
)
def test_usage_metered_call_after_call_bills_the_exact_time(
    *, runs: list[tuple[int, int]], clock: int, first: list[bool], kind: str, change: int
) -> None:
    # Runs on whole minutes of 2 March, metered by two calls: the first up to ``clock``
    # (a minute of the day) with some of the records stamped before it (the first START
    # among them), the second with
    # the rest and the first's state, its late rows taking back or adding what the late
    # records change before the clock. Rated and billed together, the rows bill the
    # minutes run, exactly, as the oracle prices them (rows that are slices of several
    # stretches summed would be priced as they are, 1e-24s off). "two prices": 1.00 an
    # hour until the minute ``change``, 10.00 from then on, a line each (a late row over
    # more than what it changes would be cut at the change in proportion to its span).
    minutes: set[int] = set()
    for start, length in runs:
        minutes.update(range(start, min(start + length, 1_440)))
    stretches = stretches_of(minutes)
    records = _events(_minutes(*stretches), None)
    cut = DAY + clock * MINUTE
    # the first START, if before the clock, goes to the first call: a call with no state
    # of a resource takes a record before its span for outside it, not late
    early = [
        record
        for index, record in enumerate(records)
        if record.at_us < cut and (index == 0 or first[index % len(first)])
    ]
    rest = [record for record in records if all(record is not other for other in early)]
    meter = [_meter("hours")]
    at = _instant(cut)
    head = rk.meter(early, meter, span=rk.Span(MARCH.start, at), cycle=MONTHS, as_of=at)
    tail = rk.meter(
        rest, meter, span=rk.Span(at, MARCH.end), cycle=MONTHS, as_of=MARCH.end, state=head.state
    )
    rows = [*head.rows, *tail.rows, *tail.late]
    hours = Fraction(len(minutes), 60)
    if kind == "two prices":
        at_change = _instant(DAY + change * MINUTE)
        entries = [
            rk.PriceEntry("a", "vm", rk.PerUnit(1), end=at_change),
            rk.PriceEntry("b", "vm", rk.PerUnit(10), start=at_change),
        ]
        plan = rk.Plan("p", "EUR", MONTHS, entries)
        (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
        before = Fraction(len([m for m in minutes if m < change]), 60)
        after = hours - before
        expected = round_on(before, CENT, "ROUND_HALF_EVEN") + round_on(
            after * 10, CENT, "ROUND_HALF_EVEN"
        )
        assert Fraction(invoice.total) == expected
        return
    price: rk.PriceModel
    if kind == "package":
        price, rounding, exact = (
            rk.Package(1, 10),
            "ROUND_HALF_EVEN",
            Fraction(math.ceil(hours) * 10),
        )
    elif kind == "volume":
        price, rounding = rk.Volume([rk.Tier(1, 10), rk.Tier(None, 1)]), "ROUND_HALF_EVEN"
        exact = hours * (10 if hours <= 1 else 1)
    else:
        price, exact = rk.PerUnit(3), hours * 3
        rounding = "ROUND_UP" if kind.endswith("up") else "ROUND_DOWN"
    invoices = rk.bill(rk.rate(rows, _plan(price, rounding), span=MARCH))
    total = sum((invoice.total for invoice in invoices), Decimal(0))
    assert Fraction(total) == round_on(exact, CENT, rounding)


def test_a_correction_of_a_closed_cycle_billed_from_its_charges_changes_whole_cents() -> None:
    # Three runs of 20 minutes at 3.00 an hour, ROUND_UP; the third fed after March
    # closed with two (2/3 h: 2.00). The next statement's pair for March: a reversal of
    # -2 x 0.333333333333333333333334 x 3 = -2.000000000000000000000004 and a correction
    # of 3.000000000000000000000006, the slices priced; together 1.000000000000000000000002,
    # 1.01 rounded up. The correction's charges billed are the line anew at its exact time,
    # 3 x 1/3 x 3.00 = 3.00: 1.00 changed (docs/streaming.md).
    plan = _plan(rk.PerUnit(3), "ROUND_UP")
    rater = rk.Rater(plan, [_meter("hours")], start=MARCH.start)
    rater.feed(THREE_THIRDS[:4])
    (closed,) = rater.statement(MARCH.end).invoices
    rater.feed(THREE_THIRDS[4:])
    lines = rater.statement("2026-04-02T00:00:00Z").lines
    assert [(line.role, line.amount, line.late) for line in lines] == [
        ("reversal", Decimal("-2.000000000000000000000004"), True),
        ("correction", Decimal("3.000000000000000000000006"), True),
    ]
    (anew,) = rk.bill(lines[1].charges)
    assert (closed.total, anew.total) == (Decimal("2.00"), Decimal("3.00"))
    assert anew.total - closed.total == Decimal("1.00")
