"""A mobile virtual network's month: SIMs priced apart by roaming zone, a shared allowance.

Data comes as cumulative counters per SIM (reset when the SIM re-attaches), SMS as delta
samples with refunds (negative deltas) for failed messages; each SIM's zone is read from
its description (``{"zone": "EU"}``). The rules checked are those of docs/pricing.md: "a
refund cancels its own entry's units", and a `Counter`'s rises priced apart taken in
time order, rises at once sharing the free units in proportion. Every total is worked by
hand with exact fractions, and checked under renamed SIMs and a stream with restores.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
DATA = rk.Meter("data", "MB", rk.Counter())
SMS = rk.Meter("sms", "message", rk.Discrete())


def at(day: int, hour: int = 0) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:00:00Z"


def zoned(meter: str, free: int, eu: str, us: str, name: str = "family") -> rk.Plan:
    """A plan pricing the meter by the SIM's zone, with a shared monthly allowance."""
    return rk.Plan(
        name,
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("eu", meter, rk.PerUnit(eu), where={"zone": "EU"}),
            rk.PriceEntry("us", meter, rk.PerUnit(us), where={"zone": "US"}),
        ],
        allowances=[rk.Allowance(meter, free)],
    )


def sim(name: str, zone: str) -> rk.Event:
    return rk.Event("fam", name, at(1), {"zone": zone}, kind="start", id=f"attach-{name}")


def reading(name: str, when: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("fam", name, "data", when, value, kind="counter", id=record_id)


def texts(name: str, when: str, n: int, record_id: str) -> rk.Sample:
    return rk.Sample("fam", name, "sms", when, n, id=record_id)


def streamed(
    records: list[Any], plans: Any, meters: list[rk.Meter], seed: int, size: int
) -> Fraction:
    """The sum of every statement's lines: records shuffled, fed in batches, restored each time."""
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    rater = rk.Rater(plans, meters, start=at(1), horizon=dt.timedelta(days=40))
    total = Fraction(0)
    for i in range(0, len(shuffled), size):
        rater.feed(shuffled[i : i + size])
        total += Fraction(rater.statement(at(5 + i // size)).total())
        rater = rk.Rater.restore(rater.snapshot(), plans, meters)
    return total + Fraction(rater.statement("2026-04-01T00:00:00Z").total())


def rated(records: list[Any], plans: Any, meters: list[rk.Meter]) -> rk.Rating:
    return rk.rate(records, plans, span=MARCH, meters=meters)


# --- data: counters priced apart by zone ---------------------------------------------


def counters(eu_sim: str, us_sim: str, reset: bool) -> list[Any]:
    """EU SIM rises 2 MB a day from 1 to 10 March; US SIM 6 MB over 2 March.

    With ``reset`` the US SIM re-attaches at noon: 0, 4 at 12:00, 2 at midnight (a
    reset: 4 MB over the morning, 2 over the afternoon).
    """
    records: list[Any] = [sim(eu_sim, "EU"), sim(us_sim, "US")]
    records += [reading(eu_sim, at(d), 2 * (d - 1), f"{eu_sim}-{d}") for d in range(1, 11)]
    values = [(at(2), 0), (at(2, 12), 4), (at(3), 2)] if reset else [(at(2), 0), (at(3), 6)]
    records += [reading(us_sim, t, v, f"{us_sim}-r{i}") for i, (t, v) in enumerate(values)]
    return records


@pytest.mark.parametrize(("eu_sim", "us_sim"), [("a", "b"), ("b", "a")])
def test_counter_rises_at_once_share_the_pool_in_proportion(eu_sim: str, us_sim: str) -> None:
    """The pricing page's counter example, with the SIMs renamed: 45.00 however named."""
    # 6 MB free. EU's 2 of 1 March are free (4 left); on 2 March EU's 2 and US's 6 take the
    # 4 as they use them, half of each: EU 1 free, US 3 free. EU bills 18 - 3 = 15 at 1,
    # US bills 6 - 3 = 3 at 10: 15 + 30 = 45.
    rating = rated(counters(eu_sim, us_sim, reset=False), zoned("data", 6, "1", "10"), [DATA])
    assert rating.total() == Decimal(45)
    free = {c.entry: Fraction(0) for c in rating.charges}
    for c in rating.charges:
        free[c.entry] += Fraction(c.free)
    assert free == {"eu": 3, "us": 3}


@pytest.mark.parametrize(("eu_sim", "us_sim"), [("a", "b"), ("b", "a")])
def test_counter_reset_between_readings_shares_the_pool_as_it_is_used(
    eu_sim: str, us_sim: str
) -> None:
    """A SIM re-attaching mid-day: its reset's rise from zero takes free units as it is used."""
    # 4 free left on 2 March. Over 00:00-12:00 EU uses 1 and US 4 (5 in all): the pool runs
    # dry at 4/5 of the morning, EU having taken 4/5 and US 16/5. EU frees 2 + 4/5 = 14/5
    # and bills 18 - 14/5 = 76/5 at 1; US frees 16/5 and bills 6 - 16/5 = 14/5 at 10 = 28.
    # 76/5 + 28 = 216/5 = 43.20.
    rating = rated(counters(eu_sim, us_sim, reset=True), zoned("data", 6, "1", "10"), [DATA])
    assert Fraction(rating.total()) == Fraction(76, 5) + 28 == Fraction(216, 5)
    assert "counter_reset" in [a.kind for a in rating.anomalies]


@pytest.mark.parametrize(("seed", "size"), [(0, 1), (2, 5)])
def test_counter_stream_with_late_readings_and_restores_equals_batch(seed: int, size: int) -> None:
    """Readings shuffled (so many are late), fed in batches, restored after each: 43.20."""
    plans = zoned("data", 6, "1", "10")
    assert streamed(counters("a", "b", reset=True), plans, [DATA], seed, size) == Fraction(216, 5)


def test_a_roaming_sims_rise_is_priced_by_zone_and_shares_the_pool_in_time() -> None:
    """A SIM moves from the EU to the US mid-rise while another US SIM rises with it."""
    # 6 MB free; EU 1, US 7 a MB. The roaming SIM rises 24 MB over 2 March (1 an hour),
    # re-described US at noon: 12 EU + 12 US. The other rises 6 over 03:00-09:00 (1 an
    # hour). By 03:00 the first used 3 (3 left); both use 1 an hour, dry at 04:30: 1.5
    # each. EU frees 4.5, bills 7.5; the other frees 1.5, bills 4.5 x 7 = 31.5; the
    # roaming SIM's US 12 bill 84: 123.
    for roaming, other in (("a", "b"), ("b", "a")):
        records = [
            sim(roaming, "EU"),
            reading(roaming, at(2), 0, "r0"),
            rk.Event("fam", roaming, at(2, 12), {"zone": "US"}, kind="update", id="roams"),
            reading(roaming, at(3), 24, "r1"),
            sim(other, "US"),
            reading(other, at(2, 3), 0, "q0"),
            reading(other, at(2, 9), 6, "q1"),
        ]
        plans = zoned("data", 6, "1", "7")
        assert rated(records, plans, [DATA]).total() == Decimal(123)
        assert streamed(records, plans, [DATA], 0, 2) == 123


# --- SMS: refunds cancel their own entry's units -------------------------------------


def sms_plan(free: int = 0, name: str = "basic", eu: str = "0.05", us: str = "0.10") -> rk.Plan:
    return zoned("sms", free, eu, us, name)


def test_refund_larger_than_sent_takes_back_other_units_at_their_billed_price() -> None:
    """EU sends 3, US 20, then EU refunds 5 (more than it sent), under 10 free a month."""
    # 2 March EU 3 (free, 7 left); 3 March US 20 (7 free, 13 billed). 4 March EU -5: cancels
    # EU's 3 (free, back to the pool), then takes back 2 of US's latest, at the US price
    # they were billed at. Net: EU 0, US 18, of which 10 free: 8 x 0.10 = 0.80 (at its own
    # entry's price, -2 x 0.05, the refund took back 0.10 less than was billed for them:
    # 0.90). Without an allowance: 3 x 0.05 + 20 x 0.10 - 3 x 0.05 - 2 x 0.10 = 1.80.
    for eu_sim in ("a", "z"):  # the EU SIM named before, then after the US one
        records = [
            sim(eu_sim, "EU"),
            sim("b", "US"),
            texts(eu_sim, at(2), 3, "m1"),
            texts("b", at(3), 20, "m2"),
            texts(eu_sim, at(4), -5, "f1"),
        ]
        assert rated(records, sms_plan(10), [SMS]).total() == Decimal("0.80")
        plain = rated(records, sms_plan(0), [SMS])
        assert plain.total() == Decimal("1.80")
        # the refund's line of US units names the US entry
        refund = [(c.entry, c.quantity, c.amount) for c in plain.charges if c.quantity < 0]
        assert sorted(refund) == [("eu", -3, Decimal("-0.15")), ("us", -2, Decimal("-0.20"))]
        assert streamed(records, sms_plan(10), [SMS], 0, 2) == Fraction(4, 5)


def test_refund_at_the_instant_of_another_sims_usage_cancels_its_own_entry() -> None:
    """An EU refund stamped with US usage takes back EU's messages, not the US ones."""
    # 10 free. 2 March EU 3 (free). 4 March US 20 and EU -3 at once: the refund cancels EU's
    # 3; the net usage is US's 20, of which 10 are free: 10 x 0.10 = 1.00 (taking back the
    # instant's US usage instead would leave 17 US at 7 free: 1.00 too, but EU's 3 free).
    for eu_sim in ("a", "z"):  # the EU SIM named before, then after the US one
        records = [
            sim(eu_sim, "EU"),
            sim("b", "US"),
            texts(eu_sim, at(2), 3, "m1"),
            texts("b", at(4), 20, "m2"),
            texts(eu_sim, at(4), -3, "f1"),
        ]
        rating = rated(records, sms_plan(10), [SMS])
        assert rating.total() == Decimal("1.00")
        net = {c.entry: Fraction(0) for c in rating.charges}
        for c in rating.charges:
            net[c.entry] += Fraction(c.quantity)
        assert net == {"eu": 0, "us": 20}
        assert streamed(records, sms_plan(10), [SMS], 1, 1) == 1


def test_refund_before_usage_leaves_a_deficit_the_sims_own_usage_fills() -> None:
    """EU refunds 4 before sending anything, US sends 10, EU then sends 6; 5 free."""
    # Net: EU 2, US 10. The allowance covers the first units of the net usage in time
    # order: US's 10 of 3 March come before EU's 2 left of 4 March, so US frees 5 and bills
    # 5 x 0.10 = 0.50, EU bills 2 x 0.05 = 0.10 (-4 x 0.05 + 6 x 0.05): 0.60.
    for eu_sim in ("a", "z"):  # the EU SIM named before, then after the US one
        records = [
            sim(eu_sim, "EU"),
            sim("b", "US"),
            texts(eu_sim, at(2), -4, "f1"),
            texts("b", at(3), 10, "m2"),
            texts(eu_sim, at(4), 6, "m1"),
        ]
        assert rated(records, sms_plan(5), [SMS]).total() == Decimal("0.60")
        assert streamed(records, sms_plan(5), [SMS], 2, 2) == Fraction(3, 5)


def test_upgrade_between_usage_and_refund_refunds_at_the_price_billed() -> None:
    """Basic to the 15th, pro after: an EU refund under pro goes back to basic's EU units."""
    # 5 March EU 10 under basic (0.05): 0.50. 20 March US 10 under pro (0.08): 0.80.
    # 25 March EU -4 under pro: its own entry's units are basic's EU ones, -4 x 0.05 = -0.20
    # (not pro's 0.04, nor the US units after them). 0.50 + 0.80 - 0.20 = 1.10.
    for eu_sim in ("a", "z"):  # the EU SIM named before, then after the US one
        basic, pro = sms_plan(0, "basic"), sms_plan(0, "pro", "0.04", "0.08")
        upgraded = [
            rk.Assignment("fam", basic, end=at(15)),
            rk.Assignment("fam", pro, start=at(15)),
        ]
        records = [
            sim(eu_sim, "EU"),
            sim("b", "US"),
            texts(eu_sim, at(5), 10, "m1"),
            texts("b", at(20), 10, "m2"),
            texts(eu_sim, at(25), -4, "f1"),
        ]
        rating = rated(records, upgraded, [SMS])
        assert rating.total() == Decimal("1.10")
        refund = [c for c in rating.charges if c.quantity < 0]
        assert [(c.plan, c.amount) for c in refund] == [("basic", Decimal("-0.20"))]
        assert streamed(records, upgraded, [SMS], 0, 2) == Fraction(11, 10)


def test_refund_under_tiers_on_the_total_comes_back_down_from_where_it_stands() -> None:
    """Tiers on the account's total, priced apart: a refund comes down from the top."""
    # EU 0.05 to 10 then 0.02; US 0.10 to 10 then 0.04. 2 March EU 8: 0.40. 3 March US 8
    # from 8 to 16: 2 x 0.10 + 6 x 0.04 = 0.44. 4 March EU -4 from 16 to 12 at EU's top
    # tier: -4 x 0.02 = -0.08. Total 0.76, whatever the SIMs are called.
    tiered = rk.Plan(
        "tiered",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(
                "eu",
                "sms",
                rk.Graduated([rk.Tier(10, "0.05"), rk.Tier(None, "0.02")]),
                where={"zone": "EU"},
            ),
            rk.PriceEntry(
                "us",
                "sms",
                rk.Graduated([rk.Tier(10, "0.10"), rk.Tier(None, "0.04")]),
                where={"zone": "US"},
            ),
        ],
    )
    for eu_sim in ("a", "z"):
        records = [
            sim(eu_sim, "EU"),
            sim("b", "US"),
            texts(eu_sim, at(2), 8, "m1"),
            texts("b", at(3), 8, "m2"),
            texts(eu_sim, at(4), -4, "f1"),
        ]
        assert rated(records, tiered, [SMS]).total() == Decimal("0.76")


# --- laws and hostile input ------------------------------------------------------------


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    names=st.lists(st.sampled_from("abcxyz"), min_size=2, max_size=2, unique=True),
    seed=st.integers(0, 2**16),
    deltas=st.lists(
        st.tuples(st.booleans(), st.integers(1, 9), st.integers(-6, 12)), min_size=1, max_size=6
    ),
)
def test_renaming_and_reordering_sims_never_changes_the_month(
    names: list[str], seed: int, deltas: list[tuple[bool, int, int]]
) -> None:
    """SMS with refunds on an EU and a US SIM: the total follows neither names nor order."""

    def month(eu_sim: str, us_sim: str, shuffle: int | None) -> Decimal:
        records: list[Any] = [sim(eu_sim, "EU"), sim(us_sim, "US")]
        for i, (eu, day, n) in enumerate(deltas):
            if n:
                records.append(texts(eu_sim if eu else us_sim, at(day), n, f"m{i}"))
        if shuffle is not None:
            random.Random(shuffle).shuffle(records)
        return rated(records, sms_plan(5), [SMS]).total()

    assert month(names[0], names[1], seed) == month("eu-1", "us-1", None)


def test_bad_counter_readings_are_refused_naming_the_record() -> None:
    """A negative, NaN or infinite reading is a RatekitError naming the sample."""
    bad: list[tuple[Any, type[Exception]]] = [
        (-1, rk.BadRecordError),
        (float("nan"), rk.BadQuantityError),
        ("inf", rk.BadQuantityError),
    ]
    for value, error in bad:
        with pytest.raises(error, match="sample 'r1'") as raised:
            reading("a", at(2), value, "r1")
        assert isinstance(raised.value, rk.RatekitError)


def test_a_sim_in_a_zone_no_entry_prices_is_refused_naming_it() -> None:
    """A SIM described {"zone": "APAC"}: refused, naming the SIM, its zone and the plan."""
    records = [
        rk.Event("fam", "c", at(1), {"zone": "APAC"}, kind="start", id="s"),
        reading("c", at(2), 0, "r0"),
        reading("c", at(3), 5, "r1"),
    ]
    with pytest.raises(rk.UnpricedUsageError, match=r"'c'.*APAC"):
        rated(records, zoned("data", 6, "1", "10"), [DATA])


def test_refund_after_roaming_never_exceeds_what_its_messages_were_billed() -> None:
    """10 EU messages, the SIM roams to the US, then 4 of them fail and are refunded."""
    # 10 x 0.05 = 0.50 billed in the EU; the refund takes back 4 of those units: -4 x 0.05
    # = -0.20, leaving 6 delivered messages at 0.05 = 0.30. No US message was ever sent.
    records = [
        sim("a", "EU"),
        texts("a", at(5), 10, "m1"),
        rk.Event("fam", "a", at(10), {"zone": "US"}, kind="update", id="roams"),
        texts("a", at(12), -4, "f1"),
    ]
    assert rated(records, sms_plan(0), [SMS]).total() == Decimal("0.30")
