"""The streaming rater's doors and its edges: meters, start, records reaching closed cycles.

Every expected amount is worked by hand in a comment.
"""

from __future__ import annotations

import pytest

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])


# -- meters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meters", "message"),
    [
        ([None], "Rater meters must be Meter values, not NoneType: None."),
        (["m"], "Rater meters must be Meter values, not str: 'm'."),
        ([[]], "Rater meters must be Meter values, not list: []."),
        ([rk.OnOff()], "Rater meters must be Meter values, not OnOff: OnOff()."),
        (
            [VM_HOURS, rk.Meter("vm.hours", "hour", rk.OnOff())],
            "two meters are named 'vm.hours'; meter names are unique.",
        ),
    ],
)
def test_rater_refuses_bad_meters_at_its_door(meters: list[object], message: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater(PLAN, meters, start="2026-03-01T00:00:00Z")  # type: ignore[arg-type]
    assert str(caught.value) == message
    snapshot = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z").snapshot()
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Rater.restore(snapshot, PLAN, meters)  # type: ignore[arg-type]
    assert str(caught.value) == message


# -- start -----------------------------------------------------------------------------------

RANGE = (
    "is out of range: the cycle containing it and the next one must both lie within the "
    "instants ratekit can rate (years 2 to 9998 for calendar cycles, and from "
    "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z for any cycle); give a later or "
    "earlier start."
)


@pytest.mark.parametrize(
    ("cycle", "start"),
    [
        (DAILY, "0001-01-01T00:00:00Z"),  # its day starts before year 2
        (DAILY, "9999-12-31T23:00:00Z"),  # its day ends after 9998
        (DAILY, "9998-12-31T23:00:00Z"),  # its day is 9998's last; the next is not
        (rk.cycles.hourly(), "9999-12-31T23:00:00Z"),  # the next hour is past the last instant
    ],
)
def test_rater_refuses_a_start_whose_cycles_cannot_be_rated(
    cycle: rk.cycles.Cycle, start: str
) -> None:
    plan = rk.Plan("p", "EUR", cycle, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Rater(plan, [VM_HOURS], start=start)
    assert str(caught.value) == f"Rater start {start} {RANGE}"


@pytest.mark.parametrize(
    ("start", "as_of"),
    [
        ("0002-01-01T00:00:00Z", "0002-01-01T01:00:00Z"),
        # 30 December 9998: its next day, the 31st, still lies within the calendars.
        ("9998-12-30T12:00:00Z", "9998-12-30T13:00:00Z"),
    ],
)
def test_rater_takes_the_first_and_last_starts_it_can_rate(start: str, as_of: str) -> None:
    rater = rk.Rater(PLAN, [VM_HOURS], start=start)
    rater.feed([rk.Event("a", "vm-1", start, kind="start", id="e1")])
    # One hour at 1 EUR an hour.
    lines = [(x.role, x.quantity, x.amount) for x in rater.statement(as_of).lines]
    assert lines == [("charge", 1, 1)]
