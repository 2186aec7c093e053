"""The restore door for the lines a rater reported: each one a line the rater could give.

Private to [`ratekit.Rater`][ratekit.Rater]. A snapshot keeps, per invoice line of the kept
cycles, the quantity and amount the statements reported; the next statement compares the
lines it rates with them and gives the difference as a line. A reported line altered by
hand (a ``None`` kind, a kind ``"E"``, a cycle that is no cycle of the plans, a quantity
beyond the range of results) would make the next statement fail with a foreign error, or
give lines the public [`StatementLine`][ratekit.StatementLine] refuses; one in another
currency than its plan's, of a meter, entry or unit its plan does not give, of a cycle
not kept or not rated, of a plan its account does not have in the cycle, or with a
negative share of a cycle for a fee or minimum, or of a resource the line's kind does not
name or the rater never saw for its account (a usage line of ``"vm9"`` when the records
name ``"vm1"``), or saw only from the end of the line's cycle or the watermark on (vm1's
hours of 1 March moved to ``"vm0"``, which starts on 2 March), would be reversed by the
next correction as it stands (in that currency, under that entry, for that resource). `check()` runs on
the decoded values, whatever the snapshot's encoding, and refuses such a line with
[`BadSnapshotError`][ratekit.BadSnapshotError] naming it and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from ._decimals import ONE
from ._dues import _prorate
from ._instants import format_us
from ._normalize import NEVER
from ._shown import show
from .errors import BadSnapshotError, RatekitError
from .policies import TimePolicy
from .pricebook import Plan
from .records import Inventory, Sample
from .spans import Span
from .statements import StatementLine

if TYPE_CHECKING:
    from .rater import Rater

__all__ = ["check", "check_resources"]


def _refuse(index: int, key: tuple[object, ...], problem: str) -> BadSnapshotError:
    return BadSnapshotError(
        f"Rater snapshot body.reported[{index}] (account {show(key[0])}, kind "
        f"{show(key[3])}, plan {show(key[4])}) {problem}; a reported line is one the rater "
        "could give: restore an unaltered copy."
    )


def check(rater: Rater) -> None:
    """Refuse a reported line the rater could not have given. O(n) for n lines.

    Each line must pass the public [`StatementLine`][ratekit.StatementLine] constructor
    (kind one of ``"usage"``, ``"fee"``, ``"minimum"``; account, plan, unit and currency
    non-empty strings; meter, entry and resource such strings or ``None``; quantity and
    amount finite numbers in the range of results), its cycle must be a cycle of the
    rater's plans, kept and rated (from the kept cycles' start, before the watermark),
    its plan one its account has in that cycle before the watermark, its currency,
    meter, entry, unit and quantity what that plan gives (`_head`). Its resource is
    judged by `check_resources()`, once the state and records are judged too.
    """
    engine = rater._engine
    plans = engine.plans
    segments = engine.segments
    units = {meter.name: meter.unit for meter in engine.meters}
    for index, (key, (quantity, amount)) in enumerate(rater._reported.items()):
        account, start, end, kind, plan, meter, entry, resource, unit, currency = key
        try:
            StatementLine(
                account,
                Span.from_us(start, end),
                kind,
                plan,
                meter,
                entry,
                resource,
                unit,
                currency,
                quantity,
                amount,
            )
        except RatekitError as error:
            raise _refuse(index, key, f"is no line: {str(error).rstrip('.')}") from None
        try:
            cycle = engine.containing(start)
        except RatekitError:
            cycle = None
        if cycle != (start, end):
            raise _refuse(
                index,
                key,
                f"has the cycle {format_us(start)}..{format_us(end)}, which is no cycle of "
                "the rater's plans",
            )
        if isinstance(plans, Plan):
            ids = {plans.id}
        else:
            ids = {p.id for _, _, p in (segments or {}).get(account, ())}
        if plan not in ids:
            named = ", ".join(map(show, sorted(ids))) or "none"
            raise _refuse(
                index,
                key,
                f"names plan {show(plan)}, which is not a plan of its account ({named})",
            )
        problem = _kept_cycle(rater, start)
        if problem is None:
            billed = _plan_over(rater, account, plan, start, end)
            problem = (
                billed
                if isinstance(billed, str)
                else _head(billed, key, quantity, units, _fee_most(rater, key, billed, quantity))
            )
        if problem is not None:
            cycle_entry = f"of the cycle {format_us(start)}..{format_us(end)}, entry {show(entry)},"
            raise _refuse(index, key, f"{cycle_entry} {problem}")


def _kept_cycle(rater: Rater, start: int) -> str | None:
    """What is wrong with a line's cycle, starting at ``start``: not kept, or not rated."""
    if start < rater._base_us or start >= rater._as_of_us:
        return (
            "lies in a cycle the rater does not keep or has not rated: a line's cycle "
            f"starts at or after the kept cycles' start {format_us(rater._base_us)} and "
            f"before the watermark {format_us(rater._as_of_us)}"
        )
    return None


def _plan_over(rater: Rater, account: str, plan: str, start: int, end: int) -> Plan | str:
    """The plan ``plan`` of ``account`` over the cycle ``start..end`` up to the watermark.

    Under assignments, one of the account's assignments of that plan must cover some of
    the cycle before the watermark (a statement gave lines only of such a plan); else
    what is wrong, as text. O(a) for a assignments of the account.
    """
    plans = rater._engine.plans
    if isinstance(plans, Plan):
        return plans
    upto = min(end, rater._as_of_us)
    pieces = (rater._engine.segments or {}).get(account, ())
    for lo, hi, assigned in pieces:
        if assigned.id == plan and lo < upto and start < hi:
            return assigned
    held = [
        f"{assigned.id!r} {format_us(max(lo, start))}..{format_us(min(hi, upto))}"
        for lo, hi, assigned in pieces
        if lo < upto and start < hi
    ]
    return (
        f"names plan {show(plan)}, which its account does not have in that cycle "
        f"before the watermark {format_us(upto)}: "
        f"a line's plan is one an assignment gives its account in its cycle "
        f"({', '.join(held) or 'none there'})"
    )


def _fee_most(rater: Rater, key: tuple[object, ...], plan: Plan, quantity: Decimal) -> Fraction:
    """The most a fee line keyed ``key`` of ``plan`` can reach: 1, or its parts' rounded shares.

    A fee is prorated per part of the cycle its plan covers, as batch ``rate()`` prorates
    it: two assignments of one plan that meet inside a cycle (a plan told again from 02:00
    of a daily cycle) give shares of 1/12 and 11/12, whose quantities (positions rounded
    to 60 places, less one another) add up to 1; a line's quantity may still pass 1 where
    its parts are rounded otherwise (a snapshot written before they were).
    Rounding is monotone, so a part up to the watermark reaches at most its whole share.
    Worked out only for a quantity above 1: O(a) for a assignments of the account.
    """
    segments = rater._engine.segments
    if quantity <= 1 or key[3] != "fee" or segments is None:
        return Fraction(1)
    account, start, end = key[0], key[1], key[2]
    if not (isinstance(account, str) and isinstance(start, int) and isinstance(end, int)):
        return Fraction(1)  # pragma: no cover - the constructor checked them
    cycle = Span.from_us(start, end)
    most = Fraction(0)
    for lo, hi, assigned in segments.get(account, ()):
        a, b = max(lo, start), min(hi, end)
        if assigned.id == plan.id and a < b:
            most += Fraction(_prorate(ONE, assigned._share(a, b, cycle)))
    return max(most, Fraction(1))


def _head(
    plan: Plan,
    key: tuple[object, ...],
    quantity: Decimal,
    units: Mapping[str, str],
    most: Fraction,
) -> str | None:
    """What is wrong with a line of ``plan`` keyed ``key``: currency, meter, entry, unit.

    A usage line is of one of the plan's price entries, its meter's (one of the rater's
    meters), in the entry's unit or else the meter's; a fee line of one of its fees
    (meter and entry the fee's id) or an entry's base (the entry's meter and id), a
    minimum line of one of its minimums (entry ``"minimum"``, or ``"minimum:<meter>"``
    with that meter), each in the unit ``"cycle"`` with a share of its cycle, 0 or more,
    for quantity (at most 1 for a minimum's and a fee's, `_one_share`: a fee's at most
    ``most``, its parts' rounded shares, `_fee_most`). Every line is in the plan's currency.
    """
    kind, plan_id, meter, entry, unit, currency = (key[3], key[4], key[5], key[6], key[8], key[9])
    if currency != plan.currency:
        return (
            f"is in {show(currency)}, but its plan {show(plan_id)} bills in "
            f"{show(plan.currency)}: a line is in its plan's currency"
        )
    heads: dict[tuple[object, object], str | None]
    if kind == "usage":
        heads = {(e.meter, e.id): e.unit or units.get(e.meter) for e in plan.entries}
        what = "one of its plan's price entries and that entry's meter"
    elif kind == "fee":
        heads = {(fee.id, fee.id): "cycle" for fee in plan.fees}
        heads |= {(e.meter, e.id): "cycle" for e in plan.entries}
        what = "a fee of its plan (meter and entry the fee's id) or a price entry's base"
    else:
        heads = {
            (m.meter, "minimum" if m.meter is None else f"minimum:{m.meter}"): "cycle"
            for m in plan.minimums
        }
        what = "a minimum of its plan (entry 'minimum', or 'minimum:<meter>' with its meter)"
    if (meter, entry) not in heads:
        return f"has meter {show(meter)} and entry {show(entry)}, which is not {what}"
    if kind == "usage" and meter not in units:
        named = ", ".join(map(show, sorted(units)))
        return f"has meter {show(meter)}, which is not a meter of the rater ({named})"
    if unit != heads[meter, entry]:
        return (
            f"is in the unit {show(unit)}, but {kind} lines of meter {show(meter)} and "
            f"entry {show(entry)} are in {show(heads[meter, entry])}"
        )
    return _share_problem(plan, kind, meter, entry, quantity, most)


def _share_problem(  # noqa: PLR0917 - private plumbing of plain values
    plan: Plan, kind: object, meter: object, entry: object, quantity: Decimal, most: Fraction
) -> str | None:
    """What is wrong with a fee's or minimum's quantity: its share of the cycle."""
    if kind != "usage" and quantity < 0:
        return (
            f"has the quantity {quantity}, but a {kind} line's quantity is its share "
            "of the cycle, 0 or more"
        )
    if quantity > 1 and Fraction(quantity) > most and _one_share(plan, kind, meter, entry):
        return (
            f"has the quantity {quantity}, but a {kind} line of its plan's "
            f"{'minimum' if kind == 'minimum' else 'fee'} is its share of the cycle, 0 to 1 "
            "(the parts of the cycle its plan covers)"
        )
    return None


def _one_share(plan: Plan, kind: object, meter: object, entry: object) -> bool:
    """Whether a fee or minimum line is of one share of its cycle, so 1 at most.

    A minimum's line, or a fee's of the plan's own fees, is due once per cycle, prorated
    by the parts of the cycle its plan covers (disjoint parts: their shares add up to 1
    at most). An entry's base is due once per group its usage opened (a ``group_by``
    of flavors gives one base per flavor), so its line may hold several shares.
    """
    if kind == "minimum":
        return True
    if kind != "fee":
        return False
    is_fee = any(fee.id == meter == entry for fee in plan.fees)
    return is_fee and not any(e.meter == meter and e.id == entry for e in plan.entries)


def check_resources(rater: Rater) -> None:
    """Refuse a reported line whose resource its kind does not name or the rater never metered there.

    Runs after `check()` and after the restored state and records are judged (their own
    refusals name them first). O(n + s + r) for n lines, s resource states and r records.
    """
    known: dict[tuple[object, ...], int] | None = None
    timed = {m.name for m in rater._engine.meters if isinstance(m.policy, TimePolicy)}
    for index, (key, stated) in enumerate(rater._reported.items()):
        account, start, end, _, plan_id, _, entry, resource = key[:8]
        if known is None and resource is not None:
            known = _known_resources(rater)
        plan = _plan_over(rater, account, plan_id, start, end)
        problem = (
            None
            if isinstance(plan, str)
            else _resource(
                plan, key, known or {}, timed, min(end, rater._as_of_us), owed=any(stated)
            )
        )
        if problem is not None:
            where = f"of the cycle {format_us(start)}..{format_us(end)}, entry {show(entry)},"
            raise _refuse(index, key, f"{where} {problem}")


def _known_resources(rater: Rater) -> dict[tuple[object, ...], int]:
    """What the rater metered, from when: ``(account, resource)`` and ``(account, resource, meter)``.

    A kept cycle's usage is metered from the state at the kept cycles' start or from a
    kept record: a time-based meter's of a resource an event, an inventory's listing or
    a state describes (the pair), a sample-based meter's of a resource a sample of that
    meter or a state's reading of it names (the triple). Each is given the earliest
    instant a record of it takes effect at (its instant, a delta's ``since`` if earlier;
    ``NEVER`` for one a state names): records are only added, so no usage of it lies
    before, ever. O(s + r) for s states and r records (an inventory counts its listings).
    """
    known: dict[tuple[object, ...], int] = {}

    def seen(key: tuple[object, ...], at: int) -> None:
        if known.get(key, at) >= at:
            known[key] = at

    for state in rater._state:
        seen((state.account, state.resource), NEVER)
        for reading in state.readings:
            seen((state.account, state.resource, reading[0]), NEVER)
    for record in rater._records.values():
        if isinstance(record, Inventory):
            for pair in record.resources:
                seen((pair[0], pair[1]), record.at_us)
        elif isinstance(record, Sample):
            since = record.since_us
            at = record.at_us if since is None else min(since, record.at_us)
            seen((record.account, record.resource, record.meter), at)
        else:
            seen(
                (getattr(record, "account", None), getattr(record, "resource", None)), record.at_us
            )
    return known


def _resource(
    plan: Plan,
    key: tuple[object, ...],
    known: Mapping[tuple[object, ...], int],
    timed: set[str],
    upto: int,
    *,
    owed: bool,
) -> str | None:
    """What is wrong with the resource of a line of ``plan`` keyed ``key``.

    A usage line is of one resource the rater metered for its account and meter
    (`_known_resources`; ``timed`` names the time-based meters) in its cycle before the
    watermark: a record of it takes effect before ``upto``, the earlier of the two;
    a fee line names a resource only as the base of an entry grouped by resource (then one
    the rater knows), and a minimum line none. A line stated as zero (``owed`` false: its
    quantity and amount are) is of any resource: the rater owes no correction of it, and
    keeps it when a late delete left its resource no usage there, whose records may have
    been compacted since.
    """
    kind, meter, entry, resource = key[3], key[5], key[6], key[7]
    grouped = kind == "fee" and any(
        e.meter == meter and e.id == entry and e.group_by == "resource" for e in plan.entries
    )
    if kind == "usage" or grouped:
        what = "a usage line" if kind == "usage" else "the base of an entry grouped by resource"
        if resource is None:
            return f"has no resource, but {what} is of one resource"
        return _metered(key, known, timed, upto, what) if owed else None
    if resource is not None:
        return (
            f"has the resource {show(resource)}, but a {kind} line names no resource "
            "(only the base of an entry grouped by resource does)"
        )
    return None


def _metered(
    key: tuple[object, ...],
    known: Mapping[tuple[object, ...], int],
    timed: set[str],
    upto: int,
    what: str,
) -> str | None:
    """What is wrong with the resource of a line owed by a resource: one it never metered there."""
    account, meter, resource = key[0], key[5], key[7]
    named = (account, resource) if meter in timed else (account, resource, meter)
    if named not in known:
        return (
            f"has the resource {show(resource)}, which no record or metering state of "
            f"the rater names for account {show(account)} and meter {show(meter)}: "
            f"{what} is of a resource the rater metered"
        )
    # (a sample-based meter's usage may count from the resource's events: a counter
    # from zero counts from its running stretch's start)
    first = min(known[named], known.get((account, resource), known[named]))
    if first >= upto:
        return (
            f"has the resource {show(resource)}, whose first record for account "
            f"{show(account)} and meter {show(meter)} takes effect at {format_us(first)}, "
            f"not before {format_us(upto)}, where the line's usage ends (its cycle's end, "
            f"or the watermark if earlier): {what} is of a resource the rater metered "
            "in its cycle before the watermark"
        )
    return None
