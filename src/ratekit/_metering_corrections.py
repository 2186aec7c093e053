"""Metering's cuts at corrections: a delta meter's rows end where a correction is stamped.

The meters cut so are those whose usage comes as amounts at its readings' instants
(`at_instants`): `Discrete`, a delta policy of one's own, an additive aggregation such
as `Count` (which has no correction, but is cut at each reading where the plans take it
in time order); not a `Counter`, whose rise is spread between its readings: where the
plans take a counter's rows in time order, each of a resource's readings cuts its own
rows at its instant (`reading_cuts`), one rise a row.

Private to `ratekit.metering`. Rating takes a billing cycle's usage back, last in, first
out, in the order of its rows (`ratekit._taken_back`): a correction (a delta below zero)
takes back the units of the rows before it. For that order to be the order of the
records' instants, a row must not net a correction with usage stamped after it, nor hold
usage stamped on both sides of another resource's correction. So, per account and meter,
each instant ``c`` at which a delta below zero is stamped cuts the rows of all the
account's resources of that meter at ``c`` and at ``c + 1`` microsecond: the deltas
stamped at ``c`` (the corrections and any usage of that instant) are rows of their own,
over ``[c, c + 1µs)``; what was stamped before is in rows that end by ``c``, what was
stamped after in rows that begin after it. A delta policy of one's own is taken at its
readings' instants: a reading below zero is its correction (its increments of that
instant are its rows' of ``[c, c + 1µs)``; one it spreads over a span is apportioned
to the rows it covers, as ever). A correction spread over a span (``since``)
cuts at its stamp (``at``) too: its quantity is still spread over ``[since, at)`` (its
parts lie in the cycles, plans and pieces of their time), in rows that end by ``at``, so
no row nets it with usage stamped after it (docs/pricing.md, A correction over a span).
Usage with no correction (every delta of the account's meter at or above zero) is not
cut: its rows stay one per piece, unless the account's plans take the meter's rows in
the order of their deltas' instants (rows priced apart that share an allowance or tiers
on a total, `ratekit._cuts.in_time_order`): then each delta's instant cuts them so, as a
correction's does, and the rows are taken in the order of the records' instants,
whatever the resources are called. A delta over a window ``[since, at)`` (usage or a
correction) cuts at its ends, ``since`` and ``at`` (not a microsecond after: nothing is
stamped there), where its even use begins and ends: the account's rows between two cuts
then hold the windows' usage at one rate, used evenly over the row
(`ratekit._allowance_flows`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Container, Iterable, Mapping
from typing import Final

from .policies import Counter, Meter
from .records import Sample

__all__ = ["at_instants", "correction_cuts", "reading_cuts", "spread_between", "with_cuts"]

_VALUE: Final = operator.attrgetter("value")

#: Per (account, meter): the instants a correction cuts its rows at, ascending.
Cuts = dict[tuple[str, str], list[int]]


def correction_cuts(
    samples: Mapping[tuple[str, str], Mapping[str, list[Sample]]],
    meters: Mapping[str, Meter],
    start_us: int,
    end_us: int,
    *,
    every: Callable[[str], Container[str]] | None = None,
    below_zero: bool = True,
) -> Cuts:
    """Per (account, meter) of a meter used at instants (`at_instants`), where it cuts rows.

    A correction is a delta below zero (a reading below zero of a delta policy: a
    `Discrete` meter's or one's own; a count has none) stamped inside ``[start_us,
    end_us)`` at an instant: it cuts at its stamp and one microsecond after; one spread
    over a span ``[since, at)`` that reaches into the window cuts at ``since`` and
    ``at``. The cuts are the window's own (strictly inside it).
    ``every(account)``: the meters of the account whose every delta (every reading)
    cuts so (`ratekit._cuts.Cuts.every`); without ``below_zero`` no delta is below zero,
    and only those do. O(n) for n samples, with one comparison of C speed per resource
    and meter with no correction.
    """
    deltas = at_instants(meters)
    if not deltas:
        return {}
    found: dict[tuple[str, str], set[int]] = {}
    for (account, _resource), per_meter in samples.items():
        each = every(account) if every is not None else ()
        for name, group in per_meter.items():
            if name not in deltas or not group:
                continue
            all_of_them = name in each
            if not all_of_them and (
                not below_zero or not meters[name]._deltas or min(map(_VALUE, group)) >= 0
            ):
                continue
            for sample in group:
                if not all_of_them and sample.value >= 0:
                    continue
                at_us, since_us = sample.at_us, sample.since_us
                if since_us is not None and since_us != at_us:
                    # a delta over a window: its ends, where its even use begins and ends
                    if since_us < end_us and at_us > start_us:
                        cuts = found.setdefault((account, name), set())
                        cuts.update(t for t in (since_us, at_us) if start_us < t < end_us)
                elif start_us <= at_us < end_us:
                    cuts = found.setdefault((account, name), set())
                    if at_us > start_us:
                        cuts.add(at_us)
                    if at_us + 1 < end_us:
                        cuts.add(at_us + 1)
    return {key: sorted(cuts) for key, cuts in found.items() if cuts}


def at_instants(meters: Mapping[str, Meter]) -> frozenset[str]:
    """The meters of ``meters`` whose usage comes as amounts at its readings' instants.

    A sum of samples that is no `Counter`'s: `Discrete`, a delta policy of one's own
    (its increments taken at its readings' instants), an additive aggregation
    ([`Count`][ratekit.Count]: each reading counted at its instant). A counter's rise is
    spread over the time between its readings, a time meter's use over its pieces, and
    a peak is shared by time: their rows are not cut at readings. O(m).
    """
    return frozenset(
        name
        for name, item in meters.items()
        if item._factor is None and item._additive and type(item.policy) is not Counter
    )


def spread_between(meters: Iterable[Meter]) -> frozenset[str]:
    """The meters of ``meters`` whose usage is a rise spread between two readings: `Counter`'s.

    Where the account's plans take such a meter's rows in time order (``every``), each
    of a resource's readings cuts its rows at its instant (`reading_cuts`), so that each
    row holds one rise, used evenly over its span: rating takes such rows of the
    account's resources together where they run at once (`ratekit._allowance_flows`),
    and those of one span climb tiers together (`ratekit._pricing`). O(m).
    """
    return frozenset(item.name for item in meters if type(item.policy) is Counter)


def reading_cuts(
    points: list[int], readings: Iterable[Sample], start_us: int, end_us: int
) -> list[int]:
    """``points`` with the instants of a counter's ``readings`` strictly inside ``[start_us, end_us)``.

    A counter's rise is spread between two readings, so a reading cuts its resource's
    rows at its instant (the rise before it ends there, the next begins), not a
    microsecond after as a correction does. Only the resource's own readings cut its
    rows: one row per reading at most, however many resources the account has. O((p +
    r) log(p + r)) for p points, r readings.
    """
    cuts = [at_us for sample in readings if start_us < (at_us := sample.at_us) < end_us]
    return with_cuts(points, cuts) if cuts else points


def with_cuts(points: list[int], cuts: list[int]) -> list[int]:
    """``points`` (a meter's cut points, ascending) with a correction's ``cuts`` added."""
    return sorted(set(points).union(cuts))
