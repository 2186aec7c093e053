"""A correction spread over a span takes back the usage stamped within it first.

Private to `ratekit._metering_engine`. A delta below zero spread over ``[since, at)``
is a correction stamped at ``at`` (docs/pricing.md, A correction over a span): last
in, first out, it takes back the units used last before its stamp. Those stamped within
its span (after ``since``, up to ``at``) are the last in, so it takes them back first,
wherever its parts lie in time (usage at ``since`` itself is before all its parts). Rating takes a cycle's rows in the order of their
spans, so a part of the correction that lies before such usage would take back older
units instead (and a part that lies with it would be netted with it). So, per account
and `Discrete` meter, before the rows are built, the correction is reshaped:

- the units of each instant within its span that are still on the stack at its stamp
  (used there at an instant, not taken back by another correction before it) are taken
  back at that instant: a delta of its own there, below zero, which metering cuts and
  nets with that instant's usage (`ratekit._metering_corrections`), on any of the
  account's resources;
- the rest is spread over ``[since, at)`` as before: with no usage left within the span
  above it, its parts take back the units used before ``since``, last in first out, the
  same units as the correction taken whole at its stamp; what goes below zero lies in
  the time, price and piece its part falls in.

The stack is the account's units of the meter in one billing cycle, in the records'
order (instants; of one instant, usage before corrections), each correction at its
stamp, in units only (which plan or price billed them does not matter to which units go
back). A correction whose span crosses a cycle's boundary is a correction of each cycle
for its part there, which takes back that cycle's usage within its span first (all of it
before the stamp); the rest of each part stays spread over its own time. Usage spread
over a span is left in time order with the parts (known limit). O(n log n) for the n
deltas of an account's meter with a correction spread over a span; nothing for others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from ._decimals import CONTEXT, ZERO
from ._instants import from_us
from ._window import _apportion
from .policies import Discrete, Meter
from .records import Sample

__all__ = ["reshape"]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract

#: Per (account, resource), per meter: its samples.
Samples = dict[tuple[str, str], dict[str, list[Sample]]]


class _Run:
    """Units used at an instant (``instant``) or over a span, below zero: taken back beyond."""

    __slots__ = ("at", "instant", "units")

    def __init__(self, at: int, units: Decimal, instant: bool) -> None:
        self.at = at
        self.units = units
        self.instant = instant


def _spread_below_zero(sample: Sample) -> bool:
    since = sample.since_us
    return since is not None and since < sample.at_us and sample.value < 0


def _no_cycle(_at_us: int) -> tuple[int, int]:
    return (-(2**63), 2**63)


def reshape(
    samples: Samples,
    meters: Mapping[str, Meter],
    cycle_of: Callable[[int], tuple[int, int]] | None,
) -> None:
    """Reshape, in place, each correction spread over a span (see the module).

    ``cycle_of(instant)``: the billing cycle ``(start_us, end_us)`` holding it (None:
    no cycle, the stack runs on).
    """
    if cycle_of is None:
        cycle_of = _no_cycle
    deltas = {name for name, item in meters.items() if type(item.policy) is Discrete}
    found: dict[tuple[str, str], list[tuple[str, Sample]]] = {}
    spread: set[tuple[str, str]] = set()
    for (account, resource), per_meter in samples.items():
        for name, group in per_meter.items():
            if name not in deltas:
                continue
            kept = found.setdefault((account, name), [])
            kept.extend((resource, sample) for sample in group)
            if any(_spread_below_zero(sample) for sample in group):
                spread.add((account, name))
    for account, name in sorted(spread):
        changed = _reshaped(found[account, name], cycle_of)
        for resource, (gone, added) in changed.items():
            group = samples[account, resource][name]
            group[:] = sorted(
                [s for s in group if id(s) not in gone] + added, key=lambda s: s.at_us
            )


def _reshaped(
    members: list[tuple[str, Sample]], cycle_of: Callable[[int], tuple[int, int]]
) -> dict[str, tuple[set[int], list[Sample]]]:
    """Per resource: the ids of the samples replaced, and the samples that replace them."""
    order = sorted(members, key=lambda m: (m[1].at_us, m[1].value < 0))
    # per cycle: its runs, the last in on top
    stacks: dict[tuple[int, int], list[_Run]] = {}
    out: dict[str, tuple[set[int], list[Sample]]] = {}
    for resource, sample in order:
        at_us, since = sample.at_us, sample.since_us
        value = sample.value
        if since is None or since == at_us:
            _push(stacks.setdefault(cycle_of(at_us), []), at_us, value, True)
            continue
        portions = _portions(since, at_us, value, cycle_of)
        if value >= 0:
            for _, hi, part in portions:  # usage over a span: left in time order
                _push(stacks.setdefault(cycle_of(hi - 1), []), at_us, part, False)
            continue
        taken_at: dict[int, Decimal] = {}
        rests = []
        for lo, hi, part in portions:
            stack = stacks.setdefault(cycle_of(lo), [])
            wanted = _take_within(stack, lo, part.copy_negate(), taken_at)
            _push(stack, at_us, wanted.copy_negate(), False)
            rests.append((lo, hi, wanted))
        if not taken_at:
            continue
        gone, added = out.setdefault(resource, (set(), []))
        gone.add(id(sample))
        for run_at, taken in sorted(taken_at.items()):
            added.append(_made(sample, run_at, taken.copy_negate(), None))
        added.extend(
            _made(sample, hi, wanted.copy_negate(), lo) for lo, hi, wanted in rests if wanted
        )
    return out


def _portions(
    since: int, at_us: int, value: Decimal, cycle_of: Callable[[int], tuple[int, int]]
) -> list[tuple[int, int, Decimal]]:
    """A delta over ``[since, at_us)`` cut at its cycles' boundaries: (start, end, part)."""
    out = []
    lo = since
    while lo < at_us:
        hi = min(cycle_of(lo)[1], at_us)
        part = _SUB(_apportion(value, since, at_us, hi), _apportion(value, since, at_us, lo))
        out.append((lo, hi, part))
        lo = hi
    return out


def _take_within(
    stack: list[_Run], since: int, wanted: Decimal, taken_at: dict[int, Decimal]
) -> Decimal:
    """Take up to ``wanted`` units used at instants after ``since`` off the top of ``stack``.

    Adds the units taken per instant to ``taken_at``; gives what is left to take.
    """
    while wanted and stack:
        run = stack[-1]
        units = run.units
        if units <= 0 or run.at <= since or not run.instant:
            break
        taken = min(wanted, units)
        taken_at[run.at] = _ADD(taken_at.get(run.at, ZERO), taken)
        wanted = _SUB(wanted, taken)
        run.units = _SUB(units, taken)
        if not run.units:
            stack.pop()
    return wanted


def _push(stack: list[_Run], at_us: int, units: Decimal, instant: bool) -> None:
    """``units`` (above or below zero) on ``stack``: taking back the other sign's first."""
    while units and stack:
        run = stack[-1]
        held = run.units
        if (held > 0) == (units > 0):
            break
        if abs(held) <= abs(units):
            units = _ADD(units, held)
            stack.pop()
        else:
            run.units = _ADD(held, units)
            units = ZERO
    if units:
        stack.append(_Run(at_us, units, instant))


def _made(sample: Sample, at_us: int, value: Decimal, since_us: int | None) -> Sample:
    """``sample``'s record with another instant, value and span start."""
    return Sample(
        sample.account,
        sample.resource,
        sample.meter,
        from_us(at_us),
        value,
        since=None if since_us is None else from_us(since_us),
        id=sample.id,
        seq=sample.seq,
    )
