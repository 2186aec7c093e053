"""A call a public function or constructor cannot bind: refused naming what it takes.

Python refuses a call whose arguments do not fit the signature with a bare ``TypeError``
(``hourly() got an unexpected keyword argument 'tz'``, ``meter() missing 1 required
keyword-only argument: 'as_of'``). Here such a call becomes a
[`RatekitTypeError`][ratekit.RatekitTypeError] (a ``TypeError`` still) that says what was
wrong and what the callable takes: `refused_call()` for the public functions and methods
that run in ratekit's context (`ratekit._entry_points.in_context`), `factory()` for a
public factory of `ratekit.cycles` or `ratekit.windows` and `constructor()` for a public
class's ``__init__`` there, which also say why an argument a user is likely to give (a
timezone to ``hourly()``) is not taken. A ``TypeError`` raised inside the callable passes
as it is: only the call that never entered it is turned (`unbound()`). Costs nothing on a
good call.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Final, ParamSpec, TypeVar

from ._shown import show
from .errors import RatekitTypeError

__all__ = ["TZ", "checked", "constructor", "factory", "refused_call", "unbound"]

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
                if not unbound(error):
                    raise  # raised inside the factory: not a call it could not bind
                raise _refused(f"{family}.{name}", takes, why or {}, args, kwargs, error) from None

        return checked

    return wrap


def checked(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Refuse a call of the public ``function`` that its signature cannot bind (`refused_call`).

    For public functions that do not run in ratekit's context (`in_context` refuses so
    already). Costs one frame per call.
    """

    @functools.wraps(function)
    def bound(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return function(*args, **kwargs)
        except TypeError as error:
            if not unbound(error):
                raise
            raise refused_call(function, args, kwargs, error) from None

    return bound


def constructor(takes: str | None = None, *, family: str | None = None) -> Callable[[_C], _C]:
    """Refuse a call of a public class that its ``__init__`` cannot bind.

    As `factory()` for a class: it wraps the class's ``__init__`` (an attrs one, applied
    above ``@attrs.frozen``, or its own), so that such a call names ``{family}.{Name}``
    (or ``{Name}``) and what it takes: ``takes``, or else read from the ``__init__``'s
    signature. Its own refusals (a validator's) pass as they are. Costs one frame per
    instance built. Returns the class.
    """

    def wrap(cls: _C) -> _C:
        # as attrs wrote it, or the class's own, or the one it inherits
        init: Callable[..., None] = next(
            vars(owner)["__init__"] for owner in cls.__mro__ if "__init__" in vars(owner)
        )
        name = f"{family}.{cls.__name__}" if family else cls.__name__

        @functools.wraps(init)
        def checked(self: object, *args: object, **kwargs: object) -> None:
            try:
                init(self, *args, **kwargs)
            except TypeError as error:
                if not unbound(error):
                    raise  # raised inside __init__ (a validator): not a call it could not bind
                said = takes or _takes(init)
                raise _refused(name, said, {}, args, kwargs, error) from None

        cls.__init__ = checked  # type: ignore[misc]
        return cls

    return wrap


def unbound(error: TypeError) -> bool:
    """Whether ``error`` is Python's refusal of a call, caught in the frame that made it.

    Such a call never entered the callable: the error's traceback holds the catching
    frame only. A ``TypeError`` raised inside the callable has more frames, and a
    `RatekitTypeError` is a refusal ratekit wrote already.
    """
    tb = error.__traceback__
    return not isinstance(error, RatekitTypeError) and tb is not None and tb.tb_next is None


def refused_call(
    function: Callable[..., object],
    args: tuple[object, ...],
    kwargs: Mapping[str, object],
    error: TypeError,
) -> RatekitTypeError:
    """The refusal of a call of ``function`` that its signature could not bind.

    Names the function as it is called (``meter``, ``Rater.feed``) and what it takes,
    read from its signature (a method's ``self`` left out):
    ``meter() needs as_of; it takes records and meters, then by keyword cycle, span and
    as_of (and optionally cuts)``.
    """
    name = function.__qualname__.removesuffix(".__init__")
    if "." in name:  # a method: its self is no argument the caller gave
        args = args[1:]
    return _refused(name, _takes(function), {}, args, kwargs, error)


def _takes(function: Callable[..., object]) -> str:
    """What ``function`` takes, in words: its parameters by kind, required ones first."""
    params = list(inspect.signature(function).parameters.values())
    if params and params[0].name in {"self", "cls"}:
        params = params[1:]
    kinds = inspect.Parameter
    positional = {kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD}
    words: dict[tuple[bool, bool], list[str]] = {}  # (by keyword, optional): names
    for param in params:
        if param.kind in positional or param.kind is kinds.KEYWORD_ONLY:
            key = (param.kind is kinds.KEYWORD_ONLY, param.default is not kinds.empty)
            words.setdefault(key, []).append(param.name)
    needed = [_listed(words[False, False])] if (False, False) in words else []
    needed += [f"by keyword {_listed(words[True, False])}"] if (True, False) in words else []
    optional = [_listed(words[False, True])] if (False, True) in words else []
    optional += [f"by keyword {_listed(words[True, True])}"] if (True, True) in words else []
    said = ", then ".join(needed)
    if not optional:
        return said or "no arguments"
    maybe = f"optionally {', then '.join(optional)}"
    return f"{said} (and {maybe})" if said else maybe


def _listed(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join([", ".join(names[:-1]), names[-1]] if names[1:] else names)


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
        needed = _listed(names) or "an argument"
        return RatekitTypeError(f"{name}() needs {needed}; it takes {takes}.")
    if "unexpected keyword" in said:
        unknown = next((key for key in kwargs if f"'{key}'" in said), "")
        return RatekitTypeError(f"{name}() takes no argument {show(unknown)}; it takes {takes}.")
    if "positional" in said and args:
        return RatekitTypeError(
            f"{name}() was given {len(args)} argument(s) by position; it takes {takes}."
        )
    return RatekitTypeError(f"{name}() cannot take these arguments ({said}); it takes {takes}.")
