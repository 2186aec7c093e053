"""Timeline: hand-worked examples, then properties against a dict from tick to value."""

from __future__ import annotations

import datetime as dt
import itertools
import pickle
import random
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import ratekit as rk
from ratekit import strategies as rks

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")


def span_us(start: int, end: int) -> rk.Span:
    return rk.Span.from_us(start, end)


def pieces(timeline: rk.Timeline[str]) -> list[tuple[int, int, str]]:
    return list(timeline.items_us())


# -- examples --------------------------------------------------------------------------


def test_an_empty_timeline() -> None:
    timeline: rk.Timeline[str] = rk.Timeline()
    assert not timeline
    assert timeline.at("2026-03-01T00:00:00Z") is None
    assert timeline.at_us(0, "nothing") == "nothing"
    assert list(timeline.items()) == []
    assert list(timeline.items(within=span_us(0, 10))) == []
    assert timeline.domain() == rk.SpanSet()
    assert repr(timeline) == "Timeline([])"
    timeline._check()


def test_a_piece_holds_from_its_start_to_just_before_its_end() -> None:
    timeline = rk.Timeline([(rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"), "pro")])
    assert timeline.at("2026-02-28T23:59:59.999999Z") is None
    assert timeline.at("2026-03-01T00:00:00Z") == "pro"
    assert timeline.at("2026-03-31T23:59:59.999999Z") == "pro"
    assert timeline.at("2026-04-01T00:00:00Z") is None
    assert timeline.at("2026-04-01T00:00:00Z", "free") == "free"
    # The same instant written in Zurich time: 02:00+02:00 on April 1 is the end.
    assert timeline.at(dt.datetime(2026, 4, 1, 1, 59, tzinfo=ZURICH)) == "pro"
    assert timeline.at(dt.datetime(2026, 4, 1, 2, 0, tzinfo=ZURICH)) is None
    assert repr(timeline) == (
        "Timeline([(Span('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'), 'pro')])"
    )


def test_setting_overwrites_what_was_there() -> None:
    timeline: rk.Timeline[str] = rk.Timeline()
    timeline.set_us(0, 30, "a")
    # [10, 20) = b cuts a in two.
    timeline.set_us(10, 20, "b")
    assert pieces(timeline) == [(0, 10, "a"), (10, 20, "b"), (20, 30, "a")]
    # [5, 25) = c covers b entirely and parts of both a pieces.
    timeline.set_us(5, 25, "c")
    assert pieces(timeline) == [(0, 5, "a"), (5, 25, "c"), (25, 30, "a")]
    # Exactly over an existing piece.
    timeline.set_us(5, 25, "d")
    assert pieces(timeline) == [(0, 5, "a"), (5, 25, "d"), (25, 30, "a")]
    # Over everything and beyond on both sides.
    timeline.set_us(-10, 40, "e")
    assert pieces(timeline) == [(-10, 40, "e")]
    timeline._check()


def test_equal_values_merge_with_touching_neighbours() -> None:
    timeline: rk.Timeline[str] = rk.Timeline()
    timeline.set_us(0, 10, "a")
    timeline.set_us(10, 20, "a")  # touches on the right
    timeline.set_us(-5, 0, "a")  # touches on the left
    assert pieces(timeline) == [(-5, 20, "a")]
    timeline.set_us(3, 7, "a")  # inside, same value: nothing changes
    assert pieces(timeline) == [(-5, 20, "a")]
    # Filling the only different piece with its neighbours' value merges all three.
    timeline.set_us(5, 8, "b")
    assert pieces(timeline) == [(-5, 5, "a"), (5, 8, "b"), (8, 20, "a")]
    timeline.set_us(5, 8, "a")
    assert pieces(timeline) == [(-5, 20, "a")]
    # Equality is ==: 1 and 1.0 are one value.
    numbers: rk.Timeline[float] = rk.Timeline()
    numbers.set_us(0, 10, 1)
    numbers.set_us(10, 20, 1.0)
    assert list(numbers.items_us()) == [(0, 20, 1)]
    timeline._check()
    numbers._check()


def test_a_gap_between_equal_values_keeps_them_apart() -> None:
    timeline: rk.Timeline[str] = rk.Timeline()
    timeline.set_us(0, 10, "a")
    timeline.set_us(11, 20, "a")
    assert pieces(timeline) == [(0, 10, "a"), (11, 20, "a")]
    timeline.set_us(10, 11, "a")  # filling the gap joins them
    assert pieces(timeline) == [(0, 20, "a")]


def test_an_empty_span_changes_nothing() -> None:
    timeline: rk.Timeline[str] = rk.Timeline()
    timeline.set_us(0, 10, "a")
    timeline.set(span_us(5, 5), "b")
    timeline.set_us(20, 20, "b")
    timeline.clear(span_us(5, 5))
    assert pieces(timeline) == [(0, 10, "a")]


def test_clear_removes_values_and_keeps_the_rest() -> None:
    timeline: rk.Timeline[str] = rk.Timeline()
    timeline.set_us(0, 30, "a")
    timeline.clear_us(10, 20)
    assert pieces(timeline) == [(0, 10, "a"), (20, 30, "a")]
    assert timeline.at_us(15) is None
    timeline.clear(span_us(25, 100))  # beyond the end
    assert pieces(timeline) == [(0, 10, "a"), (20, 25, "a")]
    timeline.clear_us(-100, 5)  # before the start
    assert pieces(timeline) == [(5, 10, "a"), (20, 25, "a")]
    timeline.clear_us(-100, 100)
    assert pieces(timeline) == []
    assert not timeline
    timeline.clear_us(0, 10)  # clearing nothing is fine
    timeline._check()


def test_items_within_a_span_are_clipped() -> None:
    timeline: rk.Timeline[str] = rk.Timeline()
    timeline.set_us(0, 10, "a")
    timeline.set_us(10, 20, "b")
    timeline.set_us(30, 40, "c")
    assert list(timeline.items_us(5, 35)) == [(5, 10, "a"), (10, 20, "b"), (30, 35, "c")]
    assert list(timeline.items_us(10, 20)) == [(10, 20, "b")]
    assert list(timeline.items_us(20, 30)) == []  # inside the gap
    assert list(timeline.items_us(15, 15)) == []  # an empty span
    assert list(timeline.items_us(45, 50)) == []
    assert list(timeline.items_us(-5, 1)) == [(0, 1, "a")]
    assert list(timeline.items_us(None, 12)) == [(0, 10, "a"), (10, 12, "b")]
    assert list(timeline.items_us(35, None)) == [(35, 40, "c")]
    assert list(timeline.items(within=span_us(19, 31))) == [
        (span_us(19, 20), "b"),
        (span_us(30, 31), "c"),
    ]


def test_a_description_over_local_days_across_a_dst_change() -> None:
    # Daily pieces from Zurich midnight to Zurich midnight: the day of the spring jump,
    # 2026-03-29, lasts 23 h (23:00Z on the 28th to 22:00Z on the 29th).
    days = [dt.datetime(2026, 3, day, tzinfo=ZURICH) for day in (28, 29, 30)]
    timeline: rk.Timeline[str] = rk.Timeline()
    timeline.set(rk.Span(days[0], days[1]), "saturday")
    timeline.set(rk.Span(days[1], days[2]), "sunday")
    (saturday, _), (sunday, _) = timeline.items()
    assert saturday.duration == dt.timedelta(hours=24)
    assert sunday.duration == dt.timedelta(hours=23)
    assert timeline.at("2026-03-29T21:59:59Z") == "sunday"
    assert timeline.at("2026-03-29T22:00:00Z") is None


def test_none_can_be_a_value_and_the_default_tells_it_apart() -> None:
    timeline: rk.Timeline[None] = rk.Timeline([(span_us(0, 10), None)])
    missing = object()
    assert timeline.at_us(5, missing) is None
    assert timeline.at_us(10, missing) is missing
    assert list(timeline.items_us()) == [(0, 10, None)]


def test_bad_arguments() -> None:
    timeline: rk.Timeline[str] = rk.Timeline()
    with pytest.raises(rk.BadSpanError) as caught:
        timeline.set_us(10, 5, "a")
    assert str(caught.value) == (
        "Timeline span end 1970-01-01T00:00:00.000005Z comes before its start "
        "1970-01-01T00:00:00.000010Z; a span is [start, end) with start <= end."
    )
    with pytest.raises(rk.BadSpanError, match="comes before its start"):
        timeline.clear_us(10, 5)
    with pytest.raises(rk.RatekitTypeError) as caught_type:
        timeline.set((0, 10), "a")  # type: ignore[arg-type]
    assert str(caught_type.value) == "Timeline.set takes a Span, not tuple: (0, 10)."
    with pytest.raises(rk.RatekitTypeError, match=r"Timeline\.clear takes a Span, not int: 3"):
        timeline.clear(3)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"Timeline\.items within takes a Span"):
        list(timeline.items(within="2026"))  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError) as caught_type:
        rk.Timeline([span_us(0, 1)])  # type: ignore[arg-type]
    assert str(caught_type.value) == (
        "Timeline takes (Span, value) pairs, not Span: "
        "Span('1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000001Z')."
    )
    with pytest.raises(rk.BadTimeError) as caught_time:
        timeline.at("2026-03-01T00:00:00")
    assert str(caught_time.value) == (
        "Timeline.at instant '2026-03-01T00:00:00' has no UTC offset; ratekit compares "
        "instants, so write it with an offset or 'Z', e.g. '2026-03-01T00:00:00Z'."
    )
    with pytest.raises(rk.RatekitTypeError, match="not int: 0"):
        timeline.at(0)  # type: ignore[call-overload]
    with pytest.raises(rk.RatekitTypeError) as caught_type:
        timeline.align({})  # type: ignore[arg-type]
    assert str(caught_type.value) == "Timeline.align takes a Timeline, not dict: {}."


def test_align_gives_the_common_refinement() -> None:
    # prices: [0,15) = p1, [15,30) = p2;  plans: [10,20) = x, [25,40) = y.
    # Cuts at 0, 10, 15, 20, 25, 30, 40:
    #   [0,10) (p1, -)  [10,15) (p1, x)  [15,20) (p2, x)  [20,25) (p2, -)
    #   [25,30) (p2, y) [30,40) (-, y)
    prices: rk.Timeline[str] = rk.Timeline()
    prices.set_us(0, 15, "p1")
    prices.set_us(15, 30, "p2")
    plans: rk.Timeline[str] = rk.Timeline()
    plans.set_us(10, 20, "x")
    plans.set_us(25, 40, "y")
    aligned = prices.align(plans)
    aligned._check()
    assert list(aligned.items_us()) == [
        (0, 10, ("p1", None)),
        (10, 15, ("p1", "x")),
        (15, 20, ("p2", "x")),
        (20, 25, ("p2", None)),
        (25, 30, ("p2", "y")),
        (30, 40, (None, "y")),
    ]
    # The other way round, the pairs swap.
    assert [(s, e, (b, a)) for s, e, (a, b) in plans.align(prices).items_us()] == list(
        aligned.items_us()
    )


def test_align_with_gaps_and_empty_timelines() -> None:
    a: rk.Timeline[int] = rk.Timeline()
    a.set_us(0, 10, 1)
    a.set_us(20, 30, 1)
    empty: rk.Timeline[int] = rk.Timeline()
    # The gap [10, 20) stays a gap; both pieces carry (1, None).
    assert list(a.align(empty).items_us()) == [(0, 10, (1, None)), (20, 30, (1, None))]
    assert list(empty.align(empty).items_us()) == []
    # A breakpoint that changes only one side still cuts: b changes at 5, a does not.
    b: rk.Timeline[int] = rk.Timeline()
    b.set_us(0, 5, 7)
    b.set_us(5, 10, 8)
    assert list(a.align(b).items_us()) == [
        (0, 5, (1, 7)),
        (5, 10, (1, 8)),
        (20, 30, (1, None)),
    ]


def test_equality_copy_pickling_and_no_hash() -> None:
    one: rk.Timeline[str] = rk.Timeline()
    one.set_us(0, 10, "a")
    one.set_us(10, 20, "b")
    other: rk.Timeline[str] = rk.Timeline()
    other.set_us(10, 20, "b")
    other.set_us(0, 10, "a")
    assert one == other
    twin = one.copy()
    twin.set_us(0, 5, "z")
    assert one != twin
    assert pieces(one) == [(0, 10, "a"), (10, 20, "b")]
    assert one != {}
    assert pickle.loads(pickle.dumps(one)) == one
    with pytest.raises(TypeError):
        hash(one)


def test_check_finds_a_broken_timeline() -> None:
    timeline: rk.Timeline[str] = rk.Timeline()
    timeline.set_us(0, 10, "a")
    timeline.set_us(10, 20, "b")
    timeline._check()
    timeline._values[10] = "a"  # now two adjacent pieces carry "a"
    with pytest.raises(AssertionError, match="adjacent equal values"):
        timeline._check()
    del timeline._values[10]  # a breakpoint without a value; the gap shows as <gap>
    with pytest.raises(AssertionError, match=r"\{0: 'a', 20: <gap>\}"):
        timeline._check()


# -- properties against a dict from tick to value ----------------------------------------

GRID_END = 20
ORIGIN = "1970-01-01T00:00:00Z"
GRID_TOP = "1970-01-01T00:00:00.000020Z"
grid_spans = rks.spans(min_start=ORIGIN, max_end=GRID_TOP)
values = st.sampled_from(["a", "b", "c"])
CLEAR = None
operations = st.lists(st.tuples(grid_spans, st.one_of(values, st.just(CLEAR))), max_size=8)
TICKS = range(-1, GRID_END + 2)


def apply(ops: list[tuple[rk.Span, str | None]]) -> tuple[rk.Timeline[str], dict[int, str]]:
    timeline: rk.Timeline[str] = rk.Timeline()
    oracle: dict[int, str] = {}
    for span, value in ops:
        ticks = range(span.start_us, span.end_us)
        if value is CLEAR:
            timeline.clear(span)
            for t in ticks:
                oracle.pop(t, None)
        else:
            timeline.set(span, value)
            oracle.update(dict.fromkeys(ticks, value))
        timeline._check()
    return timeline, oracle


def assert_matches(timeline: rk.Timeline[str], oracle: dict[int, str]) -> None:
    timeline._check()
    for t in TICKS:
        assert timeline.at_us(t) == oracle.get(t)
    # items() gives back the same function, in order, with touching equal values merged.
    read: dict[int, str] = {}
    previous: tuple[int, int, str] | None = None
    for start, end, value in timeline.items_us():
        assert start < end
        if previous is not None:
            assert previous[1] <= start
            assert previous[1] < start or previous[2] != value
        read.update(dict.fromkeys(range(start, end), value))
        previous = (start, end, value)
    assert read == oracle


@given(operations)
def test_reads_back_what_was_written(ops: list[tuple[rk.Span, str | None]]) -> None:
    timeline, oracle = apply(ops)
    assert_matches(timeline, oracle)
    assert timeline.domain() == rk.SpanSet.from_us((t, t + 1) for t in oracle)
    assert timeline.copy() == timeline
    assert rk.Timeline(timeline.items()) == timeline


@given(operations, grid_spans)
def test_items_within_a_span_match_the_oracle(
    ops: list[tuple[rk.Span, str | None]], within: rk.Span
) -> None:
    timeline, oracle = apply(ops)
    read: dict[int, str] = {}
    for span, value in timeline.items(within=within):
        assert span in within
        assert span
        read.update(dict.fromkeys(range(span.start_us, span.end_us), value))
    assert read == {t: v for t, v in oracle.items() if within.start_us <= t < within.end_us}


@given(operations, operations)
def test_align_agrees_with_the_oracle(
    ops_a: list[tuple[rk.Span, str | None]], ops_b: list[tuple[rk.Span, str | None]]
) -> None:
    a, oracle_a = apply(ops_a)
    b, oracle_b = apply(ops_b)
    aligned = a.align(b)
    aligned._check()
    for t in TICKS:
        expected = None
        if t in oracle_a or t in oracle_b:
            expected = (oracle_a.get(t), oracle_b.get(t))
        assert aligned.at_us(t) == expected
    assert aligned.domain() == a.domain() | b.domain()


@given(rks.timelines(values, min_start=ORIGIN, max_end=GRID_TOP))
def test_timelines_from_the_public_strategy_are_valid(timeline: rk.Timeline[str]) -> None:
    timeline._check()
    rebuilt = rk.Timeline(timeline.items())
    assert rebuilt == timeline
    for (first, a), (second, b) in itertools.pairwise(timeline.items()):
        assert first.end_us <= second.start_us
        assert first.end_us < second.start_us or a != b  # touching pieces differ


class TimelineMachine(RuleBasedStateMachine):
    """Interleaved writes, clears, copies and reads, checked after every step."""

    @initialize()
    def start(self) -> None:
        self.timeline: rk.Timeline[str] = rk.Timeline()
        self.oracle: dict[int, str] = {}

    @rule(span=grid_spans, value=values)
    def set(self, span: rk.Span, value: str) -> None:
        self.timeline.set(span, value)
        self.oracle.update(dict.fromkeys(range(span.start_us, span.end_us), value))

    @rule(span=grid_spans)
    def clear(self, span: rk.Span) -> None:
        self.timeline.clear(span)
        for t in range(span.start_us, span.end_us):
            self.oracle.pop(t, None)

    @rule()
    def copy(self) -> None:
        copied = self.timeline.copy()
        assert copied == self.timeline
        copied.set_us(-5, -4, "only in the copy")
        assert copied != self.timeline
        self.timeline = self.timeline.copy()

    @invariant()
    def matches_the_oracle(self) -> None:
        if hasattr(self, "timeline"):
            assert_matches(self.timeline, self.oracle)


TestTimelineMachine = TimelineMachine.TestCase


def test_stress_many_breakpoints_across_sorted_list_sublists() -> None:
    # Thousands of breakpoints spread over several of SortedList's internal sublists (its
    # load factor is 1000), so lookups cross sublist boundaries; seeded, so reproducible.
    generator = random.Random(20260301)
    timeline: rk.Timeline[int] = rk.Timeline()
    oracle: dict[int, int] = {}
    top = 20_000
    for _ in range(4_000):
        start = generator.randrange(top)
        end = min(top, start + generator.randrange(1, 12))
        if generator.random() < 0.1:
            timeline.clear_us(start, end)
            for t in range(start, end):
                oracle.pop(t, None)
        else:
            value = generator.randrange(4)
            timeline.set_us(start, end, value)
            oracle.update(dict.fromkeys(range(start, end), value))
    timeline._check()
    assert len(timeline._keys) > 3_000
    assert [timeline.at_us(t) for t in range(-1, top + 1)] == [
        oracle.get(t) for t in range(-1, top + 1)
    ]
    for start, end, value in timeline.items_us():
        assert all(oracle[t] == value for t in range(start, end))


# -- the microsecond fast paths check their arguments ----------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda line: line.set_us(1.5, 2.5, "x"), "Timeline.set_us start_us must be an int"),
        (lambda line: line.set_us(0, True, "x"), "Timeline.set_us end_us must be an int"),
        (lambda line: line.clear_us(0, 2.0), "Timeline.clear_us end_us must be an int"),
        (lambda line: line.at_us(float("nan")), "Timeline.at_us t_us must be an int"),
        (
            lambda line: list(line.items_us(__import__("decimal").Decimal("NaN"), 10)),
            "Timeline.items_us start_us must be an int",
        ),
    ],
)
def test_microsecond_paths_refuse_floats_bools_and_decimals(call: object, message: str) -> None:
    line = rk.Timeline[str]()
    line.set_us(0, 10, "a")
    with pytest.raises(rk.RatekitTypeError, match=message):
        call(line)  # type: ignore[operator]
    assert list(line.items_us()) == [(0, 10, "a")]  # nothing was written


def test_set_us_refuses_instants_outside_the_range() -> None:
    line = rk.Timeline[str]()
    with pytest.raises(rk.BadTimeError, match=r"Timeline.set_us end_us 10000000000000000000 µs"):
        line.set_us(0, 10**19, "a")
    assert not line


def test_a_growing_description_is_not_hashed_whole_at_each_update() -> None:
    # Sharing finds a flavor's one description by its items: worth it for a handful of
    # items, quadratic for a description that every update grows (a new tag each time).
    from ratekit._descriptions import _FrozenDict
    from ratekit._timeline_descriptions import _SHARED_KEYS, _shared

    table: dict[tuple[object, ...], _FrozenDict] = {}
    small = _FrozenDict({"flavor": "m1.small"})
    assert _shared(_FrozenDict({"flavor": "m1.small"}), table) is _shared(small, table)
    assert len(table) == 1
    big = _FrozenDict({f"k{n}": n for n in range(_SHARED_KEYS + 1)})
    assert _shared(big, table) is big
    assert _shared(_FrozenDict(big), table) is not big  # equal, kept as given
    assert len(table) == 1


def test_updates_that_keep_adding_attributes_give_each_piece_its_description() -> None:
    # 100 updates, each adding one tag, to a running VM: 100 pieces after the start's,
    # the last described by all 100 tags and the first tag's value (1 + 100 = 101 rows).
    hours = rk.Meter("hours", "hour", rk.OnOff())
    events = [rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", {"tag0": 0}, kind="start", id="s")]
    events += [
        rk.Event(
            "a",
            "vm-1",
            f"2026-03-01T{1 + n // 60:02}:{n % 60:02}:00Z",
            {f"tag{n + 1}": n},
            kind="update",
            id=f"u{n}",
        )
        for n in range(100)
    ]
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    usage = rk.meter(events, [hours], span=march, cycle=None, as_of=march.end)
    assert len(usage.rows) == 101
    last = usage.rows[-1].description
    assert (len(last), last["tag0"], last["tag100"]) == (101, 0, 99)
