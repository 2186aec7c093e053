"""What a correction takes back follows the records' instants, not resource names or netting.

docs/pricing.md (Corrections across a change of plan): within a billing cycle a
correction (a delta below zero of a meter that adds up) takes back, last in, first out,
the units of its cycle billed before it, whichever plan billed them. Before it means
stamped before it, on any resource of the account: metering cuts a `Discrete` meter's
rows at each correction's instant (docs/usage.md), so a correction is a row of its own
and rating takes a cycle's rows in time order. The deltas stamped at one instant are
taken as their net: the usage of the instant first, then its corrections.

Every amount is worked by hand; the law is checked against an oracle that walks the
records in instant order with a stack of (plan, units) in ``fractions.Fraction``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
EG = rk.Meter("eg", "GB", rk.Discrete())
NOON = "2026-03-16T12:00:00Z"


def _plan(plan_id: str, price: object, free: int = 0) -> rk.Plan:
    allowances = [rk.Allowance("eg", free)] if free else []
    return rk.Plan(
        plan_id,
        "EUR",
        MONTHS,
        [rk.PriceEntry("eg", "eg", rk.PerUnit(price))],
        allowances=allowances,
    )


def _two(free: int = 0) -> list[rk.Assignment]:
    # a (1 a GB) to noon on 16 March, b (2 a GB) after.
    return [
        rk.Assignment("acme", _plan("a", 1, free), end=NOON),
        rk.Assignment("acme", _plan("b", 2, free), start=NOON),
    ]


def _sent(resource: str, at: str, gigabytes: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", resource, "eg", f"2026-03-{at}Z", gigabytes, id=record_id)


def _rated(records: list[rk.Sample], assignments: list[rk.Assignment]) -> rk.Rating:
    return rk.rate(records, assignments, span=MARCH, meters=[EG])


def _by_plan(rating: rk.Rating) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for charge in rating.charges:
        out[charge.plan] = out.get(charge.plan, Decimal(0)) + charge.amount
    return out


def _renamed(records: list[rk.Sample], names: dict[str, str]) -> list[rk.Sample]:
    return [
        rk.Sample(r.account, names[r.resource], r.meter, r.at, r.value, id=r.id) for r in records
    ]


# -- the rows metering makes ----------------------------------------------------------------


def test_a_correction_is_a_row_of_its_own_between_the_usage_before_and_after_it() -> None:
    records = [
        _sent("ip-1", "10T00:00:00", 5, "s1"),
        _sent("ip-1", "12T00:00:00", -2, "fix"),
        _sent("ip-1", "14T00:00:00", 3, "s2"),
    ]
    usage = rk.meter(records, [EG], span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    # Cut at 12 March and one microsecond after: 5 before, -2 at its instant, 3 after.
    assert [(str(row.span), row.quantity, row.record_ids) for row in usage.rows] == [
        ("Span('2026-03-01T00:00:00Z', '2026-03-12T00:00:00Z')", Decimal(5), ("s1",)),
        (
            "Span('2026-03-12T00:00:00Z', '2026-03-12T00:00:00.000001Z')",
            Decimal(-2),
            ("fix",),
        ),
        ("Span('2026-03-12T00:00:00.000001Z', '2026-04-01T00:00:00Z')", Decimal(3), ("s2",)),
    ]
    assert usage.total() == Decimal(6)


def test_a_correction_cuts_the_rows_of_the_accounts_other_resources_too() -> None:
    records = [
        _sent("ip-1", "10T00:00:00", 5, "s1"),
        _sent("ip-2", "12T00:00:00", -2, "fix"),
        _sent("ip-1", "14T00:00:00", 3, "s2"),
        rk.Sample("other", "ip-9", "eg", "2026-03-14T00:00:00Z", 7, id="o1"),
    ]
    usage = rk.meter(records, [EG], span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    # ip-1's 5 and 3 are on both sides of ip-2's correction: two rows; another account's
    # rows are not cut.
    assert [(row.account, row.resource, row.quantity) for row in usage.rows] == [
        ("acme", "ip-1", Decimal(5)),
        ("acme", "ip-1", Decimal(3)),
        ("acme", "ip-2", Decimal(-2)),
        ("other", "ip-9", Decimal(7)),
    ]
    assert [row.span.start for row in usage.rows if row.resource == "ip-1"] == [
        MARCH.start,
        dt.datetime(2026, 3, 12, 0, 0, 0, 1, tzinfo=dt.UTC),
    ]


def test_usage_with_no_correction_stays_one_row_a_piece() -> None:
    records = [_sent("ip-1", f"{day:02d}T00:00:00", day, f"s{day}") for day in range(1, 29)]
    usage = rk.meter(records, [EG], span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    assert [(row.span, row.quantity) for row in usage.rows] == [(MARCH, Decimal(406))]


def test_a_correction_after_usage_past_a_bounded_last_tier_no_longer_nets_it_away() -> None:
    # docs/pricing.md (Negative quantities): a running quantity that passes a bounded last
    # tier is refused even when a correction after it brings the cycle back within it.
    # 250 GB then -60 GB on one resource were one row of 190 (netted); now the correction
    # is a row of its own after the 250, which pass the bound of 200: refused. Stamped
    # before the 250, the correction brings the cycle to 190: 100 x 0.01 + 90 x 0.02.
    bounded = rk.Plan(
        "b", "EUR", MONTHS,
        [rk.PriceEntry("eg", "eg", rk.Graduated([rk.Tier(100, "0.01"), rk.Tier(200, "0.02")]))],
    )  # fmt: skip
    after = [_sent("r1", "02T00:00:00", 250, "u1"), _sent("r1", "03T00:00:00", -60, "c1")]
    with pytest.raises(rk.BadQuantityError, match="cannot price the quantity '250'"):
        rk.rate(after, bounded, span=MARCH, meters=[EG])
    before = [_sent("r1", "02T00:00:00", 250, "u1"), _sent("r1", "01T00:00:00", -60, "c1")]
    assert rk.bill(rk.rate(before, bounded, span=MARCH, meters=[EG]))[0].total == Decimal("2.80")


# -- worked by hand -------------------------------------------------------------------------


def test_three_resources_and_two_corrections_take_back_in_time_order() -> None:
    records = [
        _sent("r1", "02T00:00:00", 10, "u1"),  # a: 10
        _sent("r2", "17T00:00:00", 4, "u2"),  # b: 4
        _sent("r3", "18T00:00:00", -6, "c1"),  # b's 4 back (-8.00), then 2 of a's (-2.00)
        _sent("r1", "19T00:00:00", 5, "u3"),  # b: 5
        _sent("r2", "20T00:00:00", -7, "c2"),  # b's 5 back (-10.00), then 2 of a's (-2.00)
    ]
    # a keeps 10 - 2 - 2 = 6 GB (6.00), b none: 6.00 in all, whatever the names.
    for names in ({"r1": "r1", "r2": "r2", "r3": "r3"}, {"r1": "r3", "r2": "r1", "r3": "r2"}):
        rating = _rated(_renamed(records, names), _two())
        assert _by_plan(rating) == {"a": Decimal(6), "b": Decimal(0)}
        assert rk.bill(rating)[0].total == Decimal("6.00")


def test_a_correction_at_the_instant_of_usage_takes_that_usage_back_first() -> None:
    # At 20 March 00:00 r2 uses 3 GB and r1 withdraws 5: the instant's usage first, so
    # the correction takes back r2's 3 (b's, -6.00) then 2 of a's 10 (-2.00): a keeps 8,
    # 8.00, as if the instant's net, -2, took back 2 of a's. On one resource the two are
    # one row of -2 (its net): the same 8.00.
    for fixed, used in (("r1", "r2"), ("r2", "r1"), ("r1", "r1")):
        records = [
            _sent("r1", "02T00:00:00", 10, "u1"),
            _sent(used, "20T00:00:00", 3, "u2"),
            _sent(fixed, "20T00:00:00", -5, "c1"),
        ]
        rating = _rated(records, _two())
        assert sum(_by_plan(rating).values()) == Decimal(8), (fixed, used)
        assert _by_plan(rating)["a"] == Decimal(8)


def test_the_deltas_of_one_instant_are_taken_as_their_net() -> None:
    # -4 GB on 2 March under a: below zero (-4.00). At 20 March 00:00 (under b) r1 sends
    # 3 and -3 (one row of 0), r2 5 and r3 -5: their net is 0, so nothing changes: -4.00
    # in all. (r2's 5 filling a's -4 first, then r3's -5 going below zero under b, would
    # give -4 + 4 + 2 - 2 - 8 = -8.00.)
    records = [
        _sent("r1", "02T00:00:00", -4, "c0"),
        _sent("r1", "20T00:00:00", 3, "u1"),
        _sent("r1", "20T00:00:00", -3, "c1"),
        _sent("r2", "20T00:00:00", 5, "u2"),
        _sent("r3", "20T00:00:00", -5, "c2"),
    ]
    rating = _rated(records, _two())
    assert sum(_by_plan(rating).values()) == Decimal(-4)


def test_a_correction_below_zero_is_filled_by_the_usage_stamped_after_it() -> None:
    records = [
        _sent("mm", "02T00:00:00", 6, "u1"),  # a: 6
        _sent("zz", "17T00:00:00", -10, "c1"),  # a's 6 back (-6.00), then -4 under b (-8.00)
        _sent("aa", "18T00:00:00", 5, "u2"),  # fills b's -4 (+8.00), then 1 under b (+2.00)
    ]
    # a: 6 - 6 = 0; b: -8 + 8 + 2 = 2.00 (b's net 1 GB). Taken by name ('aa' before 'zz')
    # the 5 would go first and the correction take them back with 5 of a's: 1.00.
    rating = _rated(records, _two())
    assert _by_plan(rating) == {"a": Decimal(0), "b": Decimal(2)}
    assert rk.bill(rating)[0].total == Decimal("2.00")


def test_a_correction_under_an_allowance_takes_back_the_free_units_stamped_before_it() -> None:
    # 10 GB free a month on each plan, 5 for each half. a: 20 GB on 2 March, 5 free and
    # 15 billed (15.00). b: 4 GB on 17 March (free); -6 GB on 18 March take back b's 4
    # free units (0.00) then 2 of a's billed ones (-2.00); 3 GB on 19 March are free again.
    # a: 13.00 (18 GB net, 5 free), b: 0.00 (3 GB net, within its 5 free). Taken by name
    # (r1, r2, r3 all under b), r1's 3 would go before the correction: 12.00.
    records = [
        _sent("r1", "02T00:00:00", 20, "u1"),
        _sent("r3", "17T00:00:00", 4, "u2"),
        _sent("r2", "18T00:00:00", -6, "c1"),
        _sent("r1", "19T00:00:00", 3, "u3"),
    ]
    rating = _rated(records, _two(free=10))
    assert _by_plan(rating) == {"a": Decimal(13), "b": Decimal(0)}
    assert rk.bill(rating)[0].total == Decimal("13.00")


def test_corrections_across_three_plans_take_back_the_latest_units_first() -> None:
    # a (1 a GB) to 11 March, b (2) to 21 March, c (3) after.
    a, b, c = _plan("a", 1), _plan("b", 2), _plan("c", 3)
    assignments = [
        rk.Assignment("acme", a, end="2026-03-11T00:00:00Z"),
        rk.Assignment("acme", b, start="2026-03-11T00:00:00Z", end="2026-03-21T00:00:00Z"),
        rk.Assignment("acme", c, start="2026-03-21T00:00:00Z"),
    ]
    records = [
        _sent("r1", "02T00:00:00", 10, "u1"),  # a: 10
        _sent("r2", "14T00:00:00", 5, "u2"),  # b: 5
        _sent("r0", "15T00:00:00", -3, "c1"),  # b's 3 back (-6.00): b keeps 2
        _sent("r3", "22T00:00:00", 4, "u3"),  # c: 4
        _sent("r1", "25T00:00:00", -6, "c2"),  # c's 4 back (-12.00), then b's 2 (-4.00)
    ]
    # a keeps 10 (10.00), b and c none: 10.00.
    rating = _rated(records, assignments)
    assert _by_plan(rating) == {"a": Decimal(10), "b": Decimal(0), "c": Decimal(0)}
    assert rk.bill(rating)[0].total == Decimal("10.00")


@pytest.mark.parametrize(
    "watermark",
    ["2026-03-10T00:00:00Z", "2026-03-17T00:00:00Z", "2026-03-17T00:00:00.000001Z", "2026-03-18T00:00:00Z"],
)  # fmt: skip
def test_the_streaming_rater_takes_back_as_the_batch_does(watermark: str) -> None:
    # The example of a correction below zero filled by the usage after it, with 'aa'
    # also sending 2 GB on 5 March (under a), fed late: the correction takes back a's
    # 6 + 2 (-8.00), then -2 under b at 2 (-4.00), filled by aa's 5 (+4.00) and 3 more
    # under b (+6.00): a 0.00, b 6.00. Fed around a statement at each watermark (the
    # correction stamped at one, or a microsecond before one).
    records = [
        _sent("mm", "02T00:00:00", 6, "u1"),
        _sent("zz", "17T00:00:00", -10, "c1"),
        _sent("aa", "18T00:00:00", 5, "u2"),
        _sent("aa", "05T00:00:00", 2, "u0"),
    ]
    assert rk.bill(_rated(records, _two()))[0].total == Decimal("6.00")
    rater = rk.Rater(_two(), [EG], start=MARCH.start)
    rater.feed(records[:1])
    rater.statement(watermark)
    rater.feed(records[1:])
    rater.statement("2026-03-18T00:00:00Z")
    (invoice,) = rater.statement(MARCH.end).invoices
    assert invoice.total == Decimal("6.00")


# -- the law --------------------------------------------------------------------------------

HOURS = 31 * 24


def _oracle(
    records: list[tuple[int, int, int]], split: int, prices: tuple[Fraction, Fraction]
) -> Fraction:
    """The month's amount, walking the records in instant order with a stack of units.

    The records of one instant are taken as their net (on any resources). Each entry of the stack is
    [plan, units]: units above zero billed, below zero taken back beyond what was billed.
    A delta first undoes entries of the other sign, from the top down (each at the price
    of the plan that made it), then stacks what is left under its own plan.
    """
    stack: list[list[int]] = []
    total = Fraction(0)
    nets: dict[int, int] = {}
    for _resource, hour, value in records:
        nets[hour] = nets.get(hour, 0) + value
    for hour, value in sorted(nets.items()):
        if not value:
            continue
        plan = 0 if hour < split else 1
        sign = 1 if value > 0 else -1
        wanted = abs(value)
        for entry in reversed(stack):
            if not wanted:
                break
            if entry[1] * sign >= 0:
                continue
            taken = min(wanted, abs(entry[1]))
            entry[1] += sign * taken
            total += sign * taken * prices[entry[0]]
            wanted -= taken
        stack = [entry for entry in stack if entry[1]]
        if wanted:
            total += sign * wanted * prices[plan]
            stack.append([plan, sign * wanted])
    return total


_RECORDS = st.lists(
    st.tuples(
        st.sampled_from(["r1", "r2", "r3"]),
        st.integers(0, HOURS - 1) | st.sampled_from([100, 200, 400]),
        st.integers(-9, 9).filter(bool),
    ),
    min_size=1,
    max_size=8,
)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    records=_RECORDS,
    split=st.integers(1, HOURS - 1) | st.sampled_from([100, 200, 400]),
    prices=st.tuples(st.sampled_from(["0.5", "1", "2", "3"]), st.sampled_from(["0.5", "1", "2"])),
    order=st.permutations(["r1", "r2", "r3"]),
    fed=st.integers(0, 8),
    watermark=st.integers(1, HOURS - 1) | st.sampled_from([100, 200, 400]),
)
@example(
    records=[("r1", 10, 5), ("r2", 20, -3), ("r1", 30, 4)], split=5, prices=("1", "2"),
    order=["r1", "r2", "r3"], fed=1, watermark=15,
)  # fmt: skip
@example(
    records=[("r1", 10, 5), ("r2", 300, 1), ("r3", 310, -4), ("r1", 320, 4)], split=200,
    prices=("1", "2"), order=["r3", "r1", "r2"], fed=2, watermark=315,
)  # fmt: skip
@example(
    records=[("r1", 0, -4), ("r1", 300, 3), ("r1", 300, -3), ("r2", 300, 5), ("r3", 300, -5)],
    split=100, prices=("1", "2"), order=["r2", "r3", "r1"], fed=3, watermark=300,
)  # fmt: skip
def test_what_a_correction_takes_back_follows_the_records_instants(
    *,
    records: list[tuple[str, int, int]],
    split: int,
    prices: tuple[str, str],
    order: list[str],
    fed: int,
    watermark: int,
) -> None:
    start = MARCH.start
    cut = start + dt.timedelta(hours=split)
    assignments = [
        rk.Assignment("acme", _plan("a", prices[0]), end=cut),
        rk.Assignment("acme", _plan("b", prices[1]), start=cut),
    ]
    expected = _oracle(
        [(resource, hour, value) for resource, hour, value in records],
        split,
        (Fraction(prices[0]), Fraction(prices[1])),
    )
    names = dict(zip(["r1", "r2", "r3"], order, strict=True))
    for given_names in ({name: name for name in names}, names):
        samples = [
            rk.Sample(
                "acme", given_names[resource], "eg", start + dt.timedelta(hours=hour), value,
                id=f"s{i}",
            )
            for i, (resource, hour, value) in enumerate(records)
        ]  # fmt: skip
        rating = _rated(samples, assignments)
        assert Fraction(sum(c.amount for c in rating.charges)) == expected
    # The streaming rater, fed in two batches around a statement, bills the same.
    rater = rk.Rater(assignments, [EG], start=MARCH.start)
    rater.feed(samples[:fed])
    rater.statement(start + dt.timedelta(hours=watermark))
    rater.feed(samples[fed:])
    (invoice,) = rater.statement(MARCH.end).invoices
    assert Fraction(invoice.total) == expected
