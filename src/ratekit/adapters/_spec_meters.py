"""A CloudEvents `Spec`'s meters, checked before a feed is read.

Private to `ratekit.adapters.cloudevents`: which unit (fixed, or where each event states
it) the spec gives each type, with its meter, which must be among the meters given and
take a fixed unit (`units()`); and that each meter given takes the spec's kind of
quantity (`kinds_fit()`). Both refuse before any event is read, naming the spec's part.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

from ratekit.errors import RatekitTypeError
from ratekit.metering import accepted_kinds
from ratekit.policies import Meter

from ._units import meter_takes

if typing.TYPE_CHECKING:
    from .cloudevents import Spec

__all__ = ["TypeUnit", "for_type", "kinds_fit", "units"]


def for_type(value: str | tuple[tuple[str, str], ...] | None, event_type: str) -> str | None:
    """A unit or reference the Spec gives ``event_type`` (one for all, or its own), or None."""
    if value is None or isinstance(value, str):
        return value
    return dict(value).get(event_type)


#: A type's unit: its meter, and its fixed unit or where its events state one.
TypeUnit = tuple[Meter, str | None, str | None]


def units(spec: Spec, meters: Mapping[str, Meter]) -> dict[str, TypeUnit]:
    """Each type ``spec`` gives a unit, with its meter (from ``meters``). O(types).

    Its meter must be among ``meters``, and take its fixed unit: else
    [`RatekitTypeError`][ratekit.RatekitTypeError] or [`UnitError`][ratekit.UnitError],
    before any event is read.
    """
    found: dict[str, TypeUnit] = {}
    for event_type, name in spec.meters:
        fixed, where = for_type(spec.unit, event_type), for_type(spec.unit_from, event_type)
        if fixed is None and where is None:
            continue
        meter = meters.get(name)
        if meter is None:
            known = ", ".join(repr(known) for known in meters) or "none"
            raise RatekitTypeError(
                f"usage_events meters must hold meter {name!r}: the spec gives type "
                f"{event_type!r} a unit, converted to its meter's (meters: {known})."
            )
        if fixed is not None:
            meter_takes(fixed, meter, f"Spec unit of type {event_type!r}")
        found[event_type] = (meter, fixed, where)
    return found


def kinds_fit(spec: Spec, meters: Mapping[str, Meter]) -> None:
    """Nothing if each of ``meters`` the spec's types map to takes its kind of quantity.

    Else, before any event is read, [`RatekitTypeError`][ratekit.RatekitTypeError] naming
    both (metering would refuse every sample, far from the feed). Meters not given are
    not checked. O(types).
    """
    accepted = accepted_kinds(meters)
    for event_type, name in spec.meters:
        kinds = accepted.get(name)
        if kinds is None or spec.kind in kinds:
            continue
        takes = " or ".join(repr(kind) for kind in sorted(kinds)) or "no samples (it is time-based)"
        raise RatekitTypeError(
            f"usage_events: the Spec's kind {spec.kind!r} does not fit meter {name!r} (of type "
            f"{event_type!r}), whose policy takes {takes}: build the Spec with the kind its "
            "quantities are, or map the type to a meter that takes them."
        )
