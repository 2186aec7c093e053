"""A Nova notification's ``state`` is one of Nova's vm_states, or it is refused at its field.

An instance created with ``"state": " active"`` (a stray space), ``"ACTIVE "`` or
``"actve"`` kept that word as its state: no ready meter reads it as running, so the
instance ran for two hours and was billed nothing, without an anomaly. Nova writes only
its vm_states (``nova/compute/vm_states.py``); the case and libvirt's power states are
read as before, and any other word is now a ``BadRecordError`` naming the field.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
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
REFUSED_TAIL = (
    "not one of Nova's vm_states: 'active', 'building', 'paused', 'suspended', 'stopped', "
    "'rescued', 'resized', 'soft_deleted', 'deleted', 'error', 'shelved', 'shelved_offloaded' "
    "(in any case; a libvirt power state such as 'running' or 'shutoff' is read as its "
    "vm_state)."
)


def _notifications(state: str) -> list[dict[str, object]]:
    def nova(event_type: str, message_id: str, at: str, state: str) -> dict[str, object]:
        return {
            "event_type": f"compute.instance.{event_type}",
            "message_id": message_id,
            "timestamp": at,
            "publisher_id": "compute.host-1",
            "priority": "INFO",
            "payload": {
                "tenant_id": "p-1",
                "instance_id": "vm-1",
                "instance_type": "m1.small",
                "vcpus": 1,
                "memory_mb": 2048,
                "state": state,
            },
        }

    return [
        nova("create.end", "n1", "2026-03-02 08:00:00.000000", state),
        nova("delete.end", "n2", "2026-03-02 10:00:00.000000", "deleted"),
    ]


def _instance_hours(state: str) -> Decimal:
    events = ceilometer.instance_notifications(_notifications(state), naive_utc=True)
    usage = rk.meter(
        events, [ceilometer.INSTANCE_HOURS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end
    )
    assert usage.anomalies == ()
    return usage.total()


def test_a_state_with_a_stray_space_is_refused_not_billed_as_stopped() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _instance_hours(" active")
    assert str(raised.value) == f"Nova notification [0].payload.state is ' active', {REFUSED_TAIL}"


def test_a_misspelt_state_is_refused() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _instance_hours("actve")
    assert str(raised.value) == f"Nova notification [0].payload.state is 'actve', {REFUSED_TAIL}"


def test_the_vm_states_in_any_case_and_libvirts_words_are_read() -> None:
    # 08:00 to 10:00 running: 2 instance-hours; stopped: none
    assert _instance_hours("ACTIVE") == Decimal(2)
    assert _instance_hours("running") == Decimal(2)
    assert _instance_hours("Shutoff") == Decimal(0)


_WORDS = st.one_of(
    st.sampled_from([*VM_STATES, *LIBVIRT]).flatmap(
        lambda word: st.sampled_from([word, word.upper(), word.title(), f" {word}", f"{word}\n"])
    ),
    st.text(st.sampled_from("activerunsopd_ "), min_size=1, max_size=8),
)


@settings(max_examples=LAWS)
@given(state=_WORDS)
def test_law_a_state_is_a_vm_state_or_refused(state: str) -> None:
    # Oracle: the word, in any case, is a vm_state or a libvirt power state; the instance
    # is billed its 2 hours exactly when that vm_state is one of RUNNING_STATES.
    vm_state = state.lower() if state.lower() in VM_STATES else LIBVIRT.get(state.lower())
    if vm_state is None:
        with pytest.raises(rk.BadRecordError, match=r"^Nova notification \[0\]\.payload\.state"):
            _instance_hours(state)
        return
    running = vm_state in ceilometer.RUNNING_STATES
    assert _instance_hours(state) == (Decimal(2) if running else Decimal(0))
