"""The argument types of the policy protocols, and the door of the built-ins' methods.

Private to the policies: ``Description``, ``Condition``, ``Increment`` and ``Report`` (the
types the protocols of `ratekit.policies` name), and the checks the built-in policies'
protocol methods make of their arguments (see ``docs/guarantees.md``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Final

from . import _normalize as _n
from ._instants import format_us
from .errors import RatekitTypeError
from .records import (
    AnomalyKind,
    Sample,
)

Description: typing.TypeAlias = Mapping[str, object]
Condition: typing.TypeAlias = Mapping[str, object] | Callable[[Mapping[str, object]], bool]
Increment: typing.TypeAlias = tuple[int, int, Decimal, tuple[str, ...]]
"""An amount used: ``(start_us, end_us, amount, record_ids)``; ``start_us == end_us`` for an
amount at an instant, else the amount is spread linearly over ``[start_us, end_us)``."""
Report: typing.TypeAlias = Callable[[AnomalyKind, str, Sequence[Sample]], None]


# -- the door of the protocol methods ------------------------------------------------------
#
# The built-ins' protocol methods are public: metering calls them, and so may a user (to
# test a policy, or from a policy of their own that delegates to a built-in). Their
# arguments are checked here, once per call (not per reading: metering calls them once per
# description, per resource or per piece), so a wrong one is a RatekitTypeError naming the
# policy, the method and the argument, never an AttributeError from inside.


def _refused(
    policy: object, method: str, argument: str, value: object, accepted: str
) -> RatekitTypeError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:60] + "..." + shown[-12:]
    return RatekitTypeError(
        f"{type(policy).__name__}.{method} {argument} must be {accepted}, "
        f"not {type(value).__name__}: {shown}."
    )


def _description(policy: object, method: str, description: object) -> Description:
    if not isinstance(description, Mapping):
        raise _refused(
            policy, method, "description", description, "a mapping of attribute names to values"
        )
    return description


def _readings(policy: object, method: str, readings: object) -> Sequence[Sample]:
    """Samples in ``at`` order (what metering passes): O(n)."""
    accepted = "a list of Samples in (at, seq) order"
    if isinstance(readings, str | bytes) or not isinstance(readings, Sequence):
        raise _refused(policy, method, "readings", readings, accepted)
    last = None
    for sample in readings:
        if type(sample) is not Sample:
            raise _refused(policy, method, "readings", readings, accepted)
        if last is not None and sample.at_us < last:
            raise RatekitTypeError(
                f"{type(policy).__name__}.{method} readings must be in (at, seq) order, but "
                f"{_n.label(sample)} at {format_us(sample.at_us)} comes after a reading at "
                f"{format_us(last)}."
            )
        last = sample.at_us
    return readings


def _sample(policy: object, method: str, argument: str, value: object) -> Sample | None:
    if value is not None and type(value) is not Sample:
        raise _refused(policy, method, argument, value, "a Sample or None")
    return value


_US_LIMIT: Final = 2**63


def _piece(policy: object, start_us: object, end_us: object) -> None:
    for argument, value in (("start_us", start_us), ("end_us", end_us)):
        if type(value) is not int or not -_US_LIMIT <= value < _US_LIMIT:
            raise _refused(
                policy, "aggregate", argument, value, "an int of epoch microseconds (64 bits)"
            )
    if end_us < start_us:  # type: ignore[operator] # ints, checked above
        raise RatekitTypeError(
            f"{type(policy).__name__}.aggregate piece [{start_us}, {end_us}) ends before it "
            "starts; give start_us <= end_us."
        )


def _aggregated(
    policy: object, readings: object, start_us: object, end_us: object, before: object
) -> Sequence[Sample]:
    """The door of ``aggregate(readings, start_us, end_us, before)``."""
    _piece(policy, start_us, end_us)
    _sample(policy, "aggregate", "before", before)
    return _readings(policy, "aggregate", readings)


def _incremented(
    policy: object, readings: object, previous: object, report: object
) -> Sequence[Sample]:
    """The door of ``increments(readings, previous, report)``."""
    _sample(policy, "increments", "previous", previous)
    if not callable(report):
        raise _refused(
            policy, "increments", "report", report, "a function report(kind, message, samples)"
        )
    return _readings(policy, "increments", readings)
