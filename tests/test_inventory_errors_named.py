"""An error in what an inventory lists names the inventory by its id, as its other errors do."""

from __future__ import annotations

import pytest

import ratekit as rk

AT = "2026-03-01T01:00:00Z"


@pytest.mark.parametrize(
    ("resources", "error", "message"),
    [
        # A feed of many listings: the id says which one is wrong ('inv-7'); the messages
        # used to begin "Inventory resource ..." whatever the id, naming no record.
        (["vm-1"], rk.RatekitTypeError,
         ("inventory 'inv-7' resource 'vm-1' must be an (account, resource) pair of strings, "
          "or an (account, resource, attributes) triple.")),
        ([(1, "vm-1")], rk.RatekitTypeError,
         "inventory 'inv-7' resource account must be a non-empty string, not 1."),
        ({("acme", "vm-1"): [1]}, rk.RatekitTypeError,
         ("inventory 'inv-7' resource ('acme', 'vm-1') attributes must be a mapping of names "
          "to values, not list: [1].")),
        (None, rk.RatekitTypeError,
         ("inventory 'inv-7' resources must be (account, resource) pairs or (account, "
          "resource, attributes) triples, or a mapping from such pairs to attributes, not "
          "NoneType: None.")),
    ],
)  # fmt: skip
def test_an_error_in_the_listing_names_the_inventory(
    resources: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        rk.Inventory(AT, resources, id="inv-7")  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_an_attribute_value_names_the_inventory_and_the_path() -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.Inventory(AT, {("acme", "vm-1"): {"size": float("nan")}}, id="inv-7")
    assert str(caught.value).startswith(
        "inventory 'inv-7' resource ('acme', 'vm-1') attribute 'size' is nan"
    )


def test_an_inventory_without_an_id_keeps_its_message() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Inventory(AT, ["vm-1"])  # type: ignore[list-item]
    assert str(caught.value) == (
        "Inventory resource 'vm-1' must be an (account, resource) pair of strings, "
        "or an (account, resource, attributes) triple."
    )


def test_an_inventory_takes_its_own_resources_back() -> None:
    # Inventory.resources gives (account, resource, attributes) triples; an inventory
    # built from them lists the same resources with the same attributes, and the same
    # record (equal, with the same content for deduplication).
    first = rk.Inventory(
        AT, {("acme", "vm-1"): {"flavor": "m1.small"}, ("beta", "vm-2"): {}}, close="last_seen"
    )
    again = rk.Inventory(first.at, first.resources, close="last_seen")
    assert again.resources == first.resources
    assert dict(again.resources[0][2]) == {"flavor": "m1.small"}
    assert again == first
    # Triples and pairs mix: a pair lists a resource with no attributes.
    mixed = rk.Inventory(AT, [("acme", "vm-1", {"flavor": "m1.small"}), ("beta", "vm-2")])
    assert mixed.resources == first.resources


def test_a_triple_with_attributes_that_are_not_a_mapping_names_the_resource() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Inventory(AT, [("acme", "vm-1", [1])], id="inv-7")  # type: ignore[list-item]
    assert str(caught.value) == (
        "inventory 'inv-7' resource ('acme', 'vm-1') attributes must be a mapping of names "
        "to values, not list: [1]."
    )
    with pytest.raises(rk.RatekitTypeError) as four:
        rk.Inventory(AT, [("acme", "vm-1", {}, "x")], id="inv-7")  # type: ignore[list-item]
    assert str(four.value) == (
        "inventory 'inv-7' resource ('acme', 'vm-1', {}, 'x') must be an (account, resource) "
        "pair of strings, or an (account, resource, attributes) triple."
    )
