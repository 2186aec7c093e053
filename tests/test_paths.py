"""Attribute paths: an empty name ("", ".a", "a.", "a..b") is refused wherever a path is given."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import ratekit as rk
from ratekit._paths import checked_path, lookup

_PATH = (
    "must be an attribute path: one or more non-empty names joined by single dots, such as "
    "'flavor' or 'properties.size', not "
)


@pytest.mark.parametrize("path", ["", ".", ".size", "size.", "properties..size"])
@pytest.mark.parametrize(
    ("make", "what"),
    [
        (rk.Continuous, "a level"),
        (lambda path: rk.Continuous(("instances", path)), "each name of a level"),
        (lambda path: rk.OnOff(when={path: "on"}), "a condition's attribute"),
        (lambda path: rk.Continuous("size", when={path: 1}), "a condition's attribute"),
        (
            lambda path: rk.PriceEntry("e", "m", rk.PerUnit(1), where={path: "m1"}),
            "a PriceEntry where key",
        ),
        (
            lambda path: rk.PriceEntry("e", "m", rk.PerUnit(1), group_by=path),
            "price entry 'e' group_by",
        ),
    ],
)
def test_an_empty_attribute_name_is_refused(
    make: Callable[[str], object], what: str, path: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        make(path)
    message = str(raised.value)
    if path == "" and what == "price entry 'e' group_by":
        # the older check of group_by speaks first of an empty string
        assert message.startswith("price entry 'e' group_by must be None")
    elif path == "" and what == "a PriceEntry where key":
        assert message.startswith("PriceEntry where keys must be attribute names")
    else:
        assert message == f"{what} {_PATH}{path!r} (an empty name)."


def test_a_usable_path_is_kept_and_still_reads_nested_values() -> None:
    assert checked_path("properties.size", "level") == "properties.size"
    assert checked_path("disks.0.size", "level") == "disks.0.size"
    assert repr(rk.Continuous("properties.size")) == "Continuous('properties.size')"
    assert lookup({"disks": [{"size": 10}]}, "disks.0.size") == 10
    with pytest.raises(rk.RatekitTypeError) as raised:
        checked_path(3, "level")
    assert str(raised.value) == f"level {_PATH.replace(', not ', ', not int: ')}3."
