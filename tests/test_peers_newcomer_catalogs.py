"""More peers' worked examples: Kill Bill's catalogs, CloudKitty's thresholds, fixed bugs.

Kill Bill's usage catalogs (all tiers, top tier, capacity) billed on anniversary cycles,
CloudKitty's hashmap mappings and thresholds, the tier-boundary and zero-usage bugs
Lago and OpenMeter fixed, Flexprice's packages inside volume tiers, Lago's prorated seats,
and two published figures that are wrong (each comment says why ratekit's is right).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

# --- Kill Bill ------------------------------------------------------------------------

KILL_BILL_MONTHS = rk.cycles.monthly(tz="UTC", day=29)
WATER = rk.Meter("water", "liter", rk.Discrete())
TWO_MONTHS = rk.Span("2021-09-29T00:00:00Z", "2021-11-29T00:00:00Z")


def _water_invoices(price: rk.PriceModel) -> list[tuple[rk.Span, Decimal]]:
    plan = rk.Plan(
        "water-monthly",
        "USD",
        KILL_BILL_MONTHS,
        [rk.PriceEntry("water", "water", price)],
        fees=[rk.Fee("water-monthly", 30)],
    )
    used = [
        rk.Sample("acme", "meter-1", "water", "2021-10-01T00:00:00Z", 400, id="w1"),
        rk.Sample("acme", "meter-1", "water", "2021-11-01T00:00:00Z", 1200, id="w2"),
    ]
    rating = rk.rate(
        used,
        [rk.Assignment("acme", plan, start="2021-09-29T00:00:00Z")],
        span=TWO_MONTHS,
        meters=[WATER],
    )
    return [(invoice.cycle, invoice.total) for invoice in rk.bill(rating)]


@pytest.mark.parametrize(
    ("price", "figures"),
    [
        # ALL_TIERS: 30 + 400 x 1.5 = 630; 30 + 1000 x 1.5 + 200 x 2.0 = 1930.
        (rk.Graduated([rk.Tier(1000, "1.5"), rk.Tier(None, "2.0")]), ("630.00", "1930.00")),
        # TOP_TIER: 30 + 400 x 1.5 = 630; 30 + 1200 x 2.0 = 2430.
        (rk.Volume([rk.Tier(1000, "1.5"), rk.Tier(None, "2.0")]), ("630.00", "2430.00")),
        # CAPACITY: a flat 750 up to 1,000 liters, 500 up to 10,000: 30 + 750; 30 + 500.
        (
            rk.Volume([rk.Tier(1000, 0, flat=750), rk.Tier(10000, 0, flat=500)]),
            ("780.00", "530.00"),
        ),
    ],
    ids=["all-tiers", "top-tier", "capacity"],
)
def test_kill_bill_water_catalogs_on_anniversary_cycles(
    price: rk.PriceModel, figures: tuple[str, str]
) -> None:
    # Kill Bill, catalog examples (killbill/killbill-docs,
    # userguide/tutorials/catalog-examples.adoc, "Usage Billing"): a water plan of 30 a
    # month from 29 September 2021, in arrears; 400 liters on 1 October, 1,200 on
    # 1 November; invoices for 29 September to 29 October and 29 October to 29 November.
    assert _water_invoices(price) == [
        (rk.Span("2021-09-29T00:00:00Z", "2021-10-29T00:00:00Z"), Decimal(figures[0])),
        (rk.Span("2021-10-29T00:00:00Z", "2021-11-29T00:00:00Z"), Decimal(figures[1])),
    ]


# --- CloudKitty -----------------------------------------------------------------------

INSTANCE_HOURS = rk.Meter("instance", "hour", rk.OnOff())
DAY = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")


def test_cloudkitty_flavor_mappings_price_each_flavor_per_hour() -> None:
    # CloudKitty, hashmap rating module
    # (https://docs.openstack.org/cloudkitty/newton/rating/hashmap.html): flat mappings of
    # the flavor, m1.micro 0.1, m1.tiny 0.2, m1.small 0.4, per collect period (an hour).
    # A tiny instance for 10 hours resized to small for 14: 10 x 0.2 + 14 x 0.4 = 7.60.
    plan = rk.Plan(
        "hashmap",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry(flavor, "instance", rk.PerUnit(cost), where={"flavor": flavor})
            for flavor, cost in [("m1.micro", "0.1"), ("m1.tiny", "0.2"), ("m1.small", "0.4")]
        ],
    )
    records = [
        rk.Event("p", "vm", "2026-03-02T00:00:00Z", {"flavor": "m1.tiny"}, kind="start", id="e1"),
        rk.Event("p", "vm", "2026-03-02T10:00:00Z", {"flavor": "m1.small"}, kind="start", id="e2"),
    ]
    rating = rk.rate(records, plan, span=DAY, meters=[INSTANCE_HOURS])
    assert [(charge.entry, charge.quantity, charge.amount) for charge in rating.charges] == [
        ("m1.tiny", Decimal(10), Decimal("2.0")),
        ("m1.small", Decimal(14), Decimal("5.6")),
    ]
    assert rk.bill(rating)[0].total == Decimal("7.60")


@pytest.mark.parametrize(
    ("size_gb", "figure"),
    [(1000, None), (1024, "102.40"), (5000, "500.00"), (10240, "2048.00")],
)
def test_cloudkitty_volume_thresholds_apply_from_their_level(
    size_gb: int, figure: str | None
) -> None:
    # The same page's thresholds on volumes: from a level of 1,024 a cost of 0.1, from
    # 10,240 a cost of 0.2, applied to the whole quantity (qty x cost) per hour. A
    # threshold holds *at* its level, so it is a selector (AtLeast), not a tier bound,
    # which would put 1,024 in the tier below. One hour of a volume of 1,024 GB: 102.40;
    # 5,000 GB: 500.00; 10,240 GB: 0.2 x 10,240 = 2,048.00; below 1,024 nothing prices
    # it, and ratekit says so rather than charge 0 silently.
    storage = rk.Meter("volume", "GB*hour", rk.Continuous("size_gb"))
    plan = rk.Plan(
        "thresholds",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry("1024", "volume", rk.PerUnit("0.1"), where={"size_gb": rk.AtLeast(1024)}),
            rk.PriceEntry(
                "10240",
                "volume",
                rk.PerUnit("0.2"),
                where={"size_gb": rk.AtLeast(10240)},
                priority=1,
            ),
        ],
        unpriced="anomaly",
    )
    records = [
        rk.Event("p", "vol", "2026-03-02T00:00:00Z", {"size_gb": size_gb}, kind="start", id="v1"),
        rk.Event("p", "vol", "2026-03-02T01:00:00Z", kind="delete", id="v2"),
    ]
    rating = rk.rate(records, plan, span=DAY, meters=[storage])
    if figure is None:
        assert rating.charges == ()
        assert [anomaly.kind for anomaly in rating.anomalies] == ["unpriced"]
    else:
        assert rk.bill(rating)[0].total == Decimal(figure)


# --- bugs other systems fixed ---------------------------------------------------------


def test_lago_volume_quantity_between_two_integer_ranges() -> None:
    # Lago raised an error for 5.5 units under ranges 0-5, 6-10, 11+ and fixed it to
    # price them in the second range (https://github.com/getlago/lago-api/pull/1699).
    # ratekit reads the range 6-10 as (5, 10]: 5.5 units at 0.5 = 2.75; 5 units stay in
    # the first range, 5 x 1 = 5.
    volume = rk.Volume.from_ranges([("0-5", "1"), ("6-10", "0.5"), ("11+", "0.25")])
    assert volume.amount(Decimal("5.5")) == Decimal("2.75")
    assert volume.amount(5) == Decimal(5)
    assert volume.amount(Decimal("10.001")) == Decimal("2.50025")


def test_lago_graduated_boundary_shown_off_by_one() -> None:
    # Lago's plan form said 250 units under 0-250 at 0 and 250+ at 0.02 cost 0.02, where
    # 250 units are all in the free tier (https://github.com/getlago/lago-front/pull/3489):
    # a quantity on a bound belongs to the lower tier, so 250 cost 0 and 251 cost 0.02.
    free = rk.Graduated([rk.Tier(250, "0"), rk.Tier(None, "0.02")])
    assert (free.amount(250), free.amount(251)) == (Decimal(0), Decimal("0.02"))


def test_lago_first_tier_flat_fee_is_due_in_a_month_without_usage() -> None:
    # Lago did not bill a volume price's first-tier flat fee of 50 in a month without
    # usage (https://github.com/getlago/lago/issues/648, fixed by
    # https://github.com/getlago/lago-api/pull/5760). ratekit charges it, as its docs
    # say: a quiet April costs the subscription fee and the 50.
    plan = rk.Plan(
        "quiet",
        "USD",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry(
                "calls", "calls", rk.Volume([rk.Tier(1, 0, flat=50), rk.Tier(None, "0.1", flat=50)])
            )
        ],
        fees=[rk.Fee("subscription", 20)],
    )
    april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=april)
    assert sorted((charge.entry, charge.amount) for charge in rating.charges) == [
        ("calls", Decimal(50)),
        ("subscription", Decimal(20)),
    ]
    assert rk.bill(rating)[0].total == Decimal("70.00")


def test_openmeter_first_tier_flat_fee_is_billed_regardless_of_usage() -> None:
    # Kong's metering and billing (OpenMeter) pricing models
    # (https://github.com/Kong/developer.konghq.com/pull/4888): a first tier to 1,000 at
    # 0 with a flat 500, then 0.1 per unit; 2,000 units cost 500 + 1,000 x 0.1 = 600, and
    # 0 units cost 500 since tiers start from 0 (as in
    # https://github.com/openmeterio/openmeter/pull/2119).
    tiers = rk.Graduated([rk.Tier(1000, 0, flat=500), rk.Tier(None, "0.1")])
    assert tiers.amount(2000) == Decimal("600.0")
    assert tiers.amount(0) == Decimal(500)


@pytest.mark.parametrize(
    ("calls", "volume_figure", "graduated_figure"),
    [(4500, "5", "5"), (12500, "10.4", "12.4")],
)
def test_flexprice_packages_inside_tiers(
    calls: int, volume_figure: str, graduated_figure: str
) -> None:
    # Flexprice, tiered (https://docs.flexprice.io/docs/product-catalogue/plans/billing-models/tiered):
    # a tier may charge per package; 4,500 calls in the first tier at 1 per 1,000 are 4.5
    # packages, rounded up to 5: 5. Volume mode counts packages on the whole usage, slab
    # (graduated) mode on the units inside each tier. With a second tier at 0.8 per 1,000
    # above 10,000: 12,500 calls in volume mode are 13 packages x 0.8 = 10.4; graduated,
    # 10 x 1 + 3 (2,500 calls) x 0.8 = 12.4.
    tiers = [rk.Tier(10000, 1, block=1000), rk.Tier(None, "0.8", block=1000)]
    assert rk.Volume(tiers).amount(calls) == Decimal(volume_figure)
    assert rk.Graduated(tiers).amount(calls) == Decimal(graduated_figure)


# --- published figures that are wrong ------------------------------------------------


def test_lago_prorated_seat_added_on_july_10th() -> None:
    # Lago, prorated vs full (https://getlago.com/docs/guide/plans/charges/prorated-vs-full):
    # a seat at 10 a month added on 10 July is prorated for 22 days: Lago prints 7.33.
    # 7.33 is 10 x 22/30: a 30-day month. July has 31 days, so 22 days are 10 x 22/31 =
    # 7.0967..., 7.10 (an older version of the page said 10 June, which leaves 21 days of
    # 30: 7.00). ratekit's time-weighted mean of the seat count over July, 22/31 of a
    # seat, at 10 a seat gives 7.10.
    seats = rk.Meter("seats", "seat", rk.TimeWeightedMean(over="period"))
    plan = rk.Plan(
        "seats",
        "USD",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("seat", "seats", rk.PerUnit(10))],
    )
    july = rk.Span("2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z")
    added = [rk.Sample("acme", "team", "seats", "2026-07-10T00:00:00Z", 1, kind="gauge", id="s1")]
    rating = rk.rate(added, plan, span=july, meters=[seats])
    assert rk.bill(rating)[0].total == Decimal("7.10")


def test_a_rate_card_answer_that_counts_a_unit_twice() -> None:
    # A published answer on tiered rates (https://github.com/Azure/BillingCodeSamples/issues/15)
    # prices 250 units under 1 from 0, 0.9 from 200 and 0.8 from 500 as
    # 51 x 0.9 + 199 x 1 = 244.9: 250 units split as 199 + 51 by its own "0 - 199" at 1,
    # which is 200 units. 200 x 1 + 50 x 0.9 = 245.
    tiers = rk.Graduated([rk.Tier(200, "1"), rk.Tier(500, "0.9"), rk.Tier(None, "0.8")])
    assert tiers.amount(250) == Decimal("245.0")
