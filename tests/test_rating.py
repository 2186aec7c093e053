"""Rating: usage rows and plans to charges (ratekit.rating)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._decimals import CONTEXT
from ratekit._instants import US_PER_HOUR, to_us

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
RUNTIME = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())


def row(
    quantity: str | int,
    start: str = "2026-03-01T00:00:00Z",
    end: str = "2026-04-01T00:00:00Z",
    *,
    meter: str = "vm.hours",
    account: str = "acme",
    resource: str = "vm-1",
    unit: str = "hour",
    description: dict[str, object] | None = None,
    ids: tuple[str, ...] = (),
) -> rk.UsageRow:
    return rk.UsageRow(
        account,
        meter,
        resource,
        rk.Span(start, end),
        MARCH,
        Decimal(quantity),
        unit,
        description or {},
        ids,
    )


def amounts(rating: rk.Rating) -> list[tuple[str | None, Decimal, Decimal]]:
    return [(c.entry, c.quantity, c.amount) for c in rating.charges]


# -- linear prices -----------------------------------------------------------------------


def test_a_price_change_on_the_15th_prices_each_piece_at_its_own_price() -> None:
    plan = rk.Plan(
        "standard",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"), end="2026-03-15T00:00:00Z"),
            rk.PriceEntry("vm-15", "vm.hours", rk.PerUnit("0.12"), start="2026-03-15T00:00:00Z"),
        ],
    )
    records = [
        rk.Event(
            "acme", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "small"}, kind="start", id="e1"
        ),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[RUNTIME])
    # running all March: 1-15 Mar = 14 days = 336 h x 0.10 = 33.60
    #                   15 Mar-1 Apr = 17 days = 408 h x 0.12 = 48.96
    assert amounts(rating) == [("vm", 336, Decimal("33.60")), ("vm-15", 408, Decimal("48.96"))]
    first, second = rating.charges
    assert first.unit_price == Decimal("0.10")
    assert second.span == rk.Span("2026-03-15T00:00:00Z", "2026-04-01T00:00:00Z")
    assert first.record_ids == ("e1",)
    assert first.cycle == MARCH
    assert [str(line) for line in second.tiers] == ["per unit: 408 * 0.12 = 48.96"]
    assert rating.total() == Decimal("82.56")


def test_per_flavor_prices_follow_a_resize() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("small", "vm.hours", rk.PerUnit("0.05"), where={"flavor": "small"}),
            rk.PriceEntry("large", "vm.hours", rk.PerUnit("0.20"), where={"flavor": "large"}),
        ],
    )
    records = [
        rk.Event(
            "acme", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "small"}, kind="start", id="e1"
        ),
        rk.Event(
            "acme", "vm-1", "2026-03-02T00:00:00Z", {"flavor": "large"}, kind="start", id="e2"
        ),
        rk.Event("acme", "vm-1", "2026-03-02T12:00:00Z", kind="stop", id="e3"),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[RUNTIME])
    # 24 h small x 0.05 = 1.20; 12 h large x 0.20 = 2.40
    assert amounts(rating) == [("small", 24, Decimal("1.20")), ("large", 12, Decimal("2.40"))]
    assert rating.charges[1].description == {"flavor": "large"}


# -- tiered prices: aggregate per cycle, allocate back in time order ----------------------


EGRESS_TIERS = rk.Graduated([rk.Tier(10, "0"), rk.Tier(20, "0.09"), rk.Tier(None, "0.05")])


def test_graduated_egress_is_allocated_back_to_the_pieces_in_time_order() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", EGRESS_TIERS)])
    rows = [  # given out of order: rating sorts by time
        row(
            9,
            "2026-03-20T00:00:00Z",
            "2026-03-21T00:00:00Z",
            meter="egress",
            resource="ip-1",
            unit="GB",
        ),
        row(
            6,
            "2026-03-02T00:00:00Z",
            "2026-03-03T00:00:00Z",
            meter="egress",
            resource="ip-1",
            unit="GB",
        ),
        row(
            10,
            "2026-03-10T00:00:00Z",
            "2026-03-11T00:00:00Z",
            meter="egress",
            resource="ip-2",
            unit="GB",
        ),
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    # total 25 GB: 10 free, 10 x 0.09 = 0.90, 5 x 0.05 = 0.25 -> 1.15
    # in time order: 6 (0 -> 6): 0; 10 (6 -> 16): 6 x 0.09 = 0.54;
    #                9 (16 -> 25): 4 x 0.09 + 5 x 0.05 = 0.36 + 0.25 = 0.61
    by_start = sorted(rating.charges, key=lambda c: c.span.start_us)
    assert [c.amount for c in by_start] == [Decimal(0), Decimal("0.54"), Decimal("0.61")]
    assert rating.total() == EGRESS_TIERS.amount(Decimal(25)) == Decimal("1.15")
    assert by_start[2].unit_price is None
    assert [str(line) for line in by_start[2].tiers] == [
        "tiers[1] (10, 20]: 4 * 0.09 = 0.36",
        "tiers[2] (20, ∞): 5 * 0.05 = 0.25",
    ]
    assert [str(line) for line in by_start[1].tiers] == [
        "tiers[0] (0, 10]: 4 * 0 = 0",
        "tiers[1] (10, 20]: 6 * 0.09 = 0.54",
    ]


def test_tiers_can_be_grouped_per_resource() -> None:
    entry = rk.PriceEntry("egress", "egress", EGRESS_TIERS, group_by="resource")
    plan = rk.Plan("p", "EUR", MONTHS, [entry])
    rows = [
        row(
            15,
            "2026-03-02T00:00:00Z",
            "2026-03-03T00:00:00Z",
            meter="egress",
            resource="ip-1",
            unit="GB",
        ),
        row(
            15,
            "2026-03-10T00:00:00Z",
            "2026-03-11T00:00:00Z",
            meter="egress",
            resource="ip-2",
            unit="GB",
        ),
    ]
    # each resource: 10 free + 5 x 0.09 = 0.45 (together they would be 0.90 + 0.50 = 1.40)
    assert [c.amount for c in rk.rate(rows, plan, span=MARCH).charges] == [Decimal("0.45")] * 2


def test_a_flat_fee_at_zero_usage_is_the_groups_base_charged_on_its_own() -> None:
    # Was: the first piece carried the flat fee (5, 0.20). The base is now due usage or
    # not (issue 8 §1), so it is its own charge and the pieces carry the marginals.
    base = rk.Graduated([rk.Tier(100, "0", flat="5"), rk.Tier(None, "0.01")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("api", "calls", base)])
    rows = [
        row(60, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", meter="calls", unit="call"),
        row(60, "2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z", meter="calls", unit="call"),
    ]
    # 120 calls: 5 flat + 20 x 0.01 = 5.20; the base 5, first piece 0, second 0.20
    charges = rk.rate(rows, plan, span=MARCH).charges
    assert [(c.kind, c.amount) for c in charges] == [
        ("usage", Decimal(0)),
        ("usage", Decimal("0.20")),
        ("fee", Decimal(5)),
    ]


# -- allowances, fees, minimums, plan changes -----------------------------------------------


def test_an_allowance_makes_the_first_units_of_the_cycle_free() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("egress", "egress", rk.PerUnit("0.05"))],
        allowances=[rk.Allowance("egress", 100)],
    )
    rows = [
        row(70, "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z", meter="egress", unit="GB"),
        row(60, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", meter="egress", unit="GB"),
    ]
    charges = rk.rate(rows, plan, span=MARCH).charges
    # 60 (all free, 40 left), then 70 of which 40 free: 30 x 0.05 = 1.50
    assert [(c.quantity, c.free, c.amount) for c in charges] == [
        (60, 60, Decimal(0)),
        (70, 40, Decimal("1.50")),
    ]
    assert charges[1].billable == 30


def test_a_plan_change_mid_month_splits_the_cycle() -> None:
    basic = rk.Plan("basic", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))])
    pro = rk.Plan(
        "pro",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm-pro", "vm.hours", rk.PerUnit("0.08"))],
        fees=[rk.Fee("support", 20)],
        allowances=[rk.Allowance("vm.hours", 100)],
    )
    change = "2026-03-16T12:00:00Z"
    plans = [rk.Assignment("acme", basic, end=change), rk.Assignment("acme", pro, start=change)]
    records = [
        rk.Event("acme", "vm-1", "2026-02-20T00:00:00Z", {"flavor": "small"}, kind="start", id="e1")
    ]
    rating = rk.rate(records, plans, span=MARCH, meters=[RUNTIME])
    # basic: 1 Mar - 16 Mar 12:00 = 15.5 days = 372 h x 0.10 = 37.20
    # pro:   16 Mar 12:00 - 1 Apr = 372 h; allowance 100 h prorated by 15.5/31 = 50 h free;
    #        322 h x 0.08 = 25.76; support fee 20 x 15.5/31 = 10
    assert [(c.kind, c.plan, c.quantity, c.free, c.amount) for c in rating.charges] == [
        ("usage", "basic", 372, 0, Decimal("37.20")),
        ("usage", "pro", 372, 50, Decimal("25.76")),
        ("fee", "pro", Decimal("0.5"), 0, Decimal("10.0")),
    ]
    assert rating.charges[2].span == rk.Span(change, "2026-04-01T00:00:00Z")


def test_minimum_commitments_per_meter_then_per_plan() -> None:
    plan = rk.Plan(
        "committed",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10")),
            rk.PriceEntry("egress", "egress", rk.PerUnit("0.05")),
        ],
        minimums=[rk.Minimum(100), rk.Minimum(50, meter="vm.hours")],
    )
    rows = [
        row(336, "2026-03-01T00:00:00Z", "2026-03-15T00:00:00Z"),
        row(20, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", meter="egress", unit="GB"),
    ]
    charges = rk.rate(rows, plan, span=MARCH).charges
    # vm: 336 h x 0.10 = 33.60 < 50: top-up 16.40; egress 20 x 0.05 = 1.00
    # plan: 33.60 + 16.40 + 1.00 = 51.00 < 100: top-up 49.00
    assert [(c.kind, c.entry, c.amount) for c in charges] == [
        ("usage", "egress", Decimal("1.00")),
        ("usage", "vm", Decimal("33.60")),
        ("minimum", "minimum:vm.hours", Decimal("16.40")),
        ("minimum", "minimum", Decimal("49.00")),
    ]
    assert sum(c.amount for c in charges) == 100


def test_minimums_and_fees_are_prorated_to_the_rated_part_of_the_cycle() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", 31)], minimums=[rk.Minimum(62)])
    ten_days = rk.Span("2026-03-01T00:00:00Z", "2026-03-11T00:00:00Z")
    charges = rk.rate([], [rk.Assignment("acme", plan)], span=ten_days).charges
    # 10 of 31 days: fee 31 x 10/31 = 10; minimum 62 x 10/31 = 20, nothing spent
    assert [(c.kind, round(c.amount, 20)) for c in charges] == [("fee", 10), ("minimum", 20)]


# -- errors ------------------------------------------------------------------------------


def test_unpriced_usage_is_an_error_naming_meter_account_and_span() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("large", "vm.hours", rk.PerUnit(1), where={"flavor": "large"})],
    )
    with pytest.raises(rk.UnpricedUsageError) as error:
        rk.rate(
            [
                row(
                    5,
                    "2026-03-02T00:00:00Z",
                    "2026-03-02T05:00:00Z",
                    description={"flavor": "tiny"},
                )
            ],
            plan,
            span=MARCH,
        )
    assert str(error.value) == (
        "usage of meter 'vm.hours' by account 'acme' (resource 'vm-1', 5 hour) over "
        "2026-03-02T00:00:00Z..2026-03-02T05:00:00Z has no price in plan 'p': no entry of that "
        "meter is in effect for a resource described by {'flavor': 'tiny'}; add an entry, or "
        "build the plan with unpriced='anomaly' to report such usage instead."
    )


def test_unpriced_usage_can_be_reported_as_an_anomaly() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [], unpriced="anomaly")
    rating = rk.rate(
        [row(5, "2026-03-02T00:00:00Z", "2026-03-02T05:00:00Z", ids=("e1", "e2"))], plan, span=MARCH
    )
    assert rating.charges == ()
    (anomaly,) = rating.anomalies
    assert anomaly.kind == "unpriced"
    assert anomaly.record_ids == ("e1", "e2")
    assert str(anomaly).endswith("described by {}: not charged.")


def test_usage_of_an_account_no_assignment_names_is_an_error() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    with pytest.raises(rk.UnpricedUsageError) as error:
        rk.rate([row(5)], [rk.Assignment("other", plan, start="2026-03-10T00:00:00Z")], span=MARCH)
    assert str(error.value) == (
        "usage of meter 'vm.hours' by account 'acme' (resource 'vm-1') from 2026-03-01T00:00:00Z "
        "has no plan: the account has no plan assigned at that instant; assign it one with "
        "rk.Assignment(...)."
    )


def test_usage_before_an_accounts_first_assignment_is_reported_not_charged() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    rating = rk.rate(
        [row(744, ids=("e1",))],
        [rk.Assignment("acme", plan, start="2026-03-10T00:00:00Z")],
        span=MARCH,
    )
    # 744 hours over March's 744 hours, 1 per hour: 9 days before 10 March (216 hours)
    # have no plan; 22 days from it (528 hours) are charged 528.
    (charge,) = rating.charges
    assert (charge.quantity, charge.amount) == (Decimal(528), Decimal(528))
    (anomaly,) = rating.anomalies
    assert (anomaly.kind, anomaly.record_ids, anomaly.account, anomaly.resource) == (
        "unpriced",
        ("e1",),
        "acme",
        "vm-1",
    )
    assert anomaly.at == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert str(anomaly) == (
        "usage of meter 'vm.hours' by account 'acme' (resource 'vm-1', 216 hour) over "
        "2026-03-01T00:00:00Z..2026-03-10T00:00:00Z has no plan: the account has no plan "
        "assigned there (its assignments: 'p' from 2026-03-10T00:00:00Z): not charged."
    )


def test_a_quantity_a_tiered_price_refuses_names_entry_and_records() -> None:
    # A tiered price whose last tier ends at 20 GB refuses 25 GB; a negative total is no
    # longer refused (a correction nets against the cycle's usage: see
    # tests/test_tiers_corrections.py), so the refusal is the bounded tier's.
    bounded = rk.Graduated([rk.Tier(10, "0"), rk.Tier(20, "0.09")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", bounded)])
    usage = row(
        25, "2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z", meter="egress", unit="GB", ids=("s9",)
    )
    with pytest.raises(rk.BadQuantityError) as error:
        rk.rate([usage], plan, span=MARCH)
    assert str(error.value).startswith(
        "price entry 'egress' of plan 'p' cannot price 25 GB of meter 'egress' for account "
        "'acme' in the cycle 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z (reached by 25 GB "
        "of resource 'vm-1', records ['s9'], over 2026-03-02T00:00:00Z..2026-03-02T00:00:00Z): "
    )
    # a per-unit price takes a correction: -5 x 0.05 = -0.25
    correction = row(
        -5, "2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z", meter="egress", unit="GB", ids=("s9",)
    )
    per_unit = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", rk.PerUnit("0.05"))])
    assert rk.rate([correction], per_unit, span=MARCH).total() == Decimal("-0.25")


def test_rate_refuses_what_is_not_usage() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [])
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"rate usage must be usage rows, or records with meters=\[...\], not str",
    ):
        rk.rate(["row"], plan, span=MARCH)  # type: ignore[list-item]


# -- properties --------------------------------------------------------------------------

T0 = MARCH.start_us
HOUR = US_PER_HOUR

LAYERED = rk.Plan(
    "layered",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10")),
        rk.PriceEntry(
            "vm-15", "vm.hours", rk.PerUnit("0.12"), start="2026-03-15T00:00:00Z", priority=1
        ),
        rk.PriceEntry(
            "vm-night",
            "vm.hours",
            rk.PerUnit("0.04"),
            window=rk.windows.daily("22:00", "06:00", tz="Europe/Zurich"),
            priority=2,
        ),
        rk.PriceEntry(
            "large", "vm.hours", rk.PerUnit("0.30"), where={"flavor": "large"}, priority=3
        ),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.05")),
    ],
)

events = st.lists(
    st.tuples(
        st.integers(0, 2),  # resource
        st.integers(0, 31 * 24 * 4),  # quarter-hour of March
        st.sampled_from(["small", "large", None]),  # None: stop
    ),
    max_size=12,
)
samples = st.lists(st.tuples(st.integers(0, 31 * 24), st.integers(-5, 500)), max_size=6)


def _records(
    event_specs: list[tuple[int, int, str | None]], sample_specs: list[tuple[int, int]]
) -> list[object]:
    records: list[object] = []
    for index, (resource, quarter, flavor) in enumerate(event_specs):
        at = _at(T0 + quarter * HOUR // 4)
        if flavor is None:
            records.append(
                rk.Event("acme", f"vm-{resource}", at, kind="stop", id=f"e{index}", seq=index)
            )
        else:
            records.append(
                rk.Event(
                    "acme",
                    f"vm-{resource}",
                    at,
                    {"flavor": flavor},
                    kind="start",
                    id=f"e{index}",
                    seq=index,
                )
            )
    for index, (hour, value) in enumerate(sample_specs):
        records.append(
            rk.Sample("acme", "ip-1", "egress", _at(T0 + hour * HOUR + 1), value, id=f"s{index}")
        )
    return records


def _at(t_us: int) -> str:
    return rk.Span.from_us(t_us, t_us).start.isoformat()


@given(events, samples, st.integers(1, 31 * 24 * 4 - 1))
def test_linear_rating_of_a_span_equals_the_sum_over_its_pieces(
    event_specs, sample_specs, quarter
) -> None:  # type: ignore[no-untyped-def]
    records = _records(event_specs, sample_specs)
    cut = T0 + quarter * HOUR // 4
    meters = [RUNTIME, EGRESS]
    whole = rk.rate(records, LAYERED, span=MARCH, meters=meters, as_of=MARCH.end)
    left = rk.rate(records, LAYERED, span=rk.Span.from_us(T0, cut), meters=meters, as_of=MARCH.end)
    right = rk.rate(
        records, LAYERED, span=rk.Span.from_us(cut, MARCH.end_us), meters=meters, as_of=MARCH.end
    )
    assert whole.total() == CONTEXT.add(left.total(), right.total())
    for entry in ("vm", "vm-15", "vm-night", "large", "egress"):

        def of(rating: rk.Rating, entry: str = entry) -> Decimal:
            return sum((c.amount for c in rating.charges if c.entry == entry), Decimal(0))

        assert of(whole) == of(left) + of(right), entry


@given(events, samples, st.randoms(use_true_random=False))
def test_rating_is_independent_of_record_arrival_order(
    event_specs, sample_specs, shuffler: random.Random
) -> None:  # type: ignore[no-untyped-def]
    records = _records(event_specs, sample_specs)
    shuffled = list(records)
    shuffler.shuffle(shuffled)
    meters = [RUNTIME, EGRESS]
    first = rk.rate(records, LAYERED, span=MARCH, meters=meters)
    second = rk.rate(shuffled, LAYERED, span=MARCH, meters=meters)
    assert first.charges == second.charges
    assert [c.record_ids for c in first.charges] == [c.record_ids for c in second.charges]


@given(
    st.lists(
        st.tuples(
            st.integers(0, 31 * 24 - 1),
            st.decimals(0, 10_000, places=3),
            st.sampled_from(["ip-1", "ip-2"]),
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([None, "resource"]),
    st.integers(0, 50),
)
def test_detail_lines_add_up_to_the_group_total_to_the_last_digit(pieces, group_by, free) -> None:  # type: ignore[no-untyped-def]
    price = rk.Graduated(
        [rk.Tier(100, "0", flat="1.5"), rk.Tier(1000, "0.0917"), rk.Tier(None, "0.0433", block=10)]
    )
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("egress", "egress", price, group_by=group_by)],
        allowances=[rk.Allowance("egress", free)],
    )
    rows = [
        row(
            str(q),
            _at(T0 + h * HOUR),
            _at(T0 + (h + 1) * HOUR),
            meter="egress",
            resource=resource,
            unit="GB",
        )
        for h, q, resource in pieces
    ]
    charges = rk.rate(rows, plan, span=MARCH).charges
    groups = (
        {None: rows}
        if group_by is None
        else {r: [x for x in rows if x.resource == r] for r in {x.resource for x in rows}}
    )
    total = Decimal(0)
    for key, members in groups.items():
        quantity = sum((m.quantity for m in members), Decimal(0))
        group_charges = [c for c in charges if group_by is None or c.resource == key]
        billable = quantity - sum((c.free for c in group_charges), Decimal(0))
        assert sum((c.amount for c in group_charges), Decimal(0)) == price.amount(billable)
        # and every charge's tier lines add up to its amount
        for charge in group_charges:
            assert sum((line.amount for line in charge.tiers), Decimal(0)) == charge.amount
        total += quantity
    assert sum((c.free for c in charges), Decimal(0)) == min(Decimal(free), total)


def test_cuts_passed_to_metering_put_each_row_in_one_price_regime() -> None:
    records = [
        rk.Event("acme", "vm-1", "2026-03-14T20:00:00Z", {"flavor": "small"}, kind="start", id="e1")
    ]
    rating = rk.rate(
        records,
        LAYERED,
        span=rk.Span("2026-03-14T00:00:00Z", "2026-03-16T00:00:00Z"),
        meters=[RUNTIME],
    )
    # Zurich nights are 21:00-05:00 UTC in March (before DST): 20:00-21:00 day (0.10),
    # 21:00-05:00 night (0.04; cut at midnight too, where "vm-15" starts underneath),
    # 05:00-21:00 on the 15th at the new price (0.12), then night again
    assert [(c.entry, c.quantity, c.amount) for c in rating.charges] == [
        ("vm", 1, Decimal("0.10")),
        ("vm-night", 3, Decimal("0.12")),
        ("vm-night", 5, Decimal("0.20")),
        ("vm-15", 16, Decimal("1.92")),
        ("vm-night", 3, Decimal("0.12")),
    ]
    assert {c.record_ids for c in rating.charges} == {("e1",)}
    assert to_us("2026-03-15T05:00:00Z") in {c.span.start_us for c in rating.charges}


# -- clipping, cycles, grouping and other paths ---------------------------------------------


def test_rows_are_clipped_to_the_span_in_proportion_to_time() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))])
    # a 48 h row of 30 units from 31 Mar 00:00 to 2 Apr 00:00; rating March keeps 24 h: 15
    spanning = rk.UsageRow(
        "acme",
        "vm.hours",
        "vm-1",
        rk.Span("2026-03-31T00:00:00Z", "2026-04-02T00:00:00Z"),
        MARCH,
        Decimal(30),
        "hour",
        {},
        (),
    )
    (charge,) = rk.rate([spanning], plan, span=MARCH).charges
    assert (charge.span, charge.quantity, charge.amount) == (
        rk.Span("2026-03-31T00:00:00Z", "2026-04-01T00:00:00Z"),
        15,
        Decimal("1.50"),
    )
    # rated over both months, the row is cut at the cycle boundary: 15 + 15, two cycles
    both = rk.rate([spanning], plan, span=rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"))
    assert [(c.cycle.start.month, c.quantity) for c in both.charges] == [(3, 15), (4, 15)]
    assert [invoice.cycle.start.month for invoice in rk.bill(both)] == [3, 4]


def test_tiers_can_be_grouped_by_a_description_attribute() -> None:
    entry = rk.PriceEntry("egress", "egress", EGRESS_TIERS, group_by="zone")
    plan = rk.Plan("p", "EUR", MONTHS, [entry])
    rows = [
        row(15, meter="egress", resource="ip-1", unit="GB", description={"zone": "a"}),
        row(15, meter="egress", resource="ip-2", unit="GB", description={"zone": "a"}),
        row(15, meter="egress", resource="ip-3", unit="GB", description={"zone": "b"}),
    ]
    # zone a: 30 GB -> 10 x 0.09 + 10 x 0.05 = 1.40; zone b: 15 GB -> 5 x 0.09 = 0.45
    assert rk.rate(rows, plan, span=MARCH).total() == Decimal("1.85")


def test_rating_metered_usage_and_a_user_written_linear_price() -> None:
    class Doubled:
        """Twice a base rate: linear, but not a PerUnit."""

        linear = True

        def amount(self, quantity: Decimal) -> Decimal:
            return quantity * Decimal("0.2")

        def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
            return added * Decimal("0.2")

        def explain(self, quantity: Decimal) -> tuple[()]:
            return ()

    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", Doubled())])
    records = [
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {}, kind="start", id="e1"),
        rk.Event("acme", "vm-1", "2026-03-01T05:00:00Z", kind="stop", id="e2"),
    ]
    usage = rk.meter(
        records, [RUNTIME], span=MARCH, cycle=MONTHS, as_of=MARCH.end, cuts=plan.cuts(MARCH)
    )
    rating = rk.rate(usage, plan, span=MARCH)
    # 5 h x 0.2 = 1.0; the unit price of a linear model is its amount of one unit
    assert [(c.quantity, c.unit_price, c.amount) for c in rating.charges] == [
        (5, Decimal("0.2"), Decimal("1.0"))
    ]
    assert repr(rating) == "Rating(1 charge, 0 anomalies)"
    assert repr(rating.charges[0]) == (
        "Charge('acme', 'vm.hours', 'vm-1', '2026-03-01T00:00:00Z'..'2026-03-01T05:00:00Z', "
        "5 hour, 1.0 EUR, entry='vm')"
    )
    assert rating.rows == usage.rows


def test_rate_needs_a_span() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [])
    with pytest.raises(rk.RatekitTypeError, match=r"rate span must be a Span, not str"):
        rk.rate([], plan, span="2026-03")  # type: ignore[arg-type]


def test_nothing_is_charged_past_as_of() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        fees=[rk.Fee("base", 31)],
    )
    records = [rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {}, kind="start", id="e1")]
    rating = rk.rate(records, plan, span=MARCH, meters=[RUNTIME], as_of="2026-03-11T00:00:00Z")
    # still running on 11 Mar: 240 h x 0.10 = 24.00; the fee for 10 of 31 days: 10.00
    assert [(c.kind, c.span.end, c.amount) for c in rating.charges] == [
        ("usage", rk.Span("2026-03-11T00:00:00Z", "2026-03-11T00:00:00Z").end, Decimal("24.00")),
        ("fee", rk.Span("2026-03-11T00:00:00Z", "2026-03-11T00:00:00Z").end, Decimal(10)),
    ]


def test_fees_prorated_by_whole_local_days() -> None:
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    plan = rk.Plan("p", "EUR", zurich, [], fees=[rk.Fee("base", 31)], proration="days")
    march = zurich.containing("2026-03-10T00:00:00Z")
    # assigned from 16 Mar 12:00 local: the day it enters partway counts, so 16..31 Mar
    # = 16 of 31 local days: 31 x 16/31 = 16 (by seconds it would be 15.5 days of 30.96)
    rating = rk.rate(
        [], [rk.Assignment("acme", plan, start="2026-03-16T12:00:00+01:00")], span=march
    )
    assert [(c.quantity, c.amount) for c in rating.charges] == [
        (CONTEXT.divide(Decimal(16), Decimal(31)), Decimal(16))
    ]


def test_a_tie_beyond_the_checked_horizon_is_refused_when_rating() -> None:
    class OnceIn2031:
        """A window open on 1 Jan 2031 only: beyond the four years a plan checks."""

        def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
            lo, hi = to_us("2031-01-01T00:00:00Z"), to_us("2031-01-02T00:00:00Z")
            return (
                [(max(lo, start_us), min(hi, end_us))]
                if max(lo, start_us) < min(hi, end_us)
                else []
            )

    always = rk.PriceEntry("always", "vm.hours", rk.PerUnit("0.10"), start="2026-01-01T00:00:00Z")
    once = rk.PriceEntry("once", "vm.hours", rk.PerUnit("0.01"), window=OnceIn2031())
    plan = rk.Plan("p", "EUR", MONTHS, [always, once])  # accepted: no meeting before 2030
    day = rk.Span("2031-01-01T00:00:00Z", "2031-01-02T00:00:00Z")
    usage = rk.UsageRow("acme", "vm.hours", "vm-1", day, day, Decimal(24), "hour", {}, ())
    with pytest.raises(rk.BadPriceError) as error:
        rk.rate([usage], plan, span=day)
    assert str(error.value) == (
        "price entries 'always' and 'once' of meter 'vm.hours' have the same priority 0 and "
        "both apply to a resource described by {}; give one a higher priority, or make their "
        "spans, windows or selectors exclusive."
    )


def test_a_tiered_group_is_priced_with_a_running_amount_across_a_price_change() -> None:
    # One egress group per account and cycle; the tiered price changes on the 15th.
    before = rk.Graduated([rk.Tier(10, 0), rk.Tier(None, 1)])
    after = rk.Graduated([rk.Tier(10, 0), rk.Tier(None, 2)])
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("egress", "egress", before),
            rk.PriceEntry(
                "egress from the 15th", "egress", after, start="2026-03-15T00:00:00Z", priority=1
            ),
        ],
    )
    rows = [
        row(12, "2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z", meter="egress", unit="GB"),
        row(6, "2026-03-16T00:00:00Z", "2026-03-16T00:00:00Z", meter="egress", unit="GB"),
        row(5, "2026-03-20T00:00:00Z", "2026-03-20T00:00:00Z", meter="egress", unit="GB",
            resource="vm-2"),
    ]  # fmt: skip
    charges = rk.rate(rows, plan, span=MARCH).charges
    amounts = {(c.resource, c.entry): c.amount for c in charges}
    # 0 -> 12 under `before`: 10 free + 2 at 1 = 2
    # 12 -> 18 under `after`: after(18) - after(12) = 16 - 4 = 12 (the running amount starts
    # again from after(12), not from before(12) = 2, which would give 14)
    # 18 -> 23 under `after`: after(23) - after(18) = 26 - 16 = 10
    assert amounts == {
        ("vm-1", "egress"): Decimal(2),
        ("vm-1", "egress from the 15th"): Decimal(12),
        ("vm-2", "egress from the 15th"): Decimal(10),
    }
    assert sum(amounts.values()) == Decimal(24)
