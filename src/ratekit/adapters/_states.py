"""The state words of OpenStack's resources: Nova's instances and Cinder's volumes.

The ready meters bill an instance by its ``state``, Nova's vm_state (``RUNNING_STATES``);
a condition of your own may read a volume's ``status`` (``in-use``). A word that none of
these services writes (``" active"``, ``"ACTIVEE"``, ``"in use"``) would make no
condition true: the resource would stop being billed, without a word. So the words are
checked where the feeds give them, and one that its service does not use is refused.

Nova's notifications give the vm_state (`nova_state` reads it); Ceilometer's
``resource_metadata`` gives an instance's ``state`` and ``status`` and a volume's
``status`` (`known_states` checks them).

Which resource a Ceilometer sample describes is told by its meter and its metadata, never
by the mere presence of a ``state`` key: Ceilometer writes an instance's metadata on the
samples of its vNICs and disk devices too (``network.incoming.bytes``,
``disk.device.read.bytes``), and other services write a ``state`` of their own (a Heat
stack's ``CREATE_COMPLETE``). Read as the resource's own, an instance's ``active`` on its
vNIC billed the vNIC as an instance: `known_states` writes it ``instance_state``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ratekit.errors import BadRecordError
from ratekit.records import Sample

from . import _reading as r

__all__ = [
    "CINDER_VOLUME_STATUSES",
    "INSTANCE_METERS",
    "INSTANCE_PART_METERS",
    "NOVA_SERVER_STATUSES",
    "NOVA_VM_STATES",
    "VM_STATES_ACCEPTED",
    "VOLUME_METERS",
    "known_states",
    "nova_state",
]

#: Nova's vm_states (``nova/compute/vm_states.py``): the words its notifications write.
NOVA_VM_STATES: Final = (
    "active",
    "building",
    "paused",
    "suspended",
    "stopped",
    "rescued",
    "resized",
    "soft_deleted",
    "deleted",
    "error",
    "shelved",
    "shelved_offloaded",
)

#: Ceilometer's instance ``state`` words, by their Nova vm_state. Ceilometer writes the
#: vm_state in lower case (as Nova's API lists it, or guessed from libvirt's power state
#: when it discovers instances through libvirt); the power-state words of its libvirt
#: inspector (``running``, ``shutdown``, ...) and the API's upper case are read too.
_NOVA_STATES: Final[Mapping[str, str]] = {
    **{state: state for state in NOVA_VM_STATES},
    "running": "active",
    "blocked": "active",
    "pending": "building",
    "nostate": "building",
    "shutdown": "stopped",
    "shutoff": "stopped",
    "crashed": "error",
    "pmsuspended": "suspended",
}

#: Nova's server statuses (its API's ``status``), in the lower case Ceilometer writes.
NOVA_SERVER_STATUSES: Final = (
    "active",
    "build",
    "deleted",
    "error",
    "hard_reboot",
    "migrating",
    "password",
    "paused",
    "reboot",
    "rebuild",
    "rescue",
    "resize",
    "revert_resize",
    "shelved",
    "shelved_offloaded",
    "shutoff",
    "soft_deleted",
    "suspended",
    "unknown",
    "verify_resize",
)

#: Cinder's volume statuses (``cinder/objects/fields.py``, ``VolumeStatus``), and
#: ``deleted``, the status of a deleted volume's row.
CINDER_VOLUME_STATUSES: Final = (
    "creating",
    "available",
    "deleting",
    "error",
    "error_deleting",
    "error_managing",
    "managing",
    "attaching",
    "in-use",
    "detaching",
    "maintenance",
    "restoring-backup",
    "error_restoring",
    "reserved",
    "awaiting-transfer",
    "backing-up",
    "error_backing-up",
    "error_extending",
    "downloading",
    "uploading",
    "retyping",
    "extending",
    "deleted",
)

#: Ceilometer's meters of a Cinder volume: their metadata's ``status`` is the volume's.
VOLUME_METERS: Final = frozenset({"volume", "volume.size"})

#: Ceilometer's meters of a Nova instance itself (the sample's resource is the instance):
#: its metadata's ``state`` and ``status`` are the instance's.
INSTANCE_METERS: Final = frozenset(
    {
        "instance",
        "cpu",
        "cpu.delta",
        "cpu_util",
        "cpu_l3_cache",
        "vcpus",
        "memory",
        "memory.usage",
        "memory.resident",
        "memory.swap.in",
        "memory.swap.out",
        "memory.bandwidth.total",
        "memory.bandwidth.local",
        "disk.root.size",
        "disk.ephemeral.size",
        "disk.read.requests",
        "disk.read.requests.rate",
        "disk.write.requests",
        "disk.write.requests.rate",
        "disk.read.bytes",
        "disk.read.bytes.rate",
        "disk.write.bytes",
        "disk.write.bytes.rate",
        "disk.latency",
        "disk.iops",
        "disk.capacity",
        "disk.allocation",
        "disk.usage",
        "perf.cpu.cycles",
        "perf.instructions",
        "perf.cache.references",
        "perf.cache.misses",
        "power.state",
        "compute.instance.booting.time",
    }
)

#: Ceilometer's meters of a part of an instance, a vNIC (and every ``disk.device.*``
#: meter, of a disk device): the sample's resource is the part, its metadata the
#: instance's, with the part's fields added.
INSTANCE_PART_METERS: Final = frozenset(
    f"network.{direction}.{what}"
    for direction in ("incoming", "outgoing")
    for what in (
        "bytes",
        "bytes.rate",
        "bytes.delta",
        "packets",
        "packets.rate",
        "packets.drop",
        "packets.error",
    )
)
_DEVICE: Final = "disk.device."
#: Nova's marks of an instance in Ceilometer's metadata (the flavor, as `flavor_by_name`
#: writes it, and its name as ``instance_type``).
_INSTANCE_MARKS: Final = ("flavor", "instance_type")

#: An instance's ``status``: Nova's server statuses, or (Ceilometer's libvirt discovery
#: writes the status from the power state) one of the words read as a vm_state.
_INSTANCE_STATUSES: Final = frozenset(NOVA_SERVER_STATUSES) | frozenset(_NOVA_STATES)
_VOLUME_STATUSES: Final = frozenset(CINDER_VOLUME_STATUSES)

_SAMPLE: Final = "Ceilometer sample"
_LIBVIRT: Final = "a libvirt power state such as 'running' or 'shutoff' is read as its vm_state"


def _listed(words: tuple[str, ...]) -> str:
    return ", ".join(map(repr, words))


#: The tail of a refused vm_state's message: the words accepted.
VM_STATES_ACCEPTED: Final = (
    f"not one of Nova's vm_states: {_listed(NOVA_VM_STATES)} (in any case; {_LIBVIRT})."
)


def nova_state(metadata: dict[str, object]) -> dict[str, object]:
    """``metadata`` with its ``state`` written in Nova's vm_state words, as Nova's notifications write it.

    Ceilometer's instance metadata carries ``state`` (the vm_state, in lower case, or a
    libvirt power state such as ``running``) and ``status`` (the API's status, in lower
    case). Nova's notifications carry ``state``, the vm_state, which the ready meters
    read (``RUNNING_STATES``); an update replaces a key, so a state word Nova does not
    use would stop the billing of an instance both feeds describe. A known word
    (case-insensitive) becomes its vm_state: ``running`` and ``blocked`` are ``active``,
    ``shutdown`` and ``shutoff`` ``stopped``, ``pending`` ``building``, ``crashed``
    ``error``, ``pmsuspended`` ``suspended``. Any other value, and ``status``, are kept
    as written (the callers refuse them: `known_states`). O(size).

    Examples:
        >>> nova_state({"state": "running", "status": "active"})
        {'state': 'active', 'status': 'active'}
        >>> nova_state({"state": "STOPPED"}), nova_state({"state": "available"})
        ({'state': 'stopped'}, {'state': 'available'})
    """
    state = metadata.get("state")
    if not isinstance(state, str):
        return metadata
    written = _NOVA_STATES.get(state.lower())
    if written is None or written == state:
        return metadata
    return {**metadata, "state": written}


def _status(
    metadata: dict[str, object],
    known: frozenset[str],
    where: r.Position,
    named: str,
    accepted: str,
) -> dict[str, object]:
    """``metadata`` with its ``status`` one of ``known`` in lower case, or refused."""
    status = metadata.get("status")
    if "status" not in metadata:
        return metadata
    if isinstance(status, str) and status.lower() in known:
        lower = status.lower()
        return metadata if lower == status else {**metadata, "status": lower}
    raise BadRecordError(
        f"{_SAMPLE} {r.at(where, 'status')} ({named}) is {r.show(status)}, not one of "
        f"{accepted} (in any case)."
    )


def _resource(metadata: Mapping[str, object], sample: Sample) -> str:
    """What ``sample``'s resource is: ``"volume"``, ``"part"`` (of an instance), ``"instance"`` or ``""``.

    Told by its meter first (`VOLUME_METERS`; `INSTANCE_PART_METERS` and
    ``disk.device.*``; `INSTANCE_METERS`), then by its metadata: an ``instance_id`` that
    names another resource is its instance's (a part), one that is the sample's resource,
    or Nova's marks of an instance (a ``flavor``, an ``instance_type``), an instance's.
    """
    meter = sample.meter
    if meter in VOLUME_METERS:
        return "volume"
    if meter in INSTANCE_PART_METERS or meter.startswith(_DEVICE):
        return "part"
    if meter in INSTANCE_METERS:
        return "instance"
    instance = metadata.get("instance_id")
    if isinstance(instance, str) and instance != sample.resource:
        return "part"
    if instance == sample.resource or any(mark in metadata for mark in _INSTANCE_MARKS):
        return "instance"
    return ""


def _instance_words(
    metadata: dict[str, object], where: r.Position, named: str
) -> dict[str, object]:
    """``metadata`` with an instance's ``state`` and ``status`` checked, in Nova's words."""
    if "state" in metadata:
        state = metadata["state"]
        metadata = nova_state(metadata)
        if metadata["state"] not in NOVA_VM_STATES:
            raise BadRecordError(
                f"{_SAMPLE} {r.at(where, 'state')} ({named}) is {r.show(state)}, {VM_STATES_ACCEPTED}"
            )
    accepted = (
        f"Nova's server statuses: {_listed(NOVA_SERVER_STATUSES)}, or a vm_state "
        "or libvirt power state word"
    )
    return _status(metadata, _INSTANCE_STATUSES, where, named, accepted)


def _as_its_instances(
    metadata: dict[str, object], where: r.Position, sample_id: str
) -> dict[str, object]:
    """A part's metadata with its instance's ``state`` and ``status`` as ``instance_<key>``."""
    out = dict(metadata)
    for key in ("state", "status"):
        if key not in out:
            continue
        value, written = out.pop(key), f"instance_{key}"
        if written in out and not r.one_value(out[written], value):
            raise BadRecordError(
                f"{_SAMPLE} {where} (sample {r.show(sample_id)}) gives its instance's {key} twice, "
                f"{r.show(value)} as "
                f"{key!r} and {r.show(out[written])} as {written!r}; give it once (or the same "
                "value in both)."
            )
        out[written] = value
    return out


def known_states(
    metadata: dict[str, object], sample: Sample, where: r.Position
) -> dict[str, object]:
    """A Ceilometer sample's metadata (read at ``where``) with its state words checked.

    Which words are known depends on the resource the sample describes, told by its meter
    and its metadata, never by the mere presence of a ``state`` key:

    - a Cinder volume: a sample of a volume meter (`VOLUME_METERS`: ``volume``,
      ``volume.size``); its ``status`` is one of `CINDER_VOLUME_STATUSES`;
    - a part of a Nova instance, a vNIC or a disk device: a sample of one of
      `INSTANCE_PART_METERS` or ``disk.device.*``, or of a meter that is none of these
      lists' whose metadata's ``instance_id`` names another resource. Ceilometer writes the instance's metadata on it, so its
      ``state`` and ``status`` are the instance's: checked as an instance's, and written
      ``instance_state`` and ``instance_status``, so that no condition reading ``state``
      (the ready meters' `RUNNING_STATES`) takes the part for an instance;
    - a Nova instance: a sample of one of `INSTANCE_METERS`, or whose metadata has an
      ``instance_id`` that is the sample's resource, a ``flavor`` or an
      ``instance_type``; its ``state`` is a vm_state (or a libvirt power state, read as
      its vm_state by `nova_state`), its ``status`` one of `NOVA_SERVER_STATUSES` or of
      those words, each checked when it is there;
    - anything else (an image, a Heat stack whose ``state`` is ``CREATE_COMPLETE``): its
      metadata are kept as written.

    Each word is accepted in any case and written in lower case, as Ceilometer writes it;
    any other word (``" active"``, ``"ACTIVEE"``, ``"in use"``), or a value that is no
    string, raises [`BadRecordError`][ratekit.BadRecordError] naming the field, the
    sample's id and the words accepted. O(size).

    Examples:
        >>> import ratekit as rk
        >>> def sample(meter, resource="vm-1"):
        ...     return rk.Sample("p", resource, meter, "2026-03-02T08:00:00Z", 1, kind="gauge", id="m1")
        >>> known_states({"state": "running", "status": "ACTIVE"}, sample("cpu"), "[0].resource_metadata")
        {'state': 'active', 'status': 'active'}
        >>> known_states({"state": "running", "mac": "fa:16"}, sample("network.incoming.bytes", "tap-1"), "[0].resource_metadata")
        {'mac': 'fa:16', 'instance_state': 'active'}
        >>> known_states({"status": "in-use"}, sample("volume.size"), "[0].resource_metadata")
        {'status': 'in-use'}
        >>> known_states({"state": "CREATE_COMPLETE"}, sample("stack.create", "stack-1"), "[0].resource_metadata")
        {'state': 'CREATE_COMPLETE'}
    """
    meter, sample_id = sample.meter, sample.id or ""
    resource = _resource(metadata, sample)
    if resource == "volume":
        named = f"sample {r.show(sample_id)}, of volume meter {r.show(meter)}"
        accepted = f"Cinder's volume statuses: {_listed(CINDER_VOLUME_STATUSES)}"
        return _status(metadata, _VOLUME_STATUSES, where, named, accepted)
    if resource == "part":
        named = f"sample {r.show(sample_id)}, of a part of an instance: the instance's"
        return _as_its_instances(_instance_words(metadata, where, named), where, sample_id)
    if resource == "instance":
        return _instance_words(metadata, where, f"sample {r.show(sample_id)}, an instance's")
    return metadata
