"""A cycle is due once across changes of plan, whatever zone each plan counts days in.

Each plan prorates its fees, minimums, bases and allowances by its own count: seconds,
or whole local days in its zone (a day counts for the part holding its last instant).
Plans that follow each other and count alike cut the cycle into shares that add up to
one. Plans that count differently did not: each counted its own zone's days, so a day
that ended under the first plan in one zone and a day of the second plan's zone that
overlapped it both counted (a fee of 31 due for 32 across a change from Kiritimati's
days to Pago Pago's), or a day counted for neither (30 of 31). Now the cycle has one
position, 0 at its start and 1 at its end: where a plan is in force, the share elapsed
by that plan's count (or the position before it, if further); at a change, the further
of both plans' counts. Each part is due for the position at its end less the one at its
start (`ratekit._cycle_shares`). Midnights, March 2026: UTC 00:00Z, Kiritimati (UTC+14)
10:00Z, Honolulu (UTC-10) 10:00Z, Pago Pago (UTC-11) and Apia (UTC+13) 11:00Z; every
zone has 31 of them in March in UTC (the first, Kiritimati's 1 March 10:00Z, ends its
day of 1 March local; the last, 31 March 10:00Z, its 31 March).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
KIRITIMATI, PAGO_PAGO, APIA = "Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Apia"
LORD_HOWE = "Australia/Lord_Howe"


def _plan(
    name: str,
    tz: str | None,
    proration: str = "days",
    cycle: rk.cycles.Cycle = MONTHLY,
    **terms: Any,
) -> rk.Plan:
    """A plan with a fee of 31 (or ``fee``), counting days in ``tz`` or seconds."""
    fee = terms.pop("fee", 31)
    return rk.Plan(
        name,
        "EUR",
        cycle,
        terms.pop("entries", []),
        fees=[rk.Fee("base", fee)] if fee else [],
        proration=proration,
        tz=tz,
        **terms,
    )


def _rate(
    chain: list[tuple[rk.Plan, str | None]], span: rk.Span = MARCH, **options: Any
) -> list[tuple[str, str, Decimal]]:
    """Rate ``chain`` (each plan from its start to the next one's): (kind, plan, amount)."""
    assigned = [
        rk.Assignment(
            "acme", plan, start=start, end=None if i + 1 == len(chain) else chain[i + 1][1]
        )
        for i, (plan, start) in enumerate(chain)
    ]
    rating = rk.rate(options.pop("records", []), assigned, span=span, **options)
    return [(charge.kind, charge.plan, charge.amount) for charge in rating.charges]


def test_from_kiritimati_days_to_pago_pagos_the_fee_is_due_once() -> None:
    # Change at 1 March 10:30Z. Kiritimati's midnight of 10:00Z ended a day under a: 1 of
    # 31; Pago Pago's first, 11:00Z, is after the change: 0 of 31. Before, b counted Pago
    # Pago's midnights 1 March 11:00Z..31 March 11:00Z, 31 of 31: 1 + 31 = 32.00. Now the
    # change is at the further count, 1/31: a 31 x 1/31 = 1, b 31 x 30/31 = 30.
    a, b = _plan("a", KIRITIMATI), _plan("b", PAGO_PAGO)
    due = _rate([(a, None), (b, "2026-03-01T10:30:00Z")])
    assert due == [("fee", "a", Decimal(1)), ("fee", "b", Decimal(30))]


def test_from_pago_pago_days_to_kiritimatis_no_day_is_lost() -> None:
    # The other way at 10:30Z: a (Pago Pago) has counted 0 days, b (Kiritimati) 1, its
    # midnight of 10:00Z. Before, a was due 0 and b Kiritimati's midnights from 2 March
    # 10:00Z, 30: 30.00, the Kiritimati day ended at 10:00Z in neither. Now a 1 + b 30.
    a, b = _plan("a", PAGO_PAGO), _plan("b", KIRITIMATI)
    due = _rate([(a, None), (b, "2026-03-01T10:30:00Z")])
    assert due == [("fee", "a", Decimal(1)), ("fee", "b", Decimal(30))]


def test_a_change_at_the_midnight_of_one_zone_counts_that_day_once() -> None:
    # UTC days until 1 March 10:00Z, Kiritimati's midnight: its day ends with a's part
    # (a holds its last instant), so 1 of 31 by b's count, 0 by a's: a 1.00, b 30.00
    # (before: a 0, and b counted its midnights after 10:00Z, 30: 30.00 in all).
    a, b = _plan("a", "UTC"), _plan("b", KIRITIMATI)
    due = _rate([(a, None), (b, "2026-03-01T10:00:00Z")])
    assert due == [("fee", "a", Decimal(1)), ("fee", "b", Decimal(30))]
    # Kiritimati's days until 2 March 00:00Z, UTC's midnight: 1 of 31 by both counts (its
    # 10:00Z, UTC's 2 March 00:00Z): a 1.00, b 30.00, as before.
    a, b = _plan("a", KIRITIMATI), _plan("b", "UTC")
    due = _rate([(a, None), (b, "2026-03-02T00:00:00Z")])
    assert due == [("fee", "a", Decimal(1)), ("fee", "b", Decimal(30))]


def test_a_change_at_a_midnight_of_both_zones_is_as_it_was() -> None:
    # Kiritimati (UTC+14) and Honolulu (UTC-10) have their midnights at the same instants,
    # 10:00Z, a day apart in date: at 1 March 10:00Z both have counted 1 of 31, so a is
    # due 1.00 and b, from Honolulu's midnight of 2 March 10:00Z to 31 March's, 30.00.
    a, b = _plan("a", KIRITIMATI), _plan("b", "Pacific/Honolulu")
    due = _rate([(a, None), (b, "2026-03-01T10:00:00Z")])
    assert due == [("fee", "a", Decimal(1)), ("fee", "b", Decimal(30))]


def test_apia_and_pago_pago_count_the_same_days_a_date_apart() -> None:
    # Apia (UTC+13) and Pago Pago (UTC-11) share their midnights, 11:00Z: at 10 March
    # 12:00Z both have counted 1..10 March 11:00Z, 10 of 31: a 10.00, b 21.00.
    a, b = _plan("a", APIA), _plan("b", PAGO_PAGO)
    assert _rate([(a, None), (b, "2026-03-10T12:00:00Z")]) == [
        ("fee", "a", Decimal(10)),
        ("fee", "b", Decimal(21)),
    ]
    # Apia then Kiritimati at 1 March 10:30Z: Apia has counted 0 (11:00Z is to come),
    # Kiritimati 1 (10:00Z): a 1.00 and b 30.00 (before: 0 + 30).
    b = _plan("b", KIRITIMATI)
    assert _rate([(a, None), (b, "2026-03-01T10:30:00Z")]) == [
        ("fee", "a", Decimal(1)),
        ("fee", "b", Decimal(30)),
    ]


def test_lord_howes_half_hour_of_dst_moves_the_day_a_change_falls_in() -> None:
    # Monthly cycles in Lord Howe: April 2026 is 31 March 13:00Z (midnight at UTC+11)
    # .. 30 April 13:30Z (at UTC+10:30: DST ended on 5 April at 02:00 local). Plan a counts
    # Lord Howe's days (the cycle's zone), b UTC's: 30 each in the cycle, fees 30.
    lord_howe = rk.cycles.monthly(tz=LORD_HOWE)
    april = rk.Span("2026-03-31T13:00:00Z", "2026-04-30T13:30:00Z")
    a = _plan("a", None, cycle=lord_howe, fee=30)
    b = _plan("b", "UTC", cycle=lord_howe, fee=30)
    # At 4 April 13:15Z, Lord Howe's midnights of 1..4 April 13:00Z and UTC's of 1..4
    # April 00:00Z have passed, 4 each: a 4.00, b 26.00, as before.
    assert _rate([(a, None), (b, "2026-04-04T13:15:00Z")], april) == [
        ("fee", "a", Decimal(4)),
        ("fee", "b", Decimal(26)),
    ]
    # A day later Lord Howe's midnight is at 13:30Z: at 5 April 13:15Z it has counted 4,
    # UTC 5 (1..5 April). a 5.00, b 25.00 (before: a 4 and b UTC's 6..30 April, 25: 29.00).
    assert _rate([(a, None), (b, "2026-04-05T13:15:00Z")], april) == [
        ("fee", "a", Decimal(5)),
        ("fee", "b", Decimal(25)),
    ]


def test_plans_billing_monthly_in_their_own_zones_count_the_change_once() -> None:
    # Plan a bills months of Kiritimati (its March: 28 February 10:00Z..31 March 10:00Z),
    # b months of UTC, each counting its cycle's zone's days, fees of 31. At 1 March
    # 11:00Z, a has counted Kiritimati's midnight of 1 March 10:00Z: 1 of the 31 days of
    # its March, 1.00. In b's March, a's count at 11:00Z is that same midnight, 1 of 31,
    # and b's none: b is due from 1/31, 30.00 (before: UTC's 31 days, 31.00, with the
    # first ten hours of 1 March in a Kiritimati day and a UTC day both due).
    a = _plan("a", None, cycle=rk.cycles.monthly(tz=KIRITIMATI))
    b = _plan("b", None)
    due = _rate(
        [(a, None), (b, "2026-03-01T11:00:00Z")], rk.Span("2026-02-28T10:00:00Z", MARCH.end)
    )
    assert due == [("fee", "a", Decimal(1)), ("fee", "b", Decimal(30))]


def test_several_changes_in_one_cycle_add_up_to_its_fee() -> None:
    # UTC, Kiritimati from 1 March 05:00Z, Pago Pago from 10 March 10:30Z, UTC again from
    # 20 March 10:45Z. Positions: at 05:00Z, UTC 0 and Kiritimati 0: 0. At 10 March
    # 10:30Z, Kiritimati 10 (1..10 March 10:00Z), Pago Pago 9 (1..9 March 11:00Z): 10/31.
    # At 20 March 10:45Z, Pago Pago 19 (1..19 March), UTC 19 (2..20 March): 19/31.
    # Shares 0, 10, 9 and 31 - 19 = 12 of 31: 0 + 10 + 9 + 12 = 31.00. Before, each
    # plan's own days: 0, 10, 10 (10..19 March 11:00Z) and 12 (21 March..1 April): 32.00.
    utc, kiritimati, pago_pago = _plan("a", "UTC"), _plan("k", KIRITIMATI), _plan("p", PAGO_PAGO)
    due = _rate(
        [
            (utc, None),
            (kiritimati, "2026-03-01T05:00:00Z"),
            (pago_pago, "2026-03-10T10:30:00Z"),
            (utc, "2026-03-20T10:45:00Z"),
        ]
    )
    assert due == [
        ("fee", "a", Decimal(0)),
        ("fee", "k", Decimal(10)),
        ("fee", "p", Decimal(9)),
        ("fee", "a", Decimal(12)),
    ]


@pytest.mark.parametrize(
    ("first", "then"),
    [("days", "seconds"), ("seconds", "days")],
    ids=["days-seconds", "seconds-days"],
)
def test_days_and_seconds_across_a_change_add_up_to_the_cycle(first: str, then: str) -> None:
    # A change at 16 March 12:00Z: 15 whole UTC days (1..15 March) of 31, or 15.5 days of
    # time. The further is 15.5/31 = 1/2: each plan 15.50. Before, days then seconds gave
    # 15.00 + 15.50 (the morning of 16 March in neither), and seconds then days 15.50 +
    # 16.00 (16..31 March: that morning in both).
    a = _plan("a", "UTC" if first == "days" else None, first)
    b = _plan("b", "UTC" if then == "days" else None, then)
    due = _rate([(a, None), (b, "2026-03-16T12:00:00Z")])
    assert due == [("fee", "a", Decimal("15.5")), ("fee", "b", Decimal("15.5"))]


def test_minimums_and_bases_are_due_by_the_same_shares() -> None:
    # Kiritimati then Pago Pago at 10:30Z, as above: shares 1/31 and 30/31. A flat price
    # of 31 is a base of 31 x 1/31 = 1.00 and 31 x 30/31 = 30.00 (before: 1 + 31); a
    # minimum of 62 is 62 x 1/31 = 2 and 62 x 30/31 = 60, less the base spent towards it:
    # top-ups of 1.00 and 30.00 (before: 2 - 1 and 62 - 31 = 31). 62.00 in all, not 64.
    flat = [rk.PriceEntry("vm", "vm.hours", rk.Flat(31))]
    a = _plan("a", KIRITIMATI, fee=0, minimums=[rk.Minimum(62)], entries=flat)
    b = _plan("b", PAGO_PAGO, fee=0, minimums=[rk.Minimum(62)], entries=flat)
    due = _rate([(a, None), (b, "2026-03-01T10:30:00Z")], meters=[VM])
    assert sorted(due) == [
        ("fee", "a", Decimal(1)),
        ("fee", "b", Decimal(30)),
        ("minimum", "a", Decimal(1)),
        ("minimum", "b", Decimal(30)),
    ]


def test_allowances_are_prorated_by_the_same_shares() -> None:
    # A VM on all March, 744 hours, at 1.00 an hour, 31 free hours a cycle on each plan.
    # Kiritimati's days until 11:00Z: 11 hours, 31 x 1/31 = 1 free, 10.00. UTC's from
    # 11:00Z: 733 hours, 31 x 30/31 = 30 free, 703.00 (before: 31 free, 702.00).
    hourly = [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
    free = [rk.Allowance("vm.hours", 31)]
    a = _plan("a", KIRITIMATI, fee=0, entries=hourly, allowances=free)
    b = _plan("b", "UTC", fee=0, entries=hourly, allowances=free)
    on = rk.Event("acme", "vm-1", "2026-02-20T00:00:00Z", kind="start", id="e1")
    due = _rate(
        [(a, None), (b, "2026-03-01T11:00:00Z")], records=[on], meters=[VM], as_of=MARCH.end
    )
    assert due == [("usage", "a", Decimal(10)), ("usage", "b", Decimal(703))]


def test_a_span_cut_inside_the_cycle_gives_the_same_shares() -> None:
    # The chain of several changes rated over 1..15 March 12:00Z and 15 March 12:00Z..1
    # April: the position at the cut is Pago Pago's count then, 15 (1..15 March 11:00Z),
    # so p is due 15 - 10 = 5 and then 19 - 15 = 4 of 31: 5.00 + 4.00 = 9.00, as rated
    # at once; the other plans as above.
    utc, kiritimati, pago_pago = _plan("a", "UTC"), _plan("k", KIRITIMATI), _plan("p", PAGO_PAGO)
    chain = [
        (utc, None),
        (kiritimati, "2026-03-01T05:00:00Z"),
        (pago_pago, "2026-03-10T10:30:00Z"),
        (utc, "2026-03-20T10:45:00Z"),
    ]
    cut = "2026-03-15T12:00:00Z"
    first = _rate(chain, rk.Span(MARCH.start, cut))
    then = _rate(chain, rk.Span(cut, MARCH.end))
    assert first == [("fee", "a", Decimal(0)), ("fee", "k", Decimal(10)), ("fee", "p", Decimal(5))]
    assert then == [("fee", "p", Decimal(4)), ("fee", "a", Decimal(12))]


def test_the_rater_states_the_same_shares_as_rate() -> None:
    # The rater's statements prorate by the same shares: Kiritimati's days, then UTC's
    # from 11:00Z (told with assign), stated at 10:30Z, 11:00Z, 15 March and 1 April: the
    # fees add up to 1.00 and 30.00, as rate() gives them; a snapshot restores.
    a, b = _plan("a", KIRITIMATI), _plan("b", "UTC")
    rater = rk.Rater([rk.Assignment("acme", a)], [VM], start=MARCH.start)
    held = rater.assign(rk.Assignment("acme", b, start="2026-03-01T11:00:00Z"))
    total: dict[str, Decimal] = defaultdict(Decimal)
    for watermark in ("2026-03-01T10:30:00Z", "2026-03-01T11:00:00Z", "2026-03-15T00:00:00Z"):
        for line in rater.statement(watermark).lines:
            total[line.plan] += line.amount
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), held, [VM])
    for line in rater.statement(MARCH.end).lines:
        total[line.plan] += line.amount
    assert dict(total) == {"a": Decimal(1), "b": Decimal(30)}
    assert _rate([(a, None), (b, "2026-03-01T11:00:00Z")]) == [
        ("fee", "a", Decimal(1)),
        ("fee", "b", Decimal(30)),
    ]


def test_a_plans_quantities_pushed_on_by_another_count_add_up_to_one_and_restore() -> None:
    # By seconds until 1 March 20:30Z (20.5 of 744 hours), Kiritimati's days to 21:15Z,
    # by seconds again from 21:15Z, told again at 13 March 01:45Z and 28 March 19:15Z.
    # At 20:30Z Kiritimati has counted 1 of 31 days (24 of 744 hours), the further: a is
    # due 24/744, k 0 (at 21:15Z, 21.25 hours are still behind 24), then a 265.75/744
    # (to 289.75 hours), 377.5/744 (to 667.25) and 76.75/744: exactly 1 cycle, 31.00.
    # Each share rounded at its 60th digit on its own, a's quantities made 1.000...001,
    # more than its own parts' shares (20.5/744 and the rest) reach, and the rater
    # refused its own snapshot of that line. The positions are rounded instead: 1.
    # (The amounts, 1.00 + 11.07291666... + 15.72916666... + 3.19791666..., are each
    # rounded at their 60th digit, as between any parts.)
    a, k = _plan("a", None, "seconds"), _plan("k", KIRITIMATI)
    told = [
        ("2026-03-01T20:30:00Z", k),
        ("2026-03-01T21:15:00Z", a),
        ("2026-03-13T01:45:00Z", a),
        ("2026-03-28T19:15:00Z", a),
    ]
    rater = rk.Rater([rk.Assignment("acme", a)], [VM], start=MARCH.start)
    for at, plan in told:
        held = rater.assign(rk.Assignment("acme", plan, start=at))
    lines = {line.plan: line for line in rater.statement(MARCH.end).lines}
    assert lines["a"].quantity == 1
    assert abs(lines["a"].amount - 31) < Decimal("1E-55")  # each part's amount to 60 digits
    assert (lines["k"].quantity, lines["k"].amount) == (0, 0)
    again = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), held, [VM])
    april = again.statement("2026-04-01T01:00:00Z").total()  # 31 x 1/720 of April's hours
    assert abs(Fraction(april) - Fraction(31, 720)) < Fraction(1, 10**60)
    rating = rk.rate([], held, span=MARCH)
    assert sum(charge.quantity for charge in rating.charges if charge.plan == "a") == 1


# -- the law ---------------------------------------------------------------------------------

ZONES = ["UTC", KIRITIMATI, PAGO_PAGO, LORD_HOWE, APIA, "Asia/Kolkata", "America/St_Johns"]
COUNTS = [None, *ZONES]  # None: by seconds
CYCLES = {"UTC": MONTHLY, LORD_HOWE: rk.cycles.monthly(tz=LORD_HOWE)}
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-05-15T00:00:00Z")  # Lord Howe's DST ends 5 April
MINUTE_US = 60_000_000
ROUNDED = Fraction(1, 10**59)  # half a unit of a share's 60th digit, at most, per share


def _midnights(tz: str, lo_us: int, hi_us: int) -> list[int]:
    """The instants of ``tz``'s local midnights in ``(lo_us, hi_us]``, by zoneinfo."""
    zone = ZoneInfo(tz)
    day = dt.datetime.fromtimestamp(lo_us / 1e6, dt.UTC).date() - dt.timedelta(days=2)
    out = []
    while True:
        at = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
        at_us = round(at.timestamp()) * 1_000_000
        if at_us > hi_us:
            return out
        if at_us > lo_us:
            out.append(at_us)
        day += dt.timedelta(days=1)


def _oracle(parts: list[tuple[int, int, str | None]], cycle: tuple[int, int]) -> list[Fraction]:
    """Each part's share of ``cycle`` by brute force: its position at its end less at its start.

    A plan's count at x: the set of its zone's midnights in (cycle start, x] over the set
    of those in the cycle, or elapsed time over the cycle's. The position at x: the
    furthest count of any plan at an instant up to x where it is in force (the closed
    ends of its parts); a count grows with x, so each part is tried at its end, or at x.
    """
    lo, hi = cycle
    days = {tz: _midnights(tz, lo, hi) for tz in {tz for _, _, tz in parts if tz is not None}}

    def count(tz: str | None, at_us: int) -> Fraction:
        if tz is None:
            return Fraction(at_us - lo, hi - lo)
        return Fraction(len({m for m in days[tz] if m <= at_us}), len(set(days[tz])))

    def position(x: int) -> Fraction:
        return max((count(tz, min(b, x)) for a, b, tz in parts if a <= x), default=Fraction(0))

    return [position(b) - position(a) for a, b, _ in parts]


def _chain(
    changes: list[int], counts: list[str | None], plans: dict[str | None, rk.Plan]
) -> tuple[list[rk.Assignment], list[tuple[int, int, str | None]]]:
    """Assignments changing at ``changes`` (minutes into SPAN), each part's count or a gap."""
    edges = [SPAN.start_us, *(SPAN.start_us + c * MINUTE_US for c in sorted(changes)), SPAN.end_us]
    assigned: list[rk.Assignment] = []
    parts: list[tuple[int, int, str | None]] = []
    for (lo, hi), tz in zip(itertools.pairwise(edges), counts, strict=False):
        if tz == "gap":
            continue
        start, end = rk.Span.from_us(lo, lo).start, rk.Span.from_us(hi, hi).start
        assigned.append(rk.Assignment("acme", plans[tz], start=start, end=end))
        parts.append((lo, hi, tz))
    return assigned, parts


def _check_cycle(
    cycle: tuple[int, int],
    found: list[Fraction],
    parts: list[tuple[int, int, str | None]],
    plans: dict[str | None, rk.Plan],
) -> None:
    """The shares ``found`` of ``cycle`` against the oracle, the bound, and plans' own."""
    lo, hi = cycle
    inside = [(max(a, lo), min(b, hi), tz) for a, b, tz in parts if max(a, lo) < min(b, hi)]
    expected = _oracle(inside, cycle)
    assert len(found) == len(expected)
    for share, exact in zip(found, expected, strict=True):
        assert abs(share - exact) <= ROUNDED, (share, exact, inside)
    total = sum(found, Fraction(0))
    assert total <= 1  # rounded positions, alike or not: exact sums
    if sum(b - a for a, b, _ in inside) == hi - lo:  # plans cover the whole cycle
        assert total == 1, (total, inside)
    if len(inside) == 1:  # one part: its plan's own share
        (a, b, tz), (share,) = inside[0], found
        whole = rk.Span.from_us(lo, hi)
        assert share == Fraction(plans[tz].fraction(rk.Span.from_us(a, b), whole))
    else:  # two parts or more: positions rounded to 60 places, less one another
        assert all((share * 10**60).denominator == 1 for share in found), found


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    cycle_tz=st.sampled_from(sorted(CYCLES)),
    changes=st.lists(st.integers(1, 75 * 24 * 60 - 1), min_size=0, max_size=6, unique=True),
    counts=st.lists(st.sampled_from([*COUNTS, "gap"]), min_size=7, max_size=7),
    cut=st.integers(1, 75 * 24 * 60 - 1),
)
def test_law_the_shares_of_a_cycle_are_counted_once_across_changes(
    cycle_tz: str, changes: list[int], counts: list[str | None], cut: int
) -> None:
    # Random chains of plans counting seconds or days in random zones (gaps between some),
    # changing at random minutes: per cycle, each fee's share is the brute-force oracle's,
    # the shares add up to 1 at most, and to 1 when plans cover the whole cycle; plans
    # that count alike are due their own fraction(); rating the span cut anywhere gives
    # the same shares.
    cycle = CYCLES[cycle_tz]
    plans = {
        tz: _plan(f"p-{tz or 'seconds'}", tz, "seconds" if tz is None else "days", cycle)
        for tz in COUNTS
    }
    assigned, parts = _chain(changes, counts, plans)
    if not assigned:
        return
    rating = rk.rate([], assigned, span=SPAN)
    shares: dict[tuple[int, int], list[Fraction]] = defaultdict(list)
    whole: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for charge in rating.charges:
        assert 0 <= charge.quantity <= 1, charge
        shares[charge.cycle.start_us, charge.cycle.end_us].append(Fraction(charge.quantity))
        whole[charge.plan, charge.cycle.start_us] += Fraction(charge.quantity)
    for cycle_us, found in shares.items():
        _check_cycle(cycle_us, found, parts, plans)
    # Cut anywhere, the two ratings' shares of each plan and cycle add up to the whole's.
    at = rk.Span.from_us(SPAN.start_us + cut * MINUTE_US, SPAN.start_us + cut * MINUTE_US).start
    split: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for span in (rk.Span(SPAN.start, at), rk.Span(at, SPAN.end)):
        for charge in rk.rate([], assigned, span=span).charges:
            split[charge.plan, charge.cycle.start_us] += Fraction(charge.quantity)
    for key in whole.keys() | split.keys():
        assert abs(whole[key] - split[key]) <= 2 * len(parts) * ROUNDED, key


DAILY = rk.cycles.daily(tz="UTC")
DAY_PLANS = {
    tz: _plan(f"d-{tz or 'seconds'}", tz, "seconds" if tz is None else "days", DAILY, fee=24)
    for tz in COUNTS
}


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.integers(1, 3 * 24 * 60 - 1), st.sampled_from(COUNTS)), min_size=1, max_size=5
    ),
    watermarks=st.lists(st.integers(1, 4 * 24 * 60), max_size=5),
)
def test_law_the_raters_statements_add_up_to_rate_across_changes_of_zone(
    changes: list[tuple[int, str | None]], watermarks: list[int]
) -> None:
    # Daily cycles in UTC, plans counting days in random zones (or seconds) told with
    # assign() at random minutes, stated at random watermarks and restored from a
    # snapshot after each statement: the lines add up to one batch rate() of the set.
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    first = rk.Assignment("acme", DAY_PLANS["UTC"])
    rater = rk.Rater([first], [VM], start=start)
    held: tuple[rk.Assignment, ...] = (first,)
    for minute, tz in sorted(dict(changes).items()):
        at = start + dt.timedelta(minutes=minute)
        held = rater.assign(rk.Assignment("acme", DAY_PLANS[tz], start=at))
    stream: dict[object, Fraction] = defaultdict(Fraction)
    watermark = start
    for minutes in [*sorted(watermarks), 4 * 24 * 60]:
        watermark = start + dt.timedelta(minutes=minutes)
        for line in rater.statement(watermark).lines:
            stream[line.plan, line.cycle.start_us] += Fraction(line.amount)
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), held, [VM])
    batch: dict[object, Fraction] = defaultdict(Fraction)
    rating = rk.rate([], held, span=rk.Span(start, watermark), meters=[VM], as_of=watermark)
    for charge in rating.charges:
        batch[charge.plan, charge.cycle.start_us] += Fraction(charge.amount)
    assert {k: v for k, v in stream.items() if v} == {k: v for k, v in batch.items() if v}
    for day in {cycle for _, cycle in batch}:
        assert sum(v for (_, cycle), v in batch.items() if cycle == day) <= 24 + Fraction(1, 10**50)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    cycle_tz=st.sampled_from(sorted(CYCLES)),
    count=st.sampled_from(COUNTS),
    changes=st.lists(
        st.integers(1, (SPAN.end_us - SPAN.start_us) // 1_000_000 - 1), max_size=3, unique=True
    ),
    one_plan=st.booleans(),
)
def test_law_the_shares_of_plans_that_count_alike_add_up_to_one_exactly_or_less(
    cycle_tz: str, count: str | None, changes: list[int], one_plan: bool
) -> None:
    # Plans that count alike (both by seconds, or both by days in one zone), or one plan
    # assigned again, changing at random seconds: per cycle, the fees' quantities add up
    # to 1 exactly (the plans cover every cycle), never to more, each of at most 60 places.
    cycle = CYCLES[cycle_tz]
    proration = "seconds" if count is None else "days"
    plans = [
        _plan(name, count, proration, cycle, fee=1) for name in ("a", "a" if one_plan else "b")
    ]
    instants = [rk.Span.from_us(SPAN.start_us + s * 1_000_000, SPAN.end_us).start for s in changes]
    ends = [SPAN.start, *sorted(instants), None]
    assigned = [
        rk.Assignment("acme", plans[i % 2], start=ends[i], end=ends[i + 1])
        for i in range(len(ends) - 1)
    ]
    totals: dict[int, Fraction] = defaultdict(Fraction)
    for charge in rk.rate([], assigned, span=SPAN).charges:
        assert -charge.quantity.as_tuple().exponent <= 60, charge  # type: ignore[operator]
        totals[charge.cycle.start_us] += Fraction(charge.quantity)
    whole = [total for start, total in totals.items() if start >= SPAN.start_us]
    assert all(total <= 1 for total in totals.values()), totals
    if cycle_tz == "UTC":  # March and April, whole in SPAN; May cut by its end
        assert whole[:2] == [1, 1], totals
