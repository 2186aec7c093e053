"""Credits applied to invoices: `bill()`'s last step, and `apply_credits()` for invoices made.

[`bill()`][ratekit.bill] credits the invoices it makes; a host that gets its invoices
otherwise (the streaming rater's closing statements) credits them with
[`apply_credits()`][ratekit.apply_credits]. Both go through `credit_invoices()`, so that
a cycle's invoice is credited alike whichever made it. The rule itself (the order
credits pay in, what a renewal grants) is `ratekit.credits.spend`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from ._caller_objects import listed
from ._entry_points import in_context
from ._instants import format_us
from ._invoices import Invoice
from ._shown import show
from ._topups import rounding_of
from .credits import Credit, refuse_repeated_ids, spend
from .errors import BadQuantityError, RatekitTypeError, RepeatedIdError

__all__ = ["apply_credits", "credit_invoices", "credits_door"]


def credits_door(credits: object, where: str) -> list[Credit] | tuple[Credit, ...]:  # noqa: A002
    """The credits given to ``where`` (``"bill credits"``), checked: a list of `Credit`, ids unique.

    Raises `RatekitTypeError` for anything but a list of `Credit` values, and
    `RepeatedIdError` for two credits of one account with one id. O(c).
    """
    grants = listed(credits, where, "Credit")
    for credit in grants:
        if not isinstance(credit, Credit):
            raise RatekitTypeError(
                f"{where} must be Credit values, not {type(credit).__name__}: {show(credit)}."
            )
    refuse_repeated_ids(grants, where)
    return grants


def credit_invoices(invoices: list[Invoice], grants: Iterable[Credit]) -> list[Invoice]:
    """``invoices`` (by account, each account's in cycle order) with ``grants`` applied.

    Each account's credits pay its invoices in cycle order (`ratekit.credits.spend`); an
    account without credits keeps its invoices as they are. O(n·c log c).
    """
    by_account: dict[str, list[Credit]] = {}
    for credit in grants:
        by_account.setdefault(credit.account, []).append(credit)
    if not by_account:
        return invoices
    out = []
    index = 0
    while index < len(invoices):
        account = invoices[index].account
        end = index
        while end < len(invoices) and invoices[end].account == account:
            end += 1
        mine = invoices[index:end]
        granted = by_account.get(account)
        if granted:
            spent = spend(
                granted,
                [(i.cycle, i.currency, _quantum(i), i.subtotal) for i in mine],
            )
            mine = [
                attrs.evolve(invoice, total=due, credits=lines, subtotal=invoice.subtotal)
                for invoice, (due, lines) in zip(mine, spent, strict=True)
            ]
        out.extend(mine)
        index = end
    return out


def _quantum(invoice: Invoice) -> Decimal:
    """The quantum the invoice's own lines are rounded on: that of its latest charge.

    The rule of billing's rounding (`ratekit._topups.rounding_of`), so that after a plan
    change mid-cycle a credit is checked and spent on the quantum of the latest plan
    (rating gives every charge of the cycle that plan's), not of the first line's.
    An invoice of shared parts only takes the quantum of those.
    """
    own = [c for line in invoice.lines if line.kind != "shared" for c in line.charges]
    return rounding_of(own or [c for line in invoice.lines for c in line.charges])[0]


@in_context
def apply_credits(
    invoices: Iterable[Invoice],
    credits: Iterable[Credit],  # noqa: A002 (the word users look for; builtin unused here)
) -> tuple[Invoice, ...]:
    """``invoices`` with ``credits`` applied, as [`bill()`][ratekit.bill] applies them.

    For invoices made otherwise than by ``bill(..., credits=...)``: above all the
    closing invoices of the streaming rater's statements
    ([`Statement.invoices`][ratekit.Statement]). Each account's credits pay its
    invoices in cycle order, after everything else on them, by the rule of
    `ratekit.credits` (higher priority first, then the balance that expires first,
    ...): each invoice gets its [`CreditLine`][ratekit.CreditLine] values, and its
    ``total`` is its ``subtotal`` less what they paid, never below zero. Invoices come
    back in the order given. Keep the balances for the next call with
    [`credits_left(credits, invoices)`][ratekit.credits_left]: crediting cycle by cycle
    so gives the invoices that crediting them together does (a tested law), and
    ``bill(rating, credits=...)`` is ``apply_credits(bill(rating), credits)``.

    Raises [`RatekitTypeError`][ratekit.RatekitTypeError] for anything but lists of
    `Invoice` and `Credit` values; [`RepeatedIdError`][ratekit.RepeatedIdError] for two
    credits of one account with one id, or two invoices of one account and cycle (the
    second would be paid from the balance the first left, as if it were the next
    cycle's); [`BadQuantityError`][ratekit.BadQuantityError] for an invoice credited
    already (it has credit lines: crediting it again would pay it twice); and, as
    ``bill()`` does, [`CurrencyMismatchError`][ratekit.CurrencyMismatchError] for a
    credit in another currency than its invoice, ``BadQuantityError`` for one that is not
    a whole number of its invoice's quantum. O(n log n + n·c log c) for n invoices and c
    credits of an account.

    Examples:
        >>> import ratekit as rk
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"),
        ...                [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))])
        >>> rater = rk.Rater(plan, [rk.Meter("vm.hours", "hour", rk.OnOff())], start="2026-03-01T00:00:00Z")
        >>> rater.feed([rk.Event("acme", "vm-1", "2026-03-31T00:00:00Z", kind="start", id="e1")])
        Feed(accepted=1)
        >>> welcome = [rk.Credit("welcome", "acme", 5, "EUR", start="2026-03-01T00:00:00Z")]
        >>> (march,) = rk.apply_credits(rater.statement("2026-04-01T00:00:00Z").invoices, welcome)
        >>> march.subtotal, march.total  # 24 hours at 0.10 = 2.40, paid by the credit
        (Decimal('2.40'), Decimal('0.00'))
        >>> march.credits
        (CreditLine('welcome', applied=2.40, left=2.60),)
        >>> welcome = rk.credits_left(welcome, [march])  # kept for April's invoice
        >>> welcome
        (Credit('welcome', 'acme', 2.60 EUR, start='2026-03-01T00:00:00Z', granted=5),)
    """
    given = listed(invoices, "apply_credits invoices", "Invoice")
    grants = credits_door(credits, "apply_credits credits")
    seen: dict[tuple[str, int, int], Invoice] = {}
    for invoice in given:
        if not isinstance(invoice, Invoice):
            raise RatekitTypeError(
                "apply_credits invoices must be Invoice values (from bill() or a statement), "
                f"not {type(invoice).__name__}: {show(invoice)}."
            )
        cycle = invoice.cycle
        key = (invoice.account, cycle.start_us, cycle.end_us)
        if key in seen:
            raise RepeatedIdError(
                f"apply_credits invoices: account {show(invoice.account)} has two invoices "
                f"for {_cycle(invoice)} ({show(seen[key])} and {show(invoice)}); give each "
                "account's invoice of a cycle once."
            )
        seen[key] = invoice
        if invoice.credits:
            paid = ", ".join(show(line.credit) for line in invoice.credits)
            raise BadQuantityError(
                f"apply_credits invoices: the invoice of account {show(invoice.account)} for "
                f"{_cycle(invoice)} was credited already (credit lines {paid}); apply credits "
                "once, to invoices without credit lines (a statement's, or bill()'s without "
                "credits)."
            )
    order = sorted(range(len(given)), key=lambda i: _order(given[i]))
    credited = credit_invoices([given[i] for i in order], grants)
    out: list[Invoice | None] = [None] * len(given)
    for place, invoice in zip(order, credited, strict=True):
        out[place] = invoice
    return tuple(invoice for invoice in out if invoice is not None)


def _order(invoice: Invoice) -> tuple[str, int, int]:
    cycle = invoice.cycle
    return (invoice.account, cycle.start_us, cycle.end_us)


def _cycle(invoice: Invoice) -> str:
    return f"{format_us(invoice.cycle.start_us)}..{format_us(invoice.cycle.end_us)}"
