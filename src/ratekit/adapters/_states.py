"""The state words of OpenStack's resources: Nova's instances and Cinder's volumes.

The ready meters bill an instance by its ``state``, Nova's vm_state (``RUNNING_STATES``);
a condition of your own may read a volume's ``status`` (``in-use``). A word that none of
these services writes (``" active"``, ``"ACTIVEE"``, ``"in use"``) would make no
condition true: the resource would stop being billed, without a word. So the words are
checked where the feeds give them, and one that its service does not use is refused.

Nova's notifications give the vm_state (`nova_state` reads it); Ceilometer's
``resource_metadata`` gives an instance's ``state`` and ``status`` and a volume's
``status`` (`known_states` checks them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ratekit.errors import BadRecordError

from . import _reading as r

__all__ = [
    "CINDER_VOLUME_STATUSES",
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


def known_states(
    metadata: dict[str, object], meter: str, sample_id: str, where: r.Position
) -> dict[str, object]:
    """A Ceilometer sample's metadata (read at ``where``) with its state words checked.

    Which words are known depends on the resource. A sample of a volume meter
    (`VOLUME_METERS`: ``volume``, ``volume.size``) describes a Cinder volume: its
    ``status`` is one of `CINDER_VOLUME_STATUSES`. A sample whose metadata has a
    ``state`` describes a Nova instance (Ceilometer writes ``state``, the vm_state, in an
    instance's metadata only): its ``state`` is a vm_state (or a libvirt power state,
    read as its vm_state by `nova_state`), its ``status`` one of
    `NOVA_SERVER_STATUSES` or of those words. Each is accepted in any case and written in
    lower case, as Ceilometer writes it; any other word (``" active"``, ``"ACTIVEE"``,
    ``"in use"``), or a value that is no string, raises
    [`BadRecordError`][ratekit.BadRecordError] naming the field, the sample's id and
    the words accepted. Other metadata are kept as written. O(size).

    Examples:
        >>> known_states({"state": "running", "status": "ACTIVE"}, "cpu", "m1", "[0].resource_metadata")
        {'state': 'active', 'status': 'active'}
        >>> known_states({"status": "in-use"}, "volume.size", "v1", "[0].resource_metadata")
        {'status': 'in-use'}
        >>> known_states({"status": "queued"}, "image.size", "i1", "[0].resource_metadata")
        {'status': 'queued'}
    """
    if meter in VOLUME_METERS:
        named = f"sample {sample_id!r}, of volume meter {meter!r}"
        accepted = f"Cinder's volume statuses: {_listed(CINDER_VOLUME_STATUSES)}"
        return _status(metadata, _VOLUME_STATUSES, where, named, accepted)
    if "state" not in metadata:
        return metadata
    named = f"sample {sample_id!r}, an instance's"
    state = metadata["state"]
    described = nova_state(metadata)
    if described["state"] not in NOVA_VM_STATES:
        raise BadRecordError(
            f"{_SAMPLE} {r.at(where, 'state')} ({named}) is {r.show(state)}, {VM_STATES_ACCEPTED}"
        )
    accepted = (
        f"Nova's server statuses: {_listed(NOVA_SERVER_STATUSES)}, or a vm_state "
        "or libvirt power state word"
    )
    return _status(described, _INSTANCE_STATUSES, where, named, accepted)
