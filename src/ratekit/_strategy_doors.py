"""The checks of `ratekit.strategies`' arguments, made when a strategy is built.

Hypothesis would refuse a bad size or an empty choice only when a value is drawn, deep in
a test run and in its own words (or fail inside with a ``TypeError`` or an
``OverflowError``). These checks refuse them at once with a
[`RatekitTypeError`][ratekit.RatekitTypeError] naming the strategy's argument.
"""

from __future__ import annotations

import datetime as _dt
import sys
import typing
from collections.abc import Mapping, Sequence
from typing import Final

from ._decimals import MIN_ADJUSTED
from ._shown import show
from .errors import BadSpanError, RatekitTypeError

__all__ = [
    "MAX_PLACES",
    "accounts",
    "count",
    "duration",
    "flag",
    "meter_units",
    "names",
    "places",
    "some",
]

#: The most decimal places a drawn quantity may have: ratekit's numbers reach down to 1E-30.
MAX_PLACES: Final = -MIN_ADJUSTED

#: The largest size hypothesis takes (it turns a size into a float on the way).
_MOST: Final = sys.maxsize


def count(value: object, name: str, least: int = 0, *, most: int | None = _MOST) -> int:
    """``value`` as an exact int, refused where hypothesis would refuse it later, less clearly.

    ``most=None`` leaves the top to the caller's own, narrower check. An int subclass is
    judged by the int it holds (its own comparisons may say anything), and that int is
    returned: give it, not the subclass, to hypothesis.

    ```pycon
    >>> count(10**400, "timelines max_size")
    Traceback (most recent call last):
    ...
    ratekit.RatekitTypeError: timelines max_size must be an int of 0 or more (at most 9223372036854775807), not <an integer of 401 digits>.

    ```
    """
    if not isinstance(value, int) or isinstance(value, bool) or int.__index__(value) < least:
        raise RatekitTypeError(f"{name} must be an int of {least} or more, not {show(value)}.")
    exact = int.__index__(value)
    if most is not None and exact > most:
        raise RatekitTypeError(
            f"{name} must be an int of {least} or more (at most {most}), not {show(exact)}."
        )
    return exact


def some(values: object, name: str, example: str) -> None:
    """Refuse an empty (or string) collection of names: nothing could be drawn from it.

    A value that is no collection at all (a number, ``None``, a generator read only once)
    is refused as such.
    """
    if values is not None and not isinstance(values, str | bytes | Sequence | Mapping):
        raise RatekitTypeError(
            f"{name} must be a collection such as {example}, not "
            f"{type(values).__name__}: {show(values)}."
        )
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | Mapping) or not values:
        raise RatekitTypeError(
            f"{name} must name at least one, e.g. {example}, not {show(values)}."
        )


def names(values: object, name: str, example: str) -> None:
    """Refuse what is not a non-empty list (or tuple) of non-empty strings."""
    some(values, name, example)
    if isinstance(values, Mapping):
        raise RatekitTypeError(f"{name} must be a list such as {example}, not {show(values)}.")
    for value in typing.cast("Sequence[object]", values):
        if not isinstance(value, str) or not value:
            raise RatekitTypeError(
                f"{name} must be non-empty strings, not {type(value).__name__}: {show(value)}."
            )


def accounts(values: object, name: str) -> None:
    """Refuse accounts that would fail only when a record or row is drawn with one."""
    some(values, name, "('acme',)")
    for value in typing.cast("Sequence[object]", values):
        if not isinstance(value, str) or not value:
            raise RatekitTypeError(
                f"{name} must be non-empty strings (account names), not {show(value)}."
            )


def places(value: object, name: str) -> int:
    """``value`` as an exact int, refused when it would draw numbers below 1E-30."""
    exact = count(value, name)
    if exact > MAX_PLACES:
        raise RatekitTypeError(
            f"{name} must be an int from 0 to {MAX_PLACES}, not {show(exact)}: ratekit "
            f"represents numbers down to 1E-{MAX_PLACES}."
        )
    return exact


def duration(value: object, name: str) -> None:
    """Refuse a bound on a duration that is not a ``datetime.timedelta`` (or ``None``).

    A negative bound is no bound a span can meet, empty or not: it is refused as such.
    """
    if value is not None and not isinstance(value, _dt.timedelta):
        raise RatekitTypeError(
            f"{name} must be a datetime.timedelta (or None for no bound), not "
            f"{type(value).__name__}: {show(value)}."
        )
    if value is not None and value < _dt.timedelta(0):
        raise BadSpanError(
            f"{name} must be zero or more (or None for no bound), not {show(value)}."
        )


def flag(value: object, name: str) -> None:
    """Refuse a switch that is not ``True`` or ``False`` (``None`` or ``1`` would be read as one)."""
    if not isinstance(value, bool):
        raise RatekitTypeError(f"{name} must be True or False, not {show(value)}.")


def meter_units(values: object, name: str, *, named: bool = True) -> None:
    """Refuse meters that are not a non-empty mapping of meter name to unit.

    ``named=False`` leaves the names to the caller's own check (``plans`` builds a price
    entry of each, which names a bad one in its own words).
    """
    some(values, name, "{'vm.hours': 'hour'}")
    if not isinstance(values, Mapping):
        raise RatekitTypeError(
            f"{name} must be a mapping of meter name to unit such as {{'vm.hours': 'hour'}}, "
            f"not {type(values).__name__}: {show(values)}."
        )
    for meter in values if named else ():
        if not isinstance(meter, str) or not meter:
            raise RatekitTypeError(
                f"{name} must name meters with non-empty strings, such as "
                f"{{'vm.hours': 'hour'}}, not {show(meter)}."
            )
