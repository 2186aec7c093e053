"""A peak (an aggregate that does not add up) under prices that change inside the cycle.

The rule (docs/usage.md, "Aggregations that do not add up"): each price regime prices the
cycle's WHOLE aggregate under its own price model and takes its share of the cycle, so a
cycle costs sum over regimes of share x price(aggregate), whatever order the prices come in.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
HALF = "2026-04-16T00:00:00Z"  # 15 of April's 30 days on each side
PEAK = rk.Meter("peak", "user", rk.Max())
READINGS = [
    rk.Sample(
        "acme", "app", "peak", f"2026-04-{day:02}T00:00:00Z", value, kind="gauge", id=f"p{day}"
    )
    for day, value in [(3, 4), (10, 10), (20, 7)]
]  # the peak of April: 10
A = rk.Graduated([rk.Tier(5, "10"), rk.Tier(None, "8")])  # A(10) = 5 * 10 + 5 * 8 = 90
B = rk.Graduated([rk.Tier(5, "20"), rk.Tier(None, "16")])  # B(10) = 5 * 20 + 5 * 16 = 180


def _price_change(first: rk.PriceModel, then: rk.PriceModel) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("a", "peak", first),
            rk.PriceEntry("b", "peak", then, start=HALF, priority=1),
        ],
    )


def _rate(plans: rk.Plan | list[rk.Assignment]) -> rk.Rating:
    return rk.rate(READINGS, plans, span=APRIL, meters=[PEAK], as_of=APRIL.end)


def test_a_peak_under_a_graduated_price_that_changes_mid_cycle_prices_the_whole_peak_twice() -> (
    None
):
    rating = _rate(_price_change(A, B))
    # A(10) x 15/30 + B(10) x 15/30 = 90/2 + 180/2 = 45 + 90 = 135 (not 5 users at A's
    # first tier and 5 more at B's second: 50 + 80 = 130).
    assert [(c.entry, c.quantity, c.amount) for c in rating.charges] == [
        ("a", Decimal(5), Decimal(45)),
        ("b", Decimal(5), Decimal(90)),
    ]
    assert rating.total() == Decimal(135)


def test_the_order_of_the_prices_does_not_change_a_peak_s_amount() -> None:
    # B for the first half, A for the second: 180/2 + 90/2 = 135 again (not 140).
    assert _rate(_price_change(B, A)).total() == Decimal(135)


def test_a_peak_under_a_volume_price_that_changes_mid_cycle() -> None:
    volume_a = rk.Volume([rk.Tier(5, "10"), rk.Tier(None, "8")])  # 10 users: 10 * 8 = 80
    volume_b = rk.Volume([rk.Tier(5, "20"), rk.Tier(None, "16")])  # 10 users: 10 * 16 = 160
    rating = _rate(_price_change(volume_a, volume_b))
    # 80 x 15/30 + 160 x 15/30 = 40 + 80 = 120 (not 110, with a line of -5 * 20 = -100).
    assert rating.total() == Decimal(120)
    (invoice,) = rk.bill(rating)
    # Each line shows the whole peak's tier (10 users at the volume tier's price) and the
    # share its price takes (5 of the 10: 15 days of 30): 10 * 8 * 5/10 = 40.
    assert invoice.to_text() == (
        "Invoice acme, 2026-04-01T00:00:00Z .. 2026-05-01T00:00:00Z, EUR\n"
        "\n"
        "  line      quantity  unit price  amount\n"
        "  peak · a    5 user      tiered   40.00\n"
        "      tiers[1] (5, ∞): 10 * 8 * 5/10 = 40.00\n"
        "  peak · b    5 user      tiered   80.00\n"
        "      tiers[1] (5, ∞): 10 * 16 * 5/10 = 80.00\n"
        "\n"
        "  total                           120.00"
    )


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (rk.Min(), Decimal(60)),  # 4: A(4) = 40, B(4) = 80; 40/2 + 80/2 = 60
        (rk.Latest(), Decimal(99)),  # 7: A(7) = 50 + 16 = 66, B(7) = 132; 33 + 66 = 99
        (rk.UniqueCount(), Decimal(45)),  # 3 values: A(3) = 30, B(3) = 60; 15 + 30 = 45
    ],
)
def test_every_aggregate_that_does_not_add_up_is_priced_whole_under_each_price(
    policy: rk.SamplePolicy, expected: Decimal
) -> None:
    meter = rk.Meter("peak", "user", policy)
    rating = rk.rate(READINGS, _price_change(A, B), span=APRIL, meters=[meter], as_of=APRIL.end)
    assert rating.total() == expected


def test_a_per_unit_peak_still_costs_each_price_for_its_share() -> None:
    # docs/usage.md: 10 x 15/30 x 2 + 10 x 15/30 x 3 = 10 + 15 = 25.
    assert _rate(_price_change(rk.PerUnit(2), rk.PerUnit(3))).total() == Decimal(25)


def test_a_plan_change_to_an_identical_price_leaves_a_peak_s_amount_as_it_was() -> None:
    def plan(name: str) -> rk.Plan:
        return rk.Plan(name, "EUR", MONTHLY, [rk.PriceEntry("s", "peak", A)])

    rating = _rate(
        [rk.Assignment("acme", plan("A"), end=HALF), rk.Assignment("acme", plan("B"), start=HALF)]
    )
    # A(10)/2 + A(10)/2 = 45 + 45 = 90, what one plan charges for a peak of 10 (not 100).
    assert [(c.plan, c.amount) for c in rating.charges] == [("A", 45), ("B", 45)]
    assert rating.total() == Decimal(90)
    (invoice,) = rk.bill(rating)
    # One price on both sides of the change stays one formula: half of A's lines for 10
    # users from each plan, 2.5 + 2.5 = 5 users of each tier (5 * 10 + 5 * 8 = 90).
    assert invoice.to_text() == (
        "Invoice acme, 2026-04-01T00:00:00Z .. 2026-05-01T00:00:00Z, EUR\n"
        "\n"
        "  line      quantity  unit price  amount\n"
        "  peak · s   10 user      tiered   90.00\n"
        "      tiers[0] (0, 5]: 5 * 10 = 50.00\n"
        "      tiers[1] (5, ∞): 5 * 8 = 40.00\n"
        "\n"
        "  total                            90.00"
    )


def test_a_peak_under_two_plans_prices_prints_each_plans_part_labelled() -> None:
    def plan(name: str, price: rk.PriceModel) -> rk.Plan:
        return rk.Plan(name, "EUR", MONTHLY, [rk.PriceEntry("s", "peak", price)])

    rating = _rate(
        [
            rk.Assignment("acme", plan("A", A), end=HALF),
            rk.Assignment("acme", plan("B", B), start=HALF),
        ]
    )
    (invoice,) = rk.bill(rating)
    # 90/2 + 180/2 = 135: each plan's lines of the whole peak of 10 (5 users in each
    # tier), with its share of it (5 of 10).
    assert invoice.to_text() == (
        "Invoice acme, 2026-04-01T00:00:00Z .. 2026-05-01T00:00:00Z, EUR\n"
        "\n"
        "  line      quantity  unit price  amount\n"
        "  peak · s   10 user      varies  135.00\n"
        "      A · tiers[0] (0, 5]: 5 * 10 * 5/10 = 25.00\n"
        "      A · tiers[1] (5, ∞): 5 * 8 * 5/10 = 20.00\n"
        "      B · tiers[0] (0, 5]: 5 * 20 * 5/10 = 50.00\n"
        "      B · tiers[1] (5, ∞): 5 * 16 * 5/10 = 40.00\n"
        "\n"
        "  total                           135.00"
    )


def test_a_peak_s_charge_explains_its_share_of_the_whole_peak() -> None:
    charge = _rate(_price_change(A, B)).charges[0]
    assert charge.whole == Decimal(10)
    # A's lines for the whole peak of 10 users (5 in each tier), for the charge's share
    # of it, 5 of 10: 5 * 10 * 5/10 + 5 * 8 * 5/10 = 25 + 20 = 45, the charge.
    assert [str(line) for line in charge.tiers] == [
        "tiers[0] (0, 5]: 5 * 10 * 5/10 = 25",
        "tiers[1] (5, ∞): 5 * 8 * 5/10 = 20",
    ]
    assert [(line.quantity, line.part, line.whole) for line in charge.tiers] == [
        (5, 5, 10),
        (5, 5, 10),
    ]
    assert sum(line.amount for line in charge.tiers) == charge.amount


def test_an_allowance_on_a_peak_frees_its_first_units_and_each_price_prices_what_is_left() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [rk.PriceEntry("a", "peak", A), rk.PriceEntry("b", "peak", B, start=HALF, priority=1)],
        allowances=[rk.Allowance("peak", 2)],
    )
    rating = _rate(plan)
    # The shares 5 and 5; the allowance frees the first 2 (in time order): billable 3
    # and 5, so 8 users are priced. A(8) = 50 + 3 * 8 = 74, B(8) = 100 + 3 * 16 = 148;
    # each price takes its part of the billable peak: 3/8 * 74 = 27.75, 5/8 * 148 = 92.50.
    assert [(c.free, c.amount) for c in rating.charges] == [
        (Decimal(2), Decimal("27.75")),
        (Decimal(0), Decimal("92.5")),
    ]
    # Each line: A's (then B's) lines of the billable peak of 8, for 3 (then 5) of it:
    # 5 * 10 * 3/8 + 3 * 8 * 3/8 = 18.75 + 9 = 27.75; 5 * 20 * 5/8 + 3 * 16 * 5/8 = 62.5 + 30.
    assert [[str(line) for line in c.tiers] for c in rating.charges] == [
        ["tiers[0] (0, 5]: 5 * 10 * 3/8 = 18.75", "tiers[1] (5, ∞): 3 * 8 * 3/8 = 9"],
        ["tiers[0] (0, 5]: 5 * 20 * 5/8 = 62.5", "tiers[1] (5, ∞): 3 * 16 * 5/8 = 30"],
    ]
    # As a per-unit price would: 2 per unit then 3 gives 3 * 2 + 5 * 3.
    per_unit = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("a", "peak", rk.PerUnit(2)),
            rk.PriceEntry("b", "peak", rk.PerUnit(3), start=HALF, priority=1),
        ],
        allowances=[rk.Allowance("peak", 2)],
    )
    assert _rate(per_unit).total() == Decimal(21)


def test_rows_rated_with_their_meters_are_priced_as_the_records_are() -> None:
    usage = rk.meter(
        READINGS,
        [PEAK],
        span=APRIL,
        cycle=MONTHLY,
        as_of=APRIL.end,
        cuts={"peak": [rk.Span(HALF, APRIL.end).start_us]},
    )
    plan = _price_change(A, B)
    assert rk.rate(usage, plan, span=APRIL, meters=[PEAK]).total() == Decimal(135)
    assert rk.rate(list(usage.rows), plan, span=APRIL, meters=[PEAK]).total() == Decimal(135)
    # A Usage carries its meters (135 without meters= again); bare rows without their
    # meters are quantities that add up: 5 at A's first tier, then 5 more at B's second,
    # 50 + 80 = 130.
    assert rk.rate(usage, plan, span=APRIL).total() == Decimal(135)
    assert rk.rate(list(usage.rows), plan, span=APRIL).total() == Decimal(130)


@pytest.mark.parametrize("allowance", [None, 2])
def test_the_streaming_rater_prices_a_peak_as_batch_rating_does(allowance: int | None) -> None:
    plan = _price_change(A, B)
    if allowance is not None:  # then every statement rates the open cycle again
        plan = rk.Plan(
            "p", "EUR", MONTHLY, plan.entries, allowances=[rk.Allowance("peak", allowance)]
        )
    batch = _rate(plan).total()  # 135, or 27.75 + 92.50 = 120.25 with 2 free
    rater = rk.Rater(plan, [PEAK], start=APRIL.start, horizon=dt.timedelta(0))
    rater.feed(READINGS[:2])
    first = rater.statement("2026-04-12T00:00:00Z")
    rater.feed(READINGS[2:])
    end = rater.statement(APRIL.end)
    usage = [line for s in (first, end) for line in s.lines if line.kind == "usage"]
    assert batch == (Decimal(135) if allowance is None else Decimal("120.25"))
    assert sum(line.amount for line in usage) == batch
    (invoice,) = end.invoices
    assert invoice.total == batch


# -- the law ---------------------------------------------------------------------------------

_TIERS = st.lists(st.integers(1, 30), min_size=1, max_size=3)


def _model(kind: str, bounds: list[int], units: list[int]) -> rk.PriceModel:
    ups = sorted(set(bounds))
    tiers = [rk.Tier(up, unit) for up, unit in zip(ups, units, strict=False)]
    tiers.append(rk.Tier(None, units[-1]))
    return rk.Graduated(tiers) if kind == "graduated" else rk.Volume(tiers)


@settings(max_examples=max(LAWS // 4, 100), deadline=None)
@given(
    values=st.lists(st.integers(0, 40), min_size=1, max_size=4),
    kinds=st.tuples(*[st.sampled_from(["graduated", "volume"])] * 2),
    bounds=st.tuples(_TIERS, _TIERS),
    units=st.tuples(*[st.lists(st.integers(0, 50), min_size=4, max_size=4)] * 2),
    change_h=st.integers(1, 30 * 24 - 1),
)
def test_a_peak_costs_each_price_of_the_whole_peak_for_its_share_of_the_cycle(
    values: list[int],
    kinds: tuple[str, str],
    bounds: tuple[list[int], list[int]],
    units: tuple[list[int], list[int]],
    change_h: int,
) -> None:
    first = _model(kinds[0], bounds[0], units[0])
    then = _model(kinds[1], bounds[1], units[1])
    at = APRIL.start + dt.timedelta(hours=change_h)
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [rk.PriceEntry("a", "peak", first), rk.PriceEntry("b", "peak", then, start=at, priority=1)],
    )
    readings = [
        rk.Sample("acme", "app", "peak", APRIL.start + dt.timedelta(days=3 * i), v, kind="gauge")
        for i, v in enumerate(values)
    ]
    rating = rk.rate(readings, plan, span=APRIL, meters=[PEAK], as_of=APRIL.end)
    # Brute force: the peak, each price's amount of it (from its own tiers), by time share.
    peak = Fraction(max(values))
    share = Fraction(change_h, 30 * 24)

    def priced(kind: str, bounds: list[int], units: list[int], q: Fraction) -> Fraction:
        ups = sorted(set(bounds))
        prices = [Fraction(u) for u in units[: len(ups)]] + [Fraction(units[-1])]
        edges = [Fraction(0), *map(Fraction, ups), None]
        if kind == "volume":
            for high, price in zip(edges[1:], prices, strict=False):
                if high is None or q <= high:
                    return q * price
        total = Fraction(0)
        for low, high, price in zip(edges, edges[1:], prices, strict=False):
            top = q if high is None else min(q, high)
            total += max(top - low, Fraction(0)) * price
        return total

    expected = share * priced(kinds[0], bounds[0], units[0], peak) + (1 - share) * priced(
        kinds[1], bounds[1], units[1], peak
    )
    # The rows carry the peak's time shares at metering's quantum (1e-24 of a user), so
    # the amount is exact up to that quantum times a price (at most 50 per user).
    assert abs(Fraction(rating.total()) - expected) <= Fraction(1, 10**20)
    # Each charge's lines are its price's lines of the whole peak, each with the charge's
    # share: the quantities add up to the peak, each line computes (quantity x unit x
    # part / whole), and the lines add up to the charge.
    for charge in rating.charges:
        lines = charge.tiers
        assert sum(Fraction(line.quantity) for line in lines) == peak
        for line in lines:
            whole = Fraction(line.whole) if line.whole is not None else None
            part = Fraction(line.part) if line.part is not None else whole
            assert (whole is None) == (charge.quantity == charge.whole)
            own = Fraction(line.quantity) * Fraction(line.unit) + Fraction(line.flat)
            if whole is not None and part is not None:
                assert whole == peak
                assert abs(Fraction(line.amount) - own * part / whole) <= Fraction(1, 10**40)
            else:
                assert Fraction(line.amount) == own
        total = sum(Fraction(line.amount) for line in lines)
        assert abs(total - Fraction(charge.amount)) <= Fraction(1, 10**40)


def test_a_peak_s_share_of_a_tier_with_a_flat_fee_reads_as_arithmetic_in_text_and_html() -> None:
    flat = rk.Graduated([rk.Tier(5, 10, flat=2), rk.Tier(None, 8)], flat_at_zero=False)
    rating = _rate(_price_change(flat, B))
    first = rating.charges[0]
    # The whole peak of 10 under it: (5 * 10 + 2 flat) + 5 * 8 = 52 + 40 = 92; half: 46.
    assert first.amount == Decimal(46)
    assert [str(line) for line in first.tiers] == [
        "tiers[0] (0, 5]: (5 * 10 + 2 flat) * 5/10 = 26",
        "tiers[1] (5, ∞): 5 * 8 * 5/10 = 20",
    ]
    (invoice,) = rk.bill(rating)
    assert "tiers[0] (0, 5]: (5 * 10 + 2 flat) * 5/10 = 26.00" in invoice.to_text()
    assert "5 user, share 5/10" in invoice._repr_html_()


def test_a_tier_line_s_share_is_checked_at_the_door() -> None:
    line = rk.TierLine(
        label="tiers[0]", lower=0, upper=5, quantity=5, unit=10, amount=25, part=5, whole=10
    )
    assert (line.part, line.whole) == (Decimal(5), Decimal(10))
    with pytest.raises(rk.RatekitError, match="whole"):
        rk.TierLine(label="t", lower=0, upper=5, quantity=5, unit=10, amount=25, part=5, whole=0)


@pytest.mark.parametrize("before", ["none", "linear", "same price"])
def test_a_peak_priced_for_part_of_the_cycle_costs_that_share_of_the_whole_peaks_price(
    before: str,
) -> None:
    # A peak of 7 users; Volume((5, 10), (inf, 1)) prices 7 at 7.00. The plan covers 16
    # of March's 31 days: 7.00 x 16/31, whatever covered the first 15 (nothing, a linear
    # price, or the same price under another plan), never Volume(7 x 16/31) = 36.13.
    months = rk.cycles.monthly(tz="UTC")
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    volume = rk.Volume([rk.Tier(5, "10"), rk.Tier(None, "1")])
    plan = rk.Plan("p", "EUR", months, [rk.PriceEntry("peak", "peak", volume)])
    earlier = {
        "linear": rk.Plan("o", "EUR", months, [rk.PriceEntry("peak", "peak", rk.PerUnit(0))]),
        "same price": rk.Plan("p2", "EUR", months, [rk.PriceEntry("peak", "peak", volume)]),
    }
    cut = "2026-03-16T00:00:00Z"
    assigned = [rk.Assignment("acme", plan, start=cut)]
    if before in earlier:
        assigned.insert(0, rk.Assignment("acme", earlier[before], end=cut))
    peak = [rk.Sample("acme", "app", "peak", "2026-03-30T00:00:00Z", 7, kind="gauge", id="g1")]
    rating = rk.rate(peak, assigned, span=march, meters=[rk.Meter("peak", "user", rk.Max())])
    (charge,) = [c for c in rating.charges if c.plan == "p"]
    assert abs(Fraction(charge.amount) - Fraction(7 * 16, 31)) < Fraction(
        1, 10**22
    )  # quantities split at 1E-24
