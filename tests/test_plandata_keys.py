"""Plan data and rows with keys that are not strings: a BadDataError naming the path.

Two unknown keys of different types (a YAML document's ``1:`` next to a misspelt field)
escaped as ``TypeError: '<' not supported between instances of 'str' and 'int'`` from
sorting them; and a selector's key that is no string (``where: {1: small}``) was read as
the attribute ``'1'``, where ``PriceEntry(where={1: ...})`` refuses it.
"""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit import export, plandata

ENTRY = {"type": "PriceEntry", "id": "e", "meter": "m", "price": {"type": "PerUnit", "rate": "1"}}


@pytest.mark.parametrize(
    ("load", "message"),
    [
        (
            lambda: plandata.load({"type": "Tier", 1: 2, "zz": 3}),
            "zz: Tier has no field 'zz'; its fields are up_to, unit, flat, block.",
        ),
        (
            lambda: plandata.load_document({None: [], "x": []}),
            "x: a document holds 'meters', 'plans' and 'assignments' only.",
        ),
        (
            lambda: plandata.load({**ENTRY, "where": {1: "small"}}),
            "where: keys are attribute names (strings), not 1.",
        ),
        (
            lambda: plandata.load({**ENTRY, "where": {"flavor": {"a": {True: "x"}}}}),
            "where.flavor.a: keys are attribute names (strings), not True.",
        ),
        (
            lambda: export.from_row(
                rk.Credit,
                {
                    "id": "c",
                    "account": "a",
                    "amount": "1",
                    "currency": "EUR",
                    "start": "2026-01-01T00:00:00Z",
                    1: 2,
                    "zz": 3,
                },
            ),
            (
                "zz: a Credit row has no key 'zz'; its keys are account, amount, currency, "
                "expires, granted, id, priority, renews, start."
            ),
        ),
    ],
)
def test_keys_that_are_not_strings_are_named(load: object, message: str) -> None:
    with pytest.raises(rk.BadDataError) as caught:
        load()  # type: ignore[operator]
    assert str(caught.value) == message


def test_string_keys_still_load() -> None:
    entry = plandata.load({**ENTRY, "where": {"flavor": "small"}})
    assert entry == rk.PriceEntry("e", "m", rk.PerUnit(1), where={"flavor": "small"})
