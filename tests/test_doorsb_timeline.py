"""The Timeline microsecond fast paths refuse instants outside ratekit's range."""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit._instants import MAX_US, MIN_US


def _line() -> rk.Timeline[str]:
    line = rk.Timeline[str]()
    line.set_us(0, 10, "a")
    return line


@pytest.mark.parametrize("t_us", [2**70, -(2**70), MAX_US + 1, MIN_US - 1])
def test_at_us_refuses_out_of_range(t_us: int) -> None:
    with pytest.raises(rk.BadTimeError, match=r"Timeline.at_us t_us .* lies outside the instants"):
        _line().at_us(t_us)


def test_at_us_keeps_the_range_ends() -> None:
    # The extreme instants themselves are fine: nothing holds there.
    assert _line().at_us(MIN_US) is None
    assert _line().at_us(MAX_US, "gap") == "gap"


def test_items_us_refuses_out_of_range() -> None:
    with pytest.raises(rk.BadTimeError, match=r"Timeline.items_us start_us .* lies outside"):
        list(_line().items_us(2**70, 2**71))
    with pytest.raises(rk.BadTimeError, match=r"Timeline.items_us end_us .* lies outside"):
        list(_line().items_us(0, MAX_US + 1))
    # Even on an empty timeline, the bound is checked.
    with pytest.raises(rk.BadTimeError, match=r"µs since the epoch"):
        list(rk.Timeline[str]().items_us(MIN_US - 1))
    assert list(_line().items_us(MIN_US, MAX_US)) == [(0, 10, "a")]
