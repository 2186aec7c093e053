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
