"""Rating's words for usage it cannot price: no plan there, or no entry in the plan.

A mixin of the rating engine (`ratekit._rating_engine._Engine`): usage of an account no
assignment names is an [`UnpricedUsageError`][ratekit.UnpricedUsageError]; an assigned
account's usage where it has no plan (before its first assignment, in a gap, after its
last) is an ``"unpriced"`` anomaly; usage no entry of its plan prices is either, as the
plan's ``unpriced`` says. Usage of a resource in ``withheld`` (the streaming rater's: a
record fed ahead of its watermark may take that usage away) is neither where it would
be an error: not charged, and nothing is said of it yet. Where it would be an anomaly,
only the part such a record can take back is withheld (`Narrowed`): what stays is said,
as batch says it, so that no anomaly is left unsaid once its cycle is compacted.
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

__all__ = ["Narrowed", "_Unpriced"]


@typing.runtime_checkable
class Narrowed(typing.Protocol):
    """A ``withheld`` container that also tells which of a resource's usage is withheld."""

    def reaches(self, key: tuple[str, str], end_us: int) -> bool:
        """Whether usage of ``key`` (a resource) up to ``end_us`` may be taken back."""
        ...


class _Unpriced:
    """What rating says of usage it cannot price (see the module)."""

    quiet: bool
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
        in ``withheld``.
        """
        if self.quiet or self._withheld(row, end, said=plan.unpriced != "error"):
            return
        message = (
            f"usage of meter {row.meter!r} by account {row.account!r} (resource "
            f"{row.resource!r}, {quantity} {row.unit}) over {format_us(start)}.."
            f"{format_us(end)} has no price in plan {plan.id!r}: no entry of that meter "
            f"is in effect for a resource described by {dict(row.description)!r}"
        )
        if plan.unpriced == "error":
            raise UnpricedUsageError(
                message + "; add an entry, or build the plan with unpriced='anomaly' to "
                "report such usage instead."
            )
        self.anomalies.append(
            placed(
                "unpriced",
                message + ": not charged.",
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
