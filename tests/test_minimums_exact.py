"""A minimum's top-up is the commitment less the exact spend, whatever a proration rounds.

A base due without usage (a first tier's flat fee) prorated by a share of the cycle that
does not terminate (1/86400) is a Decimal rounded at the 60th digit. Summing such
roundings must not leave a top-up of 1E-65 where the exact spend reaches the commitment:
that residual was priced, found outside the amounts ratekit carries, and refused, so
`rate(as_of=...)` and `Rater.statement` failed at some watermarks.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
DAY_US = 86_400_000_000
TXV = rk.Meter("txv", "EUR", rk.Discrete())
API = rk.Meter("api", "call", rk.Discrete())


def _plan(flat: int, rate: str, plan_minimum: int, api_minimum: int, fee: int) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry(
                "txv", "txv", rk.Graduated([rk.Tier(100, "1", flat=flat), rk.Tier(None, "0.5")])
            ),
            rk.PriceEntry("api", "api", rk.PerUnit(rate)),
        ],
        minimums=[rk.Minimum(plan_minimum), rk.Minimum(api_minimum, meter="api")],
        fees=[rk.Fee("f", fee)] if fee else [],
    )


def test_a_commitment_reached_exactly_by_rounded_prorations_tops_up_nothing() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry("txv", "txv", rk.GraduatedPercentage([(100, "1", 2), (None, "0.5")])),
            rk.PriceEntry("api", "api", rk.PerUnit(1)),
        ],
        minimums=[rk.Minimum(3), rk.Minimum(1, meter="api")],
    )
    records = [rk.Event("a", "r", "2026-03-01T00:00:00Z", kind="stop", id="x")]
    as_of = "2026-03-01T00:00:01Z"
    # share 1/86400; the base due without usage 2/86400, the api top-up 1/86400 (no api
    # usage): spend 3/86400 = the plan commitment 3 * 1/86400, so the plan top-up is 0.
    rating = rk.rate(records, plan, span=DAY, meters=[TXV, API], as_of=as_of)
    amounts = {charge.entry: charge.amount for charge in rating.charges}
    assert Fraction(amounts["txv"]) - Fraction(2, 86400) < Fraction(1, 10**64)
    assert Fraction(amounts["minimum:api"]) - Fraction(1, 86400) < Fraction(1, 10**64)
    assert amounts.get("minimum", Decimal(0)) == 0
    rater = rk.Rater(plan, [TXV, API], start=DAY.start)
    rater.feed(records)
    statement = rater.statement(as_of)
    # 2/86400 + 1/86400 = 0.0000347222..., rounded at the 60th digit
    assert statement.total() == Decimal(
        "0.0000347222222222222222222222222222222222222222222222222222222222"
    )


@settings(max_examples=max(LAWS // 4, FLOOR))
@given(
    flat=st.integers(0, 9),
    rate=st.sampled_from(["1", "0.07", "0.333"]),
    plan_minimum=st.one_of(st.integers(0, 30), st.none()),  # None: flat + api_minimum
    api_minimum=st.integers(0, 12),
    fee=st.integers(0, 5),
    calls=st.lists(st.tuples(st.integers(0, DAY_US - 1), st.integers(-3, 40)), max_size=4),
    as_of_us=st.integers(1, DAY_US),
)
def test_top_ups_are_the_commitments_less_the_exact_spend(
    *,
    flat: int,
    rate: str,
    plan_minimum: int | None,
    api_minimum: int,
    fee: int,
    calls: list[tuple[int, int]],
    as_of_us: int,
) -> None:
    if plan_minimum is None:  # reached exactly by the base and the api top-up, if no api use
        plan_minimum = flat + api_minimum
    plan = _plan(flat, rate, plan_minimum, api_minimum, fee)
    records = [
        rk.Sample(
            "a", "ip", "api", DAY.start + rk.Span.from_us(0, at).duration, quantity, id=f"s{i}"
        )
        for i, (at, quantity) in enumerate(calls)
    ]
    records.append(rk.Event("a", "r", DAY.start, kind="stop", id="x"))  # the account exists
    as_of = DAY.start + rk.Span.from_us(0, as_of_us).duration
    rating = rk.rate(records, plan, span=DAY, meters=[TXV, API], as_of=as_of)
    # The oracle, in fractions: the share of the cycle rated, the base and the api spend
    # (fees are no spend towards a minimum), then the api top-up and the plan's.
    share = Fraction(as_of_us, DAY_US)
    base = flat * share
    api = sum((Fraction(q) for at, q in calls if at < as_of_us), Fraction(0)) * Fraction(rate)
    api_top_up = max(Fraction(0), api_minimum * share - api)
    plan_top_up = max(Fraction(0), plan_minimum * share - (base + api + api_top_up))
    got: dict[str, Fraction] = {}
    for charge in rating.charges:
        got[charge.entry] = got.get(charge.entry, Fraction(0)) + Fraction(charge.amount)
    for entry, want in (("minimum:api", api_top_up), ("minimum", plan_top_up)):
        if want == 0:  # exactly nothing: no residual of a rounding
            assert got.get(entry, Fraction(0)) == 0, (entry, got)
        else:  # rounded once, at the 60th significant digit
            assert abs(got[entry] - want) <= want / 10**59, (entry, got, want)
    statement_rater = rk.Rater(plan, [TXV, API], start=DAY.start)
    statement_rater.feed(records)
    statement_rater.statement(as_of)  # and the rater rates it too, no error
