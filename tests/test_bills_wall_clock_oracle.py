"""Invoices over cycles of hard zones against a brute-force oracle of the wall clock.

From records to invoices (`rk.rate` with meters, then `rk.bill`), for one account whose
VMs run on and off, under one plan assigned over part of the time, or two plans
switched at an instant: the oracle places every cycle boundary and local midnight by
scanning the zone's wall clock (`tests/_wall_clock.py`), counts the running minutes of
each plan's part of each cycle as a set of ticks, and works the money in fractions from
docs/pricing.md and docs/invoices.md:

- a plan's part of a cycle is the cycle within the rated span and the assignment; its
  share is the part's seconds over the cycle's (``"seconds"``) or the local days whose
  last instant lies in the part over the cycle's (``"days"``, in the cycle's zone);
- the usage line is the per-unit price times the part's hours less the allowance
  prorated by the share (never below zero), rounded once on the currency's quantum;
- the fee line is the fee times the share, rounded once;
- the minimum's top-up is the commitment times the share, rounded, less the usage line
  as rounded, when that falls short (fees never count); where the span starts inside a
  cycle the plan was in force before, the commitment is less what was spent above it
  before the span, and a give-back of the top-up so far is billed (the span is a piece
  of the cycle: docs/pricing.md "A cycle rated in pieces");
- the invoice total is the sum of the rounded lines, the plans' parts added.

Zones with DST (Europe/Zurich, America/New_York), a 30-minute DST shift
(Australia/Lord_Howe), a skipped day (Pacific/Apia, 30 December 2011), midnight skipped
(America/Santiago) and a +05:45 offset (Asia/Kathmandu); monthly cycles anchored on the
1st and the 28th to 31st, yearly cycles from 29 February, weekly and daily cycles.

Runs and switches fall on a 6-minute grid, so that every quantity is a terminating number
of hours (0.1 h): a grid of minutes makes thirds of an hour, which metering rounds at
1e-24 (see `tests/test_time_quantities_exact.py`, where that is pinned).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._money_oracle import round_on
from tests._wall_clock import iso, midnights, month_start, placed, wall

import ratekit as rk

ZONES = (
    "Europe/Zurich",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "America/Santiago",
    "Asia/Kathmandu",
    "UTC",
)
#: Instants (seconds) near each zone's changes of offset, for daily and weekly cycles.
NEAR = {
    "Europe/Zurich": ("2026-03-29", "2026-10-25"),
    "America/New_York": ("2026-03-08", "2026-11-01"),
    "Australia/Lord_Howe": ("2026-04-05", "2026-10-04"),
    "Pacific/Apia": ("2011-12-30", "2011-09-24", "2012-04-01"),
    "America/Santiago": ("2026-04-05", "2026-09-06"),
    "Asia/Kathmandu": ("1986-01-01", "2026-03-01"),
    "UTC": ("2024-02-29", "2026-03-01"),
}
QUANTA = {"EUR": Fraction(1, 100), "JPY": Fraction(1), "KWD": Fraction(1, 1000)}
GRID = 360  # seconds: 0.1 hour
HOURS = [rk.Meter("vm", "hour", rk.OnOff())]


@dataclass(frozen=True)
class Terms:
    """One plan's prices, as the oracle reads them."""

    price: Decimal
    fee: Decimal
    minimum: Decimal | None
    allowance: Decimal | None


@dataclass(frozen=True)
class Case:
    zone: str
    cycle: rk.cycles.Cycle
    bounds: tuple[int, ...]  # consecutive cycle boundaries (seconds) around the span
    span: tuple[int, int]
    # each plan's assignment, as seconds (None: open)
    parts: tuple[tuple[int | None, int | None, Terms], ...]
    proration: str
    currency: str
    runs: tuple[tuple[int, int | None], ...]  # per VM run: start, stop (None: still on)
    records: tuple[rk.Event, ...]


def _day(text: str) -> int:
    return int(dt.datetime.fromisoformat(text + "T00:00:00+00:00").timestamp())


def _cycle(draw: st.DrawFn, zone: str) -> tuple[rk.cycles.Cycle, list[int]]:
    """A cycle in ``zone`` and its consecutive boundaries around a hard stretch of time."""
    kind = draw(st.sampled_from(["monthly", "yearly", "weekly", "daily"]))
    if kind == "monthly":
        day = draw(st.sampled_from([1, 28, 29, 30, 31]))
        year = 2011 if zone == "Pacific/Apia" else draw(st.sampled_from([2024, 2026, 2027]))
        month = draw(st.integers(1, 12))
        bounds = [month_start(zone, year, month + k, day) for k in range(-1, 3)]
        return rk.cycles.monthly(tz=zone, day=day), bounds
    if kind == "yearly":
        year = draw(st.integers(2023, 2025))
        bounds = [month_start(zone, year + k, 2, 29) for k in range(-1, 3)]
        return rk.cycles.yearly(tz=zone, month=2, day=29), bounds
    center = _day(draw(st.sampled_from(NEAR[zone]))) + draw(st.integers(-3, 3)) * 86_400
    days = midnights(zone, center - 22 * 86_400, center + 22 * 86_400)
    if kind == "daily":
        bounds = [t for t in days if center - 3 * 86_400 <= t <= center + 3 * 86_400]
        return rk.cycles.daily(tz=zone), bounds
    # a Sunday's first placed instant (its midnight, or the end of a gap at it)
    sundays = [t for t in days if wall(zone, t).weekday() == 6]
    bounds = [t for t in sundays if wall(zone, t).date() != wall(zone, t - 60).date()]
    return rk.cycles.weekly(tz=zone, weekday="Sun"), bounds


@st.composite
def _cases(draw: st.DrawFn) -> Case:
    zone = draw(st.sampled_from(ZONES))
    cycle, bounds = _cycle(draw, zone)
    first = draw(st.integers(0, len(bounds) - 2))
    count = draw(st.integers(1, min(2, len(bounds) - 1 - first)))
    start, end = bounds[first], bounds[first + count]
    if draw(st.booleans()):  # a span that starts inside its first cycle
        start += draw(st.integers(0, (bounds[first + 1] - start) // GRID - 1)) * GRID
    length = end - start

    def instant() -> int:
        t = start - length // 4 + draw(st.integers(0, (length + length // 2) // GRID)) * GRID
        return t - t % GRID

    def terms() -> Terms:
        return Terms(
            price=Decimal(draw(st.integers(1, 99_999))) / 1000,
            fee=Decimal(draw(st.integers(0, 9_999))) / 100,
            minimum=draw(st.none() | st.integers(0, 29_999).map(lambda n: Decimal(n) / 100)),
            allowance=draw(st.none() | st.integers(1, 499).map(Decimal)),
        )

    if draw(st.booleans()):  # two plans, switched at an instant inside the span
        switch = start + draw(st.integers(1, max(1, length // GRID - 1))) * GRID
        switch -= switch % GRID
        parts: tuple[tuple[int | None, int | None, Terms], ...] = (
            (None, switch, terms()),
            (switch, None, terms()),
        )
    else:
        lo = instant() if draw(st.booleans()) else None
        hi = instant() if draw(st.booleans()) else None
        if lo is not None and hi is not None and hi <= lo:
            lo, hi = (hi, lo) if hi < lo else (lo, None)
        parts = ((lo, hi, terms()),)
    runs: list[tuple[int, int | None]] = []
    records: list[rk.Event] = []
    for vm in range(draw(st.integers(1, 2))):
        times = sorted({instant() for _ in range(draw(st.integers(1, 4)))})
        for index, t in enumerate(times):
            ident = f"vm{vm}-{index}"
            if index % 2 == 0:
                records.append(
                    rk.Event("acme", f"vm{vm}", iso(t), {"x": 1}, kind="start", id=ident)
                )
                runs.append((t, None))
            else:
                records.append(rk.Event("acme", f"vm{vm}", iso(t), kind="stop", id=ident))
                runs[-1] = (runs[-1][0], t)
    return Case(
        zone=zone,
        cycle=cycle,
        bounds=tuple(bounds),
        span=(start, end),
        parts=parts,
        proration=draw(st.sampled_from(["seconds", "days"])),
        currency=draw(st.sampled_from(sorted(QUANTA))),
        runs=tuple(runs),
        records=tuple(records),
    )


def _plan(case: Case, index: int, terms: Terms) -> rk.Plan:
    name = "ab"[index]
    return rk.Plan(
        name,
        case.currency,
        case.cycle,
        [rk.PriceEntry(f"vm-{name}", "vm", rk.PerUnit(terms.price))],
        fees=[rk.Fee(f"fee-{name}", terms.fee)] if terms.fee else [],
        minimums=[rk.Minimum(terms.minimum)] if terms.minimum is not None else [],
        allowances=[rk.Allowance("vm", terms.allowance)] if terms.allowance else [],
        proration=case.proration,
        tz=case.zone if case.proration == "days" else None,
    )


def oracle(case: Case) -> dict[tuple[int, int], Fraction]:
    """Each cycle's invoice total (cycle as seconds), worked from the wall clock."""
    quantum = QUANTA[case.currency]
    start, end = case.span
    totals: dict[tuple[int, int], Fraction] = {}
    for lo_cycle, hi_cycle in zip(case.bounds, case.bounds[1:], strict=False):
        total, any_part = Fraction(0), False
        for lo, hi, terms in case.parts:
            part_lo = max(lo_cycle, start, lo if lo is not None else lo_cycle)
            part_hi = min(hi_cycle, end, hi if hi is not None else hi_cycle)
            if part_lo >= part_hi:
                continue
            any_part = True
            share, exact = _part(case, terms, (lo_cycle, hi_cycle), part_lo, part_hi)
            usage = round_on(exact, quantum, "ROUND_HALF_EVEN")
            fee = round_on(Fraction(terms.fee) * share, quantum, "ROUND_HALF_EVEN")
            top = Fraction(0)
            if terms.minimum is not None:
                # The span starts inside the cycle where the plan was already in force: its
                # minimum tops up the cycle's top-up so far at the part's end less that at
                # its start, and settles its slice less what was spent above the
                # commitment before it (docs/pricing.md "A cycle rated in pieces").
                required = Fraction(terms.minimum) * share
                before = max(lo_cycle, lo if lo is not None else lo_cycle)
                position = Fraction(0)
                if before < part_lo:
                    earlier, spent = _part(case, terms, (lo_cycle, hi_cycle), before, part_lo)
                    position = Fraction(terms.minimum) * earlier - spent
                settles = required + min(position, Fraction(0))
                commitment = round_on(settles, quantum, "ROUND_HALF_EVEN")
                top = max(commitment - usage, Fraction(0))
                given_back = max(Fraction(0), position + required - exact) - max(
                    Fraction(0), position
                )
                if given_back < 0:
                    top = max(commitment - usage, round_on(given_back, quantum, "ROUND_HALF_EVEN"))
            total += usage + fee + top
        if any_part:
            totals[lo_cycle, hi_cycle] = total
    return totals


def _part(
    case: Case, terms: Terms, cycle: tuple[int, int], part_lo: int, part_hi: int
) -> tuple[Fraction, Fraction]:
    """The share of ``cycle`` in ``[part_lo, part_hi)`` and its usage's exact amount."""
    lo_cycle, hi_cycle = cycle
    end = case.span[1]
    if case.proration == "seconds":
        share = Fraction(part_hi - part_lo, hi_cycle - lo_cycle)
    else:  # a day counts for the part that holds its last instant
        days = midnights(case.zone, lo_cycle, hi_cycle)
        of_cycle = [t for t in days if lo_cycle < t <= hi_cycle]
        share = Fraction(len([t for t in days if part_lo < t <= part_hi]), len(of_cycle))
    ticks: set[int] = set()
    for vm, (on, off) in enumerate(case.runs):
        stop = min(off if off is not None else end, part_hi, end)
        ticks |= {(vm, t) for t in range(max(on, part_lo), stop, 60)}
    hours = Fraction(len(ticks), 60)
    free = Fraction(terms.allowance) * share if terms.allowance else Fraction(0)
    return share, Fraction(terms.price) * max(hours - free, Fraction(0))


def bills(case: Case) -> dict[tuple[int, int], Fraction]:
    """Each cycle's invoice total (cycle as seconds), as ratekit bills it."""
    assignments = [
        rk.Assignment(
            "acme",
            _plan(case, index, terms),
            start=None if lo is None else iso(lo),
            end=None if hi is None else iso(hi),
        )
        for index, (lo, hi, terms) in enumerate(case.parts)
    ]
    span = rk.Span(iso(case.span[0]), iso(case.span[1]))
    rating = rk.rate(list(case.records), assignments, span=span, meters=HOURS, as_of=span.end)
    out: dict[tuple[int, int], Fraction] = {}
    for invoice in rk.bill(rating):
        assert invoice.total == sum((line.amount for line in invoice.lines), Decimal(0))
        out[invoice.cycle.start_us // 1_000_000, invoice.cycle.end_us // 1_000_000] = Fraction(
            invoice.total
        )
    return out


def test_the_wall_clock_places_apia_s_skipped_day_and_lord_howe_s_half_hour() -> None:
    # Apia skipped 30 December 2011: its 00:00 is the 31st's, 2011-12-30T10:00Z (UTC-10
    # before, +14 after). Lord Howe's clocks go forward half an hour at 02:00 on 4 October
    # 2026 (+10:30 to +11:00): the 4th's midnight is 3 October 13:30Z, the 5th's 13:00Z.
    assert placed("Pacific/Apia", 2011, 12, 30) == placed("Pacific/Apia", 2011, 12, 31)
    assert iso(placed("Pacific/Apia", 2011, 12, 31)) == "2011-12-30T10:00:00Z"
    assert iso(placed("Australia/Lord_Howe", 2026, 10, 4)) == "2026-10-03T13:30:00Z"
    assert iso(placed("Australia/Lord_Howe", 2026, 10, 5)) == "2026-10-04T13:00:00Z"


def test_a_fee_and_a_minimum_over_lord_howe_s_short_october_by_days() -> None:
    # Monthly on the 31st in Lord Howe: the cycle from 30 September 2026 (September has
    # no 31st) to 31 October holds 31 local days (30 Sep..30 Oct), and lasts 31 days less
    # the half hour the clocks skip on 4 October. A plan assigned from 16 October 00:00
    # local holds the 15 days whose last instant is in it (16th..30th): 15/31, by days.
    # A fee of 31 bills 31 x 15/31 = 15.00, a minimum of 62 is 62 x 15/31 = 30.00, and
    # nothing is used: 45.00. (By seconds it would be 15 x 24 h over 743.5 h.)
    zone = "Australia/Lord_Howe"
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz=zone, day=31),
        [rk.PriceEntry("vm", "vm", rk.PerUnit(1))],
        fees=[rk.Fee("f", 31)],
        minimums=[rk.Minimum(62)],
        proration="days",
        tz=zone,
    )
    cycle = rk.Span(iso(placed(zone, 2026, 9, 30)), iso(placed(zone, 2026, 10, 31)))
    assert cycle.duration == dt.timedelta(days=31, minutes=-30)
    start = iso(placed(zone, 2026, 10, 16))
    rating = rk.rate([], [rk.Assignment("acme", plan, start=start)], span=cycle, meters=HOURS)
    (invoice,) = rk.bill(rating)
    assert [line.amount for line in invoice.lines] == [Decimal("15.00"), Decimal("30.00")]
    assert invoice.total == Decimal("45.00")


@pytest.mark.property
@settings(max_examples=max(LAWS // 5, FLOOR))
@given(_cases())
def test_bills_over_hard_zones_match_the_wall_clock_oracle(case: Case) -> None:
    got, want = bills(case), oracle(case)
    for cycle in sorted(set(got) | set(want)):  # no charges, no invoice: a total of 0
        assert got.get(cycle, Fraction(0)) == want.get(cycle, Fraction(0)), (
            iso(cycle[0]),
            got,
            want,
        )
