"""A Ceilometer sample's metadata that gives a flavor field twice, with other values, is refused.

``describe=True`` writes Ceilometer's flavor as Nova does: the nested object's ``name``
(or the ``/v2/samples`` listing's flat ``"flavor.name"``) becomes ``flavor``. Metadata
holding both, ``{"flavor": {"name": "m1.small"}, "flavor.name": "m1.large"}``, kept the
first and dropped the other without a word, so a price ``where={"flavor": "m1.large"}``
never applied: two hours at 0.16 (0.32) were billed as m1.small's 0.04 (0.08).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._ceilometer import cpu

import ratekit as rk
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _described(metadata: dict[str, object]) -> list[rk.Event | rk.Sample]:
    return ceilometer.samples(
        [cpu("s1", "2026-03-02T08:00:00", 0, resource_metadata=metadata)],
        meters=[ceilometer.CPU_HOURS],
        naive_utc=True,
        describe=True,
    )


def test_two_flavor_names_are_refused() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _described({"flavor": {"name": "m1.small"}, "flavor.name": "m1.large"})
    assert str(raised.value) == (
        "Ceilometer sample [0].resource_metadata (sample 's1') gives the flavor's 'name' twice, "
        "'m1.small' as the 'flavor' object's 'name' and 'm1.large' as the flat key "
        "'flavor.name'; give it once (or the same value in both)."
    )


def test_one_flavor_name_given_in_both_shapes_is_read_once() -> None:
    # 08:00 to 10:00 running as m1.small: 2 h x 0.04 = 0.08
    metadata = {"flavor": {"name": "m1.small"}, "flavor.name": "m1.small", "state": "active"}
    (update, _reading) = _described(metadata)
    assert isinstance(update, rk.Event)
    assert dict(update.attributes) == {"flavor": "m1.small", "state": "active"}
    plan = rk.Plan(
        "os",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry(
                "small", "instance.hours", rk.PerUnit("0.04"), where={"flavor": "m1.small"}
            ),
            rk.PriceEntry(
                "large", "instance.hours", rk.PerUnit("0.16"), where={"flavor": "m1.large"}
            ),
        ],
    )
    rating = rk.rate(
        [update], plan, span=MARCH, meters=[ceilometer.INSTANCE_HOURS], as_of="2026-03-02T10:00:00Z"
    )
    assert rating.total() == Decimal("0.08")


_VALUES = st.sampled_from(["m1", "m2", 1, 2, True])


@settings(max_examples=LAWS)
@given(nested=_VALUES, flat=_VALUES, field=st.sampled_from(["name", "vcpus"]))
def test_law_a_field_given_twice_is_one_value_or_refused(
    nested: object, flat: object, field: str
) -> None:
    # Oracle: describe=True names the flavor's name `flavor` (a name that is not a
    # non-empty string is refused: no flavor would price the instance) and its other
    # fields `flavor_<field>`; two values of one name are one value when of one type and
    # equal (1 is not True), else refused.
    def name(value: object) -> str:
        return "flavor" if field == "name" else f"flavor_{field}"

    metadata = {"flavor": {field: nested}, f"flavor.{field}": flat}
    if field == "name" and not all(isinstance(value, str) for value in (nested, flat)):
        with pytest.raises(rk.BadRecordError, match=r"not a flavor's name"):
            _described(metadata)
        return
    if name(nested) == name(flat) and not (type(nested) is type(flat) and nested == flat):
        with pytest.raises(rk.BadRecordError, match=r"gives the flavor's .* twice"):
            _described(metadata)
        return
    (update, _reading) = _described(metadata)
    assert isinstance(update, rk.Event)
    assert dict(update.attributes) == {name(nested): nested, name(flat): flat}
