"""Nova's instance notifications (``compute.instance.*``), read into events.

`ratekit.adapters.ceilometer.instance_notifications` is this module's
`instance_notifications`: the public name stays in `ratekit.adapters.ceilometer`, whose
docstring holds the mapping of event types, and the code lives here, apart from the
reading of Ceilometer's samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from ratekit._instants import format_us
from ratekit._values import switch
from ratekit.errors import BadRecordError
from ratekit.records import Event, EventKind

from . import _reading as r
from ._describe import description
from ._states import NOVA_VM_STATES, VM_STATES_ACCEPTED, nova_state

__all__ = ["instance_notifications"]

_EVENTS: Final[Mapping[str, EventKind]] = {
    "create.end": "start",
    # Every other step is an update: the instance exists from create.end to delete.end, and
    # the payload's vm_state says whether it runs. A "stop" would close it, and Nova runs a
    # stopped instance again by steps that are not a power_on (a reboot, a rescue, an
    # unshelve), which an update after a stop could not reopen.
    "power_on.end": "update",
    "unpause.end": "update",
    "resume.end": "update",
    "create.error": "update",
    "finish_resize.end": "update",
    "resize.confirm.end": "update",
    "resize.revert.end": "update",
    "rebuild.end": "update",
    "exists": "update",
    "update": "update",
    # lifecycle changes that leave the instance in place: the payload's state says whether
    # it runs (a shelved_offloaded or soft-deleted instance is not active)
    "reboot.end": "update",
    "rescue.end": "update",
    "unrescue.end": "update",
    "shelve.end": "update",
    "shelve_offload.end": "update",
    "unshelve.end": "update",
    "soft_delete.end": "update",
    "restore.end": "update",
    "snapshot.end": "update",
    "live_migration._post.end": "update",
    "live_migration.post.dest.end": "update",
    "volume.attach": "update",
    "volume.detach": "update",
    "power_off.end": "update",
    "shutdown.end": "update",
    "suspend.end": "update",
    "pause.end": "update",
    "delete.end": "delete",
}
#: Types that announce or record a step which changes nothing billed (the ``.end`` of a
#: step inside a resize or a migration, an address or interface added): skipped, as
#: every ``*.start`` is.
_SKIPPED: Final = frozenset(
    {
        "resize.prep.end",
        "resize.end",
        "create_ip.end",
        "delete_ip.end",
        "live_migration.pre.end",
        "live_migration._rollback.end",
        "live_migration.rollback.dest.end",
        "live_migration.abort.end",
        "volume.swap.end",
        "trigger_crash_dump.end",
        "rebuild.scheduled",
        "evacuate",
        "interface_attach",
        "interface_detach",
    }
)
_RENAMED: Final = {"instance_type": "flavor"}
#: Payload sizes read as whole numbers >= 0: the levels that the ready meters integrate.
_SIZES: Final = ("vcpus", "memory_mb", "disk_gb", "root_gb", "ephemeral_gb")
#: Payload fields that identify the record or change with every notification, not the instance.
_BOOKKEEPING: Final = frozenset(
    {
        "tenant_id",
        "instance_id",
        "audit_period_beginning",
        "audit_period_ending",
        "bandwidth",
        "progress",
        "state_description",
        "old_state",
        "old_task_state",
        "new_task_state",
        "deleted_at",
        "terminated_at",
    }
)
_VERSIONED: Final = (
    " Nova's versioned notifications (instance.*, with a nova_object payload) are not read: "
    "have Nova emit the unversioned ones too (notification_format = both)."
)
_NOTIFICATION: Final = "Nova notification"


def _check_sizes(
    payload: Mapping[str, object], where: r.Position, attributes: dict[str, object]
) -> None:
    """The flavor is a name and the sizes are whole numbers >= 0, wherever the payload has them.

    A vCPU count of -1 or a memory of ``"lots"`` would otherwise be metered into a negative
    or failing level long after the feed was read, far from its position.
    """
    if payload.get("instance_type") is not None:
        attributes["flavor"] = r.text(payload, "instance_type", where, _NOTIFICATION)
    if payload.get("state") is not None:
        # the vm_state the ready meters read: a word in another case (or a libvirt power
        # state) would leave a running instance unbilled, without a word
        written = r.text(payload, "state", where, _NOTIFICATION)
        attributes.update(nova_state({"state": written}))
        if attributes["state"] not in NOVA_VM_STATES:
            # a word no vm_state reads as (' active', 'actve') would bill a running
            # instance as not running, without a word: refused at its field
            raise BadRecordError(
                f"{_NOTIFICATION} {r.at(where, 'state')} is {r.show(written)}, {VM_STATES_ACCEPTED}"
            )
    for key in _SIZES:
        if payload.get(key) is not None:
            attributes[key] = r.count(payload, key, where, _NOTIFICATION)


def _notification(
    item: Mapping[str, object], position: r.Position, skip: bool, naive_utc: bool
) -> Event | None:
    if "event_type" not in item and "oslo.message" in item:
        raise BadRecordError(
            f"{_NOTIFICATION} {position or 'the input'} is an oslo.messaging envelope; read "
            f"the notification inside it first (json.loads of its 'oslo.message')."
        )
    event_type = r.text(item, "event_type", position, _NOTIFICATION)
    action = event_type.removeprefix("compute.instance.")
    kind = _EVENTS.get(action) if action != event_type else None
    if kind is None:
        if skip:
            known = (f"compute.instance.{name}" for name in _EVENTS)
            r.not_garbled(event_type, known, r.at(position, "event_type"), _NOTIFICATION, "type")
        if skip or (action != event_type and (action.endswith(".start") or action in _SKIPPED)):
            return None
        raise BadRecordError(
            f"{_NOTIFICATION} {r.at(position, 'event_type')} is {r.show(event_type)}; the instance "
            "notifications read are compute.instance." + ", .".join(_EVENTS) + " (and "
            "*.start, ."
            + ", .".join(sorted(_SKIPPED))
            + ", skipped), or pass unknown='skip'."
            + (_VERSIONED if event_type.startswith("instance.") else "")
        )
    record_id = r.text(item, "message_id", position, _NOTIFICATION)
    at_us = r.instant(item, "timestamp", position, _NOTIFICATION, naive_utc=naive_utc)
    at = format_us(at_us)
    seq = at_us * _STEPS + _step(action, kind)
    payload_at = r.at(position, "payload")
    payload = r.mapping(item.get("payload"), payload_at, _NOTIFICATION)
    account = r.text(payload, "tenant_id", payload_at, _NOTIFICATION)
    resource = r.text(payload, "instance_id", payload_at, _NOTIFICATION)
    attributes: dict[str, object] = {}
    if kind != "delete":
        flavor, named = payload.get("flavor"), payload.get("instance_type")
        if flavor is not None and named is not None and not r.one_value(flavor, named):
            # instance_type is read as the flavor: a payload's own flavor beside it would be
            # dropped without a word, and the instance priced by one of the two
            raise BadRecordError(
                f"{_NOTIFICATION} {payload_at} gives the flavor twice, "
                f"{r.show(named)} as 'instance_type' and {r.show(flavor)} as 'flavor'; Nova's "
                "legacy notifications name "
                "it by instance_type: give that one."
            )
        attributes = {
            _RENAMED.get(key, key): value
            for key, value in r.attributes(
                description(payload, payload_at, _NOTIFICATION), payload_at, _NOTIFICATION
            ).items()
            if key not in _BOOKKEEPING
        }
        _check_sizes(payload, payload_at, attributes)
        for required in ("flavor", "vcpus", "memory_mb") if kind == "start" else ():
            if required not in attributes:
                source = "instance_type" if required == "flavor" else required
                raise BadRecordError(
                    f"{_NOTIFICATION} {r.at(payload_at, source)} is missing; a {action} "
                    "notification must describe the instance (flavor, vCPUs, memory)."
                )
        if kind == "start" and "state" not in attributes:
            # the ready meters would read the instance as not running, and bill none of
            # its hours without a word (Nova's create.end always carries its vm_state)
            raise BadRecordError(
                f"{_NOTIFICATION} {r.at(payload_at, 'state')} is missing; a {action} "
                "notification must give the instance's vm_state ('active' once it runs, as "
                "Nova writes it), which the ready meters read to bill its hours."
            )
    return r.build(
        position,
        lambda: Event(account, resource, at, attributes, kind=kind, id=record_id, seq=seq),
    )


#: Nova's notifications of one instance at one instant, in the order Nova writes them: the
#: creation, the ``update`` and ``exists`` notifications written while a step runs, the
#: step's own ``.end`` (which carries the state it leaves), the deletion. Every step but
#: the creation and the deletion is an update, so without this order an ``update``
#: written during a power-off, stamped at the instant of its ``power_off.end``, could
#: come after it (by message_id) and leave the instance running.
_STEPS: Final = 4


def _step(action: str, kind: EventKind) -> int:
    if kind == "start":
        return 0
    if kind == "delete":
        return 3
    return 1 if action in {"update", "exists"} else 2


def instance_notifications(
    feed: object, *, unknown: Literal["error", "skip"] = "error", naive_utc: bool = False
) -> list[Event]:
    """Nova ``compute.instance.*`` notifications as events, in the feed's order.

    See `ratekit.adapters.ceilometer` for the mapping of event types. A notification
    that starts an instance must carry ``instance_type``, ``vcpus`` and ``memory_mb``.
    Each event's ``seq`` is its ``timestamp`` in microseconds x 4 plus its place among
    the notifications Nova writes for one instance at one instant (the creation, then
    ``update`` and ``exists``, then the other steps, then the deletion), so notifications
    stamped at one instant apply in Nova's order, not by their message ids.
    Errors: [`BadRecordError`][ratekit.BadRecordError] naming the position and field. Cost: O(n).

    Examples:
        >>> from ratekit.adapters import ceilometer
        >>> created = {"event_type": "compute.instance.create.end", "message_id": "n-1",
        ...            "timestamp": "2026-03-02 08:00:00.000000", "publisher_id": "compute.host-1",
        ...            "payload": {"tenant_id": "p-1", "instance_id": "vm-1", "instance_type": "m1.small",
        ...                        "vcpus": 1, "memory_mb": 2048, "state": "active",
        ...                        "image_meta": {"base_image_ref": "img-9"}}}
        >>> ceilometer.instance_notifications([created], naive_utc=True)
        [Event('p-1', 'vm-1', '2026-03-02T08:00:00Z', {'flavor': 'm1.small', 'vcpus': 1, 'memory_mb': 2048, 'state': 'active', 'image_meta': {'base_image_ref': 'img-9'}}, kind='start', id='n-1', seq=7089753600000000)]
    """
    skip = r.skipping(unknown, "unknown")
    naive_utc = switch(naive_utc, "ceilometer.instance_notifications naive_utc")
    return r.collect(
        feed,
        _NOTIFICATION,
        lambda item, position: _notification(item, position, skip, naive_utc),
    )
