"""A Cloud Foundry usage event in both shapes at once (v2's metadata and entity, and v3's
top-level fields) is refused, not read as one of them.

An event holding a v2 ``entity`` of 4096 MB x 3 instances and v3 fields of 512 MB x 1
(guid ``e3``) was read as the v2 event alone: the v3 guid, state and memory were
dropped without a word, and the run was billed at 4096 x 3 = 12288 MiB per hour, with
nothing to say that the event also said 512 x 1.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit.adapters import cloudfoundry

V3 = {
    "guid": "e3",
    "created_at": "2026-03-02T08:00:00Z",
    "updated_at": "2026-03-02T08:00:00Z",
    "state": {"current": "STARTED", "previous": None},
    "app": {"guid": "app-1", "name": "shop"},
    "process": {"guid": "app-1", "type": "web"},
    "space": {"guid": "space-1", "name": "prod"},
    "organization": {"guid": "org-1"},
    "memory_in_mb_per_instance": {"current": 512, "previous": None},
    "instance_count": {"current": 1, "previous": None},
}
V2 = {
    "metadata": {"guid": "e2", "created_at": "2026-03-02T08:00:00Z"},
    "entity": {
        "state": "STARTED",
        "org_guid": "org-1",
        "space_guid": "space-1",
        "space_name": "prod",
        "app_guid": "app-1",
        "app_name": "shop",
        "instance_count": 3,
        "memory_in_mb_per_instance": 4096,
        "process_type": "web",
    },
}


def test_an_app_event_in_both_shapes_is_refused() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        cloudfoundry.app_usage_events({"resources": [{**V3, **V2}]})
    assert str(raised.value) == (
        "Cloud Foundry app usage event resources[0] has both the v2 shape (metadata, entity) "
        "and the v3 fields 'guid', 'created_at', 'state'; an event is in one shape: give either "
        "its v2 metadata and entity or its v3 fields."
    )


def test_a_service_event_in_both_shapes_is_refused() -> None:
    event = {
        "metadata": {"guid": "s1", "created_at": "2026-03-02T08:00:00Z"},
        "entity": {"state": "CREATED"},
        "state": "CREATED",
    }
    with pytest.raises(rk.BadRecordError) as raised:
        cloudfoundry.service_usage_events({"resources": [event]})
    assert str(raised.value) == (
        "Cloud Foundry service usage event resources[0] has both the v2 shape (metadata, "
        "entity) and the v3 fields 'state'; an event is in one shape: give either its v2 "
        "metadata and entity or its v3 fields."
    )


def test_each_shape_alone_is_read() -> None:
    (v2,) = cloudfoundry.app_usage_events({"resources": [V2]})
    (v3,) = cloudfoundry.app_usage_events({"resources": [V3]})
    # 4096 MiB x 3 instances and 512 MiB x 1: each event says its own
    assert (v2.id, v2.attributes["memory_mb"], v2.attributes["instances"]) == ("e2", 4096, 3)
    assert (v3.id, v3.attributes["memory_mb"], v3.attributes["instances"]) == ("e3", 512, 1)


@settings(max_examples=LAWS)
@given(keys=st.sets(st.sampled_from(sorted(V3))))
def test_law_v3_fields_beside_a_v2_entity_are_refused_unless_none_of_the_head(
    keys: set[str],
) -> None:
    # Oracle: a v2 event with some of a v3 event's fields beside it is refused exactly
    # when it has one of the fields every v3 event has (guid, created_at, state); the
    # others (app, space, ...) are not read in the v2 shape and leave its event as it is.
    event = {**{key: V3[key] for key in keys}, **V2}
    head = [key for key in ("guid", "created_at", "state") if key in keys]
    if head:
        with pytest.raises(rk.BadRecordError, match=r"has both the v2 shape"):
            cloudfoundry.app_usage_events({"resources": [event]})
        return
    assert cloudfoundry.app_usage_events({"resources": [event]}) == (
        cloudfoundry.app_usage_events({"resources": [V2]})
    )
