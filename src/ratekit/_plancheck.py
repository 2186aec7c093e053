"""The checks a window loaded from plan data gets beyond its class's own.

Cycles and windows check their own fields when built (``Monthly day 30 is not a day of
the month...``), so plan data, which builds the classes from their fields, defers to
them. What remains here are the windows whose constructor functions check more than the
class does (a cron expression's syntax, a combination's parts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from . import windows

__all__ = ["CHECKS"]


#: The values whose class alone does not check its fields: each is checked as the public
#: constructor (``rk.windows.cron``, ``rk.windows.union``, ...) would check it.
CHECKS: Final[Mapping[type, Callable[[Any], object]]] = {
    windows.CronWindow: lambda value: windows.cron(value.start, value.end, tz=value.tz),
    windows.Union: lambda value: windows.union(*value.windows),
    windows.Intersection: lambda value: windows.intersection(*value.windows),
    windows.Complement: lambda value: windows.complement(value.window),
}
