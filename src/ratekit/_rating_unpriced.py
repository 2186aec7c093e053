"""Rating's words for usage it cannot price: no plan there, or no entry in the plan.

A mixin of the rating engine (`ratekit._rating_engine._Engine`): usage of an account no
assignment names is an [`UnpricedUsageError`][ratekit.UnpricedUsageError]; an assigned
account's usage where it has no plan (before its first assignment, in a gap, after its
last) is an ``"unpriced"`` anomaly; usage no entry of its plan prices is either, as the
plan's ``unpriced`` says. Usage of a resource in ``withheld`` (the streaming rater's: a
record fed ahead of its watermark may take that usage away) is neither where it would
be an error: not charged, and nothing is said of it yet. Where it would be an anomaly,
only the part such a record can take back is withheld (`Narrowed`): what stays is said,
as batch says it, so that no anomaly is left unsaid once its cycle is compacted. Usage
described by nothing whose description may still be fed (``awaiting``, the rater's: a
resource no event or listing names by the start of the piece, see
`ratekit._rater_priced_ahead.Undescribed`), where an entry in effect prices by
attributes, is an ``"unpriced"`` anomaly even under ``unpriced="error"``: not charged
until the description comes, and never an error that would fail every statement.
"""

from __future__ import annotations

import typing
from collections.abc import Container
from decimal import Decimal

from ._anomalies import Anomaly, placed
from ._instants import format_us, format_when
from .errors import UnpricedUsageError
from .pricebook import Plan
from .usage import UsageRow

__all__ = ["Awaiting", "Narrowed", "_Unpriced"]


@typing.runtime_checkable
class Narrowed(typing.Protocol):
    """A ``withheld`` container that also tells which of a resource's usage is withheld."""

    def reaches(self, key: tuple[str, str], end_us: int) -> bool:
        """Whether usage of ``key`` (a resource) up to ``end_us`` may be taken back."""
        ...


class Awaiting(typing.Protocol):
    """The streaming rater's usage whose description may still be fed (see `_Unpriced`)."""

    def awaits(self, key: tuple[str, str], start_us: int) -> bool:
        """Whether usage of ``key`` (a resource) from ``start_us`` on awaits its description."""
        ...


class _Unpriced:
    """What rating says of usage it cannot price (see the module)."""

    quiet: bool
    #: The streaming rater's resources whose description may still be fed: their usage
    #: described by nothing is an ``"unpriced"`` anomaly where its plan's ``unpriced``
    #: is ``"error"`` (see `unpriced()`).
    awaiting: Awaiting | None = None
    withheld: Container[tuple[str, str]]
    default: Plan | None
    assignments: dict[str, list[tuple[int, int, Plan]]]
    anomalies: list[Anomaly]

    def no_plan(self, row: UsageRow, start: int, end: int, quantity: Decimal) -> None:
        """Usage where its account has no plan: ``[start, end)`` of ``row``, ``quantity``.

        An account no assignment names (or usage before a single plan covers it): an
        error. An assigned account's usage before its first assignment, in a gap between
        two or after its last: not charged, an ``"unpriced"`` anomaly naming the meter,
        the account, the resource, the span, the quantity and the account's assignments.
        Nothing under ``quiet``, nor for a resource in ``withheld``.
        """
        items = self.assignments.get(row.account) if self.default is None else None
        if self.quiet or self._withheld(row, end, said=bool(items)):
            return
        if not items:
            raise UnpricedUsageError(
                f"usage of meter {row.meter!r} by account {row.account!r} (resource "
                f"{row.resource!r}) from {format_us(start)} has no plan: the account has "
                "no plan assigned at that instant; assign it one with rk.Assignment(...)."
            )
        plans = ", ".join(f"{plan.id!r} {format_when(a, b)}" for a, b, plan in items)
        self.anomalies.append(
            placed(
                "unpriced",
                f"usage of meter {row.meter!r} by account {row.account!r} (resource "
                f"{row.resource!r}, {quantity} {row.unit}) over {format_us(start)}.."
                f"{format_us(end)} has no plan: the account has no plan assigned there "
                f"(its assignments: {plans}): not charged.",
                row.record_ids,
                row.account,
                row.resource,
                start,
            )
        )

    def unpriced(self, row: UsageRow, plan: Plan, start: int, end: int, quantity: Decimal) -> None:
        """Usage no entry of ``plan`` prices: ``[start, end)`` of ``row``, ``quantity``.

        An `UnpricedUsageError` under the plan's ``unpriced="error"``, else an
        ``"unpriced"`` anomaly, not charged. Nothing under ``quiet``, nor for a resource
        in ``withheld``. Usage described by nothing that ``awaiting`` says may still be
        described, where an entry in effect selects by attributes (`_describable()`): an
        anomaly whatever ``unpriced``, its words saying it awaits its description.
        """
        awaiting = (
            plan.unpriced == "error"
            and not row.description
            and _describable(plan, row.meter, start, end)
            and self.awaiting is not None
            and self.awaiting.awaits((row.account, row.resource), start)
        )
        if self.quiet or self._withheld(row, end, said=plan.unpriced != "error" or awaiting):
            return
        message = (
            f"usage of meter {row.meter!r} by account {row.account!r} (resource "
            f"{row.resource!r}, {quantity} {row.unit}) over {format_us(start)}.."
            f"{format_us(end)} has no price in plan {plan.id!r}: no entry of that meter "
            f"is in effect for a resource described by {dict(row.description)!r}"
        )
        if awaiting:
            # (described by nothing yet: an event or a listing fed later may describe it)
            message += (
                " (nothing describes the resource there yet): not charged until an event "
                "or a listing describing it at or before its usage is fed while its cycle "
                "is open, then charged as batch rate() of the records charges it; left "
                "so when its cycle closes (batch rate() of the records refuses it)"
            )
        elif plan.unpriced == "error":
            raise UnpricedUsageError(
                message + "; add an entry, or build the plan with unpriced='anomaly' to "
                "report such usage instead."
            )
        self.anomalies.append(
            placed(
                "unpriced",
                message + ("." if awaiting else ": not charged."),
                row.record_ids,
                row.account,
                row.resource,
                start,
            )
        )

    def _withheld(self, row: UsageRow, end: int, *, said: bool) -> bool:
        """Whether ``row``'s usage up to ``end`` is withheld (see the module).

        Where it would be an error (not ``said``), whenever a record fed ahead may take it
        back: a statement must not fail on usage batch never makes. Where it would be an
        anomaly, only what such a record reaches (`Narrowed`): the rest is said now, as
        batch says it (withheld, it could be compacted before any statement said it).
        """
        key = (row.account, row.resource)
        if key not in self.withheld:
            return False
        held = self.withheld
        return not said or not isinstance(held, Narrowed) or held.reaches(key, end)


def _describable(plan: Plan, meter: str, start: int, end: int) -> bool:
    """Whether a description could make ``plan`` price ``meter`` somewhere in ``[start, end)``.

    An entry of the meter that selects on attributes (a ``where``) in effect there: usage
    of a resource described by nothing may await its description (see
    `_Unpriced.unpriced`); where no such entry is, no description prices it. O(e) for
    the meter's e entries.
    """
    return any(
        entry.where
        and (entry.start_us is None or entry.start_us < end)
        and (entry.end_us is None or entry.end_us > start)
        for entry in plan._by_meter.get(meter, ())
    )
