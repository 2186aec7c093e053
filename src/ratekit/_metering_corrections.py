"""Metering's cuts at corrections: a `Discrete` meter's rows end where a correction is stamped.

Private to `ratekit.metering`. Rating takes a billing cycle's usage back, last in, first
out, in the order of its rows (`ratekit._taken_back`): a correction (a delta below zero)
takes back the units of the rows before it. For that order to be the order of the
records' instants, a row must not net a correction with usage stamped after it, nor hold
usage stamped on both sides of another resource's correction. So, per account and meter,
each instant ``c`` at which a delta below zero is stamped cuts the rows of all the
account's resources of that meter at ``c`` and at ``c + 1`` microsecond: the deltas
stamped at ``c`` (the corrections and any usage of that instant) are rows of their own,
over ``[c, c + 1µs)``; what was stamped before is in rows that end by ``c``, what was
stamped after in rows that begin after it. A correction spread over a span (``since``)
cuts at its stamp (``at``) too: its quantity is still spread over ``[since, at)`` (its
parts lie in the cycles, plans and pieces of their time), in rows that end by ``at``, so
no row nets it with usage stamped after it (docs/pricing.md, A correction over a span).
Nor with usage stamped within its span, nor with another correction over a span stamped
elsewhere: on a meter of an account with a correction, the parts of the corrections over
a span are rows of their own (`Apart`), one per piece and stamp, beside the row of the
piece's other deltas, so that rating takes each back at its stamp (`ratekit._placed`).
Usage with no correction (every delta of the account's meter at or above zero) is not
cut: its rows stay one per piece.
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final

from . import _timelines as _t
from ._decimals import ZERO
from .policies import Discrete, Meter
from .records import Sample
from .usage import UsageRow, _new_row

if typing.TYPE_CHECKING:
    from .metering import _Engine

__all__ = ["Apart", "correction_cuts", "piece_row", "with_cuts"]

_VALUE: Final = operator.attrgetter("value")

#: Per (account, meter): the instants a correction cuts its rows at, ascending.
Cuts = dict[tuple[str, str], list[int]]


def correction_cuts(
    samples: Mapping[tuple[str, str], Mapping[str, list[Sample]]],
    meters: Mapping[str, Meter],
    start_us: int,
    end_us: int,
) -> Cuts:
    """Per (account, meter) of a `Discrete` meter with a correction, where it cuts the rows.

    A correction is a delta below zero stamped inside ``[start_us, end_us)``, at an
    instant or spread over a span; it cuts at its stamp and one microsecond after. The
    cuts are the window's own (strictly inside it). A correction over a span stamped
    after the window with parts in it cuts nothing, but its key is there (with no cut):
    its parts are rows of their own all the same (`Apart`). O(n) for n samples, with one
    comparison of C speed per resource and meter with no correction.
    """
    deltas = {name for name, item in meters.items() if type(item.policy) is Discrete}
    if not deltas:
        return {}
    found: dict[tuple[str, str], set[int]] = {}
    for (account, _resource), per_meter in samples.items():
        for name, group in per_meter.items():
            if name not in deltas or not group or min(map(_VALUE, group)) >= 0:
                continue
            for sample in group:
                at_us = sample.at_us
                if sample.value >= 0:
                    continue
                if start_us <= at_us < end_us:
                    cuts = found.setdefault((account, name), set())
                    if at_us > start_us:
                        cuts.add(at_us)
                    if at_us + 1 < end_us:
                        cuts.add(at_us + 1)
                elif at_us >= end_us and sample.since_us is not None and sample.since_us < end_us:
                    # stamped after the window, parts in it: no cut, its parts apart
                    found.setdefault((account, name), set())
    return {key: sorted(cuts) for key, cuts in found.items()}


def with_cuts(points: list[int], cuts: list[int]) -> list[int]:
    """``points`` (a meter's cut points, ascending) with a correction's ``cuts`` added."""
    return sorted(set(points).union(cuts))


class Apart:
    """The parts of one resource's corrections over a span, per stamp, apart from its usage.

    Per stamp (the corrections' ``at``), the sums and the record ids of each piece, as
    `ratekit._metering_samples.sample_rows()` sums the piece's other deltas.
    """

    __slots__ = ("stamps",)

    def __init__(self) -> None:
        self.stamps: dict[int, tuple[list[Decimal | None], list[list[str] | None]]] = {}

    def arrays(self, stamp: int, count: int) -> tuple[list[Decimal | None], list[list[str] | None]]:
        """The sums and ids per piece of the corrections stamped at ``stamp``."""
        found = self.stamps.get(stamp)
        if found is None:
            found = self.stamps[stamp] = ([None] * count, [None] * count)
        return found

    def rows(  # noqa: PLR0917 - private plumbing of plain values
        self,
        engine: _Engine,
        rows: list[UsageRow],
        first: int,
        account: str,
        name: str,
        resource: str,
        item: Meter,
        pieces: list[int],
        line: _t.Timeline,
    ) -> None:
        """Add the parts' rows to the meter's rows (``rows[first:]``), in time order.

        A piece's row of its other deltas first, then its parts' rows by stamp. O(r log r).
        """
        window = engine.window
        count = len(pieces)
        made: list[UsageRow] = []
        for stamp in sorted(self.stamps):
            sums, ids = self.stamps[stamp]
            for k, total in enumerate(sums):
                if total is None:
                    continue
                a = pieces[k]
                b = pieces[k + 1] if k + 1 < count else window.end
                found = ids[k]
                made.append(
                    piece_row(
                        engine,
                        line,
                        (account, resource, name, item.unit),
                        (a, b),
                        total.normalize() + ZERO,
                        () if found is None else found,
                    )
                )
        self.stamps = {}
        rows[first:] = sorted([*rows[first:], *made], key=_START)


def piece_row(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    line: _t.Timeline,
    meter: tuple[str, str, str, str],
    bounds: tuple[int, int],
    quantity: Decimal,
    ids: Sequence[str],
) -> UsageRow:
    """A sample meter's row of one piece ``bounds`` of a resource, as described at its start.

    ``meter``: (account, resource, meter name, unit). The span is the engine's shared
    one, the cycle the window's. O(log p) for p pieces of ``line``.
    """
    account, resource, name, unit = meter
    a, b = bounds
    return _new_row(
        account,
        name,
        resource,
        engine._span(a, b),
        engine.window.cycle_of(a),
        quantity,
        unit,
        line.descriptions[line.index_at(a)],
        ids,
    )


def _START(row: UsageRow) -> int:  # noqa: N802 - a key, as operator's getters are named
    return row.span.start_us
