"""What a call over an empty span (``[t, t)``) meters of a meter that sums increments.

Private to [`ratekit.meter()`][ratekit.meter]. Such a call (a poller run twice at one
instant) has no row of its own, but what it is given is metered all the same: its
readings before the carried state's clock are late and give their late rows, with their
``"late"`` anomaly, as over any span (the state takes them as applied, so no later call
would bill them); the amounts after the span, carried or new, are kept for the next
call (`ratekit._metering_pending`); the policy's anomalies (resets) still count.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

from . import _metering_counters as _counters
from . import _metering_late as _late
from . import _metering_pending as _pending
from . import _policy_results as _results
from .policies import Discrete, Increment, Meter

if typing.TYPE_CHECKING:
    from . import _timelines as _t
    from ._metering_engine import _Engine
    from .records import Sample

__all__ = ["deltas"]


def deltas(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    key: tuple[str, str, str],
    item: Meter,
    line: _t.Timeline,
    readings: list[Sample],
    previous: Sample | None,
) -> None:
    """Meter ``readings`` of meter ``item`` (``key``: account, resource, meter) over an empty window.

    As `ratekit._metering_samples.sample_rows()` meters them over a window with pieces:
    the increments placed among the state's readings (a counter's), else the policy's;
    each one's part before the state's clock is late (`_metering_late.late_increment()`),
    its part from the window's end on kept. O(n) for n readings, plus the policy's.
    """
    account, resource, name = key
    w1 = engine.window.end
    late_before = engine.late_before
    for increment in _pending.held(engine, account, resource, name):
        _pending.keep(engine, account, resource, item, increment, said=False)
    placed = None
    if late_before is not None and type(item.policy) is not Discrete:
        placed = _counters.late_increments(engine, account, resource, name, item, line, readings)
    increments: Iterable[Increment] = placed if placed is not None else ()
    if placed is None:
        increments = _results.increments_of(
            item, account, resource, readings, previous, engine._reporter(account, resource), line
        )
    for increment in increments:
        if increment[1] >= w1 and _pending.beyond(increment, w1):
            _pending.keep(engine, account, resource, item, increment, said=placed is None)
        if late_before is not None and increment[0] < late_before:
            _late.late_increment(engine, account, resource, name, line, increment, late_before)
