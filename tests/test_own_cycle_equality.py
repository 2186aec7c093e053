"""A cycle of the user's own whose equality, hash or repr raises is named, not escaped.

Rating compares the plans' cycles (which accounts bill on which), the rater keys its
plans' cycles; a cycle's ``__eq__`` and ``__hash__`` are the user's code like its
``boundaries_us``, so their failure is a BadCalendarError naming the cycle and the call.
"""

from __future__ import annotations

import pytest

import ratekit as rk

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
RUNS = [rk.Event("acme", "vm-1", "2026-03-02T00:00:00Z", kind="start", id="e1")]
WEEK = 7 * 86_400_000_000


class Weeks(rk.cycles.Cycle):
    """Seven UTC days from each Thursday."""

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        return list(range((start_us // WEEK + 1) * WEEK, end_us, WEEK))

    def containing_us(self, t_us: int) -> tuple[int, int]:
        return t_us // WEEK * WEEK, t_us // WEEK * WEEK + WEEK

    def __repr__(self) -> str:
        return "Weeks()"


class RaisingEq(Weeks):
    def __eq__(self, other: object) -> bool:
        raise ValueError("no equality here")

    def __hash__(self) -> int:
        return 1


class RaisingHash(Weeks):
    def __hash__(self) -> int:
        raise RuntimeError("no hash here")


class RaisingRepr(RaisingEq):
    def __repr__(self) -> str:
        raise KeyError("no repr")


def _assignments(cycle: rk.cycles.Cycle) -> list[rk.Assignment]:
    entries = [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
    monthly = rk.Plan("m", "EUR", rk.cycles.monthly(tz="UTC"), entries)
    return [rk.Assignment("acme", rk.Plan("w", "EUR", cycle, entries)), rk.Assignment("b", monthly)]


EQ = (
    "cycle RaisingEq Weeks(): its __eq__ raised ValueError (no equality here); ratekit "
    "compares and keys a cycle by equality and hash, so give __eq__ that returns a bool "
    "without raising (or leave them to object's)."
)


def test_rating_names_a_cycle_whose_equality_raises() -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.rate(RUNS, _assignments(RaisingEq()), span=MARCH, meters=[VM])
    assert str(caught.value) == EQ
    assert isinstance(caught.value.__cause__, ValueError)


def test_the_rater_names_it_when_built() -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.Rater(_assignments(RaisingEq()), [VM], start=MARCH.start)
    assert str(caught.value) == EQ


def test_a_hash_that_raises_is_named_where_a_cycle_is_hashed() -> None:
    plan = _assignments(RaisingHash())[0].plan
    with pytest.raises(rk.BadCalendarError) as caught:
        hash(plan.cycle)
    assert str(caught.value) == (
        "cycle RaisingHash Weeks(): its __hash__ raised RuntimeError (no hash here); ratekit "
        "compares and keys a cycle by equality and hash, so give __hash__ that returns a "
        "hash (an int) without raising (or leave them to object's)."
    )


def test_a_repr_that_raises_leaves_the_message_whole() -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.rate(RUNS, _assignments(RaisingRepr()), span=MARCH, meters=[VM])
    assert str(caught.value).startswith(
        "cycle RaisingRepr <cycle RaisingRepr (its repr raised)>: its __eq__ raised ValueError"
    )


def test_a_cycle_of_its_own_equality_still_rates() -> None:
    # vm-1 runs from 2 March 00:00 to the end of March: 30 days = 720 h at 1 EUR, cut at
    # the Thursdays 5, 12, 19 and 26 March: 72 + 168 + 168 + 168 + 144 = 720.
    rating = rk.rate(RUNS, _assignments(Weeks()), span=MARCH, meters=[VM])
    assert [c.quantity for c in rating.charges] == [72, 168, 168, 168, 144]


class UnspeakableError(ValueError):
    def __str__(self) -> str:
        raise RuntimeError("no message either")


class RaisingUnspeakably(Weeks):
    def __eq__(self, other: object) -> bool:
        raise UnspeakableError

    def __hash__(self) -> int:
        return 1


def test_an_error_whose_own_message_raises_is_still_named() -> None:
    # The message quoted the error's str(), which raised RuntimeError in its turn: that
    # escaped rate() in place of the BadCalendarError.
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.rate(RUNS, _assignments(RaisingUnspeakably()), span=MARCH, meters=[VM])
    assert str(caught.value).startswith(
        "cycle RaisingUnspeakably Weeks(): its __eq__ raised UnspeakableError "
        "(its message could not be read); ratekit compares"
    )
    assert isinstance(caught.value.__cause__, UnspeakableError)
