"""A correction spread over a span (``since``) takes back what was billed before its stamp.

docs/pricing.md (A correction over a span): a delta below zero of a meter that adds up,
spread over ``[since, at)``, is a correction like one stamped at ``at``: metering cuts
the account's rows of the meter at its stamp, so no row nets it with usage stamped after
it, and its parts take back, last in, first out, units billed before it, each at the
price and under the plan that billed them. Its parts still lie where their time puts
them (which cycle, which piece of a span rated apart, which price for what goes below
zero). Usage stamped after it is billed at its own price, in the batch and in the
stream alike.

Every amount is worked by hand; the law is checked against an oracle that walks the
records in instant order, each refund at its stamp, with a stack of (units, price) in
``fractions.Fraction``.
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
INGEST = rk.Meter("ingest", "GB", rk.Discrete())
MID = "2026-03-15T00:00:00Z"

#: graduated tiers, dearer from the 15th: 50 GB at 1 then 0.5, then 50 GB at 2 then 1
GRADUATED = rk.Plan(
    "g",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry(
            "old", "ingest", rk.Graduated([rk.Tier(50, "1"), rk.Tier(None, "0.5")]), end=MID
        ),
        rk.PriceEntry(
            "new", "ingest", rk.Graduated([rk.Tier(50, "2"), rk.Tier(None, "1")]), start=MID
        ),
    ],
)


#: 0.50 a GB to the 15th, 0.60 from it
CHANGED = rk.Plan(
    "p",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("a", "ingest", rk.PerUnit("0.50"), end=MID),
        rk.PriceEntry("b", "ingest", rk.PerUnit("0.60"), start=MID),
    ],
)


def _gb(resource: str, at: str, gigabytes: int, record: str, since: str | None = None) -> rk.Sample:
    return rk.Sample("acme", resource, "ingest", at, gigabytes, since=since, id=record)


def _stated(rater: rk.Rater, at: str | dt.datetime) -> Decimal:
    return sum((line.amount for line in rater.statement(at).lines), Decimal(0))


@pytest.mark.parametrize("later", ["logs", "metrics"])
def test_a_spread_refund_under_graduated_tiers_across_a_price_change(later: str) -> None:
    used = _gb("logs", "2026-03-10T00:00:00Z", 60, "u1")
    # -30 GB over [14th, 16th), stamped on the 16th: 15 GB in each price's window
    refund = _gb("logs", "2026-03-16T00:00:00Z", -30, "fix", since="2026-03-14T00:00:00Z")
    after = _gb(later, "2026-03-20T00:00:00Z", 80, "u2")
    rating = rk.rate([used, refund, after], GRADUATED, span=MARCH, meters=[INGEST])
    # The 10th: 50 x 1 + 10 x 0.5 = 55. The refund takes back 30 of those units from the
    # top tier down, both halves at the old price that billed them (the new price billed
    # nothing before the 16th): 10 x 0.5 + 20 x 1 = 25, so 30 left for 30 GB. The 20th's
    # 80 GB are the new price's own, from the running 30 GB: 20 x 2 + 60 x 1 = 100.
    # 30 + 100 = 130, no charge of the new price below zero.
    assert rating.total() == Decimal(130)
    assert sum((c.amount for c in rating.charges if c.entry == "old"), Decimal(0)) == 30
    assert [c.amount for c in rating.charges if c.entry == "new"] == [Decimal(100)]
    # the same refund stamped at one instant bills the same
    instant = _gb("logs", "2026-03-16T00:00:00Z", -30, "fix")
    assert rk.rate([used, instant, after], GRADUATED, span=MARCH, meters=[INGEST]).total() == 130
    # the stream: 30 by the 18th, then 100 for the 20th, the refund not priced again
    rater = rk.Rater(GRADUATED, [INGEST], start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed([used, refund])
    assert _stated(rater, "2026-03-18T00:00:00Z") == 30
    rater.feed([after])
    assert _stated(rater, "2026-03-21T00:00:00Z") == 100
    assert _stated(rater, "2026-04-01T00:00:00Z") == 0


@pytest.mark.parametrize(
    ("cut", "first"),
    [
        # rated as of the month's end, the first piece knows the refund's part before the
        # cut: 60 - 15 = 45 GB of the 10th's left at 0.50 = 22.50 to the 15th, 60 - 22.5
        # = 37.5 GB (18.750) to noon on the 15th, 30 GB (15.00) to the 17th
        ("2026-03-15T00:00:00Z", Decimal("22.50")),
        ("2026-03-15T12:00:00Z", Decimal("18.750")),
        ("2026-03-17T00:00:00Z", Decimal("15.00")),
    ],
)
def test_the_pieces_of_a_month_add_up_with_a_spread_refund(cut: str, first: Decimal) -> None:
    records = [
        _gb("logs", "2026-03-10T00:00:00Z", 60, "u1"),
        _gb("logs", "2026-03-16T00:00:00Z", -30, "fix", since="2026-03-14T00:00:00Z"),
        _gb("metrics", "2026-03-20T00:00:00Z", 80, "u2"),
    ]
    end = "2026-04-01T00:00:00Z"
    pieces = [rk.Span(MARCH.start, cut), rk.Span(cut, end)]
    totals = [
        rk.rate(records, CHANGED, span=piece, meters=[INGEST], as_of=end).total()
        for piece in pieces
    ]
    # the month whole: 30 x 0.50 + 80 x 0.60 = 63.00; the second piece bills the rest
    assert totals == [first, Decimal("63.00") - first]


#: 0.50 a GB to the 15th, 0.60 to the 22nd, 0.45 after: three list prices of one plan
LISTS = rk.Plan(
    "p",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("a", "ingest", rk.PerUnit("0.50"), end=MID),
        rk.PriceEntry("b", "ingest", rk.PerUnit("0.60"), start=MID, end="2026-03-22T00:00:00Z"),
        rk.PriceEntry("c", "ingest", rk.PerUnit("0.45"), start="2026-03-22T00:00:00Z"),
    ],
)


def _single(plan_id: str, price: str) -> rk.Plan:
    return rk.Plan(plan_id, "EUR", MONTHS, [rk.PriceEntry("i", "ingest", rk.PerUnit(price))])


#: the same three prices as three plans in turn
CHANGES = [
    rk.Assignment("acme", _single("a", "0.50"), end=MID),
    rk.Assignment("acme", _single("b", "0.60"), start=MID, end="2026-03-22T00:00:00Z"),
    rk.Assignment("acme", _single("c", "0.45"), start="2026-03-22T00:00:00Z"),
]
_HOUR = 3_600_000_000
_START_US = MARCH.start_us


def _price_at(hour: int) -> Fraction:
    """The oracle's price at ``hour`` hours into March."""
    if hour < 14 * 24:
        return Fraction(1, 2)
    if hour < 21 * 24:
        return Fraction(3, 5)
    return Fraction(9, 20)


def _at(hour: int) -> str:
    return (MARCH.start + dt.timedelta(hours=hour)).strftime("%Y-%m-%dT%H:%M:%SZ")


#: usage (resource, hour, GB) and refunds (resource, since hour, stamp hour, GB)
Usage = list[tuple[str, int, int]]
Refunds = list[tuple[str, int, int, int]]


def _stamp(drawn: tuple[str, int, int, int, int]) -> int:
    return drawn[1]


@st.composite
def _months(draw: st.DrawFn) -> tuple[Usage, Refunds]:
    """Usage and refunds of one or two resources, each refund at most what was billed
    before its stamp and spread over whole hours, with or without usage within its span
    (which it takes back first, as the oracle's refund at its stamp does)."""
    names = draw(st.sampled_from([["logs"], ["logs", "metrics"]]))
    hours = st.integers(0, 31 * 24 - 1)
    usage = draw(
        st.lists(
            st.tuples(st.sampled_from(names), hours, st.integers(1, 60)), min_size=1, max_size=6
        )
    )
    drawn = st.tuples(
        st.sampled_from(names),
        st.integers(7 * 24, 31 * 24 - 1),
        st.integers(1, 24),
        st.integers(1, 3),
        st.integers(1, 4),
    )
    refunds: Refunds = []
    for resource, stamp, length, rate, fraction in sorted(
        draw(st.lists(drawn, min_size=1, max_size=3)), key=_stamp
    ):
        since = stamp - length
        if since < 0:
            continue
        # whole GB an hour, so that each hour's part is exact; at most what is billed
        billed = sum(gb for _, hour, gb in usage if hour <= stamp) - sum(
            gb for _, s, t, gb in refunds if t < stamp
        )
        gigabytes = min(rate * length, billed * fraction // 4)
        gigabytes -= gigabytes % length
        if gigabytes > 0 and stamp not in {t for _, _, t, _ in refunds}:
            refunds.append((resource, since, stamp, gigabytes))
    return usage, refunds


def _oracle(usage: Usage, refunds: Refunds) -> Fraction:
    """Each refund at its stamp takes back the units on top of the stack, at their price."""
    events = sorted(
        [(hour, 0, gb) for _, hour, gb in usage] + [(at, 1, -gb) for _, _, at, gb in refunds]
    )
    stack: list[list[Fraction]] = []  # [units, price]
    total = Fraction(0)
    for hour, _, gb in events:
        if gb > 0:
            stack.append([Fraction(gb), _price_at(hour)])
            total += gb * _price_at(hour)
            continue
        left = Fraction(-gb)
        while left:
            top = stack[-1]
            taken = min(left, top[0])
            total -= taken * top[1]
            top[0] -= taken
            left -= taken
            if not top[0]:
                stack.pop()
    return total


def _records(usage: Usage, refunds: Refunds, *, spread: bool) -> list[rk.Sample]:
    records = [
        _gb(resource, _at(hour), gb, f"u{i}") for i, (resource, hour, gb) in enumerate(usage)
    ]
    for i, (resource, since, at, gb) in enumerate(refunds):
        records.append(_gb(resource, _at(at), -gb, f"r{i}", _at(since) if spread else None))
    return records


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, 30), deadline=None)
@given(month=_months(), changes=st.booleans(), split_at=st.integers(0, 4))
@example(  # the faults' input: 60 GB on the 10th, -30 over [14th, 16th), 80 GB on the 20th
    month=([("logs", 9 * 24, 60), ("metrics", 19 * 24, 80)], [("logs", 13 * 24, 15 * 24, 30)]),
    changes=False,
    split_at=2,
)
def test_a_spread_refund_bills_as_the_same_refund_at_its_stamp(
    month: tuple[Usage, Refunds], changes: bool, split_at: int
) -> None:
    usage, refunds = month
    plans = CHANGES if changes else LISTS
    spread = rk.rate(_records(usage, refunds, spread=True), plans, span=MARCH, meters=[INGEST])
    at_once = rk.rate(_records(usage, refunds, spread=False), plans, span=MARCH, meters=[INGEST])
    assert spread.total() == at_once.total() == _oracle(usage, refunds)
    # the stream, fed in time order in two parts with a statement at each: the same
    records = sorted(_records(usage, refunds, spread=True), key=lambda record: record.at_us)
    split = split_at * len(records) // 4
    rater = rk.Rater(plans, [INGEST], start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed(records[:split])
    said = Decimal(0)
    if split < len(records):
        said = _stated(rater, _at((records[split].at_us - _START_US) // _HOUR))
    rater.feed(records[split:])
    assert said + _stated(rater, "2026-04-01T00:00:00Z") == spread.total()


def test_usage_inside_a_refunds_span_is_taken_back_first() -> None:
    records = [
        _gb("logs", "2026-03-10T00:00:00Z", 60, "u1"),
        _gb("logs", "2026-03-15T12:00:00Z", 20, "u2"),
        _gb("logs", "2026-03-16T00:00:00Z", -30, "fix", since="2026-03-14T00:00:00Z"),
    ]
    assert rk.rate(records, CHANGED, span=MARCH, meters=[INGEST]).total() == Decimal("25.00")


def _batch_and_stream(
    records: list[rk.Sample], plan: rk.Plan, said_at: str, span: rk.Span = MARCH
) -> list[Decimal]:
    """``span`` rated at once, and the stream's statement at ``said_at`` plus its rest.

    The stream is fed the records stamped before ``said_at``, states them there, is fed
    the others and states the rest at the span's end.
    """
    total = rk.rate(records, plan, span=span, meters=[INGEST]).total()
    rater = rk.Rater(plan, [INGEST], start=span.start, horizon=dt.timedelta(days=1))
    ordered = sorted(records, key=lambda record: record.at_us)
    early = [record for record in ordered if record.at_us < rk.Span(said_at, said_at).start_us]
    rater.feed(early)
    said = _stated(rater, said_at)
    rater.feed(ordered[len(early) :])
    return [total, said + _stated(rater, span.end)]


@pytest.mark.parametrize("inside", ["logs", "metrics"])
def test_usage_inside_a_refunds_span_on_any_resource_is_taken_back_first(inside: str) -> None:
    # 60 GB on the 10th at 0.50 (30.00), 20 GB at noon on the 15th at 0.60 (12.00), on
    # the refund's resource or another; -30 over [14th, 16th) stamped the 16th takes
    # back the 15th's 20 (-12.00), then 10 of the 10th's (-5.00): 25.00, as stamped at
    # one instant, in the batch and the stream (said on the 15th at 18:00: 42.00).
    records = [
        _gb("logs", "2026-03-10T00:00:00Z", 60, "u1"),
        _gb(inside, "2026-03-15T12:00:00Z", 20, "u2"),
        _gb("logs", "2026-03-16T00:00:00Z", -30, "fix", since="2026-03-14T00:00:00Z"),
    ]
    assert _batch_and_stream(records, CHANGED, "2026-03-15T18:00:00Z") == [Decimal(25)] * 2
    instant = [*records[:2], _gb("logs", "2026-03-16T00:00:00Z", -30, "fix")]
    assert rk.rate(instant, CHANGED, span=MARCH, meters=[INGEST]).total() == 25


def test_usage_on_both_sides_of_a_price_change_inside_a_refunds_span() -> None:
    # 60 GB on the 10th at 0.50 (30.00), 10 at noon on the 14th at 0.50 (5.00), 20 at
    # noon on the 15th at 0.60 (12.00): 47.00. -36 over [14th, 16th) takes back the
    # 15th's 20 (-12.00), the 14th's 10 (-5.00), then 6 of the 10th's (-3.00): 27.00.
    # The 6 left are spread over the two days (3 on each), each taking back units of the
    # 10th at 0.50, the only ones left above them. (Taken in time order, each day's 18
    # were netted with that day's usage: 52 x 0.50 + 2 x 0.60 = 27.20.)
    records = [
        _gb("logs", "2026-03-10T00:00:00Z", 60, "u1"),
        _gb("logs", "2026-03-14T12:00:00Z", 10, "u2"),
        _gb("logs", "2026-03-15T12:00:00Z", 20, "u3"),
        _gb("logs", "2026-03-16T00:00:00Z", -36, "fix", since="2026-03-14T00:00:00Z"),
    ]
    assert _batch_and_stream(records, CHANGED, "2026-03-15T00:00:00Z") == [Decimal(27)] * 2
    rating = rk.rate(records, CHANGED, span=MARCH, meters=[INGEST])
    assert sum((c.amount for c in rating.charges if c.entry == "b"), Decimal(0)) == 0


def test_two_refunds_over_overlapping_spans_each_take_back_the_last_units_at_its_stamp() -> None:
    # 60 GB on the 10th (30.00), 20 at noon on the 14th (10.00), both at 0.50, and 20 at
    # noon on the 15th at 0.60 (12.00): 52.00. -10 over [13th, 15th), stamped on the
    # 15th, takes back 10 of the 14th's (-5.00); -30 over [14th, 16th), stamped on the
    # 16th, the 15th's 20 (-12.00), then the 14th's other 10 (-5.00): 30.00.
    records = [
        _gb("logs", "2026-03-10T00:00:00Z", 60, "u1"),
        _gb("metrics", "2026-03-14T12:00:00Z", 20, "u2"),
        _gb("logs", "2026-03-15T12:00:00Z", 20, "u3"),
        _gb("logs", "2026-03-15T00:00:00Z", -10, "fix1", since="2026-03-13T00:00:00Z"),
        _gb("metrics", "2026-03-16T00:00:00Z", -30, "fix2", since="2026-03-14T00:00:00Z"),
    ]
    assert _batch_and_stream(records, CHANGED, "2026-03-15T06:00:00Z") == [Decimal(30)] * 2
    at_stamps = [
        *records[:3],
        _gb("logs", "2026-03-15T00:00:00Z", -10, "fix1"),
        _gb("metrics", "2026-03-16T00:00:00Z", -30, "fix2"),
    ]
    assert rk.rate(at_stamps, CHANGED, span=MARCH, meters=[INGEST]).total() == 30


def test_a_refund_across_a_cycle_boundary_takes_back_each_cycles_last_units() -> None:
    # 0.50 a GB to 06:00 on 31 March, 0.70 after, 0.60 in April. 60 GB on 30 March
    # (30.00), 20 at noon on the 31st (14.00), 10 at 06:00 on 1 April (6.00). -24 over
    # [31 March, 1 April 12:00) (36 hours): 16 in March, 8 in April, each a correction
    # of its own cycle. March's 16 take back 16 of the 31st's at 0.70 (-11.20): 32.80
    # (taken in time order, its 4 before 06:00 took back the 30th's at 0.50: 33.60).
    # April's 8 take back 8 of April's 10 (-4.80): 1.20. Each month, the stream alike.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("march", "ingest", rk.PerUnit("0.50"), end="2026-03-31T06:00:00Z"),
            rk.PriceEntry(
                "last",
                "ingest",
                rk.PerUnit("0.70"),
                start="2026-03-31T06:00:00Z",
                end="2026-04-01T00:00:00Z",
            ),
            rk.PriceEntry("april", "ingest", rk.PerUnit("0.60"), start="2026-04-01T00:00:00Z"),
        ],
    )
    records = [
        _gb("logs", "2026-03-30T00:00:00Z", 60, "u1"),
        _gb("logs", "2026-03-31T12:00:00Z", 20, "u2"),
        _gb("logs", "2026-04-01T06:00:00Z", 10, "u3"),
        _gb("logs", "2026-04-01T12:00:00Z", -24, "fix", since="2026-03-31T00:00:00Z"),
    ]
    both = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
    rating = rk.rate(records, plan, span=both, meters=[INGEST])
    assert [invoice.total for invoice in rk.bill(rating)] == [Decimal("32.80"), Decimal("1.20")]
    # the stream fed March's two records, stated at April's start, then April's two
    assert _batch_and_stream(records, plan, "2026-04-01T00:00:00Z", both) == [Decimal("34.00")] * 2
