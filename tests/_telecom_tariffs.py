"""The mobile operator's time-of-day voice tariff, shared by its newcomer tests.

Calls metered in seconds, priced per minute: 0.20 at peak, 0.05 at night (22:00 to
06:00 in Zurich), on monthly cycles from the 17th.
"""

from __future__ import annotations

from typing import Final

import ratekit as rk

ZURICH: Final = "Europe/Zurich"
CYCLES: Final = rk.cycles.monthly(tz=ZURICH, day=17)
NIGHTS: Final = rk.windows.daily("22:00", "06:00", tz=ZURICH)


def peak_and_night() -> list[rk.PriceEntry]:
    """The two voice entries: peak all day, night in its window (the higher priority)."""
    return [
        rk.PriceEntry("peak", "voice", rk.PerUnit("0.20"), unit="minute", meter_unit="s"),
        rk.PriceEntry(
            "night",
            "voice",
            rk.PerUnit("0.05"),
            unit="minute",
            meter_unit="s",
            window=NIGHTS,
            priority=1,
        ),
    ]


#: The tariff alone, in CHF.
TIME_OF_DAY: Final = rk.Plan("tod", "CHF", CYCLES, peak_and_night())
