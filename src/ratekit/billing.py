"""Invoices: charges grouped per account and billing cycle, in lines a person can check.

[`bill()`][ratekit.bill] groups charges per account and cycle into an [`Invoice`][ratekit.Invoice], with one
[`InvoiceLine`][ratekit.InvoiceLine] per meter and price entry, then the recurring fees, the
minimum-commitment top-ups and the account's parts of shared charges
([`Share`][ratekit.Share]). Each line keeps the exact sum of its charges and rounds it
**once**, to a whole number of the plan's quantum (0.01, 0.05, 3: any positive step)
with the plan's rounding mode. Detailed per resource (``by_resource=True``), a line's
rounded amount is **allocated** to its resources by the largest remainder on the
quantum, so the detailed invoice totals exactly what the summary does. Credits
([`Credit`][ratekit.Credit]) are applied last, to the sum of the lines (the
``subtotal``); the ``total`` is what is left to pay, never below zero. Amounts of
different currencies are never added: an invoice whose charges disagree on the currency
raises [`CurrencyMismatchError`][ratekit.CurrencyMismatchError].

Examples:
    >>> import ratekit as rk
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> plan = rk.Plan("standard", "EUR", rk.cycles.monthly(tz="UTC"),
    ...                [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.0416"))], fees=[rk.Fee("support", 9)])
    >>> rows = [rk.UsageRow("acme", "vm.hours", "vm-1", march, march, 744, "hour", {}, ("e1",))]
    >>> (invoice,) = rk.bill(rk.rate(rows, plan, span=march))
    >>> print(invoice)
    Invoice acme, 2026-03-01T00:00:00Z .. 2026-04-01T00:00:00Z, EUR
    <BLANKLINE>
      line            quantity  unit price  amount
      vm.hours · vm   744 hour      0.0416   30.95
      fee · support    1 cycle           9    9.00
    <BLANKLINE>
      total                                  39.95
    >>> invoice.lines[0].precise, invoice.lines[0].amount
    (Decimal('30.9504'), Decimal('30.95'))
"""

from __future__ import annotations

import datetime as _dt
import decimal
import operator
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Final

from . import _values as _v
from ._allocation import allocate
from ._caller_objects import listed
from ._carried import carried_value
from ._charge_order import _charge_key
from ._crediting import credit_invoices, credits_door
from ._decimals import CONTEXT, ZERO, exact_sum, nearest, spend_under
from ._decimals import commitment as _commitment
from ._decimals import tidy as _tidy
from ._entry_points import in_context
from ._instants import format_us

# The invoice values live in ._invoices; ratekit.billing.Invoice, .InvoiceLine and
# .LineKind stay importable from here.
from ._invoices import _LINE_ORDER, Invoice, InvoiceLine, _new_line
from ._invoices import LineKind as LineKind  # noqa: PLC0414 - re-exported from its former home
from ._line_exact import line_exact
from ._minimum_scopes import scope_of_minimums
from ._plan_split import allot, by_scope
from ._quanta import on_quantum
from ._shown import show
from ._topups import is_base, rounding_of, settle
from ._zones import portable_name
from .credits import Credit
from .errors import (
    BadPriceError,
    BadQuantityError,
    CurrencyMismatchError,
    RatekitTypeError,
    ShareMismatchError,
)
from .rating import Charge, Rating
from .sharing import Share, read_shares, shares_by_owner, splits_alike
from .spans import Span

__all__ = ["Invoice", "InvoiceLine", "bill"]

_ADD = CONTEXT.add
_MUL = CONTEXT.multiply


_AMOUNT: Final = operator.attrgetter("amount")
_QUANTITY: Final = operator.attrgetter("quantity")
_FREE: Final = operator.attrgetter("free")
_UNIT_PRICE: Final = operator.attrgetter("unit_price")
_CURRENCY: Final = operator.attrgetter("currency")
#: The kinds of charge rating makes, which bill takes (not a host's reversal or correction).
_BILLED_KINDS: Final = frozenset({"usage", "fee", "minimum"})


def _line_key(charge: Charge) -> tuple[object, ...]:
    """A line per kind, meter and entry; a plan's fee and a price's base apart (`is_base`)."""
    return (
        _LINE_ORDER.get(charge.kind, len(_LINE_ORDER)),
        charge.meter is None,
        charge.meter or "",
        charge.entry or "",
        is_base(charge),
    )


@in_context
def bill(
    charges: Rating | Iterable[Charge],
    *,
    by_resource: bool = False,
    tz: str | _dt.tzinfo | None = None,
    credits: Iterable[Credit] = (),  # noqa: A002 (the word users look for; builtin unused here)
    shares: Iterable[Share] | None = None,
) -> tuple[Invoice, ...]:
    """Group charges into invoices, one per account and billing cycle, in that order.

    Lines are per meter and price entry (per resource too with ``by_resource=True``), then
    fees, then minimum commitments, then the account's parts of ``shares``. Each line's
    exact sum is rounded once with the rounding of the charges' plan (when a plan change
    mid-cycle brings two roundings, the rounding of the latest plan, in force at the end
    of the cycle, applies: rating gives every charge of the cycle its rounding, and a list
    of charges made otherwise is rounded with its latest charge's); detailed
    per resource, the resources' lines are an allocation of that rounded amount (largest
    remainder on the quantum, ties to the earlier resource id; a line of two plans whose
    minimums count their parts: each plan's part allocated among its resources), so
    ``by_resource`` never changes a total. ``credits`` then pay each account's invoices in cycle order (see
    `ratekit.credits` for the order); two of one account with one id raise
    [`BadQuantityError`][ratekit.BadQuantityError] before any work. O(n log n) for n charges. ``tz`` (an IANA name, a
    ``ZoneInfo`` or a fixed offset, kept as ``Invoice.tz`` by name: ``"UTC+05:45"`` for a
    fixed offset) makes the text show the cycle in local time, e.g.
    ``2026-03-01 .. 2026-04-01 (Europe/Zurich)``.

    Shared charges are split by the shares the [`Rating`][ratekit.Rating] was rated with
    (``rate(..., shares=[...])``), since an owner's minimum counted only its own part of
    them. ``shares`` may repeat them (in any order); other shares, shares for a rating
    rated without any, or shares with bare charges (which do not say what they were rated
    with) raise [`ShareMismatchError`][ratekit.ShareMismatchError] naming both sets.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> eur = rk.Plan("eur", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
        >>> usd = rk.Plan("usd", "USD", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
        >>> rating = rk.rate([], [rk.Assignment("acme", eur, end="2026-03-16T12:00:00Z"),
        ...                       rk.Assignment("acme", usd, start="2026-03-16T12:00:00Z")], span=march)
        >>> rk.bill(rating)
        Traceback (most recent call last):
        ...
        ratekit.CurrencyMismatchError: invoice of account 'acme' for 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z mixes EUR (plan 'eur', fee 'base') and USD (plan 'usd', fee 'base'); give the account's plans one currency, or bill each currency separately.
    """
    _v.switch(by_resource, "bill by_resource")
    if tz is not None:
        tz = portable_name(tz, "bill tz")  # the one door for timezones, as the invoice keeps it
    grants = credits_door(credits, "bill credits")
    if isinstance(charges, Rating):
        by_owner = _shares_by_owner(_rated_shares(charges.shares, shares))
        charges = charges.charges
    else:
        by_owner = _shares_by_owner(_rated_shares(None, shares))
    charges = listed(charges, "bill charges", "Charge")
    alike = splits_alike(by_owner)
    groups: dict[tuple[str, int, int], list[Charge]] = {}
    pools: dict[tuple[int, int, int, str | None, str | None], list[Charge]] = {}
    # the group of the charge before, kept while the charges of one invoice come in a run
    # (rating's come so): its cycle, by identity, and its account; each run is added to
    # its group whole, from where it started
    run_account: str | None = None
    run_cycle: Span | None = None
    run: list[Charge] = []
    start = 0
    for index, charge in enumerate(charges):
        if type(charge) is not Charge and not isinstance(charge, Charge):
            raise RatekitTypeError(
                f"bill takes a Rating or Charge values, not {type(charge).__name__}: {show(charge)}."
            )
        if charge.kind not in _BILLED_KINDS:
            raise RatekitTypeError(
                f"bill takes a rating's charges (kind 'usage', 'fee' or 'minimum'), not a "
                f"{show(charge.kind)} charge: {show(charge)}. A reversal or correction records a "
                "change to a cycle already billed: bill the cycle anew from its corrected "
                "rating, or export the correction with rk.focus_rows (ChargeClass "
                "'Correction')."
            )
        share_index = _shared(by_owner, charge) if by_owner else None
        if share_index is not None:
            run += charges[start:index]
            start = index + 1
            key = (alike[share_index], charge.cycle.start_us, charge.cycle.end_us)
            pools.setdefault((*key, charge.meter, charge.entry), []).append(charge)
            continue
        if charge.cycle is not run_cycle or charge.account != run_account:
            run += charges[start:index]
            start = index
            run_account, run_cycle = charge.account, charge.cycle
            run = groups.setdefault((run_account, run_cycle.start_us, run_cycle.end_us), [])
    run += charges[start:]
    parts: dict[tuple[str, int, int], list[InvoiceLine]] = {}
    share_list = [share for owned in by_owner.values() for share in owned]
    share_list.sort(key=lambda item: item[0])
    for (index, start_us, end_us, _, _), members in sorted(pools.items(), key=_pool_order):
        for account, line in _shared_lines(share_list[index][1], members):
            parts.setdefault((account, start_us, end_us), []).append(line)
    invoices = [
        _invoice(key, groups.get(key, []), parts.get(key, []), by_resource, tz)
        for key in sorted({*groups, *parts})
    ]
    return tuple(credit_invoices(invoices, grants))


def _pool_order(
    item: tuple[tuple[int, int, int, str | None, str | None], list[Charge]],
) -> tuple[object, ...]:
    index, start_us, end_us, meter, entry = item[0]
    return (index, start_us, end_us, meter or "", entry or "")


# -- sharing -------------------------------------------------------------------------------


def _rated_shares(rated: tuple[Share, ...] | None, given: object) -> tuple[Share, ...]:
    """The shares to split by: the rating's (``rated``; ``None`` for bare charges).

    ``given`` (``None``: not given) must be the same shares, in any order.
    """
    if given is None:
        return rated or ()
    shares = read_shares(given, "bill shares")
    shares_by_owner(shares, "bill shares")  # no two at once: then compare
    if rated is not None and set(shares) == set(rated):
        return rated  # the rating's order: the same invoices whatever the order given
    if rated is None:
        if not shares:
            return shares
        had = "bare charges, which do not say which shares they were rated with"
        fix = (
            "pass the Rating that rk.rate(..., shares=[...]) returned (bill takes its "
            "shares from it)"
        )
    elif not rated:
        had = "a rating rated without shares"
        fix = (
            "give them to rate instead, rk.rate(..., shares=[...]), and bill the rating "
            "without shares= (it is split by the shares it was rated with)"
        )
    else:
        had = f"a rating rated with shares={_shares_text(rated)}"
        fix = (
            "bill the rating without shares= (it is split by the shares it was rated "
            "with), or rate again with rk.rate(..., shares=[...]) and the shares to "
            "split by"
        )
    raise ShareMismatchError(
        f"bill was given shares={_shares_text(shares)} for {had}; an owner's minimum "
        "commitment counts only its own part of a shared charge, so charges must be "
        f"split by the shares they were rated with: {fix}."
    )


def _shares_text(shares: tuple[Share, ...]) -> str:
    return "[" + ", ".join(map(repr, shares)) + "]"


def _shares_by_owner(shares: Iterable[Share]) -> dict[tuple[str, str], list[tuple[int, Share]]]:
    """The shares per (owner, resource), each with its index in the order given."""
    shares = list(shares)
    index = {id(share): position for position, share in enumerate(shares)}
    return {
        key: [(index[id(share)], share) for share in owned]
        for key, owned in shares_by_owner(shares, "bill shares").items()
    }


def _shared(by_owner: dict[tuple[str, str], list[tuple[int, Share]]], charge: Charge) -> int | None:
    """The index of the share that splits ``charge``, if any."""
    if not by_owner or charge.kind != "usage" or charge.resource is None:
        return None
    for index, share in by_owner.get((charge.account, charge.resource), ()):
        if share.meter is not None and share.meter != charge.meter:
            continue
        span = share.span
        if span.start_us <= charge.span.start_us and charge.span.end_us <= span.end_us:
            return index
        if span.overlaps(charge.span):
            raise BadPriceError(
                f"the share of resource {show(charge.resource)} of account {show(charge.account)} "
                f"runs {_bounds_text(share)}, but a charge of meter {show(charge.meter)} spans "
                f"{format_us(charge.span.start_us)}..{format_us(charge.span.end_us)}, across "
                "its bounds; start and end shares at cycle boundaries, where every charge is "
                "cut."
            )
    return None


def _bounds_text(share: Share) -> str:
    span = share.span
    if share.start is None:
        return f"until {format_us(span.end_us)}"
    if share.end is None:
        return f"from {format_us(span.start_us)} on"
    return f"over {format_us(span.start_us)}..{format_us(span.end_us)}"


def _shared_lines(share: Share, members: list[Charge]) -> list[tuple[str, InvoiceLine]]:
    """The whole of a pool of shared charges, rounded once, and each holder's line."""
    _check_currency(members[0], members)
    quantum, rounding = _rounding(members)
    quantity = free = ZERO
    unit_prices = set()
    for charge in members:
        quantity = _ADD(quantity, charge.quantity)
        free = _ADD(free, charge.free)
        unit_prices.add(charge.unit_price)
    whole = _rounded(
        line_exact(members, rounded=(quantum, rounding)), quantum, rounding, members[0]
    )
    shares_total = share.total  # O(holders): once per pool, not once per holder
    total = Fraction(shares_total)
    exact = [Fraction(whole) * Fraction(weight) / total for _, weight in share.shares]
    head = members[0]
    unit_price = unit_prices.pop() if len(unit_prices) == 1 else None
    out = []
    for (account, weight), amount in zip(
        share.shares, allocate(whole, exact, quantum), strict=True
    ):
        line = _new_line(
            "shared",
            head.meter,
            head.entry,
            share.resource,
            _tidy(quantity),
            _tidy(free),
            head.unit,
            unit_price,
            amount,
            amount,
            tuple(members),
            owner=share.owner,
            share=weight,
            shares=shares_total,
            whole=whole,
        )
        out.append((account, line))
    return out


# -- one invoice ---------------------------------------------------------------------------


def _rounding(members: list[Charge]) -> tuple[Decimal, str]:
    # the one rule, which rating reads too to know whether a commitment is billed short
    return rounding_of(members)


def _check_currency(first: Charge, members: list[Charge]) -> None:
    if set(map(_CURRENCY, members)) <= {first.currency}:  # read at C speed
        return
    for charge in members:
        if charge.currency != first.currency:
            raise CurrencyMismatchError(
                f"invoice of account {show(first.account)} for {format_us(first.cycle.start_us)}.."
                f"{format_us(first.cycle.end_us)} mixes {first.currency} ({_what(first)}) and "
                f"{charge.currency} ({_what(charge)}); give the account's plans one currency, "
                "or bill each currency separately."
            )


def _invoice(
    key: tuple[str, int, int],
    members: list[Charge],
    shared: list[InvoiceLine],
    by_resource: bool,
    tz: str | None,
) -> Invoice:
    account = key[0]
    cycle = Span.from_us(key[1], key[2])
    lines: dict[tuple[object, ...], list[Charge]] = {}
    # A line's key is worked out once per run of charges of one kind, meter, entry and
    # pricedness (rating's come in runs: a resource's pieces under one entry), each run
    # told by identity from the charge before: a key per charge took 0.035 s of bill's
    # 0.17 on the fleet month (101,744 charges in 25,241 runs). Each run is added to its
    # line whole, from where it started. A run also has one currency, quantum and
    # rounding: whether every charge has the first's is known without reading them again.
    # A run finds its line by those four fields with no call (`_line_key` once per line
    # and pricedness: a line's runs alternate with other lines', a resource's pieces of
    # each meter in turn); a key per run cost five calls, 111,205 more on the fleet month.
    runs: dict[tuple[object, ...], list[Charge]] = {}
    kind = meter = entry = None
    priced = False
    found: list[Charge] = []
    start = 0
    first = members[0] if members else None
    currency = quantum = rounding = None
    alike = True
    for index, charge in enumerate(members):
        if (
            charge.kind is not kind
            or charge.meter is not meter
            or charge.entry is not entry
            or (charge.price is None) is priced
            or charge.currency is not currency
            or charge.quantum is not quantum
            or charge.rounding is not rounding
        ):
            found += members[start:index]
            start = index
            kind, meter, entry = charge.kind, charge.meter, charge.entry
            priced = charge.price is not None
            currency, quantum, rounding = charge.currency, charge.quantum, charge.rounding
            assert first is not None
            alike = alike and (
                currency is first.currency
                and quantum is first.quantum
                and rounding is first.rounding
            )
            try:
                found = runs[kind, meter, entry, priced]
            except KeyError:
                found = runs[kind, meter, entry, priced] = lines.setdefault(_line_key(charge), [])
    found += members[start:]
    if first is None or not alike or shared:
        heads = [*members, *(line.charges[0] for line in shared)]
        _check_currency(heads[0], heads)
        currency = heads[0].currency
    else:
        currency = first.currency  # every charge's
    out: list[InvoiceLine] = []
    precise_sums: list[Decimal] = []  # each line's, exact: one exact sum, as Rating.total()
    if first is not None:
        # every charge's, as `rounding_of` finds it when they share it
        quantum, rounding = (first.quantum, first.rounding) if alike else _rounding(members)
        scope = (
            scope_of_minimums(c for c in members if c.kind == "minimum") if by_resource else None
        )
        for line_key in sorted(lines):
            line_charges = lines[line_key]
            precise = _sum(line_charges)
            precise_sums.append(precise)
            exact = line_exact(line_charges, precise, (quantum, rounding))
            amount = _rounded(exact, quantum, rounding, line_charges[0])
            if not by_resource or line_charges[0].kind != "usage":
                out.append(_line(line_charges, None, precise, amount))
            else:
                assert scope is not None
                out += _resource_lines(line_charges, amount, quantum, scope)
    out.extend(shared)
    out = settle(out, account)
    subtotal = _subtotal(out, account, cycle, currency)
    # a part of a shared charge is part of what the account owes
    precise_total = exact_sum([*precise_sums, *(line.precise for line in shared)])
    return Invoice(account, cycle, currency, tuple(out), subtotal, precise_total, tz)


def _resource_lines(
    line_charges: list[Charge],
    amount: Decimal,
    quantum: Decimal,
    scope: Callable[[Charge], tuple[str, int, int]],
) -> list[InvoiceLine]:
    """A usage line detailed per resource: its rounded ``amount`` allocated to each.

    Where the line holds the charges of two plans (or pieces of a cycle) and a plan's
    minimum counts its part (``scope``: whose spend each charge is, `scope_of_minimums`),
    the line is split between them first, as the settling of their minimums splits it
    (`_plan_split.by_scope`), and each part among its resources: a resource's line is the
    sum of its parts, so each plan's note counts what its resources' lines print. Else the
    amount is allocated among the resources on their exact amounts. O(c log c).
    """
    per_resource: dict[str, list[Charge]] = {}
    for charge in line_charges:
        per_resource.setdefault(charge.resource or "", []).append(charge)
    resources = sorted(per_resource)
    precise_parts = [_sum(per_resource[resource]) for resource in resources]
    plans = by_scope(line_charges, amount, scope, quantum)
    if len(plans) > 1 and any(key[1] != -1 for key in plans):
        amounts = [ZERO] * len(resources)
        for key, part in plans.items():
            own = [
                Fraction(exact_sum(c.amount for c in per_resource[resource] if scope(c) == key))
                for resource in resources
            ]
            shared = allot(part, own, quantum)
            amounts = [CONTEXT.add(a, b) for a, b in zip(amounts, shared, strict=True)]
    else:
        amounts = allocate(amount, [Fraction(p) for p in precise_parts], quantum)
    return [
        _line(per_resource[resource], resource, part_precise, part_amount)
        for resource, part_precise, part_amount in zip(
            resources, precise_parts, amounts, strict=True
        )
    ]


def _subtotal(lines: list[InvoiceLine], account: str, cycle: Span, currency: str) -> Decimal:
    """The exact sum of the lines' amounts, or a BadQuantityError when it needs over 60 digits.

    Each line's amount fits ratekit's 60 digits; their sum may need more (two fees of
    999...9.00...01), which a 60-digit addition would round away: the total would no
    longer be the sum of the lines printed.
    """
    subtotal = exact_sum(line.amount for line in lines)
    if len(subtotal.as_tuple().digits) <= CONTEXT.prec:
        return subtotal
    raise BadQuantityError(
        f"the lines of the invoice of account {show(account)} for {format_us(cycle.start_us)}.."
        f"{format_us(cycle.end_us)} add up to {subtotal} {currency}, which has "
        f"{len(subtotal.as_tuple().digits)} digits; an invoice total holds at most "
        f"{CONTEXT.prec}, the sum of its lines to the last digit. Bill amounts of that "
        "size on a coarser quantum, or split them between invoices."
    )


def _rounded(precise: Decimal | Fraction, quantum: Decimal, rounding: str, head: Charge) -> Decimal:
    """``precise`` rounded on ``quantum``, or a BadQuantityError when it is too long for it.

    The rounded amount must fit ratekit's 60 digits: 1E+59 on a quantum of 0.01 needs 62.
    A negative amount that rounds to zero is a plain zero (``0.00``, never ``-0.00``):
    this is the one point where a line's amount is rounded, so text, HTML and rows all
    print it unsigned.
    """
    try:
        amount = on_quantum(precise, quantum, rounding)
    except decimal.InvalidOperation:
        # written with the quantum's exponent (two decimals for 0.01, 0.05 or 0.25)
        exponent = int(quantum.as_tuple().exponent)
        if isinstance(precise, Fraction):
            precise = nearest(precise)
        digits = precise.adjusted() - exponent + 1
        raise BadQuantityError(
            f"the charges of account {show(head.account)} for {_what(head)} add up to "
            f"{precise} {head.currency}, which has {digits} digits on the quantum {quantum}; "
            f"ratekit rounds an amount of at most {CONTEXT.prec} digits on it (less than "
            f"1E+{exponent + CONTEXT.prec} {head.currency})."
        ) from None
    return amount.copy_abs() if amount.is_zero() else amount


def _sum(charges: list[Charge]) -> Decimal:
    """The exact sum of the charges' amounts (never cut at 60 digits: see `exact_sum`)."""
    return exact_sum(map(_AMOUNT, charges))


def _line(
    line_charges: list[Charge], resource: str | None, precise: Decimal, amount: Decimal
) -> InvoiceLine:
    if line_charges[0].kind != "usage" and len(line_charges) > 1:
        # A fee's or a minimum's parts (one per plan of the cycle, a few) in rating's
        # order, however the charges were listed: the notes print in that order.
        line_charges = sorted(line_charges, key=_charge_key)
    head = line_charges[0]
    # exact sums, the same in any order of the charges
    quantity = carried_value(exact_sum(map(_QUANTITY, line_charges)))
    # (no free part, as almost always: a sum of zeros is not worked out)
    free = (
        carried_value(exact_sum(map(_FREE, line_charges)))
        if any(map(_FREE, line_charges))
        else ZERO
    )
    unit_prices = set(map(_UNIT_PRICE, line_charges))
    commitment = spent = None
    if head.kind == "minimum":
        # a minimum charge prices its share of the cycle at the commitment: the
        # commitment due is unit_price * quantity, and the top-up is what was not spent
        # (where a plan's exact spend reached its commitment, `settle` reads the spend
        # off the lines it counts)
        committed = sum(
            (_commitment(c.unit_price or ZERO, c.quantity) for c in line_charges), Fraction(0)
        )
        commitment = _tidy(carried_value(committed))
        spent = _tidy(spend_under(committed, map(_AMOUNT, line_charges)))
    return _new_line(
        head.kind,
        head.meter,
        head.entry,
        resource,
        _tidy(quantity),
        _tidy(free),
        head.unit,
        unit_prices.pop() if len(unit_prices) == 1 else None,
        precise,
        amount,
        tuple(line_charges),
        commitment=commitment,
        spent=spent,
    )


def _what(charge: Charge) -> str:
    kind = {"usage": "entry", "fee": "fee", "minimum": "minimum"}.get(charge.kind, "entry")
    return f"plan {show(charge.plan)}, {kind} {show(charge.entry)}"
