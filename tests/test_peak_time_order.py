"""A peak's pieces take an allowance in the order of their spans, and cost their exact shares.

The rows of a peak (`Max`, `Latest`, a mean) are shares of their cycle's aggregate, cut
by time where the resource's description changes (docs/usage.md, Aggregations that do
not add up). Priced apart (entries told apart by the resources' descriptions) under a
shared allowance, the pieces take the free units in the order of their spans: by start,
then by end; the pieces of one span together, each in proportion to its quantity
(docs/pricing.md, The order they are taken in), whatever the resources are called. A
day's share of a peak that does not end within 60 digits is carried exactly up to the
line. Amounts are worked by hand; the law is checked against an oracle in
``fractions.Fraction`` that takes the pieces span by span.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests.test_discrete_time_order import HOUR_US, MARCH, PRICES, shared_free
from tests.test_time_order_meter_kinds import _plan

import ratekit as rk
from ratekit._line_exact import line_exact

MAX = rk.Meter("tokens", "token", rk.Max())
LATEST = rk.Meter("tokens", "token", rk.Latest())
DAYS = rk.cycles.daily(tz="UTC")
#: March in hours.
MONTH = 31 * 24

#: A gauge's readings: (hour of March, value).
Reading = tuple[str, int, int]


def _at(hour: int) -> str:
    return rk.Span.from_us(
        MARCH.start_us + hour * HOUR_US, MARCH.start_us + hour * HOUR_US
    ).start.isoformat()


def _records(
    names: dict[str, str], readings: list[Reading], moves: dict[str, int] | None = None
) -> list[rk.Event | rk.Sample]:
    """Each price kind's resource started on 1 March, described anew at its hour of
    ``moves`` (its rows cut there), and its gauge readings."""
    records: list[rk.Event | rk.Sample] = [
        rk.Event("acme", name, _at(0), {"kind": price}, kind="start", id=f"e-{price}")
        for price, name in names.items()
    ]
    records += [
        rk.Event("acme", names[price], _at(hour), {"kind": price, "moved": True}, id=f"u-{price}")
        for price, hour in (moves or {}).items()
    ]
    records += [
        rk.Sample("acme", names[price], "tokens", _at(hour), value, kind="gauge", id=f"{price}{i}")
        for i, (price, hour, value) in enumerate(readings)
    ]
    return records


def _namings() -> list[dict[str, str]]:
    return [
        dict(zip(PRICES, names, strict=True))
        for names in itertools.permutations(["r1", "r2", "r3"])
    ]


def _free(tokens: int, daily: bool = False) -> rk.Plan:
    return _plan(rk.Allowance("tokens", tokens, cycle=DAYS if daily else None))


def _rated(records: list[rk.Event | rk.Sample], plan: rk.Plan, meter: rk.Meter) -> rk.Rating:
    return rk.rate(records, plan, span=MARCH, meters=[meter])


def _per_kind(charges: list[rk.Charge], names: dict[str, str]) -> dict[str, Fraction]:
    """Each kind's line, exact: what the invoice rounds."""
    kinds = {name: kind for kind, name in names.items()}
    mine: dict[str, list[rk.Charge]] = {kind: [] for kind in PRICES}
    for charge in charges:
        mine[kinds[charge.resource]].append(charge)
    return {
        kind: Fraction(line_exact(them)) if them else Fraction(0) for kind, them in mine.items()
    }


def _streamed(
    records: list[rk.Event | rk.Sample], plan: rk.Plan, meter: rk.Meter
) -> list[rk.Charge]:
    """The month's charges as the rater states them: fed in two parts, a statement between."""
    rater = rk.Rater(plan, [meter], start=MARCH.start)
    rater.feed(records[: len(records) // 2])
    rater.statement(_at(12 * 24))
    rater.feed(records[len(records) // 2 :])
    return [charge for line in rater.statement(MARCH.end).lines for charge in line.charges]


# -- exact shares under a daily allowance ---------------------------------------------------


@pytest.mark.parametrize("meter", [MAX, LATEST], ids=["max", "latest"])
def test_peaks_under_two_free_tokens_a_day_cost_their_exact_shares(meter: rk.Meter) -> None:
    # Peaks of 40, 13 and 20 (1, 10 and 5 a token; b read 30 on 2 March and 13 on 9
    # March: its `Latest` is 13, its `Max` 30), 2 free tokens a day. `Latest`: each day
    # holds 73/31 tokens of peaks and frees 2 = 62/31, so each peak keeps 11/73 of
    # itself: a 40 x 11/73 = 440/73, b 13 x 11/73 x 10 = 1430/73, c 20 x 11/73 x 5 =
    # 1100/73. `Max`: 90/31 a day, each keeps 28/90 = 14/45: a 40 x 14/45 = 112/9, b 30 x
    # 14/45 x 10 = 280/3, c 20 x 14/45 x 5 = 280/9. Exact, whatever the names.
    readings = [("a", 24, 40), ("b", 24, 30), ("b", 8 * 24, 13), ("c", 24, 20)]
    if meter is LATEST:
        expected = {"a": Fraction(440, 73), "b": Fraction(1430, 73), "c": Fraction(1100, 73)}
    else:
        expected = {"a": Fraction(112, 9), "b": Fraction(280, 3), "c": Fraction(280, 9)}
    for names in _namings():
        rating = _rated(_records(names, readings), _free(2, daily=True), meter)
        assert _per_kind(list(rating.charges), names) == expected


def test_peaks_under_a_daily_allowance_cost_their_exact_shares_in_the_stream() -> None:
    # As in batch: 40, 13 and 20 (`Latest`) under 2 free a day: 440/73, 1430/73 and
    # 1100/73, the rater's lines exact too.
    readings = [("a", 24, 40), ("b", 24, 30), ("b", 8 * 24, 13), ("c", 24, 20)]
    names = _namings()[3]
    charges = _streamed(_records(names, readings), _free(2, daily=True), LATEST)
    assert _per_kind(charges, names) == {
        "a": Fraction(440, 73),
        "b": Fraction(1430, 73),
        "c": Fraction(1100, 73),
    }


def test_a_peaks_line_is_exact_where_the_allowance_runs_out_within_it() -> None:
    # b's peak of 16 (10 a token) described anew on 2 March at 23:00, 1 free a month:
    # its share of [1 March, 23:00 on 2 March) is 16 x 47/744 = 94/93 tokens, 1 free,
    # 1/93 billed; of the rest 16 x 697/744 = 1394/93, all billed: 1395/93 = 15 tokens,
    # 150 exactly (not 150 less a unit of the 60th digit).
    readings = [("a", 24, 0), ("b", 24, 16), ("c", 24, 0)]
    for names in _namings():
        rating = _rated(_records(names, readings, {"b": 47}), _free(1), MAX)
        assert _per_kind(list(rating.charges), names) == {
            "a": Fraction(0),
            "b": Fraction(150),
            "c": Fraction(0),
        }


# -- peaks of different spans, in time order ------------------------------------------------

#: Peaks of 8 (a), 6 (b) and 4 (c); a described anew on 5 March, b on 2 March, c on 10.
SPANS: list[Reading] = [("a", 5 * 24, 8), ("b", 2 * 24, 6), ("c", 10 * 24, 4)]
SPAN_MOVES = {"a": 4 * 24, "b": 24, "c": 9 * 24}


def test_peaks_of_different_spans_take_a_months_allowance_in_time_order() -> None:
    # 10 free a month = 310/31. Each peak's share by days of 31: a [1, 5) 32/31 and
    # [5, 1 Apr) 216/31, b [1, 2) 6/31 and [2, 1 Apr) 180/31, c [1, 10) 36/31 and
    # [10, 1 Apr) 88/31. By start, then end: b 6, a 32, c 36 (310 - 74 = 236 left),
    # b 180 (56 left), a 216: 56 free, 160/31 billed x 1; c 88/31 billed x 5 = 440/31.
    # a 160/31, b 0, c 440/31, whatever the names.
    for names in _namings():
        rating = _rated(_records(names, SPANS, SPAN_MOVES), _free(10), MAX)
        assert _per_kind(list(rating.charges), names) == {
            "a": Fraction(160, 31),
            "b": Fraction(0),
            "c": Fraction(440, 31),
        }


def test_a_later_span_waits_for_the_earlier_ones_whatever_its_price() -> None:
    # 6 free a month = 186/31; c (5 a token) described anew on 2 March, a (1) and b (10)
    # on 20 March: the pieces of [1, 2): c 4/31; [1, 20): a 8 x 19/31 = 152/31, b 6 x
    # 19/31 = 114/31, together: 266/31 wanted, 182/31 left, each 182/266 = 13/19 free;
    # then c's [2, 1 Apr) 120/31 and [20, 1 Apr) a 96/31, b 72/31, all billed.
    # a: 152/31 x 6/19 + 96/31 = 48/31 + 96/31 = 144/31;
    # b: (114/31 x 6/19 + 72/31) x 10 = (36/31 + 72/31) x 10 = 1080/31;
    # c: 120/31 x 5 = 600/31.
    moves = {"a": 19 * 24, "b": 19 * 24, "c": 24}
    readings = [("a", 3 * 24, 8), ("b", 3 * 24, 6), ("c", 3 * 24, 4)]
    for names in _namings():
        rating = _rated(_records(names, readings, moves), _free(6), MAX)
        assert _per_kind(list(rating.charges), names) == {
            "a": Fraction(144, 31),
            "b": Fraction(1080, 31),
            "c": Fraction(600, 31),
        }


def test_a_piece_cut_within_a_day_takes_the_days_allowance_in_its_time() -> None:
    # 1 free a day; peaks of 31 (a, described anew on 5 March at 06:00), 62 (b) and 31
    # (c): each day holds 1 + 2 + 1 = 4 tokens of peaks. On 5 March, a's [00:00, 06:00)
    # 1/4 token first (free), then b's and c's whole day together: 3 wanted, 3/4 left,
    # a quarter of each free; a's [06:00, 24:00) 3/4 billed. Other days: a fourth of each
    # free. a: 30 x 3/4 + 3/4 = 93/4; b: (30 x 3/2 + 3/2) x 10 = 465; c: (30 x 3/4 +
    # 3/4) x 5 = 465/4.
    moves = {"a": 4 * 24 + 6}
    readings = [("a", 24, 31), ("b", 24, 62), ("c", 24, 31)]
    for names in _namings():
        rating = _rated(_records(names, readings, moves), _free(1, daily=True), MAX)
        assert _per_kind(list(rating.charges), names) == {
            "a": Fraction(93, 4),
            "b": Fraction(465),
            "c": Fraction(465, 4),
        }


def test_peaks_of_different_spans_in_the_stream_as_in_batch() -> None:
    # The month's example fed to the rater in two parts with a statement between:
    # a 160/31, b 0, c 440/31, as in batch.
    names = _namings()[5]
    charges = _streamed(_records(names, SPANS, SPAN_MOVES), _free(10), MAX)
    assert _per_kind(charges, names) == {
        "a": Fraction(160, 31),
        "b": Fraction(0),
        "c": Fraction(440, 31),
    }


# -- the law --------------------------------------------------------------------------------


def _span_oracle(
    aggregates: dict[str, int], moves: dict[str, int], free: int, daily: bool
) -> dict[str, Fraction]:
    """Per kind, its exact amount: each peak cut by hours where its resource is described
    anew (and at each day, under a daily allowance), the pieces taking what is left of
    the month's (or their day's) free tokens span by span (by start, then end), those of
    one span together in proportion."""
    bounds = set(range(0, MONTH + 1, 24)) if daily else {0, MONTH}
    pieces: dict[tuple[int, int], dict[str, Fraction]] = {}
    for kind, value in aggregates.items():
        cuts = sorted(bounds | ({moves[kind]} if kind in moves else set()))
        for lo, hi in itertools.pairwise(cuts):
            pieces.setdefault((lo, hi), {})[kind] = Fraction(value * (hi - lo), MONTH)
    # pieces by start, then end: the day of a piece is the day of its start hour
    return shared_free(((lo, wanted) for (lo, _), wanted in sorted(pieces.items())), free, daily)


#: A gauge's readings: (day of March, value), on distinct days.
_GAUGE = st.lists(
    st.tuples(st.integers(2, 28), st.integers(0, 20)),
    min_size=1,
    max_size=3,
    unique_by=lambda reading: reading[0],
)
#: Where a resource is described anew: an hour of 1 to 28 March, or never.
_MOVE = st.one_of(st.none(), st.integers(1, 28 * 24 - 1), st.sampled_from([24, 48, 96]))


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    gauges=st.fixed_dictionaries(dict.fromkeys(PRICES, _GAUGE)),
    moves=st.fixed_dictionaries(dict.fromkeys(PRICES, _MOVE)),
    latest=st.booleans(),
    free=st.integers(0, 60),
    daily=st.booleans(),
    naming=st.permutations(["r1", "r2", "r3"]),
)
def test_renaming_the_resources_of_peaks_of_different_spans_never_changes_a_line(  # noqa: PLR0917 - the law's inputs
    gauges: dict[str, list[tuple[int, int]]],
    moves: dict[str, int | None],
    latest: bool,
    free: int,
    daily: bool,
    naming: list[str],
) -> None:
    # Law: three resources' peaks (`Max` or `Latest` of a month's readings) priced apart
    # (1, 10, 5 a token), each described anew at an hour of its own (its rows cut there)
    # or never, under a month's or a day's free tokens: each kind's line is exactly the
    # oracle's (pieces in the order of their spans, those of one span together in
    # proportion), under any naming of the resources.
    meter = LATEST if latest else MAX
    values = {
        kind: max(readings)[1] if latest else max(value for _, value in readings)
        for kind, readings in gauges.items()
    }
    cut = {kind: hour for kind, hour in moves.items() if hour is not None}
    readings = [
        (kind, day * 24, value) for kind, values_ in gauges.items() for day, value in values_
    ]
    names = dict(zip(PRICES, naming, strict=True))
    rating = _rated(_records(names, readings, cut), _free(free, daily), meter)
    assert _per_kind(list(rating.charges), names) == _span_oracle(values, cut, free, daily)
