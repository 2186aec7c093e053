"""The rounding modes a plan takes, in one order, for the tests that draw among them.

Every decimal mode that rounds to a quantum (``ROUND_05UP`` rounds on a number's last
digit, and a plan refuses it).
"""

from __future__ import annotations

MODES = (
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "ROUND_HALF_DOWN",
    "ROUND_UP",
    "ROUND_DOWN",
    "ROUND_CEILING",
    "ROUND_FLOOR",
)
