"""Integers as text: Base64 VLQ, the packing of a snapshot's columns (format version 4).

A column of integers written as one JSON string instead of a list: each integer is a
run of base64 characters (``A-Z``, ``a-z``, ``0-9``, ``+``, ``/``, the values 0 to 63),
five bits each, the least significant first; a character of value 32 or more says that
another follows. This is the Base64 VLQ of JavaScript source maps. A signed integer is
first written as its magnitude doubled, plus one when it is negative (so ``-0`` exists:
1); `decode()` of a signed column reads it back. A number of ten decimal digits takes 7
characters where a JSON list takes 12 (its digits, a comma and a space): the kept
records' instants, ids and values are most of a snapshot.

Examples:
    >>> encode([0, 1, -1, 15, 16, -1000])
    'ACDegBx+B'
    >>> decode('ACDegBx+B', "a column")
    [0, 1, -1, 15, 16, -1000]
    >>> encode([5, 40], signed=False), decode('FoB', "a column", signed=False)
    ('FoB', [5, 40])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from ._shown import show

__all__ = ["LONGEST", "decode", "encode", "encode_one"]

_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_VALUE: Final = {character: value for value, character in enumerate(_ALPHABET)}
# The characters of the numbers below 32 and of the 1,024 below 1,024: most steps of a
# column (a shape run, an id's step) are written from these at once; a longer number
# takes ten bits at a time from ``_ON``, two characters that each say another follows.
_ONE: Final = _ALPHABET[:32]
_TWO: Final = tuple(
    _ALPHABET[low | 32] + _ALPHABET[high] for high in range(32) for low in range(32)
)
_ON: Final = tuple(
    _ALPHABET[low | 32] + _ALPHABET[high | 32] for high in range(32) for low in range(32)
)
# The ten bits of two characters that each say another follows, by the two.
_PAIR: Final = {_ON[bits]: bits for bits in range(1024)}
#: Characters of one number a column holds at most, unless its reader says otherwise:
#: 60 characters are 300 bits (90 decimal digits), more than any instant, id number or
#: sample value a record holds.
LONGEST: Final = 60
# One number: characters of value 32 to 63 (g-z, 0-9, +, /), then one of 0 to 31 (A-f).
_NUMBER: Final = re.compile(r"[g-z0-9+/]*[A-Za-f]")
_COLUMN: Final = re.compile(r"(?:[g-z0-9+/]*[A-Za-f])*")


def encode_one(number: int, *, signed: bool = True) -> str:
    """One integer as Base64 VLQ (see the module). O(digits)."""
    if signed:
        number = -number << 1 | 1 if number < 0 else number << 1
    if number < 1024:
        return _ONE[number] if number < 32 else _TWO[number]
    text = ""
    while number >= 1024:
        text += _ON[number & 1023]
        number >>= 10
    return text + (_ONE[number] if number < 32 else _TWO[number])


def encode(numbers: Iterable[int], *, signed: bool = True) -> str:
    """A column of integers as one string (see the module); ``signed=False`` for none below 0. O(n).

    (`encode_one()` for each, written out: a column holds a record's instant, id and value.)
    """
    one, two, on = _ONE, _TWO, _ON
    out: list[str] = []
    append = out.append
    for given in numbers:
        number = (-given << 1 | 1 if given < 0 else given << 1) if signed else given
        if number >= 1024:
            text = ""
            while number >= 1024:
                text += on[number & 1023]
                number >>= 10
            append(text)
        append(one[number] if number < 32 else two[number])
    return "".join(out)


def decode(text: object, what: str, *, signed: bool = True, longest: int = LONGEST) -> list[int]:
    """The integers `encode()` wrote in ``text``; ``what`` names it in a refusal. O(n).

    Raises ``TypeError`` for text that is not a string, ``ValueError`` for a character
    out of the alphabet, a last number not ended, or a number of more than ``longest``
    characters (which `ratekit._snapshot.decoding()` turns into a refusal of the
    snapshot naming its path).
    """
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string of Base64 VLQ integers, not {show(text)}")
    if not _COLUMN.fullmatch(text):
        ended = _COLUMN.match(text)
        at = 0 if ended is None else ended.end()
        raise ValueError(
            f"{what} must be Base64 VLQ integers (A-Z, a-z, 0-9, + and /, each number "
            f"ended by one of A to f), not {show(text[at : at + 20])} at character {at}"
        )
    out: list[int] = []
    value, pair = _VALUE, _PAIR
    for match in _NUMBER.finditer(text):
        digits = match.group()
        size = len(digits)
        if size == 1:
            number = value[digits]
        else:
            if size > longest:
                raise ValueError(
                    f"{what} holds a number of {size} characters at character "
                    f"{match.start()}, more than the {longest} any number it keeps takes"
                )
            # The last character, then ten bits at a time from the top, the lowest first.
            number = value[digits[-1]]
            at = size - 1
            while at >= 2:
                number = number << 10 | pair[digits[at - 2 : at]]
                at -= 2
            if at:
                number = number << 5 | value[digits[0]] & 31
        if signed:
            number = -(number >> 1) if number & 1 else number >> 1
        out.append(number)
    return out
