"""Ceilometer's state words are checked per resource: an instance's vm_state, a volume's status.

With ``describe=True``, an instance whose metadata said ``"state": " active"`` (a stray
space) or ``"ACTIVEE"`` kept that word: no ready meter reads it as running, so an
instance described from 2 March 08:00 to the month's end, 712 instance-hours, was billed
0 hours, without an anomaly; a volume whose ``status`` was ``"in use"`` stopped a meter
of in-use volume hours the same way. Nova's notifications already refused such a word;
Ceilometer's samples now refuse it too, naming the sample (its position and id), the
field and the words accepted: Nova's vm_states (and libvirt's power states) for an
instance's ``state``, Nova's server statuses for its ``status``, Cinder's volume
statuses for the ``status`` of a ``volume`` or ``volume.size`` sample.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._ceilometer import cpu

import ratekit as rk
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
VM_STATES = (
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
LIBVIRT = {
    "running": "active",
    "blocked": "active",
    "pending": "building",
    "nostate": "building",
    "shutdown": "stopped",
    "shutoff": "stopped",
    "crashed": "error",
    "pmsuspended": "suspended",
}
SERVER_STATUSES = (
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
VOLUME_STATUSES = (
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
STATE_TAIL = (
    "not one of Nova's vm_states: 'active', 'building', 'paused', 'suspended', 'stopped', "
    "'rescued', 'resized', 'soft_deleted', 'deleted', 'error', 'shelved', 'shelved_offloaded' "
    "(in any case; a libvirt power state such as 'running' or 'shutoff' is read as its "
    "vm_state)."
)
VOLUME_TAIL = (
    "not one of Cinder's volume statuses: 'creating', 'available', 'deleting', 'error', "
    "'error_deleting', 'error_managing', 'managing', 'attaching', 'in-use', 'detaching', "
    "'maintenance', 'restoring-backup', 'error_restoring', 'reserved', 'awaiting-transfer', "
    "'backing-up', 'error_backing-up', 'error_extending', 'downloading', 'uploading', "
    "'retyping', 'extending', 'deleted' (in any case)."
)
STATUS_TAIL = (
    "not one of Nova's server statuses: 'active', 'build', 'deleted', 'error', 'hard_reboot', "
    "'migrating', 'password', 'paused', 'reboot', 'rebuild', 'rescue', 'resize', "
    "'revert_resize', 'shelved', 'shelved_offloaded', 'shutoff', 'soft_deleted', 'suspended', "
    "'unknown', 'verify_resize', or a vm_state or libvirt power state word (in any case)."
)
#: Hours of volumes attached to an instance, from the volume's status.
VOLUME_HOURS = rk.Meter("volume.hours", "hour", rk.OnOff(when={"status": "in-use"}))
VOLUME_SIZE = rk.Meter("volume.size", "GiB", rk.Max())


def _instance(metadata: dict[str, object]) -> list[rk.Sample | rk.Event]:
    feed = [
        cpu("s1", "2026-03-02T08:00:00Z", 0, resource_metadata=metadata),
        cpu("s2", "2026-03-02T10:00:00Z", 3600000000000, resource_metadata=metadata),
    ]
    return ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS], describe=True)


def _instance_hours(state: str) -> Decimal:
    records = _instance({"state": state, "flavor": {"name": "m1.small"}})
    meters = [ceilometer.INSTANCE_HOURS, ceilometer.CPU_HOURS]
    usage = rk.meter(records, meters, span=MARCH, cycle=None, as_of=MARCH.end)
    assert usage.anomalies == ()
    return usage.total(meter="instance.hours")


def _volume(status: object, meter: str = "volume.size") -> dict[str, object]:
    return {
        "message_id": "v1",
        "counter_name": meter,
        "counter_type": "gauge",
        "counter_unit": "GB",
        "counter_volume": 10,
        "project_id": "p-1",
        "resource_id": "vol-1",
        "timestamp": "2026-03-02T08:00:00Z",
        "resource_metadata": {"status": status, "volume_type": "ssd"},
    }


def _volume_records(status: object, meter: str = "volume.size") -> list[rk.Sample | rk.Event]:
    named = rk.Meter(meter, "GiB", rk.Max())
    return ceilometer.samples([_volume(status, meter)], meters=[named], describe=True)


def _volume_hours(status: str) -> Decimal:
    records = _volume_records(status)
    usage = rk.meter(records, [VOLUME_HOURS, VOLUME_SIZE], span=MARCH, cycle=None, as_of=MARCH.end)
    return usage.total(meter="volume.hours")


def test_an_instance_state_with_a_stray_space_is_refused_not_billed_nothing() -> None:
    # described active from 2 March 08:00 to 1 April 00:00: 29 days 16 hours = 712 h;
    # " active" was kept as written and billed 0 h
    assert _instance_hours("active") == Decimal(712)
    with pytest.raises(rk.BadRecordError) as raised:
        _instance_hours(" active")
    assert str(raised.value) == (
        "Ceilometer sample [0].resource_metadata.state (sample 's1', an instance's) is "
        f"' active', {STATE_TAIL}"
    )


def test_a_misspelt_instance_state_is_refused() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _instance_hours("ACTIVEE")
    assert str(raised.value) == (
        "Ceilometer sample [0].resource_metadata.state (sample 's1', an instance's) is "
        f"'ACTIVEE', {STATE_TAIL}"
    )


def test_a_volume_word_as_an_instance_state_is_refused() -> None:
    # a cpu sample describes an instance: 'available' is no vm_state (it was kept)
    with pytest.raises(rk.BadRecordError, match=r"is 'available', not one of Nova's vm_states"):
        _instance({"state": "available"})


def test_an_instance_state_that_is_no_string_is_refused() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _instance({"state": 1})
    assert str(raised.value) == (
        "Ceilometer sample [0].resource_metadata.state (sample 's1', an instance's) is 1, "
        f"{STATE_TAIL}"
    )


def test_the_api_shapes_metadata_is_named_by_its_key() -> None:
    sample = cpu("m7", "2026-03-02T08:00:00Z", 0, metadata={"state": "actve"})
    del sample["message_id"]
    sample["id"] = "m7"
    with pytest.raises(rk.BadRecordError) as raised:
        ceilometer.samples([sample], meters=[ceilometer.CPU_HOURS], describe=True)
    assert str(raised.value) == (
        f"Ceilometer sample [0].metadata.state (sample 'm7', an instance's) is 'actve', {STATE_TAIL}"
    )


def test_a_garbled_instance_status_is_refused() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _instance({"state": "active", "status": "activ"})
    assert str(raised.value) == (
        "Ceilometer sample [0].resource_metadata.status (sample 's1', an instance's) is "
        f"'activ', {STATUS_TAIL}"
    )


def test_an_instance_status_is_read_in_lower_case() -> None:
    records = _instance({"state": "stopped", "status": "SHUTOFF"})
    assert records[0].attributes == {"state": "stopped", "status": "shutoff"}  # type: ignore[union-attr]
    # Ceilometer's libvirt discovery writes the status from the power state
    records = _instance({"state": "running", "status": "running"})
    assert records[0].attributes == {"state": "active", "status": "running"}  # type: ignore[union-attr]


def test_a_garbled_volume_status_is_refused_not_billed_nothing() -> None:
    # in use from 2 March 08:00 to the month's end: 712 volume-hours; "in use" billed 0 h
    assert _volume_hours("in-use") == Decimal(712)
    with pytest.raises(rk.BadRecordError) as raised:
        _volume_hours("in use")
    assert str(raised.value) == (
        "Ceilometer sample [0].resource_metadata.status (sample 'v1', of volume meter "
        f"'volume.size') is 'in use', {VOLUME_TAIL}"
    )


def test_a_volumes_status_is_a_cinder_word_in_lower_case() -> None:
    assert _volume_hours("IN-USE") == Decimal(712)
    records = _volume_records("Available", meter="volume")
    assert records[0].attributes == {"status": "available", "volume_type": "ssd"}  # type: ignore[union-attr]
    with pytest.raises(rk.BadRecordError, match=r"\(sample 'v1', of volume meter 'volume'\)"):
        _volume_records("active", meter="volume")  # Nova's word, not Cinder's


def test_other_resources_keep_their_words() -> None:
    # an image's status is Glance's; nothing of its resource is checked
    records = _volume_records("queued", meter="image.size")
    assert records[0].attributes == {"status": "queued", "volume_type": "ssd"}  # type: ignore[union-attr]


def test_unknown_skip_skips_unknown_meters_not_garbled_states() -> None:
    # the escape hatch of samples() is for meters no meter names; a garbled state of a
    # named meter's sample is refused whatever unknown says (its usage is real)
    feed = [cpu("s1", "2026-03-02T08:00:00Z", 0, resource_metadata={"state": "ACTIVEE"})]
    with pytest.raises(rk.BadRecordError, match=r"is 'ACTIVEE', not one of Nova's vm_states"):
        ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS], describe=True, unknown="skip")
    skipped = ceilometer.samples(feed, meters=[VOLUME_SIZE], describe=True, unknown="skip")
    assert skipped == []


def _variants(words: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(words).flatmap(
        lambda word: st.sampled_from([word, word.upper(), word.title(), f" {word}", f"{word}\n"])
    )


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    state=st.one_of(
        _variants((*VM_STATES, *LIBVIRT)),
        st.text(st.sampled_from("activerunsopd_ -"), min_size=1, max_size=8),
    )
)
def test_law_an_instance_state_is_a_vm_state_or_refused(state: str) -> None:
    # Oracle: the word, in any case, is a vm_state or a libvirt power state; the instance
    # is billed its 712 hours exactly when that vm_state is one of RUNNING_STATES.
    lower = state.lower()
    vm_state = lower if lower in VM_STATES else LIBVIRT.get(lower)
    if vm_state is None:
        with pytest.raises(rk.BadRecordError, match=r"^Ceilometer sample \[0\]\."):
            _instance_hours(state)
        return
    running = vm_state in ceilometer.RUNNING_STATES
    assert _instance_hours(state) == (Decimal(712) if running else Decimal(0))


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    status=st.one_of(
        _variants(VOLUME_STATUSES + SERVER_STATUSES),
        st.text(st.sampled_from("availbeusn_ -"), min_size=1, max_size=10),
    )
)
def test_law_a_volume_status_is_cinders_or_refused(status: str) -> None:
    # Oracle: the word, in any case, is one of Cinder's volume statuses, written in lower
    # case; the volume is billed its 712 in-use hours exactly when it is in-use.
    if status.lower() not in VOLUME_STATUSES:
        with pytest.raises(
            rk.BadRecordError, match=r"^Ceilometer sample \[0\]\.resource_metadata\.status"
        ):
            _volume_records(status)
        return
    records = _volume_records(status)
    assert records[0].attributes["status"] == status.lower()  # type: ignore[union-attr]
    in_use = status.lower() == "in-use"
    assert _volume_hours(status) == (Decimal(712) if in_use else Decimal(0))


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    status=st.one_of(
        _variants(SERVER_STATUSES + VOLUME_STATUSES + tuple(LIBVIRT)),
        st.text(st.sampled_from("activeshuofn_ -"), min_size=1, max_size=10),
    )
)
def test_law_an_instance_status_is_novas_or_refused(status: str) -> None:
    lower = status.lower()
    if lower not in (*SERVER_STATUSES, *VM_STATES, *LIBVIRT):
        with pytest.raises(
            rk.BadRecordError, match=r"^Ceilometer sample \[0\]\.resource_metadata\.status"
        ):
            _instance({"state": "active", "status": status})
        return
    records = _instance({"state": "active", "status": status})
    assert records[0].attributes == {"state": "active", "status": lower}  # type: ignore[union-attr]
