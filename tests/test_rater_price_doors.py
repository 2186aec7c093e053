"""The feed refuses what a price would take out of range, not only what a cycle sums to.

A price multiplies: a PerUnit rate makes each usage row's amount the quantity times the
rate, and an entry stated per another unit converts the quantity first. Either can take
a quantity the cycle's doors let through past 1E+30, where ratekit cannot carry an amount
(or a price cannot take a quantity) exactly; batch ``rate()`` refuses such records, and a
rater that took them would fail every statement from then on. The feed refuses them with
their batch, naming the record and what pricing would refuse; what it takes, it prices
as batch rating does.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._feed_law import exact_sum, fed_one_at_a_time, total

import ratekit as rk
from ratekit import _rater_sample_doors

DAILY = rk.cycles.daily(tz="UTC")
MONTHLY = rk.cycles.monthly(tz="UTC")
START = "2026-03-01T00:00:00Z"
EGRESS = [rk.Meter("egress", "B", rk.Discrete())]
CPU = [rk.Meter("cpu", "s", rk.Counter())]
MEMORY = [rk.Meter("mem", "MB*hour", rk.Continuous("mb"))]


def _plan(meter: str, price: rk.PriceModel, unit: str | None = None) -> rk.Plan:
    return rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("e", meter, price, unit=unit)])


def _delta(resource: str, at: str, value: str, record_id: str, account: str = "a1") -> rk.Sample:
    return rk.Sample(account, resource, "egress", at, value, id=record_id)


# -- deltas under a PerUnit rate ----------------------------------------------------------


def test_a_delta_whose_amount_at_its_rate_reaches_1e30_is_refused_naming_it() -> None:
    # 1E+21 B at 1E+10 EUR per B is 1E+31 EUR: no charge can hold it.
    plan = _plan("egress", rk.PerUnit("1E+10"))
    rater = rk.Rater(plan, EGRESS, start=START)
    big = _delta("r1", "2026-03-01T01:00:00Z", "1E+21", "s1")
    with pytest.raises(rk.BadPriceError) as caught:
        rater.feed([big])
    assert str(caught.value) == (
        "Rater.feed: records[0]: the samples of account 'a1' (the batch's first: sample 's1' of "
        "meter 'egress' stamped 2026-03-01T01:00:00Z) would make every statement fail to price "
        "them: price entry 'e' of plan 'p' prices 1000000000000000000000 B of meter 'egress' "
        "for account 'a1' (resource 'r1') at 1.000000000000000000000E+31, outside the amounts "
        "ratekit carries exactly (at most 60 significant digits and, unless zero, a magnitude "
        "from 1E-100 up to but excluding 1E+30): an invoice holding it could not be stored "
        "and read back. Check the price and the quantity (their product lies outside). The "
        "batch is refused whole; fix or drop the samples and feed the batch again."
    )
    # Batch rating refuses the same record.
    with pytest.raises(rk.BadPriceError):
        rk.rate([big], plan, span=rk.Span(START, "2026-03-02T00:00:00Z"), meters=EGRESS)
    # The rater took nothing and goes on: 9.9E+19 x 1E+10 = 9.9E+29, in range.
    assert rater.feed([_delta("r1", "2026-03-01T02:00:00Z", "9.9E+19", "s2")]).accepted == ("s2",)
    assert total(rater, "2026-03-02T00:00:00Z") == Decimal("9.9E+29")


def test_deltas_of_one_row_adding_up_past_it_are_refused_and_of_two_rows_taken() -> None:
    # r1's two deltas make one row of 1.2E+20 B: 1.2E+30 EUR at 1E+10, refused. The same
    # delta on r2 is a row of its own, 6E+29 EUR: taken, as batch rating takes it.
    plan = _plan("egress", rk.PerUnit("1E+10"))
    rater = rk.Rater(plan, EGRESS, start=START)
    assert rater.feed([_delta("r1", "2026-03-01T01:00:00Z", "6E+19", "s1")]).accepted == ("s1",)
    with pytest.raises(rk.BadPriceError, match=r"sample 's2' .* at 1\.20*E\+30,"):
        rater.feed([_delta("r1", "2026-03-01T02:00:00Z", "6E+19", "s2")])
    assert rater.feed([_delta("r2", "2026-03-01T02:00:00Z", "6E+19", "s3")]).accepted == ("s3",)
    # 6E+29 + 6E+29: the statement's lines are each in range (their sum need not be).
    assert total(rater, "2026-03-02T00:00:00Z") == Decimal("1.2E+30")
    # The next day is a row of its own again.
    assert rater.feed([_delta("r1", "2026-03-02T02:00:00Z", "6E+19", "s4")]).accepted == ("s4",)


def test_a_restored_rater_refuses_what_the_one_it_came_from_refuses() -> None:
    plan = _plan("egress", rk.PerUnit("1E+10"))
    rater = rk.Rater(plan, EGRESS, start=START)
    rater.feed([_delta("r1", "2026-03-01T01:00:00Z", "6E+19", "s1")])
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, EGRESS)
    for fed in (rater, restored):
        with pytest.raises(rk.BadPriceError, match="sample 's2'"):
            fed.feed([_delta("r1", "2026-03-01T02:00:00Z", "6E+19", "s2")])


def test_a_tier_price_above_1_is_judged_on_its_amount() -> None:
    # The cycle's quantity, 1E+21 B, is well below 1E+30, so the door for tiered sums lets
    # it through; at 1E+10 per B its amount is 1E+31.
    plan = _plan("egress", rk.Graduated([rk.Tier(None, "1E+10")]))
    rater = rk.Rater(plan, EGRESS, start=START)
    with pytest.raises(rk.BadPriceError, match=r"sample 's1' .* fail to price them: "):
        rater.feed([_delta("r1", "2026-03-01T01:00:00Z", "1E+21", "s1")])


def test_an_entry_stated_per_a_smaller_unit_is_judged_in_its_unit() -> None:
    # Metered in MB, priced per B: 1E+25 MB is 1E+31 B, which tiers cannot take.
    meters = [rk.Meter("egress", "MB", rk.Discrete())]
    plan = _plan("egress", rk.Graduated([rk.Tier(None, "1E-20")]), unit="B")
    rater = rk.Rater(plan, meters, start=START)
    big = _delta("r1", "2026-03-01T01:00:00Z", "1E+25", "s1")
    with pytest.raises(rk.BadQuantityError, match=f"cannot price {10**31} B of meter 'egress'"):
        rater.feed([big])
    # Batch rating says the quantity in the entry's unit too (it said MB).
    with pytest.raises(rk.BadQuantityError, match=f"cannot price {10**31} B of meter"):
        rk.rate([big], plan, span=rk.Span(START, "2026-03-02T00:00:00Z"), meters=meters)
    # 9E+23 MB = 9E+29 B, at 1E-20: 9E+9 EUR.
    assert rater.feed([_delta("r1", "2026-03-01T01:00:00Z", "9E+23", "s2")]).accepted == ("s2",)
    assert total(rater, "2026-03-02T00:00:00Z") == Decimal("9E+9")


def test_counter_readings_whose_increment_prices_past_it_are_refused() -> None:
    # 0, then 2E+21 s: an increment of 2E+21 s at 1E+9 per s, 2E+30 EUR.
    plan = _plan("cpu", rk.PerUnit("1E+9"))
    rater = rk.Rater(plan, CPU, start=START)
    readings = [
        rk.Sample("a1", "vm", "cpu", at, value, kind="counter", id=record_id)
        for at, value, record_id in (
            ("2026-03-01T01:00:00Z", "0", "c1"),
            ("2026-03-01T02:00:00Z", "2E+21", "c2"),
        )
    ]
    with pytest.raises(rk.BadPriceError, match=r"sample 'c1' of meter 'cpu'"):
        rater.feed(readings)
    assert rater.feed(readings[:1]).accepted == ("c1",)
    with pytest.raises(rk.BadPriceError, match=r"sample 'c2' of meter 'cpu'"):
        rater.feed(readings[1:])


def test_ordinary_magnitudes_pass_without_metering_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # The quick bound: the largest magnitude, 5,000 B, times 3 samples, times the rate 2,
    # is far below 1E+30, so no account is metered at the feed.
    plan = _plan("egress", rk.PerUnit("2"))
    rater = rk.Rater(plan, EGRESS, start=START)
    metered: list[object] = []
    original = _rater_sample_doors.metered

    def counting(*args: Any, **kwargs: Any) -> rk.Usage:
        metered.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(_rater_sample_doors, "metered", counting)
    records = [
        _delta(f"r{n}", "2026-03-01T01:00:00Z", str(v), f"s{n}")
        for n, v in enumerate((5000, 20, 7))
    ]
    assert rater.feed(records).accepted == ("s0", "s1", "s2")
    assert metered == []
    # 5,027 x 2 = 10,054.
    assert total(rater, "2026-03-02T00:00:00Z") == Decimal(10054)
    # Past the bound (5E+29 x 4 samples x 2), the door meters and finds 1E+30: refused.
    with pytest.raises(rk.BadPriceError, match="sample 'big'"):
        rater.feed([_delta("r9", "2026-03-01T01:00:00Z", "5E+29", "big")])
    assert len(metered) == 1


def _flavored() -> rk.Plan:
    # Small VMs' bytes at 1 EUR, big VMs' at 1E+10 EUR: the description chooses the rate
    # (bytes of a VM not described yet are an "unpriced" anomaly).
    return rk.Plan(
        "p",
        "EUR",
        DAILY,
        [
            rk.PriceEntry("small", "egress", rk.PerUnit("1"), where={"f": "s"}),
            rk.PriceEntry("big", "egress", rk.PerUnit("1E+10"), where={"f": "b"}),
        ],
        unpriced="anomaly",
    )


def _described(at: str, flavor: str, record_id: str, kind: str = "start") -> rk.Event:
    return rk.Event("a1", "vm", at, {"f": flavor}, kind=kind, id=record_id)  # type: ignore[arg-type]


def test_an_event_of_the_batch_choosing_a_steeper_entry_for_its_samples_is_judged() -> None:
    # The update of 00:30 makes vm big before its 5E+20 B of 01:00 in the same batch:
    # 5E+30 EUR. Judged without the batch's update, it would be 5E+20 EUR, and taken.
    rater = rk.Rater(_flavored(), EGRESS, start=START)
    rater.feed([_described("2026-03-01T00:00:00Z", "s", "e0")])
    batch = [
        _described("2026-03-01T00:30:00Z", "b", "e1", "update"),
        _delta("vm", "2026-03-01T01:00:00Z", "5E+20", "s1"),
    ]
    with pytest.raises(
        rk.BadPriceError, match=r"sample 's1' .* price entry 'big' .* at 5\.0*E\+30,"
    ):
        rater.feed(batch)
    assert total(rater, "2026-03-02T00:00:00Z") == 0


def test_a_late_event_putting_samples_taken_before_under_a_steeper_entry_is_refused() -> None:
    # 5E+20 B taken while vm was small (5E+20 EUR); a late update stamped before them
    # would make them big's: 5E+30 EUR, at every statement from then on.
    rater = rk.Rater(_flavored(), EGRESS, start=START)
    rater.feed(
        [
            _described("2026-03-01T00:00:00Z", "s", "e0"),
            _delta("vm", "2026-03-01T01:00:00Z", "5E+20", "s1"),
        ]
    )
    assert total(rater, "2026-03-01T12:00:00Z") == Decimal("5E+20")
    with pytest.raises(rk.BadPriceError) as caught:
        rater.feed([_described("2026-03-01T00:30:00Z", "b", "e1", "update")])
    assert str(caught.value).startswith(
        "Rater.feed: records[0]: event 'e1' (update) stamped 2026-03-01T00:30:00Z would make every "
        "statement fail to price the samples of account 'a1': price entry 'big' of plan "
        "'p' prices 500000000000000000000 B of "
        "meter 'egress' for account 'a1' (resource 'vm') at 5.00000000000000000000E+30, "
    )
    # The same update after the samples moves nothing priced: taken, and the day's
    # statement changes nothing of the 5E+20 EUR already said.
    assert rater.feed([_described("2026-03-01T02:00:00Z", "b", "e2", "update")]).accepted == ("e2",)
    assert total(rater, "2026-03-02T00:00:00Z") == 0


# -- levels under a PerUnit rate or another unit -----------------------------------------


def _start(resource: str, level: str, record_id: str) -> rk.Event:
    return rk.Event("a1", resource, START, {"mb": level}, kind="start", id=record_id)


def test_a_level_whose_amount_over_the_longest_cycle_reaches_1e30_is_refused() -> None:
    # Held over a 31-day month (744 hours) at 0.5 per MB*hour: a level is taken while
    # level x 744 x 0.5 < 1E+30, below 2.688172...E+27. 2.7E+27 makes 1.0044E+30.
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("m", "mem", rk.PerUnit("0.5"))])
    rater = rk.Rater(plan, MEMORY, start=START)
    with pytest.raises(rk.BadPriceError) as caught:
        rater.feed([_start("vm", "2.7E+27", "e1")])
    assert str(caught.value) == (
        "Rater.feed: records[0]: event 'e1' (start) stamped 2026-03-01T00:00:00Z for resource "
        "'vm' of 'a1' sets the level of meter 'mem' to 2.7E+27 ('mb'): held over a cycle of 744 "
        "hours (the longest of the cycles it can run through, in the year from its instant), "
        "its quantity would reach 2.0088E+30 MB*hour, and price entry 'm' prices 2.0088E+30 "
        "MB*hour at 1.00440E+30, beyond the amounts ratekit carries exactly (a magnitude "
        "below 1E+30), so every statement from then on would fail to price it. A level is "
        "accepted from 0 up to but excluding 2.68817E+27. The batch is refused whole; fix or "
        "drop the record and feed the batch again."
    )
    # Batch rating refuses the month too.
    march = rk.Span(START, "2026-04-01T00:00:00Z")
    with pytest.raises(rk.BadPriceError):
        rk.rate([_start("vm", "2.7E+27", "e1")], plan, span=march, meters=MEMORY)
    # 2.6E+27 is taken and priced for a whole month: 2.6E+27 x 744 x 0.5 = 9.672E+29.
    assert rater.feed([_start("vm", "2.6E+27", "e2")]).accepted == ("e2",)
    assert total(rater, "2026-04-01T00:00:00Z") == Decimal("9.672E+29")


def test_a_large_level_at_a_small_rate_is_taken() -> None:
    # 1E+28 MB*hour held a month is 7.44E+30 MB*hour, past what a tiered price takes, but
    # PerUnit at 0.01 makes it 7.44E+28 EUR: in range, and batch rating prices it too.
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("m", "mem", rk.PerUnit("0.01"))])
    rater = rk.Rater(plan, MEMORY, start=START)
    assert rater.feed([_start("vm", "1E+28", "e1")]).accepted == ("e1",)
    march = rk.Span(START, "2026-04-01T00:00:00Z")
    rating = rk.rate([_start("vm", "1E+28", "e1")], plan, span=march, meters=MEMORY)
    assert total(rater, "2026-04-01T00:00:00Z") == rating.total() == Decimal("7.44E+28")


def test_levels_priced_whole_per_a_smaller_unit_are_summed_in_that_unit() -> None:
    # Priced per kB*hour: 1,000 times the MB*hour metered. Two levels of 8E+23 MB held a
    # month make 1.6E+24 x 744 x 1,000 = 1.1904E+30 kB*hour, past what tiers take; the
    # sums accepted stay below 1E+30 / 744,000 = 1.344086...E+24.
    price = rk.Graduated([rk.Tier(None, "1E-6")])
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("m", "mem", price, unit="kB*hour")])
    rater = rk.Rater(plan, MEMORY, start=START)
    assert rater.feed([_start("vm1", "8E+23", "e1")]).accepted == ("e1",)
    with pytest.raises(rk.BadQuantityError) as caught:
        rater.feed([_start("vm2", "8E+23", "e2")])
    said = str(caught.value)
    assert "the account's quantity in one cycle would reach 1.1904E+27 MB*hour " in said
    assert "(1.1904E+30 in the unit its price is stated in)" in said
    assert (
        "accepted while their sum stays below 1.34408E+24 (here, this one below 5.4408E+23)" in said
    )
    # One level alone past it: 1E+25 MB is 7.44E+30 kB*hour.
    with pytest.raises(
        rk.BadQuantityError,
        match=r"price entry 'm' refuses 7440000000000000000000000000000 kB\*hour",
    ):
        rk.Rater(plan, MEMORY, start=START).feed([_start("vm", "1E+25", "e3")])


# -- the law --------------------------------------------------------------------------------

_PRICES = st.sampled_from(
    [
        (rk.PerUnit("1E+10"), None),
        (rk.PerUnit("0.09"), None),
        (rk.PerUnit("3E+12"), "kB"),
        (rk.Graduated([rk.Tier(1000, "0"), rk.Tier(None, "2E+9")]), None),
        (rk.Package(10, "7E+9"), None),
        (rk.Volume([rk.Tier(None, "0.5")]), "kB"),
    ]
)


@settings(deadline=None, max_examples=LAWS)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a1", "a2"]),
            st.sampled_from(["r1", "r2"]),
            st.sampled_from(
                ["2026-03-01T01:00:00Z", "2026-03-01T23:00:00Z", "2026-03-02T05:00:00Z"]
            ),
            st.sampled_from(["9E+19", "4E+19", "1E+21", "3", "-2E+19", "5E+26"]),
        ),
        min_size=1,
        max_size=6,
    ),
    _PRICES,
    st.booleans(),
)
def test_feed_and_batch_agree_on_which_samples_they_take(
    samples: list[tuple[str, str, str, str]],
    priced: tuple[rk.PriceModel, str | None],
    counter: bool,
) -> None:
    # Fed one at a time: a sample refused at the feed is one batch rating refuses with
    # the samples taken before it; what the feed took, statements price as batch does.
    price, unit = priced
    meters = [rk.Meter("egress", "B", rk.Counter() if counter else rk.Discrete())]
    kind = "counter" if counter else "delta"
    records = [
        rk.Sample(
            account,
            resource,
            "egress",
            at,
            value.removeprefix("-") if counter else value,  # a counter reads no sign
            kind=kind,
            id=f"s{index}",
        )
        for index, (account, resource, at, value) in enumerate(samples)
    ]
    fed_one_at_a_time(
        records,
        _plan("egress", price, unit),
        meters,
        refused=(rk.BadQuantityError, rk.BadPriceError),
    )


_LEVEL_PRICES = st.sampled_from(
    [
        (rk.PerUnit("0.5"), None),
        (rk.PerUnit("1E+6"), "kB*hour"),
        (rk.PerUnit("1E-4"), None),
        (rk.Graduated([rk.Tier(None, "3")]), None),
        (rk.Graduated([rk.Tier(None, "1E-9")]), "kB*hour"),
    ]
)


@settings(deadline=None, max_examples=LAWS)
@given(
    st.integers(min_value=18, max_value=29),
    st.sampled_from(["1", "2.6", "2.7", "6.72", "9.9"]),
    _LEVEL_PRICES,
)
def test_feed_and_a_year_of_batch_agree_on_which_levels_they_take(
    exponent: int, digits: str, priced: tuple[rk.PriceModel, str | None]
) -> None:
    # A level set on 1 March is held a year; March is the longest month (744 hours). The
    # feed refuses it exactly when some month's amount (or a tiered price's quantity in
    # its unit) would reach 1E+30, by a Fraction oracle, and batch rating of the year
    # refuses it then too; else every statement and batch rating price it alike.
    price, unit = priced
    level = Decimal(f"{digits}E+{exponent}")
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("m", "mem", price, unit=unit)])
    factor = Fraction(1000) if unit else Fraction(1)
    month = Fraction(level) * 744 * factor
    limit = Fraction(10**30)
    if isinstance(price, rk.PerUnit):
        refused = month * abs(Fraction(price.rate)) >= limit
    else:
        (tier,) = price.tiers  # type: ignore[attr-defined]
        refused = month >= limit or month * abs(Fraction(tier.unit)) >= limit
    record = _start("vm", str(level), "e1")
    year = rk.Span(START, "2027-03-01T00:00:00Z")
    rater = rk.Rater(plan, MEMORY, start=START)
    if refused:
        with pytest.raises(rk.RatekitError, match="sets the level of meter 'mem'") as fed:
            rater.feed([record])
        with pytest.raises((rk.BadQuantityError, rk.BadPriceError)) as rated:
            rk.rate([record], plan, span=year, meters=MEMORY)
        # One class either way: BadQuantityError for a quantity a tiered price refuses,
        # BadPriceError for an amount out of range.
        assert type(fed.value) is type(rated.value)
        return
    assert rater.feed([record]).accepted == ("e1",)
    rating = rk.rate([record], plan, span=year, meters=MEMORY)
    assert total(rater, "2027-03-01T00:00:00Z") == exact_sum(c.amount for c in rating.charges)


@settings(deadline=None, max_examples=LAWS)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.just("event"),
                st.sampled_from(
                    ["2026-03-01T00:00:00Z", "2026-03-01T02:00:00Z", "2026-03-02T03:00:00Z"]
                ),
                st.sampled_from(["s", "b"]),
            ),
            st.tuples(
                st.just("delta"),
                st.sampled_from(
                    ["2026-03-01T01:00:00Z", "2026-03-01T23:00:00Z", "2026-03-02T05:00:00Z"]
                ),
                st.sampled_from(["9E+19", "5E+20", "3", "-2E+19"]),
            ),
        ),
        min_size=1,
        max_size=7,
    ),
)
def test_feed_and_batch_agree_when_descriptions_choose_the_rate(
    fed: list[tuple[str, str, str]],
) -> None:
    # Events (fed late or not) change which entry prices a VM's bytes; fed one at a
    # time, with a statement after each, a record refused at the feed is one batch rating
    # refuses with those taken before it, and what was taken, statements price as batch
    # does.
    records = [
        _described(at, value, f"e{index}", "start" if index == 0 else "update")
        if what == "event"
        else _delta("vm", at, value, f"s{index}")
        for index, (what, at, value) in enumerate(fed)
    ]
    fed_one_at_a_time(
        records,
        _flavored(),
        EGRESS,
        refused=(rk.BadQuantityError, rk.BadPriceError),
        as_it_goes=True,
    )


# -- what a review found: each kind of record the door must judge, and must not refuse --

_G = rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.5")])


def _s(resource: str, at: str, value: str, kind: str = "delta", **given: Any) -> rk.Sample:
    return rk.Sample("acme", resource, "m", at, value, kind=kind, **given)  # type: ignore[arg-type]


def _e(
    resource: str, at: str, attributes: Any = None, kind: str = "update", **given: Any
) -> rk.Event:
    return rk.Event("acme", resource, at, attributes, kind=kind, **given)  # type: ignore[arg-type]


def _steep() -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        DAILY,
        [
            rk.PriceEntry("basic", "m", rk.PerUnit(1), where={"tier": "basic"}),
            rk.PriceEntry("premium", "m", rk.PerUnit("1E+10"), where={"tier": "premium"}),
        ],
    )


def _later_dearer() -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        DAILY,
        [
            rk.PriceEntry("cheap", "m", rk.PerUnit(1)),
            rk.PriceEntry(
                "dear", "m", rk.PerUnit("1E+10"), start="2026-03-05T00:00:00Z", priority=1
            ),
        ],
    )


_WEDGES = {
    # A mean of 1E+21 B held on from 1 March: 1E+31 EUR once the dear price starts on 5
    # March, though nothing is fed after.
    "a gauge held into a later price": (
        _later_dearer(),
        rk.TimeWeightedMean(),
        [],
        [_s("r", "2026-03-01T12:00:00Z", "1E+21", "gauge", id="g")],
    ),
    # Compacted back to 4 March, then an update stamped 2 March makes vm premium from the
    # kept cycles on: its 1E+21 B of 4 March at 1E+10.
    "a too-late update": (
        _steep(),
        rk.Discrete(),
        [
            [_e("vm", "2026-03-01T00:00:00Z", {"tier": "basic"}, id="e1")],
            "2026-03-04T00:00:00Z",
            [_s("vm", "2026-03-04T12:00:00Z", "1E+21", id="s1")],
        ],
        [_e("vm", "2026-03-02T00:00:00Z", {"tier": "premium"}, id="e2")],
    ),
    "a too-late inventory": (
        _steep(),
        rk.Discrete(),
        [
            [_e("vm", "2026-03-01T00:00:00Z", {"tier": "basic"}, kind="start", id="e1")],
            "2026-03-04T00:00:00Z",
            [_s("vm", "2026-03-04T12:00:00Z", "1E+21", id="s1")],
        ],
        [rk.Inventory("2026-03-02T00:00:00Z", {("acme", "vm"): {"tier": "premium"}}, id="i")],
    ),
    # A from_zero counter's first reading counts from the start of its running stretch:
    # a stop on 3 March and a start at 09:00 on 4 March put 9E+29 + 8E+29 GB in 4 March.
    "events moving a counter's running stretch": (
        rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("e", "m", _G)]),
        rk.Counter(from_zero=True),
        [
            [_e("r", "2026-03-01T00:00:00Z", kind="start", id="e0")],
            [
                _s("r", "2026-03-04T10:00:00Z", "9E+29", "counter", id="c1"),
                _s("r", "2026-03-04T20:00:00Z", "8E+29", "counter", id="c2"),
            ],
        ],
        [
            _e("r", "2026-03-03T00:00:00Z", kind="stop", id="e1"),
            _e("r", "2026-03-04T09:00:00Z", kind="start", id="e2"),
        ],
    ),
    # A mean compacted into the state goes on; an update of 5 March makes it premium's.
    "an update of a gauge held in the compacted state": (
        _steep(),
        rk.TimeWeightedMean(),
        [
            [
                _e("vm", "2026-03-01T00:00:00Z", {"tier": "basic"}, id="e1"),
                _s("vm", "2026-03-01T12:00:00Z", "1E+21", "gauge", id="g1"),
            ],
            "2026-03-04T00:00:00Z",
        ],
        [_e("vm", "2026-03-05T00:00:00Z", {"tier": "premium"}, id="e2")],
    ),
}


@pytest.mark.parametrize("name", sorted(_WEDGES))
def test_a_batch_that_would_make_every_later_statement_fail_is_refused(name: str) -> None:
    plan, policy, before, batch = _WEDGES[name]
    meters = [rk.Meter("m", "GB", policy)]
    rater = rk.Rater(plan, meters, start=START)
    for step in before:
        if isinstance(step, str):
            rater.statement(step)
        else:
            rater.feed(step)
    with pytest.raises(rk.RatekitError, match="would make every statement fail to price") as fed:
        rater.feed(batch)
    # The class batch rating of the same records raises: BadPriceError where a price takes
    # an amount out of range, BadQuantityError where it refuses a quantity.
    records = [r for step in before if not isinstance(step, str) for r in step]
    with pytest.raises(rk.RatekitError) as rated:
        rk.rate(
            [*records, *batch], plan, span=rk.Span(START, "2026-03-09T00:00:00Z"), meters=meters
        )
    assert type(fed.value) is type(rated.value)
    assert type(fed.value) in {rk.BadPriceError, rk.BadQuantityError}
    # What it took, it still prices, at every watermark after.
    for as_of in ("2026-03-06T00:00:00Z", "2026-03-09T00:00:00Z"):
        rater.statement(as_of)


_TAKEN = {
    # Priced per GB, metered in MB: 1.8E+30 MB is 1.8E+27 GB, which tiers take.
    "a quantity in a larger unit": (
        rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("e", "m", _G, unit="TB")]),
        rk.Discrete(),
        [
            _s("r1", "2026-03-02T00:00:00Z", "9E+29", id="a"),
            _s("r2", "2026-03-02T00:00:00Z", "9E+29", id="b"),
        ],
    ),
    # Only r1's bytes are tiered; r2's are priced PerUnit, row by row.
    "rows another entry prices": (
        rk.Plan(
            "p",
            "EUR",
            MONTHLY,
            [
                rk.PriceEntry("x", "m", _G, where={"f": "x"}),
                rk.PriceEntry("y", "m", rk.PerUnit(1), where={"f": "y"}),
            ],
        ),
        rk.Discrete(),
        [
            _e("r1", "2026-03-01T00:00:00Z", {"f": "x"}, kind="start", id="e1"),
            _e("r2", "2026-03-01T00:00:00Z", {"f": "y"}, kind="start", id="e2"),
            _s("r1", "2026-03-02T00:00:00Z", "6E+29", id="a"),
            _s("r2", "2026-03-02T00:00:00Z", "6E+29", id="b"),
        ],
    ),
    "a group per resource": (
        rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("a", "m", _G, group_by="resource")]),
        rk.Discrete(),
        [
            _s("r1", "2026-03-02T00:00:00Z", "6E+29", id="a"),
            _s("r2", "2026-03-20T00:00:00Z", "6E+29", id="b"),
        ],
    ),
    "a flat price": (
        rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("fee", "m", rk.Flat("5"))]),
        rk.Discrete(),
        [
            _s("r1", "2026-03-02T00:00:00Z", "6E+29", id="a"),
            _s("r2", "2026-03-03T00:00:00Z", "6E+29", id="b"),
        ],
    ),
    # The first delta's span, 1 March 12:00 to 2 March 00:00, lies in 1 March.
    "a delta over a span in the cycle before": (
        rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("e", "m", _G)]),
        rk.Discrete(),
        [
            _s("ip", "2026-03-02T00:00:00Z", "6E+29", since="2026-03-01T12:00:00Z", id="a"),
            _s("ip", "2026-03-02T01:00:00Z", "6E+29", id="b"),
        ],
    ),
    # A negative total is priced 0 by tiers (with an anomaly), not refused.
    "a negative total": (
        rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("e", "m", _G)]),
        rk.Discrete(),
        [
            _s("ip", "2026-03-02T01:00:00Z", "-6E+29", id="a"),
            _s("ip", "2026-03-02T02:00:00Z", "-6E+29", id="b"),
        ],
    ),
    # The batch's own update of 1 March describes r0 from then on: its counter's first
    # reading spreads from there, over more than one day (alone, it would not).
    "a counter the batch describes": (
        rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("e", "m", _G)]),
        rk.Counter(from_zero=True),
        [
            _e("r0", "2026-03-01T00:00:00Z", {"f": "y"}, id="e1"),
            _s("r0", "2026-03-04T10:00:00Z", "9E+29", "counter", id="c1"),
            _s("r0", "2026-03-05T04:00:00Z", "8E+29", "counter", id="c2"),
        ],
    ),
    # A delta spanning two cycles, and samples in later cycles (a door once failed on it).
    "a delta spanning two cycles": (
        rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("e", "m", _G)]),
        rk.Discrete(),
        [
            _s("ip", "2026-03-03T00:00:00Z", "4E+29", since="2026-03-02T23:00:00Z", id="a"),
            _s("ip", "2026-03-03T08:00:00Z", "5", id="b"),
            _s("ip", "2026-03-05T00:00:00Z", "6", id="c"),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(_TAKEN))
def test_what_batch_rating_prices_the_feed_takes(name: str) -> None:
    plan, policy, records = _TAKEN[name]
    meters = [rk.Meter("m", "GB", policy)]
    rater = rk.Rater(plan, meters, start=START)
    assert rater.feed(records).counts["accepted"] == len(records)
    april = rk.Span(START, "2026-04-01T00:00:00Z")
    expected = exact_sum(
        c.amount for c in rk.rate(records, plan, span=april, meters=meters).charges
    )
    assert total(rater, "2026-04-01T00:00:00Z") == expected


def _x_or_all() -> rk.Plan:
    # x's bytes at 1E+10 EUR, anything else's at 1.
    return rk.Plan(
        "p",
        "EUR",
        DAILY,
        [
            rk.PriceEntry("ex", "m", rk.PerUnit("1E+10"), where={"f": "x"}, priority=1),
            rk.PriceEntry("all", "m", rk.PerUnit(1)),
        ],
    )


def test_a_too_late_event_before_the_compacted_description_is_taken() -> None:
    # r0 is described z from 05:00 on 1 March, compacted; an update of 00:00 that day
    # (x, the steep entry's) comes after: z still holds from 05:00, so the 2E+20 B of 3
    # March are priced 1 EUR each, as batch rating prices them, and the update is taken.
    plan, meters = _x_or_all(), [rk.Meter("m", "B", rk.Discrete())]
    rater = rk.Rater(plan, meters, start=START)
    described = _e("r0", "2026-03-01T05:00:00Z", {"f": "z"}, id="z")
    rater.feed([described])
    rater.statement("2026-03-03T00:00:00Z")
    big = _s("r0", "2026-03-03T12:00:00Z", "2E+20", id="big")
    rater.feed([big])
    late = _e("r0", "2026-03-01T00:00:00Z", {"f": "x"}, id="x")
    assert rater.feed([late]).too_late == ("x",)
    rating = rk.rate(
        [described, big, late],
        plan,
        span=rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"),
        meters=meters,
    )
    assert total(rater, "2026-03-04T00:00:00Z") == rating.total() == Decimal("2E+20")


def test_levels_grouped_per_resource_are_not_summed() -> None:
    # Two levels of 8E+26 MB held a month: 1.19E+30 MB*hour summed, but a price grouped
    # per resource never adds them: 5.952E+29 each, as batch rating prices them.
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("e", "mem", _G, group_by="resource")])
    records = [
        rk.Event("acme", f"vm-{n}", START, {"mb": "8E+26"}, kind="start", id=f"e{n}")
        for n in (1, 2)
    ]
    rater = rk.Rater(plan, MEMORY, start=START)
    assert rater.feed(records).accepted == ("e1", "e2")
    april = rk.Span(START, "2026-04-01T00:00:00Z")
    assert (
        total(rater, "2026-04-01T00:00:00Z")
        == rk.rate(records, plan, span=april, meters=MEMORY).total()
    )


def test_samples_past_the_last_bound_of_tiers_that_end_are_left_to_the_statements() -> None:
    # Tiers up to 1,000 B, no further: 600 B + 600 B in a day is 1,200, a price's own rule,
    # not a number out of range. A correction can lift it, so the feed takes the samples
    # and the statement says it (as it would say an unpriced usage); a correction of
    # -300 B stamped before r2's 600 (docs/pricing.md, "Negative quantities": one after
    # them would not) makes it 900 B: 9.00.
    plan = _plan("egress", rk.Graduated([rk.Tier(1000, "0.01")]))
    rater = rk.Rater(plan, EGRESS, start=START)
    records = [
        _delta("r1", "2026-03-01T01:00:00Z", "600", "s1"),
        _delta("r2", "2026-03-01T02:00:00Z", "600", "s2"),
    ]
    assert rater.feed(records).accepted == ("s1", "s2")
    with pytest.raises(rk.BadQuantityError, match="cannot price 1200 B"):
        rater.statement("2026-03-02T00:00:00Z")
    assert rater.feed([_delta("r2", "2026-03-01T01:30:00Z", "-300", "s3")]).accepted == ("s3",)
    assert total(rater, "2026-03-02T00:00:00Z") == Decimal("9.00")


def test_a_too_late_event_describing_a_resource_no_state_describes_is_judged() -> None:
    # vm's 1E+21 B of 4 March were priced by the catch-all (1 EUR each); an update stamped
    # 2 March, after 2 March was compacted with nothing of vm, makes it x's from the kept
    # cycles on: 1E+31 EUR. Refused, naming the update.
    plan, meters = _x_or_all(), [rk.Meter("m", "B", rk.Discrete())]
    rater = rk.Rater(plan, meters, start=START)
    rater.statement("2026-03-04T00:00:00Z")
    rater.feed([_s("vm", "2026-03-04T12:00:00Z", "1E+21", id="s1")])
    with pytest.raises(rk.BadPriceError, match=r"event 'x' \(update\) stamped 2026-03-02"):
        rater.feed([_e("vm", "2026-03-02T00:00:00Z", {"f": "x"}, id="x")])
    assert total(rater, "2026-03-05T00:00:00Z") == Decimal("1E+21")


class _Failing:
    """A price model of the user's own that fails whatever it is asked."""

    linear = False

    def amount(self, quantity: Decimal) -> Decimal:
        raise ValueError("no price today")

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        return ()

    def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        return self.amount(quantity + added) - self.amount(quantity)


class _Floating(_Failing):
    """One that returns a float where a Decimal is due."""

    def amount(self, quantity: Decimal) -> Decimal:
        return float(quantity) * 0.05  # type: ignore[return-value]


@pytest.mark.parametrize("model", [_Failing(), _Floating()])
def test_a_price_model_of_ones_own_that_fails_is_refused_as_batch_refuses_it(model: Any) -> None:
    # Building the rater asks the model whether it charges at zero: its own exception
    # must not escape from there; the statement refuses it with rating's BadPriceError,
    # the error batch rate() gives, and the rater stays as it was.
    hours = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("vm", "vm.hours", model)])
    start = rk.Event("a", "v", START, kind="start", id="e1")
    span = rk.Span(START, "2026-03-02T00:00:00Z")
    with pytest.raises(rk.BadPriceError) as batch:
        rk.rate([start], plan, span=span, meters=[hours], as_of="2026-03-01T10:00:00Z")
    rater = rk.Rater(plan, [hours], start=START)
    assert rater.feed([start]).accepted == ("e1",)
    before = json.dumps(rater.snapshot())
    with pytest.raises(rk.BadPriceError) as stream:
        rater.statement("2026-03-01T10:00:00Z")
    assert str(stream.value) == str(batch.value)
    assert json.dumps(rater.snapshot()) == before
    restored = rk.Rater.restore(json.loads(before), plan, [hours])
    with pytest.raises(rk.BadPriceError):
        restored.statement("2026-03-01T10:00:00Z")


def test_a_kept_sample_of_an_unpriced_meter_does_not_blind_the_door() -> None:
    # The door meters the account's kept records for the priced sample meters: a kept
    # sample of a meter no entry prices made that metering fail (an unknown meter), which
    # the door took for another rule, and let 1E+10 B at 1E+20 a byte through (1E+30,
    # out of range): every statement raised from then on.
    plan = rk.Plan(
        "p", "EUR", DAILY, [rk.PriceEntry("e", "egress", rk.PerUnit("1E+20"))], unpriced="anomaly"
    )
    rater = rk.Rater(plan, [*EGRESS, rk.Meter("cpu", "s", rk.Discrete())], start=START)
    rater.feed([rk.Sample("a1", "r", "cpu", "2026-03-01T00:30:00Z", 5, id="c1")])
    with pytest.raises(rk.BadPriceError, match=r"sample 's1' of meter 'egress'"):
        rater.feed([_delta("r", "2026-03-01T01:00:00Z", "1E+10", "s1")])
    # 2 B x 1E+20 = 2E+20, in range; the cpu seconds are unpriced (an anomaly).
    assert rater.feed([_delta("r", "2026-03-01T01:00:00Z", "2", "s2")]).accepted == ("s2",)
    assert total(rater, "2026-03-02T00:00:00Z") == Decimal("2E+20")


@pytest.mark.parametrize(
    ("price", "level", "refused"),
    [
        # 1E+20 MB x 744 h = 7.44E+22 MB*hour, x 1E+10 = 7.44E+32: an amount out of range
        (rk.PerUnit("1E+10"), "1E+20", rk.BadPriceError),
        (rk.Graduated([rk.Tier(None, "1E+10")]), "1E+20", rk.BadPriceError),
        (rk.Package(1, "1E+10"), "1E+20", rk.BadPriceError),
        # 1E+29 MB x 744 h = 7.44E+31 MB*hour, x 1 = 7.44E+31: an amount out of range
        (rk.PerUnit("1"), "1E+29", rk.BadPriceError),
        # 7.44E+31 MB*hour: a quantity a model taking it whole refuses
        (rk.Graduated([rk.Tier(None, "1")]), "1E+29", rk.BadQuantityError),
        (rk.Volume([rk.Tier(None, "1")]), "1E+29", rk.BadQuantityError),
    ],
    ids=["PerUnit", "Graduated", "Package", "PerUnit-1", "Graduated-whole", "Volume-whole"],
)
def test_a_level_out_of_range_is_refused_with_the_class_batch_raises(
    price: rk.PriceModel, level: str, refused: type[rk.RatekitError]
) -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("m", "mem", price)])
    record = _start("vm", level, "e1")
    with pytest.raises(refused, match="sets the level of meter 'mem'") as fed:
        rk.Rater(plan, MEMORY, start=START).feed([record])
    with pytest.raises(refused) as rated:
        rk.rate([record], plan, span=rk.Span(START, "2026-04-01T00:00:00Z"), meters=MEMORY)
    assert type(fed.value) is type(rated.value) is refused
