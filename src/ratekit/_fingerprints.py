"""The fingerprint of the plans and meters a rater's snapshot was taken under.

A canonical description of the plans and meters (attrs fields, containers, reprs), its
sha256 (`ratekit._snapshot_seal.checksum`): the same for two processes that build the
same plans and meters. Frozen plans and meters (ratekit's own values all through) are
described once per process: a rater built or restored again under the same objects gets
their fingerprint back (`fingerprint`). Private to the snapshot (`ratekit._snapshot`
re-exports it).
"""

from __future__ import annotations

import datetime as dt
import decimal
import operator
import zoneinfo
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

import attrs

from ._decimals import CONTEXT
from ._frozen_map import FrozenMap
from ._snapshot_seal import ADDED, _canonical, checksum

__all__ = ["fingerprint"]


class _Memo(dict[tuple[int, int], object]):
    """The attrs values described so far in one description, by identity and depth.

    ``pure``: whether every value described is frozen (`_frozen`).
    """

    pure = True


#: The types outside ratekit whose values cannot change: described by their repr.
_FROZEN: Final = frozenset(
    (
        dt.datetime,
        dt.date,
        dt.time,
        dt.timedelta,
        dt.timezone,
        zoneinfo.ZoneInfo,
        Fraction,
        float,
        complex,
        type(Ellipsis),
    )
)


def _frozen(kind: type) -> bool:
    """Whether values of ``kind`` (an attrs class, or one described by its repr) cannot change.

    Ratekit's attrs classes are all frozen; a value of another type, or of a caller's
    subclass, may change under the same identity. O(1).
    """
    return kind in _FROZEN or kind.__module__.partition(".")[0] == "ratekit"


def _describe(  # noqa: PLR0911 - one case per kind
    value: object, depth: int = 0, plans: _Memo | None = None
) -> object:
    """A canonical, JSON-safe description of a value (attrs fields, containers, reprs).

    ``plans``: the descriptions of the attrs values (plans, their entries) met so far in
    this call, by identity and depth: thousands of assignments share a few plans, each
    described once. (Every value described lives through the call: no id is reused.)
    It also says whether every value met is frozen (`_frozen`; tuples, frozensets and
    ratekit's `FrozenMap` for containers): only then may the description be kept.
    """
    if depth > 50:
        return "..."
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return {"decimal": CONTEXT.to_sci_string(value)}
    kind = type(value)
    if attrs.has(kind):
        key = (id(value), depth)
        if plans is not None:
            if key in plans:
                return plans[key]
            if not _frozen(kind):
                plans.pure = False
        described = {
            "type": kind.__qualname__,
            "fields": {
                field.name: _describe(getattr(value, field.name), depth + 1, plans)
                for field in attrs.fields(kind)
                if field.eq and not _unsaid(field, value)
            },
        }
        if plans is not None:
            plans[key] = described
        return described
    if plans is not None and kind not in (tuple, frozenset, FrozenMap) and not _frozen(kind):
        plans.pure = False  # a list, a set, a dict, a caller's object
    if isinstance(value, Mapping):
        items = [
            [_describe(k, depth + 1, plans), _describe(v, depth + 1, plans)]
            for k, v in value.items()
        ]
        return sorted(items, key=_canonical)
    if isinstance(value, frozenset | set):
        return sorted((_describe(item, depth + 1, plans) for item in value), key=_canonical)
    if isinstance(value, list | tuple):
        return [_describe(item, depth + 1, plans) for item in value]
    text = repr(value)
    # An object without a stable repr (a function, a plain instance) is named by its type.
    return type(value).__qualname__ if " at 0x" in text else text


def _unsaid(field: attrs.Attribute[object], value: object) -> bool:
    """Whether ``field`` of ``value`` is left out of its description.

    A field added after snapshots were first taken (``metadata={ADDED: True}``), at its
    default: what those snapshots were taken under keeps its fingerprint.
    """
    return bool(field.metadata.get(ADDED)) and getattr(value, field.name) == field.default


def fingerprint(
    plans: object, meters: Iterable[object], *, ordered: bool | Literal["plans"] = False
) -> str:
    """The sha256 (hex) of a canonical description of the plans and meters.

    Two processes that build the same plans and meters get the same fingerprint, whatever
    the order of the meters and of the assignments (an account's assignments are read in
    time order, so their listing order changes no money; anything that changes money, a
    price, a plan, an assignment's account or instants, changes the fingerprint).
    ``ordered=True``: the fingerprint of the first snapshots, which depended on both
    orders; ``ordered="plans"``: that of the snapshots after them, which depended on the
    assignments' order; both still accepted by restore.

    Examples:
        >>> import ratekit as rk
        >>> runtime = rk.Meter("runtime", "hour", rk.OnOff())
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "runtime", rk.PerUnit(1))])
        >>> fingerprint(plan, [runtime]) == fingerprint(plan, [runtime])
        True
        >>> fingerprint(plan, [runtime]) == fingerprint(plan, [])
        False
        >>> a, b = rk.Assignment("a", plan), rk.Assignment("b", plan)
        >>> fingerprint([a, b], [runtime]) == fingerprint([b, a], [runtime])
        True
    """
    meters = tuple(meters)
    # A tuple of assignments is built anew by each rater: known by its items.
    held = (*plans, *meters) if type(plans) is tuple else (plans, *meters)
    key = (type(plans) is tuple, len(meters), ordered, *map(id, held))
    found = _FINGERPRINTS.get(key)
    if found is not None and all(map(operator.is_, found[0], held)):
        return found[1]
    memo = _Memo()
    with decimal.localcontext(CONTEXT):  # numbers and reprs as ratekit writes them, any caller
        described = [_describe(meter, 0, memo) for meter in meters]
        shown = _describe(plans, 0, memo)
    if ordered is not True:
        described.sort(key=_canonical)
    if not ordered and isinstance(plans, list | tuple) and isinstance(shown, list):
        shown.sort(key=_canonical)
    print_ = checksum({"plans": shown, "meters": described})
    if memo.pure and type(plans) is not list:  # frozen through: the same objects, the same print
        if len(_FINGERPRINTS) >= _KEPT_PRINTS:
            _FINGERPRINTS.clear()
        _FINGERPRINTS[key] = (held, print_)
    return print_


#: The fingerprints of frozen plans and meters, by their identities (the objects held, so
#: that no id is reused while kept): a rater restored again and again under the same plans
#: describes them once. Bounded.
_FINGERPRINTS: dict[tuple[object, ...], tuple[tuple[object, ...], str]] = {}
_KEPT_PRINTS: Final = 64
