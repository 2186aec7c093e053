"""Descriptions shared: one read-only mapping per distinct description in a metering call.

Private to the timelines (`ratekit._timelines`, split from it), which apply each
resource's events: a fleet has few distinct descriptions (a handful of flavors), so
`_shared()` returns the one description with the same items through a table kept for
the whole call, and `_merged()` looks up an update of a description made before (a
resize to a flavor seen before) instead of merging it again.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Final

from ._descriptions import _FrozenDict, apply_attributes

__all__ = ["Descriptions", "_merged", "_merged_anew", "_shared"]

#: Attribute value types whose equal values print alike: descriptions made only of them
#: can be shared (1 == True and Decimal("1.0") == Decimal("1"), but they print apart).
_SHAREABLE: Final = frozenset({str, int, bool})

#: The most items a shared description holds: a flavor's description has a handful.
_SHARED_KEYS: Final = 64

#: Keys: a description's value types, keys and values' text (`_shared`), or the id of a
#: description with an update's (`_merged`: by content, or by the ids of both).
Descriptions: typing.TypeAlias = dict[tuple[object, ...], _FrozenDict]


def _shared(description: _FrozenDict, table: Descriptions) -> _FrozenDict:
    """The one description with the same items, in the same order, of the same types.

    A fleet has few distinct descriptions (a handful of flavors), so one call shares one
    read-only mapping per description instead of building one per event: fewer objects
    for the garbage collector, and a level computed once per description. Descriptions
    holding other types (a Decimal), or more than `_SHARED_KEYS` items, are returned as
    they are: a description that updates keep growing (a new tag at each event) would
    otherwise be hashed whole at each of them, quadratic in its events.
    """
    if len(description) > _SHARED_KEYS:
        return description
    types = tuple(map(type, description.values()))
    if not _SHAREABLE.issuperset(types):
        return description
    # the keys and the values' text (their exact types in ``types``): strings, whose
    # hashes are randomised, where an int hashes to itself (see _hash_keys)
    key = (types, *description, *map(str, description.values()))
    found = table.get(key)
    if found is None:
        table[key] = description
        return description
    return found


_UPDATE_TYPES: Final = frozenset({str, int, bool, type(None)})


def _merged(
    description: _FrozenDict, attributes: Mapping[str, object], descriptions: Descriptions | None
) -> _FrozenDict:
    """``description`` updated by ``attributes``, shared through ``descriptions`` if given.

    The same update of the same description (a resize to a flavor seen before) is looked
    up rather than merged again: the key holds the update's items and their types, and
    the entry keeps ``description`` alive, so its id is not reused during the call.

    A batch's events share their read-only attributes (one mapping per flavor): the update
    by the mapping that first made an entry is found by identity, hashing nothing (the
    entry keeps the mapping alive too). O(1) then, else O(k) for k attributes.
    """
    if descriptions is None:
        return apply_attributes(description, attributes)
    found = descriptions.get((id(description), id(attributes), None))
    if found is not None:
        return found
    return _merged_anew(description, attributes, descriptions)


def _merged_anew(
    description: _FrozenDict, attributes: Mapping[str, object], descriptions: Descriptions
) -> _FrozenDict:
    """`_merged()` once the update by ``attributes`` itself (by identity) is not known."""
    types = tuple(map(type, attributes.values()))
    if not _UPDATE_TYPES.issuperset(types):
        return _shared(apply_attributes(description, attributes), descriptions)
    key = (id(description), types, *attributes, *map(str, attributes.values()))
    found = descriptions.get(key)
    if found is None:
        found = _shared(apply_attributes(description, attributes), descriptions)
        descriptions[key] = found
        descriptions[id(description), id(found)] = description  # keeps it alive
        if type(attributes) is _FrozenDict:  # read-only: the same mapping, the same update
            descriptions[id(description), id(attributes), None] = found
            descriptions[(id(attributes),)] = attributes  # keeps it alive
    return found
