"""Time quantities in hours are billed as the time used, not as metering's rounded slices.

A time meter's row is ``F(b) - F(a)`` with ``F(t)`` the instant in hours rounded at 1e-24
(docs/usage.md, "Exact quantities that add up"): the rows of one stretch of running
telescope, but runs apart do not. A VM that runs 08:20-08:40 three times has used
exactly one hour (3 x 20 minutes), yet each run is metered
``F(08:40) - F(08:20) = x.666...667 - x.333...333 = 0.333333333333333333333334`` hour,
and the three add up to ``1.000000000000000000000002`` hour. Priced by the cycle's total,
that residue of 2e-24 hour crosses a tier bound or starts a package of its own; priced per
unit, it moves an exact amount off a rounding boundary.

The invoice bills what one hour (or 20 minutes) costs under the documented rules (a
quantity on a tier bound belongs to the lower tier; a partial package costs a whole one;
each line rounded once, with the plan's mode): rating prices each piece's exact time, and
billing rounds a per-unit line's exact amount. Each case below with its figures worked by
hand; batch and the streaming rater alike.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._money_oracle import round_on

import ratekit as rk
from ratekit._time_exact import _places, exact_time

from ._ticks import stretches_of

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOURS = [rk.Meter("vm", "hour", rk.OnOff())]


def _instant(clock: str) -> str:
    """A wall time of 2 March 2026 (UTC), "24:00" being 3 March's midnight."""
    return "2026-03-03T00:00:00Z" if clock == "24:00" else f"2026-03-02T{clock}:00Z"


def _day_runs(runs: list[tuple[str, str]]) -> list[rk.Event]:
    """vm-1 of acme running over each ``(start, stop)`` wall time of 2 March 2026 (UTC)."""
    events: list[rk.Event] = []
    for index, (start, stop) in enumerate(runs):
        events.append(rk.Event("acme", "vm-1", _instant(start), kind="start", id=f"s{index}"))
        events.append(rk.Event("acme", "vm-1", _instant(stop), kind="stop", id=f"t{index}"))
    return events


def _runs(*runs: tuple[str, str]) -> list[rk.Event]:
    return _day_runs(list(runs))


#: Three runs of 20 minutes, apart: exactly 1 hour in all.
THREE_THIRDS = _runs(("08:20", "08:40"), ("09:20", "09:40"), ("10:20", "10:40"))


def _total(records: list[rk.Event], plan: rk.Plan) -> Decimal:
    (invoice,) = rk.bill(rk.rate(records, plan, span=MARCH, meters=HOURS))
    return invoice.total


def test_the_three_runs_are_metered_as_slices_that_miss_one_hour() -> None:
    # What the pinned cases below stand on (documented: each slice within 1e-24 of the
    # truth): 0.333333333333333333333334 x 3 = 1.000000000000000000000002 hour.
    usage = rk.meter(THREE_THIRDS, HOURS, span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    assert [row.quantity for row in usage.rows] == [Decimal("0.333333333333333333333334")] * 3
    assert usage.total() == Decimal("1.000000000000000000000002")


def test_one_hour_in_three_runs_starts_one_package_of_an_hour() -> None:
    # Package(1 hour, 10.00): 3 x 20 min = 1 hour is one package, 10.00 (the slices' sum,
    # 1.000000000000000000000002 hour, would start a second: 20.00).
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.Package(1, 10))])
    assert _total(THREE_THIRDS, plan) == Decimal("10.00")


def test_one_hour_in_three_runs_stays_in_the_tier_up_to_one_hour() -> None:
    # Graduated (0, 1] at 1, then (1, inf) at 1 with a flat fee of 5 on reaching it:
    # 1 hour lies on the bound, in the first tier: 1 x 1 = 1.00 (the slices': 6.00).
    tiers = rk.Graduated([rk.Tier(1, 1), rk.Tier(None, 1, flat=5)])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", tiers)])
    assert _total(THREE_THIRDS, plan) == Decimal("1.00")


def test_one_hour_in_three_runs_is_priced_by_the_volume_tier_up_to_one_hour() -> None:
    # Volume (0, 1] at 10, (1, inf) at 1: 1 hour is all at 10, 10.00 (the slices': 1.00).
    tiers = rk.Volume([rk.Tier(1, 10), rk.Tier(None, 1)])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", tiers)])
    assert _total(THREE_THIRDS, plan) == Decimal("10.00")


def test_one_free_hour_covers_one_hour_in_three_runs() -> None:
    # Allowance of 1 hour, then Package(1 hour, 10.00): 1 hour used, 1 free, nothing to
    # bill, 0.00 (the slices': 10.00, the third run's 2e-24 hour past the free hour).
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.Package(1, 10))],
        allowances=[rk.Allowance("vm", 1)],
    )
    assert _total(THREE_THIRDS, plan) == Decimal("0.00")


def test_twenty_minutes_at_three_an_hour_rounded_down_is_one() -> None:
    # 20 min x 3.00 / hour = 1/3 x 3 = 1.00 exactly; ROUND_DOWN keeps 1.00 (the slice's:
    # 0.333333333333333333333333 x 3 = 0.999999999999999999999999, 0.99).
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit(3))], rounding="ROUND_DOWN"
    )
    assert _total(_runs(("08:00", "08:20")), plan) == Decimal("1.00")


def test_forty_minutes_at_three_cents_an_hour_rounded_up_is_two_cents() -> None:
    # 40 min x 0.03 / hour = 2/3 x 0.03 = 0.02 exactly; ROUND_CEILING keeps 0.02 (the
    # slice's: 0.666666666666666666666667 x 0.03 = 0.02000000000000000000000001, 0.03).
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit("0.03"))],
        rounding="ROUND_CEILING",
    )
    assert _total(_runs(("08:00", "08:40")), plan) == Decimal("0.02")


def test_ten_minutes_at_three_cents_an_hour_is_a_tie_rounded_half_even() -> None:
    # 10 min x 0.03 / hour = 1/6 x 0.03 = 0.005 exactly, a tie: half-even gives 0.00
    # (the slice's: 0.166666666666666666666667 x 0.03 = 0.00500000000000000000000001, 0.01).
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit("0.03"))])
    assert _total(_runs(("08:00", "08:10")), plan) == Decimal("0.00")


#: The price models of the property below, with what they charge for a total in hours.
MODELS: dict[str, tuple[rk.PriceModel, str]] = {
    "package": (rk.Package(1, 10), "ROUND_HALF_EVEN"),
    "flat past one hour": (
        rk.Graduated([rk.Tier(1, 1), rk.Tier(None, 1, flat=5)]),
        "ROUND_HALF_EVEN",
    ),
    "three an hour, down": (rk.PerUnit(3), "ROUND_DOWN"),
    "three cents an hour, up": (rk.PerUnit("0.03"), "ROUND_CEILING"),
    "ten an hour up to one hour, then one": (
        rk.Volume([rk.Tier(1, 10), rk.Tier(None, 1)]),
        "ROUND_HALF_EVEN",
    ),
}


@pytest.mark.property
@settings(max_examples=max(LAWS // 10, FLOOR))
@example(runs=[(500, 520), (560, 580), (620, 640)], model="package")  # 08:20-08:40 x 3
@example(runs=[(500, 520), (560, 580), (620, 640)], model="ten an hour up to one hour, then one")
@given(
    runs=st.lists(
        st.tuples(st.integers(0, 1_439), st.integers(1, 120)), min_size=1, max_size=4
    ).map(lambda drawn: sorted({(start, min(start + length, 1_440)) for start, length in drawn})),
    model=st.sampled_from(sorted(MODELS)),
)
def test_runs_on_whole_minutes_bill_the_minutes_used(
    runs: list[tuple[int, int]], model: str
) -> None:
    # The oracle counts the minutes the VM ran as a set of ticks (runs that overlap are
    # one run), prices their exact hours with the model's documented rule, and rounds
    # once on the cent with the plan's mode.
    minutes = set().union(*(range(start, end) for start, end in runs))
    stretches = stretches_of(minutes)
    price, rounding = MODELS[model]
    hours = Fraction(len(minutes), 60)
    if isinstance(price, rk.Package):
        exact = Fraction(math.ceil(hours)) * 10
    elif isinstance(price, rk.Graduated):
        exact = min(hours, Fraction(1)) + (max(hours - 1, Fraction(0)) + 5 if hours > 1 else 0)
    elif isinstance(price, rk.Volume):  # all hours at the rate of the tier the total is in
        exact = hours * (10 if hours <= 1 else 1)
    else:
        exact = Fraction(price.rate) * hours
    expected = round_on(exact, Fraction(1, 100), rounding)

    def clock(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}" if minute < 1_440 else "24:00"

    records = _day_runs([(clock(start), clock(end)) for start, end in stretches])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", price)], rounding=rounding)
    assert Fraction(_total(records, plan)) == expected


def test_an_hour_cut_by_a_price_change_at_twenty_past_rounded_down_is_five() -> None:
    # A row of 1 hour (00:00-01:00) at 3.00 an hour until 00:20, then 6.00: 1/3 x 3 +
    # 2/3 x 6 = 1.00 + 4.00 = 5.00 under ROUND_DOWN (the row's pieces cut at 1e-24 would
    # bill 4.99: 0.333333333333333333333333 x 3 = 0.999...9, 0.99).
    before = rk.PriceEntry("a", "vm", rk.PerUnit(3))
    after = rk.PriceEntry("b", "vm", rk.PerUnit(6), start="2026-03-02T00:20:00Z", priority=1)
    plan = rk.Plan("p", "EUR", MONTHS, [before, after], rounding="ROUND_DOWN")
    hour = rk.Span("2026-03-02T00:00:00Z", "2026-03-02T01:00:00Z")
    row = rk.UsageRow("acme", "vm", "vm-1", hour, MARCH, 1, "hour", {}, ("e1",))
    (invoice,) = rk.bill(rk.rate([row], plan, span=MARCH))
    assert invoice.total == Decimal("5.00")


def test_a_day_and_fifty_minutes_at_the_default_rounding_is_a_tie_rounded_half_even() -> None:
    # 00:00 on 2 March to 01:50 on 3 March: 25 h 50 min = 155/6 hour; x 93.342 / hour =
    # 14468.01 / 6 = 2411.335 exactly, a tie: half-even gives 2411.34 (the slice,
    # 25.833333333333333333333333 x 93.342 = 2411.334999...97, would give 2411.33).
    run = [
        rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="start", id="s"),
        rk.Event("acme", "vm-1", "2026-03-03T01:50:00Z", kind="stop", id="t"),
    ]
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit("93.342"))])
    assert _total(run, plan) == Decimal("2411.34")


def test_two_instances_in_three_runs_bill_two_hours() -> None:
    # A level of 2 instances over 3 x 20 min: 2 x 1 hour = 2 hours; at 3.00 an hour under
    # ROUND_DOWN, 6.00 (each run is metered 0.666666666666666666666666 hour: the slices'
    # sum 1.999999999999999999999998 x 3 = 5.999...994, 5.99).
    instances = [rk.Meter("vm", "hour", rk.Continuous("instances"))]
    records: list[rk.Event] = []
    for index, (start, stop) in enumerate(
        [("08:20", "08:40"), ("09:20", "09:40"), ("10:20", "10:40")]
    ):
        records.append(
            rk.Event(
                "acme", "vm-1", _instant(start), {"instances": 2}, kind="start", id=f"s{index}"
            )
        )
        records.append(rk.Event("acme", "vm-1", _instant(stop), kind="stop", id=f"t{index}"))
    usage = rk.meter(records, instances, span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    assert usage.total() == Decimal("1.999999999999999999999998")  # the slices, as metered
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit(3))], rounding="ROUND_DOWN"
    )
    (invoice,) = rk.bill(rk.rate(records, plan, span=MARCH, meters=instances))
    assert invoice.total == Decimal("6.00")


def test_a_price_per_minute_of_an_hour_meter_prices_the_minutes_used() -> None:
    # An entry stated per minute on the hour meter: 3 x 20 min = 60 minutes; Package(60
    # minutes, 10.00) is one package, 10.00 (the slices converted, 60.00000000000000000000012
    # minutes, would start a second: 20.00).
    entry = rk.PriceEntry("vm", "vm", rk.Package(60, 10), unit="minute")
    plan = rk.Plan("p", "EUR", MONTHS, [entry])
    assert _total(THREE_THIRDS, plan) == Decimal("10.00")


@pytest.mark.parametrize(
    ("price", "rounding", "expected"),
    [
        (rk.Package(1, 10), "ROUND_HALF_EVEN", "10.00"),  # one hour, one package
        (rk.PerUnit(1), "ROUND_CEILING", "1.00"),  # 3 x 1/3 x 1.00 = 1.00, not 1.01
    ],
)
def test_a_rater_fed_the_three_runs_bills_one_hour_as_batch_does(
    price: rk.PriceModel, rounding: str, expected: str
) -> None:
    # The three runs fed in two feeds, a statement between them, the rater restored from
    # its snapshot: its invoice is batch's, the price of exactly one hour.
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", price)], rounding=rounding)
    rater = rk.Rater(plan, HOURS, start=MARCH.start)
    rater.feed(THREE_THIRDS[:2])
    rater.statement("2026-03-02T09:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, HOURS)
    rater.feed(THREE_THIRDS[2:])
    (invoice,) = rater.statement(MARCH.end).invoices
    assert invoice.total == _total(THREE_THIRDS, plan) == Decimal(expected)


def test_a_volume_price_whose_tier_halves_as_the_time_doubles_charges_zero_more() -> None:
    # Volume (0, 6] at 0.06, (6, inf) at 0.03; two runs of 5 h 40 min (17/3 hour each):
    # 17/3 x 0.06 = 0.34, then 34/3 x 0.03 = 0.34, the second run's marginal exactly 0.
    # The group's running time (17/3, 34/3) is handed to the price at its 60th digit,
    # and that marginal came out -1E-60, refused as an amount below 1E-30.
    tiers = rk.Volume([rk.Tier(6, "0.06"), rk.Tier(None, "0.03")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", tiers)])
    assert _total(_runs(("00:00", "05:40"), ("08:00", "13:40")), plan) == Decimal("0.34")


#: Microseconds in the unit of time of each time meter's unit the property below meters in.
TIME_TERM_US = {
    "hour": 3_600_000_000,
    "minute": 60_000_000,
    "s": 1_000_000,
    "day": 86_400_000_000,
    "ms": 1_000,
    "GiB*hour": 3_600_000_000,
    "MB*minute": 60_000_000,
}


@pytest.mark.property
@settings(max_examples=max(LAWS // 5, FLOOR))
# 29 digits: read in quanta in the caller's context (28 digits), it lost its last one
@example(level=Decimal("837.202405"), start=0, length=837_202_405, unit="minute", in_mb=False)
# 12 places on a row of one second in hours: 14 places are recovered
@example(level=Decimal("0.123456789012"), start=0, length=1_000_000, unit="hour", in_mb=False)
# ... and on a row of one µs, 8: the level is not recovered, the slice is priced
@example(level=Decimal("0.123456789012"), start=0, length=1, unit="hour", in_mb=False)
# 2 MB read as 0.002 GB of a GB*hour meter: 20 minutes are 2/3000 GB*hour
@example(level=Decimal(2), start=0, length=1_200_000_000, unit="GB*hour", in_mb=True)
@given(
    level=st.decimals(min_value=Decimal("1e-12"), max_value=Decimal(1000), places=12),
    start=st.integers(0, 86_400_000_000 - 1),
    length=st.integers(1, 86_400_000_000),
    unit=st.sampled_from(sorted(TIME_TERM_US)),
    in_mb=st.booleans(),
)
def test_a_row_of_time_stands_for_its_level_times_its_span(
    level: Decimal, start: int, length: int, unit: str, in_mb: bool
) -> None:
    # The oracle: the level times the microseconds metered, over the microseconds of the
    # unit's unit of time, as a fraction (a level read in MB for a meter in GB*hour is a
    # thousandth of a GB); the row metered by rk.meter is within 1e-24 of it. Rating
    # takes the row at exactly that (None where the row is exact as it is) whenever the
    # level, in the meter's unit, has no more places than the row recovers for certain
    # (`_places`); otherwise at most at the exact time of another level whose row is the
    # same slice (within 1e-24 of it, as the time used is).
    if in_mb:
        unit = "GB*hour"
        meter = rk.Meter("mem", unit, rk.Continuous("n", unit="MB"))
        read = Fraction(level) / 1000
    else:
        meter = rk.Meter("mem", unit, rk.Continuous("n"))
        read = Fraction(level)
    at = rk.Span("2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z").start_us + start
    end = min(at + length, MARCH.end_us - 1)
    records = [
        rk.Event("acme", "vm-1", rk.Span.from_us(at, at).start, {"n": level}, kind="start"),
        rk.Event("acme", "vm-1", rk.Span.from_us(end, end).start, kind="stop"),
    ]
    (row,) = rk.meter(records, [meter], span=MARCH, cycle=MONTHS, as_of=MARCH.end).rows
    per = TIME_TERM_US["hour" if in_mb else unit]
    exact = read * (end - at) / per
    assert abs(Fraction(row.quantity) - exact) <= Fraction(1, 10**24)
    found = exact_time(row.quantity, row.span.start_us, row.span.end_us, row.unit)
    # the places of the level in the meter's unit: its denominator's power of ten
    level_places = 0
    while (read * 10**level_places).denominator != 1:
        level_places += 1
    if level_places <= _places((per, 1), end - at):
        assert found == (None if Fraction(row.quantity) == exact else exact)
    elif found is not None:  # a level whose row gives the same slice, as exact as it is
        assert abs(found - Fraction(row.quantity)) <= Fraction(1, 10**24)


@pytest.mark.property
@settings(max_examples=max(LAWS // 5, FLOOR))
@example(quantity=Decimal(5), start=0, minutes=1_440)  # 5 h over a day: 5, not 4.99...92
@example(quantity=Decimal("7.505"), start=0, minutes=1_440)
@given(
    quantity=st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(10**6), places=6),
    start=st.integers(0, 86_400 - 1),
    minutes=st.integers(1, 31 * 1_440),
)
def test_a_quantity_made_by_hand_is_taken_as_it_is(
    quantity: Decimal, start: int, minutes: int
) -> None:
    # A row made by hand with a quantity of at most 6 places over whole minutes is exact
    # as it is: no level's slice (rating would otherwise price it 1e-24s off, and a
    # minimum of exactly what it costs would be topped up by 0.00...1).
    at = MARCH.start_us + start * 1_000_000
    end = at + minutes * 60_000_000
    for unit in ("hour", "GiB*hour", "minute", "day"):
        assert exact_time(quantity, at, end, unit) is None


def test_a_level_of_ten_places_bills_one_package_for_one_hour_in_three_runs() -> None:
    # 0.1234567891 MB (10 places) over 3 x 20 min = 0.1234567891 MB*hour exactly:
    # Package(0.1234567891 MB*hour, 10.00) is one package, 10.00 (each run metered
    # 0.041152263033333333333334 MB*hour, whose sum 0.123456789100000000000002 starts a
    # second: 20.00).
    memory = [rk.Meter("vm", "MB*hour", rk.Continuous("mb"))]
    records: list[rk.Event] = []
    for index, (start, stop) in enumerate(
        [("08:20", "08:40"), ("09:20", "09:40"), ("10:20", "10:40")]
    ):
        attributes = {"mb": Decimal("0.1234567891")}
        records.append(
            rk.Event("acme", "vm-1", _instant(start), attributes, kind="start", id=f"s{index}")
        )
        records.append(rk.Event("acme", "vm-1", _instant(stop), kind="stop", id=f"t{index}"))
    usage = rk.meter(records, memory, span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    assert usage.total() == Decimal("0.123456789100000000000002")  # the slices
    entry = rk.PriceEntry("vm", "vm", rk.Package("0.1234567891", 10))
    plan = rk.Plan("p", "EUR", MONTHS, [entry])
    (invoice,) = rk.bill(rk.rate(records, plan, span=MARCH, meters=memory))
    assert invoice.total == Decimal("10.00")


def test_one_gib_in_three_runs_of_a_gib_hour_meter_is_one_package() -> None:
    # 1 GiB over 3 x 20 min = 1 GiB*hour exactly; Package(1 GiB*hour, 10.00) is one
    # package (the slices, 3 x 0.333333333333333333333334 = 1.000000000000000000000002
    # GiB*hour, start a second: 20.00).
    disks = [rk.Meter("vm", "GiB*hour", rk.Continuous("gib"))]
    records: list[rk.Event] = []
    for index, (start, stop) in enumerate(
        [("08:20", "08:40"), ("09:20", "09:40"), ("10:20", "10:40")]
    ):
        records.append(
            rk.Event("acme", "vm-1", _instant(start), {"gib": 1}, kind="start", id=f"s{index}")
        )
        records.append(rk.Event("acme", "vm-1", _instant(stop), kind="stop", id=f"t{index}"))
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.Package(1, 10))])
    (invoice,) = rk.bill(rk.rate(records, plan, span=MARCH, meters=disks))
    assert invoice.total == Decimal("10.00")


def test_one_hour_in_three_runs_meets_a_minimum_of_one_hour_at_one() -> None:
    # 3 x 20 min (08:00-08:20, 09:00-09:20, 10:00-10:20) at 1.00 an hour: exactly 1.00
    # spent, a minimum of 1.00 is met, no minimum line; ROUND_DOWN bills 1.00. (The slices,
    # 3 x 0.333333333333333333333333 = 0.999999999999999999999999, spent 1e-24 short: a
    # top-up line of 0.00, or, with the line rounded from its slices, 0.99 + 0.01.)
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit(1))],
        minimums=[rk.Minimum(1)],
        rounding="ROUND_DOWN",
    )
    records = _runs(("08:00", "08:20"), ("09:00", "09:20"), ("10:00", "10:20"))
    (invoice,) = rk.bill(rk.rate(records, plan, span=MARCH, meters=HOURS))
    assert [(line.kind, line.amount) for line in invoice.lines] == [("usage", Decimal("1.00"))]
    assert invoice.total == Decimal("1.00")


def test_a_lines_margin_is_bounded_by_its_sum_or_by_its_largest_amount() -> None:
    # Three 20-minute runs: each metered 0.333333333333333333333334 hour (1 hour in all).
    # At 3 an hour each charge is 1.000000000000000000000002 and the line
    # 3.000000000000000000000006, exactly 3: on a boundary of the cent, so the margin's
    # ends round apart (2.99 and 3.00 down, 3.00 and 3.01 up): not alike. At 3.001 an
    # hour each is 1.000333333333333333333335334 and the line
    # 3.001000000000000000000006002 (exactly 3.001): 3.00 down and 3.01 up at both
    # ends, alike. None is below zero (their sum bounds the margin); with a correction of
    # -1 among them (the largest magnitude bounds it) the same holds, 1 less.
    from ratekit._decimals import exact_sum
    from ratekit._timed_charges import rounds_alike

    cent = Decimal("0.01")
    totals = {
        ("3", False): "3.000000000000000000000006",
        ("3", True): "2.000000000000000000000006",
        ("3.001", False): "3.001000000000000000000006002",
        ("3.001", True): "2.001000000000000000000006002",
    }
    for price, alike in (("3", False), ("3.001", True)):
        plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "vm", rk.PerUnit(price))])
        charges = list(rk.rate(THREE_THIRDS, plan, span=MARCH, meters=HOURS).charges)
        correction = rk.Charge(**{**_fields(charges[0]), "amount": Decimal(-1)})
        for corrected, line in ((False, charges), (True, [*charges, correction])):
            total = exact_sum(c.amount for c in line)
            assert str(total) == totals[price, corrected]
            assert rounds_alike(line, total, (cent, "ROUND_DOWN")) is alike
            assert rounds_alike(line, total, (cent, "ROUND_UP")) is alike


def _fields(charge: rk.Charge) -> dict[str, object]:
    import attrs

    return {f.name: getattr(charge, f.name) for f in attrs.fields(rk.Charge)}
