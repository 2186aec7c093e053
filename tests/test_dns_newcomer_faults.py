"""The DNS service's faults, in more shapes than the month that found them.

A line of total 0 whose charges a late record took away (a health check counted 0,
deleted late after its cycle closed); an aggregate shared by its parts (zone-months, a
time-weighted mean) priced at its 60th digit and shared exactly; a zone read at 0 that
printed a tier line of its own. Each rule an example worked by hand; each law a property
against an oracle in fractions.
"""

from __future__ import annotations

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
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
TWO = rk.Span(MARCH.start, APRIL.end)
ZONES = rk.Meter("zones", "zone", rk.TimeWeightedMean(over="period"))
CHECKS = rk.Meter("checks", "check*hour", rk.Continuous("checks", unit="check"))
GRADUATED = rk.Graduated([rk.Tier(25, "0.50"), rk.Tier(None, "0.10")])
CHECK_PLAN = rk.Plan(
    "basic", "USD", MONTHS, [rk.PriceEntry("checks", "checks", rk.PerUnit("0.001"))]
)
UNIT = Fraction(1, 10**60)


def _unit(amount: Fraction) -> Fraction:
    """A unit of ``amount``'s 60th significant digit (of 1E-60 for 0)."""
    exponent, size = -60, abs(amount)
    while size and Fraction(10) ** (exponent + 60) <= size:
        exponent += 1
    while size and Fraction(10) ** (exponent + 59) > size:
        exponent -= 1
    return Fraction(10) ** exponent


def _zone(zone: str, day: int, level: int, month: int = 3) -> rk.Sample:
    at = f"2026-{month:02d}-{day:02d}T00:00:00Z"
    return rk.Sample("acme", zone, "zones", at, level, kind="gauge", id=f"{zone}@{at}")


def _check(resource: str, at: str, kind: str, level: int | None, ident: str) -> rk.Event:
    description = {} if level is None else {"checks": level}
    return rk.Event("acme", resource, at, description, kind=kind, id=ident)  # type: ignore[arg-type]


def _zones_plan(price: rk.PriceModel) -> rk.Plan:
    return rk.Plan("basic", "USD", MONTHS, [rk.PriceEntry("zones", "zones", price)])


# -- a line of total 0 whose charges a late record took away --------------------------------


def test_a_late_delete_of_a_zero_level_after_a_restore_is_batch() -> None:
    """As in the month, restored from JSON between the closing and the late delete."""
    described = _check("hc-1", "2026-03-21T00:00:00Z", "update", 0, "u")
    deleted = _check("hc-1", "2026-03-15T00:00:00Z", "delete", None, "d")
    rater = rk.Rater(CHECK_PLAN, [CHECKS], start=MARCH.start)
    rater.feed([described])
    first = rater.statement("2026-04-02T00:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), CHECK_PLAN, [CHECKS])
    assert rater.feed([deleted]).late == ("d",)
    second = rater.statement("2026-04-03T00:00:00Z")
    # both lines of 0 are taken back (late for March), none is said again
    assert sorted((line.role, line.late, line.amount) for line in second.lines) == [
        ("reversal", False, 0),
        ("reversal", True, 0),
    ]
    closing = rater.statement(APRIL.end)
    batch = rk.rate([described, deleted], CHECK_PLAN, span=TWO, meters=[CHECKS])
    assert batch.charges == ()  # deleted before it was described: nothing to charge
    assert first.total() + second.total() + closing.total() == 0
    assert closing.lines == ()
    assert closing.invoices == ()


def test_a_late_delete_of_a_zero_level_under_report_is_held_not_raised() -> None:
    """Under late="report" the closed March line's reversal is held; April's goes; no error."""
    described = _check("hc-1", "2026-03-21T00:00:00Z", "update", 0, "u")
    deleted = _check("hc-1", "2026-03-15T00:00:00Z", "delete", None, "d")
    rater = rk.Rater(CHECK_PLAN, [CHECKS], start=MARCH.start, late="report")
    rater.feed([described])
    rater.statement("2026-04-02T00:00:00Z")
    rater.feed([deleted])
    second = rater.statement("2026-04-03T00:00:00Z")
    assert [(line.role, line.late) for line in second.lines] == [("reversal", False)]
    assert [(line.role, line.late) for line in second.reported_only] == [("reversal", True)]
    assert rater.statement(APRIL.end).lines == ()


def test_a_late_stop_of_a_zero_level_in_an_open_cycle_then_a_closing() -> None:
    """A level of 0 from 10 April, stopped by a STOP of the 5th fed on the 20th: no line left."""
    described = _check("hc-1", "2026-04-10T00:00:00Z", "update", 0, "u")
    stopped = _check("hc-1", "2026-04-05T00:00:00Z", "stop", None, "s")
    rater = rk.Rater(CHECK_PLAN, [CHECKS], start=APRIL.start)
    rater.feed([described])
    rater.statement("2026-04-15T00:00:00Z")  # a line of 0 check-hours, 0.000
    rater.feed([stopped])
    rater.statement("2026-04-20T00:00:00Z")
    closing = rater.statement(APRIL.end)
    batch = rk.rate([described, stopped], CHECK_PLAN, span=APRIL, meters=[CHECKS])
    assert closing.total() == batch.total() == 0
    assert [invoice.total for invoice in closing.invoices] == [
        invoice.total for invoice in rk.bill(batch)
    ]


def test_a_late_delete_of_a_zero_level_beside_a_counted_check_bills_as_batch() -> None:
    """hc-1 at 0 deleted late, hc-2 at 2 checks from 25 March: April bills hc-2 alone."""
    described = _check("hc-1", "2026-03-21T00:00:00Z", "update", 0, "u")
    deleted = _check("hc-1", "2026-03-15T00:00:00Z", "delete", None, "d")
    counted = _check("hc-2", "2026-03-25T00:00:00Z", "start", 2, "s")
    rater = rk.Rater(CHECK_PLAN, [CHECKS], start=MARCH.start)
    rater.feed([described, counted])
    rater.statement("2026-04-02T00:00:00Z")
    rater.feed([deleted])
    rater.statement("2026-04-03T00:00:00Z")
    closing = rater.statement(APRIL.end)
    batch = rk.rate([described, deleted, counted], CHECK_PLAN, span=APRIL, meters=[CHECKS])
    # hc-2: 2 checks x 30 days x 24 h = 1,440 check-hours x 0.001 = 1.44
    assert [invoice.total for invoice in closing.invoices] == [Decimal("1.44")]
    assert [str(invoice) for invoice in closing.invoices] == [str(i) for i in rk.bill(batch)]


def _iso(day: int, hour: int, month: int = 3) -> str:
    return f"2026-{month:02d}-{day:02d}T{hour:02d}:00:00Z"


def _checks_drawn(seed: int) -> list[rk.Event]:
    """Health checks of levels 0 (mostly), 1 or 2, described, updated, stopped or deleted in March."""
    rnd = random.Random(seed)
    records: list[rk.Event] = []
    for n in range(rnd.randrange(1, 4)):
        name = f"hc-{n}"
        for k in range(rnd.randrange(1, 4)):
            kind = rnd.choice(["start", "update", "update", "stop", "delete"])
            level = None if kind in {"stop", "delete"} else rnd.choice([0, 0, 1, 2])
            at = _iso(rnd.randrange(1, 29), rnd.randrange(24))
            records.append(_check(name, at, kind, level, f"{name}#{k}"))
    return records


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(seed=st.integers(0, 2**32), day=st.integers(2, 29), restore=st.booleans())
def test_law_late_records_after_a_closing_stream_as_batch(
    seed: int, day: int, restore: bool
) -> None:
    """Some records before March closes, the rest (late) after: the lines add up to batch.

    Levels of 0 and deletes or stops stamped before the descriptions they end are drawn
    often. Nothing but a RatekitError may escape a statement; none is raised here.
    """
    records = _checks_drawn(seed)
    rnd = random.Random(seed)
    rnd.shuffle(records)
    half = rnd.randrange(len(records) + 1)
    rater = rk.Rater(CHECK_PLAN, [CHECKS], start=MARCH.start)
    rater.feed(records[:half])
    total = Fraction(rater.statement(_iso(1, 12, 4)).total())  # closes March
    if restore:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), CHECK_PLAN, [CHECKS])
    rater.feed(records[half:])
    total += Fraction(rater.statement(_iso(day, 0, 4)).total())
    closing = rater.statement(APRIL.end)
    total += Fraction(closing.total())
    batch = rk.rate(records, CHECK_PLAN, span=TWO, meters=[CHECKS])
    assert total == Fraction(batch.total())
    april = [i for i in rk.bill(batch) if i.cycle == APRIL]
    assert [i.total for i in closing.invoices] == [i.total for i in april]


# -- an aggregate shared by its parts, priced exactly and rounded once ----------------------


def test_a_whole_zone_under_volume_costs_its_price() -> None:
    """Volume: 1 + 5/31 zone-months select the first tier, 0.50 each: z1 exactly 0.50."""
    rating = rk.rate(
        [_zone("z1", 1, 1), _zone("z2", 27, 1)],
        _zones_plan(rk.Volume([rk.Tier(25, "0.50"), rk.Tier(None, "0.10")])),
        span=MARCH,
        meters=[ZONES],
    )
    assert {c.resource: c.amount for c in rating.charges}["z1"] == Decimal("0.5")
    # 18/31 = 0.580645..., within half a unit of its 60th digit
    assert abs(Fraction(rating.total()) - Fraction(18, 31)) <= UNIT / 2


def test_a_whole_zone_of_two_tiers_costs_its_exact_share() -> None:
    """30 zones all March and one from the 27th: 25 x 0.50 + (5 + 5/31) x 0.10.

    W = 30 + 5/31 = 935/31; amount = 12.50 + 160/310 = 13.016129...; a zone held all
    month takes 31/935 of it: exactly 31/935 x (12.50 + 16/31) = 403.5/935 = 0.431550...
    """
    records = [_zone(f"z{n:02d}", 1, 1) for n in range(30)] + [_zone("z99", 27, 1)]
    rating = rk.rate(records, _zones_plan(GRADUATED), span=MARCH, meters=[ZONES])
    amount = Fraction(25, 2) + (5 + Fraction(5, 31)) / 10
    exact = amount * Fraction(31, 935)
    assert exact == Fraction(807, 1870)
    shares = {c.resource: Fraction(c.amount) for c in rating.charges}
    # each share rounded once on the amount's 60th digit (13.01...: of 1E-58)
    assert abs(shares["z00"] - exact) <= _unit(amount) == Fraction(1, 10**58)
    assert abs(Fraction(rating.total()) - amount) <= _unit(amount) / 2
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("13.02")  # 13.016129... -> 13.02


def test_a_graduated_share_in_blocks_is_exact() -> None:
    """Blocks of 2 zone-months at 1.00: 1 + 5/31 start one block, 1.00; z1 takes 31/36 of it."""
    price = rk.Graduated([rk.Tier(None, "1.00", block=2)])
    rating = rk.rate(
        [_zone("z1", 1, 1), _zone("z2", 27, 1)], _zones_plan(price), span=MARCH, meters=[ZONES]
    )
    shares = {c.resource: Fraction(c.amount) for c in rating.charges}
    assert abs(shares["z1"] - Fraction(31, 36)) <= _unit(Fraction(1)) / 2  # 1.00's 60th digit
    assert rating.total() == 1  # the block's price, to the last digit


# An oracle for the property: each model's rule in fractions, written out on its own.
def _oracle(
    model: str, tiers: list[tuple[int | None, Fraction, int | None]], q: Fraction
) -> Fraction:
    if model == "package":
        size, price = tiers[0][2] or 1, tiers[0][1]
        return price * -(-q // size) if q > 0 else Fraction(0)
    if model == "volume":
        for up_to, unit, block in tiers:
            if up_to is None or q <= up_to:
                units = q if block is None else Fraction(-(-q // block))
                return unit * units
    total, lower = Fraction(0), Fraction(0)
    for up_to, unit, block in tiers:
        top = q if up_to is None else min(q, Fraction(up_to))
        if top <= lower:
            break
        inside = top - lower
        total += unit * (inside if block is None else Fraction(-(-inside // block)))
        if up_to is None:
            break
        lower = Fraction(up_to)
    return total


def _model(model: str, tiers: list[tuple[int | None, Fraction, int | None]]) -> rk.PriceModel:
    if model == "package":
        return rk.Package(
            tiers[0][2] or 1, Decimal(tiers[0][1].numerator) / tiers[0][1].denominator
        )
    made = [
        rk.Tier(up_to, str(Decimal(unit.numerator) / unit.denominator), block=block)
        for up_to, unit, block in tiers
    ]
    return rk.Volume(made) if model == "volume" else rk.Graduated(made)


_TIERS = st.lists(
    st.tuples(st.integers(1, 400), st.sampled_from([None, 2, 3])), min_size=1, max_size=3
)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    model=st.sampled_from(["graduated", "volume", "package"]),
    bounds=_TIERS,
    spans=st.lists(st.tuples(st.integers(1, 31), st.integers(0, 31)), min_size=1, max_size=5),
)
def test_law_shares_of_a_mean_add_up_to_the_exact_price(
    model: str, bounds: list[tuple[int, int | None]], spans: list[tuple[int, int]]
) -> None:
    """Zones held from one day to another: each zone's share is its exact part of the exact price.

    The mean is a sum of fractions of 31 days (rarely a decimal). Each share lies within
    one unit of its 60th digit of ``days / (31 W) x price(W)`` and the shares add up to
    ``price(W)`` within half a unit of its 60th digit (rounded once), under Graduated,
    Volume (with blocks or not) and Package prices, whatever the oracle's tiers.
    """
    ups = sorted({up for up, _ in bounds})
    tiers: list[tuple[int | None, Fraction, int | None]] = [
        (up, Fraction(7 * (n + 1), 100), block)
        for n, (up, (_, block)) in enumerate(zip(ups, bounds, strict=False))
    ]
    tiers[-1] = (None, tiers[-1][1], tiers[-1][2])
    records, days = [], {}
    for n, (start, length) in enumerate(spans):
        name = f"z{n}"
        records.append(_zone(name, start, 1))
        end = min(start + length, 32)
        if end < 32:
            records.append(_zone(name, end, 0) if end > start else _zone(name, start, 0, 3))
        days[name] = max(end - start, 0)
    records = list({r.id: r for r in records}.values())  # a zone read at 0 where it starts
    price = _model(model, tiers)
    rating = rk.rate(records, _zones_plan(price), span=MARCH, meters=[ZONES])
    whole = Fraction(sum(days.values()), 31)
    exact = _oracle(model, tiers, whole) - _oracle(model, tiers, Fraction(0))
    assert abs(Fraction(rating.total()) - exact) <= _unit(exact) / 2
    for charge in rating.charges:
        mine = exact * Fraction(days[charge.resource], 31) / whole if whole else Fraction(0)
        assert abs(Fraction(charge.amount) - mine) <= _unit(exact)


# -- a zone read at 0 changes no invoice -----------------------------------------------------


@pytest.mark.parametrize(
    "price",
    [
        GRADUATED,
        rk.Volume([rk.Tier(25, "0.50"), rk.Tier(None, "0.10")]),
        rk.Package(2, "0.80"),
        rk.Graduated([rk.Tier(1, "0.50", block=1), rk.Tier(None, "0.10")]),
    ],
    ids=["graduated", "volume", "package", "blocks"],
)
def test_a_zone_at_zero_beside_others_changes_no_invoice(price: rk.PriceModel) -> None:
    """z1 all April, z2 from the 16th; z0 read at 0 all month: the invoice reads as without it."""
    plan = _zones_plan(price)
    others = [_zone("z1", 1, 1, 4), _zone("z2", 16, 1, 4)]
    at_zero = _zone("z0", 1, 0, 4)
    [alone] = rk.bill(rk.rate(others, plan, span=APRIL, meters=[ZONES]))
    [beside] = rk.bill(rk.rate([*others, at_zero], plan, span=APRIL, meters=[ZONES]))
    assert str(beside) == str(alone)
    assert "0/" not in str(beside)
    assert "basic ·" not in str(beside)


def test_a_zone_at_zero_changes_no_closing_invoice_of_the_stream() -> None:
    """The rater's closing invoice, with z0 at 0 fed late, prints as batch's without it."""
    plan = _zones_plan(GRADUATED)
    held = _zone("z1", 1, 1, 4)
    at_zero = _zone("z0", 1, 0, 4)
    rater = rk.Rater(plan, [ZONES], start=APRIL.start)
    rater.feed([held])
    rater.statement("2026-04-10T00:00:00Z")
    rater.feed([at_zero])  # stamped before the watermark
    [streamed] = rater.statement(APRIL.end).invoices
    [batch] = rk.bill(rk.rate([held], plan, span=APRIL, meters=[ZONES]))
    assert str(streamed) == str(batch)
    # 1 zone-month x 0.50 = 0.50, one unlabelled tier line
    assert [str(line) for line in streamed.lines[0].tiers] == ["tiers[0] (0, 25]: 1 * 0.50 = 0.50"]
