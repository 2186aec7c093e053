"""A cycle rated in pieces: the earlier rows place the tiers, so the pieces add up.

Every expected amount is worked by hand in a comment; the law checks random rows and a
random cut against one rating of the whole cycle and a Fraction oracle of the price.
"""

from __future__ import annotations

import itertools
import typing
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
DAY_US = 86_400_000_000


def _row(day: int, quantity: object, days: int = 1, resource: str = "r") -> rk.UsageRow:
    start = MARCH.start_us + (day - 1) * DAY_US
    span = rk.Span.from_us(start, start + days * DAY_US)
    return rk.UsageRow("acme", "eg", resource, span, MARCH, quantity, "GB", {}, (f"s{day}",))


def _plan(price: rk.PriceModel, **terms: object) -> rk.Plan:
    return rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", price)], **terms)  # type: ignore[arg-type]


def _span(first_day: int, end_day: int) -> rk.Span:
    return rk.Span.from_us(
        MARCH.start_us + (first_day - 1) * DAY_US, MARCH.start_us + (end_day - 1) * DAY_US
    )


def test_the_rows_before_a_span_place_its_tiers() -> None:
    # 12 GB on 2 March, 5 GB on 20 March; the first 10 GB free, then 1 per GB.
    plan = _plan(rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "1")]))
    rows = [_row(2, 12), _row(20, 5)]
    # Whole month: 17 GB = 10 x 0 + 7 x 1 = 7.
    assert rk.rate(rows, plan, span=MARCH).total() == 7
    # 1-15 March: 12 GB = 10 x 0 + 2 x 1 = 2 (the 20 March row is after the span).
    assert rk.rate(rows, plan, span=_span(1, 15)).total() == 2
    # 15 March on: the 12 GB before fill tier 0, so 5 x 1 = 5; 2 + 5 = 7.
    late = rk.rate(rows, plan, span=_span(15, 32))
    assert late.total() == 5
    (charge,) = late.charges
    assert [str(line) for line in charge.tiers] == ["tiers[1] (10, ∞): 5 * 1 = 5"]
    # Without the earlier row the span starts from zero: 5 x 0.
    assert rk.rate([_row(20, 5)], plan, span=_span(15, 32)).total() == 0


def test_a_row_across_the_cut_places_its_part_before_it() -> None:
    # 20 GB over 11-20 March (2 GB a day) under 1 per GB to 10 GB, 0.5 beyond; cut on 16 March.
    plan = _plan(rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")]))
    rows = [_row(11, 20, days=10)]
    # Before: 5 days = 10 GB -> 10.  After: 10 GB on from 10 -> 10 x 0.5 = 5.  Whole 15.
    assert rk.rate(rows, plan, span=_span(1, 16)).total() == 10
    assert rk.rate(rows, plan, span=_span(16, 32)).total() == 5
    assert rk.rate(rows, plan, span=MARCH).total() == 15


def test_a_volume_piece_is_the_change_in_the_cycles_volume_price() -> None:
    # Volume: up to 10 GB at 2 each, beyond 10 GB all at 1. 8 GB on 2 March, 4 on 20 March.
    plan = _plan(rk.Volume([rk.Tier(10, "2"), rk.Tier(None, "1")]))
    rows = [_row(2, 8), _row(20, 4)]
    # Whole month: 12 GB x 1 = 12.  First half: 8 x 2 = 16.  Second half: 12 - 16 = -4.
    assert rk.rate(rows, plan, span=MARCH).total() == 12
    assert rk.rate(rows, plan, span=_span(1, 16)).total() == 16
    assert rk.rate(rows, plan, span=_span(16, 32)).total() == -4


def test_records_before_the_span_are_metered_to_place_it() -> None:
    # The first example from records: the samples before 15 March are metered for it.
    plan = _plan(rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "1")]))
    meter = rk.Meter("eg", "GB", rk.Discrete())
    records = [
        rk.Sample("acme", "r", "eg", "2026-03-02T00:00:00Z", 12, id="s1"),
        rk.Sample("acme", "r", "eg", "2026-03-20T00:00:00Z", 5, id="s2"),
    ]
    # 5 GB after 12: 5 x 1 = 5.
    assert rk.rate(records, plan, span=_span(15, 32), meters=[meter]).total() == 5


CALLS = rk.Meter("calls", "count", rk.Discrete())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())


def _calls_and_egress(cycle: rk.cycles.Cycle) -> rk.Plan:
    """Calls at 1 each; egress graduated per cycle: the first 100 GB free, then 0.05."""
    return rk.Plan(
        "p",
        "EUR",
        cycle,
        [
            rk.PriceEntry("calls", "calls", rk.PerUnit(1)),
            rk.PriceEntry(
                "egress", "egress", rk.Graduated([rk.Tier(100, 0), rk.Tier(None, "0.05")])
            ),
        ],
    )


def test_samples_of_other_meters_before_the_span_are_no_unknown_meter() -> None:
    # The records before 10 March are metered for the graduated egress; a sample of the
    # per-unit "calls" among them is a sample of a declared meter, not refused.
    calls, egress = CALLS, EGRESS
    plan = _calls_and_egress(MONTHS)
    records = [
        rk.Sample("acme", "fn", "calls", "2026-03-05T00:00:00Z", 5, id="c1"),
        rk.Sample("acme", "fn", "egress", "2026-03-06T00:00:00Z", 80, id="e1"),
        rk.Sample("acme", "fn", "calls", "2026-03-15T00:00:00Z", 3, id="c2"),
        rk.Sample("acme", "fn", "egress", "2026-03-16T00:00:00Z", 50, id="e2"),
    ]
    rating = rk.rate(records, plan, span=_span(10, 32), meters=[calls, egress])
    # calls: 3 x 1 = 3 (the 5 before the span are not billed here).
    # egress: 80 GB before fill tier 0 to 80; 20 more free, 30 x 0.05 = 1.50.
    amounts = {charge.meter: charge.amount for charge in rating.charges}
    assert amounts == {"calls": Decimal(3), "egress": Decimal("1.50")}
    # The whole month: calls 8 x 1 = 8; egress 130 GB = 100 x 0 + 30 x 0.05 = 1.50.
    # The first piece: calls 5; egress 80 GB, free. 5 + 0 + 3 + 1.50 = 9.50 = 8 + 1.50.
    whole = rk.rate(records, plan, span=MARCH, meters=[calls, egress]).total()
    first = rk.rate(records, plan, span=_span(1, 10), meters=[calls, egress]).total()
    assert (whole, first, first + rating.total()) == (Decimal("9.50"), 5, Decimal("9.50"))


def test_a_month_of_another_timezone_meters_what_came_months_before() -> None:
    # Zurich's March starts an hour before the UTC month rated: the span starts inside it,
    # and a January sample of the per-unit meter is metered before the span, not refused.
    calls, egress = CALLS, EGRESS
    plan = _calls_and_egress(rk.cycles.monthly(tz="Europe/Zurich"))
    records = [
        rk.Sample("acme", "fn", "calls", "2026-01-15T00:00:00Z", 5, id="c1"),
        rk.Sample("acme", "fn", "egress", "2026-03-20T00:00:00Z", 120, id="e1"),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[calls, egress])
    # egress: 120 GB = 100 x 0 + 20 x 0.05 = 1.00; the January calls are before the span.
    assert [(c.meter, c.amount) for c in rating.charges] == [("egress", Decimal("1.00"))]


def test_a_last_sign_of_life_of_another_meter_before_the_span_places_the_hours() -> None:
    # vm-1 runs from 1 March; its last sign of life is a "calls" sample on 3 March; an
    # inventory on 5 March that lists nothing closes it there (last_seen): 48 h before
    # the span. vm-2 runs 12-13 March: 24 h in the span. The first 24 h of the account's
    # hours are free, then 1 an hour: the 48 h before place the span's 24 h at 1 each.
    # (Without the sample, vm-1 would close at its START: nothing before the span.)
    hours = rk.Meter("hours", "hour", rk.OnOff())
    calls = rk.Meter("calls", "count", rk.Discrete())
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("hours", "hours", rk.Graduated([rk.Tier(24, 0), rk.Tier(None, 1)])),
            rk.PriceEntry("calls", "calls", rk.PerUnit(0)),
        ],
    )
    records = [
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1"),
        rk.Sample("acme", "vm-1", "calls", "2026-03-03T00:00:00Z", 1, id="c1"),
        rk.Inventory("2026-03-05T00:00:00Z", [], close="last_seen", id="i1"),
        rk.Event("acme", "vm-2", "2026-03-12T00:00:00Z", kind="start", id="e2"),
        rk.Event("acme", "vm-2", "2026-03-13T00:00:00Z", kind="stop", id="e3"),
    ]
    meters = [hours, calls]
    later = rk.rate(records, plan, span=_span(10, 32), meters=meters).total()
    first = rk.rate(records, plan, span=_span(1, 10), meters=meters).total()
    whole = rk.rate(records, plan, span=MARCH, meters=meters).total()
    # Whole month: 72 h = 24 x 0 + 48 x 1 = 48; first piece: 48 h = 24; the rest 24.
    assert (whole, first, later) == (48, 24, 24)


def test_a_span_of_usage_across_the_cut_places_its_part_before_it() -> None:
    # 300 GB over 10-20 March (30 a day), the first 100 GB free, then 1 per GB; cut on
    # 16 March. Before: 6 days = 180 GB -> 80. After: 120 GB on from 180 -> 120. Whole
    # 300 -> 200. Each piece is rated as of the month's end, when the delta is known.
    egress = rk.Meter("egress", "GB", rk.Discrete())
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "egress", rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "1")]))],
    )
    delta = rk.Sample(
        "a", "r", "egress", "2026-03-20T00:00:00Z", 300, since="2026-03-10T00:00:00Z", id="d"
    )

    def pieces(records: list[rk.Sample], meter: rk.Meter) -> list[Decimal]:
        spans = [MARCH, _span(1, 16), _span(16, 32)]
        return [
            rk.rate(records, plan, span=s, meters=[meter], as_of=MARCH.end).total() for s in spans
        ]

    assert pieces([delta], egress) == [200, 80, 120]
    # A counter from 0 on 1 March to 300 on 31 March (10 a day): 150 GB before the cut
    # -> 50; 150 after, on from 150 -> 150; whole 300 -> 200.
    counter = rk.Meter("egress", "GB", rk.Counter())
    readings = [
        rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", 0, kind="counter", id="c0"),
        rk.Sample("a", "r", "egress", "2026-03-31T00:00:00Z", 300, kind="counter", id="c1"),
    ]
    assert pieces(readings, counter) == [200, 50, 150]


def test_a_peak_before_the_span_is_the_cycles_peak_for_the_spans_share() -> None:
    # A Max meter is not a sum: its peak places no tiers, but a span that cuts the cycle
    # bills its share of the cycle's aggregate (docs/usage.md), as a plan that begins on
    # 15 March would: March's peak 10 = 5 x 10 + 5 x 8 = 90, for 17 of 31 days:
    # 90 x 17/31 = 1530/31 = 49.35... (within a unit of the 60 digits a share is cut at).
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("u", "users", rk.Graduated([rk.Tier(5, 10), rk.Tier(None, 8)]))],
    )
    peak = rk.Meter("users", "user", rk.Max())
    readings = [
        rk.Sample("acme", "app", "users", "2026-03-02T00:00:00Z", 10, kind="gauge", id="g1"),
        rk.Sample("acme", "app", "users", "2026-03-20T00:00:00Z", 7, kind="gauge", id="g2"),
    ]
    rating = rk.rate(readings, plan, span=_span(15, 32), meters=[peak])
    assert abs(Fraction(rating.total()) - Fraction(1530, 31)) < Fraction(1, 10**55)
    assert rk.bill(rating)[0].total == Decimal("49.35")


def test_a_group_opened_before_the_span_owes_its_base_in_it() -> None:
    # Per resource: 3 a cycle, 10 GB free, then 1 per GB. r1 used 4 GB on 2 March only.
    price = rk.Graduated([rk.Tier(10, "0", flat="3"), rk.Tier(None, "1")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", price, group_by="resource")])
    rows = [_row(2, 4, resource="r1")]
    first = rk.rate(rows, plan, span=_span(1, 16)).total()  # 3 x 15/31
    second = rk.rate(rows, plan, span=_span(16, 32)).total()  # 3 x 16/31
    assert abs(Fraction(first) - Fraction(45, 31)) < Fraction(1, 10**50)
    assert abs(Fraction(second) - Fraction(48, 31)) < Fraction(1, 10**50)
    assert rk.rate(rows, plan, span=MARCH).total() == 3


# -- a realistic month in four pieces ----------------------------------------------------

ZURICH = rk.cycles.monthly(tz="Europe/Zurich")
ZMARCH = rk.Span("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00")  # 743 h
CUTS = [
    ZMARCH.start,
    rk.Span("2026-03-10T13:17:00Z", "2026-03-10T13:17:00Z").start,
    rk.Span("2026-03-29T01:30:00Z", "2026-03-29T01:30:00Z").start,
    rk.Span("2026-03-29T04:00:00+02:00", "2026-03-29T04:00:00+02:00").start,
    ZMARCH.end,
]


def _zurich_plan(own: bool) -> rk.Plan:
    cycle = {"cycle": ZURICH} if own else {}
    return rk.Plan(
        "p",
        "EUR",
        ZURICH,
        [
            rk.PriceEntry(
                "eg",
                "eg",
                rk.Graduated(
                    [rk.Tier(10, "0", flat="3"), rk.Tier(50, "0.09"), rk.Tier(None, "0.05")]
                ),
            ),
            rk.PriceEntry("vm", "vm", rk.PerUnit("0.0713")),
            rk.PriceEntry("pk", "pk", rk.Package(10, "1.5", free=5)),
        ],
        fees=[rk.Fee("f", "19.99")],
        allowances=[rk.Allowance("vm", 100, **cycle), rk.Allowance("eg", 7, **cycle)],  # type: ignore[arg-type]
    )


def _zurich_rows() -> list[rk.UsageRow]:
    def used(meter: str, start: object, end: object, quantity: int) -> rk.UsageRow:
        return rk.UsageRow(
            "acme", meter, "r-" + meter, rk.Span(start, end), ZMARCH, quantity, "u", {}, ()
        )  # type: ignore[arg-type]

    return [
        used("eg", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", 12),
        used("eg", "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z", 45),
        used("vm", ZMARCH.start, ZMARCH.end, 743),
        used("pk", "2026-03-05T00:00:00Z", "2026-03-30T00:00:00Z", 37),
    ]


def _pieces(plan: rk.Plan) -> list[rk.Rating]:
    rows = _zurich_rows()
    return [
        rk.rate(rows, plan, span=rk.Span(a, b), accounts=["acme"])
        for a, b in itertools.pairwise(CUTS)
    ]


def _usage(ratings: list[rk.Rating], meter: str) -> Fraction:
    return sum(
        (
            Fraction(c.amount)
            for r in ratings
            for c in r.charges
            if c.meter == meter and c.kind == "usage"
        ),
        Fraction(0),
    )


def test_a_month_in_four_pieces_adds_up_with_allowances_of_the_month() -> None:
    # Allowances with their own (monthly) period are consumed across the pieces in time
    # order, so the pieces add up to the month. Whole month: eg 57 - 7 free = 50 -> 3 base
    # + 40 x 0.09 = 6.60; vm (743 - 100) x 0.0713 = 45.8459; pk 37 - 5 = 32 -> 4 packages
    # = 6; fee 19.99: 78.4359.
    plan = _zurich_plan(own=True)
    whole = rk.rate(_zurich_rows(), plan, span=ZMARCH)
    assert whole.total() == Decimal("78.4359")
    pieces = _pieces(plan)
    # The usage lines add up to the digit: eg 3.60, pk 6, vm 45.8459 (the prorated base
    # and fee slices are 60-digit Decimals, their sum within 1E-50 of 3 and 19.99).
    assert _usage(pieces, "eg") == Fraction("3.60")
    assert _usage(pieces, "pk") == 6
    assert _usage(pieces, "vm") == Fraction("45.8459")
    total = sum((Fraction(p.total()) for p in pieces), Fraction(0))
    assert abs(total - Fraction("78.4359")) < Fraction(1, 10**50)


def test_a_month_in_four_pieces_with_a_billing_cycle_allowance_prorated_per_piece() -> None:
    # A billing cycle's allowance is prorated to each piece (like fees): the 7 GB of eg
    # give 7 x 829020/2674800 = 2.1696 to the first piece (9 d 14 h 17 min of 743 h) and
    # 7 x 1599180/2674800 to the second; the third and fourth (1800 s and 244800 s) have
    # no eg usage, so 7 x 246600/2674800 GB stay unused. The tiers carry: the first piece
    # ends at 12 - 2.1696 = 9.8304, the second on from there to 57 - 7 + 0.6453 = 50.6453,
    # past 50: 40 x 0.09 + 0.6453 x 0.05. Only that unused slice differs from the month.
    plan = _zurich_plan(own=False)
    unused = Fraction(7 * 246600, 2674800)
    pieces = _pieces(plan)
    # (the free parts are 60-digit Decimals of those fractions)
    expected = Fraction("3.60") + unused * Fraction("0.05")
    assert abs(_usage(pieces, "eg") - expected) < Fraction(1, 10**50)
    assert _usage(pieces, "pk") == 6
    # 3 + 9.8304 is still tier 0: the first piece's eg is 0.
    assert _usage(pieces[:1], "eg") == 0


# -- the law -------------------------------------------------------------------------------

_MODELS: list[tuple[str, rk.PriceModel]] = [
    ("graduated", rk.Graduated([rk.Tier(10, "0.7"), rk.Tier(25, "0.3"), rk.Tier(None, "0.11")])),
    ("volume", rk.Volume([rk.Tier(10, "0.7"), rk.Tier(25, "0.3"), rk.Tier(None, "0.11")])),
    ("package", rk.Package(4, "1.3", free=3)),
    ("graduated percentage", rk.GraduatedPercentage([(20, "3"), (None, "1.5")])),
    ("percentage", rk.Percentage("2.5", free_amount=7)),
]


def _oracle(name: str, q: Fraction) -> Fraction:
    """The price of a cycle's total ``q``, by hand in fractions."""
    bands = [
        (Fraction(10), Fraction("0.7")),
        (Fraction(25), Fraction("0.3")),
        (None, Fraction("0.11")),
    ]
    if name == "graduated":
        out, lo = Fraction(0), Fraction(0)
        for up, rate in bands:
            top = q if up is None else min(q, up)
            out += max(top - lo, 0) * rate
            lo = up if up is not None else lo
        return out
    if name == "volume":
        rate = next(r for up, r in bands if up is None or q <= up)
        return q * rate
    if name == "package":
        blocks = -((-max(q - 3, 0)) // 4)  # partial packages round up
        return blocks * Fraction("1.3")
    if name == "graduated percentage":
        return min(q, 20) * Fraction(3, 100) + max(q - 20, 0) * Fraction(15, 1000)
    return max(q - 7, 0) * Fraction(25, 1000)


_ROWS = st.lists(
    st.tuples(
        st.integers(1, 31),  # first day
        st.integers(1, 3),  # days
        st.integers(0, 15),  # quantity
        st.sampled_from(["r1", "r2"]),
    ),
    max_size=6,
)


def _whole_and_halves(
    total: typing.Callable[[rk.Span], Fraction], cut_hours: int
) -> tuple[Fraction, Fraction, Fraction]:
    """``total`` of March, and of its two pieces cut ``cut_hours`` after its start."""
    cut = MARCH.start_us + cut_hours * 3_600_000_000
    pieces = [rk.Span.from_us(MARCH.start_us, cut), rk.Span.from_us(cut, MARCH.end_us)]
    return total(MARCH), total(pieces[0]), total(pieces[1])


@settings(max_examples=LAWS)
@given(rows=_ROWS, cut_hours=st.integers(1, 31 * 24 - 1), model=st.sampled_from(_MODELS))
def test_pieces_of_a_cycle_add_up_to_the_cycle(
    rows: list[tuple[int, int, int, str]], cut_hours: int, model: tuple[str, rk.PriceModel]
) -> None:
    name, price = model
    usage = [_row(day, q, days=min(days, 32 - day), resource=r) for day, days, q, r in rows]
    plan = _plan(price)
    whole, first, second = _whole_and_halves(
        lambda span: Fraction(rk.rate(usage, plan, span=span).total()), cut_hours
    )
    assert first + second == whole
    assert whole == _oracle(name, sum((Fraction(q) for _, _, q, _ in rows), Fraction(0)))


_SAMPLES = st.lists(
    st.tuples(
        st.sampled_from(["eg", "calls"]),
        st.integers(-10 * 24, 31 * 24 - 1),  # hours from 1 March (before it: February)
        st.integers(0, 15),  # quantity
        st.sampled_from([0, 0, 1, 5, 30, 96]),  # hours back its span starts (0: an instant)
    ),
    max_size=8,
)


def _in_march(h: int, q: int, back: int) -> Fraction:
    """The part in March of ``q`` over ``[h - back, h)`` hours from 1 March (at ``h``: 0 back)."""
    if not back:
        return Fraction(q) if 0 <= h < 31 * 24 else Fraction(0)
    overlap = max(0, min(h, 31 * 24) - max(h - back, 0))
    return Fraction(q * overlap, back)


@settings(max_examples=LAWS)
@given(samples=_SAMPLES, cut_hours=st.integers(1, 31 * 24 - 1), model=st.sampled_from(_MODELS))
def test_pieces_of_a_cycle_from_records_of_several_meters_add_up(
    samples: list[tuple[str, int, int, int]], cut_hours: int, model: tuple[str, rk.PriceModel]
) -> None:
    # Records of a meter priced per unit beside the group-priced one, some over a span
    # that may straddle the cut or the month's start: each piece meters the records
    # before it for the group's place, whatever meters they are of, as of what the whole
    # month knows, so a span stamped after the cut places its part before it.
    name, price = model
    hour = 3_600_000_000

    def instant(h: int) -> str:
        return rk.Span.from_us(MARCH.start_us + h * hour, MARCH.start_us + h * hour + 1).start

    records = [
        rk.Sample(
            "acme",
            "fn",
            meter,
            instant(h),
            q,
            since=instant(h - back) if back else None,
            id=f"s{i}",
        )
        for i, (meter, h, q, back) in enumerate(samples)
    ]
    meters = [rk.Meter("eg", "GB", rk.Discrete()), rk.Meter("calls", "count", rk.Discrete())]
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("eg", "eg", price), rk.PriceEntry("calls", "calls", rk.PerUnit(1))],
    )

    def total(span: rk.Span) -> Fraction:
        return Fraction(rk.rate(records, plan, span=span, meters=meters, as_of=MARCH.end).total())

    whole, first, second = _whole_and_halves(total, cut_hours)
    assert first + second == whole
    eg = sum((_in_march(h, q, b) for m, h, q, b in samples if m == "eg"), Fraction(0))
    calls = sum((_in_march(h, q, b) for m, h, q, b in samples if m == "calls"), Fraction(0))
    # (a part of a span is metered to 24 decimal places)
    assert abs(whole - (_oracle(name, eg) + calls)) < Fraction(1, 10**20)
