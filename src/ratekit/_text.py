r"""Text at the doors: every string ratekit keeps is valid Unicode text.

A Python ``str`` may hold a surrogate code point (``"a\ud800"``, from bytes decoded
with ``errors="surrogateescape"``, from JSON's lone ``"\ud800"`` escape, or a pair kept
as two code points, ``"\ud83d\ude00"`` for ``"\U0001f600"``): it is no character,
and UTF-8 cannot encode it, so a row, a snapshot or a CSV file holding it could not be
written as UTF-8, and a strict JSON reader or a database refuses it. ratekit refuses
such strings where text enters (a record's account, resource, meter, id and description,
a plan's, entry's, fee's or credit's id, a meter's name, ...), naming the field, so every
exit (rows, plan data, states, snapshots) is valid UTF-8 text.

The check costs one ``str.isascii()`` call (tens of nanoseconds) for ASCII text, and
one UTF-8 encoding otherwise.
"""

from __future__ import annotations

from collections.abc import Collection

from ._shown import show
from .errors import RatekitTypeError

__all__ = ["check_text", "is_text", "name_text", "not_text", "one_of", "plain_choice"]


def is_text(value: str) -> bool:
    r"""Whether ``value`` is valid Unicode text (it holds no surrogate code point).

    ```pycon
    >>> is_text("Zürich"), is_text("a\ud800")
    (True, False)

    ```
    """
    if str.isascii(value):  # str's own methods: a subclass's may run any code
        return True
    try:
        str.encode(value, "utf-8")
    except UnicodeEncodeError:
        return False
    return True


def not_text(what: str, value: str) -> RatekitTypeError:
    """The error of ``value``, named ``what``, that holds a surrogate code point."""
    index = next(i for i, char in enumerate(value) if "\ud800" <= char <= "\udfff")
    shown = value if len(value) <= 80 else value[:77] + "..."
    return RatekitTypeError(
        f"{what} {shown!r} is not valid Unicode text: it holds a surrogate code point "
        f"({value[index]!r} at index {index}), which is no character and which UTF-8 cannot "
        "encode, so no UTF-8 JSON, CSV or database text could hold it; give text decoded "
        "strictly from its bytes (or with errors='replace')."
    )


def check_text(value: str, what: str) -> str:
    r"""``value`` when it is valid Unicode text, else the error naming ``what``.

    ```pycon
    >>> check_text("vm-1", "event 'e1' resource")
    'vm-1'
    >>> check_text("vm\udc80", "event 'e1' resource")
    Traceback (most recent call last):
    ...
    ratekit.RatekitTypeError: event 'e1' resource 'vm\udc80' is not valid Unicode text: it holds a surrogate code point ('\udc80' at index 2), which is no character and which UTF-8 cannot encode, so no UTF-8 JSON, CSV or database text could hold it; give text decoded strictly from its bytes (or with errors='replace').

    ```
    """
    if not is_text(value):
        raise not_text(what, value)
    return value


def plain_choice(value: object) -> object:
    """``value`` as a plain ``str`` when it is a ``str`` (a subclass's own methods left out).

    For the doors that compare a name with their choices (a mode, a policy, a timezone
    name, a unit): a ``str`` subclass whose ``__eq__`` or ``__hash__`` says otherwise
    compares as the text it holds, and what is kept is that text, so that it is written
    and read back as it is. Anything else is returned as it is, for the door to refuse.

    Examples:
        >>> class Always(str):
        ...     def __eq__(self, other): return True
        ...     __hash__ = str.__hash__
        >>> plain_choice(Always("bogus")) in ("snapshot", "last_seen"), plain_choice(3)
        (False, 3)
    """
    if isinstance(value, str) and type(value) is not str:
        return str.__str__(value)
    return value


def one_of(value: object, choices: Collection[str]) -> str | None:
    """``value`` as the plain ``str`` it holds when that text is one of ``choices``, else ``None``.

    The one test of the doors that take a name among fixed choices (a close mode, a
    conflicts policy, a late policy, a candidate): only ``str``'s own methods are asked,
    so an ``int`` subclass whose ``__eq__`` raises, pandas' ``NA`` (whose truth value
    raises) or a ``str`` subclass whose ``__eq__`` says otherwise is compared as what it
    holds, never by its own code. O(1) for a set, O(len(choices)) for a tuple.

    Examples:
        >>> class Always(str):
        ...     def __eq__(self, other): return True
        ...     __hash__ = str.__hash__
        >>> one_of(Always("bogus"), ("snapshot", "last_seen")), one_of(5, ("snapshot",))
        (None, None)
        >>> type(one_of(Always("snapshot"), ("snapshot", "last_seen")))
        <class 'str'>
    """
    if not isinstance(value, str):
        return None
    text = str.__str__(value)
    return text if text in choices else None


def name_text(value: object, what: str) -> str:
    """``value`` as the plain ``str`` it holds, when it is a non-empty valid text; else refused.

    The door of a name (an id, an account, a label): a ``str`` subclass (a numpy string,
    a ``StrEnum`` member) is kept as the text it holds, so that the values built from it
    later (a line, a row, a snapshot) hold the plain string their own doors accept, and
    its own ``__eq__`` or ``__hash__`` is never asked. Anything else, or ``""``, raises
    [`RatekitTypeError`][ratekit.RatekitTypeError] naming ``what``. O(len(value)).

    ```pycon
    >>> class Name(str):
    ...     pass
    >>> type(name_text(Name("acme"), "Credit account"))
    <class 'str'>
    >>> name_text(5, "Credit account")
    Traceback (most recent call last):
    ...
    ratekit.RatekitTypeError: Credit account must be a non-empty string, not 5.

    ```
    """
    if not isinstance(value, str) or not str.__len__(value):
        raise RatekitTypeError(f"{what} must be a non-empty string, not {show(value)}.")
    return check_text(str.__str__(value), what)
