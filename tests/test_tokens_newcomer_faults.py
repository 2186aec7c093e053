"""An LLM API's billing: a free tier and tiers shared by several models.

Read from the pricing page. One meter counts all tokens (``tokens``); each model's
resource is described ``{"model": ...}`` once, when it is created, and priced by an entry
with that selector. A free tier of 1,000 tokens a month on the meter (an ``Allowance``)
and tiers on the account's total (a price by total groups per account, plan and meter,
pricing.md "Rating") are then shared by the models, which is what "1M free tokens a
month" and "volume tiers on total tokens" mean. pricing.md, "The order they are taken
in: the records' instants", promises that "within a billing cycle, usage and
corrections are taken in the order of the records' instants, on all of the account's
resources of the meter, whatever the resources are called". Two models described at one
instant, priced apart under a shared free tier or tiers, are taken in the order of their
tokens' instants (metering cuts such a meter's rows at each delta), not of their
resources' ids: the month's total does not depend on what the resources are called.
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
TOKENS = rk.Meter("tokens", "token", rk.Discrete())


def two_models(small: str, large: str) -> list[rk.Event | rk.Sample]:
    """Both described on 1 March; 800 small tokens on 2 March, 800 large ones on 3 March."""
    return [
        rk.Event("a", small, "2026-03-01T00:00:00Z", {"model": "small"}, kind="update", id="e1"),
        rk.Event("a", large, "2026-03-01T00:00:00Z", {"model": "large"}, kind="update", id="e2"),
        rk.Sample("a", small, "tokens", "2026-03-02T00:00:00Z", 800, id="s1"),
        rk.Sample("a", large, "tokens", "2026-03-03T00:00:00Z", 800, id="s2"),
    ]


FREE_TIER = rk.Plan(
    "free",
    "USD",
    MONTHS,
    [
        rk.PriceEntry("small", "tokens", rk.PerUnit(1), where={"model": "small"}),
        rk.PriceEntry("large", "tokens", rk.PerUnit(10), where={"model": "large"}),
    ],
    allowances=[rk.Allowance("tokens", 1000)],
)
SHARED_TIERS = rk.Plan(
    "tiers",
    "USD",
    MONTHS,
    [
        rk.PriceEntry(
            "small",
            "tokens",
            rk.Graduated([rk.Tier(1000, 1), rk.Tier(None, "0.5")]),
            where={"model": "small"},
        ),
        rk.PriceEntry(
            "large",
            "tokens",
            rk.Graduated([rk.Tier(1000, 10), rk.Tier(None, 5)]),
            where={"model": "large"},
        ),
    ],
)


def month(records: list[rk.Event | rk.Sample], plan: rk.Plan) -> Decimal:
    return rk.bill(rk.rate(records, plan, span=MARCH, meters=[TOKENS]))[0].total


def test_the_free_tier_goes_to_the_first_tokens_when_the_names_sort_in_time_order() -> None:
    # small's 800 tokens (2 March) are free, then 200 of large's (3 March); large's other
    # 600 cost 600 x 10 = 6,000.00
    assert month(two_models("small-1", "xl-1"), FREE_TIER) == Decimal("6000.00")


def test_the_free_tier_goes_to_the_first_tokens_whatever_the_models_are_called() -> None:
    # small's 800 (2 March) free, then 200 of large's (3 March): 600 x 10 = 6,000.00, with
    # the large model's resource named 'large-1' (before 'small-1') as with 'xl-1'.
    assert month(two_models("small-1", "large-1"), FREE_TIER) == Decimal("6000.00")


def test_shared_tiers_climb_in_the_order_of_the_tokens_whatever_the_models_are_called() -> None:
    # small's 800 (2 March) at 1 = 800, then large's 800 on top of them: 200 x 10 + 600 x
    # 5 = 5,000; 5,800.00.
    assert month(two_models("small-1", "large-1"), SHARED_TIERS) == Decimal("5800.00")


def test_the_stream_bills_what_batch_bills_even_there() -> None:
    # the law stream = batch holds for both namings (6,000.00 for both)
    for large in ("large-1", "xl-1"):
        records = two_models("small-1", large)
        rater = rk.Rater(FREE_TIER, [TOKENS], start=MARCH.start)
        rater.feed(records[:3])
        rater.statement("2026-03-02T12:00:00Z")
        rater.feed(records[3:])
        [closing] = rater.statement(MARCH.end).invoices
        assert closing.total == month(records, FREE_TIER) == Decimal("6000.00")


def test_the_free_tier_goes_to_the_first_tokens_online_or_batch() -> None:
    # the job's 800 (2 March, at 1) free, then 200 of the chat's 800 (3 March, at 2): its
    # other 600 x 2 = 1,200.00, though 'chat' sorts before 'job'.
    half_price = rk.Plan(
        "half",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("online", "tokens", rk.PerUnit(2)),
            rk.PriceEntry("batch", "tokens", rk.PerUnit(1), where={"mode": "batch"}, priority=1),
        ],
        allowances=[rk.Allowance("tokens", 1000)],
    )
    records = [
        rk.Event("a", "job", "2026-03-01T00:00:00Z", {"mode": "batch"}, kind="update", id="e1"),
        rk.Sample("a", "job", "tokens", "2026-03-02T00:00:00Z", 800, id="s1"),
        rk.Sample("a", "chat", "tokens", "2026-03-03T00:00:00Z", 800, id="s2"),
    ]
    assert month(records, half_price) == Decimal("1200.00")
