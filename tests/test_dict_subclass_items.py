"""A dict subclass whose own items() raises is refused naming it, like any other mapping."""

from __future__ import annotations

import typing

import pytest
from tests._nova import notification

import ratekit as rk
from ratekit import plandata
from ratekit.adapters import ceilometer, cloudevents


class Broken(dict[str, object]):
    def items(self) -> object:  # type: ignore[override]
        raise LookupError("cursor closed")


def test_an_event_attribute_refuses_it_naming_the_attribute() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Event("a", "r", "2026-03-02T08:00:00Z", {"meta": Broken(x=1)}, kind="start", id="e1")
    assert str(caught.value) == (
        "event 'e1' attribute 'meta' could not be read: its mapping (Broken) raised "
        "LookupError: cursor closed; give a mapping whose items can be read, such as a dict."
    )


def test_an_adapter_refuses_it_naming_the_position() -> None:
    broken = notification(
        timestamp="2026-03-02 08:00:00", state="active", image_meta=Broken(base_image_ref="img-9")
    )
    with pytest.raises(
        rk.BadRecordError, match=r"^Nova notification \[0\]\.payload attribute 'image_meta'"
    ) as caught:
        ceilometer.instance_notifications([broken], naive_utc=True)
    assert isinstance(caught.value.__cause__, LookupError)


def test_a_spec_refuses_it_naming_the_field() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"^Spec meters could not be read"):
        cloudevents.Spec(Broken({"com.example.tokens": "llm.tokens"}), quantity="data.n")


# Plan data and snapshots as a caller's own mappings give them (a document store's dict
# subclass, a lazily loaded row): read once at the door. Their errors escaped as they
# were, from plandata.load, load_document and Rater.restore.

PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [rk.PriceEntry("e", "vm", rk.Graduated([rk.Tier(up_to=1, unit=1), rk.Tier(unit=2)]))],
)
METERS = [rk.Meter("vm", "hour", rk.OnOff())]


class LookupRaises(dict[str, object]):
    """A dict subclass whose own lookups raise, its items readable."""

    def __getitem__(self, key: str) -> object:
        raise LookupError("lookup refused")

    def get(self, key: str, default: object = None) -> object:
        raise LookupError("lookup refused")


def _wrapped(data: object, kind: type[dict[str, object]]) -> object:
    """``data`` with every mapping below the top one made a ``kind``."""
    if isinstance(data, dict):
        return {key: _nested(value, kind) for key, value in data.items()}
    return data


def _nested(data: object, kind: type[dict[str, object]]) -> object:
    if isinstance(data, dict):
        return kind({key: _nested(value, kind) for key, value in data.items()})
    if isinstance(data, list):
        return [_nested(value, kind) for value in data]
    return data


def _snapshot() -> dict[str, object]:
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "r", "2026-03-02T00:00:00Z", kind="start", id="e1")])
    rater.statement("2026-03-03T00:00:00Z")
    return rater.snapshot()


def test_plan_data_whose_mappings_raise_is_refused_naming_it() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        plandata.load(_wrapped(plandata.dump(PLAN), Broken), path="plans[0]")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "plan data plans[0] could not be read: its mapping (Broken) raised LookupError: "
        "cursor closed; give JSON-like data (dicts, lists, strings and numbers, as json.load "
        "returns)."
    )
    document = plandata.dump_document(plandata.Document(plans=[PLAN]))
    with pytest.raises(rk.RatekitTypeError, match=r"^plan data could not be read: its mapping"):
        plandata.load_document(_wrapped(document, Broken))  # type: ignore[arg-type]


def test_plan_data_is_read_through_its_items() -> None:
    assert plandata.load(_wrapped(plandata.dump(PLAN), LookupRaises)) == PLAN  # type: ignore[arg-type]
    document = plandata.dump_document(plandata.Document(plans=[PLAN]))
    assert plandata.load_document(_wrapped(document, LookupRaises)).plans == (PLAN,)  # type: ignore[arg-type]


def test_a_snapshot_whose_mappings_raise_is_refused_naming_it() -> None:
    # a snapshot that cannot be read is one restore refuses: a BadSnapshotError (it was a
    # RatekitTypeError), the caller's error chained
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(_wrapped(_snapshot(), Broken), PLAN, METERS)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "Rater snapshot could not be read: its mapping (Broken) raised LookupError: cursor "
        "closed; give what Rater.snapshot() returned, or its JSON read back with json.load."
    )
    assert isinstance(caught.value.__cause__, LookupError)


def test_a_snapshot_is_read_through_its_items() -> None:
    snapshot = _snapshot()
    restored = rk.Rater.restore(_wrapped(snapshot, LookupRaises), PLAN, METERS)  # type: ignore[arg-type]
    assert restored.snapshot() == snapshot


# A resource state and an exported row as a caller's own mappings give them: their own
# errors escaped as they were (RuntimeError from __getitem__, __iter__), from
# ResourceState.from_json and from_row; each is read once at the door now.


class Raising(dict[str, object]):
    """A dict subclass whose every way of being read raises."""

    def __getitem__(self, key: str) -> object:
        raise RuntimeError("row gone")

    def __iter__(self) -> typing.Iterator[str]:
        raise RuntimeError("row gone")

    def items(self) -> object:  # type: ignore[override]
        raise RuntimeError("row gone")

    def __contains__(self, key: object) -> bool:
        raise RuntimeError("row gone")


def test_a_resource_state_whose_mappings_raise_is_refused_naming_it() -> None:
    state = {"account": "a", "resource": "r", "status": "deleted", "description": {}}
    for data in (Raising(state), {**state, "description": Raising(x=1)}):
        with pytest.raises(rk.RatekitTypeError) as caught:
            rk.ResourceState.from_json(data)
        assert str(caught.value) == (
            "ResourceState data could not be read: its mapping (Raising) raised RuntimeError: "
            "row gone; give what to_json() returned (dicts, lists, strings and numbers)."
        )
        assert isinstance(caught.value.__cause__, RuntimeError)
    assert rk.ResourceState.from_json(_nested(state, dict)).status == "deleted"


def test_an_exported_row_whose_mappings_raise_is_refused_naming_it() -> None:
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Anomaly, Raising(kind="duplicate", message="m"), path="anomalies[0]")
    assert str(caught.value) == (
        "anomalies[0]: the row could not be read: its mapping (Raising) raised RuntimeError: "
        "row gone; give a dict of the row's keys, as to_row() returns."
    )
    with pytest.raises(rk.BadDataError, match=r"^the row could not be read: its mapping"):
        rk.from_row(rk.Anomaly, Raising(kind="duplicate", message="m"))
    row = LookupRaises(kind="duplicate", message="m")  # read through its items
    assert rk.from_row(rk.Anomaly, row).message == "m"
