"""What one part of a scale-out runs on its worker: rate and bill its accounts, pack the result.

Private to `ratekit.scaleout`: `rate_part()` rates and bills one part's records (its
accounts' plans, its quiet accounts, the copies of the inventories exact for them) as one
process rates them all; `packed()` encodes the result in ratekit's wire form
(`ratekit._wire`); `refused()` is the error for a bag element that is not a record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from . import _normalize as _n
from . import _scaleout_inventories as _inv
from . import _wire
from ._rating_engine import plans_in
from ._scaleout_merge import bills_only as _bills_only
from ._shown import show, some
from .assignments import Assignment, _assignments_by_account
from .batches import RecordBatch
from .billing import bill
from .errors import RatekitError, RatekitTypeError
from .pricebook import Plan
from .rating import _rate_among
from .records import Event, Inventory, Sample
from .sharing import Share
from .spans import Span

__all__ = ["inventory_refused", "one", "packed", "rate_part", "rate_quiet", "refused"]

#: a part's rating, its invoices, the accounts it rated, and its record ids by account
_Part = _wire.Part


def refused(element: object, name: str) -> RatekitTypeError:
    """The error for an element of the bag that is not a record (and no ``build``)."""
    if isinstance(element, Inventory):
        return inventory_refused(element, name)
    if type(element) is RecordBatch:
        return RatekitTypeError(
            f"{name} records must be Event or Sample values, not a RecordBatch: "
            f"{show(element)} is one element of the bag holding many records; give each "
            "batch as a partition of the bag (dask.bag.from_delayed([dask.delayed(batch), "
            "...])), or flatten the bag of batches into one of records (bag.flatten())."
        )
    return RatekitTypeError(
        f"{name} records must be Event or Sample values, not "
        f"{type(element).__name__}: {show(element)}; give build=, a function from each "
        "element of the bag to an Event or a Sample."
    )


def inventory_refused(inventory: Inventory, name: str) -> RatekitTypeError:
    return RatekitTypeError(
        f"{name} got an Inventory in the bag ({show(inventory)}): an inventory "
        "speaks for many accounts, so it cannot travel with one account's records; give "
        f"the inventories beside the bag, {name}(bag, ..., inventories=[...]), and "
        "each part gets the copy exact for its accounts."
    )


def one(records: Iterable[Event | Sample], packed: Callable[..., bytes]) -> list[bytes]:
    return [packed(list(records))]


def packed(records: Sequence[Event | Sample], rate_part: Callable[..., _Part]) -> bytes:
    """A part rated, in ratekit's wire form (`ratekit._wire`): one string of bytes.

    Dask's own serialisation walks a returned tuple's items one by one, and pickling the
    charges as values costs more than rating them; the wire form's columns travel at the
    speed of a memory copy and are rebuilt in the calling process at C speed.
    """
    return _wire.encode(rate_part(records))


def rate_part(
    records: Sequence[Event | Sample],
    *,
    plans: Plan | tuple[Assignment, ...],
    span: Span,
    meters: tuple[Any, ...] | None,
    as_of: Any,
    by_resource: bool,
    tz: str | None,
    shares: tuple[Share, ...] = (),
    listed: frozenset[str] | None = None,
    quiet: Sequence[str] = (),
    as_of_us: int | None = None,
    inventories: Sequence[Inventory] = (),
    name: str = "rate_by_account",
    keep_charges: bool = True,
) -> _Part:
    """``rate`` + ``bill`` of one part: its records, its accounts' plans, its quiet accounts.

    The part names in ``accounts=`` exactly the listed accounts it rates (those with
    records here, and the quiet ones), as one process names them all: a listed account
    is covered over the whole span, not only from its first record. It meters with the
    copy of each inventory exact for its accounts (`ratekit._scaleout_inventories`), and
    returns the ids of its records known by ``as_of_us`` (one process checks no other).
    """
    mine = set(quiet)
    ids: dict[str, list[str]] = {}
    for record in records:
        if type(record) is not Event and type(record) is not Sample:  # final classes
            raise refused(record, name)
        mine.add(record.account)
        if record.id is not None and (as_of_us is None or _n.known_by(record, as_of_us)):
            ids.setdefault(record.account, []).append(record.id)
    rated: Sequence[Event | Sample | Inventory] = records
    if inventories and mine:  # (a part of no account, an empty partition: none is its)
        copies = _inv.copies_for(inventories, mine, f"{name} cannot give a part")
        if copies:
            rated = [*records, *copies]
    named = None if listed is None else sorted(listed & mine)
    if meters is None and rated:
        raise RatekitTypeError(
            f"{name} needs meters=[...] to meter its records, as ratekit.rate does; got "
            f"none for {type(rated[0]).__name__}: {show(rated[0])}."
        )
    every: list[Plan] | None = None
    if isinstance(plans, Plan):
        chosen: Plan | list[Assignment] = plans
    else:
        chosen = [assignment for assignment in plans if assignment.account in mine]
        # checked against every plan, as one process checks (each account is metered by
        # its own plans' cycle either way)
        every = plans_in(_assignments_by_account(plans))
    try:
        rating = _rate_among(
            rated,
            chosen,
            span=span,
            meters=meters,
            as_of=as_of,
            accounts=named,
            shares=shares,
            every=every,
        )
    except RatekitError as error:
        if "records[" not in str(error):
            raise
        # The part's records are a slice of the bag, in the order the part got them: an
        # index names a place there, not in the bag; say whose part it is.
        raise type(error)(
            f"{name}: the part rating account{'' if len(mine) == 1 else 's'} "
            f"{some(mine)} (an index records[i] counts that part's own records, in the "
            f"order it got them): {error}"
        ) from error
    invoices = () if shares else bill(rating, by_resource=by_resource, tz=tz)
    if not keep_charges:
        return _bills_only(rating, invoices, frozenset(mine), ids, inventories)
    return rating, invoices, frozenset(mine), ids


def rate_quiet(accounts: Sequence[str], rate_part: Callable[..., _Part]) -> _Part:
    return rate_part([], quiet=accounts)
