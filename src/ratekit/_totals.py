"""Totals that never add two currencies (or two units): exact sums per key, and one sum.

A rating's, a statement's and a usage's totals go through here. ``per_key`` adds exact
amounts per currency (or quantities per unit); ``only`` gives the one sum when a single
key was seen and refuses otherwise, naming the keys and the per-key way, as an invoice
refuses charges of two currencies.

```pycon
>>> from decimal import Decimal
>>> sums = per_key([("EUR", Decimal("5")), ("JPY", Decimal("700")), ("EUR", Decimal("0.5"))])
>>> sums
{'EUR': Decimal('5.5'), 'JPY': Decimal('700')}
>>> only(sums, what="the total", per="per_currency()")
Traceback (most recent call last):
ratekit.CurrencyMismatchError: the total would add amounts in 2 currencies, EUR and JPY; ...
>>> only({}, what="the total", per="per_currency()"), only({"EUR": Decimal(1)}, what="", per="")
(Decimal('0'), Decimal('1'))

```
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ._decimals import ZERO, exact_sum
from .errors import CurrencyMismatchError, UnitError

__all__ = ["only", "per_key"]


def per_key(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """The exact sum of the values of each key, keyed in alphabetical order. O(n log k)."""
    groups: dict[str, list[Decimal]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return {key: exact_sum(groups[key]) for key in sorted(groups)}


def only(
    sums: dict[str, Decimal], *, what: str, per: str, units: bool = False, detail: str = ""
) -> Decimal:
    """The one sum of ``sums`` (zero when empty); several keys raise, naming them and ``per``.

    Currencies raise [`CurrencyMismatchError`][ratekit.CurrencyMismatchError], units
    (``units=True``) [`UnitError`][ratekit.UnitError]; ``detail`` follows the keys named.
    """
    if not sums:
        return ZERO
    if len(sums) == 1:
        return next(iter(sums.values()))
    keys = list(sums)
    named = ", ".join(keys[:-1]) + " and " + keys[-1]
    if units:
        raise UnitError(
            f"{what} would add quantities in {len(keys)} units, {named}{detail}; {per}."
        )
    raise CurrencyMismatchError(
        f"{what} would add amounts in {len(keys)} currencies, {named}{detail}; {per}."
    )
