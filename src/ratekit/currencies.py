"""Currencies as ISO 4217 defines them: the minor units an invoice line is rounded to.

`MINOR_UNITS` is generated from the ``iso4217`` package (the ISO 4217 maintenance
agency's list, published 2026-01-01; 165 codes with minor units) by
``scripts/currencies.py``, and ``tests/test_currencies.py`` checks it against that
package, so a new ISO 4217 amendment shows as a failing test once the package is
updated. ISO 4217 is the source, not CLDR: the two disagree for more than a dozen
currencies (ISO gives the Chilean peso 0 decimals and the Colombian peso 2, for
instance), and an invoice follows the standard. Codes ISO lists without minor units
(gold ``XAU``, the SDR ``XDR``, the test code ``XTS``, ...) have no quantum: a plan in
them names its own ``quantum``. The package is a test dependency only: ratekit reads
this table at run time.

Examples:
    >>> import ratekit as rk
    >>> rk.currency_quantum("EUR"), rk.currency_quantum("JPY"), rk.currency_quantum("KWD")
    (Decimal('0.01'), Decimal('1'), Decimal('0.001'))
    >>> rk.currency_quantum("CLF")  # the Chilean unit of account: 4 decimals
    Decimal('0.0001')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final, TypeGuard

from ._call_arguments import checked
from ._shown import show
from .errors import BadPriceError, RatekitTypeError

__all__ = ["MINOR_UNITS", "currency_code", "currency_quantum"]

#: ISO 4217 minor units per alphabetic code (generated; see the module's docstring).
MINOR_UNITS: Final[Mapping[str, int]] = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(
        [
            "AED",
            "AFN",
            "ALL",
            "AMD",
            "AOA",
            "ARS",
            "AUD",
            "AWG",
            "AZN",
            "BAM",
            "BBD",
            "BDT",
            "BMD",
            "BND",
            "BOB",
            "BOV",
            "BRL",
            "BSD",
            "BTN",
            "BWP",
            "BYN",
            "BZD",
            "CAD",
            "CDF",
            "CHE",
            "CHF",
            "CHW",
            "CNY",
            "COP",
            "COU",
            "CRC",
            "CUP",
            "CVE",
            "CZK",
            "DKK",
            "DOP",
            "DZD",
            "EGP",
            "ERN",
            "ETB",
            "EUR",
            "FJD",
            "FKP",
            "GBP",
            "GEL",
            "GHS",
            "GIP",
            "GMD",
            "GTQ",
            "GYD",
            "HKD",
            "HNL",
            "HTG",
            "HUF",
            "IDR",
            "ILS",
            "INR",
            "IRR",
            "JMD",
            "KES",
            "KGS",
            "KHR",
            "KPW",
            "KYD",
            "KZT",
            "LAK",
            "LBP",
            "LKR",
            "LRD",
            "LSL",
            "MAD",
            "MDL",
            "MGA",
            "MKD",
            "MMK",
            "MNT",
            "MOP",
            "MRU",
            "MUR",
            "MVR",
            "MWK",
            "MXN",
            "MXV",
            "MYR",
            "MZN",
            "NAD",
            "NGN",
            "NIO",
            "NOK",
            "NPR",
            "NZD",
            "PAB",
            "PEN",
            "PGK",
            "PHP",
            "PKR",
            "PLN",
            "QAR",
            "RON",
            "RSD",
            "RUB",
            "SAR",
            "SBD",
            "SCR",
            "SDG",
            "SEK",
            "SGD",
            "SHP",
            "SLE",
            "SOS",
            "SRD",
            "SSP",
            "STN",
            "SVC",
            "SYP",
            "SZL",
            "THB",
            "TJS",
            "TMT",
            "TOP",
            "TRY",
            "TTD",
            "TWD",
            "TZS",
            "UAH",
            "USD",
            "USN",
            "UYU",
            "UZS",
            "VED",
            "VES",
            "WST",
            "XAD",
            "XCD",
            "XCG",
            "YER",
            "ZAR",
            "ZMW",
            "ZWG",
        ],
        2,
    ),
    **dict.fromkeys(
        [
            "BHD",
            "IQD",
            "JOD",
            "KWD",
            "LYD",
            "OMR",
            "TND",
        ],
        3,
    ),
    **dict.fromkeys(
        [
            "CLF",
            "UYW",
        ],
        4,
    ),
}

#: The ISO 4217 list the table was generated from.
PUBLISHED: Final = "2026-01-01"

_QUANTA: Final[Mapping[str, Decimal]] = {
    code: Decimal(1).scaleb(-units) for code, units in MINOR_UNITS.items()
}


def currency_field(owner: str) -> Callable[[object, Any, object], None]:
    """An attrs validator of a currency field, by the rule of `currency_code()`.

    Its errors name the field as ``"<owner> currency"`` (``"Charge currency"``). O(1).
    """

    def check(instance: object, attribute: Any, value: object) -> None:
        currency_code(value, f"{owner} currency")

    return check


def currency_code(value: object, what: str) -> str:
    """``value`` when it is written as a currency code: three capital letters A-Z. O(1).

    The one rule of every door that takes a currency (a plan's, a credit's): ISO 4217's
    form, which a code outside ISO 4217's list (``"XYZ"``, with the plan's own
    ``quantum``) keeps too. Anything else raises [`BadPriceError`][ratekit.BadPriceError]
    naming ``what`` and the value.

    Examples:
        >>> currency_code("CHF", "plan 'p' currency")
        'CHF'
        >>> currency_code("eur", "plan 'p' currency")
        Traceback (most recent call last):
        ...
        ratekit.BadPriceError: plan 'p' currency 'eur' is not a currency code; write it as three capital letters, such as 'EUR'.
    """
    if _is_code(value):
        return str.__str__(value)  # the text a str subclass holds, its own methods left out
    # The value in capitals when that is a code ('eur', ' chf'), else a code that is one.
    upper = str.upper(str.strip(value)) if isinstance(value, str) else None
    hint = upper if _is_code(upper) else "EUR"
    raise BadPriceError(
        f"{what} {show(value)} is not a currency code; write it as three capital letters, "
        f"such as {hint!r}."
    )


def _is_code(value: object) -> TypeGuard[str]:
    """Whether ``value`` is three capital letters A-Z. O(1)."""
    return isinstance(value, str) and len(value) == 3 and all("A" <= c <= "Z" for c in value)


@checked
def currency_quantum(currency: str) -> Decimal:
    """The smallest unit of ``currency`` that an invoice line is rounded to. O(1).

    ``currency`` is an ISO 4217 alphabetic code; the quantum is ``10 ** -minor_units``
    by the ISO 4217 list (`MINOR_UNITS`). A code ISO 4217 does not list, or lists
    without minor units, raises [`BadPriceError`][ratekit.BadPriceError]: give the plan a
    ``quantum``, which also overrides the currency's for any code. Anything but a str
    raises [`RatekitTypeError`][ratekit.RatekitTypeError].

    Examples:
        >>> import ratekit as rk
        >>> rk.currency_quantum("CHF")
        Decimal('0.01')
        >>> rk.currency_quantum("XAU")
        Traceback (most recent call last):
        ...
        ratekit.BadPriceError: currency 'XAU' has no known quantum; give the plan one, e.g. Plan(..., quantum='0.01'): ISO 4217 gives it no minor units.
    """
    if not isinstance(currency, str):
        raise RatekitTypeError(
            "currency must be an ISO 4217 alphabetic code (a str, like 'EUR'), not "
            f"{type(currency).__name__}: {show(currency)}."
        )
    currency = str.__str__(currency)  # the text it holds: a subclass's __hash__ left out
    quantum = _QUANTA.get(currency)
    if quantum is not None:
        return quantum
    if isinstance(currency, str) and currency in _WITHOUT:
        why = "ISO 4217 gives it no minor units"
    else:
        why = f"it is not an ISO 4217 code (as of {PUBLISHED})"
        upper = str.upper(str.strip(currency))
        if upper != currency and upper in _QUANTA:  # 'jpy', ' chf': a code in capitals
            why += f"; write it as three capital letters, {upper!r}"
    raise BadPriceError(
        f"currency {show(currency)} has no known quantum; give the plan one, e.g. "
        f"Plan(..., quantum='0.01'): {why}."
    )


#: Codes ISO 4217 lists without minor units (precious metals, funds, test codes).
_WITHOUT: Final = frozenset(
    {"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"}
)
