"""Percentage price models: a share of a money amount, as card processors charge.

[`GraduatedPercentage`][ratekit.GraduatedPercentage] takes a percent of each part of a cycle's amount, tier by
tier; [`Percentage`][ratekit.Percentage] prices individual transactions (a percent, a fixed fee, free
amounts and free transactions, a per-transaction minimum and maximum), each explained by a
[`TransactionLine`][ratekit.TransactionLine].
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs

from . import _values as _v
from ._caller_objects import read_once
from ._decimals import CONTEXT, ZERO, to_decimal
from ._entry_points import plain_text
from ._graduated import _graduated_amount
from ._shown import show
from .errors import BadPriceError, BadQuantityError, PriceTypeError, RatekitTypeError
from .prices import _HUNDRED, _marginal
from .tiers import (
    Number,
    Tier,
    TierLine,
    _after_free,
    _billable,
    _check_flag,
    _check_table,
    _graduated_lines,
    _non_negative,
    _optional_price,
    _price,
    _quantity,
)

__all__ = ["GraduatedPercentage", "Percentage", "TransactionLine"]


def _percentage_percent(value: Number) -> Decimal:
    return _price(value, "Percentage percent")


def _percentage_fixed_fee(value: Number) -> Decimal:
    return _price(value, "Percentage fixed_fee")


def _percentage_free_amount(value: Number) -> Decimal:
    return _non_negative(value, "Percentage free_amount")


def _percentage_minimum(value: Number | None) -> Decimal | None:
    return _optional_price(value, "Percentage minimum")


def _percentage_maximum(value: Number | None) -> Decimal | None:
    return _optional_price(value, "Percentage maximum")


@typing.final
@attrs.frozen(kw_only=True)
class TransactionLine:
    """One transaction priced by a [`Percentage`][ratekit.Percentage]: its amount and its charge.

    ``index`` is the transaction's position in the list; ``transaction`` its amount;
    ``billable`` the part of it above the free amount; ``percent`` the rate and
    ``percentage`` the rate applied to ``billable``; ``fee`` the fixed fee (0 when the transaction is among the free ones);
    ``bound`` is ``"minimum"`` or ``"maximum"`` when that per-transaction bound replaced the
    charge, else ``None``; ``amount`` is the exact charge.

    Examples:
        >>> import ratekit as rk
        >>> card = rk.Percentage("2.9", fixed_fee="0.30", minimum="0.50")
        >>> for line in card.explain_of(["100", "5"]):
        ...     print(line)
        transactions[0] 100: 2.9 % of 100 = 2.900 + 0.30 fee = 3.200
        transactions[1] 5: 2.9 % of 5 = 0.145 + 0.30 fee = 0.445, raised to the minimum 0.50
    """

    index: int = attrs.field(validator=_v.index)
    """The transaction's position in the priced list."""
    transaction: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    """The transaction amount."""
    billable: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    """The part of the transaction above the free amount (the rate applies to it)."""
    percent: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    """The rate, in percent."""
    percentage: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    """``percent / 100 * billable``."""
    fee: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    """The fixed fee charged (0 for a free transaction)."""
    bound: str | None = attrs.field(validator=_v.optional_kind_of("minimum", "maximum"))
    """``"minimum"`` or ``"maximum"`` when a per-transaction bound set the charge."""
    amount: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    """The transaction's exact charge."""

    @plain_text
    def __repr__(self) -> str:
        return f"TransactionLine({str(self)!r})"

    @plain_text
    def __str__(self) -> str:
        head = f"transactions[{self.index}] {self.transaction}: "
        if not self.billable and not self.fee and self.bound is None:
            return head + "free"
        if self.billable == self.transaction:
            body = f"{self.percent} % of {self.billable} = {self.percentage}"
        else:
            body = f"{self.percent} % of {self.billable} billable = {self.percentage}"
        if self.fee:
            body += f" + {self.fee} fee = {CONTEXT.add(self.percentage, self.fee)}"
        if self.bound is not None:
            verb = "raised" if self.bound == "minimum" else "capped"
            body += f", {verb} to the {self.bound} {self.amount}"
        return head + body


def _percent_tier(item: Tier | Mapping[str, typing.Any] | Sequence[typing.Any]) -> Tier:
    if isinstance(item, Tier):
        if item.block is not None:
            raise BadPriceError(
                f"GraduatedPercentage tiers price an amount, not blocks; remove block from {show(item)}."
            )
        return item
    if isinstance(item, Mapping):
        fields = dict(item)
        unknown = set(fields) - {"up_to", "percent", "flat"}
        if unknown:
            raise BadPriceError(
                f"a GraduatedPercentage tier takes up_to, percent and flat, not {sorted(unknown)}."
            )
        if "percent" not in fields:
            raise BadPriceError(
                f"a GraduatedPercentage tier needs its percent (0 for a free tier), not {show(item)}."
            )
        percent = fields.pop("percent")
        up_to, flat = fields.get("up_to"), fields.get("flat", ZERO)
    elif isinstance(item, Sequence) and not isinstance(item, str) and 2 <= len(item) <= 3:
        up_to, percent, flat = (*item, ZERO, ZERO)[:3]
    else:
        # a tuple of another length is a tier written wrong; anything else, a wrong type
        wrong = isinstance(item, str) or not isinstance(item, Sequence)
        raise (PriceTypeError if wrong else BadPriceError)(
            "a GraduatedPercentage tier is (up_to, percent) or (up_to, percent, flat), a "
            f"mapping of those fields or a Tier whose unit is percent / 100, not {show(item)}."
        )
    given = _price(percent, "GraduatedPercentage percent")
    if given and given.adjusted() < _LEAST_PERCENT:
        # its unit (percent / 100) would lie below the least number ratekit represents
        raise BadPriceError(
            f"GraduatedPercentage percent {show(percent)} is too small for a tier: its unit "
            "is percent / 100, at least 1E-30; give 0 or a percent of magnitude from 1E-28 "
            "up to but excluding 1E+30 (Percentage, one rate for the whole amount, takes smaller ones)."
        )
    return Tier(up_to, CONTEXT.divide(given, _HUNDRED), flat)


#: The least exponent of a tier's percent whose unit (percent / 100) ratekit represents.
_LEAST_PERCENT: typing.Final = -28


def _percent_table(tiers: Iterable[typing.Any]) -> tuple[Tier, ...]:
    if isinstance(tiers, (str, Tier)) or not isinstance(tiers, Iterable):
        raise PriceTypeError(f"tiers must be a sequence of tiers, not {show(tiers)}.")
    table = []
    given = read_once(tiers, "tiers", type(tiers).__name__, "a list of Tier values")
    for index, item in enumerate(given):
        try:
            table.append(_percent_tier(item))
        except PriceTypeError as error:  # a wrong type stays one, named by its place
            raise PriceTypeError(f"tiers[{index}]: {error}") from None
        except BadPriceError as error:
            raise BadPriceError(f"tiers[{index}]: {error}") from None
    return tuple(table)


@typing.final
@attrs.frozen(repr=False)
class GraduatedPercentage:
    """Graduated percentage tiers: a percent of each part of an amount, tier by tier.

    The quantity is a money amount (say, a cycle's transaction volume); tier ``i`` takes
    its ``percent`` of the part of the amount inside ``(lower, up_to]``, plus its ``flat``
    fee once the amount reaches it, exactly as [`Graduated`][ratekit.Graduated] does with a unit price
    of ``percent / 100``. Tiers are ``(up_to, percent)`` or ``(up_to, percent, flat)``
    tuples, mappings of those fields, or [`Tier`][ratekit.Tier] values whose ``unit`` is already
    ``percent / 100`` (no blocks). ``flat_at_zero`` and negative quantities behave as in
    [`Graduated`][ratekit.Graduated].

    Examples:
        >>> import ratekit as rk
        >>> fees = rk.GraduatedPercentage([(1000, "1", 200), (10000, "2", 300), (None, "3", 400)])
        >>> fees.amount(500)  # 1 % of 500 + 200
        Decimal('205.00')
        >>> fees.amount(1050)  # 1 % of 1000 + 200, 2 % of 50 + 300
        Decimal('511.00')
        >>> fees.percents
        (Decimal('1'), Decimal('2'), Decimal('3'))
    """

    tiers: tuple[Tier, ...] = attrs.field(converter=_percent_table)
    """The tier table, each ``unit`` being ``percent / 100``."""
    flat_at_zero: bool = attrs.field(default=True, kw_only=True)
    """Whether the first tier's flat fee is charged at a zero amount."""

    def __attrs_post_init__(self) -> None:
        if not self.tiers:  # the shared check's example is a unit price, not a percent
            raise BadPriceError(
                "GraduatedPercentage needs at least one tier; e.g. "
                "GraduatedPercentage([(None, '2.9')]) takes 2.9 % of every amount."
            )
        _check_table("GraduatedPercentage", self.tiers, open_last=True)
        _check_flag("GraduatedPercentage", "flat_at_zero", self.flat_at_zero)

    @property
    def percents(self) -> tuple[Decimal, ...]:
        """Each tier's rate, in percent."""
        return tuple(
            CONTEXT.multiply(tier.unit, _HUNDRED).normalize(CONTEXT) for tier in self.tiers
        )

    @property
    def linear(self) -> bool:
        """False: the rate depends on the cycle's total amount."""
        return False

    @plain_text
    def __repr__(self) -> str:
        items = ", ".join(
            f"({'None' if tier.up_to is None else repr(str(tier.up_to))}, {str(percent)!r}"
            + (f", {str(tier.flat)!r})" if tier.flat else ")")
            for tier, percent in zip(self.tiers, self.percents, strict=True)
        )
        extra = "" if self.flat_at_zero else ", flat_at_zero=False"
        return f"GraduatedPercentage([{items}]{extra})"

    def amount(self, quantity: Number) -> Decimal:
        """The sum over the tiers the amount reaches, exact.

        Examples:
            >>> import ratekit as rk
            >>> rk.GraduatedPercentage([(1000, "1"), (None, "0.5")]).amount(3000)
            Decimal('20.000')
        """
        return _graduated_amount(
            self.tiers, _quantity(quantity, "GraduatedPercentage"), self.flat_at_zero
        )

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """One line per tier the amount reaches; ``unit`` is ``percent / 100``.

        Examples:
            >>> import ratekit as rk
            >>> for line in rk.GraduatedPercentage([(1000, "1"), (None, "0.5")]).explain(3000):
            ...     print(line)
            tiers[0] (0, 1000]: 1000 * 0.01 = 10.00
            tiers[1] (1000, ∞): 2000 * 0.005 = 10.000
        """
        return self._lines(quantity, ZERO)

    def _lines(self, quantity: Number, floor: Decimal) -> tuple[TierLine, ...]:
        """`explain`'s lines from the tier that ends at or above ``floor`` on.

        The tiers ending below ``floor`` are left out: what a charge's marginal lines do
        without (see `ratekit.tiers._graduated_lines`). O(log t + lines) for t tiers.
        """
        return _graduated_lines(
            self.tiers, _quantity(quantity, "GraduatedPercentage"), self.flat_at_zero, floor
        )

    def marginal(self, quantity: Number, added: Number) -> Decimal:
        """``amount(q + a) - amount(q)``.

        Examples:
            >>> import ratekit as rk
            >>> rk.GraduatedPercentage([(1000, "1"), (None, "0.5")]).marginal(900, 200)
            Decimal('1.500')
        """
        return _marginal(self, quantity, added)


@typing.final
@attrs.frozen(repr=False)
class Percentage:
    """A percent of transaction amounts, with per-transaction terms (a card processor's fee).

    The model prices a *list of transaction amounts* with [`amount_of()`][ratekit.Percentage.amount_of] and
    [`explain_of()`][ratekit.Percentage.explain_of]. Transactions are taken in the order given:

    - ``percent`` applies to the part of each transaction above the ``free_amount``, which
      the transactions use up in order (the first 500 of volume free);
    - ``fixed_fee`` is charged per transaction, except on the first ``free_transactions``;
    - ``minimum`` and ``maximum`` bound each transaction's charge (percentage plus fee),
      except that a transaction left wholly free (all of it within the free amount and its
      fee waived or zero) costs nothing.

    ``amount(quantity)`` (the [`PriceModel`][ratekit.PriceModel] method, what rating calls with a cycle's
    summed quantity) reads the quantity as the cycle's total transaction amount:
    ``percent / 100 * max(quantity - free_amount, 0)``, which equals
    ``amount_of(transactions)`` for any transactions summing to it. Per-transaction terms
    cannot be computed from a total, so with a fixed fee, free transactions, a minimum or
    a maximum ([`per_transaction`][ratekit.Percentage.per_transaction] true), ``amount(quantity)`` raises
    [`BadPriceError`][ratekit.BadPriceError] rather than drop them: price the transactions with
    [`amount_of()`][ratekit.Percentage.amount_of], or put the fee on a separate count meter with [`PerUnit`][ratekit.PerUnit].
    A plain one (no free amount, no per-transaction terms) is linear, as
    [`PerUnit`][ratekit.PerUnit] is: a negative amount (a refund row) costs the percentage
    of it, below zero. Otherwise negative amounts raise
    [`BadQuantityError`][ratekit.BadQuantityError] (rating nets a refund against the
    cycle's total first).

    Examples:
        >>> import ratekit as rk
        >>> card = rk.Percentage("2.9", fixed_fee="0.30")
        >>> card.amount_of(["100.00", "20.00"])  # 2.900 + 0.30 + 0.580 + 0.30
        Decimal('4.08000')
        >>> rk.Percentage("1.5", free_amount=500).amount(2500)  # 1.5 % of 2000
        Decimal('30.000')
    """

    percent: Decimal = attrs.field(converter=_percentage_percent)
    """The rate, in percent (``"2.9"`` is 2.9 %)."""
    fixed_fee: Decimal = attrs.field(kw_only=True, default=ZERO, converter=_percentage_fixed_fee)
    """The fee charged per transaction (after the free transactions)."""
    free_amount: Decimal = attrs.field(
        kw_only=True, default=ZERO, converter=_percentage_free_amount
    )
    """The transaction amount, summed in order, on which no percentage is charged."""
    free_transactions: int = attrs.field(kw_only=True, default=0)
    """How many transactions, from the first, pay no fixed fee."""
    minimum: Decimal | None = attrs.field(kw_only=True, default=None, converter=_percentage_minimum)
    """The least a charged transaction costs, or ``None``."""
    maximum: Decimal | None = attrs.field(kw_only=True, default=None, converter=_percentage_maximum)
    """The most a transaction costs, or ``None``."""

    def __attrs_post_init__(self) -> None:
        count = self.free_transactions
        if isinstance(count, bool) or not isinstance(count, int):
            raise RatekitTypeError(
                "Percentage free_transactions must be a whole number (an int) 0 or more, "
                f"not {type(count).__name__}: {show(count)}."
            )
        count = int.__index__(count)  # the exact int: a subclass's comparisons may say anything
        object.__setattr__(self, "free_transactions", count)
        if count < 0:
            raise BadPriceError(
                f"Percentage free_transactions must be a whole number 0 or more, not {show(count)}."
            )
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise BadPriceError(
                f"Percentage minimum {show(str(self.minimum))} is above its maximum "
                f"{show(str(self.maximum))}; a transaction's charge must fit between them."
            )

    @property
    def rate(self) -> Decimal:
        """The rate as a fraction: ``percent / 100``."""
        return CONTEXT.divide(self.percent, _HUNDRED)

    @property
    def per_transaction(self) -> bool:
        """Whether any term needs the individual transactions (fee, free count, bounds)."""
        return bool(
            self.fixed_fee
            or self.free_transactions
            or self.minimum is not None
            or self.maximum is not None
        )

    @property
    def linear(self) -> bool:
        """True when the amount is ``rate * quantity`` (no free amount, no per-transaction terms)."""
        return not self.free_amount and not self.per_transaction

    @plain_text
    def __repr__(self) -> str:
        parts = [repr(str(self.percent))]
        for name in ("fixed_fee", "free_amount", "minimum", "maximum"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}={str(value)!r}")
        if self.free_transactions:
            parts.append(f"free_transactions={self.free_transactions}")
        return f"Percentage({', '.join(parts)})"

    def _total(self, quantity: Number) -> Decimal:
        if self.per_transaction:
            raise BadPriceError(
                f"{show(self)} has per-transaction terms (fixed fee, free transactions, minimum or "
                "maximum) that a total amount cannot carry; price the transactions with "
                "amount_of(transactions), or charge the fee through a count meter with PerUnit."
            )
        # Plain, it is linear, as PerUnit is: a refund row prices at the percentage too.
        return _quantity(quantity, "Percentage", negative=self.linear)

    def amount(self, quantity: Number) -> Decimal:
        """The percentage of a cycle's total transaction amount above the free amount.

        Raises [`BadPriceError`][ratekit.BadPriceError] when [`per_transaction`][ratekit.Percentage.per_transaction] is true.

        Examples:
            >>> import ratekit as rk
            >>> rk.Percentage("2").amount("1234.50")
            Decimal('24.6900')
        """
        total = self._total(quantity)
        if self.linear:  # plain: the percentage of any amount, a refund's too
            return CONTEXT.multiply(self.rate, total)
        return CONTEXT.multiply(self.rate, _billable(total, self.free_amount))

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """The free amount (when set), then the percentage of the rest.

        Examples:
            >>> import ratekit as rk
            >>> for line in rk.Percentage("2", free_amount=100).explain(150):
            ...     print(line)
            free amount (0, 100]: 100 * 0 = 0
            percent (100, ∞): 50 * 0.02 = 1.00
        """
        total = self._total(quantity)
        if self.linear:  # plain: one line, a refund's below zero
            return (self._percent(total),)
        return _after_free(total, self.free_amount, "free amount", self._percent)

    def _percent(self, billable: Decimal) -> TierLine:
        rate = self.rate
        return TierLine(
            label="percent",
            lower=self.free_amount,
            upper=None,
            quantity=billable,
            unit=rate,
            amount=CONTEXT.multiply(rate, billable),
        )

    def marginal(self, quantity: Number, added: Number) -> Decimal:
        """``amount(q + a) - amount(q)`` on totals (no per-transaction terms).

        Examples:
            >>> import ratekit as rk
            >>> rk.Percentage("2", free_amount=100).marginal(90, 20)
            Decimal('0.20')
        """
        return _marginal(self, quantity, added)

    def explain_of(self, transactions: Iterable[Number]) -> tuple[TransactionLine, ...]:
        """One line per transaction, in the order given, with every term applied.

        Examples:
            >>> import ratekit as rk
            >>> model = rk.Percentage("1", fixed_fee="0.25", free_transactions=1, free_amount=50, maximum=2)
            >>> for line in model.explain_of([30, 40, 500]):
            ...     print(line)
            transactions[0] 30: free
            transactions[1] 40: 1 % of 20 billable = 0.20 + 0.25 fee = 0.45
            transactions[2] 500: 1 % of 500 = 5.00 + 0.25 fee = 5.25, capped to the maximum 2
        """
        if isinstance(transactions, str | bytes | Mapping) or not isinstance(
            transactions, Iterable
        ):
            raise RatekitTypeError(
                "Percentage transactions must be a list of transaction amounts "
                f"(['100.00', '20.00']), not {type(transactions).__name__}: {show(transactions)}."
            )
        rate = self.rate
        free_left = self.free_amount
        lines = []
        for index, value in enumerate(transactions):
            transaction = to_decimal(value, f"transactions[{index}]")
            if transaction < 0:
                raise BadQuantityError(
                    f"Percentage cannot price the negative transactions[{index}] "
                    f"{show(str(transaction))}; a refund is a correction, priced on its own."
                )
            covered = min(transaction, free_left)
            free_left = CONTEXT.subtract(free_left, covered)
            billable = CONTEXT.subtract(transaction, covered)
            percentage = CONTEXT.multiply(rate, billable)
            fee = self.fixed_fee if index >= self.free_transactions else ZERO
            charge = CONTEXT.add(percentage, fee)
            bound = None
            if billable or fee:
                if self.minimum is not None and charge < self.minimum:
                    charge, bound = self.minimum, "minimum"
                elif self.maximum is not None and charge > self.maximum:
                    charge, bound = self.maximum, "maximum"
            lines.append(
                TransactionLine(
                    index=index,
                    transaction=transaction,
                    billable=billable,
                    percent=self.percent,
                    percentage=percentage,
                    fee=fee,
                    bound=bound,
                    amount=charge,
                )
            )
        return tuple(lines)

    def amount_of(self, transactions: Iterable[Number]) -> Decimal:
        """The exact total charge for a list of transaction amounts, in order.

        Examples:
            >>> import ratekit as rk
            >>> rk.Percentage("2.9", fixed_fee="0.30", free_transactions=1).amount_of([10, 10])
            Decimal('0.880')
        """
        total = ZERO
        for line in self.explain_of(transactions):
            total = CONTEXT.add(total, line.amount)
        return total
