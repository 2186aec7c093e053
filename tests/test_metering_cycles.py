"""Non-additive aggregations: computed once per resource and cycle, shared out in time."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._decimals import CONTEXT
from ratekit._instants import format_us

MONTHLY = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
DAY = 86_400_000_000
PEAK = rk.Meter("peak", "user", rk.Max())


def readings() -> list[rk.Sample | rk.Event]:
    # Readings 4 (Apr 3), 10 (Apr 10), 7 (Apr 20): the peak of April is 10.
    return [
        rk.Sample("acme", "app", "peak", "2026-04-03T00:00:00Z", 4, kind="gauge", id="s1"),
        rk.Sample("acme", "app", "peak", "2026-04-10T00:00:00Z", 10, kind="gauge", id="s2"),
        rk.Sample("acme", "app", "peak", "2026-04-20T00:00:00Z", 7, kind="gauge", id="s3"),
    ]


def plan(*entries: rk.PriceEntry) -> rk.Plan:
    return rk.Plan("p", "EUR", MONTHLY, list(entries))


def test_the_same_price_issued_again_does_not_add_the_peaks() -> None:
    # One peak per cycle: 10 x 2 = 20, whatever the entries. (Summing the peaks of the
    # pieces [Apr 1, Apr 16) and [Apr 16, May 1) gave 10 x 2 + 7 x 2 = 34.)
    priced = plan(
        rk.PriceEntry("a", "peak", rk.PerUnit(2)),
        rk.PriceEntry("b", "peak", rk.PerUnit(2), start="2026-04-16T00:00:00Z", priority=1),
    )
    rating = rk.rate(readings(), priced, span=APRIL, meters=[PEAK])
    # The aggregate 10 is shared in time: 15 of 30 days under each entry, 5 + 5.
    assert [(c.entry, c.quantity, c.amount) for c in rating.charges] == [
        ("a", Decimal(5), Decimal(10)),
        ("b", Decimal(5), Decimal(10)),
    ]
    assert rating.total() == Decimal(20)


def test_a_description_change_does_not_add_the_peaks() -> None:
    # An update on Apr 15 renames the resource: the peak is still 10, 10 x 2 = 20 (was 34).
    records = [
        *readings(),
        rk.Event("acme", "app", "2026-04-15T00:00:00Z", {"name": "web"}, kind="update", id="u1"),
    ]
    usage = rk.meter(records, [PEAK], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)
    # Shares: 10 x 14/30 = 4.666... (unknown description before Apr 15), 10 x 16/30 after.
    assert [dict(row.description) for row in usage.rows] == [{}, {"name": "web"}]
    assert CONTEXT.add(usage.rows[0].quantity, usage.rows[1].quantity) == Decimal(10)
    # (14/3 cut at the 60th significant digit of the peak, its last digit at 1E-58)
    assert usage.rows[0].quantity == Decimal("4." + "6" * 57 + "7")
    assert usage.rows[1].record_ids == ("s1", "s2", "s3")
    rating = rk.rate(usage, plan(rk.PriceEntry("a", "peak", rk.PerUnit(2))), span=APRIL)
    assert rating.total() == Decimal(20)


def test_a_real_price_change_prices_the_aggregate_for_each_regime_share() -> None:
    # The peak 10 under PerUnit(2) for Apr 1-16 (15 of 30 days) and PerUnit(3) after:
    # 10 x 15/30 x 2 + 10 x 15/30 x 3 = 10 + 15 = 25.
    priced = plan(
        rk.PriceEntry("a", "peak", rk.PerUnit(2)),
        rk.PriceEntry("b", "peak", rk.PerUnit(3), start="2026-04-16T00:00:00Z", priority=1),
    )
    rating = rk.rate(readings(), priced, span=APRIL, meters=[PEAK])
    assert [(c.entry, c.quantity, c.amount) for c in rating.charges] == [
        ("a", Decimal(5), Decimal(10)),
        ("b", Decimal(5), Decimal(15)),
    ]
    # The same from rows metered without cuts: rating shares the row in time.
    usage = rk.meter(readings(), [PEAK], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)
    assert [row.quantity for row in usage.rows] == [Decimal(10)]
    assert rk.rate(usage, priced, span=APRIL).total() == Decimal(25)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        # Readings 4, 10, 7 in April; a rename on Apr 15 cuts the rows in two.
        (rk.Max(), Decimal(10)),
        (rk.Min(), Decimal(4)),
        (rk.Latest(), Decimal(7)),
        (rk.UniqueCount(), Decimal(3)),
        (rk.Percentile(50), Decimal(7)),  # rank ceil(0.5 x 3) = 2 of (4, 7, 10)
        # Known from Apr 3: 4 x 7 d + 10 x 10 d + 7 x 11 d = 205 over 28 d.
        (rk.TimeWeightedMean(), CONTEXT.divide(Decimal(205), Decimal(28))),
        # Over the whole 30 days: 205 / 30.
        (rk.TimeWeightedMean(over="period"), CONTEXT.divide(Decimal(205), Decimal(30))),
    ],
)
def test_every_non_additive_aggregation_is_one_per_cycle(
    policy: rk.SamplePolicy, expected: Decimal
) -> None:
    records = [
        *readings(),
        rk.Event("acme", "app", "2026-04-15T00:00:00Z", {"name": "web"}, kind="update", id="u1"),
    ]
    meter = rk.Meter("peak", "user", policy)
    assert not meter.additive
    usage = rk.meter(records, [meter], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)
    assert len(usage.rows) == 2
    assert CONTEXT.add(usage.rows[0].quantity, usage.rows[1].quantity) == expected


def test_count_is_additive_and_counts_per_piece() -> None:
    # Count adds up: 2 readings before the rename (Apr 3, Apr 10), 1 after (Apr 20).
    records = [
        *readings(),
        rk.Event("acme", "app", "2026-04-15T00:00:00Z", {"name": "web"}, kind="update", id="u1"),
    ]
    meter = rk.Meter("peak", "user", rk.Count())
    assert meter.additive
    usage = rk.meter(records, [meter], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)
    assert [row.quantity for row in usage.rows] == [Decimal(2), Decimal(1)]


class Spread:
    """A user-written aggregation: the largest minus the smallest reading."""

    def __init__(self, additive: object = None) -> None:
        if additive is not None:
            self.additive = additive

    def accepts(self, kind: str) -> bool:
        return kind == "gauge"

    def aggregate(
        self, readings: Sequence[rk.Sample], start_us: int, end_us: int, before: rk.Sample | None
    ) -> Decimal | None:
        values = [sample.value for sample in readings]
        return max(values) - min(values) if values else None


def test_a_user_policy_is_non_additive_unless_it_says_so() -> None:
    records = [
        *readings(),
        rk.Event("acme", "app", "2026-04-15T00:00:00Z", {"name": "web"}, kind="update", id="u1"),
    ]
    # Not declared: non-additive, one spread per cycle, 10 - 4 = 6, shared 14/30, 16/30.
    usage = rk.meter(
        records, [rk.Meter("peak", "user", Spread())], span=APRIL, cycle=MONTHLY, as_of=APRIL.end
    )
    assert CONTEXT.add(usage.rows[0].quantity, usage.rows[1].quantity) == Decimal(6)
    assert usage.rows[0].quantity == Decimal("2.8")  # 6 x 14 / 30
    # Declared additive: per piece, (10 - 4) + (7 - 7) = 6 + 0.
    usage = rk.meter(
        records,
        [rk.Meter("peak", "user", Spread(additive=True))],
        span=APRIL,
        cycle=MONTHLY,
        as_of=APRIL.end,
    )
    assert [row.quantity for row in usage.rows] == [Decimal(6), Decimal(0)]


def test_a_bad_additive_declaration_is_refused() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Meter("peak", "user", Spread(additive="no"))
    assert "declares additive='no'; it must be True or False" in str(caught.value)

    class Hours:
        additive = False

        def level(self, description: object) -> Decimal:
            return Decimal(1)

    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Meter("h", "hour", Hours())
    assert "a time- or delta-based quantity always adds up" in str(caught.value)


def test_time_weighted_mean_refuses_an_unknown_over() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.TimeWeightedMean(over="all")  # type: ignore[arg-type]
    assert str(caught.value).startswith("TimeWeightedMean over must be 'known'")
    assert repr(rk.TimeWeightedMean(over="period")) == "TimeWeightedMean(over='period')"


@settings(max_examples=LAWS)
@given(
    st.lists(st.tuples(st.integers(0, 59), st.integers(0, 100)), min_size=1, max_size=8),
    st.lists(st.integers(1, 59), max_size=3),
    st.sampled_from([rk.Max(), rk.Min(), rk.Latest(), rk.UniqueCount(), rk.Percentile(90)]),
)
def test_rows_of_a_cycle_add_up_to_the_aggregate_of_the_cycle(
    points: list[tuple[int, int]], renames: list[int], policy: rk.SamplePolicy
) -> None:
    # Oracle: the aggregate of each cycle's readings, computed by hand, whatever the cuts.
    start = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z").start_us
    records: list[rk.Sample | rk.Event] = [
        rk.Sample("a", "r", "m", format_us(start + day * DAY), value, kind="gauge", id=f"s{i}")
        for i, (day, value) in enumerate(points)
    ]
    records += [
        rk.Event("a", "r", format_us(start + day * DAY), {"n": i}, kind="update", id=f"u{i}")
        for i, day in enumerate(renames)
    ]
    span = rk.Span(format_us(start), format_us(start + 60 * DAY))
    usage = rk.meter(
        records, [rk.Meter("m", "u", policy)], span=span, cycle=MONTHLY, as_of=span.end
    )
    totals: dict[rk.Span, Decimal] = {}
    for row in usage.rows:
        totals[row.cycle] = CONTEXT.add(totals.get(row.cycle, Decimal(0)), row.quantity)
    for cycle, total in totals.items():
        inside = sorted(
            (s for s in records if isinstance(s, rk.Sample) and s.at in cycle),
            key=lambda s: (s.at, s.value, s.id or ""),  # ties: by value, then id
        )
        assert total == policy.aggregate(inside, cycle.start_us, cycle.end_us, None)
