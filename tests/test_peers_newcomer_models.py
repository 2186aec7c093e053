"""Peers' worked price-model examples, reproduced with ratekit's price models.

Each test states the inputs of an example another billing system publishes in its
documentation (Lago, OpenMeter-based Zuplo, Flexprice, Autumn), the figure that page
gives, and ratekit's figure. Where the two differ the comment says which one is right
and why. The pages are cited by address; their prose is not copied.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

# --- standard (per unit) --------------------------------------------------------------


def test_lago_standard_charge_a_price_per_call() -> None:
    # Lago, "Charges" (https://doc.getlago.com/docs/guide/plans/charges): 0.05 per API
    # call, 1,000 calls in the period: 1,000 x 0.05 = 50.
    assert rk.PerUnit("0.05").amount(1000) == Decimal("50.00")


# --- graduated ------------------------------------------------------------------------


def test_lago_graduated_api_company_250_calls() -> None:
    # Lago, graduated rate model
    # (https://getlago.com/docs/v2/guide/rate-cards/pricing-models/graduated): 1 per call
    # for the first 100, 0.50 for the next 100, 0.10 above; 250 calls cost 155.
    # 100 x 1 + 100 x 0.50 + 50 x 0.10 = 100 + 50 + 5 = 155.
    calls = rk.Graduated([rk.Tier(100, "1"), rk.Tier(200, "0.50"), rk.Tier(None, "0.10")])
    assert calls.amount(250) == Decimal("155.00")
    assert [str(line) for line in calls.explain(250)] == [
        "tiers[0] (0, 100]: 100 * 1 = 100",
        "tiers[1] (100, 200]: 100 * 0.50 = 50.00",
        "tiers[2] (200, ∞): 50 * 0.10 = 5.00",
    ]


def test_lago_graduated_tiers_written_as_lagos_from_and_to_values() -> None:
    # Lago writes the same table with from_value 0, then the previous to_value + 1
    # (lago-ruby docs, ChargePropertiesGraduatedRangesInner): 0-100, 101-200, 201+.
    # from_ranges reads a range starting at 0 as starting at the bottom, so the table is
    # the same price.
    lago_ranges = rk.Graduated.from_ranges([("0-100", "1"), ("101-200", "0.50"), ("201+", "0.10")])
    assert lago_ranges == rk.Graduated(
        [rk.Tier(100, "1"), rk.Tier(200, "0.50"), rk.Tier(None, "0.10")]
    )
    assert lago_ranges.amount(250) == Decimal("155.00")


def test_autumn_graduated_api_requests_15000() -> None:
    # Autumn, graduated pricing
    # (https://docs.useautumn.com/documentation/modelling-pricing/graduated-pricing):
    # 0.01 for the first 1,000 requests, 0.008 up to 10,000, 0.005 above; 15,000 requests:
    # 1,000 x 0.01 + 9,000 x 0.008 + 5,000 x 0.005 = 10 + 72 + 25 = 107.
    requests = rk.Graduated(
        [rk.Tier(1000, "0.01"), rk.Tier(10000, "0.008"), rk.Tier(None, "0.005")]
    )
    assert requests.amount(15000) == Decimal(107)


@pytest.mark.parametrize(
    ("model", "figure"),
    [(rk.Graduated, Decimal(600)), (rk.Volume, Decimal(150))],
)
def test_zuplo_openmeter_graduated_and_volume_15000_units(
    model: type[rk.Graduated] | type[rk.Volume], figure: Decimal
) -> None:
    # Zuplo's monetization (built on OpenMeter's rate cards), pricing models
    # (https://zuplo.com/docs/articles/monetization/pricing-models): 0.10 for units
    # 1-1,000, 0.05 for 1,001-10,000, 0.01 above. 15,000 units: graduated
    # 1,000 x 0.10 + 9,000 x 0.05 + 5,000 x 0.01 = 100 + 450 + 50 = 600; volume, every
    # unit at the tier that holds 15,000: 15,000 x 0.01 = 150.
    tiers = [rk.Tier(1000, "0.10"), rk.Tier(10000, "0.05"), rk.Tier(None, "0.01")]
    assert model(tiers).amount(15000) == figure


# --- volume ---------------------------------------------------------------------------

LAGO_VOLUME = rk.Volume(
    [
        rk.Tier(10000, "0.0010", flat=10),
        rk.Tier(50000, "0.0008", flat=10),
        rk.Tier(100000, "0.0006", flat=10),
        rk.Tier(None, "0.0004", flat=10),
    ]
)


def test_lago_volume_65000_calls_with_a_fixed_fee() -> None:
    # Lago, volume (https://getlago.com/docs/guide/plans/charges/charge-models/volume.md):
    # 65,000 calls fall in the third tier (50,001-100,000 at 0.0006, fee 10):
    # 65,000 x 0.0006 + 10 = 39 + 10 = 49. The other tiers' fees are not charged.
    assert LAGO_VOLUME.amount(65000) == Decimal(49)
    [line] = LAGO_VOLUME.explain(65000)
    assert (line.quantity, line.unit, line.amount) == (
        Decimal(65000),
        Decimal("0.0006"),
        Decimal(49),
    )


def test_lago_volume_table_read_from_lagos_inclusive_ranges() -> None:
    # The same table as Lago prints it, 0-10,000, 10,001-50,000, ..., with the fee as a
    # third element of each range.
    read = rk.Volume.from_ranges(
        [
            ("0-10000", "0.0010", 10),
            ("10001-50000", "0.0008", 10),
            ("50001-100000", "0.0006", 10),
            ("100001+", "0.0004", 10),
        ]
    )
    assert read == LAGO_VOLUME


def test_flexprice_volume_65000_calls() -> None:
    # Flexprice, tiered (https://docs.flexprice.io/docs/product-catalogue/plans/billing-models/tiered):
    # 65,000 calls in volume mode fall in the third tier, all at 0.0006: 39. The page's
    # table gives 0.0006 for the third tier; the first two tiers' prices do not matter to
    # a volume price of 65,000 units (here those of Lago's table above).
    tiers = [rk.Tier(10000, "0.0010"), rk.Tier(50000, "0.0008"), rk.Tier(None, "0.0006")]
    assert rk.Volume(tiers).amount(65000) == Decimal("39.0000")


# --- package --------------------------------------------------------------------------


def test_lago_package_201_calls_with_100_free() -> None:
    # Lago, package (https://getlago.com/docs/guide/plans/charges/charge-models/package):
    # 5 per 100 calls, the first 100 free. 201 calls: 0 for the first 100, 5 for the next
    # 100, 5 for the last one (a started package): 10.
    package = rk.Package(100, "5", free=100)
    assert package.amount(201) == Decimal(10)
    assert package.amount(200) == Decimal(5)
    assert package.amount(100) == Decimal(0)


@pytest.mark.parametrize(
    ("free", "calls", "figure"),
    [(0, 2000, Decimal(20)), (50, 200, Decimal(2))],
)
def test_lago_v2_package_examples(free: int, calls: int, figure: Decimal) -> None:
    # Lago, package rate model
    # (https://getlago.com/docs/v2/guide/rate-cards/pricing-models/package): packages of
    # 100 calls at 1. 2,000 calls, none free: 20 whole packages, 20. 200 calls with 50
    # free: 150 billable calls start 2 packages, 2.
    assert rk.Package(100, "1", free=free).amount(calls) == figure


# --- percentage -----------------------------------------------------------------------


def test_lago_v2_percentage_two_percent_of_1000() -> None:
    # Lago, percentage rate model
    # (https://getlago.com/docs/v2/guide/rate-cards/pricing-models/percentage): 2 % of
    # 1,000 of transactions, no fee or free allowance: 20.
    assert rk.Percentage("2").amount(1000) == Decimal("20.00")
    assert rk.Percentage("2").amount_of(["400", "600"]) == Decimal("20.00")


def test_lago_percentage_fourth_transaction_under_the_free_amount() -> None:
    # Lago, percentage (https://getlago.com/docs/guide/plans/charges/charge-models/percentage):
    # 1.2 %, a fixed fee of 0.10 per transaction, the first 3 transactions free of the fee
    # and the first 500 free of the rate. Transactions 200, 100, 100 cost nothing; Lago
    # says the fourth, 50 (450 in all, still under the 500), costs 0.10 + 1.2 % x 50 = 0.70.
    #
    # ratekit gives 0.10: the fee is due (the 3 free transactions are used up) but the 50
    # lies inside the free 500, as Lago's own table says ("$450 ($500 free)"). Lago's
    # figure charges the rate on an amount its table shows free; ratekit applies each
    # allowance on its own, as its docs say (docs/pricing.md, Percentages). A rule where
    # the first allowance used up ends the other ("3 events *or* 500") is not a model
    # ratekit offers.
    card = rk.Percentage("1.2", fixed_fee="0.10", free_amount=500, free_transactions=3)
    lines = card.explain_of(["200", "100", "100", "50"])
    assert [line.amount for line in lines] == [
        Decimal(0),
        Decimal(0),
        Decimal(0),
        Decimal("0.100"),
    ]
    assert card.amount_of(["200", "100", "100", "50"]) == Decimal("0.100")
    # Past the free 500, the rate applies to the part above it: a fifth transaction of
    # 100 takes the total to 550, so 1.2 % of 50 + 0.10 = 0.60 + 0.10 = 0.70.
    assert card.explain_of(["200", "100", "100", "50", "100"])[4].amount == Decimal("0.700")


def test_lago_percentage_with_a_fee_refuses_a_summed_quantity() -> None:
    # A fee per transaction cannot be read from the cycle's total (Lago's own pages say
    # per-event settings make the result differ from a percent of the total): ratekit
    # refuses rather than drop the fee, and the message says what to do.
    card = rk.Percentage("1.2", fixed_fee="0.10")
    with pytest.raises(rk.BadPriceError) as refused:
        card.amount(450)
    message = str(refused.value)
    assert "0.10" in message or "fixed_fee" in message
    assert "amount_of" in message


# --- graduated percentage -------------------------------------------------------------

LAGO_GRADUATED_PERCENTAGE = rk.GraduatedPercentage(
    [(1000, "1", 200), (10000, "2", 300), (None, "3", 400)]
)


def test_lago_graduated_percentage_three_transactions() -> None:
    # Lago, graduated percentage
    # (https://getlago.com/docs/guide/plans/charges/charge-models/graduated-percentage):
    # 1 % up to 1,000 with a flat 200, 2 % up to 10,000 with 300, 3 % above with 400.
    # Transactions of 500, 550 and 4,000 cost 205, 306 and 80:
    #   500 x 1 % + 200 = 205;
    #   500 x 1 % + 50 x 2 % + 300 = 5 + 1 + 300 = 306;
    #   4,000 x 2 % = 80.
    # ratekit prices the running total: the opening (the first tier's flat fee, due at
    # zero usage as Lago charges it) plus each transaction's marginal price.
    model = LAGO_GRADUATED_PERCENTAGE
    opening = model.amount(0)
    first = model.marginal(0, 500)
    second = model.marginal(500, 550)
    third = model.marginal(1050, 4000)
    assert (opening + first, second, third) == (
        Decimal("205.00"),
        Decimal("306.00"),
        Decimal("80.00"),
    )


def test_lago_v2_graduated_percentage_5050_in_the_period() -> None:
    # Lago, graduated percentage rate model
    # (https://getlago.com/docs/v2/guide/rate-cards/pricing-models/graduated-percentage):
    # 5,050 of payment volume in a month under the table above costs 591 (tier 3 not
    # reached, so its flat fee is not due): 1,000 x 1 % + 200 + 4,050 x 2 % + 300 =
    # 10 + 200 + 81 + 300 = 591. The three transactions above add up to the same total.
    assert LAGO_GRADUATED_PERCENTAGE.amount(5050) == Decimal("591.00")
    assert Decimal(205) + Decimal(306) + Decimal(80) == Decimal(591)


# --- hostile tables written as ranges -------------------------------------------------


def test_a_range_past_what_a_tier_holds_is_refused_for_its_size_as_a_tuple() -> None:
    # The tuple form of a range whose last unit is 10^40 says what is wrong: the bound.
    with pytest.raises(rk.BadPriceError) as refused:
        rk.Graduated.from_ranges([((1, 10**40), "1")])
    assert str(refused.value) == (
        "Graduated.from_ranges ranges[0] range (1, 10000000000000000000000000000000000000000) "
        "reaches past what a tier holds: a tier's bound lies below 1E+30."
    )


def test_a_range_past_what_a_tier_holds_is_refused_for_its_size_as_text() -> None:
    # A Lago export with a catch-all last range written as '1-9999...' (31 nines,
    # 10^31 - 1) is a valid inclusive integer range; it is refused, rightly, but for
    # its size, which the message must say.
    nines = "9" * 31
    with pytest.raises(rk.BadPriceError) as refused:
        rk.Graduated.from_ranges([(f"1-{nines}", "1")])
    assert str(refused.value) == (
        f"Graduated.from_ranges ranges[0] range '1-{nines}' reaches past what a tier "
        "holds: a tier's bound lies below 1E+30."
    )


@pytest.mark.parametrize(
    "text",
    [
        "1-" + "9" * 5000,  # past what an int's text holds: refused for its size, not read
        "0-" + "1" + "0" * 30,  # 10^30 itself as a last bound
        "1" + "0" * 30 + "1+",  # an open range starting past 10^30
    ],
)
def test_a_text_range_is_refused_for_its_size_as_its_tuple_is(text: str) -> None:
    with pytest.raises(rk.BadPriceError, match=r"reaches past what a tier holds"):
        rk.Graduated.from_ranges([(text, "1")])


def test_a_text_range_and_its_tuple_agree_at_the_bound() -> None:
    # An open range from exactly 10^30 after one ending at 10^30 - 1 is taken either way.
    nines = "9" * 30
    bound = 10**30
    text = rk.Graduated.from_ranges([(f"1-{nines}", "2"), (f"{bound}+", "1")])
    pairs = rk.Graduated.from_ranges([((1, bound - 1), "2"), ((bound, None), "1")])
    assert text == pairs


def test_a_range_just_under_what_a_tier_holds_is_taken() -> None:
    # 30 nines, 10^30 - 1, lies below 1E+30: taken.
    nines = "9" * 30
    [tier] = rk.Graduated.from_ranges([(f"1-{nines}", "1")]).tiers
    assert tier.up_to == Decimal(nines)


# --- Stripe ---------------------------------------------------------------------------

TYPOGRAPHIC = [rk.Tier(5, "7"), rk.Tier(10, "6.5"), rk.Tier(None, "6")]


@pytest.mark.parametrize(
    ("fonts", "volume", "graduated"),
    [(1, "7", "7"), (5, "35", "35"), (6, "39", "41.5"), (20, "120", "127.5"), (25, "150", "157.5")],
)
def test_stripe_typographic_fonts_volume_and_graduated(
    fonts: int, volume: str, graduated: str
) -> None:
    # Stripe, set up tiered pricing
    # (https://docs.stripe.com/subscriptions/pricing-models/tiered-pricing): fonts 1-5 at
    # 7, 6-10 at 6.5, 11+ at 6. Volume (Stripe's table): 1 -> 7, 5 -> 35, 6 -> 6 x 6.5 =
    # 39, 20 -> 120, 25 -> 150. Graduated: 5 -> 35; 6 -> 35 + 6.5 = 41.5; 20 -> 35 + 32.5
    # + 10 x 6 = 127.5; 25 -> 157.5.
    assert rk.Volume(TYPOGRAPHIC).amount(fonts) == Decimal(volume)
    assert rk.Graduated(TYPOGRAPHIC).amount(fonts) == Decimal(graduated)


def test_stripe_legacy_tiers_page_by_up_to() -> None:
    # Stripe, tiered pricing (https://stripe.com/docs/billing/subscriptions/tiers): up_to
    # 5 at 5, 10 at 4, 15 at 3, 20 at 2, inf at 1. Volume: 1 -> 5, 5 -> 25, 6 -> 24,
    # 20 -> 40, 25 -> 25; graduated 6 -> 25 + 4 = 29.
    tiers = [rk.Tier(5, 5), rk.Tier(10, 4), rk.Tier(15, 3), rk.Tier(20, 2), rk.Tier(None, 1)]
    assert [rk.Volume(tiers).amount(units) for units in (1, 5, 6, 20, 25)] == [
        Decimal(5),
        Decimal(25),
        Decimal(24),
        Decimal(40),
        Decimal(25),
    ]
    assert rk.Graduated(tiers).amount(6) == Decimal(29)


def test_stripe_legacy_tier_labels_overlap_and_are_refused() -> None:
    # The same page labels the third and fourth tiers "10-15" and "15-20" (its up_to
    # values say 11-15 and 16-20). Read as inclusive ranges they overlap; from_ranges
    # refuses them and says where the range should start.
    with pytest.raises(rk.BadPriceError) as refused:
        rk.Volume.from_ranges([("1-5", 5), ("6-10", 4), ("10-15", 3), ("15-20", 2), ("20+", 1)])
    assert str(refused.value) == (
        "Volume.from_ranges ranges[2] '10-15' overlaps ranges[1] '6-10', which already "
        "includes 10; inclusive ranges continue at 11."
    )
