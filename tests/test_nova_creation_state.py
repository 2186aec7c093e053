"""A Nova creation must give the instance's vm_state: without one it would bill nothing.

``compute.instance.create.end`` always carries the vm_state in Nova's payload. One whose
``state`` is absent or null gave a start event without a state, which
``ceilometer.INSTANCE_HOURS`` (``state`` one of ``RUNNING_STATES``) read as not running:
created at 08:00 and deleted at 10:00, the instance was billed 0 instance-hours, not 2,
and no anomaly said so. It is refused at its field now, as a creation without its
flavor, vCPUs or memory is.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _created_and_deleted(state: object) -> list[dict[str, object]]:
    payload: dict[str, object] = {"tenant_id": "p-1", "instance_id": "vm-1"}
    payload |= {"instance_type": "m1.small", "vcpus": 1, "memory_mb": 2048}
    created = payload if state is ... else {**payload, "state": state}
    return [
        {
            "event_type": "compute.instance.create.end",
            "message_id": "n1",
            "timestamp": "2026-03-02 08:00:00.000000",
            "payload": created,
        },
        {
            "event_type": "compute.instance.delete.end",
            "message_id": "n2",
            "timestamp": "2026-03-02 10:00:00.000000",
            "payload": {**payload, "state": "deleted"},
        },
    ]


@pytest.mark.parametrize("state", [..., None], ids=["absent", "null"])
def test_a_creation_without_a_state_is_refused_at_its_field(state: object) -> None:
    with pytest.raises(rk.BadRecordError) as refused:
        ceilometer.instance_notifications(_created_and_deleted(state), naive_utc=True)
    assert str(refused.value) == (
        "Nova notification [0].payload.state is missing; a create.end notification must "
        "give the instance's vm_state ('active' once it runs, as Nova writes it), which the "
        "ready meters read to bill its hours."
    )


def test_a_creation_with_its_state_bills_its_hours() -> None:
    events = ceilometer.instance_notifications(_created_and_deleted("active"), naive_utc=True)
    usage = rk.meter(
        events,
        [ceilometer.INSTANCE_HOURS],
        span=MARCH,
        cycle=rk.cycles.monthly(tz="UTC"),
        as_of=MARCH.end,
    )
    # 08:00 to 10:00 of 2 March, running: 2 instance-hours
    assert usage.total() == Decimal(2)
    assert not usage.anomalies
