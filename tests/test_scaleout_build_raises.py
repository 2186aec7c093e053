"""A ``build=`` that raises is refused naming the element, its own error as the cause.

Run without a scheduler over the stand-in bag of ``tests/test_scaleout_inventories.py``.
"""

from __future__ import annotations

import pytest
from tests.test_scaleout_inventories import HOURS, MARCH, ListBag, plan

import ratekit as rk
from ratekit.scaleout import bill_by_account, rate_by_account

ROWS = [("acme", "vm-1", "2026-03-02T08:00:00Z", "start"), ("acme", "vm-1", "lost", "stop")]


def _build(row: tuple[str, str, str, str]) -> rk.Event:
    account, resource, at, kind = row
    if at == "lost":
        raise KeyError("at")
    return rk.Event(account, resource, at, kind=kind)  # type: ignore[arg-type]


@pytest.mark.parametrize("function", [rate_by_account, bill_by_account])
def test_a_build_that_raises_names_the_element(function: object) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        function(ListBag([ROWS]), plan(), span=MARCH, meters=HOURS, build=_build)  # type: ignore[operator]
    name = function.__name__  # type: ignore[attr-defined]
    assert str(caught.value) == (
        f"{name} build raised KeyError: 'at' for the element ('acme', 'vm-1', 'lost', "
        "'stop'); build must return an Event or a Sample for every element."
    )
    assert isinstance(caught.value.__cause__, KeyError)


def test_a_ratekit_error_of_the_build_passes_as_it_is() -> None:
    rows = [("acme", "vm-1", "2026-03-02T08:00:00", "start")]  # no UTC offset
    with pytest.raises(rk.BadTimeError, match="has no UTC offset"):
        rate_by_account(ListBag([rows]), plan(), span=MARCH, meters=HOURS, build=_build)
