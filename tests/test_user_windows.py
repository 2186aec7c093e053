"""A recurring window of the user's own, checked wherever ratekit reads it.

A price entry's window (and the windows a union, an intersection or a complement holds)
says where the entry is in effect; rating cuts usage there. What the window returns is
checked: ``(start, end)`` pairs of ints, ascending, disjoint, within the span asked.
Anything else (floats, a pair of 1970 for a March, pairs out of order, ``None``, its own
exception, an endless generator) is refused naming the window and the call, in
``rate()`` and the streaming rater alike; never priced, never escaping, never hanging.
"""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Iterator
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import plandata

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOURS = rk.Meter("hours", "hour", rk.OnOff())
RUNS = [rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="start", id="e1")]
DAY = 86_400_000_000
HOUR = 3_600_000_000


class FirstHours:
    """The first hour of every UTC day, clipped to the span: a right window."""

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        first = start_us // DAY * DAY
        pairs = ((day, day + HOUR) for day in range(first, end_us, DAY))
        return [(max(a, start_us), min(b, end_us)) for a, b in pairs if b > start_us]

    def __eq__(self, other: object) -> bool:
        return type(other) is FirstHours

    def __hash__(self) -> int:
        return 1

    def __repr__(self) -> str:
        return "FirstHours()"


def _plan(window: object) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("day", "hours", rk.PerUnit(1)),
            rk.PriceEntry("night", "hours", rk.PerUnit(2), window=window, priority=1),  # type: ignore[arg-type]
        ],
    )


def test_a_right_window_of_the_users_own_prices_its_hours() -> None:
    # vm-1 runs from 2 March 00:00 to 1 April: 30 days = 720 h, of which 30 first hours
    # at 2 (60) and 690 at 1 (690): 750.
    rating = rk.rate(RUNS, _plan(FirstHours()), span=MARCH, meters=[HOURS])
    assert sum((c.amount for c in rating.charges), Decimal(0)) == 750
    assert sum((c.quantity for c in rating.charges if c.entry == "night"), Decimal(0)) == 30


class _Returns:
    def __init__(self, answer: object) -> None:
        self.answer = answer

    def within_us(self, start_us: int, end_us: int) -> object:
        return self.answer(start_us, end_us) if callable(self.answer) else self.answer


START, END = MARCH.start_us, MARCH.end_us


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        pytest.param(
            [(1.5, 2.5)],
            r"returned tuple \(1\.5, 2\.5\) \(part 0\), not a pair of ints",
            id="floats",
        ),
        pytest.param(
            [(0, HOUR)],
            r"returned \(1970-01-01T00:00:00Z, 1970-01-01T01:00:00Z\) \(part 0\), not within the span",
            id="outside the span",
        ),
        pytest.param(
            lambda s, e: [(s, e + DAY)],
            r"returned \(2026-03-01T00:00:00Z, 2026-04-02T00:00:00Z\) \(part 0\), not within the span",
            id="not clipped",
        ),
        pytest.param(
            lambda s, e: [(e, s)],
            r"returned \(2026-04-01T00:00:00Z, 2026-03-01T00:00:00Z\) \(part 0\), ending before it starts",
            id="reversed",
        ),
        pytest.param(
            lambda s, e: [(s + DAY, s + 2 * DAY), (s, s + HOUR)],
            r"returned \(2026-03-01T00:00:00Z, 2026-03-01T01:00:00Z\) \(part 1\), starting before "
            r"the part before it ends \(2026-03-03T00:00:00Z\): not ascending and disjoint",
            id="out of order",
        ),
        pytest.param(
            lambda s, e: [(s, s + 2 * HOUR), (s + HOUR, s + 3 * HOUR)],
            r"returned \(2026-03-01T01:00:00Z, 2026-03-01T03:00:00Z\) \(part 1\), starting "
            r"before the part before it ends \(2026-03-01T02:00:00Z\)",
            id="overlapping",
        ),
        pytest.param(None, r"returned NoneType None, not a list of pairs", id="None"),
        pytest.param("0-1", r"returned str '0-1', not a list of pairs", id="text"),
        pytest.param(
            [(True, 2)], r"returned tuple \(True, 2\) \(part 0\), not a pair of ints", id="bool"
        ),
        pytest.param(
            [(1, 2, 3)], r"returned tuple \(1, 2, 3\) \(part 0\), not a pair of ints", id="a triple"
        ),
    ],
)
def test_an_answer_rating_cannot_use_is_refused_naming_the_window_and_the_call(
    answer: object, said: str
) -> None:
    plan = _plan(_Returns(answer))
    prefix = (
        rf"^window _Returns: within_us\({START}, {END}\), over "
        r"2026-03-01T00:00:00Z\.\.2026-04-01T00:00:00Z, "
    )
    with pytest.raises(rk.BadCalendarError, match=prefix + said) as caught:
        rk.rate(RUNS, plan, span=MARCH, meters=[HOURS])
    assert str(caught.value).endswith(
        "a window's within_us(start_us, end_us) returns the parts of the span inside the "
        "window: (start, end) pairs of ints, ascending and disjoint, each within the span "
        "(start_us <= start <= end <= end_us; a list, none when the window holds none of it)."
    )
    rater = rk.Rater(plan, [HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(RUNS)
    with pytest.raises(rk.BadCalendarError, match=r"^window _Returns: within_us\("):
        rater.statement("2026-04-02T00:00:00Z")


class _Raising:
    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        raise KeyError("holiday table")


class _Endless:
    def within_us(self, start_us: int, end_us: int) -> Iterator[tuple[int, int]]:
        for k in itertools.count():
            yield (start_us + 2 * k, start_us + 2 * k + 1)


def test_a_window_that_raises_is_named_with_its_exception_chained() -> None:
    with pytest.raises(
        rk.BadCalendarError,
        match=r"^window _Raising: within_us\(\d+, \d+\), over 2026-03-01T00:00:00Z\.\.2026-04-01T00:00:00Z raised KeyError \('holiday table'\); a window's",
    ) as caught:
        rk.rate(RUNS, _plan(_Raising()), span=MARCH, meters=[HOURS])
    assert isinstance(caught.value.__cause__, KeyError)


def test_an_endless_window_is_refused_after_a_million_parts_not_read_to_its_end() -> None:
    with pytest.raises(
        rk.BadSpanError, match=r"^window _Endless: within_us\(.*returned more than 1,000,000 parts"
    ):
        rk.rate(RUNS, _plan(_Endless()), span=MARCH, meters=[HOURS])


def test_pairs_as_lists_are_read_and_empty_ones_dropped() -> None:
    window = _Returns(lambda s, e: [[s, s], [s + DAY, s + DAY + HOUR]])
    entry = rk.PriceEntry("night", "hours", rk.PerUnit(2), window=window)  # type: ignore[arg-type]
    assert entry.active_us(START, END) == [(START + DAY, START + DAY + HOUR)]


def test_the_combinations_check_the_windows_they_hold() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    for combined in (
        rk.windows.union(nights, _Returns(None)),  # type: ignore[arg-type]
        rk.windows.intersection(nights, _Returns(None)),  # type: ignore[arg-type]
        rk.windows.complement(_Returns(None)),  # type: ignore[arg-type]
    ):
        with pytest.raises(
            rk.BadCalendarError, match=r"^window _Returns: within_us\(.*returned NoneType None"
        ):
            combined.within(MARCH)


def test_an_entry_keeps_a_window_of_the_users_own_as_itself_to_every_reader() -> None:
    entry = rk.PriceEntry("night", "hours", rk.PerUnit(2), window=FirstHours())  # type: ignore[arg-type]
    assert repr(entry.window) == "FirstHours()"
    assert entry.window == FirstHours()
    assert hash(entry.window) == hash(FirstHours())
    assert "window=FirstHours()" in repr(entry)
    assert entry == rk.PriceEntry("night", "hours", rk.PerUnit(2), window=FirstHours())  # type: ignore[arg-type]
    plan = _plan(FirstHours())
    loaded = pickle.loads(pickle.dumps(plan))
    assert loaded == plan
    with pytest.raises(rk.BadDataError, match=r"FirstHours is not a type plan data can hold"):
        plandata.dump(plan)
    assert repr(rk.windows.union(FirstHours(), rk.windows.weekends(tz="UTC"))).startswith(  # type: ignore[arg-type]
        "windows.union(FirstHours(), windows.weekly("
    )


def test_built_in_windows_are_kept_as_they_are() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    entry = rk.PriceEntry("night", "hours", rk.PerUnit(2), window=nights)
    assert entry.window is nights
    both = nights | rk.windows.weekends(tz="UTC")
    assert rk.PriceEntry("n", "hours", rk.PerUnit(2), window=both).window is both
