"""The doors of a plan's arguments: its lists of parts, its quantum, the rounding modes it takes.

Split from `ratekit.pricebook`, whose `Plan` takes its arguments through them: its
``entries``, ``allowances``, ``minimums`` and ``fees`` each taken once as a tuple of
their own type (any other value refused, naming the argument and the item), its
``quantum`` (by default the smallest unit of its currency), and the seven decimal
rounding modes that round to a quantum, which its ``rounding`` must be one of (a
charge's rounding is checked against them too: `ratekit.charges`,
`ratekit._export_checks`).
"""

from __future__ import annotations

import decimal
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final

from ._caller_objects import read_once
from ._decimals import to_decimal
from ._price_entries import PriceEntry
from ._shown import show
from .currencies import currency_code, currency_quantum
from .errors import RatekitTypeError
from .terms import Allowance, Fee, Minimum

if typing.TYPE_CHECKING:
    from .pricebook import Plan

__all__ = [
    "_MODES",
    "_optional_decimal",
    "_plan_allowances",
    "_plan_entries",
    "_plan_fees",
    "_plan_minimums",
    "_quantum_default",
    "_unsupported",
]


def _unsupported(mode: object) -> str:
    """Why ``mode`` is no rounding mode of a plan's (the seven that round to a quantum)."""
    if isinstance(mode, str) and mode == decimal.ROUND_05UP:  # no object's own __eq__
        return (
            "is a decimal rounding mode that rounds on a number's last digit, not to a "
            "quantum, and is not one a plan takes"
        )
    return "is not a decimal rounding mode"


_MODES: Final = frozenset(
    {
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_UP,
        decimal.ROUND_DOWN,
        decimal.ROUND_CEILING,
        decimal.ROUND_FLOOR,
    }
)


def _parts(kind: str, cls: type, example: str, value: object) -> tuple[typing.Any, ...]:
    """``value`` as a tuple of ``cls`` values, refusing anything else with a clear error."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise RatekitTypeError(
            f"Plan {kind} must be a list of {cls.__name__} values such as [{example}], "
            f"not {type(value).__name__}: {show(value)}."
        )
    accepted = f"a list of {cls.__name__} values"
    items = tuple(read_once(value, f"Plan {kind}", type(value).__name__, accepted))
    for index, item in enumerate(items):
        if not isinstance(item, cls):
            raise RatekitTypeError(
                f"Plan {kind}[{index}] must be {'an' if cls.__name__[0] in 'AEIOU' else 'a'} "
                f"{cls.__name__} such as {example}, not "
                f"{type(item).__name__}: {show(item)}."
            )
    return items


def _plan_entries(value: object) -> tuple[PriceEntry, ...]:
    return _parts("entries", PriceEntry, "PriceEntry('vm', 'vm.hours', PerUnit('0.10'))", value)


def _plan_allowances(value: object) -> tuple[Allowance, ...]:
    return _parts("allowances", Allowance, "Allowance('egress', 100)", value)


def _plan_minimums(value: object) -> tuple[Minimum, ...]:
    return _parts("minimums", Minimum, "Minimum(50)", value)


def _plan_fees(value: object) -> tuple[Fee, ...]:
    return _parts("fees", Fee, "Fee('support', 30)", value)


def _quantum_default(plan: Plan) -> Decimal:
    return currency_quantum(currency_code(plan.currency, f"plan {show(plan.id)} currency"))


def _optional_decimal(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, "Plan quantum")
