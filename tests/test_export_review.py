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
from decimal import Decimal

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _json(value: object) -> object:
    """Through real JSON text, so nothing but JSON types survive."""
    return json.loads(json.dumps(value))


def _row(description: dict[str, object]) -> rk.UsageRow:
    return rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, 1, "hour", description, ())


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
    assert tags == (
        '{"image": "{\\"name\\":\\"ubuntu\\",\\"size_gb\\":\\"2.5\\"}", '
        '"zones": "[\\"a\\",\\"b\\"]", "cores": "10", "gpu": true, "n": 2}'
    )
    # FOCUS's Key-Value Format: values are numbers, strings, bools or null, never objects
    # or arrays; a nested value reads back with json.loads, its Decimals exact strings.
    values = json.loads(tags)
    assert all(not isinstance(value, dict | list) for value in values.values())
    assert json.loads(values["image"]) == {"name": "ubuntu", "size_gb": "2.5"}
    assert json.loads(values["zones"]) == ["a", "b"]
