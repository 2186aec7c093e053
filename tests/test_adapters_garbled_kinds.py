"""A field that names a kind, a type or an entity is refused when it is a known one garbled.

Before, an Exoscale event's ``entity`` ``"VM"`` was read as it came: no selector matched
it (`INSTANCE_HOURS` selects ``"vm"``), the instance ran unbilled, and a rater listed the
event in ``no_effect`` as changing nothing. A Cloud Foundry ``service_instance_type``
garbled alike (``"Managed_Service_Instance"``) left a managed instance out of
`SERVICE_INSTANCE_HOURS`. Both now go through the rule the adapters keep for the names
they skip (`_reading.not_garbled`): a known name but for its case or the blanks around
it is refused, naming the field and the name it resembles. Any other name is read (an
entity or a type the adapter does not know is no garbled one). The five adapters'
other such fields were checked: Borel's ``resource`` and Ceilometer's ``counter_name``
go through it as meter names, Nova's ``event_type`` and CloudEvents' ``type`` as types,
and the words of a closed set (Exoscale's ``type`` and ``action``, Ceilometer's
``counter_type``, Cloud Foundry's states) are refused unless exact.
"""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit.adapters import cloudfoundry as cf
from ratekit.adapters import exoscale

MAY = rk.Span("2017-05-01T00:00:00Z", "2017-06-01T00:00:00Z")


def exoscale_feed(entity: str, action: str = "start") -> list[dict[str, object]]:
    return [
        {"type": "usage", "entity": entity, "action": action, "time": "2017-05-12T12:00:00Z",
         "account": "WAD", "uuid": "foo", "version": 1, "offering": "large"},
        {"type": "usage", "entity": entity, "action": "stop", "time": "2017-05-12T12:15:00Z",
         "account": "WAD", "uuid": "foo", "version": 2},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("entity", "shown", "known"),
    [("VM", "'VM'", "vm"), (" vm", "' vm'", "vm"), (":VM", "'VM'", "vm"), ("Volume", "'Volume'", "volume")],
)  # fmt: skip
@pytest.mark.parametrize("action", ["create", "start"])
def test_an_exoscale_entity_garbled_is_refused(
    entity: str, shown: str, known: str, action: str
) -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events(exoscale_feed(entity, action))
    assert str(caught.value) == (
        f"Exoscale usage event [0].entity is {shown}, which is entity '{known}' but for its "
        f"case or the blanks around it; write '{known}' (a meter selects '{known}' as "
        "written, and would bill this record under none)."
    )


def test_a_stop_carries_no_entity_yet_a_garbled_one_is_refused_there_too() -> None:
    # the stop's entity is not kept, but a feed that garbles it garbles its starts alike
    feed = [{**exoscale_feed("vm")[1], "entity": "VM"}]
    with pytest.raises(rk.BadRecordError, match=r"^Exoscale usage event \[0\]\.entity is 'VM'"):
        exoscale.usage_events(feed)


def test_the_entity_as_written_is_billed_and_any_other_entity_is_read() -> None:
    # 'vm' from 12:00 to 12:15 is a quarter of an hour
    events = exoscale.usage_events(exoscale_feed("vm"))
    usage = rk.meter(events, [exoscale.INSTANCE_HOURS], span=MAY, cycle=None, as_of=MAY.end)
    assert str(usage.total()) == "0.25"
    # an entity the adapter does not know, in any case, is read as written
    for other in ("snapshot", "Snapshot", "vms"):
        (start, _) = exoscale.usage_events(exoscale_feed(other))
        assert start.attributes["entity"] == other


def service_event(instance_type: str) -> dict[str, object]:
    return {
        "guid": "s-1",
        "created_at": "2026-03-01T00:00:00Z",
        "state": "CREATED",
        "service_instance": {"guid": "db-1", "name": "orders", "type": instance_type},
        "service_plan": {"guid": "plan-9", "name": "small"},
        "service_offering": {"guid": "off-1", "name": "postgres"},
        "space": {"guid": "space-1", "name": "prod"},
        "organization": {"guid": "org-1"},
    }


V2_ENTITY = {
    "state": "CREATED",
    "org_guid": "org-1",
    "space_guid": "space-1",
    "service_instance_guid": "db-1",
    "service_instance_name": "orders",
    "service_plan_guid": "plan-1",
    "service_plan_name": "small",
    "service_guid": "svc-1",
    "service_label": "postgres",
}


@pytest.mark.parametrize(
    ("written", "known"),
    [
        ("Managed_Service_Instance", "managed_service_instance"),
        ("managed_service_instance ", "managed_service_instance"),
        ("USER_PROVIDED_SERVICE_INSTANCE", "user_provided_service_instance"),
    ],
)
def test_a_cloud_foundry_service_instance_type_garbled_is_refused_in_both_shapes(
    written: str, known: str
) -> None:
    why = f"a meter selects '{known}' as written, and would bill this record under none"
    with pytest.raises(rk.BadRecordError) as caught:
        cf.service_usage_events({"resources": [service_event(written)]})
    assert str(caught.value) == (
        f"Cloud Foundry service usage event resources[0].service_instance.type is "
        f"{written!r}, which is type '{known}' but for its case or the blanks around it; "
        f"write '{known}' ({why})."
    )
    v2 = {
        "metadata": {"guid": "s-1", "created_at": "2026-03-03T00:00:00Z"},
        "entity": {**V2_ENTITY, "service_instance_type": written},
    }
    with pytest.raises(rk.BadRecordError) as caught:
        cf.service_usage_events({"resources": [v2]})
    assert str(caught.value) == (
        f"Cloud Foundry service usage event resources[0].entity.service_instance_type is "
        f"{written!r}, which is type '{known}' but for its case or the blanks around it; "
        f"write '{known}' ({why})."
    )


def test_a_cloud_foundry_service_instance_type_as_written_or_another_is_read() -> None:
    for written in ("managed_service_instance", "user_provided_service_instance", "other"):
        (event,) = cf.service_usage_events({"resources": [service_event(written)]})
        assert event.attributes["service_instance_type"] == written
    # a managed instance for a whole March day is 24 instance-hours
    (event,) = cf.service_usage_events({"resources": [service_event("managed_service_instance")]})
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    usage = rk.meter([event], [cf.SERVICE_INSTANCE_HOURS], span=day, cycle=None, as_of=day.end)
    assert str(usage.total()) == "24"
