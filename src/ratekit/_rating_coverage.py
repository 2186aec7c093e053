"""Which accounts rating covers, and over which parts of their cycles.

A mixin of the rating engine (`ratekit._rating_engine._Engine`): fees, bases and
minimums are due to the accounts the plans cover. Under assignments, every assigned
account, over its assignments; under a single plan, the accounts named in ``accounts``
over the whole span, and each account of the input from the plan's cycle of its first
row or record. `plans_of`, `coverage` and `share` give an account's plans and the part of
a cycle each covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction

from ._account_names import account_names
from ._cycle_shares import CycleShares
from ._earliest import NONE_YET, earliest_of
from ._instants import MAX_US, MIN_US, format_us
from ._shown import show
from .errors import BadTimeError, UnpricedUsageError
from .pricebook import Plan
from .spans import Span
from .usage import UsageRow

__all__ = ["_Coverage", "_Covered"]


class _Covered:
    """What the engine's other parts ask `_Coverage` (declared once, for their types)."""

    def plans_of(self, account: str) -> list[tuple[int, int, Plan]]:
        raise NotImplementedError  # pragma: no cover - provided by `_Coverage`

    def coverage(self, account: str, plan: Plan, cycle: tuple[int, int]) -> list[tuple[int, int]]:
        raise NotImplementedError  # pragma: no cover - provided by `_Coverage`

    def share(self, account: str, plan: Plan, cycle: tuple[int, int]) -> tuple[int, int]:
        raise NotImplementedError  # pragma: no cover - provided by `_Coverage`

    def part_share(
        self, account: str, plan: Plan, period: tuple[int, int], start_us: int, end_us: int
    ) -> tuple[int, int]:
        raise NotImplementedError  # pragma: no cover - provided by `_Coverage`

    def part_quantity(
        self, account: str, plan: Plan, period: tuple[int, int], start_us: int, end_us: int
    ) -> Decimal | None:
        raise NotImplementedError  # pragma: no cover - provided by `_Coverage`


class _Coverage(_Covered):
    """The accounts the plans cover, and the parts of cycles they cover (see the module)."""

    default: Plan | None
    assignments: dict[str, list[tuple[int, int, Plan]]]
    since: dict[str, int]
    start_us: int
    end_us: int
    cycle_spans: dict[tuple[int, int], Span]
    period_shares: dict[tuple[str, int, int], CycleShares]  # see part_share

    def covered(
        self,
        accounts: Iterable[str] | None,
        rows: Iterable[UsageRow],
        records: object,
        earliest: Mapping[str, int] | None = None,
    ) -> set[str]:
        """The accounts the plans cover: what fees, bases and minimums are due to.

        Under assignments, every assigned account. Under a single plan, the accounts
        named in ``accounts`` (over the whole span), and every account that appears in
        the input (a usage row or a record, inside the rated span or not) from the first
        cycle in which it has usage or a record (see `cover_from`). ``earliest``: each
        account's first record instant, when the records are not given (a `Usage`'s
        ``first_us``: the records it was metered from).
        """
        named: set[str] = set()
        if accounts is not None:
            named.update(account_names(accounts, "rate", "['acme', 'globex']", keys=True))
        if self.default is None:
            unknown = sorted(named - set(self.assignments))
            if unknown:
                raise UnpricedUsageError(
                    f"rate accounts {unknown!r} have no assignment: under assignments the "
                    "plans cover the assigned accounts; assign them a plan with "
                    "rk.Assignment(...)."
                )
            return set(self.assignments)
        first: dict[str, int] = {}
        # an account's rows come in a run (rating's order): each run's earliest is kept
        # once it ends, not looked up per row
        account: str | None = None
        earliest_here = NONE_YET
        for row in rows:
            if row.account is not account:
                if account is not None and earliest_here < first.get(account, NONE_YET):
                    first[account] = earliest_here
                account, earliest_here = row.account, NONE_YET
            at_us = row.span.start_us
            if at_us < earliest_here:  # noqa: PLR1730 - faster than min() per row
                earliest_here = at_us
        if account is not None and earliest_here < first.get(account, NONE_YET):
            first[account] = earliest_here
        if isinstance(records, Iterable):
            earliest_of(first, records)
        for account, at_us in (earliest or {}).items():
            if at_us < first.get(account, NONE_YET):
                first[account] = at_us
        self.cover_from(
            {account: t for account, t in first.items() if account not in named}, named, records
        )
        return named | set(first)

    def cover_from(
        self, first: dict[str, int], named: Iterable[str] = (), records: object = ()
    ) -> None:
        """Under a single plan, cover each account of ``first`` from its first cycle.

        ``first`` maps an account to the instant of its first row or record: its fees,
        bases and minimums are due from the start of the plan's cycle containing it (not
        from the start of the rated span). The accounts in ``named`` are covered over
        the whole span. O(a) cycle look-ups for a accounts.
        """
        default = self.default
        if default is None:
            return
        for account, at_us in first.items():
            try:
                self.since[account] = default.cycle.containing_us(at_us)[0]
            except BadTimeError as error:
                raise _refused(account, at_us, error, records) from None
        for account in named:
            self.since.pop(account, None)

    def plans_of(self, account: str) -> list[tuple[int, int, Plan]]:
        if self.default is not None:
            return [(self.since.get(account, MIN_US), MAX_US, self.default)]
        return self.assignments.get(account, [])

    def coverage(self, account: str, plan: Plan, cycle: tuple[int, int]) -> list[tuple[int, int]]:
        """The parts of ``cycle`` inside the rated span where ``account`` has ``plan``."""
        lo = max(cycle[0], self.start_us)
        hi = min(cycle[1], self.end_us)
        return [
            (max(a, lo), min(b, hi))
            for a, b, p in self.plans_of(account)
            if p is plan and max(a, lo) < min(b, hi)
        ]

    def share(self, account: str, plan: Plan, cycle: tuple[int, int]) -> tuple[int, int]:
        """The part of ``cycle`` the account's ``plan`` covers in the span, as a ratio."""
        parts = self.coverage(account, plan, cycle)
        if len(parts) == 1:
            return self.part_share(account, plan, cycle, *parts[0])
        share = Fraction(0)
        for a, b in parts:
            share += Fraction(*self.part_share(account, plan, cycle, a, b))
        return share.numerator, share.denominator

    def part_share(
        self, account: str, plan: Plan, period: tuple[int, int], start_us: int, end_us: int
    ) -> tuple[int, int]:
        """The share of ``period`` that ``plan`` is due for over ``[start_us, end_us)``.

        A part of one assignment of ``plan`` to ``account`` inside ``period`` (a cycle,
        or an allowance's own period), counted once across the account's changes of
        plan (`ratekit._cycle_shares`). O(log p) once the period's p parts are measured.
        """
        key = (account, *period)
        shares = self.period_shares.get(key)
        if shares is None:
            shares = self.period_shares[key] = CycleShares(self.plans_of(account), period)
        return shares.share(plan, start_us, end_us)

    def part_quantity(
        self, account: str, plan: Plan, period: tuple[int, int], start_us: int, end_us: int
    ) -> Decimal | None:
        """`part_share` as a charge's quantity where the period has two parts or more, else None.

        Rounded so that a plan's quantities of a period add up to 1 at most (see
        `ratekit._cycle_shares.CycleShares.quantity`); asked after `part_share`.
        """
        return self.period_shares[account, *period].quantity(plan, start_us, end_us)


def _refused(account: str, at_us: int, error: BadTimeError, records: object) -> BadTimeError:
    """The error naming the record of ``account`` at ``at_us``, in no cycle of the plan.

    ``error`` is the cycle's refusal, returned as it is when no record of ``records`` (a
    list or a tuple) is stamped there. Looked for only once refused: O(n) for n records.
    """
    for index, record in enumerate(records if isinstance(records, list | tuple) else ()):
        if getattr(record, "account", None) != account:
            continue
        for field in ("since", "at"):
            if getattr(record, f"{field}_us", None) == at_us:
                name = type(record).__name__.lower()
                named = "" if record.id is None else f" {show(record.id)}"
                return BadTimeError(
                    f"rate: records[{index}] ({name}{named} of account "
                    f"{show(record.account)}, resource {show(record.resource)}) has {field} "
                    f"{format_us(at_us)}, in no billing cycle of the plan ratekit can "
                    f"compute ({str(error).rstrip('.')}); give records whose instants lie within "
                    "that range."
                )
    return error
