"""A managed DNS service's month, rated with ratekit as its pricing page reads.

The pricing page: hosted zones at 0.50 USD a zone-month for the first 25 zones and 0.10
beyond, prorated by the time a zone exists (a zone is a gauge of 1 while it exists and 0
once deleted, metered as ``TimeWeightedMean(over="period")``: zone-months); standard
queries at 0.40 USD a million for the first billion and 0.20 beyond, the first million
of a month free; geo queries at 0.70 and 0.35 a million; health checks at 0.001 USD per
check-hour (the number of checks a zone has is a level of its description). Queries come
from resolvers' logs aggregated every five minutes as cumulative counters that reset to
zero when a resolver restarts, late, duplicated and out of order. Customers upgrade from
basic to pro mid-month, and an outage is compensated by a credit.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from fractions import Fraction

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
CHANGE = "2026-03-16T00:00:00Z"
ZONES = rk.Meter("zones", "zone", rk.TimeWeightedMean(over="period"))
QUERIES = rk.Meter("queries", "query", rk.Counter())
GEO = rk.Meter("queries.geo", "query", rk.Counter())
CHECKS = rk.Meter("checks", "check*hour", rk.Continuous("checks", unit="check"))
METERS = [ZONES, QUERIES, GEO, CHECKS]
BILLION = 1_000_000_000


def _plan(
    name: str, zone: str, first: str, beyond: str, fee: int = 0, *, lean: bool = False
) -> rk.Plan:
    entries = [
        rk.PriceEntry("zones", "zones", rk.Graduated([rk.Tier(25, zone), rk.Tier(None, "0.10")])),
        rk.PriceEntry(
            "queries", "queries", rk.Graduated([rk.Tier(BILLION, first), rk.Tier(None, beyond)])
        ),
        rk.PriceEntry(
            "geo",
            "queries.geo",
            rk.Graduated([rk.Tier(BILLION, "0.0000007"), rk.Tier(None, "0.00000035")]),
        ),
        rk.PriceEntry("checks", "checks", rk.PerUnit("0.001")),
    ]
    return rk.Plan(
        name,
        "USD",
        MONTHS,
        entries[:2] if lean else entries,
        allowances=[rk.Allowance("queries", 1_000_000)],
        fees=[rk.Fee("support", fee)] if fee else [],
    )


BASIC = _plan("basic", "0.50", "0.0000004", "0.0000002")
PRO = _plan("pro", "0.40", "0.00000035", "0.00000015", fee=20)
LEAN_BASIC = _plan("basic", "0.50", "0.0000004", "0.0000002", lean=True)  # zones and queries alone
LEAN_PRO = _plan("pro", "0.40", "0.00000035", "0.00000015", fee=20, lean=True)


def _zone(account: str, zone: str, at: str, level: int) -> rk.Sample:
    return rk.Sample(account, zone, "zones", at, level, kind="gauge", id=f"{zone}@{at}")


def _count(account: str, resolver: str, at: str, value: int, meter: str = "queries") -> rk.Sample:
    return rk.Sample(account, resolver, meter, at, value, kind="counter", id=f"{resolver}@{at}")


def _month() -> list[rk.Event | rk.Sample]:
    """26 zones all March, one more from the 11th to the 21st; queries with a restart."""
    zones = [_zone("acme", f"z{n:02d}", "2026-03-01T00:00:00Z", 1) for n in range(26)]
    return [
        *zones,
        _zone("acme", "z26", "2026-03-11T00:00:00Z", 1),
        _zone("acme", "z26", "2026-03-21T00:00:00Z", 0),
        rk.Event("acme", "z00", "2026-03-01T00:00:00Z", {"checks": 2}, kind="start", id="hc-z00"),
        _count("acme", "z00/r1", "2026-03-01T00:00:00Z", 0),
        _count("acme", "z00/r1", "2026-03-05T00:00:00Z", 700_000_000),
        _count("acme", "z00/r1", "2026-03-06T00:00:00Z", 100_000_000),  # the resolver restarted
        _count("acme", "z00/r1", "2026-03-10T00:00:00Z", 801_000_000),
        _count("acme", "z00/r2", "2026-03-01T00:00:00Z", 0, "queries.geo"),
        _count("acme", "z00/r2", "2026-03-20T00:00:00Z", 2_000_000, "queries.geo"),
    ]


def _lines(invoice: rk.Invoice) -> dict[str, Decimal]:
    return {line.meter or line.kind: line.amount for line in invoice.lines}


def test_a_month_on_the_pricing_page_by_hand() -> None:
    """Every invoice line of the month worked by hand."""
    rating = rk.rate(_month(), BASIC, span=MARCH, meters=METERS)
    [invoice] = rk.bill(rating)
    # zones: 26 zone-months + z26's 10 of 31 days: 25 x 0.50 + (1 + 10/31) x 0.10 = 12.6322.. -> 12.63
    # queries: 700M + 100M (from zero after the restart) + 701M = 1,501M, 1M free:
    #   1,000M x 0.0000004 = 400 + 500M x 0.0000002 = 100 -> 500.00
    # geo: 2M x 0.0000007 = 1.40; checks: 2 checks x 744 h x 0.001 = 1.488 -> 1.49
    assert _lines(invoice) == {
        "zones": Decimal("12.63"),
        "queries": Decimal("500.00"),
        "queries.geo": Decimal("1.40"),
        "checks": Decimal("1.49"),
    }
    assert invoice.total == Decimal("515.52")
    exact = (
        Fraction(25, 2)
        + (1 + Fraction(10, 31)) / 10
        + 500
        + Fraction(14, 10)
        + Fraction(1488, 1000)
    )
    assert abs(Fraction(invoice.precise_total) - exact) < Fraction(1, 10**55)
    [reset] = [a for a in rating.anomalies if a.kind == "counter_reset"]
    assert "z00/r1@2026-03-06T00:00:00Z" in reset.record_ids


def _iso(us: int) -> str:
    return (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)).isoformat()


def test_the_month_streamed_late_duplicated_and_restored_is_batch() -> None:
    """Shuffled five-minute batches, replays, odd watermarks, a JSON restore: batch's invoice."""
    records = _month()
    batch = rk.rate(records, BASIC, span=MARCH, meters=METERS)
    rnd = random.Random(7)
    queue = [*records, *rnd.sample(records, 8)]  # an at-least-once queue
    rnd.shuffle(queue)
    end = MARCH.end_us
    marks = sorted({*(r.at_us + 1 for r in rnd.sample(records, 4)), end - 1, end})  # odd instants
    rater = rk.Rater(BASIC, METERS, start=MARCH.start)
    lines, invoices, step = [], [], len(queue) // len(marks) + 1
    for n, mark in enumerate(marks):
        rater.feed(queue[n * step : (n + 1) * step] if mark < end else queue[n * step :])
        statement = rater.statement(_iso(mark))
        lines += statement.lines
        invoices += statement.invoices
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), BASIC, METERS)
    assert sum((Fraction(line.amount) for line in lines), Fraction(0)) == Fraction(batch.total())
    assert [invoice.total for invoice in invoices] == [Decimal("515.52")]


def test_a_resolver_restart_counts_from_zero() -> None:
    """400, 500, then 20 after a restart, then 80: 100 + 20 + 60 = 180 queries."""
    readings = [
        _count("acme", "r1", "2026-03-02T10:00:00Z", 400),
        _count("acme", "r1", "2026-03-02T10:05:00Z", 500),
        _count("acme", "r1", "2026-03-02T10:10:00Z", 20),
        _count("acme", "r1", "2026-03-02T10:15:00Z", 80),
    ]
    usage = rk.meter(readings, [QUERIES], span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    assert usage.total() == Decimal(180)
    assert [a.kind for a in usage.anomalies] == ["counter_reset"]
    assert "r1@2026-03-02T10:10:00Z" in usage.anomalies[0].message


def test_a_replayed_window_is_taken_once_and_a_changed_one_is_refused() -> None:
    """The same aggregate fed twice counts once; resent with another count, it is a conflict."""
    first = [
        _count("acme", "r1", "2026-03-02T10:00:00Z", 0),
        _count("acme", "r1", "2026-03-02T10:05:00Z", 3_000_000),
    ]
    rater = rk.Rater(BASIC, METERS, start=MARCH.start)
    assert rater.feed(first).accepted == ("r1@2026-03-02T10:00:00Z", "r1@2026-03-02T10:05:00Z")
    assert rater.feed(first).duplicates == ("r1@2026-03-02T10:00:00Z", "r1@2026-03-02T10:05:00Z")
    changed = rk.Sample(
        "acme", "r1", "queries", "2026-03-02T10:05:00Z", 4_000_000, kind="counter", id=first[1].id
    )
    assert rater.feed([changed]).conflicting == (first[1].id,)
    # 3M - 1M free = 2M x 0.0000004 = 0.80
    assert rater.statement(MARCH.end).total() == Decimal("0.8")
    with pytest.raises(rk.ConflictingRecordError, match="r1@2026-03-02T10:05:00Z"):
        rk.rate([*first, changed], BASIC, span=MARCH, meters=METERS)


def test_a_zone_deleted_mid_month_costs_its_days() -> None:
    """A statement on the 16th bills the mean so far (a whole zone); the month bills 15/31."""
    rater = rk.Rater(BASIC, METERS, start=MARCH.start)
    rater.feed([_zone("acme", "z1", "2026-03-01T00:00:00Z", 1), _zone("acme", "z1", CHANGE, 0)])
    # the zone existed all of the 15 days so far: a mean of 1 zone, 0.50
    assert [line.amount for line in rater.statement(CHANGE).lines] == [Decimal("0.5")]
    rest = rater.statement(MARCH.end)
    # 15 of 31 days: 0.50 x 15/31 = 0.2419..., the closing invoice's line 0.24
    assert [invoice.total for invoice in rest.invoices] == [Decimal("0.24")]
    total = Fraction("0.5") + Fraction(
        rest.total()
    )  # exactly: a Decimal + would round at 28 digits
    assert abs(total - Fraction(15, 62)) < Fraction(1, 10**59)


def test_an_upgrade_mid_month_and_an_outage_credit() -> None:
    """basic to pro on the 16th, told with assign(); a 15.00 credit pays the invoice."""
    rater = rk.Rater([rk.Assignment("acme", BASIC)], METERS, start=MARCH.start)
    rater.feed([_zone("acme", "z1", "2026-03-01T00:00:00Z", 1)])
    rater.statement("2026-03-10T00:00:00Z")
    held = rater.assign(rk.Assignment("acme", PRO, start=CHANGE))
    rater = rk.Rater.restore(rater.snapshot(), held, METERS)
    closing = rater.statement(MARCH.end).invoices
    batch = rk.rate(
        [_zone("acme", "z1", "2026-03-01T00:00:00Z", 1)], list(held), span=MARCH, meters=METERS
    )
    outage = [rk.Credit("outage", "acme", 15, "USD", start="2026-03-20T00:00:00Z")]
    # zones: 0.50 x 15/31 + 0.40 x 16/31 = 13.9/31 = 0.4483... -> 0.45
    # support: 20 x 16/31 = 10.3225... -> 10.32; subtotal 10.77, the credit pays it, 4.23 left
    [streamed] = rk.apply_credits(closing, outage)
    [billed] = rk.bill(batch, credits=outage)
    assert (streamed.subtotal, streamed.total) == (Decimal("10.77"), Decimal("0.00"))
    assert (billed.subtotal, billed.total) == (streamed.subtotal, streamed.total)
    assert [(c.id, c.amount) for c in rk.credits_left(outage, [streamed])] == [
        ("outage", Decimal("4.23"))
    ]


def test_a_fee_prorated_by_new_york_days_across_the_dst_change() -> None:
    """Pro from New York's 8 March (the day clocks go forward): 24 of 31 days of 31.00."""
    new_york = rk.cycles.monthly(tz="America/New_York")

    def plan(name: str, fee: int) -> rk.Plan:
        entries = [rk.PriceEntry("zones", "zones", rk.PerUnit("0.50"))]
        return rk.Plan(
            name,
            "USD",
            new_york,
            entries,
            fees=[rk.Fee("support", fee)],
            proration="days",
            tz=new_york.tz,
        )

    switch = "2026-03-08T05:00:00Z"  # local midnight, EST
    plans = [
        rk.Assignment("acme", plan("basic", 0), end=switch),
        rk.Assignment("acme", plan("pro", 31), start=switch),
    ]
    month = rk.Span("2026-03-01T05:00:00Z", "2026-04-01T04:00:00Z")  # 743 hours
    rating = rk.rate(
        [_zone("acme", "z1", "2026-03-01T05:00:00Z", 1)], plans, span=month, meters=[ZONES]
    )
    [invoice] = rk.bill(rating, tz="America/New_York")
    # the zone all month: 1 zone-month x 0.50 (shared 168/743 and 575/743 between the plans)
    # support: 31 x 24/31 = 24.00
    assert (invoice.total, invoice.precise_total) == (Decimal("24.50"), Decimal("24.5"))


HOSTILE = [
    (
        lambda: _count("acme", "r1", "2026-03-01T00:00:00Z", float("nan")),
        rk.BadQuantityError,
        "value",
    ),
    (
        lambda: _count("acme", "r1", "2026-03-01T00:00:00Z", -1),
        rk.BadRecordError,
        "negative counter reading",
    ),
    (
        lambda: _count("acme", "r1", "2026-03-01T00:00:00Z", 10**30),
        rk.BadQuantityError,
        r"excluding 1E\+30",
    ),
    (lambda: _zone("acme", "z1", "2026-03-01T00:00:00", 1), rk.BadTimeError, "no UTC offset|naive"),
    (
        lambda: _zone("", "z1", "2026-03-01T00:00:00Z", 1),
        rk.RatekitTypeError,
        "account must be a non-empty",
    ),
    (
        lambda: rk.Sample("a", "z", "zones", "2026-03-01T00:00:00Z", 1, id=""),
        rk.RatekitTypeError,
        "id must be",
    ),
    (
        lambda: rk.Sample("a", "z", "zones", "2016-12-31T23:59:60Z", 1),
        rk.BadTimeError,
        "leap second",
    ),
    (
        lambda: rk.Credit("outage", "acme", 0, "USD", start=CHANGE),
        rk.BadQuantityError,
        "greater than 0",
    ),
    (
        lambda: rk.Credit("outage", "acme", 5, "usd", start=CHANGE),
        rk.BadPriceError,
        "three capital letters",
    ),
    (
        lambda: rk.Assignment("acme", BASIC, start=CHANGE, end=CHANGE),
        rk.BadPriceError,
        "not after its start",
    ),
    (
        lambda: rk.Rater(BASIC, METERS, start=MARCH.start, horizon=3600),
        rk.RatekitTypeError,
        "timedelta",
    ),
    (
        lambda: rk.Rater(BASIC, METERS, start=MARCH.start).statement("soon"),
        rk.BadTimeError,
        "RFC 3339",
    ),
    (
        lambda: rk.Rater(BASIC, METERS, start=MARCH.start).statement("9999-12-31T23:59:59Z"),
        rk.BadTimeError,
        "range",
    ),
    (lambda: rk.Rater.restore({"x": 1}, BASIC, METERS), rk.BadSnapshotError, "format"),
]


def test_hostile_input_is_refused_with_a_ratekit_error_naming_it() -> None:
    """NaN, negative or huge counters, naive or leap instants, empty ids, bad credits."""
    for build, error, words in HOSTILE:
        with pytest.raises(error, match=words):
            build()


def test_a_batch_with_an_unknown_meter_is_refused_whole() -> None:
    """A resolver log line for a meter nobody declared refuses its batch, naming it."""
    rater = rk.Rater(BASIC, METERS, start=MARCH.start)
    good = _count("acme", "r1", "2026-03-02T10:00:00Z", 5)
    bad = rk.Sample(
        "acme", "r1", "queries.latency", "2026-03-02T10:00:00Z", 5, kind="counter", id="lat-1"
    )
    with pytest.raises(
        rk.UnknownMeterError, match=r"records\[1\].*'queries.latency'.*declare a Meter"
    ):
        rater.feed([good, bad])
    assert rater.feed([good]).accepted == (good.id,)  # nothing of the refused batch was taken


def _drawn(seed: int) -> list[rk.Event | rk.Sample]:
    rnd = random.Random(seed)
    records: list[rk.Event | rk.Sample] = []
    for account in ("acme", "beta"):
        for zone in range(rnd.randrange(1, 3)):
            name = f"{account}-z{zone}"
            day = rnd.randrange(1, 29)
            records.append(_zone(account, name, f"2026-03-{day:02d}T00:00:00Z", 1))
            if rnd.random() < 0.5:
                records.append(
                    _zone(account, name, f"2026-03-{rnd.randrange(day, 29) + 1:02d}T12:00:00Z", 0)
                )
            value = 0
            for hour in sorted(rnd.sample(range(24 * 30), rnd.randrange(0, 4))):
                value = 0 if rnd.random() < 0.2 else value + rnd.randrange(0, 10**9)
                records.append(
                    _count(account, f"{name}/r", _iso(MARCH.start_us + hour * 3_600_000_000), value)
                )
    return records


LAW_METERS = [ZONES, QUERIES]  # what the drawn records use


def _plans(a: str, b: str) -> list[rk.Assignment]:
    return [
        rk.Assignment(a, BASIC, end=CHANGE),
        rk.Assignment(a, PRO, start=CHANGE),
        rk.Assignment(b, BASIC),
    ]


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(seed=st.integers(0, 2**32), hour=st.integers(1, 31 * 24 - 1))
def test_law_stream_in_any_order_is_batch(seed: int, hour: int) -> None:
    """Shuffled, replayed, stated at any hour, restored or not: the lines add up to batch rate()."""
    records = [record for record in _drawn(seed) if record.account == "acme"]  # the upgrade
    rnd = random.Random(seed)
    queue = [*records, *rnd.sample(records, min(2, len(records)))]
    rnd.shuffle(queue)
    half = rnd.randrange(len(queue) + 1)
    rater = rk.Rater(_plans("acme", "beta"), LAW_METERS, start=MARCH.start)
    rater.feed(queue[:half])
    total = Fraction(rater.statement(_iso(MARCH.start_us + hour * 3_600_000_000)).total())
    if hour % 2:  # restored there, or not
        rater = rk.Rater.restore(rater.snapshot(), _plans("acme", "beta"), LAW_METERS)
    rater.feed(queue[half:])
    total += Fraction(rater.statement(MARCH.end).total())
    assert total == Fraction(
        rk.rate(records, _plans("acme", "beta"), span=MARCH, meters=LAW_METERS).total()
    )


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_law_renaming_customers_and_zones_changes_no_invoice(seed: int) -> None:
    """Other account and zone names: the same invoice totals."""
    records = _drawn(seed)
    names = {"acme": "zz-acme", "beta": "aa-beta"}

    def renamed(record: rk.Event | rk.Sample) -> rk.Sample:
        assert isinstance(record, rk.Sample)
        resource = "x-" + record.resource[::-1]
        kind, value = record.kind, record.value
        return rk.Sample(
            names[record.account], resource, record.meter, record.at, value, kind=kind, id=record.id
        )

    before = rk.bill(rk.rate(records, _plans("acme", "beta"), span=MARCH, meters=LAW_METERS))
    after = rk.bill(
        rk.rate(
            [renamed(r) for r in records],
            _plans("zz-acme", "aa-beta"),
            span=MARCH,
            meters=LAW_METERS,
        )
    )
    assert sorted((names[i.account], i.total, i.precise_total) for i in before) == sorted(
        (i.account, i.total, i.precise_total) for i in after
    )


def _two_zones(price: rk.PriceModel) -> rk.Rating:
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("zones", "zones", price)])
    zones = [
        _zone("acme", "z1", "2026-03-01T00:00:00Z", 1),
        _zone("acme", "z2", "2026-03-27T00:00:00Z", 1),
    ]
    return rk.rate(zones, plan, span=MARCH, meters=[ZONES])


def test_a_whole_zone_month_in_the_first_tier_costs_its_price() -> None:
    """z1 all March, z2 from the 27th (5/31): 1 x 0.50 and 5/31 x 0.50; 18/31 in all."""
    graduated = _two_zones(rk.Graduated([rk.Tier(25, "0.50"), rk.Tier(None, "0.10")]))
    per_unit = _two_zones(rk.PerUnit("0.50"))
    assert {c.resource: c.amount for c in per_unit.charges}["z1"] == Decimal("0.5")
    [z1] = [c for c in graduated.charges if c.resource == "z1"]
    assert sum(line.amount for line in z1.tiers) == Decimal("0.5")  # its tier line
    assert z1.amount == Decimal("0.5")


def test_a_month_of_zones_in_the_first_tier_totals_its_exact_price() -> None:
    """18/31 = 0.580645161290...: PerUnit within half a unit of its last digit; Graduated too."""
    exact = Fraction(18, 31)
    unit = Fraction(1, 10**60)
    assert abs(Fraction(_two_zones(rk.PerUnit("0.50")).total()) - exact) <= unit / 2
    graduated = _two_zones(rk.Graduated([rk.Tier(25, "0.50"), rk.Tier(None, "0.10")]))
    assert abs(Fraction(graduated.total()) - exact) <= unit / 2


def test_a_late_delete_of_a_check_counted_zero_closes_april() -> None:
    """Level 0 from 21 March (no check yet), March closed, then a delete of the 15th comes."""
    plan = rk.Plan("basic", "USD", MONTHS, [rk.PriceEntry("checks", "checks", rk.PerUnit("0.001"))])
    described = rk.Event("acme", "hc-1", "2026-03-21T00:00:00Z", {"checks": 0}, id="u")
    deleted = rk.Event("acme", "hc-1", "2026-03-15T00:00:00Z", kind="delete", id="d")
    rater = rk.Rater(plan, [CHECKS], start=MARCH.start)
    rater.feed([described])
    rater.statement("2026-04-02T00:00:00Z")  # closes March: 0 check-hours, 0.00
    assert rater.feed([deleted]).late == ("d",)
    rater.statement("2026-04-03T00:00:00Z")
    april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    batch = rk.rate([described, deleted], plan, span=april, meters=[CHECKS])
    assert rater.statement(april.end).total() == batch.total() == 0


def test_a_deleted_zone_does_not_change_the_zones_line() -> None:
    """z1 held all April, z0 read at 0 (deleted): the line reads as for z1 alone."""
    plan = rk.Plan(
        "basic", "USD", MONTHS, [rk.PriceEntry("zones", "zones", BASIC.entries[0].price)]
    )
    april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    held = _zone("acme", "z1", april.start.isoformat(), 1)
    deleted = _zone("acme", "z0", april.start.isoformat(), 0)
    [alone] = rk.bill(rk.rate([held], plan, span=april, meters=[ZONES]))
    [beside] = rk.bill(rk.rate([held, deleted], plan, span=april, meters=[ZONES]))
    assert [str(line) for line in alone.lines[0].tiers] == ["tiers[0] (0, 25]: 1 * 0.50 = 0.50"]
    assert str(beside) == str(alone)
