"""Where a resource's rows may lie in a metering window: its extent and its sample pieces.

Private to `ratekit.metering`: `extent()` gives the spans of the window where a resource
may have rows (its running pieces, its readings, a carried state's), and `pieces()` the
starts of its sample-based rows (the cycle's points and its description changes).
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Mapping

from . import _normalize as _n
from . import _timelines as _t
from ._descriptions import same_items

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine
    from .records import Sample
    from .usage import ResourceState

__all__ = ["extent", "pieces"]


def extent(
    engine: _Engine,
    line: _t.Timeline,
    per_meter: Mapping[str, list[Sample]],
    state: ResourceState | None,
) -> list[tuple[int, int]]:
    """Where a resource may have rows in the window: its running pieces and readings.

    The spans are merged where they overlap. An aggregation may report a level held
    from an earlier reading, so its readings (or a carried one) reach the window's end.
    O((p + n) log(p + n)) for p pieces and n samples.
    """
    w0, w1 = engine.window.start, engine.window.end
    spans: list[tuple[int, int]] = []
    starts, statuses = line.starts, line.statuses
    count = len(starts)
    for index in range(count):
        if statuses[index] == _n.RUNNING:
            a = max(starts[index], w0)
            b = min(starts[index + 1] if index + 1 < count else w1, w1)
            if a < b:
                spans.append((a, b))
    if state is not None and (state.readings or state.pending):
        spans.append((w0, w1))
    for name, group in per_meter.items():
        held = not engine.meters[name]._deltas
        for sample in group:
            since = sample.at_us if sample.since_us is None else sample.since_us
            a = max(since, w0)
            b = w1 if held else min(sample.at_us + 1, w1)
            if a < b:
                spans.append((a, b))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def pieces(engine: _Engine, points: list[int], line: _t.Timeline) -> list[int]:
    """The starts of the sample pieces: ``points`` and the description changes.

    A status change alone (a stop, a start with the same description) does not cut a
    sample-based row: only the description and the cycle must be constant over it.
    O(p + s) for p points and s pieces of the timeline.
    """
    window = engine.window
    w0, w1 = window.start, window.end
    starts = line.starts
    descriptions = line.descriptions
    # (`not ==`: a description's ``!=`` calls its ``==``, two calls per change; and
    # ``==`` only where the items are equal: descriptions that differ are told at C speed)
    # (a loop, not a comprehension: a resource has a few pieces in the window, and a
    # comprehension is a function made and called each time)
    same = same_items
    inner: list[int] | None = None
    for index in range(bisect.bisect_right(starts, w0), bisect.bisect_left(starts, w1)):
        before, after = descriptions[index - 1], descriptions[index]
        if before is not after and not (same(before, after) and before == after):
            if inner is None:
                inner = [starts[index]]
            else:
                inner.append(starts[index])
    if inner is not None:
        return [w0, *sorted(set(points).union(inner))]
    return [w0, *points]
