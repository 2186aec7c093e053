"""Cloud Foundry usage events, read into [`Event`][ratekit.Event] records.

The Cloud Controller lists *app usage events* (``/v2/app_usage_events``,
``/v3/app_usage_events``) and *service usage events* (``/v2/service_usage_events``,
``/v3/service_usage_events``) in a guaranteed order. `app_usage_events()` and
`service_usage_events()` read either API version's shape, from one page
(``{"resources": [...]}``), a list of pages, or a list of events, and give one
[`Event`][ratekit.Event] per usage event:

========================  ==========  ==================================================
state                     kind        resource
========================  ==========  ==================================================
``STARTED``               ``start``   the process (v3 ``process.guid``, else the app)
``STOPPED``               ``stop``    the process
``TASK_STARTED``          ``start``   the task (``task.guid`` / ``task_guid``)
``TASK_STOPPED``          ``stop``    the task
``BUILDPACK_SET``         (skipped)   it records a staging, not a change of usage
``STAGING_STARTED``       ``start``   with ``staging=True`` (else skipped): the app's
                                      staging, ``"<app guid>/staging"``
``STAGING_STOPPED``       ``stop``    the app's staging (with ``staging=True``)
``WAS_RUNNING``           ``start``   the process: the backfill's baseline, a STARTED
``TASK_WAS_RUNNING``      ``start``   the task: the backfill's baseline, a STARTED
``CREATED``               ``start``   the service instance
``UPDATED``               ``update``  the service instance (a plan change)
``DELETED``               ``delete``  the service instance
========================  ==========  ==================================================

A START carries the description ``state``, ``memory_mb`` (``memory_in_mb_per_instance``,
in Cloud Foundry's MB: a MiB, so the ready meters read it as ``"MiB"``),
``instances`` (``instance_count``; for a task or a staging, which runs one container,
1 when the count is absent or null), and the names and guids of the app,
process, space, organization and buildpack when the event has them. ``app_guid`` and
``app_name`` name the app, in either shape: v2 names a process by ``app_guid`` and
``app_name`` and its app by ``parent_app_guid`` and ``parent_app_name``, which are read
as the app when present (as v3's ``app``); the process's guid is the resource (v3's
``process.guid``), so both shapes describe the same process alike. A START while the
process runs with other memory or instances is a scale (CF writes START after START);
one that changes nothing is a duplicate. The Cloud Controller's keep-running backfill
writes a ``WAS_RUNNING`` (``TASK_WAS_RUNNING``) baseline once per process (task) running
at its upgrade, stamped when it ran: it is read as a STARTED, as its API says, so it
starts a resource the feed has not started and is a ``"duplicate_start"`` of one it has.
A STOP carries only ``state``: the description
keeps the memory of the START before it. The ``previous_*`` values are not needed.

**Who pays** is the caller's choice: ``account="org"`` (the default: the organization
guid) or ``account="space"`` (the space guid).

**Identity and order.** ``id`` is the event's ``guid``, so a page delivered again gives
the same records and is a replay (a ``"duplicate"`` anomaly), never a conflict. The
feed's order is the truth, and its timestamps may disagree with it (the seed's START
stamped after its STOP); ``seq`` carries that order without depending on where a page
begins: it is the event's ``created_at`` in epoch microseconds, unless the feed lists
the event after an event of the same resource stamped at the same instant or later; it
then takes that event's ``seq`` plus one. So ``seq`` is a function of the event itself
(and, only for such an out-of-order or same-instant event, of the event of its resource
just before it in the feed): re-delivering a page, or starting the feed at another
page, gives every event the same ``seq``. An event whose ``guid`` was already read in
the same call takes its first reading's ``seq``. When reading the feed call by call,
pass the events read before as ``previous`` (those that may be delivered again, and the
last one of each resource): an event already read keeps its ``seq``, and a new one
follows the last event of its resource, so any cut of the feed into calls gives the
same records as one call. A page whose links say it lists the events newest first
(``order_by=-created_at``, ``order-direction=desc``) is refused: read so, every STOP
would come before its START.

Errors are [`BadRecordError`][ratekit.BadRecordError] naming the event's position in the input
and the field (``resources[3].entity.state``).

Examples:
    >>> import ratekit as rk
    >>> from ratekit.adapters import cloudfoundry
    >>> page = {"resources": [
    ...     {"metadata": {"guid": "e-1", "created_at": "2026-03-02T08:00:00Z"},
    ...      "entity": {"state": "STARTED", "app_guid": "app-1", "org_guid": "org-1",
    ...                 "space_guid": "space-1", "memory_in_mb_per_instance": 512,
    ...                 "instance_count": 2}},
    ...     {"metadata": {"guid": "e-2", "created_at": "2026-03-02T10:00:00Z"},
    ...      "entity": {"state": "STOPPED", "app_guid": "app-1", "org_guid": "org-1",
    ...                 "space_guid": "space-1", "memory_in_mb_per_instance": 512,
    ...                 "instance_count": 2}},
    ... ]}
    >>> events = cloudfoundry.app_usage_events(page)
    >>> events[0]
    Event('org-1', 'app-1', '2026-03-02T08:00:00Z', {'state': 'STARTED', 'memory_mb': 512, 'instances': 2, 'app_guid': 'app-1', 'space_guid': 'space-1', 'org_guid': 'org-1'}, kind='start', id='e-1', seq=1772438400000000)
    >>> usage = rk.meter(events, [cloudfoundry.APP_MEMORY], span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    ...                  cycle=None, as_of="2026-04-01T00:00:00Z")
    >>> usage.total()  # 512 MB x 2 instances x 2 h, in CF's MB (MiB)
    Decimal('2048')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal

import attrs

from ratekit._caller_objects import read_once
from ratekit._descriptions import plain_str
from ratekit._instants import format_us
from ratekit._values import switch
from ratekit.errors import BadRecordError, RatekitTypeError
from ratekit.policies import Continuous, Meter, OnOff
from ratekit.records import Event, EventKind

from . import _reading as r
from . import _rfc3339
from ._pagination import check_order

__all__ = [
    "APP_INSTANCE_HOURS",
    "APP_MEMORY",
    "APP_MEMORY_GB",
    "SERVICE_INSTANCE_HOURS",
    "app_usage_events",
    "service_usage_events",
]

AccountField = Literal["org", "space"]

#: The units of CF's level: MB per instance, times a count of instances. Cloud Foundry's
#: "MB" is a mebibyte (its "1G", in ``cf push -m 1G`` and in quotas, is 1024 MB), so the
#: level is read in MiB: a GB-hour price is a price per CF GB, 1024 MB, per hour.
_MEMORY_UNITS: Final = ("MiB", "count")

APP_MEMORY: Final = Meter(
    "cf.app.memory", "MiB*hour", Continuous(("memory_mb", "instances"), unit=_MEMORY_UNITS)
)
"""Memory reserved by running processes and tasks: MB per instance x instances x hours,
in Cloud Foundry's MB (a MiB, 2^20 bytes): the unit is ``"MiB*hour"``."""

APP_MEMORY_GB: Final = Meter(
    "cf.app.memory", "GiB*hour", Continuous(("memory_mb", "instances"), unit=_MEMORY_UNITS)
)
"""The same memory in Cloud Foundry's GB x hours: a GB is CF's "1G", 1024 MB (a GiB), so
the unit is ``"GiB*hour"`` and a 1G app running 744 h is 744 of them. For a price per
10^9-byte GB-hour, state the price entry's ``unit="GB*hour"``: it is converted exactly."""

APP_INSTANCE_HOURS: Final = Meter("cf.app.instances", "hour", Continuous("instances"))
"""Instance-hours of running processes and tasks: instances x hours."""

SERVICE_INSTANCE_HOURS: Final = Meter(
    "cf.service.instances",
    "hour",
    OnOff(when={"service_instance_type": "managed_service_instance"}),
)
"""Hours a managed service instance exists (user-provided instances are not counted);
price it per plan with a selector on ``service_plan``."""

_APP_STATES: Final[Mapping[str, EventKind | None]] = {
    "STARTED": "start",
    "STOPPED": "stop",
    "TASK_STARTED": "start",
    "TASK_STOPPED": "stop",
    "BUILDPACK_SET": None,
    "STAGING_STARTED": "start",
    "STAGING_STOPPED": "stop",
    "WAS_RUNNING": "start",
    "TASK_WAS_RUNNING": "start",
}
#: The baselines the Cloud Controller's backfill writes for what runs at its upgrade: a
#: STARTED (of a process, of a task) at their ``created_at``, as its API says to read them.
_BASELINES: Final = frozenset({"WAS_RUNNING", "TASK_WAS_RUNNING"})
_SERVICE_STATES: Final[Mapping[str, EventKind]] = {
    "CREATED": "start",
    "UPDATED": "update",
    "DELETED": "delete",
}
#: The types of service instance the Cloud Controller writes (`SERVICE_INSTANCE_HOURS`
#: selects the first): one garbled by case or blanks is refused, as it would match no selector.
_INSTANCE_TYPES: Final = ("managed_service_instance", "user_provided_service_instance")
_APP: Final = "Cloud Foundry app usage event"
_SERVICE: Final = "Cloud Foundry service usage event"


def _state(state: str, states: Mapping[str, object], position: r.Position, what: str) -> None:
    if state not in states:
        accepted = ", ".join(repr(name) for name in states)
        raise BadRecordError(f"{what} {position} is {r.show(state)}; expected one of {accepted}.")


def _instance_type(data: Mapping[str, object], key: str, position: r.Position) -> str | None:
    """A service instance's type (None when absent): any, but not a known one garbled."""
    written = r.optional_text(data, key, position, _SERVICE)
    if written is not None:
        r.not_garbled(written, _INSTANCE_TYPES, r.at(position, key), _SERVICE, "type", skip=False)
    return written


def _created_at(data: Mapping[str, object], position: r.Position, what: str, guid: str) -> int:
    """The event's ``created_at``: RFC 3339, as the Cloud Controller writes it.

    Its API writes ``YYYY-MM-DDThh:mm:ssZ``; ISO 8601's other forms (a ``,`` before a
    fraction, a space for ``T``, ``+hhmm``) are no Cloud Controller's, refused naming
    the event's guid.
    """
    _rfc3339.check(
        data,
        "created_at",
        position,
        what,
        record=f"event guid {r.show(guid)}",
        promise="the Cloud Controller writes it",
    )
    return r.instant(data, "created_at", position, what)


#: The fields every v3 usage event has at its top level, which a v2 one holds inside.
_V3_HEAD: Final = ("guid", "created_at", "state")


def _v2_head(
    item: Mapping[str, object], position: r.Position, what: str, states: Mapping[str, object]
) -> tuple[Mapping[str, object], r.Position, str, int, str]:
    """A v2 usage event's parts: its entity (and where), guid, creation instant and state.

    The guid and ``created_at`` are read from ``metadata``; the state must be one of
    ``states``.
    """
    both = [key for key in _V3_HEAD if key in item]
    if both:
        # a v3 event's own fields beside a v2 entity: reading either shape would drop
        # what the other says (its guid, state, memory), without a word
        raise BadRecordError(
            f"{what} {position or 'the input'} has both the v2 shape (metadata, entity) and "
            f"the v3 fields {', '.join(map(repr, both))}; an event is in one shape: give "
            "either its v2 metadata and entity or its v3 fields."
        )
    meta_at = r.at(position, "metadata")
    meta = r.mapping(item.get("metadata"), meta_at, what)
    where = r.at(position, "entity")
    entity = r.mapping(item["entity"], where, what)
    guid = r.text(meta, "guid", meta_at, what)
    at_us = _created_at(meta, meta_at, what, guid)
    state = r.text(entity, "state", where, what)
    _state(state, states, r.at(where, "state"), what)
    return entity, where, guid, at_us, state


def _account(choice: object) -> AccountField:
    plain = plain_str(choice) if isinstance(choice, str) else None
    if plain in {"org", "space"}:  # the caller's str subclass: its own __eq__ stays out
        return "org" if plain == "org" else "space"
    raise BadRecordError(f"account must be 'org' or 'space' (who pays), not {r.show(choice)}.")


class _Order:
    """The seq of each event: its instant, raised past the event of its resource before it."""

    def __init__(self, previous: object) -> None:
        self.last: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        if previous is None:  # nothing read before, as a first poll has it
            previous = ()
        if isinstance(previous, Event):
            previous = [previous]
        if not isinstance(previous, Iterable) or isinstance(previous, str | bytes | Mapping):
            raise RatekitTypeError(
                f"previous must be the events read before (a list of Event), not {r.show(previous)}."
            )
        read = read_once(
            previous,
            "previous",
            type(previous).__name__,
            "the events read before as a list of Event",
        )
        for event in read:
            if not isinstance(event, Event) or event.id is None or event.seq is None:
                raise RatekitTypeError(
                    "previous must hold the events this adapter read before (with their id "
                    f"and seq), not {r.show(event)}."
                )
            self.seen[event.id] = event.seq
            before = self.last.get(event.resource)
            if before is None or event.seq > before:
                self.last[event.resource] = event.seq

    def seq(self, guid: str, resource: str, at_us: int) -> int:
        known = self.seen.get(guid)
        if known is not None:
            return known
        before = self.last.get(resource)
        seq = at_us if before is None or at_us > before else before + 1
        self.last[resource] = seq
        self.seen[guid] = seq
        return seq


def _nested(data: Mapping[str, object], key: str, position: r.Position) -> Mapping[str, object]:
    """``data[key]`` as an object; an absent or null one reads as empty."""
    value = data.get(key)
    if value is None:
        return {}
    return r.mapping(value, r.at(position, key), _APP)


def _put(attributes: dict[str, object], name: str, value: str | None) -> None:
    if value is not None:
        attributes[name] = value


@attrs.frozen
class _AppFields:
    """What an app usage event says, whatever its API version's shape."""

    guid: str
    at_us: int
    state: str
    where: r.Position
    names: dict[str, str | None]
    process_guid: str | None
    memory: tuple[Mapping[str, object], str, r.Position]
    count: tuple[Mapping[str, object], str, r.Position]
    v2: bool


def _read_v2(item: Mapping[str, object], position: r.Position) -> _AppFields:
    entity, where, guid, at_us, state = _v2_head(item, position, _APP, _APP_STATES)

    def name(key: str) -> str | None:
        return r.optional_text(entity, key, where, _APP)

    names = {
        "app_guid": name("app_guid"),
        "app_name": name("app_name"),
        "process_type": name("process_type"),
        "task_guid": name("task_guid"),
        "task_name": name("task_name"),
        "space_guid": r.text(entity, "space_guid", where, _APP),
        "space_name": name("space_name"),
        "org_guid": r.text(entity, "org_guid", where, _APP),
        "buildpack_name": name("buildpack_name"),
    }
    # v2 names a process by app_guid/app_name and its app by parent_app_guid/_name (v3's
    # process.guid and app.guid/name): the process is the resource, the app is the app.
    process_guid = names["app_guid"]
    parent = name("parent_app_guid")
    if parent is not None:
        names["app_guid"] = parent
        names["app_name"] = name("parent_app_name")
    return _AppFields(
        guid,
        at_us,
        state,
        where,
        names,
        process_guid,
        (entity, "memory_in_mb_per_instance", where),
        (entity, "instance_count", where),
        v2=True,
    )


def _read_v3(item: Mapping[str, object], position: r.Position) -> _AppFields:
    guid = r.text(item, "guid", position, _APP)
    at_us = _created_at(item, position, _APP, guid)
    state_at = r.at(position, "state")
    state = r.text(r.mapping(item.get("state"), state_at, _APP), "current", state_at, _APP)
    _state(state, _APP_STATES, r.at(state_at, "current"), _APP)

    def name(part: str, key: str) -> str | None:
        return r.optional_text(_nested(item, part, position), key, r.at(position, part), _APP)

    def required(part: str, key: str) -> str:
        return r.text(_nested(item, part, position), key, r.at(position, part), _APP)

    names = {
        "app_guid": name("app", "guid"),
        "app_name": name("app", "name"),
        "process_type": name("process", "type"),
        "task_guid": name("task", "guid"),
        "task_name": name("task", "name"),
        "space_guid": required("space", "guid"),
        "space_name": name("space", "name"),
        "org_guid": required("organization", "guid"),
        "buildpack_name": name("buildpack", "name"),
    }
    return _AppFields(
        guid,
        at_us,
        state,
        position,
        names,
        name("process", "guid") or names["app_guid"],
        (
            _nested(item, "memory_in_mb_per_instance", position),
            "current",
            r.at(position, "memory_in_mb_per_instance"),
        ),
        (_nested(item, "instance_count", position), "current", r.at(position, "instance_count")),
        v2=False,
    )


def _app_event(
    item: Mapping[str, object],
    position: r.Position,
    account: AccountField,
    order: _Order,
    staging: bool,
) -> Event | None:
    fields = _read_v2(item, position) if "entity" in item else _read_v3(item, position)
    state = fields.state
    kind = _APP_STATES[state]
    if kind is None or (state.startswith("STAGING_") and not staging):
        return None
    task = state.startswith(("TASK_", "STAGING_"))
    if state.startswith("STAGING_"):
        # a staging names no build: it is the app's staging, one at a time
        app = fields.names["app_guid"]
        resource = None if app is None else f"{app}/staging"
        missing = "parent_app_guid" if fields.v2 else "app.guid"
        fields.names["process_type"] = "staging"
    elif task:
        resource = fields.names["task_guid"]
        missing = "task_guid" if fields.v2 else "task.guid"
    else:
        resource = fields.process_guid
        missing = "app_guid" if fields.v2 else "process.guid or app.guid"
    if resource is None:
        raise BadRecordError(
            f"{_APP} {fields.where} has no {missing}: a {state} event must name what ran."
        )
    shown = "STARTED" if state in _BASELINES else state
    attributes: dict[str, object] = {"state": shown.removeprefix("TASK_").removeprefix("STAGING_")}
    if kind == "start":
        attributes["memory_mb"] = r.count(*fields.memory, _APP)
        holder, key, where = fields.count
        # a task (or staging) runs one container: the Cloud Controller writes its memory
        # and no count of its own (1, null or none, by version and shape)
        attributes["instances"] = (
            1 if task and holder.get(key) is None else r.count(holder, key, where, _APP)
        )
        for name, value in fields.names.items():
            _put(attributes, name, value)
    payer = fields.names["org_guid"] if account == "org" else fields.names["space_guid"]
    assert payer is not None  # read with r.text
    seq = order.seq(fields.guid, resource, fields.at_us)
    at = format_us(fields.at_us)
    return r.build(
        position,
        lambda: Event(payer, resource, at, attributes, kind=kind, id=fields.guid, seq=seq),
    )


def app_usage_events(
    feed: object,
    *,
    account: AccountField = "org",
    previous: Iterable[Event] | None = (),
    staging: bool = False,
) -> list[Event]:
    """Cloud Foundry app usage events (v2 or v3 shape) as events, in the feed's order.

    ``feed`` is one page (``{"resources": [...]}``), a list of pages, or a list of
    events (or any iterable of pages or events, read once); the two shapes may be mixed. ``account`` chooses who pays: ``"org"`` or
    ``"space"``. ``previous`` are the events read before, by earlier calls: their ``seq``
    is kept and continued (``None`` or nothing: none were read). ``BUILDPACK_SET`` events are skipped, and so are
    ``STAGING_STARTED``/``STAGING_STOPPED`` unless ``staging`` is true: then each staging
    is a resource of its own (``"<app guid>/staging"``, ``process_type`` ``"staging"``,
    its staging memory x 1 instance). See `ratekit.adapters.cloudfoundry`
    for the mapping, ``id`` and ``seq``. Errors: [`BadRecordError`][ratekit.BadRecordError] naming
    the position and field. Cost: O(n).

    Examples:
        >>> from ratekit.adapters import cloudfoundry
        >>> event = {"guid": "e-9", "created_at": "2026-03-02T08:00:00Z",
        ...          "state": {"current": "STARTED", "previous": "STOPPED"},
        ...          "app": {"guid": "app-1", "name": "shop"}, "process": {"guid": "proc-1", "type": "web"},
        ...          "space": {"guid": "space-1", "name": "prod"}, "organization": {"guid": "org-1"},
        ...          "memory_in_mb_per_instance": {"current": 1024, "previous": 512},
        ...          "instance_count": {"current": 3, "previous": 3}}
        >>> (start,) = cloudfoundry.app_usage_events([event], account="space")
        >>> start.account, start.resource, start.attributes["memory_mb"], start.attributes["instances"]
        ('space-1', 'proc-1', 1024, 3)
        >>> cloudfoundry.app_usage_events([{**event, "state": {"current": "RUNNING"}}])
        Traceback (most recent call last):
        ...
        ratekit.BadRecordError: Cloud Foundry app usage event [0].state.current is 'RUNNING'; expected one of 'STARTED', 'STOPPED', 'TASK_STARTED', 'TASK_STOPPED', 'BUILDPACK_SET', 'STAGING_STARTED', 'STAGING_STOPPED', 'WAS_RUNNING', 'TASK_WAS_RUNNING'.
    """
    staging = switch(staging, "cloudfoundry.app_usage_events staging")
    payer = _account(account)
    order = _Order(previous)
    events: list[Event] = []
    for position, item in r.entries(feed, "", _APP, page_key="resources", check=check_order):
        event = _app_event(item, position, payer, order, staging)
        if event is not None:
            events.append(event)
    return events


def _service_event(
    item: Mapping[str, object], position: r.Position, account: AccountField, order: _Order
) -> Event:
    if "entity" in item:
        entity, at_, guid, at_us, state = _v2_head(item, position, _SERVICE, _SERVICE_STATES)
        resource = r.text(entity, "service_instance_guid", at_, _SERVICE)
        names = {
            "service_instance_name": r.optional_text(
                entity, "service_instance_name", at_, _SERVICE
            ),
            "service_instance_type": _instance_type(entity, "service_instance_type", at_),
            "service_plan": r.optional_text(entity, "service_plan_name", at_, _SERVICE),
            "service_plan_guid": r.optional_text(entity, "service_plan_guid", at_, _SERVICE),
            "service": r.optional_text(entity, "service_label", at_, _SERVICE),
            "service_broker_name": r.optional_text(entity, "service_broker_name", at_, _SERVICE),
            "space_guid": r.text(entity, "space_guid", at_, _SERVICE),
            "space_name": r.optional_text(entity, "space_name", at_, _SERVICE),
            "org_guid": r.text(entity, "org_guid", at_, _SERVICE),
        }
    else:

        def part(key: str) -> tuple[Mapping[str, object], r.Position]:
            value = item.get(key)
            where = r.at(position, key)
            return ({} if value is None else r.mapping(value, where, _SERVICE)), where

        guid = r.text(item, "guid", position, _SERVICE)
        at_us = _created_at(item, position, _SERVICE, guid)
        state = r.text(item, "state", position, _SERVICE)
        _state(state, _SERVICE_STATES, r.at(position, "state"), _SERVICE)
        instance, instance_at = part("service_instance")
        plan, plan_at = part("service_plan")
        offering, offering_at = part("service_offering")
        broker, broker_at = part("service_broker")
        space, space_at = part("space")
        organization, organization_at = part("organization")
        resource = r.text(instance, "guid", instance_at, _SERVICE)
        names = {
            "service_instance_name": r.optional_text(instance, "name", instance_at, _SERVICE),
            "service_instance_type": _instance_type(instance, "type", instance_at),
            "service_plan": r.optional_text(plan, "name", plan_at, _SERVICE),
            "service_plan_guid": r.optional_text(plan, "guid", plan_at, _SERVICE),
            "service": r.optional_text(offering, "name", offering_at, _SERVICE),
            "service_broker_name": r.optional_text(broker, "name", broker_at, _SERVICE),
            "space_guid": r.text(space, "guid", space_at, _SERVICE),
            "space_name": r.optional_text(space, "name", space_at, _SERVICE),
            "org_guid": r.text(organization, "guid", organization_at, _SERVICE),
        }
    kind = _SERVICE_STATES[state]
    attributes: dict[str, object] = {"state": state}
    if kind != "delete":
        for name, value in names.items():
            _put(attributes, name, value)
    payer = names["org_guid"] if account == "org" else names["space_guid"]
    assert payer is not None  # read with r.text above
    seq = order.seq(guid, resource, at_us)
    return r.build(
        position,
        lambda: Event(payer, resource, format_us(at_us), attributes, kind=kind, id=guid, seq=seq),
    )


def service_usage_events(
    feed: object, *, account: AccountField = "org", previous: Iterable[Event] | None = ()
) -> list[Event]:
    """Cloud Foundry service usage events (v2 or v3 shape) as events, in the feed's order.

    ``CREATED`` starts the service instance, ``UPDATED`` updates its description (a plan
    change), ``DELETED`` deletes it. The description carries ``state``,
    ``service_plan`` (and its guid), ``service`` (the v2 label or v3 offering name),
    ``service_instance_name``, ``service_instance_type``, the broker, space and
    organization; a ``service_instance_type`` that is ``"managed_service_instance"`` or
    ``"user_provided_service_instance"`` garbled by case or blanks is refused, since
    `SERVICE_INSTANCE_HOURS` would not select it. ``id`` and ``seq`` as for
    `app_usage_events()`. Cost: O(n).

    Examples:
        >>> from ratekit.adapters import cloudfoundry
        >>> created = {"guid": "s-1", "created_at": "2026-03-01T00:00:00Z", "state": "CREATED",
        ...            "service_instance": {"guid": "db-1", "name": "orders", "type": "managed_service_instance"},
        ...            "service_plan": {"guid": "plan-9", "name": "small"},
        ...            "service_offering": {"guid": "off-1", "name": "postgres"},
        ...            "space": {"guid": "space-1", "name": "prod"}, "organization": {"guid": "org-1"}}
        >>> (event,) = cloudfoundry.service_usage_events({"resources": [created]})
        >>> event.kind, event.resource, event.attributes["service_plan"], event.attributes["service"]
        ('start', 'db-1', 'small', 'postgres')
    """
    payer = _account(account)
    order = _Order(previous)
    return [
        _service_event(item, position, payer, order)
        for position, item in r.entries(feed, "", _SERVICE, page_key="resources", check=check_order)
    ]
