"""A calendar's answer does not depend on what its boundary cache already holds.

Calendars work from 0002-01-01T00:00Z (inclusive) to 9998-12-31T00:00Z (exclusive). The
cache of boundaries may reach past the range (the end of the cycle containing its last
instant is 9999-01-01 for a monthly cycle), but an instant outside the range is refused
whether the cache is cold or warm. Each question is asked of a fresh calendar (cold), and
of one that answered another question first (warm), in both orders.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._calendar import MAX_CALENDAR_US, MIN_CALENDAR_US
from ratekit._instants import to_us

HOUR = 3_600_000_000
CALENDARS: dict[str, Callable[[], object]] = {
    "monthly UTC": lambda: rk.cycles.monthly(tz="UTC"),
    "monthly day 31 Zurich": lambda: rk.cycles.monthly(tz="Europe/Zurich", day=31),
    "daily UTC": lambda: rk.cycles.daily(tz="UTC"),
    "daily Kiritimati": lambda: rk.cycles.daily(tz="Pacific/Kiritimati"),
    "daily Adak": lambda: rk.cycles.daily(tz="America/Adak"),
    "weekly Kiritimati": lambda: rk.cycles.weekly(tz="Pacific/Kiritimati"),
    "quarterly UTC": lambda: rk.cycles.quarterly(tz="UTC"),
    "yearly UTC": lambda: rk.cycles.yearly(tz="UTC"),
    "yearly Adak": lambda: rk.cycles.yearly(tz="America/Adak"),
}


def answer(call: Callable[[], object]) -> object:
    try:
        return call()
    except rk.RatekitError as error:
        return (type(error).__name__, str(error))


def containing(cycle: object, t_us: int) -> object:
    return answer(lambda: cycle.containing_us(t_us))  # type: ignore[attr-defined]


def boundaries(cycle: object, start_us: int, end_us: int) -> object:
    return answer(lambda: cycle.boundaries_us(start_us, end_us))  # type: ignore[attr-defined]


def split(cycle: object, start_us: int, end_us: int) -> object:
    return answer(lambda: cycle.split(rk.Span.from_us(start_us, end_us)))  # type: ignore[attr-defined]


LAST_DAY = to_us("9998-12-30T00:00:00Z")
OUTSIDE_END = [MAX_CALENDAR_US, MAX_CALENDAR_US + HOUR, to_us("9998-12-31T23:59:59Z")]
OUTSIDE_START = [MIN_CALENDAR_US - 1, MIN_CALENDAR_US - HOUR]


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_an_instant_past_the_last_accepted_day_is_refused_cold_and_warm(name: str) -> None:
    make = CALENDARS[name]
    for t_us in OUTSIDE_END:
        cold = containing(make(), t_us)
        warm = make()
        containing(warm, LAST_DAY)  # the cache now reaches past 9998-12-31
        assert containing(warm, t_us) == cold
        # was: a warm monthly cache answered Span('9998-12-01', '9999-01-01')
        shown = rk.Span.from_us(t_us, t_us + 1).start.isoformat().replace("+00:00", "Z")
        assert cold == (
            "BadTimeError",
            (
                f"instant {shown} is outside the range ratekit's calendars support (years 2 "
                "to 9998: from 0002-01-01T00:00:00Z, inclusive, to 9998-12-31T00:00:00Z, "
                "exclusive)."
            ),
        )
        # and the other order: the refusal leaves the cache as it was
        first = make()
        assert containing(first, t_us) == cold
        assert containing(first, LAST_DAY) == containing(make(), LAST_DAY)


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_an_instant_before_the_first_accepted_day_is_refused_cold_and_warm(name: str) -> None:
    make = CALENDARS[name]
    first_day = MIN_CALENDAR_US + 24 * HOUR
    for t_us in OUTSIDE_START:
        cold = containing(make(), t_us)
        warm = make()
        containing(warm, first_day)
        assert containing(warm, t_us) == cold
        assert cold[0] == "BadTimeError"  # type: ignore[index]


@pytest.mark.parametrize("name", sorted(CALENDARS))
def test_spans_reaching_past_the_range_cold_and_warm(name: str) -> None:
    make = CALENDARS[name]
    cases = [
        (LAST_DAY, MAX_CALENDAR_US),  # ends exactly at the range's end: accepted
        (LAST_DAY, MAX_CALENDAR_US + HOUR),  # reaches past it: refused
        (MAX_CALENDAR_US, MAX_CALENDAR_US + HOUR),
        (MIN_CALENDAR_US - HOUR, MIN_CALENDAR_US + HOUR),
    ]
    for start_us, end_us in cases:
        for ask in (boundaries, split):
            cold = ask(make(), start_us, end_us)
            warm = make()
            containing(warm, LAST_DAY)
            containing(warm, MIN_CALENDAR_US)
            assert ask(warm, start_us, end_us) == cold, (ask.__name__, start_us, end_us)
    assert isinstance(boundaries(make(), LAST_DAY, MAX_CALENDAR_US), list)
    assert boundaries(make(), LAST_DAY, MAX_CALENDAR_US + HOUR)[0] == "BadTimeError"  # type: ignore[index]


def test_a_recurring_window_cold_and_warm() -> None:
    def make() -> rk.windows.Window:
        return rk.windows.daily("01:00", "02:00", tz="UTC")

    for start_us, end_us in [
        (LAST_DAY, MAX_CALENDAR_US + HOUR),
        (MAX_CALENDAR_US, MAX_CALENDAR_US + HOUR),
    ]:
        cold = answer(functools.partial(make().within_us, start_us, end_us))
        warm = make()
        warm.within_us(LAST_DAY, MAX_CALENDAR_US)
        assert answer(functools.partial(warm.within_us, start_us, end_us)) == cold
        assert cold[0] == "BadTimeError"  # type: ignore[index]


_EDGE = st.one_of(
    st.integers(MAX_CALENDAR_US - 40 * 24 * HOUR, MAX_CALENDAR_US + 40 * 24 * HOUR),
    st.integers(MIN_CALENDAR_US - 40 * 24 * HOUR, MIN_CALENDAR_US + 40 * 24 * HOUR),
)


@settings(max_examples=LAWS // 4)
@given(
    name=st.sampled_from(sorted(CALENDARS)),
    questions=st.lists(st.tuples(_EDGE, st.integers(0, 5 * 24 * HOUR)), min_size=1, max_size=6),
)
def test_answers_do_not_depend_on_the_questions_asked_before(
    name: str, questions: list[tuple[int, int]]
) -> None:
    # Oracle: each question asked of a fresh calendar (cold cache).
    make = CALENDARS[name]
    warm = make()
    for t_us, length in questions:
        assert containing(warm, t_us) == containing(make(), t_us)
        end_us = t_us + length
        assert boundaries(warm, t_us, end_us) == boundaries(make(), t_us, end_us)
        assert split(warm, t_us, end_us) == split(make(), t_us, end_us)


def test_the_range_is_what_the_docs_say() -> None:
    assert (
        dt.datetime(9998, 12, 31, tzinfo=dt.UTC)
        == rk.Span.from_us(MAX_CALENDAR_US, MAX_CALENDAR_US + 1).start
    )
