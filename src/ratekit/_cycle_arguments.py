"""The arguments a cycle's or window's constructor takes: a call it cannot bind is refused naming them.

Python refuses a call whose arguments do not fit the signature with a bare ``TypeError``
(``hourly() got an unexpected keyword argument 'tz'``, ``daily() missing 1 required
keyword-only argument: 'tz'``). `factory()` wraps a public factory of `ratekit.cycles` or
`ratekit.windows`, and `constructor()` a public class's ``__init__`` there, so that such a
call is a [`RatekitTypeError`][ratekit.RatekitTypeError] that says what was wrong, what
the factory takes, and, for an argument a user is likely to give (a timezone to
``hourly()``), why it takes none. A ``TypeError`` raised inside the factory passes as it
is: only the call that never entered it is turned. Costs nothing on a good call (one
frame).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Final, ParamSpec, TypeVar

from ._shown import show
from .errors import RatekitTypeError

__all__ = ["TZ", "constructor", "factory"]

#: What a ``tz`` argument takes, as the refusals say it.
TZ: Final = "tz (an IANA name such as 'Europe/Zurich', or a tzinfo)"

_P = ParamSpec("_P")
_R = TypeVar("_R")
_C = TypeVar("_C", bound=type)


def factory(
    name: str, takes: str, why: Mapping[str, str] | None = None, *, family: str = "cycles"
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Refuse a call of the factory ``{family}.{name}()`` that its signature cannot bind.

    ``takes`` says what it takes (``"tz (an IANA name or a tzinfo) and day (1 to 31), by
    keyword"``); ``why`` says, per argument name it does not take, why not; ``family``
    is the module users find it in (``"cycles"`` or ``"windows"``).
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
                raise _refused(f"{family}.{name}", takes, why or {}, args, kwargs, error) from None

        return checked

    return wrap


def constructor(takes: str, *, family: str) -> Callable[[_C], _C]:
    """Refuse a call of the class ``{family}.{Name}(...)`` that its ``__init__`` cannot bind.

    As `factory()` for a class (an attrs one, whose ``__init__`` attrs writes): applied
    above ``@attrs.frozen``, it wraps the ``__init__`` made, and ``takes`` says what the
    constructor takes. Its own refusals (a validator's) pass as they are. Returns the
    class.
    """

    def wrap(cls: _C) -> _C:
        init: Callable[..., None] = vars(cls)["__init__"]  # as attrs wrote it

        @functools.wraps(init)
        def checked(self: object, *args: object, **kwargs: object) -> None:
            try:
                init(self, *args, **kwargs)
            except TypeError as error:
                tb = error.__traceback__
                if isinstance(error, RatekitTypeError) or tb is None or tb.tb_next is not None:
                    raise  # raised inside __init__ (a validator): not a call it could not bind
                name = f"{family}.{cls.__name__}"
                raise _refused(name, takes, {}, args, kwargs, error) from None

        cls.__init__ = checked  # type: ignore[misc]
        return cls

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
            return RatekitTypeError(f"{name}() takes no {key}: {why[key]}; it takes {takes}.")
    if "missing" in said:
        names = re.findall(r"'([^']+)'", said.partition(":")[2])
        needed = " and ".join([", ".join(names[:-1]), names[-1]] if names[1:] else names)
        needed = needed or "an argument"
        return RatekitTypeError(f"{name}() needs {needed}; it takes {takes}.")
    if "unexpected keyword" in said:
        unknown = next((key for key in kwargs if f"'{key}'" in said), "")
        return RatekitTypeError(f"{name}() takes no argument {show(unknown)}; it takes {takes}.")
    if "positional" in said and args:
        return RatekitTypeError(
            f"{name}() was given {len(args)} argument(s) by position; it takes {takes}."
        )
    return RatekitTypeError(f"{name}() cannot take these arguments ({said}); it takes {takes}.")
