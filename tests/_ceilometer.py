"""A Ceilometer sample of a cumulative CPU counter, as Ceilometer's API lists it.

The tests of the Ceilometer reading (``ceilometer.samples``) build their readings from
this one shape: counter ``cpu`` in ns of instance ``vm-1`` of project ``p-1``, read at
``at`` (naive UTC); ``fields`` add fields (``resource_metadata``) or replace the others.
"""

from __future__ import annotations


def cpu(message_id: str, at: str, volume: int, **fields: object) -> dict[str, object]:
    """The reading ``volume`` (ns) of ``vm-1``'s CPU counter at ``at``, with ``fields``."""
    return {
        "message_id": message_id,
        "counter_name": "cpu",
        "counter_type": "cumulative",
        "counter_unit": "ns",
        "counter_volume": volume,
        "project_id": "p-1",
        "resource_id": "vm-1",
        "user_id": "u-1",
        "timestamp": at,
        "source": "openstack",
        **fields,
    }
