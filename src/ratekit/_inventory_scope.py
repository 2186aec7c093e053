"""An inventory's scope: which resources a snapshot speaks for, checked at the door.

A real listing covers part of a platform: one organisation's resources (``accounts``), one
kind of resource or one zone (``where``, a selector on descriptions, the same as a
[`PriceEntry`][ratekit.PriceEntry]'s). An [`Inventory`][ratekit.Inventory] reconciles only
the resources in its scope; the rule is told in its docstring and on the Usage page:

- a resource the inventory lists is in its scope (the listing says so);
- a resource it does not list is in its scope when its account is one of ``accounts``
  (any account when ``None``) and its description when the inventory is applied (at its
  instant ``at``, after the events stamped up to ``at``) matches ``where``.

A listing that contradicts its own scope is refused when the inventory is built: a listed
resource of an account outside ``accounts``, or listed attributes that fail a condition
of ``where`` on a path they give.
"""

from __future__ import annotations

import bisect
import sys
import typing
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Final, TypeAlias

from ._caller_objects import given_back, read_once
from ._decimals import to_decimal
from ._descriptions import _attribute_value, _items, decode_value, encode_value, plain_str
from ._paths import MISSING, checked_path, lookup
from ._shown import show

if TYPE_CHECKING:
    from .records import Inventory
from ._text import check_text
from .errors import BadRecordError, RatekitTypeError
from .selectors import (
    _CONDITIONS,
    Above,
    AtLeast,
    AtMost,
    Below,
    Between,
    OneOf,
    Satisfies,
    _matches,
)

__all__ = [
    "Where",
    "check_listed",
    "decode_where",
    "encode_where",
    "in_scope",
    "is_listed",
    "narrowed",
    "restricted",
    "scope_accounts",
    "scope_where",
    "views",
]

Where: TypeAlias = tuple[tuple[str, object], ...]
"""A selector as a sorted tuple of ``(path, condition or plain value)``, as a price entry keeps it."""


def scope_accounts(value: object, label: str) -> tuple[str, ...] | None:
    """The ``accounts`` of an inventory, sorted and without repeats; ``None``: every account.

    Raises [`RatekitTypeError`][ratekit.RatekitTypeError] for a value that is not an
    iterable of non-empty strings (a lone string included), and
    [`BadRecordError`][ratekit.BadRecordError] for an empty one. O(a log a).
    """
    if value is None:
        return None
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise RatekitTypeError(
            f"{label} accounts must be None (every account) or an iterable of account names "
            f"such as ['acme'], not {type(value).__name__}: {show(value)}."
        )
    names: set[str] = set()
    given = read_once(
        value, f"{label} accounts", type(value).__name__, "a list of account names such as ['acme']"
    )
    for account in given:
        if not isinstance(account, str) or not str.__len__(account):
            raise RatekitTypeError(
                f"{label} accounts must hold account names (non-empty strings), not "
                f"{type(account).__name__}: {show(account)}."
            )
        names.add(sys.intern(plain_str(check_text(account, f"{label} accounts item"))))
    if not names:
        raise BadRecordError(
            f"{label} accounts is empty: an inventory scoped to no account reconciles "
            "nothing; give the accounts the listing covers, or None for every account."
        )
    return tuple(sorted(names))


def scope_where(value: object, label: str) -> Where:
    """The ``where`` of an inventory as a sorted tuple of ``(path, condition)``; ``()``: any.

    A condition is a plain value (frozen as a description's values are, so the inventory
    stays hashable) or a selector condition ([`AtLeast`][ratekit.AtLeast],
    [`OneOf`][ratekit.OneOf], [`Satisfies`][ratekit.Satisfies]...). Raises
    [`RatekitTypeError`][ratekit.RatekitTypeError] naming ``where`` for anything else. O(k).
    """
    if value is None:
        return ()
    back = given_back(value)  # the pairs an inventory's where gives back, or None
    if back is not None:
        value = back
    if not isinstance(value, Mapping):
        raise RatekitTypeError(
            f"{label} where must be None (any description) or a selector: a mapping of "
            "attribute paths to values or conditions such as {'entity': 'vm'} (or the "
            "tuple of (path, condition) pairs an inventory's where gives back), not "
            f"{type(value).__name__}: {show(value)}."
        )
    pairs: list[tuple[str, object]] = []
    for path, condition in _items(value, f"{label} where"):
        key = plain_str(checked_path(path, f"{label} where key"))
        if isinstance(condition, Satisfies):
            raise RatekitTypeError(
                f"{label} where {key!r} is {condition!r}, a function: an inventory is a record, "
                "kept as data (rows, rater snapshots), so its selector holds values and "
                "conditions (AtLeast, Above, AtMost, Below, Between, OneOf), not code."
            )
        if isinstance(condition, OneOf):
            for member in condition.values:
                if member is not None and not isinstance(member, str | int | Decimal):
                    raise RatekitTypeError(
                        f"{label} where {key!r} is {condition!r}, whose value {show(member)} is "
                        "not data an inventory can keep: OneOf values here are strings, "
                        "numbers, bools or None."
                    )
        pairs.append(
            (key, condition)
            if isinstance(condition, _CONDITIONS)
            else (key, _attribute_value(condition, f"{label} where", key))
        )
    pairs.sort(key=lambda pair: pair[0])
    return tuple(pairs)


def check_listed(
    resources: Iterable[tuple[str, str, Mapping[str, object]]],
    accounts: tuple[str, ...] | None,
    where: Where,
    label: str,
) -> None:
    """Refuse a listing that contradicts its scope. O(n k) for n resources, k conditions.

    A listed resource must be of one of ``accounts``; its listed attributes, on each path
    of ``where`` they give, must meet the condition (a path they leave out is the
    resource's own description's: the listing is trusted for it).
    """
    for account, resource, attributes in resources:
        if accounts is not None and account not in accounts:
            raise BadRecordError(
                f"{label} lists {(account, resource)!r}, but its accounts are "
                f"{list(accounts)!r}: a scoped inventory lists only resources of its "
                "accounts; add the account to accounts, or leave the resource out."
            )
        for path, condition in where:
            value = lookup(attributes, path)
            if value is MISSING:
                continue
            if not _matches(((path, condition),), attributes):
                raise BadRecordError(
                    f"{label} lists {(account, resource)!r} with {path}={show(value)}, "
                    f"outside its where {{{path!r}: {condition!r}}}: a scoped inventory "
                    "lists only resources its selector matches; widen where, or leave the "
                    "resource out."
                )


def is_listed(
    resources: tuple[tuple[str, str, Mapping[str, object]], ...], account: str, resource: str
) -> bool:
    """Whether ``(account, resource)`` is among the sorted ``resources``. O(log n)."""
    index = bisect.bisect_left(resources, (account, resource), key=lambda item: item[:2])
    return index < len(resources) and resources[index][:2] == (account, resource)


def in_scope(
    accounts: tuple[str, ...] | None, where: Where, account: str, description: Mapping[str, object]
) -> bool:
    """Whether an unlisted resource of ``account`` described so is in the scope. O(a + k)."""
    if accounts is not None and account not in accounts:
        return False
    return not where or _matches(where, description)


# -- as data (the rater's snapshot) ------------------------------------------------------------

_THRESHOLDS: Final = {"AtLeast": AtLeast, "Above": Above, "AtMost": AtMost, "Below": Below}


def encode_where(where: Where) -> list[list[object]]:
    """``where`` as JSON data: ``[[path, value], ...]``; `decode_where()` reads it back.

    A plain value is written as `encode_value()` writes a description's; a condition as
    ``{"condition": [name, ...]}``: ``["AtLeast", "64"]``, ``["Between", "64", "128"]``,
    ``["OneOf", [value, ...]]`` (its values sorted, so equal selectors write alike). O(k).

    Examples:
        >>> import ratekit as rk
        >>> encode_where((("entity", "vm"), ("size", rk.AtLeast(64))))
        [['entity', 'vm'], ['size', {'condition': ['AtLeast', '64']}]]
    """
    out: list[list[object]] = []
    for path, condition in where:
        if isinstance(condition, Between):
            encoded: object = {"condition": ["Between", str(condition.lower), str(condition.upper)]}
        elif isinstance(condition, OneOf):
            values = sorted(condition.values, key=lambda v: (type(v).__name__, repr(v)))
            encoded = {"condition": ["OneOf", [encode_value(v) for v in values]]}
        elif isinstance(condition, AtLeast | Above | AtMost | Below):
            encoded = {"condition": [type(condition).__name__, str(condition.bound)]}
        else:
            encoded = encode_value(condition)
        out.append([path, encoded])
    return out


def decode_where(data: object) -> dict[str, object]:
    """The selector `encode_where()` wrote, for the inventory's door to check again.

    Raises TypeError or ValueError (the snapshot's decoder names the path) for data it
    did not write. O(k).
    """
    if not isinstance(data, list):
        raise TypeError(f"an inventory's where must be a list, not {show(data)}")
    out: dict[str, object] = {}
    for item in data:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            raise TypeError(f"an inventory's where holds [path, value] pairs, not {show(item)}")
        path, value = item
        if isinstance(value, Mapping) and len(value) == 1 and "condition" in value:
            out[path] = _condition(value["condition"])
        else:
            out[path] = decode_value(value)
    return out


def _condition(data: object) -> object:
    if not (isinstance(data, list) and data and isinstance(data[0], str)):
        raise TypeError(f"a stored condition is [name, ...], not {show(data)}")
    name, *rest = data
    if name in _THRESHOLDS and len(rest) == 1 and isinstance(rest[0], str):
        return _THRESHOLDS[name](to_decimal(rest[0], "a stored condition's bound"))
    if name == "Between" and len(rest) == 2 and all(isinstance(v, str) for v in rest):
        return Between(*(to_decimal(v, "a stored condition's bound") for v in rest))
    if name == "OneOf" and len(rest) == 1 and isinstance(rest[0], list):
        return OneOf([decode_value(v) for v in rest[0]])
    raise ValueError(f"a stored condition is not one ratekit writes: {show(data)}")


def narrowed(
    inventory: Inventory,
    listed: tuple[tuple[str, str, Mapping[str, object]], ...],
    accounts: tuple[str, ...] | None,
) -> Inventory:
    """``inventory`` listing only ``listed`` (a part of its listing), scoped to ``accounts``.

    The inventory itself when nothing is left out; else a copy with its instant, close
    policy, id and ``where`` (its fields were checked at its door: none is checked
    again). For metering a part of the resources or of the accounts. O(1).
    """
    if accounts == inventory.accounts and len(listed) == len(inventory.resources):
        return inventory
    part = object.__new__(type(inventory))
    part.__attrs_init__(
        inventory.at_us, listed, inventory.close, inventory.id, accounts, inventory.where
    )
    return part


def restricted(
    inventories: Iterable[Inventory | object], keys: Container[tuple[str, str]]
) -> list[Inventory]:
    """The inventories as metering a part of the resources, ``keys``, must see them.

    An inventory's effect on one resource depends only on whether it lists that resource
    (and with what attributes) and whether its scope covers it, so metering ``keys``
    alone takes each inventory's listing of ``keys`` alone: a resource of another part
    that it lists is not opened there as unknown (it is metered, and opened or not, with
    its own part). An inventory that lists nothing else stands as it is. O(i + l) for i
    inventories and l listed resources.
    """
    out: list[Inventory] = []
    for record in inventories:  # (the rater files its inventories among its records)
        inventory = typing.cast("Inventory", record)
        listed = tuple(item for item in inventory.resources if (item[0], item[1]) in keys)
        out.append(narrowed(inventory, listed, inventory.accounts))
    return out


def views(
    inventories: Sequence[Inventory],
) -> Callable[[tuple[str, str]], list[Inventory]]:
    """Each resource's view of ``inventories``, as `restricted` to it alone gives it.

    Every listing is indexed once (O(i + l)), so each resource's view is then O(i), where
    `restricted` to one resource reads every listing again: for many resources asked
    one by one.
    """
    index = [
        {(item[0], item[1]): item for item in inventory.resources} for inventory in inventories
    ]

    def view(key: tuple[str, str]) -> list[Inventory]:
        return [
            narrowed(inventory, (items[key],) if key in items else (), inventory.accounts)
            for inventory, items in zip(inventories, index, strict=True)
        ]

    return view
