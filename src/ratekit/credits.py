"""Credits: money granted to an account that pays its invoices before the account does.

A [`Credit`][ratekit.Credit] is granted once, or renewed every billing cycle (Aquarium's monthly
credits), optionally expires, and has a priority. [`bill()`][ratekit.bill] applies credits
to each invoice **after** everything else on it (usage, fees, minimum commitments and
shared parts), to the invoice's rounded total, in this order:

1. higher ``priority`` first;
2. then the balance that expires first (a credit that never expires comes last);
3. then the earlier grant, then the credit's ``id``.

Each credit pays as much of what is still due as its balance allows, so a total never
goes below zero. What is left of a one-time credit carries to the account's next
invoices until it expires; a renewing credit grants its ``amount`` afresh in every cycle
and what is left of a cycle's grant lapses at the end of that cycle. A credit is
available to the invoice of every cycle that overlaps its life ``[start, expires)``.
The invoice shows one [`CreditLine`][ratekit.CreditLine] per credit available to it: what it paid and
the balance left.

Examples:
    >>> import ratekit as rk
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 30)])
    >>> welcome = rk.Credit("welcome", "acme", 50, "EUR", start="2026-03-01T00:00:00Z")
    >>> (invoice,) = rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=march), credits=[welcome])
    >>> invoice.subtotal, invoice.total
    (Decimal('30.00'), Decimal('0.00'))
    >>> invoice.credits
    (CreditLine('welcome', applied=30.00, left=20.00),)
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs

from . import _values as _v
from ._call_arguments import checked
from ._caller_objects import read_once
from ._decimals import CONTEXT, ZERO, to_decimal, to_int
from ._entry_points import plain_text
from ._instants import MAX_US, format_us, from_us, to_us
from ._shown import show
from ._text import name_text
from .currencies import currency_code
from .errors import (
    BadQuantityError,
    BadTimeError,
    CurrencyMismatchError,
    RatekitTypeError,
    RepeatedIdError,
)
from .render import plain
from .spans import Span

__all__ = ["Credit", "CreditLine", "credits_left"]

_SUB: Final = CONTEXT.subtract
#: The most digits a grant may have on its invoice's quantum: balances are kept on the
#: quantum in ratekit's 60-digit context, with room to spare for the sums of a bill.
_MAX_DIGITS: Final = 50


def _amount(value: object, field: str = "amount") -> Decimal:
    # The door refuses 1E+30 and more (and non-zero magnitudes below 1E-30); what it takes
    # may still have more than 50 decimal places, never a whole number of any quantum.
    amount = to_decimal(value, f"Credit {field}")
    if (Fraction(amount) * 10**_MAX_DIGITS).denominator != 1:
        raise BadQuantityError(
            f"Credit {field} has more than {_MAX_DIGITS} decimal places; grant a whole "
            "number of the currency's quantum, such as '0.01' for EUR."
        )
    if amount <= 0:
        raise BadQuantityError(
            f"Credit {field} must be greater than 0, not {show(plain(amount))}; "
            "a credit pays invoices, it does not charge them."
        )
    return amount


def _granted(value: object) -> Decimal | None:
    return None if value is None else _amount(value, "granted")


def _start(value: object) -> _dt.datetime:
    return from_us(to_us(value, "Credit start"))


def _expires(value: object) -> _dt.datetime | None:
    return None if value is None else from_us(to_us(value, "Credit expires"))


def _text(value: object, what: str) -> str:
    return name_text(value, f"Credit {what}")


def _id(value: object) -> str:
    return _text(value, "id")


def _account(value: object) -> str:
    return _text(value, "account")


def _currency(value: object) -> str:
    return currency_code(value, "Credit currency")


def _priority(value: object) -> int:
    return to_int(value, "Credit priority", "a whole number (higher is spent first; 0 by default)")


def _renews(value: object) -> bool:
    if not isinstance(value, bool):
        raise RatekitTypeError(
            f"Credit renews must be True (granted anew every cycle) or False (granted once), "
            f"not {type(value).__name__}: {show(value)}."
        )
    return value


@typing.final
@attrs.frozen(repr=False)
class Credit:
    """Money granted to ``account``, in ``currency``, that pays its invoices.

    - ``id``: names the credit on invoices (unique per account: the lists of credits
      [`bill()`][ratekit.bill] and [`credits_left()`][ratekit.credits_left] take refuse
      one id twice for an account);
    - ``amount``: what is granted (greater than 0; a multiple of the currency's quantum);
    - ``start``: when it is granted (an aware instant or an ISO string);
    - ``expires``: when what is left of it lapses (``None``: never); the credit is
      available to the invoices of the cycles that overlap ``[start, expires)``;
    - ``priority``: credits of higher priority are spent first;
    - ``renews``: granted anew, ``amount`` each cycle from ``start`` on (until
      ``expires``), each cycle's grant lapsing at that cycle's end, or at ``expires`` if
      that comes first (its [`CreditLine`][ratekit.CreditLine] says so); every cycle that
      overlaps ``[start, expires)`` gets the whole amount, the cycles in which ``start``
      and ``expires`` fall included (a grant is not prorated). A renewing credit carries
      no balance, so it takes no ``granted``;
    - ``granted``: for a balance carried over by [`credits_left()`][ratekit.credits_left],
      what was first granted (``None``: ``amount`` is the grant). The grant is what must
      be a whole number of each invoice's quantum; a balance off it (7.65 left on 0.05
      before a plan on whole francs) pays in whole quanta and keeps the rest, as billing
      the cycles together does.

    Errors: a non-positive or non-numeric amount, or a ``granted`` on a renewing credit,
    raises [`BadQuantityError`][ratekit.BadQuantityError]; an ``expires`` not after
    ``start`` (renewing or not), or a naive instant, raises
    [`BadTimeError`][ratekit.BadTimeError]; a ``priority`` that is not an ``int``,
    or a ``renews`` that is not a ``bool``, raises [`RatekitTypeError`][ratekit.RatekitTypeError].
    When billed: a currency other than the invoice's raises
    [`CurrencyMismatchError`][ratekit.CurrencyMismatchError]; an amount that is not a whole number of the
    invoice's quantum, or has more than 50 digits on it, raises
    [`BadQuantityError`][ratekit.BadQuantityError].

    Examples:
        >>> import ratekit as rk
        >>> rk.Credit("monthly", "acme", 20, "EUR", start="2026-01-01T00:00:00Z", renews=True)
        Credit('monthly', 'acme', 20 EUR, start='2026-01-01T00:00:00Z', renews=True)
    """

    id: str = attrs.field(converter=_id)
    account: str = attrs.field(converter=_account)
    amount: Decimal = attrs.field(converter=_amount)
    currency: str = attrs.field(converter=_currency)
    start: _dt.datetime = attrs.field(converter=_start)
    expires: _dt.datetime | None = attrs.field(default=None, converter=_expires)
    priority: int = attrs.field(default=0, converter=_priority)
    renews: bool = attrs.field(default=False, converter=_renews)
    granted: Decimal | None = attrs.field(default=None, converter=_granted)

    def __attrs_post_init__(self) -> None:
        if self.granted is not None and self.granted < self.amount:
            raise BadQuantityError(
                f"Credit {show(self.id)} has {plain(self.amount)} {self.currency} left of a grant "
                f"of {plain(self.granted)}; a balance cannot exceed its grant (give granted "
                "at least the amount, or None when the amount is the grant)."
            )
        if self.renews and self.granted is not None:
            raise BadQuantityError(
                f"Credit {show(self.id)} renews and has granted={plain(self.granted)}: a renewing "
                "credit grants its amount afresh every cycle and carries no balance, so it "
                "has no first grant to keep; give granted=None (only a one-time credit's "
                "balance carried by credits_left has one)."
            )
        if self.expires is not None and self.expires <= self.start:
            raise BadTimeError(
                f"Credit {show(self.id)} expires at {format_us(to_us(self.expires, 'expires'))}, "
                f"not after its start {format_us(to_us(self.start, 'start'))}; give an "
                "expiry after the start, or None for a credit that never expires."
            )

    @property
    def life(self) -> Span:
        """``[start, expires)``: when the credit can pay (open-ended: up to the far future)."""
        end = MAX_US if self.expires is None else to_us(self.expires, "expires")
        return Span.from_us(to_us(self.start, "start"), end)

    @plain_text
    def __repr__(self) -> str:
        text = (
            f"Credit({self.id!r}, {self.account!r}, {plain(self.amount)} {self.currency}, "
            f"start={format_us(to_us(self.start, 'start'))!r}"
        )
        if self.expires is not None:
            text += f", expires={format_us(to_us(self.expires, 'expires'))!r}"
        if self.priority:
            text += f", priority={self.priority}"
        if self.renews:
            text += ", renews=True"
        if self.granted is not None:
            text += f", granted={plain(self.granted)}"
        return text + ")"


@typing.final
@attrs.frozen(repr=False)
class CreditLine:
    """What one credit did on one invoice: the balance before, what it paid, what is left.

    ``credit`` is the credit's id; ``available`` the balance it had for this invoice
    (for a renewing credit: this cycle's grant); ``applied`` what it paid;
    ``left = available - applied``, which carries to the next invoice until
    ``expires`` (for a renewing credit: the end of this cycle, or the credit's own
    ``expires`` when that comes first).

    Checked when built (and so when read back by [`from_row()`][ratekit.from_row]):
    ``available`` is 0 or more, ``applied`` lies between 0 and ``available`` (a credit
    pays at most its balance, and never adds to what is due), and ``left`` is exactly
    ``available - applied``; otherwise [`BadQuantityError`][ratekit.BadQuantityError]
    names the field and what it would accept, so a stored line changed by hand cannot
    carry more credit to [`credits_left()`][ratekit.credits_left] than was granted.

    Examples:
        >>> import ratekit as rk
        >>> from decimal import Decimal
        >>> rk.CreditLine("welcome", Decimal("50"), Decimal("30"), Decimal("20"), None)
        CreditLine('welcome', applied=30, left=20)
        >>> rk.CreditLine("welcome", Decimal("50"), Decimal("30"), Decimal("25"), None)
        Traceback (most recent call last):
        ratekit.BadQuantityError: CreditLine left 25 (credit 'welcome') is not available 50 less applied 30, which is 20; ...
    """

    credit: str = attrs.field(validator=_v.name)
    available: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    applied: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    left: Decimal = attrs.field(
        converter=_v.number, validator=[_v.numeric, lambda line, _, __: _balanced(line)]
    )
    expires: _dt.datetime | None = attrs.field(
        converter=_v.optional_instant, validator=_v.optional_aware
    )

    @plain_text
    def __repr__(self) -> str:
        return (
            f"CreditLine({self.credit!r}, applied={plain(self.applied)}, left={plain(self.left)})"
        )


def _balanced(line: CreditLine) -> None:  # run by ``left``'s validator, after the others
    """Refuse a credit line whose amounts do not keep ``0 <= applied <= available``, ``left``."""
    name = f"(credit {show(line.credit)})"
    available, applied, left = line.available, line.applied, line.left
    if available < 0:
        raise BadQuantityError(
            f"CreditLine available {plain(available)} {name} is below 0; the balance a credit had for "
            "an invoice is 0 or more."
        )
    if not 0 <= applied <= available:
        raise BadQuantityError(
            f"CreditLine applied {plain(applied)} {name} is not between 0 and available "
            f"{plain(available)}; a credit pays at most its balance, and never less than 0."
        )
    exact = Fraction(available) - Fraction(applied)
    if Fraction(left) != exact:
        raise BadQuantityError(
            f"CreditLine left {plain(left)} {name} is not available {plain(available)} less applied "
            f"{plain(applied)}, which is {plain(CONTEXT.subtract(available, applied))}; "
            "left must be exactly available - applied."
        )


@checked
def credits_left(
    credits: Iterable[Credit],  # noqa: A002 (the word users look for; builtin unused here)
    invoices: Iterable[_Billed],
) -> tuple[Credit, ...]:
    """The credits as they stand after ``invoices``: for billing the next cycles later.

    A host that bills one cycle at a time passes the credits to [`bill()`][ratekit.bill],
    then keeps ``credits_left(credits, invoices)`` for the next call: each one-time
    credit's ``amount`` becomes what its line on the latest of these invoices left, and its
    ``granted`` what was first granted (a spent credit is dropped; the invoices may come
    in any order); renewing credits, and credits these invoices did not use, are
    kept as they are. O(n + c) for n invoice lines and c credits.

    Two credits of one account with one id (equal or not: the balance would be carried
    twice) raise [`BadQuantityError`][ratekit.BadQuantityError] naming both, before the
    invoices are read, as [`bill()`][ratekit.bill] refuses them; pass on the credits
    returned instead of those given, not beside them.

    Examples:
        >>> import ratekit as rk
        >>> months = rk.cycles.monthly(tz="UTC")
        >>> plan = rk.Plan("p", "EUR", months, [], fees=[rk.Fee("base", 30)])
        >>> welcome = [rk.Credit("welcome", "acme", 50, "EUR", start="2026-03-01T00:00:00Z")]
        >>> march = rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=months.containing("2026-03-02T00:00:00Z")), credits=welcome)
        >>> rk.credits_left(welcome, march)
        (Credit('welcome', 'acme', 20.00 EUR, start='2026-03-01T00:00:00Z', granted=50),)
    """
    given: tuple[tuple[str, object], ...] = (("credits", credits), ("invoices", invoices))
    read: list[list[typing.Any]] = []
    for what, values in given:
        if not isinstance(values, Iterable) or isinstance(values, str | bytes):
            raise RatekitTypeError(
                f"credits_left {what} must be a list, not {type(values).__name__}: {show(values)}."
            )
        # read once: a caller's own iterable may raise anything, named here
        read.append(read_once(values, f"credits_left {what}", type(values).__name__, "a list"))
    credits, invoices = read  # noqa: A001 - the argument, read once
    for credit in credits:
        if not isinstance(credit, Credit):
            raise RatekitTypeError(
                f"credits_left takes Credit values, not {type(credit).__name__}: {show(credit)}."
            )
    refuse_repeated_ids(credits, "credits_left credits")
    left: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for invoice in invoices:
        if not all(hasattr(invoice, name) for name in ("account", "cycle", "credits")):
            raise RatekitTypeError(
                "credits_left takes the invoices bill returned, not "
                f"{type(invoice).__name__}: {show(invoice)}."
            )
        start_us = invoice.cycle.start_us
        for line in invoice.credits:
            key = (invoice.account, line.credit)
            if key not in left or left[key][0] <= start_us:
                left[key] = (start_us, line.left)
    out = []
    for credit in credits:
        latest = left.get((credit.account, credit.id))
        balance = None if latest is None else latest[1]
        if credit.renews or balance is None:
            out.append(credit)
        elif balance > 0:
            granted = credit.amount if credit.granted is None else credit.granted
            out.append(attrs.evolve(credit, amount=balance, granted=granted))
    return tuple(out)


def refuse_repeated_ids(credits: Iterable[Credit], where: str) -> None:  # noqa: A002
    """Refuse two credits of one account with one id: the door of every list of credits.

    An id is unique per account (two accounts may each have a ``'welcome'``): twice, the
    credit would be spent, or its balance carried, twice. Equal credits are refused too,
    since a grant given twice may mean two grants. O(c) for c credits.
    """
    seen: dict[tuple[str, str], Credit] = {}
    for credit in credits:
        key = (credit.account, credit.id)
        first = seen.get(key)
        if first is not None:
            both = (
                f"both {_brief(first)}"
                if first == credit
                else f"{_brief(first)} and {_brief(credit)}"
            )
            raise RepeatedIdError(
                f"{where}: account {show(credit.account)} has two credits with id "
                f"{show(credit.id)}, {both}; give each credit of an account its own id (and "
                "pass on a balance credits_left kept instead of the credit it came from, not "
                "beside it)."
            )
        seen[key] = credit


def _brief(credit: Credit) -> str:
    """A credit told by what is not its id and account: ``50 EUR from 2026-03-01T00:00:00Z``."""
    text = f"{plain(credit.amount)} {credit.currency} from {format_us(to_us(credit.start))}"
    if credit.expires is not None:
        text += f" to {format_us(to_us(credit.expires))}"
    if credit.priority:
        text += f", priority {credit.priority}"
    if credit.renews:
        text += ", renewing"
    if credit.granted is not None:
        text += f", granted {plain(credit.granted)}"
    return text


class _Billed(typing.Protocol):
    """What [`credits_left()`][ratekit.credits_left] reads of an invoice."""

    @property
    def account(self) -> str: ...

    @property
    def cycle(self) -> Span: ...

    @property
    def credits(self) -> tuple[CreditLine, ...]: ...


class _Balance:
    """A balance being spent (private, mutable): one credit, or one cycle's renewal."""

    __slots__ = ("credit", "end_us", "left", "start_us")

    def __init__(self, credit: Credit, left: Decimal, start_us: int, end_us: int) -> None:
        self.credit = credit
        self.left = left
        self.start_us = start_us
        self.end_us = end_us

    def order(self) -> tuple[int, int, int, str]:
        return (-self.credit.priority, self.end_us, self.start_us, self.credit.id)


def spend(
    grants: Sequence[Credit], invoices: Iterable[tuple[Span, str, Decimal, Decimal]]
) -> list[tuple[Decimal, tuple[CreditLine, ...]]]:
    """Apply one account's credits (``grants``) to its invoices, in cycle order.

    ``invoices`` are ``(cycle, currency, quantum, total)`` in cycle order; returns, per
    invoice, the total after credits and the credit lines. O(n·c log c) for n invoices
    and c credits.
    """
    refuse_repeated_ids(grants, "bill credits")
    once = [_Balance(c, c.amount, *_bounds(c)) for c in grants if not c.renews]
    renewing = [c for c in grants if c.renews]
    out = []
    for cycle, currency, quantum, total in invoices:
        lo, hi = cycle.start_us, cycle.end_us
        here = [b for b in once if b.start_us < hi and lo < b.end_us and b.left > 0]
        for credit in renewing:
            start_us, end_us = _bounds(credit)
            if start_us < hi and lo < end_us:
                # This cycle's grant lapses at its end, or when the credit expires.
                here.append(_Balance(credit, credit.amount, max(lo, start_us), min(hi, end_us)))
        due = total
        lines = []
        for balance in sorted(here, key=_Balance.order):
            credit = balance.credit
            if credit.currency != currency:
                raise CurrencyMismatchError(
                    f"credit {show(credit.id)} of account {show(credit.account)} is in "
                    f"{credit.currency}, but its invoice for {format_us(lo)}..{format_us(hi)} "
                    f"is in {currency}; grant credits in the currency of the account's plan."
                )
            _check_amount(credit, currency, quantum)
            available = balance.left
            applied = _whole_quanta(min(available, due), quantum) if due > 0 else _on(ZERO, quantum)
            balance.left = _SUB(available, applied)
            due = _SUB(due, applied)
            expires = None if balance.end_us == MAX_US else from_us(balance.end_us)
            lines.append(
                CreditLine(
                    credit.id,
                    _on(available, quantum),
                    applied,
                    _on(balance.left, quantum),
                    expires,
                )
            )
        out.append((due, tuple(lines)))
    return out


def _on(balance: Decimal, quantum: Decimal) -> Decimal:
    """``balance`` written on the quantum's exponent when that keeps its value, else as is.

    A balance left on another plan's quantum (7.65 left on 0.05 before a change to a
    plan on whole francs) is never rounded to this invoice's (8).
    """
    written = balance.quantize(quantum, context=CONTEXT)
    return written if written == balance else balance


def _whole_quanta(value: Decimal, quantum: Decimal) -> Decimal:
    """The most whole quanta not above ``value`` (> 0): what a credit may pay of it.

    Rounding to the nearest could pay more than is due: an invoice rounded on whole
    euros that holds a shared part on the cent (13.50) would be paid 14 and total -0.50.
    """
    return CONTEXT.multiply(CONTEXT.divide_int(value, quantum), quantum).quantize(
        quantum, context=CONTEXT
    )


def _check_amount(credit: Credit, currency: str, quantum: Decimal) -> None:
    """Refuse a grant that is not a whole number of quanta, or too long to count in.

    A balance carried over (``granted`` set) is checked by its grant, as billing the
    cycles together checks it: what is left of it off the quantum is kept, not refused.
    """
    grant = credit.amount if credit.granted is None else credit.granted
    # digits the amount has when written on the quantum: 1E+58 on 0.01 needs 61
    digits = grant.adjusted() - quantum.adjusted() + 1
    if digits > _MAX_DIGITS:
        raise BadQuantityError(
            f"credit {show(credit.id)} of account {show(credit.account)} grants "
            f"{plain(grant)} {currency}, which has {digits} digits on the invoice's "
            f"quantum {plain(quantum)}; grant at most {_MAX_DIGITS} digits on it (less than "
            f"10^{quantum.adjusted() + _MAX_DIGITS} {currency})."
        )
    if Fraction(grant) % Fraction(quantum) != 0:
        raise BadQuantityError(
            f"credit {show(credit.id)} of account {show(credit.account)} grants "
            f"{plain(grant)} {currency}, which is not a whole number of the "
            f"invoice's quantum {plain(quantum)}; round the credit to {plain(quantum)}."
        )


def _bounds(credit: Credit) -> tuple[int, int]:
    life = credit.life
    return life.start_us, life.end_us
