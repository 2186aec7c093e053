"""A cold-storage archive billed in GB-months: how a month's GB-months are split.

Each vault reports its size as a gauge; the month's bill is
``TimeWeightedMean(over="period")``: GB-hours over the month's hours (docs/usage.md),
each row carrying its own part of that sum, where the level was held. Every figure
below is worked by hand with exact Fractions in the comment.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import ratekit as rk

STORE = rk.Meter("store", "GB", rk.TimeWeightedMean(over="period"))
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
TOL = Fraction(1, 10**20)  # pieces are within 1E-24 of their exact value (guarantees.md)


def plan(name: str, price: str, tz: str = "UTC") -> rk.Plan:
    return rk.Plan(
        name, "EUR", rk.cycles.monthly(tz=tz), [rk.PriceEntry("s", "store", rk.PerUnit(price))]
    )


def size(at: str, gb: object, rid: str, vault: str = "v1") -> rk.Sample:
    return rk.Sample("acme", vault, "store", at, gb, kind="gauge", id=rid)


A = plan("a", "1")
B = plan("b", "2")


def by_plan(rating: rk.Rating) -> dict[str, tuple[Fraction, Fraction]]:
    out: dict[str, tuple[Fraction, Fraction]] = {}
    for charge in rating.charges:
        q, a = out.get(charge.plan, (Fraction(0), Fraction(0)))
        out[charge.plan] = (q + Fraction(charge.quantity), a + Fraction(charge.amount))
    return out


def close(
    got: dict[str, tuple[Fraction, Fraction]], want: dict[str, tuple[Fraction, Fraction]]
) -> None:
    assert got.keys() == want.keys()
    for key, (q, a) in want.items():
        assert abs(got[key][0] - q) <= TOL, (key, got[key][0], q)
        assert abs(got[key][1] - a) <= TOL, (key, got[key][1], a)


def test_a_move_between_readings_splits_where_the_gb_were_held() -> None:
    # 300 GB from 10 to 20 April, 600 GB from 20 April on (held to the month's end).
    # Plan a until 15 April: 300 x 5 days / 30 days = 50 GB-month, 50 EUR.
    # Plan b from 15 April: (300 x 5 + 600 x 11) / 30 = 8,100 / 30 = 270, x 2 = 540 EUR.
    recs = [size("2026-04-10T00:00:00Z", 300, "r1"), size("2026-04-20T00:00:00Z", 600, "r2")]
    moved = [
        rk.Assignment("acme", A, end="2026-04-15T00:00:00Z"),
        rk.Assignment("acme", B, start="2026-04-15T00:00:00Z"),
    ]
    rating = rk.rate(recs, moved, span=APRIL, meters=[STORE])
    assert by_plan(rating) == {"a": (50, 50), "b": (270, 540)}
    assert rating.anomalies == ()


def test_a_reading_exactly_at_the_move_belongs_to_the_new_plan() -> None:
    # 100 GB from 1 April, 400 GB from 16 April 00:00, the move's own instant.
    # a: 100 x 15/30 = 50; b: 400 x 15/30 = 200 GB-month, x 2 = 400 EUR.
    recs = [size("2026-04-01T00:00:00Z", 100, "r0"), size("2026-04-16T00:00:00Z", 400, "r1")]
    moved = [
        rk.Assignment("acme", A, end="2026-04-16T00:00:00Z"),
        rk.Assignment("acme", B, start="2026-04-16T00:00:00Z"),
    ]
    assert by_plan(rk.rate(recs, moved, span=APRIL, meters=[STORE])) == {
        "a": (50, 50),
        "b": (200, 400),
    }


def test_a_move_at_an_instant_between_readings_of_a_constant_level() -> None:
    # 100 GB all April; move on 11 April: a 100 x 10/30 = 100/3, b 100 x 20/30 = 200/3 (x 2).
    recs = [size("2026-04-01T00:00:00Z", 100, "r0")]
    moved = [
        rk.Assignment("acme", A, end="2026-04-11T00:00:00Z"),
        rk.Assignment("acme", B, start="2026-04-11T00:00:00Z"),
    ]
    rating = rk.rate(recs, moved, span=APRIL, meters=[STORE])
    close(
        by_plan(rating),
        {"a": (Fraction(100, 3), Fraction(100, 3)), "b": (Fraction(200, 3), Fraction(400, 3))},
    )
    # the two parts add up to the month's 100 GB-month exactly
    assert sum(c.quantity for c in rating.charges) == 100


def test_sign_up_mid_month_bills_from_the_first_reading() -> None:
    # first reading 11 April 100 GB, plan from 11 April: 100 x 20/30 = 200/3 GB-month.
    recs = [size("2026-04-11T00:00:00Z", 100, "r0")]
    rating = rk.rate(
        recs, [rk.Assignment("acme", A, start="2026-04-11T00:00:00Z")], span=APRIL, meters=[STORE]
    )
    close(by_plan(rating), {"a": (Fraction(200, 3), Fraction(200, 3))})
    assert rating.anomalies == ()


def test_sign_up_after_the_first_reading_leaves_the_part_before_unpriced() -> None:
    # 100 GB from 1 April, plan only from 11 April: a bills 200/3; 100/3 has no plan.
    recs = [size("2026-04-01T00:00:00Z", 100, "r0")]
    rating = rk.rate(
        recs, [rk.Assignment("acme", A, start="2026-04-11T00:00:00Z")], span=APRIL, meters=[STORE]
    )
    close(by_plan(rating), {"a": (Fraction(200, 3), Fraction(200, 3))})
    assert [an.kind for an in rating.anomalies] == ["unpriced"]


def test_leaving_with_a_last_reading_of_zero() -> None:
    # 100 GB from 1 to 16 April, then 0: 100 x 15/30 = 50 GB-month.
    recs = [size("2026-04-01T00:00:00Z", 100, "r0"), size("2026-04-16T00:00:00Z", 0, "r1")]
    assert by_plan(rk.rate(recs, A, span=APRIL, meters=[STORE])) == {"a": (50, 50)}


def test_leaving_with_no_last_reading_ends_only_with_the_plan() -> None:
    # no reading of 0: the level holds on; the plan ends 11 April: a bills 100 x 10/30,
    # and the 200/3 after it is usage with no plan, reported, not charged.
    recs = [size("2026-04-01T00:00:00Z", 100, "r0")]
    rating = rk.rate(
        recs, [rk.Assignment("acme", A, end="2026-04-11T00:00:00Z")], span=APRIL, meters=[STORE]
    )
    close(by_plan(rating), {"a": (Fraction(100, 3), Fraction(100, 3))})
    assert [an.kind for an in rating.anomalies] == ["unpriced"]


def test_a_level_carried_from_the_month_before() -> None:
    # 100 GB read on 20 March only: April holds 100 all month, 100 GB-month; March (31
    # days) holds it 12 days: 100 x 12/31 = 1200/31.
    recs = [size("2026-03-20T00:00:00Z", 100, "r0")]
    assert by_plan(rk.rate(recs, A, span=APRIL, meters=[STORE])) == {"a": (100, 100)}
    both = rk.rate(
        recs, A, span=rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"), meters=[STORE]
    )
    per_cycle = {c.cycle.start.month: Fraction(c.quantity) for c in both.charges}
    assert per_cycle[4] == 100
    assert abs(per_cycle[3] - Fraction(1200, 31)) <= TOL


def test_two_readings_at_one_instant_are_one_level_not_two() -> None:
    # 100 GB from 1 April; two readings at 16 April (400 and 200): one level holds after,
    # the higher (docs/usage.md: at one instant by seq, then the lower value first, the
    # later in force): 100 x 15/30 + 400 x 15/30 = 250, never 350 or 150.
    recs = [
        size("2026-04-01T00:00:00Z", 100, "r0"),
        size("2026-04-16T00:00:00Z", 400, "r1"),
        size("2026-04-16T00:00:00Z", 200, "r2"),
    ]
    assert by_plan(rk.rate(recs, A, span=APRIL, meters=[STORE]))["a"][0] == 250
    # whatever order the records come in
    assert by_plan(rk.rate(recs[::-1], A, span=APRIL, meters=[STORE]))["a"][0] == 250


def test_dst_months_in_zurich_count_their_real_hours() -> None:
    # March 2026 in Zurich is 743 h: 743 GB all month is 743 GB-month, whatever the hours.
    zurich = plan("z", "1", "Europe/Zurich")
    march = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
    assert by_plan(
        rk.rate([size("2026-02-28T23:00:00Z", 743, "r0")], zurich, span=march, meters=[STORE])
    ) == {"z": (743, 743)}
    # October 2026 is 745 h; a move at 25 October 12:00Z (after the change back):
    # 30 Sep 22:00Z .. 25 Oct 12:00Z is 24 d 14 h = 590 h, so z bills 745 x 590/745 =
    # 590, z2 the other 155 h, x 2 = 310.
    z2 = plan("z2", "2", "Europe/Zurich")
    october = rk.Span("2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z")
    moved = [
        rk.Assignment("acme", zurich, end="2026-10-25T12:00:00Z"),
        rk.Assignment("acme", z2, start="2026-10-25T12:00:00Z"),
    ]
    rating = rk.rate([size("2026-09-30T22:00:00Z", 745, "r0")], moved, span=october, meters=[STORE])
    assert by_plan(rating) == {"z": (590, 590), "z2": (155, 310)}


def test_28_30_and_31_day_months() -> None:
    # 1,000 GB from the 15th at 00:00: Feb 2026 (28 d) 14/28 -> 500; April (30 d)
    # 16/30 -> 1600/3; May (31 d) 17/31 -> 17000/31.
    for start, end, held, days in [
        ("2026-02-01", "2026-03-01", 14, 28),
        ("2026-04-01", "2026-05-01", 16, 30),
        ("2026-05-01", "2026-06-01", 17, 31),
    ]:
        month = rk.Span(f"{start}T00:00:00Z", f"{end}T00:00:00Z")
        reading = size(f"{start[:8]}15T00:00:00Z", 1000, "r0")
        close(
            by_plan(rk.rate([reading], A, span=month, meters=[STORE])),
            {"a": (Fraction(1000 * held, days),) * 2},
        )


def test_a_price_change_at_a_stated_instant() -> None:
    # one plan, 1 EUR until 16 April and 3 after (a price of its own in time):
    # 100 GB all month, then 300 from 21 April: before: 100 x 15/30 = 50 at 1 -> 50;
    # after: (100 x 5 + 300 x 10) / 30 = 3500/30 = 350/3 at 3 -> 350.
    entries = [
        rk.PriceEntry("s", "store", rk.PerUnit("1"), end="2026-04-16T00:00:00Z"),
        rk.PriceEntry("s2", "store", rk.PerUnit("3"), start="2026-04-16T00:00:00Z"),
    ]
    changing = rk.Plan("c", "EUR", rk.cycles.monthly(tz="UTC"), entries)
    recs = [size("2026-04-01T00:00:00Z", 100, "r0"), size("2026-04-21T00:00:00Z", 300, "r1")]
    rating = rk.rate(recs, changing, span=APRIL, meters=[STORE])
    assert abs(Fraction(rating.total()) - 400) <= TOL
    amounts = sorted(Fraction(c.amount) for c in rating.charges)
    assert abs(amounts[0] - 50) <= TOL
    assert abs(amounts[1] - 350) <= TOL


def test_tiers_price_the_account_gb_months_whole() -> None:
    # two vaults of 60 and 90 GB all April: 150 GB-month; first 100 at 1, the rest at
    # 0.5: 100 + 25 = 125 EUR.
    tiered = rk.Plan(
        "t",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("s", "store", rk.Graduated([rk.Tier(100, "1"), rk.Tier(None, "0.5")]))],
    )
    recs = [
        size("2026-04-01T00:00:00Z", 60, "r0", "v1"),
        size("2026-04-01T00:00:00Z", 90, "r1", "v2"),
    ]
    rating = rk.rate(recs, tiered, span=APRIL, meters=[STORE])
    assert rating.total() == Decimal(125)
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("125.00")
