"""The CSV guard recipe of the Exports page guards formulas whatever the decimal context."""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "exports.md"
_DEFINITIONS = ("import re", "from decimal import", "NUMBER =", "def guarded")


def _recipe() -> Callable[[object], object]:
    """The page's ``guarded`` (with what it defines before it), run as the page runs it."""
    section = PAGE.read_text(encoding="utf-8").split("## CSV and spreadsheets", 1)[1]
    lines = section.split("```pycon", 1)[1].split("```", 1)[0].splitlines()
    source: list[str] = []
    for line in lines:  # the definitions at the block's top, up to the first other statement
        if line.startswith(">>> ") and not line[4:].startswith(_DEFINITIONS):
            break
        if line.startswith((">>> ", "... ")):
            source.append(line[4:])
    namespace: dict[str, object] = {}
    exec("\n".join(source), namespace)  # the page's own recipe
    guarded = namespace["guarded"]
    assert callable(guarded)
    return guarded


@pytest.mark.parametrize("trapped", [True, False])
def test_a_formula_is_guarded_and_a_number_is_not_in_any_decimal_context(trapped: bool) -> None:
    guarded = _recipe()
    with decimal.localcontext() as context:
        context.traps[decimal.InvalidOperation] = trapped
        context.prec = 3
        for formula in ("=1+1", '=HYPERLINK("x")', "@SUM(1)", "+cmd", "-2+3", "-NaN", "\t=1"):
            assert guarded(formula) == "'" + formula
        for number in ("-0.01", "+12", "-1E+3", "-.5"):
            assert guarded(number) == number
    assert re.fullmatch(r"[^=+\-@]*", str(guarded("plain")))
