"""The types plan data may name, and what each field's type hint lets it hold.

`TYPES` is the fixed table of the built-in types a ``"type"`` key may name (data, never
code); the helpers read a field's type hint: a list, a selector, a mapping, an object,
the kinds of value an extension-point field takes, and how to describe the hint in an
error message. `ratekit._plan_mapping` loads and dumps with them, and `ratekit.plandata`
re-exports `TYPES`.

Examples:
    >>> from ratekit import plandata
    >>> plandata.TYPES["Graduated"]
    <class 'ratekit.Graduated'>
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from . import cycles, percentages, policies, pricebook, prices, selectors, terms, windows
from ._codec import alternatives, fail
from ._shown import show
from .assignments import Assignment

__all__ = ["TYPES"]

#: The types plan data may name in ``"type"``: the built-in values only, never code.
#: A value type added to ratekit becomes loadable by adding it here.
TYPES: Final[Mapping[str, type]] = {
    "Plan": pricebook.Plan,
    "PriceEntry": pricebook.PriceEntry,
    "Allowance": terms.Allowance,
    "Minimum": terms.Minimum,
    "Fee": terms.Fee,
    "Assignment": Assignment,
    "Tier": prices.Tier,
    "PerUnit": prices.PerUnit,
    "Flat": prices.Flat,
    "Graduated": prices.Graduated,
    "Volume": prices.Volume,
    "Package": prices.Package,
    "Percentage": percentages.Percentage,
    "GraduatedPercentage": percentages.GraduatedPercentage,
    "cycles.Hourly": cycles.Hourly,
    "cycles.Daily": cycles.Daily,
    "cycles.Weekly": cycles.Weekly,
    "cycles.Monthly": cycles.Monthly,
    "cycles.Every": cycles.Every,
    "windows.DailyWindow": windows.DailyWindow,
    "windows.WeeklyWindow": windows.WeeklyWindow,
    "windows.CronWindow": windows.CronWindow,
    "windows.Union": windows.Union,
    "windows.Intersection": windows.Intersection,
    "windows.Complement": windows.Complement,
    "Meter": policies.Meter,
    "OnOff": policies.OnOff,
    "Continuous": policies.Continuous,
    "Discrete": policies.Discrete,
    "Counter": policies.Counter,
    "Max": policies.Max,
    "Min": policies.Min,
    "Latest": policies.Latest,
    "Count": policies.Count,
    "UniqueCount": policies.UniqueCount,
    "Percentile": policies.Percentile,
    "TimeWeightedMean": policies.TimeWeightedMean,
    "AtLeast": selectors.AtLeast,
    "Above": selectors.Above,
    "AtMost": selectors.AtMost,
    "Below": selectors.Below,
    "Between": selectors.Between,
    "OneOf": selectors.OneOf,
}
#: The conditions a selector (``where``) may hold besides plain values; ``Satisfies`` wraps
#: a function, so it is code and has no data form.
_SELECTORS: Final = frozenset({"AtLeast", "Above", "AtMost", "Below", "Between", "OneOf"})
_NAMES: Final[Mapping[type, str]] = {cls: name for name, cls in TYPES.items()}


def _named(*modules: object) -> tuple[str, ...]:
    return tuple(
        name
        for name, cls in TYPES.items()
        if any(vars(m).get(cls.__name__) is cls for m in modules)
    )


_PRICES: Final = tuple(name for name in _named(prices, percentages) if name != "Tier")
_WINDOWS: Final = tuple(name for name in TYPES if name.startswith("windows."))
_CYCLES: Final = tuple(name for name in TYPES if name.startswith("cycles."))
_POLICIES: Final = tuple(name for name in _named(policies) if name != "Meter")
#: What a field of each extension-point type may name in its "type".
_KINDS: Final[Mapping[Any, tuple[str, tuple[str, ...]]]] = {
    prices.PriceModel: ("a price model", _PRICES),
    pricebook._Window: ("a window", _WINDOWS),
    windows.Window: ("a window", _WINDOWS),
    pricebook._Cycle: ("a billing cycle", _CYCLES),
    policies.TimePolicy: ("a cost policy", _POLICIES),
    policies.DeltaPolicy: ("a cost policy", _POLICIES),
    policies.SamplePolicy: ("a cost policy", _POLICIES),
}
_KNOWN: Final = ", ".join(TYPES)

_NoneType: Final = type(None)


def _is_object_hint(hint: Any) -> bool:
    return isinstance(hint, type) and hint in _NAMES


def _tuple_item(hint: Any) -> Any | None:
    """``X`` for ``tuple[X, ...]``, else None."""
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
    return None


def _is_selector(hint: Any) -> bool:
    item = _tuple_item(hint)
    return item is not None and typing.get_origin(item) is tuple


def _is_mapping(hint: Any) -> bool:
    return typing.get_origin(hint) is Mapping or hint is Mapping


def _check_kind(data: Mapping[str, Any], hint: Any, path: str) -> None:
    """A "type" that names a built-in type of another kind than the field holds is refused."""
    kinds = [_KINDS[option] for option in alternatives(hint) if option in _KINDS]
    name = data.get("type")
    if not kinds or not isinstance(name, str) or name not in TYPES:
        return
    allowed = tuple(dict.fromkeys(n for _, names in kinds for n in names))
    if name not in allowed:
        raise fail(
            path,
            f"type {show(name)} is not {kinds[0][0]}; this field takes one of {', '.join(allowed)}.",
        )


def _describe(hint: Any) -> str:
    names = []
    for option in alternatives(hint):
        if option is _NoneType:
            names.append("null")
        elif option is Decimal:
            names.append("a decimal string")
        elif option is _dt.datetime:
            names.append("an ISO-8601 instant")
        elif option is _dt.tzinfo:
            names.append("an IANA timezone name")
        elif _is_selector(option):
            names.append("an object of attribute values")
        elif _tuple_item(option) is not None or option in (str, int, bool):
            names.append("a list" if _tuple_item(option) is not None else option.__name__)
        elif typing.get_origin(option) is typing.Literal:
            names.append(" or ".join(repr(arg) for arg in typing.get_args(option)))
        else:
            names.append(f"an object ({getattr(option, '__name__', str(option))})")
    return " or ".join(names)
