"""Print the ISO 4217 minor units table of ``src/ratekit/currencies.py`` from ``iso4217``.

Usage (with the test extra installed)::

    python scripts/currencies.py

Compare its output with ``MINOR_UNITS`` (``tests/test_currencies.py`` does, on every run)
and paste it in when ISO 4217 is amended and the package follows.
"""

from __future__ import annotations

import iso4217


def main() -> None:
    """Print ``MINOR_UNITS`` grouped by minor units, then the codes without any."""
    by_units: dict[int, list[str]] = {}
    without = []
    for currency in iso4217.Currency:
        if currency.exponent is None:
            without.append(currency.code)
        else:
            by_units.setdefault(currency.exponent, []).append(currency.code)
    print(f"# ISO 4217, published {iso4217.__published__}")
    for units in sorted(by_units):
        print(units, " ".join(sorted(by_units[units])))
    print("without minor units:", " ".join(sorted(without)))


if __name__ == "__main__":
    main()
