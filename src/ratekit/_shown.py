"""The one formatter for values that error messages show.

A rejected value may be hostile: an int of 5,000 digits (whose ``repr`` raises
``ValueError`` past Python's int-to-text limit, and takes quadratic time below it), a
list nested 100,000 deep, a string of a megabyte, an object whose ``__repr__`` raises.
`show` never converts an int of more than `MAX_INT_DIGITS` digits to text (it names how
many digits it has instead), cuts deep or long data, and always returns a short string.
"""

from __future__ import annotations

import decimal
import itertools
import math
import re
import reprlib
from collections.abc import Iterable
from typing import Final

__all__ = [
    "MAX_INT_DIGITS",
    "MAX_MESSAGE",
    "bounded_message",
    "decimal_repr",
    "int_digits",
    "show",
    "some",
    "type_name",
]

#: Ints with more digits than this are shown by their length, not their digits.
MAX_INT_DIGITS: Final = 60
#: An int below this magnitude has at most MAX_INT_DIGITS digits.
_SMALL: Final = 10**MAX_INT_DIGITS
_LOG10_2: Final = math.log10(2)


def int_digits(value: int) -> int:
    """How many decimal digits ``abs(value)`` has, without converting it to text.

    ```pycon
    >>> int_digits(0), int_digits(-999), int_digits(10**5000)
    (1, 3, 5001)

    ```
    """
    magnitude = abs(value)
    if magnitude < 10:
        return 1
    digits = int((magnitude.bit_length() - 1) * _LOG10_2) + 1  # exact or one short
    return digits + 1 if magnitude >= 10**digits else digits


class _Bounded(reprlib.Repr):
    """A repr bounded in depth, width and the digits of ints."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = self.maxother = self.maxlong = 80

    def repr_Decimal(self, x: decimal.Decimal, level: int) -> str:  # noqa: N802 - reprlib's name
        return decimal_repr(x)

    def repr_dict(self, x: dict[object, object], level: int) -> str:
        """A dict in its own order, as ``repr`` writes it (reprlib's sorts its keys)."""
        if not x:
            return "{}"
        if level <= 0:
            return "{" + self.fillvalue + "}"
        pieces = [
            f"{self.repr1(key, level - 1)}: {self.repr1(value, level - 1)}"
            for key, value in itertools.islice(x.items(), self.maxdict)
        ]
        if len(x) > self.maxdict:
            pieces.append(self.fillvalue)
        return "{" + ", ".join(pieces) + "}"

    def repr_int(self, x: int, level: int) -> str:
        if -_SMALL < x < _SMALL:
            return int.__repr__(x)
        sign = "a negative" if x < 0 else "an"
        return f"<{sign} integer of {int_digits(x)} digits>"


#: Writes a Decimal's exponent with a capital E, whatever the thread's context (a host's
#: ``capitals=0`` would write ``Decimal('1e+3')``); every other field given, none taken
#: from ``decimal.DefaultContext``.
_TEXT: Final = decimal.Context(
    prec=28, rounding=decimal.ROUND_HALF_EVEN, Emin=-999_999, Emax=999_999, capitals=1, clamp=0
)


def decimal_repr(value: decimal.Decimal) -> str:
    """``repr(value)`` as ratekit writes it, whatever the thread's decimal context.

    ```pycon
    >>> import decimal
    >>> with decimal.localcontext(capitals=0):
    ...     decimal_repr(decimal.Decimal("1E+999999")), repr(decimal.Decimal("1E+999999"))
    ("Decimal('1E+999999')", "Decimal('1e+999999')")

    ```
    """
    return f"Decimal('{_TEXT.to_sci_string(value)}')"


_BOUNDED: Final = _Bounded()


def show(value: object) -> str:
    """``value`` as an error message shows it: a bounded repr of at most 80 characters.

    ```pycon
    >>> show(10**5000)
    '<an integer of 5001 digits>'
    >>> show(-(10**60))
    '<a negative integer of 61 digits>'
    >>> show("acme"), show(12)
    ("'acme'", '12')

    ```
    """
    if type(value) is str:  # what reprlib's repr_str writes when it cuts nothing
        text = repr(value[:80])
        if len(text) <= 80:  # (_BOUNDED.maxstring): else reprlib cuts it
            return text
    elif isinstance(value, int) and not isinstance(value, bool):
        # int's own conversion: an int subclass's __int__ is its code, and may raise
        return _BOUNDED.repr_int(int.__index__(value), 0)
    try:
        text = _BOUNDED.repr(value)
    except Exception:  # a hand-built object's own repr raised
        text = f"a value of type {type(value).__name__}"
    return text if len(text) <= 80 else text[:77] + "..."


#: The length past which a message is bounded (`bounded_message()`).
MAX_MESSAGE: Final = 2_000
#: A run of text without a blank longer than this, in a message past MAX_MESSAGE, is
#: cut to its first _RUN_KEPT characters.
_LONG_RUN: Final = re.compile(r"\S{201,}")
_RUN_KEPT: Final = 100
_HEAD: Final = 1_200
_TAIL: Final = 700


#: What `bounded_message()` leaves where it cut a run, and where it cut the middle.
_RUN_CUT: Final = " more characters]"
_MIDDLE_CUT: Final = " characters left out]"


def _cut_run(found: re.Match[str]) -> str:
    run = found.group()
    return f"{run[:_RUN_KEPT]}...[{len(run) - _RUN_KEPT:,}{_RUN_CUT}"


def cut_in(text: str) -> bool:
    """Whether `bounded_message()` cut something out of ``text``. O(n)."""
    return _RUN_CUT in text or _MIDDLE_CUT in text


def bounded_message(message: object) -> object:
    """An error's or an anomaly's ``message`` of at most about `MAX_MESSAGE` characters.

    Most messages show the values they name with `show()`; this is the net under those
    that quote a caller's value whole (a record's repr holding a megabyte description, a
    name of a megabyte): a message longer than `MAX_MESSAGE` has each run of more than
    200 characters without a blank cut to its first 100 (and says how many it left
    out), then, if still too long, its middle left out, keeping its start (what was
    wrong) and its end (what would be accepted). A shorter message, or a value that is
    not a ``str``, is returned as it is. O(n) for a message of n characters.

    ```pycon
    >>> text = bounded_message(f"record {'x' * 1_000_000!r} is odd; give another id.")
    >>> len(text) < 200, text.endswith("give another id.")
    (True, True)

    ```
    """
    if type(message) is not str or len(message) <= MAX_MESSAGE:
        return message
    text = _LONG_RUN.sub(_cut_run, message)
    if len(text) > MAX_MESSAGE:
        left_out = len(text) - _HEAD - _TAIL
        text = f"{text[:_HEAD]} ...[{left_out:,}{_MIDDLE_CUT}... {text[-_TAIL:]}"
    return text


def some(names: Iterable[str], first: int = 5, *, as_given: bool = False) -> str:
    """The first ``first`` of ``names`` in order, shown, and how many more there are.

    ``as_given`` keeps the order the names come in (a caller's declared meters, a spec's
    types) instead of sorting them.

    ```pycon
    >>> some(["b", "a"])
    "'a', 'b'"
    >>> some(f"a{i}" for i in range(7))
    "'a0', 'a1', 'a2', 'a3', 'a4' and 2 more"
    >>> some(["b", "a", "c"], 2, as_given=True)
    "'b', 'a' and 1 more"

    ```

    O(n log n) for n names (O(n) ``as_given``).
    """
    ordered = list(names) if as_given else sorted(names)
    shown = ", ".join(map(show, ordered[:first]))
    rest = len(ordered) - first
    return f"{shown} and {rest:,} more" if rest > 0 else shown


def type_name(value: object) -> str:
    """The name of ``value``'s type for a message: ``numpy bool`` for numpy's bool.

    numpy 2 names its scalar types as Python's (``np.True_`` is a ``bool``), so "not
    bool: np.True_" would refuse what reads as a bool; such a name says it is numpy's.

    Examples:
        >>> type_name(True), type_name("x")
        ('bool', 'str')
    """
    kind = type(value)
    name = kind.__name__
    if name in _BUILTIN_TYPES and getattr(kind, "__module__", "").partition(".")[0] == "numpy":
        return f"numpy {name}"
    return name


#: Python's own type names, which a numpy scalar's may repeat (numpy 2's bool).
_BUILTIN_TYPES: Final = frozenset({"bool", "int", "float", "str", "bytes", "complex", "object"})
