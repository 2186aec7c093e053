"""Faults a managed database host meets, pinned with their minimal inputs.

Each test states the behaviour the docs promise (or a billing user would demand) and is
a strict xfail until ratekit gives it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

BERLIN = rk.cycles.monthly(tz="Europe/Berlin")
UTC_MONTHS = rk.cycles.monthly(tz="UTC")
DECEMBER = BERLIN.containing(
    "2026-12-10T00:00:00Z"
)  # 2026-11-30T23:00Z .. 2026-12-31T23:00Z, 744 h
MARCH = UTC_MONTHS.containing("2026-03-10T00:00:00Z")
STORAGE = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))


def _starter() -> rk.Plan:
    return rk.Plan(
        "starter",
        "USD",
        BERLIN,
        [rk.PriceEntry("storage", "storage", rk.PerUnit("0.10"))],
        allowances=[rk.Allowance("storage", 20)],
    )


# A 20 GB volume provisioned at the start of December, under 20 GB-month free.
HELD = [rk.Sample("alpha", "db", "storage", "2026-11-30T23:00:00Z", 20, kind="gauge", id="s1")]


def test_a_volume_within_its_allowance_costs_nothing_over_the_whole_month() -> None:
    # the whole month: a mean of 20 GB, all 20 free
    rating = rk.rate(HELD, _starter(), span=DECEMBER, meters=[STORAGE])
    assert rating.total() == 0


def test_a_volume_within_its_allowance_costs_nothing_as_of_any_watermark() -> None:
    # As of 2 December (48 h): the GB-month so far is 20 x 48/744 = 1.29, within the
    # allowance so far (20 x 48/744); or the mean 20 within the whole 20: either way 0.
    rating = rk.rate(
        HELD, _starter(), span=DECEMBER, meters=[STORAGE], as_of="2026-12-02T23:00:00Z"
    )
    assert rating.total() == 0
    rater = rk.Rater(_starter(), [STORAGE], start=DECEMBER.start)
    rater.feed(HELD)
    amounts = [
        line.amount
        for day in (2, 10, 20, 31)
        for line in rater.statement(DECEMBER.start + dt.timedelta(days=day)).lines
    ]
    assert all(amount == 0 for amount in amounts), amounts


def _backup_plan(unpriced: str = "error") -> rk.Plan:
    """Backup at 0.05 a GB of the month's aggregate, 12 GB free a month."""
    return rk.Plan(
        "p",
        "USD",
        BERLIN,
        [rk.PriceEntry("b", "backup", rk.PerUnit("0.05"))],
        allowances=[rk.Allowance("backup", 12)],
        unpriced=unpriced,
    )


def _backup_peak(gb: int) -> list[rk.Sample]:
    """One backup reading of ``gb`` at the start of December (Berlin)."""
    return [rk.Sample("alpha", "db", "backup", "2026-11-30T23:00:00Z", gb, kind="gauge", id="p1")]


@pytest.mark.parametrize("policy", [rk.Max(), rk.Latest(), rk.TimeWeightedMean()], ids=repr)
def test_a_backup_peak_within_its_allowance_costs_nothing_over_the_whole_month(
    policy: rk.SamplePolicy,
) -> None:
    backup = rk.Meter("backup", "GB", policy)
    plan = _backup_plan()
    peak = _backup_peak(12)
    assert rk.rate(peak, plan, span=DECEMBER, meters=[backup]).total() == 0


@pytest.mark.parametrize("policy", [rk.Max(), rk.Latest(), rk.TimeWeightedMean()], ids=repr)
def test_a_backup_peak_within_its_allowance_costs_nothing_as_of_any_watermark(
    policy: rk.SamplePolicy,
) -> None:
    backup = rk.Meter("backup", "GB", policy)
    plan = _backup_plan()
    peak = _backup_peak(12)
    # the peak so far (12) is within the month's 12 free, and can only stay or rise: 0 now
    # (it was charged 12 x (1 - 48/744) x 0.05 = 0.5613, the allowance prorated to the
    # watermark while the peak was the month's so far, then taken back)
    assert (
        rk.rate(peak, plan, span=DECEMBER, meters=[backup], as_of="2026-12-02T23:00:00Z").total()
        == 0
    )
    rater = rk.Rater(plan, [backup], start=DECEMBER.start)
    rater.feed(peak)
    for day in (2, 10, 31):
        assert [
            line.amount for line in rater.statement(DECEMBER.start + dt.timedelta(days=day)).lines
        ] in (
            [],
            [Decimal(0)],
        )


def test_a_peak_above_its_allowance_pays_the_excess_as_of_any_watermark() -> None:
    # 15 GB peak, 12 GB free a month, 0.05 a GB: (15 - 12) x 0.05 = 0.15, two days in as
    # at the month's end (the peak so far against the whole allowance, both of the month)
    backup = rk.Meter("backup", "GB", rk.Max())
    plan = _backup_plan()
    peak = _backup_peak(15)
    for as_of in ("2026-12-02T23:00:00Z", DECEMBER.end):
        rating = rk.rate(peak, plan, span=DECEMBER, meters=[backup], as_of=as_of)
        assert rating.total() == Decimal("0.15")


def test_a_plan_from_mid_month_frees_its_share_of_the_peak_so_far() -> None:
    # a plan from 10 December (Berlin) with 12 GB free; a 12 GB peak from the 1st. As of
    # the 20th (19 days so far, 10 of them the plan's): the plan's piece is 12 x 10/19 GB,
    # its allowance 12 x 10/19 too: nothing to pay; at the month's end 12 x 22/31 each.
    backup = rk.Meter("backup", "GB", rk.Max())
    plan = _backup_plan(unpriced="anomaly")
    joined = [rk.Assignment("alpha", plan, start="2026-12-09T23:00:00Z")]
    peak = _backup_peak(12)
    for as_of in ("2026-12-19T23:00:00Z", DECEMBER.end):
        rating = rk.rate(peak, joined, span=DECEMBER, meters=[backup], as_of=as_of)
        assert [c.amount for c in rating.charges] == [Decimal(0)]


def test_an_allowance_of_a_meter_that_adds_up_is_still_prorated_to_the_watermark() -> None:
    # 10 GB sent on the first day, 10 GB free a month: as of 48 h of 744, the allowance so
    # far is 10 x 48/744 = 20/31 GB, so 10 - 20/31 = 290/31 GB are paid at 0.05:
    # 14.5/31 = 0.4677..., billed 0.47 (docs/streaming.md: allowances prorated to as_of)
    sent = rk.Meter("sent", "GB", rk.Discrete())
    plan = rk.Plan(
        "p",
        "USD",
        BERLIN,
        [rk.PriceEntry("s", "sent", rk.PerUnit("0.05"))],
        allowances=[rk.Allowance("sent", 10)],
    )
    used = [rk.Sample("alpha", "db", "sent", "2026-12-01T10:00:00Z", 10, id="d1")]
    rating = rk.rate(used, plan, span=DECEMBER, meters=[sent], as_of="2026-12-02T23:00:00Z")
    assert rk.bill(rating)[0].total == Decimal("0.47")


def _pro_until_the_20th() -> list[rk.Assignment]:
    pro = rk.Plan(
        "pro", "USD", UTC_MONTHS, [rk.PriceEntry("storage", "storage", rk.PerUnit("0.08"))]
    )
    return [rk.Assignment("beta", pro, end="2026-03-20T00:00:00Z")]


# 100 GB from 1 March, released (a reading of 0) on the 19th; the customer cancels on the 20th.
RELEASED = [
    rk.Sample("beta", "db", "storage", "2026-03-01T00:00:00Z", 100, kind="gauge", id="b1"),
    rk.Sample("beta", "db", "storage", "2026-03-19T00:00:00Z", 0, kind="gauge", id="b2"),
]
# 100 GB x 432 h / 744 h = 1800/31 GB-month, to the 60th digit (what an open-ended plan bills)
WHOLE = Decimal("58.0645161290322580645161290322580645161290322580645161290323")


def test_a_released_volume_under_an_open_ended_plan_is_its_exact_gb_month() -> None:
    pro = _pro_until_the_20th()[0].plan
    (charge,) = rk.rate(RELEASED, pro, span=MARCH, meters=[STORAGE]).charges
    assert charge.quantity == WHOLE
    assert abs(Fraction(charge.quantity) - Fraction(1800, 31)) < Fraction(1, 10**57)


def test_a_released_volume_of_a_customer_who_cancelled_is_billed_whole_and_nothing_is_unpriced() -> (
    None
):
    rating = rk.rate(RELEASED, _pro_until_the_20th(), span=MARCH, meters=[STORAGE])
    (charge,) = rating.charges
    assert charge.quantity == WHOLE
    unpriced = [anomaly.message for anomaly in rating.anomalies if anomaly.kind == "unpriced"]
    assert all("(resource 'db', 0 GB)" in message for message in unpriced), unpriced


def test_a_stream_says_nothing_unpriced_of_a_released_volume_after_a_cancel() -> None:
    # The gap after the plan's end holds 0 GB at every watermark: said once (its span's
    # end, the watermark, is no news), not at each statement.
    rater = rk.Rater(_pro_until_the_20th(), [STORAGE], start=MARCH.start)
    rater.feed(RELEASED)
    said = [
        anomaly.message
        for day in range(20, 32)
        for anomaly in rater.statement(f"2026-03-{day:02}T12:00:00Z").anomalies
        if anomaly.kind == "unpriced"
    ]
    assert all("(resource 'db', 0 GB)" in message for message in said), said
    assert len(said) <= 1


def _per_gb_month() -> tuple[rk.Plan, rk.Meter]:
    # A host prices provisioned storage "per GB-month", and meters it in GB*hour.
    storage = rk.Meter("storage", "GB*hour", rk.Continuous("storage_gb", unit="GB"))
    plan = rk.Plan(
        "p", "USD", BERLIN, [rk.PriceEntry("s", "storage", rk.PerUnit("0.10"), unit="GB*month")]
    )
    return plan, storage


def test_a_price_per_gb_month_is_refused_by_batch_rating_saying_why() -> None:
    plan, storage = _per_gb_month()
    volume = [
        rk.Event("alpha", "vol", "2026-11-30T23:00:00Z", {"storage_gb": 20}, kind="start", id="v1")
    ]
    with pytest.raises(rk.UnitError) as raised:
        rk.rate(volume, plan, span=DECEMBER, meters=[storage])
    assert "price entry 's' of plan 'p' is stated per 'GB*month'" in str(raised.value)
    assert "a month or a year has no fixed length: bill by cycles instead" in str(raised.value)


def test_a_rater_refuses_when_built_a_price_per_a_unit_its_meter_cannot_convert_to() -> None:
    # DESIGN 3.15: incompatible units are refused when the meter or plan is built; the
    # Rater holds both (it took the start below, then failed every statement, restored
    # or not, before the meters were checked against the plans when built)
    plan, storage = _per_gb_month()
    with pytest.raises(rk.UnitError) as raised:
        rk.Rater(plan, [storage], start=DECEMBER.start)
    assert "price entry 's' of plan 'p' is stated per 'GB*month'" in str(raised.value)
    assert "meter 'storage'" in str(raised.value)


def test_a_rater_refuses_an_assignment_priced_per_a_unit_its_meter_cannot_convert_to() -> None:
    plan, storage = _per_gb_month()
    hourly = rk.Plan(
        "h", "USD", BERLIN, [rk.PriceEntry("s", "storage", rk.PerUnit("0.001"), unit="GB*day")]
    )
    rater = rk.Rater([rk.Assignment("alpha", hourly)], [storage], start=DECEMBER.start)
    before = rater.snapshot()
    with pytest.raises(rk.UnitError) as raised:
        rater.assign(rk.Assignment("beta", plan, start=DECEMBER.start))
    assert "price entry 's' of plan 'p' is stated per 'GB*month'" in str(raised.value)
    assert "meter 'storage' is in 'GB*hour'" in str(raised.value)
    assert rater.snapshot() == before  # what it refuses leaves the rater unchanged


def test_a_price_per_a_unit_the_meter_converts_to_is_taken() -> None:
    # 20 GB held for the whole of December (31 days) at 0.001 a GB-day: 20 x 31 x 0.001 = 0.62
    daily = rk.Plan(
        "d", "USD", BERLIN, [rk.PriceEntry("s", "storage", rk.PerUnit("0.001"), unit="GB*day")]
    )
    storage = rk.Meter("storage", "GB*hour", rk.Continuous("storage_gb", unit="GB"))
    volume = [
        rk.Event("alpha", "vol", "2026-11-30T23:00:00Z", {"storage_gb": 20}, kind="start", id="v1")
    ]
    rater = rk.Rater(daily, [storage], start=DECEMBER.start)
    rater.feed(volume)
    lines = rater.statement(as_of=DECEMBER.end).lines
    assert sum(line.amount for line in lines) == Decimal("0.62")
    invoice = rk.bill(rk.rate(volume, daily, span=DECEMBER, meters=[storage]))[0]
    assert invoice.total == Decimal("0.62")
