"""Account names a caller gives (``accounts=``), checked as records' accounts are.

One reader for every call that takes them: [`rate()`][ratekit.rate],
[`compare_plans()`][ratekit.compare_plans] and the scale-out helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ._caller_objects import read_once
from ._shown import show
from ._text import check_text
from .errors import RatekitTypeError

__all__ = ["account_names"]


def account_names(
    accounts: object, name: str, example: str, *, keys: bool = False
) -> frozenset[str]:
    """The account names of ``accounts``, checked as records' accounts are. O(a).

    An iterable (not a string nor, unless ``keys``, a mapping) of non-empty strings of
    valid Unicode text (a ``str`` subclass made plain); anything else raises
    [`RatekitTypeError`][ratekit.RatekitTypeError] naming ``name``'s ``accounts``.
    """
    refused = (str, bytes) if keys else (str, bytes, Mapping)
    if isinstance(accounts, refused) or not isinstance(accounts, Iterable):
        raise RatekitTypeError(
            f"{name} accounts must be an iterable of account names such as {example}, "
            f"not {type(accounts).__name__}: {show(accounts)}."
        )
    names = tuple(
        read_once(
            accounts,
            f"{name} accounts",
            type(accounts).__name__,
            f"a list of account names such as {example}",
        )
    )
    for account in names:
        if not isinstance(account, str) or not account:
            raise RatekitTypeError(
                f"{name} accounts must be non-empty strings (account names), not "
                f"{type(account).__name__}: {show(account)}."
            )
        check_text(account, f"{name} account")
    if all(type(account) is str for account in names):
        return frozenset(names)
    return frozenset(str.__str__(account) for account in names)
