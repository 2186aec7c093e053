"""The two plans of the commitments newcomer's upgrade, shared by its batch and stream tests.

Basic: 0.10 a call, a monthly minimum of 62 and a fee of 31. Pro: 0.05 a call, 310 calls
free, a minimum of 93 and a fee of 62. Monthly cycles in UTC.
"""

from __future__ import annotations

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
BASIC = rk.Plan(
    "basic",
    "EUR",
    MONTHS,
    [rk.PriceEntry("api", "api", rk.PerUnit("0.10"))],
    minimums=[rk.Minimum(62)],
    fees=[rk.Fee("base", 31)],
)
PRO = rk.Plan(
    "pro",
    "EUR",
    MONTHS,
    [rk.PriceEntry("api", "api", rk.PerUnit("0.05"))],
    minimums=[rk.Minimum(93)],
    fees=[rk.Fee("pro", 62)],
    allowances=[rk.Allowance("api", 310)],
)
