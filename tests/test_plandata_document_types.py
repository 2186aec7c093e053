"""Every list of a plan document checks the type of its items, naming the document path.

A plan's place holding a cycle, a meter's place holding a price, an entry's place holding
a cycle: each is refused with a ``BadDataError`` at its own path (``plans[0]``,
``meters[0]``, ``plans[0].entries[0]``), never an ``AttributeError`` and never later.
"""

from __future__ import annotations

from typing import Any

import pytest

import ratekit as rk
from ratekit import plandata

MONTHLY = {"type": "cycles.Monthly", "tz": "UTC", "day": 1}
PER_UNIT = {"type": "PerUnit", "rate": "1"}


def _plan(**fields: Any) -> dict[str, Any]:
    return {"id": "p", "currency": "EUR", "cycle": MONTHLY, "entries": [], **fields}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"plans": [MONTHLY]},
            (
                "plans[0]: type 'cycles.Monthly' is not what this field holds: expected an object "
                "(Plan), written with its fields and no 'type' (or the type 'Plan')."
            ),
        ),
        (
            {"plans": [_plan(), PER_UNIT]},
            (
                "plans[1]: type 'PerUnit' is not what this field holds: expected an object (Plan), "
                "written with its fields and no 'type' (or the type 'Plan')."
            ),
        ),
        (
            {"meters": [PER_UNIT]},
            (
                "meters[0]: type 'PerUnit' is not what this field holds: expected an object "
                "(Meter), written with its fields and no 'type' (or the type 'Meter')."
            ),
        ),
        (
            {"meters": [{"type": "Tier", "up_to": "1", "unit": "1"}]},
            (
                "meters[0]: type 'Tier' is not what this field holds: expected an object (Meter), "
                "written with its fields and no 'type' (or the type 'Meter')."
            ),
        ),
        (
            {"plans": [_plan(entries=[MONTHLY])]},
            (
                "plans[0].entries[0]: type 'cycles.Monthly' is not what this field holds: expected "
                "an object (PriceEntry), written with its fields and no 'type' (or the type "
                "'PriceEntry')."
            ),
        ),
        (
            {"plans": [_plan(fees=[{"type": "Tier", "up_to": "1", "unit": "1"}])]},
            (
                "plans[0].fees[0]: type 'Tier' is not what this field holds: expected an object "
                "(Fee), written with its fields and no 'type' (or the type 'Fee')."
            ),
        ),
        (
            {"assignments": [{**MONTHLY, "account": "a", "plan": "p"}]},
            (
                "assignments[0]: type 'cycles.Monthly' is not what this list holds: expected an "
                "assignment, written with its fields and no 'type' (or the type 'Assignment')."
            ),
        ),
    ],
)
def test_an_item_of_another_type_is_refused_at_its_path(
    document: dict[str, Any], message: str
) -> None:
    with pytest.raises(rk.BadDataError) as caught:
        plandata.load_document(document)
    assert str(caught.value) == message


def test_items_written_with_their_own_type_are_taken() -> None:
    meter = {"type": "Meter", "name": "vm.hours", "unit": "hour", "policy": {"type": "OnOff"}}
    entry = {"type": "PriceEntry", "id": "vm", "meter": "vm.hours", "price": PER_UNIT}
    document = plandata.load_document(
        {
            "meters": [meter],
            "plans": [{"type": "Plan", **_plan(entries=[entry])}],
            "assignments": [{"type": "Assignment", "account": "acme", "plan": "p"}],
        }
    )
    assert [m.name for m in document.meters] == ["vm.hours"]
    assert [e.id for e in document.plans[0].entries] == ["vm"]
    assert [a.account for a in document.assignments] == ["acme"]


def test_an_unknown_type_in_a_list_still_names_what_data_can_name() -> None:
    with pytest.raises(rk.BadDataError, match=r"^plans\[0\]: type 'Nope' is not one plan data"):
        plandata.load_document({"plans": [{"type": "Nope"}]})


def test_a_document_built_in_python_checks_its_lists_too() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        plandata.Document(meters=[rk.PerUnit("1")])  # type: ignore[list-item]
    assert str(caught.value) == (
        "Document meters must be a list of Meter values, but its item [0] is PerUnit: PerUnit('1')."
    )
    with pytest.raises(rk.RatekitTypeError, match=r"^Document plans must be a list of Plan"):
        plandata.Document(plans=[rk.cycles.monthly(tz="UTC")])  # type: ignore[list-item]
    with pytest.raises(rk.RatekitTypeError, match=r"^Document assignments must be a list of"):
        plandata.Document(assignments=["acme"])  # type: ignore[list-item]
