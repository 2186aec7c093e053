"""The built-in delta policies: deltas summed and cumulative counters made deltas.

[`Discrete`][ratekit.Discrete] (the sum of deltas) and [`Counter`][ratekit.Counter]
(cumulative readings turned into reset- or wrap-aware deltas, apportioned linearly) are
[`DeltaPolicy`][ratekit.DeltaPolicy] values; the aggregations of readings are in
`ratekit._sample_policies`. Imported from `ratekit.policies`. Split from
`_sample_policies.py`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Sequence
from decimal import Decimal

import attrs

from . import _normalize as _n
from ._decimals import CONTEXT, ZERO
from ._entry_points import plain_text
from ._instants import MAX_US, MIN_US, format_us
from ._policy_doors import (
    Increment,
    Report,
    _incremented,
    _refused,
)
from ._shown import show
from ._snapshot_seal import ADDED
from .errors import BadQuantityError, RatekitTypeError
from .records import (
    Sample,
)


class Stretches(typing.Protocol):
    """A resource's running stretches, as its timeline tells them (`ratekit._timelines`)."""

    def running_since(self, t_us: int) -> int | None:
        """The start of the running stretch that contains ``t_us`` or ends at it, or None."""
        ...  # pragma: no cover - a protocol

    def booted_since(self, t_us: int) -> int | None:
        """That start when a stop or a deletion came just before it, else None."""
        ...  # pragma: no cover - a protocol

    def stopped_since(self, t_us: int) -> int | None:
        """Where the stop that holds ``t_us`` began, or None."""
        ...  # pragma: no cover - a protocol

    def restarted_at(self, t_us: int) -> bool:
        """Whether a STOP and a START of the running resource at ``t_us`` booted it there."""
        ...  # pragma: no cover - a protocol


def _ids(*records: Sample | None) -> tuple[str, ...]:
    return tuple(record.id for record in records if record is not None and record.id is not None)


@typing.final
@attrs.frozen
class Discrete:
    """The sum of deltas (bytes sent, API calls); negative deltas are corrections.

    A delta at an instant goes to the piece that contains it; a delta over ``[since, at)``
    is apportioned linearly to the pieces it covers (exactly: the parts add up to it).

    Examples:
        >>> import ratekit as rk
        >>> rk.Discrete().accepts("delta"), rk.Discrete().accepts("gauge")
        (True, False)
    """

    def accepts(self, kind: str) -> bool:
        """Only deltas."""
        return kind == "delta"

    def increments(
        self, readings: Sequence[Sample], previous: Sample | None, report: Report
    ) -> Iterator[Increment]:
        """Each delta as is: at its instant, or over ``[since, at)``. O(n)."""
        # The arguments are checked now; the deltas come lazily.
        return _deltas(_incremented(self, readings, previous, report))


def _deltas(readings: Sequence[Sample]) -> Iterator[Increment]:
    for sample in readings:
        at_us = sample.at_us
        since_us = sample.since_us
        sid = sample.id
        yield (
            at_us if since_us is None else since_us,
            at_us,
            sample.value,
            () if sid is None else (sid,),
        )


@typing.final
@attrs.frozen
class Counter:
    """A cumulative counter: consecutive readings become deltas, apportioned linearly.

    Each reading adds its difference from the one before, spread linearly over the time
    between them: readings 0 at T, 500 at T+20 and 1000 at T+40 with a cycle ending at T+30
    give 750 to that cycle and 250 to the next. A reading lower than the one before is a
    reset: it counts from zero (adds the reading itself) and is reported as a
    ``"counter_reset"`` anomaly.

    ``wraps_at`` (an int, e.g. ``2**32`` for an SNMP ``Counter32``, ``2**64`` for a
    ``Counter64``): the counter counts modulo it, so a reading lower than the one before
    is a **wrap**, not a reset: it adds ``wraps_at - before + reading`` (4294967000 then
    200 under ``2**32``: 496), with no anomaly; not one stamped at the instant of the
    reading before it (a correction under a greater ``seq``): no time passed to count
    through the width, so it is a reset, as without one. A reading not below ``wraps_at`` is no
    reading of such a counter (the width given is too small): counted from the reading
    before it, it is counted as read and reported as an ``"above_width"`` anomaly; a
    lower reading after it is no wrap but a reset, as without a width. A reboot that
    zeroes a wrapping counter reads as a wrap too (it cannot be told from one); with
    ``from_zero=True``, a STOP and START around it say it (the counter counts from 0 at
    the START), as the Net-SNMP and RRDtool convention reads such counters. Without it
    (the default), every decrease is a reset (as Prometheus reads counters).

    The first reading of a resource (none carried from an earlier call) is counted from
    ``from_zero``:

    - ``from_zero=False`` (the default): it is the baseline. Nothing before it is counted;
      the deltas of a run of readings add up to the last reading minus the first plus
      every reading that preceded a reset. For a counter that did not start with the
      resource (a network interface's bytes, read from the middle of its life).
    - ``from_zero=True``: the counter was 0 when the resource started (a cumulative CPU-time
      counter starts at 0 at boot), so the first reading counts in full, spread linearly
      from the start of the running stretch that contains it (the last START, or the
      instant an update or inventory opened the resource; a resize does not begin a new
      stretch, a stop does) to the reading. A reading that falls in no running stretch
      (a resource known only from its samples) counts in full at its instant. A new
      instance so keeps its first polling interval; the deltas add up to one more
      reading, the first. Every running stretch that follows a stop (a STOP or a
      deletion) starts at 0 again, the resource booted: the first reading after its
      START counts from 0 at the START (not from the reading before the STOP, and no
      reset), and a reading stamped while stopped counts its rise up to the stop. A
      STOP and a START at one instant boot it too (a reading at that instant is the
      counter as it stood at the stop). A START with no stop before it is no reboot. Metering applies this (`_over()`);
      `increments()` alone knows no stretches.

    Examples:
        >>> import ratekit as rk
        >>> rk.Counter().accepts("counter"), rk.Counter(from_zero=True)
        (True, Counter(from_zero=True))
        >>> rk.Counter(wraps_at=2**32)
        Counter(wraps_at=4294967296)
    """

    from_zero: bool = attrs.field(default=False, kw_only=True)
    # (added after snapshots were first taken: at its default, out of their fingerprint)
    wraps_at: int | None = attrs.field(default=None, kw_only=True, metadata={ADDED: True})

    @from_zero.validator
    def _check_from_zero(self, attribute: object, value: object) -> None:
        if not isinstance(value, bool):
            raise RatekitTypeError(f"Counter from_zero must be True or False, not {show(value)}.")

    @wraps_at.validator
    def _check_wraps_at(self, attribute: object, value: object) -> None:
        if value is None:
            return
        if type(value) is not int:
            raise RatekitTypeError(
                f"Counter wraps_at must be an int (the counter's modulus, 2**32 or 2**64) or "
                f"None, not {type(value).__name__}: {show(value)}."
            )
        if value < 2:
            raise BadQuantityError(
                f"Counter wraps_at must be 2 or more (the counter's modulus: 2**32 for a "
                f"32-bit counter, 2**64 for a 64-bit one), not {value}."
            )

    def accepts(self, kind: str) -> bool:
        """Only counter readings."""
        return kind == "counter"

    def baseline(self, first: Sample, started_us: int | None) -> Sample | None:
        """The reading the first one counts from when none was carried, or ``None``.

        ``started_us`` is the start of the running stretch containing ``first`` (``None``
        when it falls in none). With ``from_zero``, a reading of 0 at that start (at
        ``first``'s own instant when there is none); else ``None``: ``first`` is the
        baseline. O(1).

        Examples:
            >>> import ratekit as rk
            >>> first = rk.Sample("a", "vm", "cpu", "2026-03-01T01:00:00Z", 1800, kind="counter")
            >>> zero = rk.Counter(from_zero=True).baseline(first, first.at_us - 3_600_000_000)
            >>> zero.value, first.at_us - zero.at_us, rk.Counter().baseline(first, None)
            (Decimal('0'), 3600000000, None)
        """
        if type(first) is not Sample:
            raise _refused(self, "baseline", "first", first, "a Sample")
        if started_us is not None and (
            type(started_us) is not int or not MIN_US <= started_us <= MAX_US
        ):
            raise _refused(
                self, "baseline", "started_us", started_us, "an int of epoch microseconds or None"
            )
        if not self.from_zero:
            return None
        at_us = first.at_us if started_us is None or started_us > first.at_us else started_us
        zero = object.__new__(Sample)
        zero.__attrs_init__(
            first.account, first.resource, first.meter, at_us, ZERO, "counter", None, None, None
        )
        return zero

    def increments(
        self, readings: Sequence[Sample], previous: Sample | None, report: Report
    ) -> Iterator[Increment]:
        """The reset-aware deltas between consecutive readings. O(n), lazily."""
        return self._deltas(_incremented(self, readings, previous, report), previous, report)

    def _over(
        self,
        readings: Sequence[Sample],
        previous: Sample | None,
        report: Report,
        line: Stretches | None,
    ) -> Iterator[Increment]:
        """`increments()` over a resource's running stretches (``line``), lazily.

        With ``from_zero`` and a ``line``, every running stretch that follows a stop (or a
        deletion) starts at 0 (the resource booted): a reading after such a start, with
        the reading before it before the start, is a rise from 0 at the start, not from
        that reading (no reset either). And a reading stamped while the resource is
        stopped (in no running stretch), after a reading from before that stop, is what
        the counter read when it stopped: its rise is spread over that reading to the
        stop, not over the stopped time. Else as `increments()`. O(n log p).
        """
        readings = _incremented(self, readings, previous, report)
        return self._deltas(readings, previous, report, line if self.from_zero else None)

    def _deltas(
        self,
        readings: Sequence[Sample],
        previous: Sample | None,
        report: Report,
        line: Stretches | None = None,
    ) -> Iterator[Increment]:
        last = previous
        wrap = None if self.wraps_at is None else Decimal(self.wraps_at)
        for sample in readings:
            if last is not None:
                if wrap is not None and sample.value >= wrap:
                    report("above_width", self._above(sample), (sample, last))
                end_us = sample.at_us
                if line is not None:
                    booted = line.booted_since(end_us)
                    if booted is not None and (
                        last.at_us < booted or (last.at_us == booted and line.restarted_at(booted))
                    ):
                        # The resource stopped and started again since the last reading:
                        # the counter counts from 0 at that start.
                        yield (booted, end_us, sample.value, _ids(sample))
                        last = sample
                        continue
                    if line.running_since(end_us) is None:
                        stopped = line.stopped_since(end_us)
                        if stopped is not None:
                            # Counted up to the stop, not while stopped; from a reading
                            # stamped at the stop or after it (the counter as it stood
                            # then), at that reading's instant.
                            end_us = max(stopped, last.at_us)
                value = sample.value
                if value >= last.value:
                    delta = CONTEXT.subtract(value, last.value)
                elif wrap is not None and last.value < wrap and last.at_us < sample.at_us:
                    # (a fall at one instant is no wrap: no time passed to count 2^32)
                    # counted up to the modulus, then from zero: wrap - before + reading
                    delta = CONTEXT.add(CONTEXT.subtract(wrap, last.value), value)
                else:
                    delta = value
                    above = (
                        ""
                        if wrap is None
                        else f" (that reading is not below the counter's width, wraps_at "
                        f"{self.wraps_at}: no reading of such a counter)"
                    )
                    report(
                        "counter_reset",
                        f"{_n.label(sample)} reads {value} at {format_us(sample.at_us)}, less "
                        f"than the {last.value} of {_n.label(last)} at "
                        f"{format_us(last.at_us)}{above}: a counter reset, counted from zero "
                        f"(delta {value}).",
                        (sample, last),
                    )
                yield (last.at_us, end_us, delta, _ids(last, sample))
            last = sample

    def _above(self, sample: Sample) -> str:
        """The ``"above_width"`` message of ``sample``, a reading not below ``wraps_at``."""
        return (
            f"{_n.label(sample)} reads {sample.value} at {format_us(sample.at_us)}, not below "
            f"the counter's width (wraps_at {self.wraps_at}): no reading of such a counter; "
            "it is counted as read (its rise, or from zero after a reset or a reboot). Check "
            "the meter's wraps_at against the device's counter (2**32 for a Counter32, "
            "2**64 for a Counter64)."
        )

    @plain_text
    def __repr__(self) -> str:
        given = ["from_zero=True"] if self.from_zero else []
        if self.wraps_at is not None:
            given.append(f"wraps_at={self.wraps_at}")
        return f"Counter({', '.join(given)})"
