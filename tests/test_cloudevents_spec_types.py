"""A Spec's per-type quantity names only the types its meters map."""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit.adapters import cloudevents


def test_a_quantity_for_a_type_no_meter_maps_is_refused_naming_it() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        cloudevents.Spec(
            {"com.example.tokens": "llm.tokens"},
            quantity={"com.example.tokens": "data.tokens", "com.example.token": "data.n"},
        )
    assert str(caught.value) == (
        "Spec quantity names 'com.example.token', which meters does not map to a meter; its "
        "types are 'com.example.tokens': give the quantity of those only."
    )


def test_a_quantity_per_mapped_type_is_taken() -> None:
    spec = cloudevents.Spec(
        {"com.example.tokens": "llm.tokens", "com.example.images": "images"},
        quantity={"com.example.tokens": "data.tokens", "com.example.images": "data.count"},
    )
    assert spec == cloudevents.Spec(
        {"com.example.images": "images", "com.example.tokens": "llm.tokens"},
        quantity={"com.example.images": "data.count", "com.example.tokens": "data.tokens"},
    )
