"""A fee's and a minimum's share of a cycle lies in [0, 1], whatever the plans say.

A plan's fees and minimums are due every cycle, prorated by the share of the cycle the
plan covers (`ratekit._dues`): the parts of the cycle inside the rated span where an
assignment gives the account the plan, by seconds or by whole local days. No value a
caller gives makes that share leave [0, 1]: an assignment is a span (start before end),
an account has one plan at a time (overlapping assignments are refused), two plans
never share an id, a part lies inside its cycle (`prorate` refuses one that does not,
and a cycle of the user's own whose cycles do not hold their pieces is refused), and a
part's whole local days are some of its cycle's. These examples and the law say so. One
plan's shares of a cycle add up to 1 at most, and so do the shares of plans that count
days in different zones across a change between them (`ratekit._cycle_shares`, whose
tests cover that kind).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

SPAN = rk.Span("2026-02-15T00:00:00Z", "2026-05-15T00:00:00Z")  # both DST changes
CYCLES = {
    "daily Zurich": rk.cycles.daily(tz="Europe/Zurich"),
    "weekly New York": rk.cycles.weekly(tz="America/New_York", weekday="Sun"),
    "monthly Zurich day 31": rk.cycles.monthly(tz="Europe/Zurich", day=31),
    "monthly Lord Howe": rk.cycles.monthly(tz="Australia/Lord_Howe"),
    "every 7 hours": rk.cycles.every(dt.timedelta(hours=7), anchor="2026-01-01T00:30:00Z"),
}
ZONES = ["UTC", "Asia/Kolkata", "Pacific/Kiritimati", "Europe/Zurich", "America/St_Johns"]
HOUR_US = 3_600_000_000


def _plans(cycle: rk.cycles.Cycle, proration: str, tz: str) -> tuple[rk.Plan, rk.Plan]:
    return tuple(  # type: ignore[return-value]
        rk.Plan(
            name,
            "EUR",
            cycle,
            [],
            fees=[rk.Fee("base", fee)],
            minimums=[rk.Minimum(minimum)],
            proration=proration,
            tz=tz if proration == "days" else None,
        )
        for name, fee, minimum in (("a", "31", "62"), ("b", "10", "20"))
    )


def test_the_shares_of_a_cycle_cut_by_a_plan_change_add_up_to_one() -> None:
    # March 2026 in UTC, 744 hours; plan a until 11 March 08:00 (248 hours), then b:
    # a's fee 31 x 248/744 = 10.33..., b's 10 x 496/744 = 6.66...; shares 1/3 and 2/3.
    a, b = _plans(rk.cycles.monthly(tz="UTC"), "seconds", "UTC")
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    rating = rk.rate(
        [],
        [
            rk.Assignment("acme", a, end="2026-03-11T08:00:00Z"),
            rk.Assignment("acme", b, start="2026-03-11T08:00:00Z"),
        ],
        span=march,
    )
    shares = {(c.plan, c.kind): c.quantity for c in rating.charges}
    assert shares[("a", "fee")] + shares[("b", "fee")] == 1
    assert shares[("a", "fee")] == Decimal("0." + "3" * 60)  # 248 of 744 hours, 60 digits
    assert shares[("a", "minimum")] == shares[("a", "fee")]


def test_an_assignment_that_overlaps_another_is_refused_not_a_share_past_one() -> None:
    # Two assignments of the plan over 10..20 March would cover those days twice.
    a, _ = _plans(rk.cycles.monthly(tz="UTC"), "seconds", "UTC")
    with pytest.raises(
        rk.BadPriceError, match=r"^account 'acme' is assigned plans 'a' and 'a' at once"
    ):
        rk.rate(
            [],
            [
                rk.Assignment("acme", a, end="2026-03-20T00:00:00Z"),
                rk.Assignment("acme", a, start="2026-03-10T00:00:00Z"),
            ],
            span=SPAN,
        )


def _oracle_seconds(cycle: rk.Span, span: rk.Span, parts: list[tuple[int, int]]) -> Fraction:
    """The covered share of ``cycle`` by brute force: its µs inside the span and a part."""
    lo, hi = max(cycle.start_us, span.start_us), min(cycle.end_us, span.end_us)
    covered = sum(max(0, min(b, hi) - max(a, lo)) for a, b in parts)
    return Fraction(covered, cycle.end_us - cycle.start_us)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    cycle_name=st.sampled_from(sorted(CYCLES)),
    proration=st.sampled_from(["seconds", "days"]),
    tz=st.sampled_from(ZONES),
    cuts=st.lists(st.integers(-400, 2500), min_size=0, max_size=6, unique=True),
    owners=st.lists(st.sampled_from(["a", "b", None]), min_size=7, max_size=7),
)
def test_law_a_fee_or_minimum_share_lies_in_0_1_and_the_parts_add_up(
    cycle_name: str, proration: str, tz: str, cuts: list[int], owners: list[str | None]
) -> None:
    # Oracle: by seconds, the brute-force covered fraction of each cycle; by days, the
    # bound alone (each plan counts its days in one zone, both plans in the same one).
    cycle = CYCLES[cycle_name]
    if proration == "days" and cycle_name == "every 7 hours":
        proration = "seconds"  # a plan refuses days over cycles shorter than a day
    plans = dict(zip("ab", _plans(cycle, proration, tz), strict=True))
    edges = [None, *(SPAN.start_us + c * HOUR_US for c in sorted(cuts)), None]
    assigned: list[rk.Assignment] = []
    parts: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (lo, hi), owner in zip(itertools.pairwise(edges), owners, strict=False):
        if owner is None:
            continue
        start = None if lo is None else rk.Span.from_us(lo, lo).start
        end = None if hi is None else rk.Span.from_us(hi, hi).start
        assigned.append(rk.Assignment("acme", plans[owner], start=start, end=end))
        parts["all"].append((-(2**62) if lo is None else lo, 2**62 if hi is None else hi))
    if not assigned:
        return
    rating = rk.rate([], assigned, span=SPAN)
    total: dict[tuple[str, int], Fraction] = defaultdict(Fraction)
    for charge in rating.charges:
        assert charge.kind in ("fee", "minimum")
        assert 0 <= charge.quantity <= 1, charge
        if charge.kind == "fee":
            total[charge.meter or "", charge.cycle.start_us] += Fraction(charge.quantity)
    for share in total.values():
        assert 0 <= share <= 1 + Fraction(1, 10**58), share
    if proration == "seconds":
        cycles = {c.cycle.start_us: c.cycle for c in rating.charges}
        for (_, start), share in total.items():
            exact = _oracle_seconds(cycles[start], SPAN, parts["all"])
            assert abs(share - exact) <= Fraction(1, 10**58), (share, exact)


def test_a_fee_across_a_change_of_day_zones_is_due_for_one_cycle_at_most() -> None:
    # March 2026 in UTC: 31 UTC days and 31 Kiritimati (UTC+14) days, each plan's fee 31.
    # Plan a (days in Kiritimati) until 1 March 11:00Z holds Kiritimati's midnight of
    # 1 March 10:00Z: 1 of 31 days, 1.00. Plan b (days in UTC) from 11:00Z held the UTC
    # midnights of 2 March to 1 April: 31 of 31 days, 31.00, so 32.00 for one cycle's 31.
    # Now the cycle is counted once: at 11:00Z, 1 of 31 days by Kiritimati's count, 0 by
    # UTC's; the further, 1/31, is a's (1.00) and the rest, 30/31, b's (30.00).
    cycle = rk.cycles.monthly(tz="UTC")
    a = rk.Plan(
        "a", "EUR", cycle, [], fees=[rk.Fee("base", 31)], proration="days", tz="Pacific/Kiritimati"
    )
    b = rk.Plan("b", "EUR", cycle, [], fees=[rk.Fee("base", 31)], proration="days", tz="UTC")
    switch = "2026-03-01T11:00:00Z"
    rating = rk.rate(
        [],
        [rk.Assignment("acme", a, end=switch), rk.Assignment("acme", b, start=switch)],
        span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    )
    assert sum(Fraction(charge.quantity) for charge in rating.charges) <= 1
    assert {charge.plan: charge.amount for charge in rating.charges} == {
        "a": Decimal(1),
        "b": Decimal(30),
    }
