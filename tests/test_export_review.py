"""Faults a review found in the exports (rows, frames, FOCUS), each with a worked example.

1. A mapping of the caller's whose one key is ``"decimal"`` read back as a Decimal (or was
   refused): rows escape it; an inventory's selector escapes a mapping that reads as a
   condition (``"type"``) the same way.
2. Charges priced by a price model of the caller's own broke the frames.
3. ``from_row`` did not read the ``Inventory`` rows ``to_row`` writes.
4. FOCUS ``Tags`` wrote nested description values as Python reprs.
5. ``invoice_lines_frame`` mixed NaN and None for empty cells.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _json(value: object) -> object:
    """Through real JSON text, so nothing but JSON types survive."""
    return json.loads(json.dumps(value))


def _row(description: dict[str, object]) -> rk.UsageRow:
    return rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, 1, "hour", description, ())


# -- 1. a mapping that looks like a tag ------------------------------------------------------


def test_a_mapping_whose_one_key_is_decimal_round_trips():
    row = _row({"p": {"decimal": "1.5"}, "sep": {"decimal": ","}, "d": Decimal("1.5")})
    written = rk.to_row(row)["description"]
    # The mapping is escaped: the tag holds its object (never a string), a Decimal is tagged.
    assert written == {
        "p": {"decimal": {"decimal": "1.5"}},
        "sep": {"decimal": {"decimal": ","}},
        "d": {"decimal": "1.5"},
    }
    back = rk.from_row(rk.UsageRow, _json(rk.to_row(row)))
    assert back == row
    assert back.description["p"] == {"decimal": "1.5"}  # a mapping, not Decimal('1.5')
    assert back.description["d"] == Decimal("1.5")


def test_an_event_attribute_decimal_of_an_int_round_trips():
    # Was refused: "attributes.precision: a tagged decimal holds a string, not 2."
    event = rk.Event(
        "acme", "vm-1", "2026-03-02T08:00:00Z", {"precision": {"decimal": 2}}, kind="start", id="e1"
    )
    assert rk.to_row(event)["attributes"] == {"precision": {"decimal": {"decimal": 2}}}
    assert rk.from_row(rk.Event, _json(rk.to_row(event))) == event


def test_escapes_nest():
    # {"decimal": {"decimal": Decimal}}: a mapping holding a mapping holding a Decimal.
    value = {"decimal": {"decimal": Decimal("2.5")}}
    row = _row({"x": value, "y": [{"decimal": None}, {"decimal": [Decimal(1)]}]})
    assert rk.to_row(row)["description"]["x"] == {
        "decimal": {"decimal": {"decimal": {"decimal": {"decimal": "2.5"}}}}
    }
    back = rk.from_row(rk.UsageRow, _json(rk.to_row(row)))
    assert back == row
    assert back.description["x"]["decimal"]["decimal"] == Decimal("2.5")


def test_rows_written_before_the_escape_read_back_as_they_did():
    # A tagged Decimal stays a Decimal; an object with more keys than "decimal" a mapping.
    row = rk.to_row(_row({}))
    old = {**row, "description": {"d": {"decimal": "1.5"}, "m": {"decimal": "1", "b": 2}}}
    back = rk.from_row(rk.UsageRow, old)
    assert back.description == {"d": Decimal("1.5"), "m": {"decimal": "1", "b": 2}}


def test_a_tag_holding_neither_a_string_nor_an_object_is_refused():
    row = rk.to_row(_row({}))
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.UsageRow, {**row, "description": {"p": {"decimal": 2}}})
    assert str(caught.value) == (
        'description.p: a tagged decimal holds a string such as "1.5", or an object for a '
        'mapping whose only key is "decimal" ({"decimal": {"decimal": ...}}), not 2.'
    )


def test_an_escaped_mapping_adds_no_level_of_depth():
    # 32 levels of mappings whose one key is "decimal": as deep as a description may be,
    # though the row nests twice as deep.
    value: object = "x"
    for _ in range(32):
        value = {"decimal": value}
    row = _row({"deep": value})
    assert rk.from_row(rk.UsageRow, _json(rk.to_row(row))) == row


# The keys a tag or an escape uses, and values that look like their contents.
_KEYS = st.sampled_from(["decimal", "type", "values", "mapping", "list", "a"])
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["1.5", ",", "", "OneOf", "decimal", "2e3"]),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000),
)
_VALUES = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(_KEYS, children, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=LAWS)
@given(st.dictionaries(_KEYS, _VALUES, max_size=4))
def test_law_any_description_round_trips_through_json(description):
    row = _row(description)
    back = rk.from_row(rk.UsageRow, _json(rk.to_row(row)))
    assert back == row
    assert back.description == row.description
    # and its types: a Decimal stays a Decimal, a string a string, a mapping a mapping
    assert repr(back.description) == repr(row.description)


def test_an_inventory_where_value_that_reads_as_a_condition_is_escaped():
    # A plain mapping equal to a condition's plan data is a plain value, not a OneOf.
    plain = {"type": "OneOf", "values": ["a"]}
    inventory = rk.Inventory(
        "2026-03-15T00:00:00Z", [], where={"meta": plain, "zone": rk.OneOf(["a"])}
    )
    where = rk.to_row(inventory)["where"]
    assert where == [
        ["meta", {"decimal": {"type": "OneOf", "values": ["a"]}}],
        ["zone", {"type": "OneOf", "values": ["a"]}],
    ]
    back = rk.from_row(rk.Inventory, _json(rk.to_row(inventory)))
    assert back == inventory
    assert dict(back.where)["meta"] == plain


@settings(max_examples=LAWS)
@given(
    st.dictionaries(_KEYS, _VALUES, max_size=3),
    st.dictionaries(
        _KEYS,
        st.one_of(
            _VALUES,
            st.builds(rk.OneOf, st.lists(st.sampled_from(["a", "b", 1]), min_size=1, max_size=2)),
            st.builds(rk.AtLeast, st.integers(0, 9)),
        ),
        max_size=3,
    ),
)
def test_law_any_inventory_round_trips_through_json(attributes, where):
    # A listing, and a scope (one listing nothing: a listed resource must meet the scope).
    listing = rk.Inventory("2026-03-15T00:00:00Z", {("acme", "vm-1"): attributes}, id="inv")
    scope = rk.Inventory("2026-03-15T00:00:00Z", [], where=where, accounts=["acme"])
    for inventory in (listing, scope):
        back = rk.from_row(rk.Inventory, _json(rk.to_row(inventory)))
        assert back == inventory
        assert repr(back) == repr(inventory)


# -- 2. a price model of your own --------------------------------------------------------------


class Capped:
    """The "Your own price model" example of docs/pricing.md: 0.05 per unit, at most 20."""

    linear = False

    def amount(self, quantity: Decimal) -> Decimal:
        return min(Decimal("0.05") * quantity, Decimal(20))

    def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        return (
            rk.TierLine(
                label="capped at 20",
                lower=None,
                upper=None,
                quantity=quantity,
                unit=Decimal("0.05"),
                amount=self.amount(quantity),
            ),
        )

    def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        return self.amount(quantity + added) - self.amount(quantity)


def _capped_rating() -> rk.Rating:
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("c", "vm", Capped())])
    rows = [
        rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, 1000, "hour", {"zone": "a"}, ("s1",)),
    ]
    return rk.rate(rows, plan, span=MARCH)


def test_frames_show_charges_priced_by_your_own_model():
    rating = _capped_rating()
    charges = rk.charges_frame(rating)
    # 1000 hours x 0.05 = 50, capped at 20
    assert charges[["resource", "quantity", "amount", "description.zone"]].to_dict("records") == [
        {
            "resource": "vm-1",
            "quantity": Decimal(1000),
            "amount": Decimal(20),
            "description.zone": "a",
        }
    ]
    assert "price" not in charges.columns
    lines = rk.invoice_lines_frame(rk.bill(rating))
    assert lines[["account", "precise", "amount"]].to_dict("records") == [
        {"account": "acme", "precise": Decimal(20), "amount": Decimal("20.00")}
    ]


def test_a_row_of_a_charge_priced_by_your_own_model_is_refused_saying_what_to_do():
    rating = _capped_rating()
    message = (
        "Capped is a price model of your own: code, which a row cannot hold (a row holds a "
        "charge's price model as plan data, to read the charge back with its tier "
        "breakdown). rk.charges_frame, rk.invoice_lines_frame and rk.focus_rows export such "
        "charges, without their price model; to store charges as rows, price them with "
        "ratekit's price models (PerUnit, Flat, Graduated, Volume, Package, Percentage, "
        "GraduatedPercentage)."
    )
    with pytest.raises(rk.BadDataError) as caught:
        rk.to_row(rating.charges[0])
    assert str(caught.value) == f"price: {message}"
    with pytest.raises(rk.BadDataError) as caught:
        rk.to_row(rk.bill(rating)[0])
    assert str(caught.value) == f"lines[0].charges[0].price: {message}"
    # The charge's own row, and FOCUS, are fine.
    assert rk.to_row(rating.charges[0].row)["resource"] == "vm-1"
    assert [row["BilledCost"] for row in rk.focus_rows(rating, provider="X")] == ["20.00"]


# -- 3. Inventory rows -------------------------------------------------------------------------


def test_an_inventory_round_trips_through_json():
    inventory = rk.Inventory(
        "2026-03-15T00:00:00+01:00",
        {
            ("acme", "vm-1"): {"flavor": "m1", "size_gb": Decimal("2.5"), "tags": ["a"]},
            ("acme", "vm-2"): {},
        },
        close="last_seen",
        id="inv-15",
        accounts=["acme"],
        where={
            "entity": "vm",
            "zone": rk.OneOf(["ch-gva-2", "de-fra-1"]),
            "cores": rk.Between(1, 64),
            "size_gb": Decimal("2.50"),
        },
    )
    row = rk.to_row(inventory)
    assert row == {
        "at": "2026-03-14T23:00:00Z",
        "resources": [
            ["acme", "vm-1", {"flavor": "m1", "size_gb": {"decimal": "2.5"}, "tags": ["a"]}],
            ["acme", "vm-2", {}],
        ],
        "close": "last_seen",
        "id": "inv-15",
        "accounts": ["acme"],
        "where": [
            ["cores", {"type": "Between", "lower": "1", "upper": "64"}],
            ["entity", "vm"],
            ["size_gb", {"decimal": "2.50"}],  # was "2.50": a string, not the Decimal
            ["zone", {"type": "OneOf", "values": ["ch-gva-2", "de-fra-1"]}],
        ],
    }
    back = rk.from_row(rk.Inventory, _json(row))
    assert back == inventory
    assert repr(back) == repr(inventory)
    assert dict(back.where)["size_gb"] == Decimal("2.50")
    plain = rk.Inventory("2026-03-01T00:00:00Z", [("acme", "vm-1")])
    assert rk.from_row(rk.Inventory, _json(rk.to_row(plain))) == plain


_LISTED = rk.to_row(rk.Inventory("2026-03-01T00:00:00Z", [("acme", "vm-1")], id="i"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"resources": [["acme", "vm-1", {}], ["acme", "vm-1", {}]]},
            (
                "inventory[0].resources[1]: ('acme', 'vm-1') is listed twice; an inventory "
                "lists a resource once."
            ),
        ),
        (
            {"where": {"zone": "a"}},
            (
                "inventory[0].where: an inventory's where is a list of [path, condition] "
                "pairs, not {'zone': 'a'}."
            ),
        ),
        (
            {"where": [["zone"]]},
            (
                "inventory[0].where[0]: an inventory's where holds [path, condition] pairs, "
                "not ['zone']."
            ),
        ),
        (
            {"where": [["zone", "a"], ["zone", "b"]]},
            "inventory[0].where[1]: the path 'zone' is in the inventory's where twice.",
        ),
        (
            {"where": [["cores", {"type": "AtLeast", "bound": "lots"}]]},
            (
                "inventory[0].where[0].bound: 'lots' is not a decimal number; write it like "
                "'12.5' or '1e9'."
            ),
        ),
        (
            {"where": [["zone", {"decimal": 2}]]},
            (
                'inventory[0].where[0]: a tagged decimal holds a string such as "1.5", or an '
                'object for a mapping whose only key is "decimal" '
                '({"decimal": {"decimal": ...}}), not 2.'
            ),
        ),
        (
            {"close": "never"},
            "inventory[0].close: 'never' is not one of 'snapshot', 'last_seen'.",
        ),
    ],
    ids=["twice", "not-a-list", "not-a-pair", "path-twice", "bad-bound", "bad-tag", "close"],
)
def test_a_bad_inventory_row_names_the_key(changes, message):
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Inventory, {**_LISTED, **changes}, path="inventory[0]")
    assert str(caught.value) == message


def test_seeded_random_inventories_round_trip():
    generator = random.Random(39)
    conditions = [rk.OneOf(["a", "b"]), rk.AtMost(8), rk.Below("0.5"), "vm", Decimal("0.10"), 3]
    for _ in range(200):
        listed = {
            (f"acct-{generator.randrange(3)}", f"r-{i}"): {
                "n": generator.randrange(-5, 5),
                "d": Decimal(generator.randrange(-999, 999)).scaleb(-generator.randrange(4)),
                "decimal": {"decimal": str(generator.random())},
            }
            for i in range(generator.randrange(4))
        }
        where = {f"k{i}": generator.choice(conditions) for i in range(generator.randrange(3))}
        inventory = rk.Inventory(
            "2026-03-15T00:00:00Z",
            {} if where else listed,  # a listed resource must meet the where's conditions
            close=generator.choice(["snapshot", "last_seen"]),
            where=where or None,
            id=generator.choice([None, "inv"]),
        )
        assert rk.from_row(rk.Inventory, _json(rk.to_row(inventory))) == inventory


# -- 4. FOCUS Tags -----------------------------------------------------------------------------


def test_focus_tags_write_nested_values_as_json_text():
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit(1))]
    )
    row = _row(
        {
            "image": {"name": "ubuntu", "size_gb": Decimal("2.5")},
            "zones": ["a", "b"],
            "cores": Decimal("1E+1"),
            "gpu": True,
            "n": 2,
        }
    )
    tags = rk.focus_rows(rk.rate([row], plan, span=MARCH), provider="X")[0]["Tags"]
    # keys in sorted order (equal descriptions are one text, whatever their key order)
    assert tags == (
        '{"cores": "10", "gpu": true, '
        '"image": "{\\"name\\":\\"ubuntu\\",\\"size_gb\\":\\"2.5\\"}", '
        '"n": 2, "zones": "[\\"a\\",\\"b\\"]"}'
    )
    # FOCUS's Key-Value Format: values are numbers, strings, bools or null, never objects
    # or arrays; a nested value reads back with json.loads, its Decimals exact strings.
    values = json.loads(tags)
    assert all(not isinstance(value, dict | list) for value in values.values())
    assert json.loads(values["image"]) == {"name": "ubuntu", "size_gb": "2.5"}
    assert json.loads(values["zones"]) == ["a", "b"]


# -- 5. empty cells in frames --------------------------------------------------------------------


def test_empty_cells_are_none_in_every_column():
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm", rk.PerUnit(1))],
        fees=[rk.Fee("base", 5)],
    )
    rating = rk.rate([_row({})], plan, span=MARCH)
    lines = rk.invoice_lines_frame(rk.bill(rating))
    fee = lines[lines["kind"] == "fee"].iloc[0]
    # resource and owner were NaN (pandas 3's text dtype), share and commitment None.
    assert [fee[key] for key in ("resource", "owner", "share", "commitment")] == [None] * 4
    for frame in (lines, rk.charges_frame(rating)):
        cells = [cell for column in frame.columns for cell in frame[column]]
        assert not any(isinstance(cell, float) for cell in cells)  # no NaN anywhere
        assert str(frame["resource"].dtype) == "object"
    # The same dtypes with no rows.
    quiet = rk.invoice_lines_frame([])
    assert dict(quiet.dtypes) == dict(lines.dtypes)
