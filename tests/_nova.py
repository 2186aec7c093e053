"""A Nova instance notification, as Nova's unversioned notifications carry it.

The tests of the Nova reading (``ceilometer.instance_notifications``) build their feeds
from this one shape: instance ``vm-1`` of project ``p-1``, an ``m1.small`` of 1 vCPU and
2048 MB (a creation ``active``, as Nova writes it) unless ``payload`` says otherwise.
``payload`` adds fields (``state``, ``root_gb``, ``image_meta``) or replaces the defaults.
"""

from __future__ import annotations


def notification(
    event_type: str = "create.end",
    message_id: str = "n1",
    timestamp: str = "2026-03-02T08:00:00Z",
    **payload: object,
) -> dict[str, object]:
    """The notification ``compute.instance.<event_type>`` with ``payload`` over the defaults."""
    return {
        "event_type": f"compute.instance.{event_type}",
        "message_id": message_id,
        "timestamp": timestamp,
        "payload": {
            "tenant_id": "p-1",
            "instance_id": "vm-1",
            "instance_type": "m1.small",
            "vcpus": 1,
            "memory_mb": 2048,
            **({"state": "active"} if event_type == "create.end" else {}),
            **payload,
        },
    }
