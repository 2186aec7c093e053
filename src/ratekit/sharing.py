"""Shared charges: one resource's charges split among several accounts by shares.

Seed 004's shared files and disk images are used by several users at once, so their
charges are split. A [`Share`][ratekit.Share] names the resource **and the account whose records
name it** (its ``owner``): sharing is always explicit, so without a share no account's
records change another account's charges, even where two accounts use the same resource
id.

Shares are given to [`rate()`][ratekit.rate] (``rate(..., shares=[...])``), which records
them in its [`Rating`][ratekit.Rating]; [`bill()`][ratekit.bill] of that rating splits by
them. [`bill()`][ratekit.bill] takes the owner's usage charges of the shared resource out of the
owner's lines and, per cycle, meter and price entry, rounds their exact sum **once** on
the currency quantum (the *whole*), then splits the whole among the holders in
proportion to their shares by the largest remainder: each part is its exact share
rounded down to the quantum, and the quanta left over go one each to the largest
remainders (ties: the holders in the order of their account ids). The parts add up to
the whole exactly, and no part differs from its exact share by a quantum or more. Each
holder's invoice gets a ``"shared"`` line that says its part and what it is part of.
Tiers are settled at rating time, on the owner's usage. A minimum commitment counts
what its account pays: [`rate()`][ratekit.rate] counts towards the owner's minimum only
the owner's own part of a shared charge (``amount * part``, the exact fraction
[`Share.part()`][ratekit.Share.part] of the owner), so an owner whose minimum is due pays
its commitment, no more and no less, whatever others hold. A holder's part of
another account's resource is priced under the owner's plan and does not count towards
the holder's minimums. So the charges must be split by the shares they were rated with:
[`bill()`][ratekit.bill] given other shares than its rating's (also shares for a rating rated
without any, or shares with bare charges) raises
[`ShareMismatchError`][ratekit.ShareMismatchError].

Examples:
    >>> import ratekit as rk
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("disk", "gb.hours", rk.PerUnit("0.01"))])
    >>> rows = [rk.UsageRow("acme", "gb.hours", "image-1", march, march, 1000, "GB*hour", {}, ())]
    >>> share = rk.Share("acme", "image-1", {"acme": 1, "beta": 1, "gamma": 1})
    >>> for invoice in rk.bill(rk.rate(rows, plan, span=march, shares=[share])):
    ...     print(invoice.account, invoice.lines[0].label, invoice.lines[0].amount, "of", invoice.lines[0].whole)
    acme gb.hours · disk · image-1 (shared 1/3) 3.34 of 10.00
    beta gb.hours · disk · image-1 (shared 1/3) 3.33 of 10.00
    gamma gb.hours · disk · image-1 (shared 1/3) 3.33 of 10.00
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs

from ._caller_objects import read_items, read_once
from ._decimals import CONTEXT, ZERO, to_decimal
from ._entry_points import plain_text
from ._instants import MAX_US, MIN_US, format_us, from_us, to_us
from ._shown import show
from ._text import name_text
from .errors import (
    BadPriceError,
    BadQuantityError,
    BadTimeError,
    RatekitTypeError,
    RepeatedIdError,
)
from .render import plain
from .spans import Span

__all__ = ["Share"]

#: Shares span at most this many digits, so their sum is exact in ratekit's context.
_MAX_DIGITS: Final = 50


def _name(value: object, what: str) -> str:
    return name_text(value, f"Share {what}")


def _start(value: object) -> _dt.datetime | None:
    return None if value is None else from_us(to_us(value, "Share start"))


def _end(value: object) -> _dt.datetime | None:
    return None if value is None else from_us(to_us(value, "Share end"))


def _meter(value: object) -> str | None:
    return None if value is None else _name(value, "meter")


def _owner(value: object) -> str:
    return _name(value, "owner")


def _resource(value: object) -> str:
    return _name(value, "resource")


def _shares(value: object) -> tuple[tuple[str, Decimal], ...]:
    if isinstance(value, Mapping):  # read once: a caller's own mapping may raise anything
        kind = "mapping" if type(value) is dict else f"mapping ({type(value).__name__})"
        items = read_items(value, "Share shares", kind, "a dict of accounts to shares")
    elif isinstance(value, list | tuple):
        items = read_once(value, "Share shares", type(value).__name__, "a list of pairs")
    else:
        raise RatekitTypeError(
            "Share shares must be a mapping from account to share, like "
            f"{{'acme': 2, 'beta': 1}}, not {type(value).__name__}: {show(value)}."
        )
    out: dict[str, Decimal] = {}
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2):
            raise RatekitTypeError(
                f"Share shares must be (account, share) pairs, not {show(item)}."
            )
        account, weight = item  # a list pair too: shares read from JSON
        account = _name(account, "account")
        amount = to_decimal(weight, f"Share share of account {show(account)}")
        if amount <= 0:
            raise BadQuantityError(
                f"Share share of account {show(account)} must be greater than 0, not "
                f"{show(str(amount))}; leave out an account that pays nothing."
            )
        if account in out:
            raise RepeatedIdError(
                f"Share names account {show(account)} twice, with shares "
                f"{CONTEXT.to_sci_string(out[account])} and {CONTEXT.to_sci_string(amount)}; "
                "give it one share."
            )
        out[account] = amount
    if not out:
        raise BadQuantityError("Share needs at least one account to pay for the resource.")
    top = max(weight.adjusted() for weight in out.values())
    low = min(_lowest_place(weight) for weight in out.values())
    if top - low + 1 > _MAX_DIGITS:
        raise BadQuantityError(
            f"Share shares span {top - low + 1} digits from the largest place to the smallest "
            f"({', '.join(f'{show(a)}: {CONTEXT.to_sci_string(w)}' for a, w in sorted(out.items()))}); "
            "shares are "
            f"relative, so write them within {_MAX_DIGITS} digits (1, 1, 1 for thirds)."
        )
    return tuple(sorted(out.items()))


def _lowest_place(value: Decimal) -> int:
    """The exponent of the last non-zero digit of ``value`` (``1.50`` -> -1)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: to_decimal refuses the rest
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return exponent + zeros


@typing.final
@attrs.frozen(repr=False)
class Share:
    """The charges of ``owner``'s ``resource`` split among accounts by ``shares``.

    - ``owner``: the account whose records name the resource (its charges are split);
    - ``resource``: the resource id;
    - ``shares``: account -> share (any positive numbers; ``{"acme": 2, "beta": 1}``
      gives acme two thirds); the owner pays only if it is listed;
    - ``meter``: only this meter's charges (``None``: every meter of the resource);
    - ``start``, ``end``: only the charges inside ``[start, end)`` (``None``: unbounded),
      so the holders can change over time; start and end a share at cycle boundaries,
      where every charge is cut (a charge across a share's bound is refused).

    Errors: a share that is not a positive number raises
    [`BadQuantityError`][ratekit.BadQuantityError]; an empty list of accounts too; an account
    given twice (in a list of pairs) a [`RepeatedIdError`][ratekit.RepeatedIdError], a
    `BadQuantityError` naming it and both shares; an ``end`` not
    after ``start`` raises [`BadTimeError`][ratekit.BadTimeError]. [`rate()`][ratekit.rate] (and
    [`bill()`][ratekit.bill] given shares) raises [`BadPriceError`][ratekit.BadPriceError] for two
    shares of one meter of a resource at the same time; ``bill()`` for a charge that
    crosses a share's bound. Shares of a resource and meter that split alike (the same
    accounts in the same proportions) in two periods of a cycle split one whole.

    Examples:
        >>> import ratekit as rk
        >>> rk.Share("acme", "image-1", {"beta": 1, "acme": 2})
        Share('acme', 'image-1', {'acme': 2, 'beta': 1})
        >>> rk.Share("acme", "image-1", {"acme": 2}).part("acme")
        Fraction(1, 1)
    """

    owner: str = attrs.field(converter=_owner)
    resource: str = attrs.field(converter=_resource)
    shares: tuple[tuple[str, Decimal], ...] = attrs.field(converter=_shares)
    meter: str | None = attrs.field(default=None, converter=_meter)
    start: _dt.datetime | None = attrs.field(default=None, converter=_start, kw_only=True)
    end: _dt.datetime | None = attrs.field(default=None, converter=_end, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise BadTimeError(
                f"Share of {show(self.owner)}'s resource {show(self.resource)} ends at "
                f"{format_us(to_us(self.end))}, not after its start "
                f"{format_us(to_us(self.start))}; give an end after the start, or None."
            )

    @property
    def span(self) -> Span:
        """``[start, end)``: the charges the share splits lie in it (open ends: unbounded)."""
        start_us = MIN_US if self.start is None else to_us(self.start)
        end_us = MAX_US if self.end is None else to_us(self.end)
        return Span.from_us(start_us, end_us)

    @property
    def total(self) -> Decimal:
        """The sum of the shares."""
        total = ZERO
        for _, weight in self.shares:
            total = CONTEXT.add(total, weight)
        return total

    def part(self, account: str) -> Fraction:
        """The exact fraction of the resource's charges ``account`` pays (a ``Fraction``).

        Examples:
            >>> import ratekit as rk
            >>> rk.Share("acme", "image-1", {"acme": 2, "beta": 1}).part("beta")
            Fraction(1, 3)

        Raises [`RatekitTypeError`][ratekit.RatekitTypeError] when ``account`` is not a str.
        """
        if type(account) is not str:
            raise RatekitTypeError(
                f"Share.part account (share of resource {show(self.resource)}, owner "
                f"{show(self.owner)}) must be a str (an account name), "
                f"not {type(account).__name__}: {show(account)}."
            )
        return self._part(account)

    def _part(self, account: str) -> Fraction:
        """[`part()`][ratekit.Share.part] of a checked account name (the billing path)."""
        weight = dict(self.shares).get(account, ZERO)
        return Fraction(weight) / Fraction(self.total)

    @plain_text
    def __repr__(self) -> str:
        shares = ", ".join(f"{account!r}: {plain(weight)}" for account, weight in self.shares)
        extra = "" if self.meter is None else f", meter={self.meter!r}"
        if self.start is not None:
            extra += f", start={format_us(to_us(self.start))!r}"
        if self.end is not None:
            extra += f", end={format_us(to_us(self.end))!r}"
        return f"Share({self.owner!r}, {self.resource!r}, {{{shares}}}{extra})"


def read_shares(shares: object, what: str) -> tuple[Share, ...]:
    """``shares`` as a tuple of [`Share`][ratekit.Share] values, read once; else an error.

    ``what`` names the argument in the error (``"rate shares"``). O(n).
    """
    if not isinstance(shares, Iterable) or isinstance(shares, str | bytes | Mapping):
        raise RatekitTypeError(
            f"{what} must be a list of Share values ([] for none), not "
            f"{type(shares).__name__}: {show(shares)}; wrap a single Share in a list."
        )
    out = tuple(read_once(shares, what, type(shares).__name__, "a list of Share values"))
    for share in out:
        if not isinstance(share, Share):
            raise RatekitTypeError(
                f"{what} must be Share values, not {type(share).__name__}: {show(share)}."
            )
    return out


def shares_by_owner(shares: object, what: str) -> dict[tuple[str, str], list[Share]]:
    """The shares per ``(owner, resource)``, in the order given; anything else is refused.

    ``what`` names the argument in the error (``"rate shares"``). Two shares of one meter
    of a resource at the same time raise [`BadPriceError`][ratekit.BadPriceError].
    O(n * k) for n shares and at most k per resource.
    """
    out: dict[tuple[str, str], list[Share]] = {}
    for share in read_shares(shares, what):
        owned = out.setdefault((share.owner, share.resource), [])
        for other in owned:
            meters_meet = other.meter is None or share.meter is None or other.meter == share.meter
            if meters_meet and other.span.overlaps(share.span):
                raise BadPriceError(
                    f"two shares split the charges of account {show(share.owner)}'s resource "
                    f"{show(share.resource)} (meters {show(other.meter)} and {show(share.meter)}) at the "
                    "same time; give each meter of a resource one share at a time."
                )
        owned.append(share)
    return out


def owner_part(
    by_owner: Mapping[tuple[str, str], list[Share]],
    account: str,
    resource: str | None,
    meter: str | None,
    span: Span,
) -> Fraction | None:
    """The part of a charge its account pays when a share splits it, else ``None``.

    The share is the one of ``(account, resource)`` for ``meter`` (or every meter) whose
    span holds the charge's ``span``. O(shares of that resource).
    """
    if resource is None:
        return None
    for share in by_owner.get((account, resource), ()):
        if share.meter is not None and share.meter != meter:
            continue
        bounds = share.span
        if bounds.start_us <= span.start_us and span.end_us <= bounds.end_us:
            return share._part(account)
    return None


def splits_alike(by_owner: dict[tuple[str, str], list[tuple[int, Share]]]) -> dict[int, int]:
    """Each share's index -> the first index of a share that splits its charges alike.

    Alike: the same owner, resource and meter, and the same holders in the same
    proportions (``{"physics": 1}`` to 16 March and ``{"physics": 2}`` from it). Their
    charges of a cycle are one pool, whose exact sum is rounded once (docs/invoices.md,
    Shared charges): a share given again for another period bills what one share over
    both does. Proportions are compared only among an owner's shares of one resource and
    meter. O(shares x holders).
    """
    alike: dict[int, int] = {}
    for owned in by_owner.values():
        by_meter: dict[str | None, list[tuple[int, Share]]] = {}
        for index, share in owned:
            by_meter.setdefault(share.meter, []).append((index, share))
        for periods in by_meter.values():
            first: dict[frozenset[tuple[str, Fraction]], int] = {}
            for index, share in sorted(periods, key=lambda item: item[0]):
                if len(periods) == 1:
                    alike[index] = index
                    continue
                total = Fraction(share.total)
                split = frozenset(
                    (holder, Fraction(weight) / total) for holder, weight in share.shares
                )
                alike[index] = first.setdefault(split, index)
    return alike
