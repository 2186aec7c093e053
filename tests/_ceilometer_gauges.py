"""A Ceilometer gauge sample of one VM's memory on 2 March, with the metadata given."""

from __future__ import annotations


def gauge(
    message_id: str, hour: int, metadata: dict[str, object], resource: str = "vm-1"
) -> dict[str, object]:
    """The sample ``message_id`` at ``hour``:00 UTC: 512 MB of ``resource`` of project ``p-1``."""
    return {
        "message_id": message_id,
        "counter_name": "memory.usage",
        "counter_type": "gauge",
        "counter_unit": "MB",
        "counter_volume": 512,
        "project_id": "p-1",
        "resource_id": resource,
        "timestamp": f"2026-03-02T{hour:02}:00:00Z",
        "resource_metadata": metadata,
    }
