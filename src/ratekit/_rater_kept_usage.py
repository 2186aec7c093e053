"""The usage a rater keeps, priced again: after a restore and under new assignments.

Private to [`ratekit.Rater`][ratekit.Rater]. The feed refuses a batch whose usage no
price entry prices (`_rater_priced_doors`), so the records a rater keeps always price.
Two ways bring it records the feed did not judge so: a snapshot altered by hand and
resealed (`kept_refusal()`, asked by `Rater.restore`, names the record or compacted state
behind the first account whose kept usage rating refuses), and `Rater.assign()` putting
a resource under a plan that prices it not (`reassigned()`). Both meter what the rater
keeps of an account and rate it as a statement rates it (`unpriced()`,
`unpriced_rows()`).
"""

from __future__ import annotations

import itertools
import typing
from collections.abc import Iterable

from . import _rater_range as _range
from . import _rater_sample_doors as _sample_doors
from .errors import BadPriceError, RatekitError, UnpricedUsageError
from .records import Inventory

if typing.TYPE_CHECKING:
    from .rater import Rater, Record
    from .usage import ResourceState, UsageRow

__all__ = ["culprit", "kept_refusal", "reassigned", "state_of", "unpriced", "unpriced_rows"]


def state_of(rater: Rater, key: tuple[str, str]) -> ResourceState | None:
    """The compacted state of resource ``key``, if any: the counter index's, kept with it. O(1)."""
    return rater._reach.states.get(key)


def kept_refusal(rater: Rater) -> tuple[str, Record | ResourceState, RatekitError] | None:
    """The first account, by name, whose kept usage rating fails to price, or None.

    For a restored state (a snapshot altered by hand and resealed may hold what the feed
    refuses: a kept record's description changed to one no entry prices): each account
    the rater keeps records, listings or compacted states of is metered (all in one
    call, the meters some plan may refuse only) and rated as `refusal()` judges an
    account once a batch is taken (`unpriced()`), when some plan
    may refuse some meter's usage (none: O(1)). Gives the account, what made the usage
    rating refuses (`culprit()`) and rating's refusal. O(k) for the k records and
    states kept.
    """
    if not rater._engine.strict:
        return None
    accounts = {account for account, _ in rater._by_key}
    accounts.update(state.account for state in rater._state)
    for inventory in rater._inventories:
        if type(inventory) is Inventory:
            accounts.update(account for account, _, _ in inventory.resources)
    engine = rater._engine
    # The meters some plan may refuse alone: another meter's rows are not rated here, and
    # a meter's rows are metered from its own records (with the events and listings).
    meters = frozenset(engine.strict)
    try:  # all at once: one metering, not one per account
        usage = _sample_doors.metered(
            rater, accounts, [], meters, (), changes=True, reach_us=engine.windowed_us
        )
    except RatekitError:
        return None  # another rule: the other doors or the statements say it
    rows: dict[str, list[UsageRow]] = {}
    for row in usage.rows:
        if row.meter in engine.strict:
            rows.setdefault(row.account, []).append(row)
    for account in sorted(rows):
        refused = unpriced_rows(rater, account, rows[account])
        if refused is not None:
            return account, culprit(rater, account), refused
    return None


def culprit(rater: Rater, account: str) -> Record | ResourceState:
    """The kept record (else compacted state) of ``account`` behind its first unpriced row.

    The rows are rated one by one, in time order, until one is refused: the earliest of
    its records the rater keeps, else its resource's compacted state (what it describes
    runs into the kept cycles), else the earliest kept record of its resource. Called once rating refused the account. O(k + r) for the
    k records kept and the r rows.
    """
    engine = rater._engine
    meters = frozenset(m.name for m in engine.meters)
    usage = _sample_doors.metered(
        rater, {account}, [], meters, (), changes=True, reach_us=engine.windowed_us
    )
    kept = {
        r.id: r
        for r in itertools.chain(*rater._by_key.values(), rater._inventories)
        if r.id is not None
    }
    rows = sorted(
        (row for row in usage.rows if row.account == account and row.meter in engine.strict),
        key=lambda row: (row.span.start_us, row.resource, row.meter),
    )
    for row in rows:
        if unpriced_rows(rater, account, [row]) is None:
            continue
        named = [kept[i] for i in row.record_ids if i in kept]
        if named:
            return min(named, key=lambda r: r.at_us)
        key = (account, row.resource or "")
        state = state_of(rater, key)
        if state is not None:
            return state
        if rater._by_key.get(key):
            return min(rater._by_key[key], key=lambda r: r.at_us)
    records = [r for (a, _), mine in rater._by_key.items() if a == account for r in mine]
    if records:
        return min(records, key=lambda r: r.at_us)
    return next(s for s in rater._state if s.account == account)


def reassigned(
    before: Rater, after: Rater, accounts: Iterable[str]
) -> tuple[str, UnpricedUsageError | BadPriceError] | None:
    """The first of ``accounts``, by name, whose kept usage ``after`` fails to price, or None.

    ``after`` is ``before`` under more assignments (`Rater.assign()`): a resource running
    into a new plan that prices it not would make every later statement fail. An account
    whose usage ``before`` failed to price already (as an earlier version's snapshot may
    hold) is left to the statements, as the feed leaves it. An account the rater holds
    nothing of (no kept record, compacted state or listing: a new customer) has no usage
    to price and is not metered, so adding n such accounts costs O(n), not n meterings.
    """
    known = {account for account, _ in after._by_key}
    known.update(item.account for item in after._state)
    known.update(after._first)
    for inventory in after._inventories:
        if type(inventory) is Inventory:
            known.update(account for account, _, _ in inventory.resources)
    for account in sorted(set(accounts) & known):
        refused = unpriced(after, account, every=True)
        if refused is not None and unpriced(before, account, every=True) is None:
            return account, refused
    return None


def unpriced(
    rater: Rater, account: str, *, every: bool = False
) -> UnpricedUsageError | BadPriceError | None:
    """Rating's refusal of the usage of ``account`` the rater keeps, or None.

    Metered from the kept cycles' start through the last instant a price may change and
    one cycle more (and as far again as the windows' pattern takes to repeat:
    `window_reach`), and rated as a statement rates it. Every meter is metered (a sample
    of a meter always priced is a record of the account too), the strict ones rated, or
    all of them under ``every`` over about `MAX_CYCLES` cycles from the kept cycles' start
    (a price model of the caller's own that raises on the usage a plan takes on is a
    refusal too; rating them all to a change ten years of hourly cycles ahead cost 7 s).
    """
    engine = rater._engine
    strict = engine.strict
    meters = frozenset(m.name for m in engine.meters)
    try:
        usage = _sample_doors.metered(
            rater, {account}, [], meters, (), changes=True, reach_us=engine.windowed_us
        )
        begin, end = engine.containing(rater._base_us)
    except RatekitError:
        return None  # another rule: the other doors or the statements say it
    reach = rater._base_us + _range.MAX_CYCLES * (end - begin)  # (about, as cycles vary)
    rows = [
        row
        for row in usage.rows
        if row.account == account and (row.meter in strict or (every and row.span.start_us < reach))
    ]
    return unpriced_rows(rater, account, rows)


def unpriced_rows(
    rater: Rater, account: str, rows: list[UsageRow]
) -> UnpricedUsageError | BadPriceError | None:
    """Rating's refusal of the ``rows`` of ``account``, rated as a statement rates them, or None."""
    if not rows:
        return None
    earliest = min(row.span.start_us for row in rows)
    try:
        rater._engine.rate_rows(
            rows,
            {account: min(rater._first.get(account, earliest), earliest)},
            rater._base_us,
            max(row.cycle.end_us for row in rows),
            allowed=rater._allowed,
        )
    except UnpricedUsageError as error:
        return error
    except BadPriceError as error:  # two entries of one priority, a selector that raised
        return error
    except RatekitError:
        return None  # another rule: the other doors or the statements say it
    return None
