"""Pricelists and plans: which price applies to which usage, when, and for whom.

A [`PriceEntry`][ratekit.PriceEntry] binds a price model to a meter, optionally only for resources whose
description matches a selector (``where={"flavor": "m1.large"}``), over an effective span
(open-ended on either side) and optionally only inside a recurring window (nights,
Tuesdays 02:00 to Wednesdays 02:00). Entries **layer**: wherever several entries apply to
the same usage, the one with the highest ``priority`` wins (Aquarium's temporal
overriding). Two entries of equal priority that could both apply (selectors that do not
exclude each other, overlapping spans, windows that meet) are refused when the plan is
built, naming both.

Entries live in `ratekit._price_entries` (one concept: where an entry applies and which
one wins), the doors of a plan's arguments in `ratekit._plan_args`; this module holds
plans and re-exports the entries.

A [`Plan`][ratekit.Plan] gathers entries with a currency, a billing cycle, a rounding policy,
allowances, minimum commitments and recurring fees. An [`Assignment`][ratekit.Assignment] gives
an account a plan over a span of time; a change of plan mid-cycle splits the cycle.

Examples:
    >>> import ratekit as rk
    >>> default = rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))
    >>> march_15 = rk.PriceEntry("vm-2", "vm.hours", rk.PerUnit("0.12"), start="2026-03-15T00:00:00Z", priority=1)
    >>> plan = rk.Plan("standard", "EUR", rk.cycles.monthly(tz="UTC"), [default, march_15])
    >>> plan.resolve("vm.hours", {}, "2026-03-14T23:59:59Z").id
    'vm'
    >>> plan.resolve("vm.hours", {}, "2026-03-15T00:00:00Z").id
    'vm-2'
"""

from __future__ import annotations

import datetime as _dt
import decimal
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Final, Literal, Protocol

import attrs

from . import cycles
from ._caller_objects import has_method
from ._decimals import CONTEXT
from ._entry_points import plain_text
from ._instants import to_us
from ._metering_cycle import checked as checked_cycle
from ._plan_args import (
    _MODES,
    _optional_decimal,
    _plan_allowances,
    _plan_entries,
    _plan_fees,
    _plan_minimums,
    _quantum_default,
    _unsupported,
)
from ._price_changes import Changes
from ._price_entries import (
    PriceEntry,
    _description_arg,
    _name_arg,
    _span_arg,
    _us_arg,
    check_ties,
)
from ._price_entries import _instant as _instant  # noqa: PLC0414 - assignments reads it here
from ._price_entries import _us_or_none as _us_or_none  # noqa: PLC0414 - assignments reads it here
from ._price_entries import _Window as _Window  # noqa: PLC0414 - plandata reads it here
from ._price_entries import _winner as _winner  # noqa: PLC0414 - the rating regimes read it here
from ._proration import whole_days
from ._quanta import on_quantum
from ._shown import show
from ._text import plain_choice
from ._zones import zone, zone_key
from .currencies import currency_code, currency_quantum
from .errors import (
    BadCalendarError,
    BadPriceError,
    BadQuantityError,
    QuantityTypeError,
    RatekitTypeError,
    UnitError,
)
from .spans import Span
from .terms import Allowance, Fee, Minimum, _check_id
from .units import Unit

__all__ = [
    "Allowance",
    "Fee",
    "Minimum",
    "Plan",
    "PriceEntry",
    "currency_quantum",
]

# -- protocols of the stages upstream ------------------------------------------------------


class _Cycle(Protocol):
    def boundaries_us(self, start_us: int, end_us: int) -> list[int]: ...

    def containing_us(self, t_us: int) -> tuple[int, int]: ...


# -- plans ---------------------------------------------------------------------------------

#: A day's length in microseconds: a cycle shorter holds no whole local day, mostly.
_DAY_US: Final = 86_400_000_000
Proration = Literal["seconds", "days"]
Unpriced = Literal["error", "anomaly"]


@typing.final
@attrs.frozen(repr=False)
class Plan:
    """A price plan: entries, currency, billing cycle, rounding, allowances, minimums, fees.

    - ``currency``: an ISO 4217 code; charges carry it, and invoices never add amounts
      of different currencies.
    - ``cycle``: the billing cycle (``rk.cycles.monthly(tz=...)``); tiered prices,
      allowances, minimums and fees are per cycle.
    - ``quantum`` and ``rounding``: each printed invoice line is rounded once to a whole
      number of ``quantum`` (by default the currency's smallest unit; any positive step,
      such as ``"0.05"`` for Swiss cash rounding or ``3``) with ``rounding`` (a
      `decimal` mode, half-even by default).
    - ``proration``: how fees, minimums and allowances shrink when the plan covers part
      of a cycle: ``"seconds"`` (covered time over the cycle's time) or ``"days"`` (local
      days over the cycle's local days, in ``tz``, by default the cycle's timezone; a day
      counts for the part of the cycle that holds its last instant, as in
      [`ratekit.cycles.prorate()`][ratekit.cycles.prorate]).
      The denominator is always the whole cycle. Across a change to a plan that counts
      otherwise (days in another zone, or seconds), the cycle is counted once: at the
      change, the further of the two plans' counts (see docs/pricing.md, "A change
      between plans that count days differently"), so the shares add up to one cycle.
    - ``tz``: the plan's timezone (None: its cycle's), whose local days ``"days"``
      proration counts and in which a comparison prints its invoices; in any form a
      cycle takes (an IANA name, a fixed offset written ``"UTC+05:45"``, a
      ``ZoneInfo``, a ``datetime.timezone``), checked by the same door; ``plan.tz`` is
      the value given, and plans compare by the zone it names (``"UTC+05:45"`` equals
      ``timezone(timedelta(hours=5, minutes=45))``).
    - ``unpriced``: what usage no entry prices does: ``"error"`` (raise
      [`UnpricedUsageError`][ratekit.UnpricedUsageError]) or ``"anomaly"`` (report it and go on).

    Entries of the same meter with equal priority that could apply to the same usage
    (compatible selectors, overlapping spans and windows) are refused with a
    [`BadPriceError`][ratekit.BadPriceError] naming both. Windows are compared over at most four
    years from the start of the entries' common span.

    Examples:
        >>> import ratekit as rk
        >>> rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("a", "m", rk.PerUnit("0.5")), rk.PriceEntry("b", "m", rk.PerUnit("0.5"))])
        Traceback (most recent call last):
        ...
        ratekit.BadPriceError: price entries 'a' and 'b' of meter 'm' have the same priority 0 and can both apply (from the start of time); give one a higher priority, or make their spans, windows or selectors exclusive.
    """

    id: str = attrs.field(converter=plain_choice)
    currency: str = attrs.field(converter=plain_choice)
    cycle: _Cycle
    entries: tuple[PriceEntry, ...] = attrs.field(converter=_plan_entries)
    allowances: tuple[Allowance, ...] = attrs.field(default=(), converter=_plan_allowances)
    minimums: tuple[Minimum, ...] = attrs.field(default=(), converter=_plan_minimums)
    fees: tuple[Fee, ...] = attrs.field(default=(), converter=_plan_fees)
    quantum: Decimal = attrs.field(
        default=attrs.Factory(_quantum_default, takes_self=True), converter=_optional_decimal
    )
    rounding: str = attrs.field(default=decimal.ROUND_HALF_EVEN, converter=plain_choice)
    proration: Proration = attrs.field(default="seconds", converter=plain_choice)
    tz: str | _dt.tzinfo | None = attrs.field(default=None, eq=zone_key, converter=plain_choice)
    unpriced: Unpriced = attrs.field(default="error", converter=plain_choice)
    _by_meter: Mapping[str, tuple[PriceEntry, ...]] = attrs.field(init=False, eq=False, hash=False)
    _changes: Mapping[str, Changes] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _days: cycles.Daily | None = attrs.field(init=False, eq=False, hash=False)
    # the meters whose rows are taken in the order of their deltas (`ratekit._cuts.in_time_order`)
    _in_time_order: frozenset[str] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        _check_id("plan", self.id)
        currency_code(self.currency, f"plan {show(self.id)} currency")
        for method in ("boundaries_us", "containing_us"):
            if not has_method(self.cycle, method):
                raise RatekitTypeError(
                    f"plan {show(self.id)} cycle must be a billing cycle such as "
                    f"rk.cycles.monthly(tz='UTC'), not {type(self.cycle).__name__}: "
                    f"{show(self.cycle)}."
                )
        # A cycle of the user's own answers checked wherever rating asks it.
        object.__setattr__(self, "cycle", checked_cycle(self.cycle))
        self._check_policies()
        self._check_tz()
        days = None
        if self.proration == "days":
            tz = self.tz if self.tz is not None else getattr(self.cycle, "tz", None)
            if tz is None:
                raise BadCalendarError(
                    f"plan {show(self.id)} prorates by whole local days but has no timezone; "
                    "give it tz='Europe/Zurich' (or a cycle that has one)."
                )
            days = cycles.daily(tz=tz)
            self._check_whole_days()
        object.__setattr__(self, "_days", days)
        object.__setattr__(self, "_by_meter", self._index_entries())
        changes = {meter: Changes.of(entries) for meter, entries in self._by_meter.items()}
        object.__setattr__(self, "_changes", changes)
        self._check_terms()
        shared = {allowance.meter for allowance in self.allowances}
        ordered = frozenset(
            meter
            for meter, entries in self._by_meter.items()
            if len(entries) > 1
            and (meter in shared or any(not entry.price.linear for entry in entries))
        )
        object.__setattr__(self, "_in_time_order", ordered)

    def _check_whole_days(self) -> None:
        """Refuse ``proration="days"`` over a cycle shorter than a day.

        Most of its cycles would hold no whole local day: prorating one by days divides by
        zero, and every statement or rating that prorates one would fail.
        """
        cycle = self.cycle
        try:  # a user-written cycle's attribute is its own code, which may raise anything
            length = (
                3_600_000_000 if type(cycle) is cycles.Hourly else getattr(cycle, "period_us", None)
            )
        except Exception:  # no period to judge: its cycles are judged where they are used
            return
        if isinstance(length, bool) or not isinstance(length, int):
            return
        length = int.__index__(length)  # a cycle's own int subclass: its exact value
        if length < _DAY_US:
            # a timedelta when one can hold it (a user-written cycle's may be anything)
            long = _dt.timedelta(microseconds=length) if length > -_DAY_US else None
            raise BadCalendarError(
                f"plan {show(self.id)} prorates by whole local days, but its cycle {show(cycle)} "
                f"is {long or f'{show(length)} µs'} long: most of its cycles hold no whole "
                "local day and could not be prorated by days; give proration='seconds' (or a "
                "cycle of whole days, such as rk.cycles.daily(tz=...))."
            )

    def _check_policies(self) -> None:
        if self.quantum is None or self.quantum <= 0:
            default = (
                " (leave it out for the currency's minor unit)" if self.quantum is None else ""
            )
            raise BadPriceError(
                f"plan {show(self.id)} quantum must be positive, such as Decimal('0.01'), "
                f"not {show(self.quantum)}{default}."
            )
        if not isinstance(self.rounding, str) or self.rounding not in _MODES:
            raise BadPriceError(
                f"plan {show(self.id)} rounding {show(self.rounding)} {_unsupported(self.rounding)}; "
                "use one of " + ", ".join(sorted(_MODES)) + "."
            )
        # only a str is compared: another object's own __eq__ may raise or say anything
        if not isinstance(self.proration, str) or self.proration not in ("seconds", "days"):
            raise BadPriceError(
                f"plan {show(self.id)} proration must be 'seconds' or 'days', not {show(self.proration)}."
            )
        if not isinstance(self.unpriced, str) or self.unpriced not in ("error", "anomaly"):
            raise BadPriceError(
                f"plan {show(self.id)} unpriced must be 'error' or 'anomaly', not {show(self.unpriced)}."
            )

    def _check_tz(self) -> None:
        if self.tz is not None:
            zone(self.tz, f"plan {show(self.id)} tz")  # the one door for timezones

    def _index_entries(self) -> dict[str, tuple[PriceEntry, ...]]:
        by_meter: dict[str, list[PriceEntry]] = {}
        seen: set[str] = set()
        for entry in self.entries:
            if not isinstance(entry, PriceEntry):
                raise RatekitTypeError(
                    f"plan {show(self.id)} entries must be PriceEntry values, not "
                    f"{type(entry).__name__}: {show(entry)}."
                )
            if entry.id in seen:
                raise BadPriceError(
                    f"plan {show(self.id)} has two price entries with id {show(entry.id)}; "
                    "entry ids name charges and must be unique."
                )
            seen.add(entry.id)
            by_meter.setdefault(entry.meter, []).append(entry)
        for entries in by_meter.values():
            self._check_units(entries)
            check_ties(entries)
        return {meter: tuple(entries) for meter, entries in by_meter.items()}

    def _check_units(self, entries: list[PriceEntry]) -> None:
        """Refuse two entries of one meter that say its unit differently. O(n).

        The first such pair in their order: the first entry saying a unit, and the first
        after it saying another.
        """
        said = [(entry, Unit(entry.meter_unit)) for entry in entries if entry.meter_unit]
        if not said:
            return
        a, unit = said[0]
        b = next((entry for entry, other in said if other != unit), None)
        if b is not None:
            raise UnitError(
                f"plan {show(self.id)} has price entries {show(a.id)} and {show(b.id)} of meter "
                f"{show(a.meter)} that say its unit is {show(a.meter_unit)} and "
                f"{show(b.meter_unit)}; a meter has one unit: give both entries the "
                "meter's unit as meter_unit (or leave it out)."
            )

    def _check_terms(self) -> None:
        """Refuse the parts that would be added up silently.

        A fee id twice, two minimums of one scope, two allowances of one meter and period
        (allowances of different periods stack); and a minimum or an allowance of a meter
        no entry prices, which no usage can count towards or take from. O(parts²), parts
        being few.
        """
        fees: set[str] = set()
        for fee in self.fees:
            if fee.id in fees:
                raise BadPriceError(
                    f"plan {show(self.id)} has two fees with id {show(fee.id)}; fee ids name "
                    "charges and must be unique (give one Fee with the amount you mean)."
                )
            fees.add(fee.id)
        minimums: dict[str | None, Minimum] = {}
        for minimum in self.minimums:
            kept = minimums.setdefault(minimum.meter, minimum)
            if kept is not minimum:
                scope = (
                    "plan-wide minimums"
                    if minimum.meter is None
                    else f"minimums of meter {show(minimum.meter)}"
                )
                raise BadPriceError(
                    f"plan {show(self.id)} has two {scope}, {kept.amount} and "
                    f"{minimum.amount}; a plan takes one minimum for the whole plan and one "
                    "per meter (give one Minimum with the commitment you mean)."
                )
            if minimum.meter is not None and minimum.meter not in self._by_meter:
                raise self._unpriced(
                    f"a minimum of meter {show(minimum.meter)}",
                    "count towards it, so it would bill its whole commitment every cycle: "
                    "name a meter the plan prices, or give a Fee.",
                )
        allowances: list[tuple[Allowance, object]] = []
        for allowance in self.allowances:
            period = self.cycle if allowance.cycle is None else allowance.cycle
            for first, first_period in allowances:
                if first.meter == allowance.meter and first_period == period:
                    per = "billing cycle" if period == self.cycle else repr(period)
                    raise BadPriceError(
                        f"plan {show(self.id)} has two allowances of meter {show(allowance.meter)} "
                        f"per {per}, {first.quantity} and {allowance.quantity}; a plan takes "
                        "one allowance per meter and period (give one Allowance with the "
                        "quantity you mean; allowances of different periods, a day's and a "
                        "week's, stack)."
                    )
            allowances.append((allowance, period))
        for allowance in self.allowances:
            if allowance.meter not in self._by_meter:
                raise self._unpriced(
                    f"an allowance of meter {show(allowance.meter)}",
                    "take from it, so it would free nothing: name a meter the plan prices.",
                )

    def _unpriced(self, part: str, consequence: str) -> BadPriceError:
        """The error for ``part`` (a minimum or an allowance) of a meter no entry prices."""
        priced = ", ".join(repr(meter) for meter in sorted(self._by_meter)) or "no meter"
        return BadPriceError(
            f"plan {show(self.id)} has {part}, which none of its price entries prices (they "
            f"price {priced}); no usage could ever {consequence}"
        )

    @plain_text
    def __repr__(self) -> str:
        return f"Plan({self.id!r}, {self.currency!r}, entries=[{', '.join(repr(e.id) for e in self.entries)}])"

    @property
    def meters(self) -> frozenset[str]:
        """The names of the meters the plan prices."""
        return frozenset(self._by_meter)

    def entries_of(self, meter: str) -> tuple[PriceEntry, ...]:
        """The entries of ``meter``, in the plan's order (empty when none prices it).

        Raises [`RatekitTypeError`][ratekit.RatekitTypeError] when ``meter`` is not a str.
        """
        return self._by_meter.get(_name_arg(meter, f"plan {show(self.id)} entries_of meter"), ())

    def resolve(
        self, meter: str, description: Mapping[str, object], at: _dt.datetime | str
    ) -> PriceEntry | None:
        """The entry that prices usage of ``meter`` by a resource so described, at ``at``.

        The highest-priority entry in effect at ``at`` whose selector matches wins;
        ``None`` when no entry applies. A tie the plan could not detect when it was built
        (windows that first meet more than four years after the entries' common start)
        raises [`BadPriceError`][ratekit.BadPriceError] naming both entries; so does rating.

        Examples:
            >>> import ratekit as rk
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("on", "vm", rk.PerUnit("0.5"), where={"state": "on"})])
            >>> plan.resolve("vm", {"state": "off"}, "2026-03-01T00:00:00Z") is None
            True
        """
        meter = _name_arg(meter, f"plan {show(self.id)} resolve meter")
        description = _description_arg(description, f"plan {show(self.id)} resolve description")
        t_us = to_us(at, "resolve at")
        candidates = [
            entry
            for entry in self._by_meter.get(meter, ())
            if entry._active_us(t_us, t_us + 1) and entry._selects(description)
        ]
        return _winner(candidates, meter, description)

    def cuts_us(self, meter: str, start_us: int, end_us: int) -> list[int]:
        """The instants where the price regime of ``meter`` may change inside a span.

        The instants inside ``(start_us, end_us)`` where an entry of ``meter`` starts, ends,
        or enters or leaves its window, ascending and without duplicates: the ``cuts``
        metering must make so that every usage row lies inside one price regime.

        Examples:
            >>> import ratekit as rk
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("a", "m", rk.PerUnit("0.5"), end="1970-01-01T00:00:00.000005Z")])
            >>> plan.cuts_us("m", 0, 10), plan.cuts_us("m", 5, 10), plan.cuts_us("other", 0, 10)
            ([5], [], [])
        """
        what = f"plan {show(self.id)} cuts_us"
        return self._cuts_us(
            _name_arg(meter, f"{what} meter"),
            _us_arg(start_us, f"{what} start_us"),
            _us_arg(end_us, f"{what} end_us"),
        )

    def _cuts_us(self, meter: str, start_us: int, end_us: int) -> list[int]:
        """[`cuts_us()`][ratekit.Plan.cuts_us] of checked arguments (the hot path)."""
        changes = self._changes.get(meter)
        return [] if changes is None else changes.within(start_us, end_us)

    def _metering_cuts_us(self, meter: str, start_us: int, end_us: int) -> list[int]:
        """Where metering cuts ``meter``'s rows: price regimes, and own allowance periods.

        A sum of samples (a delta's) is not spread over time, so its row must not cross
        the period of an allowance with a cycle of its own: usage of one week takes from
        that week's free units only.
        """
        cuts = set(self._cuts_us(meter, start_us, end_us))
        for allowance in self.allowances:
            if allowance.meter == meter and allowance.cycle is not None:
                cuts.update(allowance.cycle.boundaries_us(start_us, end_us))
        return sorted(t for t in cuts if start_us < t < end_us)

    def cuts(self, span: Span) -> dict[str, list[int]]:
        """Per meter, the instants inside ``span`` where its price regime may change.

        And where a period of an allowance with a cycle of its own begins: a delta's row
        must not cross one, since a sum of samples is not spread over time.

        The ``cuts`` argument of [`ratekit.meter()`][ratekit.meter], for those who meter usage
        themselves before rating it ([`ratekit.rate()`][ratekit.rate] does this when given records).
        Instants are epoch microseconds, ascending.

        Examples:
            >>> import ratekit as rk
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [
            ...     rk.PriceEntry("a", "vm.hours", rk.PerUnit("0.10")),
            ...     rk.PriceEntry("b", "vm.hours", rk.PerUnit("0.12"), start="2026-03-15T00:00:00Z", priority=1),
            ... ])
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> {meter: [rk.Span.from_us(t, t).start.isoformat() for t in instants]
            ...  for meter, instants in plan.cuts(march).items()}
            {'vm.hours': ['2026-03-15T00:00:00+00:00']}
        """
        span = _span_arg(span, f"plan {show(self.id)} cuts")
        return {
            meter: self._metering_cuts_us(meter, span.start_us, span.end_us)
            for meter in sorted(self._by_meter)
        }

    def round(self, amount: Decimal) -> Decimal:
        """``amount`` rounded to a whole number of the plan's quantum, by its rounding mode.

        The result is written with the quantum's decimals. The quantum is a step, not a
        number of decimal places: on ``0.05``, 1.03 is 20.6 steps, so 21, ``1.05``.
        Raises [`QuantityTypeError`][ratekit.QuantityTypeError] (a
        [`RatekitTypeError`][ratekit.RatekitTypeError] and a
        [`BadQuantityError`][ratekit.BadQuantityError]) for an amount that is not a
        `Decimal` (a float too: ``1.005`` is not the number its text says), and
        `BadQuantityError` for one that is not finite or whose rounding would have more
        than 60 digits. O(digits).

        Examples:
            >>> import ratekit as rk
            >>> from decimal import Decimal
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
            >>> plan.round(Decimal("2.345")), plan.round(Decimal("2.355"))
            (Decimal('2.34'), Decimal('2.36'))
            >>> cash = rk.Plan("cash", "CHF", rk.cycles.monthly(tz="UTC"), [], quantum="0.05")
            >>> cash.round(Decimal("1.03")), cash.round(Decimal("0.9999"))
            (Decimal('1.05'), Decimal('1.00'))
        """
        if not isinstance(amount, Decimal) or not amount.is_finite():
            # a wrong type is a RatekitTypeError, and a BadQuantityError as it always was
            error = QuantityTypeError if not isinstance(amount, Decimal) else BadQuantityError
            raise error(
                f"plan {show(self.id)} rounds finite Decimal amounts, not "
                f"{type(amount).__name__}: {show(amount)}."
            )
        try:
            return on_quantum(amount, self.quantum, self.rounding)
        except decimal.InvalidOperation:
            raise BadQuantityError(
                f"plan {show(self.id)} cannot round {CONTEXT.to_sci_string(amount)} to its quantum "
                f"{CONTEXT.to_sci_string(self.quantum)}: "
                "the result would have more than 60 digits."
            ) from None

    def fraction(self, covered: Span, cycle: Span) -> Decimal:
        """The share of ``cycle`` that ``covered`` (a part of it) stands for, by the plan's proration.

        ``"seconds"``: covered time over the cycle's time; ``"days"``: whole local days in
        the plan's timezone, as [`ratekit.cycles.prorate()`][ratekit.cycles.prorate] counts them (a day counts
        for the part that holds its last instant, so the parts of a cycle add up to 1).

        Examples:
            >>> import ratekit as rk
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> half = rk.Span("2026-03-01T00:00:00Z", "2026-03-16T12:00:00Z")
            >>> plan.fraction(half, march)  # 15.5 days of 31
            Decimal('0.5')
            >>> by_days = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], proration="days")
            >>> round(by_days.fraction(half, march), 6)  # 15 whole days of 31
            Decimal('0.483871')
        """
        if self._days is not None and cycle and covered in cycle:
            numerator, denominator = self._share(covered.start_us, covered.end_us, cycle)
            return CONTEXT.divide(Decimal(numerator), Decimal(denominator))
        return cycles.prorate(covered, cycle, basis=self.proration, tz=self._days)

    def _share(self, start_us: int, end_us: int, cycle: Span) -> tuple[int, int]:
        """[`fraction()`][ratekit.Plan.fraction] as an exact ratio ``(numerator, denominator)``.

        Amounts are prorated as ``amount * numerator / denominator``, which is exact
        whenever the result is (31 x 10/31 gives 10, not 9.999...).
        """
        if self._days is None:
            return end_us - start_us, cycle.end_us - cycle.start_us
        total = whole_days(self._days, cycle.start_us, cycle.end_us)
        if total == 0:
            # A cycle of a day or so in another zone than the plan's days can hold no local
            # midnight on a DST day (London's 29 March 2026 holds no UTC one): it counts as
            # one day ending at its end, which the part holding its last instant has, as a
            # day counts for the part that holds its last instant.
            return int(start_us < end_us and end_us == cycle.end_us), 1
        covered = whole_days(self._days, start_us, end_us) if start_us < end_us else 0
        return covered, total
