"""A group priced by its total runs on its exact quantity: no rounding residue is priced.

Corrections over a span that crosses a cycle bound are split in proportion to time, an
allowance is pro-rated to the watermark (a share of time that need not terminate in
decimal), and a price by total (Package, Graduated, Volume) prices the group's running
quantity piece by piece. That quantity is summed exactly and handed to the price as the
nearest number ratekit represents (`ratekit._decimals.nearest`): a group whose free parts
(each rounded at its 60th digit) net it to exactly zero is priced at zero, never at a
residue such as ``4E-60`` (which no price's door accepts, and which would start a whole
package). Every amount below is worked by hand; the law is checked against
``fractions.Fraction``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._decimals import nearest
from ratekit._instants import format_us

CALLS = rk.Meter("calls", "call", rk.Discrete())
ZURICH_DAYS = rk.cycles.daily(tz="Europe/Zurich")
START = "2026-03-27T00:00:00+01:00"
TWO_DAYS = rk.Span(START, "2026-03-29T00:00:00+01:00")
AS_OF = "2026-03-28T19:32:03Z"

# The stream of the fault: 8 calls on x at 00:28:52Z on 28 March, a correction of -2
# calls on x over 22:38:30Z (27 March) .. 04:56:27Z, across Zurich's midnight (23:00Z),
# and a correction of -1 call on y on the afternoon of 28 March.
RECORDS = [
    rk.Sample("b", "x", "calls", "2026-03-28T00:28:52Z", 8, id="r181"),
    rk.Sample(
        "b", "x", "calls", "2026-03-28T04:56:27Z", -2, since="2026-03-27T22:38:30Z", id="r184"
    ),
    rk.Sample(
        "b", "y", "calls", "2026-03-28T15:18:49Z", -1, since="2026-03-28T11:09:15Z", id="r212"
    ),
]

# The correction r184 lasts 22,677 s, 1,290 s of them before 23:00Z: -2 x 1290/22677 =
# -0.11377166291837544648763063... falls in the cycle of 27 March (shares of time are cut
# at 1E-24, telescoping), the rest -1.886228337081624553512369 in that of 28 March, where
# x nets 8 - 1.886228337081624553512369 = 6.113771662918375446487631 calls.
BEFORE = Decimal("-0.113771662918375446487631")
X_NET = Decimal("6.113771662918375446487631")
# The allowance of 7 calls a day, pro-rated to 23:00Z .. 19:32:03Z (73,923 s of 86,400):
# 7 x 73923/86400 = 172487/28800 = 5.989131944..., which does not terminate: x takes all
# of it (60 digits shown), and bills 6.113771662918375446487631 - 172487/28800 =
# 0.124639718473931002043186555... calls; y's -1 takes back those billed units, then
# gives 0.875360281526068997956813444... back to the allowance: the cycle nets to
# exactly 0 billed calls (5.113771662918375446487631 calls, less that much free).
FREE_X = Decimal("5.98913194444444444444444444444444444444444444444444444444444")
FREE_Y = Decimal("-0.875360281526068997956813444444444444444444444444444444444444")
BILLED_X = Decimal("0.124639718473931002043186555555555555555555555555555555555556")


def _plan(price: rk.PriceModel) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        ZURICH_DAYS,
        [rk.PriceEntry("calls", "calls", price)],
        allowances=[rk.Allowance("calls", 7)],
    )


def _statement(price: rk.PriceModel) -> list[tuple[str, str, Decimal, Decimal]]:
    rater = rk.Rater(_plan(price), [CALLS], start=START)
    rater.feed(RECORDS)
    report = rater.statement(AS_OF)
    return [
        (line.resource or "", format_us(line.cycle.start_us), line.quantity, line.amount)
        for line in report.lines
    ]


def _charges(price: rk.PriceModel) -> rk.Rating:
    return rk.rate(RECORDS, _plan(price), span=TWO_DAYS, meters=[CALLS], as_of=AS_OF)


def _check_charges(rating: rk.Rating, x_amount: Decimal) -> None:
    """The batch charges of the fault's stream under a price whose x piece costs x_amount."""
    assert [(c.resource, c.quantity, c.free, c.amount) for c in rating.charges] == [
        ("x", BEFORE, Decimal(0), Decimal(0)),  # no allowance is left of 27 March's cycle
        ("x", X_NET, FREE_X, x_amount),
        ("y", Decimal(-1), FREE_Y, x_amount.copy_negate()),
    ]
    assert rating.total() == 0
    # 27 March's part of the correction has no usage to net against in its cycle
    assert [(a.kind, a.record_ids, a.at.isoformat()) for a in rating.anomalies] == [
        ("negative_total", ("r184",), "2026-03-26T23:00:00+00:00")
    ]
    _x, on_x, on_y = rating.charges
    assert on_y.position == BILLED_X  # where x left the group; y brings it to exactly 0
    assert on_x.tiers[0].quantity == BILLED_X
    assert [line.quantity for line in on_y.tiers] == [BILLED_X.copy_negate()]
    assert [invoice.total for invoice in rk.bill(rating)] == [Decimal("0.00"), Decimal("0.00")]


def test_the_package_of_the_fault_prices_the_stream_to_exactly_zero() -> None:
    # Package(10, 0.02): x's 0.124639718... billed calls start 1 package (0.02); y's -1
    # brings the group back to exactly 0 calls, 0 packages: -0.02. The total is 0, where
    # the free parts rounded at their 60th digit left 4E-60, which Package refused.
    package = rk.Package(10, "0.02")
    assert _statement(package) == [
        ("x", "2026-03-26T23:00:00Z", BEFORE, Decimal(0)),
        ("x", "2026-03-27T23:00:00Z", X_NET, Decimal("0.02")),
        ("y", "2026-03-27T23:00:00Z", Decimal(-1), Decimal("-0.02")),
    ]
    _check_charges(_charges(package), Decimal("0.02"))


def test_a_graduated_price_of_the_fault_nets_to_exactly_zero() -> None:
    # Graduated (0, 1] at 0.50, then 0.01: x's 0.124639718473931002043186555...6 billed
    # calls (rounded once, at the 60th digit) lie in the first tier: x 0.50 x that =
    # 0.0623198592369655010215932777...78, y the same back; the total is exactly 0.
    graduated = rk.Graduated([rk.Tier(1, "0.50"), rk.Tier(None, "0.01")])
    half = Decimal("0.062319859236965501021593277777777777777777777777777777777778")
    assert _statement(graduated) == [
        ("x", "2026-03-26T23:00:00Z", BEFORE, Decimal(0)),
        ("x", "2026-03-27T23:00:00Z", X_NET, half),
        ("y", "2026-03-27T23:00:00Z", Decimal(-1), half.copy_negate()),
    ]
    _check_charges(_charges(graduated), half)


def test_a_volume_price_of_the_fault_nets_to_exactly_zero() -> None:
    # Volume (0, 5] at 1, then 0.5: x's 0.124639718473931002043186555...6 billed calls
    # select the first tier: 1 x that; y takes it back: the total is exactly 0.
    volume = rk.Volume([rk.Tier(5, "1"), rk.Tier(None, "0.5")])
    assert _statement(volume) == [
        ("x", "2026-03-26T23:00:00Z", BEFORE, Decimal(0)),
        ("x", "2026-03-27T23:00:00Z", X_NET, BILLED_X),
        ("y", "2026-03-27T23:00:00Z", Decimal(-1), BILLED_X.copy_negate()),
    ]
    _check_charges(_charges(volume), BILLED_X)


def test_the_stream_of_the_fault_rates_at_every_watermark_and_adds_up() -> None:
    # Every ten minutes from 15:20Z to 23:00Z (the cycle's end), and a day later: no
    # statement is refused (8 of them were, with the residue 4E-60), and the statements'
    # lines add up to the batch rate() at each watermark. The cycle of 28 March nets
    # 5.113771662918375446487631 calls (y's -1 is known from 15:18:49Z on) against 7 x
    # elapsed/86400 free: 1 package (0.02) until the allowance reaches them, 63,116.21 s
    # after 23:00Z (5.113771662918375446487631 x 86400 / 7), at 16:31:56.21Z; 0 from then
    # on.
    plan = _plan(rk.Package(10, "0.02"))
    rater = rk.Rater(plan, [CALLS], start=START)
    rater.feed(RECORDS)
    stated = Decimal(0)
    first = datetime.fromisoformat("2026-03-28T15:20:00+00:00")
    watermarks = [first + timedelta(minutes=10 * k) for k in range(47)]
    reached = datetime.fromisoformat("2026-03-28T16:31:56.21+00:00")
    for watermark in [*watermarks, datetime.fromisoformat("2026-03-29T23:00:00+00:00")]:
        stated += sum((line.amount for line in rater.statement(watermark).lines), Decimal(0))
        batch = rk.rate(RECORDS, plan, span=TWO_DAYS, meters=[CALLS], as_of=watermark)
        assert batch.total() == (Decimal("0.02") if watermark < reached else 0), watermark
        assert stated == batch.total()


def test_nearest_is_the_number_ratekit_represents_nearest_an_exact_value() -> None:
    # 4E-60 (a residue) is nearer 0 than 1E-30; 6E-31 nearer 1E-30; 5E-31, a tie, goes to
    # 0 (the even one); 1/3 rounds at its 60th digit; a terminating value is itself.
    assert nearest(Decimal("4E-60")) == 0
    assert nearest(Fraction(-4, 10**60)) == 0
    assert nearest(Decimal("6E-31")) == Decimal("1E-30")
    assert nearest(Fraction(-6, 10**31)) == Decimal("-1E-30")
    assert nearest(Decimal("5E-31")) == 0
    assert nearest(Fraction(5, 10**31)) == 0
    assert nearest(Fraction(1, 3)) == Decimal("0." + "3" * 60)
    assert nearest(Fraction(172487, 28800)) == FREE_X
    assert str(nearest(Decimal("2.50"))) == "2.50"
    assert nearest(Fraction(7, 8)) == Decimal("0.875")
    assert nearest(Decimal("1E-30")) == Decimal("1E-30")


def test_nearest_of_a_decimal_that_fits_is_that_decimal_and_of_others_a_new_one() -> None:
    # A group's running quantity and what its price is handed for it are one object
    # where it fits in 60 digits (not a copy per piece priced).
    fits = Decimal("123456789.25")
    assert nearest(fits) is fits
    wide = Decimal("1." + "0" * 60)  # 61 digits of one value: its 60-digit form
    assert nearest(wide) == 1
    assert str(nearest(wide)) == "1." + "0" * 59
    assert str(nearest(Decimal("-0"))) == "0"  # never -0
    assert str(nearest(Decimal("-0.00"))) == "0.00"
    long = Decimal("1." + "1" * 60)  # 61 significant digits: rounded at the 60th
    assert nearest(long) == Decimal("1." + "1" * 59)


# -- the law ----------------------------------------------------------------------------

# Zones and a local midnight the day before a change of their UTC offset (Lord Howe's
# shifts by 30 minutes): the rated span of three days crosses two cycle bounds and one
# 23-, 23.5- or 25-hour day.
_ZONES = {
    "UTC": "2026-03-27",
    "Europe/Zurich": "2026-03-28",
    "America/New_York": "2026-03-07",
    "Australia/Lord_Howe": "2026-04-04",
}
_PRICES = {
    "package": rk.Package(10, "0.02"),
    "package-free": rk.Package(3, "1.3", free=2),
    "graduated": rk.Graduated([rk.Tier(1, "0.50"), rk.Tier(4, "0.30"), rk.Tier(None, "0.01")]),
    "volume": rk.Volume([rk.Tier(2, "1"), rk.Tier(None, "0.5", flat=1)], flat_at_zero=False),
}


def _oracle(name: str, billed: Fraction) -> Fraction:
    """The price of ``billed`` (at least 0) calls, exact, with no base (amount(0) = 0)."""
    if name == "package":
        return -(-billed // 10) * Fraction("0.02")
    if name == "package-free":
        return -(-max(billed - 2, Fraction(0)) // 3) * Fraction("1.3")
    if name == "graduated":
        return (
            min(billed, Fraction(1)) * Fraction("0.50")
            + min(max(billed - 1, Fraction(0)), Fraction(3)) * Fraction("0.30")
            + max(billed - 4, Fraction(0)) * Fraction("0.01")
        )
    if billed == 0:
        return Fraction(0)
    return billed if billed <= 2 else billed * Fraction("0.5") + 1


def _at(t_us: int) -> datetime:
    return rk.Span.from_us(t_us, t_us).start


@settings(max_examples=LAWS, deadline=None)
@given(
    zone=st.sampled_from(sorted(_ZONES)),
    name=st.sampled_from(sorted(_PRICES)),
    allowance=st.integers(1, 9),
    draws=st.randoms(use_true_random=False),
)
def test_rating_at_any_watermark_prices_the_cycle_net_less_its_prorated_allowance(
    zone: str, name: str, allowance: int, draws: random.Random
) -> None:
    # Law: deltas of either sign on two resources, over spans of up to 20 hours that may
    # cross cycle bounds (a change of UTC offset among them), under a daily allowance
    # pro-rated to the watermark and a price by total. At any watermark t, rate(as_of=t)
    # never raises, and each cycle costs price(max(0, net - allowance x elapsed/cycle))
    # exactly (a Fraction oracle; a net below zero costs 0); the rater's statements at
    # the same watermarks add up to those ratings. Besides random records, each example
    # holds the shape of the fault: in the cycle of a watermark t, usage on x of about
    # the allowance pro-rated to t (pool), then a correction on y: x's billed part
    # ceil(pool) - pool and what y gives back lie below 1 while the pool lies above, so
    # their free parts end at different digits and a rounded sum misses zero.
    start = datetime.fromisoformat(_ZONES[zone]).replace(tzinfo=ZoneInfo(zone))
    span = rk.Span(start, start + timedelta(days=3))
    length = span.end_us - span.start_us
    cycles = rk.cycles.daily(tz=zone)
    records = []
    for i in range(draws.randint(0, 4)):
        at_us = span.start_us + draws.randint(1, length)
        since_us = max(span.start_us, at_us - draws.randint(1, 20 * 3600 * 10**6))
        value = draws.choice([v for v in range(-9, 10) if v])
        since = _at(since_us) if draws.random() < 0.8 else None
        resource = draws.choice("xy")
        records.append(
            rk.Sample("b", resource, "calls", _at(at_us), value, since=since, id=f"r{i}")
        )
    t_us = span.start_us + draws.randint(1, length)
    lo, hi = cycles.containing_us(t_us)
    pool = Fraction(allowance) * (t_us - max(lo, span.start_us)) / (hi - lo)
    x_us = draws.randint(max(lo, span.start_us), t_us)
    y_us = draws.randint(x_us, t_us)
    usage = -(-pool // 1) + draws.choice([-1, 0, 0, 1])  # ceil(pool), or about it
    records.append(rk.Sample("b", "x", "calls", _at(x_us), usage, id="x"))
    records.append(rk.Sample("b", "y", "calls", _at(y_us), -draws.randint(1, 2), id="y"))
    plan = rk.Plan(
        "p",
        "EUR",
        cycles,
        [rk.PriceEntry("calls", "calls", _PRICES[name])],
        allowances=[rk.Allowance("calls", allowance)],
    )
    rater = rk.Rater(plan, [CALLS], start=span.start)
    rater.feed(records)
    stated = Fraction(0)
    others = [span.start_us + draws.randint(1, length) for _ in range(2)]
    for watermark in sorted({t_us, *others}):
        rating = rk.rate(records, plan, span=span, meters=[CALLS], as_of=_at(watermark))
        net: dict[tuple[int, int], Fraction] = {}
        cost: dict[tuple[int, int], Fraction] = {}
        for charge in rating.charges:
            assert charge.kind == "usage"
            cycle = (charge.cycle.start_us, charge.cycle.end_us)
            net[cycle] = net.get(cycle, Fraction(0)) + Fraction(charge.quantity)
            cost[cycle] = cost.get(cycle, Fraction(0)) + Fraction(charge.amount)
            # the breakdown goes where the price went: its lines add up to the amount (each
            # line's amount rounded at its 60th digit where the quantity does not terminate)
            lines = sum((Fraction(line.amount) for line in charge.tiers), Fraction(0))
            assert abs(lines - Fraction(charge.amount)) < Fraction(1, 10**50)
        for (start_us, end_us), quantity in net.items():
            elapsed = min(end_us, watermark) - max(start_us, span.start_us)
            offered = Fraction(allowance) * elapsed / (end_us - start_us)
            exact = _oracle(name, max(Fraction(0), quantity - offered))
            if name.startswith("package"):
                assert cost[start_us, end_us] == exact
            else:  # a quantity that does not terminate is priced at its 60th digit
                assert abs(cost[start_us, end_us] - exact) < Fraction(1, 10**50)
        report = rater.statement(_at(watermark))
        stated += sum((Fraction(line.amount) for line in report.lines), Fraction(0))
        assert stated == Fraction(rating.total())


# -- a charge's breakdown ---------------------------------------------------------------

_VOLUME = rk.Volume([rk.Tier(2, "1"), rk.Tier(None, "0.5")])
_MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _grouped(position: str, quantity: str, free: str, after: str | None) -> rk.Charge:
    return rk.Charge(
        "acme", "calls", "x", _MARCH, _MARCH, quantity, "call", 0, "EUR", "p", "e", None,
        free=free, price=_VOLUME, position=position, after=after,
    )  # fmt: skip


def test_a_charge_breakdown_goes_from_position_to_after() -> None:
    # A piece that brought its group from 1 to 3 calls (its price priced it so, after):
    # Volume's tier 0 at 1 is taken back (-1 x 1), tier 1 prices 3 x 0.5 = 1.5; its
    # position + quantity - free (1 + 2.5 - 0.4 = 3.1) is not where the lines go.
    lines = _grouped("1", "2.5", "0.4", "3").tiers
    assert [(line.label, line.quantity, line.amount) for line in lines] == [
        ("tiers[1]", Decimal(3), Decimal("1.5")),
        ("tiers[0]", Decimal(-1), Decimal(-1)),
    ]


def test_a_charge_made_by_hand_goes_to_the_nearest_of_its_exact_sum() -> None:
    # No after: position + quantity - free, exact, then the nearest number represented.
    # 0.333...3 (60 digits) + 1 - 1.333...3 (60 digits, the last at 1E-59) is 3E-60 exactly,
    # nearer 0 than 1E-30: the group is back at 0, and the lines take tier 0 back whole.
    third = "0." + "3" * 60
    lines = _grouped(third, "1", "1." + "3" * 59, None).tiers
    assert [(line.quantity, line.amount) for line in lines] == [
        (Decimal("-" + third), Decimal("-" + third))
    ]


def test_a_tier_left_is_taken_back_exactly_in_any_context() -> None:
    # From 2.333...3 (60 digits) to 1.333...3: tier 1 (2.333...3 x 0.5) is taken back with
    # all its 60 digits, not at the caller's 28 (Python's default precision).
    high = "2." + "3" * 59
    with localcontext(prec=28):
        lines = _grouped(high, "-1", "0", "1." + "3" * 59).tiers
    assert [(line.label, line.quantity) for line in lines] == [
        ("tiers[0]", Decimal("1." + "3" * 59)),
        ("tiers[1]", Decimal("-" + high)),
    ]
    assert lines[1].amount == Decimal(
        "-1.16666666666666666666666666666666666666666666666666666666666"
    )


def test_pieces_that_follow_one_another_merge_in_one_progression_on_the_invoice() -> None:
    # x bills 0.124639718473931002043186555...56 calls (its quantity less the 7 free calls
    # pro-rated to 19:32:03Z, exact) and y's 3 calls follow, from there to 3.124639718...;
    # x's quantity less its free part as shown (rounded at the 60th digit, the last at
    # 1E-59) lies 4E-60 above where y starts: the charges follow one another (after), and
    # the invoice shows one progression: tier 0 filled (1 x 0.50) and 2.124639718... x 0.01.
    graduated = rk.Graduated([rk.Tier(1, "0.50"), rk.Tier(None, "0.01")])
    records = [*RECORDS[:2], rk.Sample("b", "y", "calls", "2026-03-28T15:18:49Z", 3, id="r212")]
    rating = rk.rate(records, _plan(graduated), span=TWO_DAYS, meters=[CALLS], as_of=AS_OF)
    _x, on_x, on_y = rating.charges
    assert (on_x.after, on_y.position) == (BILLED_X, BILLED_X)
    assert on_x.position == 0
    shown = Fraction(on_x.quantity) - Fraction(on_x.free)
    assert shown - Fraction(BILLED_X) == Fraction(4, 10**60)
    _before, day = rk.bill(rating)
    (line,) = day.lines
    assert line.resource is None
    assert [(tier.label, tier.quantity) for tier in line.tiers] == [
        ("tiers[0]", Decimal(1)),
        ("tiers[1]", Decimal("2.12463971847393100204318655555555555555555555555555555555556")),
    ]


# -- a minimum met but for the shares' own rounding ----------------------------------------

PEAK = rk.Meter("peak", "user", rk.Max())
TIERED_PEAK = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("peak", "peak", rk.Graduated([rk.Tier(5, 2), rk.Tier(None, 1)]))],
    minimums=[rk.Minimum(28)],
)
TWO_PEAKS = [
    rk.Sample("a", "r1", "peak", "2026-03-01T06:00:00Z", 15, kind="gauge", id="x"),
    rk.Sample("a", "r2", "peak", "2026-03-01T06:00:00Z", 8, kind="gauge", id="y"),
]


def test_a_minimum_met_but_for_the_shares_rounding_tops_up_nothing() -> None:
    # The account's peak is 15 + 8 = 23 users: 5 x 2 + 18 x 1 = 28 EUR, shared 15/23 and
    # 8/23 between the two resources (18.26..., 9.739...). Each share rounded apart at its
    # 60th digit added up to 27.99...9, 1E-58 short of the minimum of 28; the shares are
    # now rounded so that they add up to the peak's amount, 28 exactly. Either way the
    # top-up is nothing (a shortfall below 1E-30 is the nearest amount carried, 0) and
    # rating does not fail on it. The invoice: 18.26 + 9.74 = 28.00.
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    rating = rk.rate(TWO_PEAKS, TIERED_PEAK, span=day, meters=[PEAK])
    shares = [c.amount for c in rating.charges if c.entry == "peak"]
    assert sum(map(Fraction, shares)) == 28
    assert [c.amount for c in rating.charges if c.kind == "minimum"] in ([], [0])
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("28.00")


def test_the_rater_closes_that_cycle_too() -> None:
    rater = rk.Rater(TIERED_PEAK, [PEAK], start="2026-03-01T00:00:00Z")
    rater.feed(TWO_PEAKS)
    statement = rater.statement("2026-03-03T00:00:00Z")
    # 1 March as above; 2 March, no peak: the minimum's top-up, 28.
    totals = [(format_us(i.cycle.start_us)[:10], i.total) for i in statement.invoices]
    assert totals == [("2026-03-01", Decimal("28.00")), ("2026-03-02", Decimal("28.00"))]


@pytest.mark.parametrize(
    ("nines_then", "plan_wide", "per_meter", "whole"),
    [
        # Each meter spends 1 - 4E-31 against its minimum of 1: 4E-31 short, an exact
        # shortfall, topped up as it is (was: its nearest number of an input's range, 0,
        # and the plan-wide minimum topped up the 1.2E-30 instead). The plan-wide minimum
        # of 3 then counts what was charged, 3 exactly: nothing more is due.
        ("6", 3, ["4E-31", "4E-31", "4E-31"], "0"),
        # 6E-31 short each, topped up exactly (was: 1E-30 each). The plan-wide 4 counts
        # those as charged: 4 - 3 x (1 - 6E-31) - 3 x 6E-31 = 1.
        ("4", 4, ["6E-31", "6E-31", "6E-31"], "1"),
    ],
)
def test_a_plan_wide_minimum_counts_the_per_meter_top_ups_as_charged(
    nines_then: str, plan_wide: int, per_meter: list[str], whole: str
) -> None:
    names = ["m1", "m2", "m3"]
    meters = [rk.Meter(name, "c", rk.Discrete()) for name in names]
    price = "0." + "9" * 30 + nines_then
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [rk.PriceEntry(name, name, rk.PerUnit(price)) for name in names],
        minimums=[*(rk.Minimum(1, meter=name) for name in names), rk.Minimum(plan_wide)],
    )
    samples = [rk.Sample("a", "r", name, "2026-03-01T01:00:00Z", 1, id=name) for name in names]
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    rating = rk.rate(samples, plan, span=day, meters=meters)
    top_ups = {c.entry: c.amount for c in rating.charges if c.kind == "minimum"}
    assert [top_ups.get(f"minimum:{name}", Decimal(0)) for name in names] == [
        Decimal(amount) for amount in per_meter
    ]
    assert top_ups.get("minimum", Decimal(0)) == Decimal(whole)  # (none: nothing due)
    assert sum(Fraction(c.amount) for c in rating.charges) == plan_wide
