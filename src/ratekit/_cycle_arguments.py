"""The arguments a cycle factory takes: a call it cannot bind is refused naming them.

Python refuses a call whose arguments do not fit the signature with a bare ``TypeError``
(``hourly() got an unexpected keyword argument 'tz'``). `factory()` wraps a public cycle
factory so that such a call is a [`RatekitTypeError`][ratekit.RatekitTypeError] that says
what was wrong, what the factory takes, and, for an argument a user is likely to give (a
timezone to ``hourly()``), why it takes none. A ``TypeError`` raised inside the factory
passes as it is: only the call that never entered it is turned. Costs nothing on a good
call (one frame).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from ._shown import show
from .errors import RatekitTypeError

__all__ = ["factory"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def factory(
    name: str, takes: str, why: Mapping[str, str] | None = None
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Refuse a call of the factory ``cycles.{name}()`` that its signature cannot bind.

    ``takes`` says what it takes (``"tz (an IANA name or a tzinfo) and day (1 to 31), by
    keyword"``); ``why`` says, per argument name it does not take, why not.
    """

    def wrap(function: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(function)
        def checked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return function(*args, **kwargs)
            except TypeError as error:
                tb = error.__traceback__
                if isinstance(error, RatekitTypeError) or tb is None or tb.tb_next is not None:
                    raise  # raised inside the factory: not a call it could not bind
                raise _refused(name, takes, why or {}, args, kwargs, error) from None

        return checked

    return wrap


def _refused(  # noqa: PLR0917 - private plumbing of the call refused
    name: str,
    takes: str,
    why: Mapping[str, str],
    args: tuple[object, ...],
    kwargs: Mapping[str, object],
    error: TypeError,
) -> RatekitTypeError:
    said = str(error)
    for key in kwargs:
        if f"'{key}'" in said and key in why:
            return RatekitTypeError(
                f"cycles.{name}() takes no {key}: {why[key]}; it takes {takes}."
            )
    if "missing" in said:
        needed = " and ".join(re.findall(r"'([^']+)'", said.partition(":")[2])) or "an argument"
        return RatekitTypeError(f"cycles.{name}() needs {needed}; it takes {takes}.")
    if "unexpected keyword" in said:
        unknown = next((key for key in kwargs if f"'{key}'" in said), "")
        return RatekitTypeError(
            f"cycles.{name}() takes no argument {show(unknown)}; it takes {takes}."
        )
    if "positional" in said and args:
        return RatekitTypeError(
            f"cycles.{name}() was given {len(args)} argument(s) by position; it takes {takes}."
        )
    return RatekitTypeError(
        f"cycles.{name}() cannot take these arguments ({said}); it takes {takes}."
    )
