"""A dict subclass whose own items() raises is refused naming it, like any other mapping."""

from __future__ import annotations

import pytest
from tests._nova import notification

import ratekit as rk
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
    with pytest.raises(rk.RatekitError, match=r"^\[0\]: event 'n1' attribute 'image_meta'"):
        ceilometer.instance_notifications([broken], naive_utc=True)


def test_a_spec_refuses_it_naming_the_field() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"^Spec meters could not be read"):
        cloudevents.Spec(Broken({"com.example.tokens": "llm.tokens"}), quantity="data.n")
