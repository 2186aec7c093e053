"""The hot paths of metering and rating give exactly what the general paths give."""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
LEVEL = rk.Meter("level", "unit*hour", rk.Continuous("n"))


def test_equal_descriptions_of_other_types_are_not_shared() -> None:
    # 1 == True == Decimal("1.0"), but each resource keeps the description it was given:
    # metering shares equal descriptions between resources only when they print alike.
    values: list[object] = [1, True, Decimal("1.0"), Decimal(1), 1, "1"]
    records = [
        rk.Event("acme", f"r{i}", "2026-03-01T00:00:00Z", {"n": value, "k": "x"}, kind="start")
        for i, value in enumerate(values)
    ]
    records.append(rk.Event("acme", "r9", "2026-03-01T00:00:00Z", {"k": "x", "n": 1}, kind="start"))
    usage = rk.meter(records, [RUNTIME], span=MARCH, cycle=None, as_of=MARCH.end)
    shown = {row.resource: repr(row.description) for row in usage.rows}
    assert shown == {
        "r0": "{'n': 1, 'k': 'x'}",
        "r1": "{'n': True, 'k': 'x'}",
        "r2": "{'n': Decimal('1.0'), 'k': 'x'}",
        "r3": "{'n': Decimal('1'), 'k': 'x'}",
        "r4": "{'n': 1, 'k': 'x'}",
        "r5": "{'n': '1', 'k': 'x'}",
        "r9": "{'k': 'x', 'n': 1}",
    }
    types = {row.resource: type(row.description["n"]) for row in usage.rows}
    assert (types["r0"], types["r1"], types["r2"], types["r4"]) == (int, bool, Decimal, int)


def test_a_level_is_computed_per_description_not_per_resource() -> None:
    # The same description on two resources, and a resize back and forth: each piece's
    # quantity is its own level times its own time.
    records = [
        rk.Event("acme", "a", "2026-03-01T00:00:00Z", {"n": 2}, kind="start", id="a1"),
        rk.Event("acme", "a", "2026-03-01T01:00:00Z", {"n": 3}, kind="start", id="a2"),
        rk.Event("acme", "a", "2026-03-01T03:00:00Z", {"n": 2}, kind="start", id="a3"),
        rk.Event("acme", "a", "2026-03-01T04:00:00Z", kind="stop", id="a4"),
        rk.Event("acme", "b", "2026-03-01T00:00:00Z", {"n": 2}, kind="start", id="b1"),
        rk.Event("acme", "b", "2026-03-01T05:00:00Z", kind="delete", id="b2"),
    ]
    usage = rk.meter(records, [LEVEL], span=MARCH, cycle=None, as_of=MARCH.end)
    assert [(row.resource, row.quantity, dict(row.description)) for row in usage.rows] == [
        ("a", Decimal(2), {"n": 2}),
        ("a", Decimal(6), {"n": 3}),
        ("a", Decimal(2), {"n": 2}),
        ("b", Decimal(10), {"n": 2}),
    ]
