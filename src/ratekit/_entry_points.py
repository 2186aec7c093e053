"""Ratekit's decimal context around its public calls and texts, and their calls refused.

`in_context` wraps a public function or method: it runs in `CONTEXT` whatever the
caller's context is, with the cycle collector paused, and a call its signature cannot
bind is a [`RatekitTypeError`][ratekit.RatekitTypeError] naming what it takes
(`ratekit._call_arguments.refused_call`). `plain_text` wraps a ``__repr__`` or
``__str__`` so that a value's text is ratekit's whoever asks.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from ._call_arguments import refused_call, unbound
from ._collector import paused
from ._decimals import CONTEXT

__all__ = ["in_context", "plain_text"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def plain_text(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` (a ``__repr__`` or ``__str__``) in a copy of `CONTEXT`.

    ``str()`` of a `Decimal` follows the thread's context: under a host's ``capitals=0``
    an f-string writes ``1E+3`` as ``1e+3``. A value's text is ratekit's, written
    alike whoever asks. Costs about 0.5 µs per call.

    ```pycon
    >>> import decimal
    >>> from decimal import Decimal
    >>> @plain_text
    ... def thousand() -> str:
    ...     return f"{Decimal('1E+3')}"
    >>> with decimal.localcontext(capitals=0):
    ...     thousand()
    '1E+3'

    ```
    """

    @functools.wraps(function)
    def written_plainly(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(CONTEXT):
            return function(*args, **kwargs)

    return written_plainly


def in_context(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` in a copy of `CONTEXT`, whatever the caller's context is.

    For public entry points (``rate``, ``meter``, ``bill``): every Decimal operator,
    built-in ``sum`` and context-less method inside them then computes with 60 digits,
    half-even, and ratekit's traps, so a host that lowered the precision, set other
    traps or another rounding gets the same result; the caller's context (and its
    flags) is left as it was. A call the signature cannot bind (an argument missing, or
    one it does not take) is a `RatekitTypeError` naming what ``function`` takes, not
    Python's bare ``TypeError``. The cycle collector is paused for the call
    (`ratekit._collector`: such calls build many objects and no cycles). Costs about
    1 µs per call: not for per-row functions.

    ```pycon
    >>> import decimal
    >>> from decimal import Decimal
    >>> @in_context
    ... def third() -> Decimal:
    ...     return Decimal(1) / 3
    >>> with decimal.localcontext(prec=3, rounding=decimal.ROUND_FLOOR):
    ...     len(str(third())) - 2
    60

    ```
    """

    @functools.wraps(function)
    def in_ratekits_context(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            with decimal.localcontext(CONTEXT), paused():
                return function(*args, **kwargs)
        except TypeError as error:
            if not unbound(error):
                raise
            raise refused_call(function, args, kwargs, error) from None

    return in_ratekits_context
