"""A policy class given where a policy goes is refused at Meter(), saying to call it."""

from __future__ import annotations

import pytest

import ratekit as rk

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")


@pytest.mark.parametrize("policy", [rk.OnOff, rk.Counter, rk.Max, rk.Discrete])
def test_the_class_instead_of_an_instance_is_refused_when_the_meter_is_built(
    policy: type,
) -> None:
    # rk.Meter("runtime", "hour", rk.OnOff), the parentheses forgotten, used to be
    # accepted (the class has a level attribute, unbound); metering then failed with
    # "policy type.level() ... raised TypeError (OnOff.level() missing 1 required
    # positional argument: 'description')", far from the mistake.
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Meter("runtime", "hour", policy)  # type: ignore[arg-type]
    name = policy.__name__
    assert str(caught.value) == (
        f"Meter 'runtime' policy must be a policy, an instance such as {name}(), not the "
        f"class {name} itself."
    )


def test_an_instance_still_meters() -> None:
    start = rk.Event("a", "r", "2026-03-01T01:00:00Z", kind="start", id="e1")
    usage = rk.meter(
        [start], [rk.Meter("runtime", "hour", rk.OnOff())], span=DAY, cycle=None, as_of=DAY.end
    )
    assert usage.total() == 23  # 01:00 to 24:00
