"""A Nova notification whose payload names the flavor twice, differently, is refused.

The legacy notifications name the flavor by ``instance_type``, which is read as the
description's ``flavor``. A payload that also had a ``flavor`` of its own (``m1.large``
beside ``instance_type`` ``m1.small``) lost it without a word: the instance was priced as
m1.small, 2 hours at 0.04 = 0.08, where its ``flavor`` said m1.large (0.16 an hour).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _created(**extra: object) -> list[rk.Event]:
    payload: dict[str, object] = {
        "tenant_id": "p-1",
        "instance_id": "vm-1",
        "instance_type": "m1.small",
        "vcpus": 1,
        "memory_mb": 2048,
        "state": "active",
    }
    payload.update(extra)
    notifications = [
        {
            "event_type": "compute.instance.create.end",
            "message_id": "n1",
            "timestamp": "2026-03-02 08:00:00.000000",
            "payload": payload,
        },
        {
            "event_type": "compute.instance.delete.end",
            "message_id": "n2",
            "timestamp": "2026-03-02 10:00:00.000000",
            "payload": {**payload, "state": "deleted"},
        },
    ]
    return ceilometer.instance_notifications(notifications, naive_utc=True)


def test_a_flavor_beside_another_instance_type_is_refused() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _created(flavor="m1.large")
    assert str(raised.value) == (
        "Nova notification [0].payload gives the flavor twice, 'm1.small' as 'instance_type' "
        "and 'm1.large' as 'flavor'; Nova's legacy notifications name it by instance_type: "
        "give that one."
    )


def test_the_same_flavor_twice_or_a_null_one_is_read() -> None:
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
    for events in (_created(flavor="m1.small"), _created(flavor=None), _created()):
        rating = rk.rate(events, plan, span=MARCH, meters=[ceilometer.INSTANCE_HOURS])
        assert rating.total() == Decimal("0.08")  # 2 h x 0.04


@settings(max_examples=LAWS)
@given(
    flavor=st.one_of(st.none(), st.sampled_from(["m1.small", "m1.large", 1, {"name": "m1.small"}]))
)
def test_law_a_flavor_beside_instance_type_is_the_same_or_refused(flavor: object) -> None:
    # Oracle: no flavor, or the instance_type itself (a str equal to it), is read as
    # instance_type alone; anything else is refused.
    if flavor is None or flavor == "m1.small":
        assert _created(flavor=flavor)[0].attributes["flavor"] == "m1.small"
        return
    with pytest.raises(rk.BadRecordError, match=r"gives the flavor twice"):
        _created(flavor=flavor)
