"""Charges and ratings: what [`rate()`][ratekit.rate] returns, with its provenance.

A [`Charge`][ratekit.Charge] is one exact amount and everything needed to explain it (who, what,
which, when, which price entry, which tiers); a [`Rating`][ratekit.Rating] gathers the charges of
one call with its anomalies and the usage rows rated.

Examples:
    >>> import ratekit as rk
    >>> rk.rate([], rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), []),
    ...         span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"))
    Rating(0 charges, 0 anomalies)
"""

from __future__ import annotations

import datetime as _dt
import decimal
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

from . import _values as _v
from ._carried import (
    carried,
    carried_value,
    left_by_rounding,
    out_of_range,
    to_amount,
    to_usage,
)
from ._charge_tiers import (
    _BUILT_IN,
    Unexplained,
    base_lines,
    explained,
    marginal_lines,
    shared_line,
)
from ._converted import exact_quantity
from ._decimals import (
    CARRIED_MIN_ADJUSTED,
    CONTEXT,
    MAX_ADJUSTED,
    ONE,
    ZERO,
    commitment,
    exact_sum,
    nearest,
    to_decimal,
)
from ._entry_points import plain_text
from ._instants import format_us, to_us
from ._plan_args import _MODES
from ._price_model import failed
from ._shown import show
from ._totals import only, per_key
from .currencies import currency_field
from .errors import BadPriceError, RatekitError, RatekitTypeError
from .prices import PriceModel
from .records import Anomaly
from .render import visible
from .render_html import rating_html
from .sharing import Share, read_shares
from .spans import Span
from .tiers import TierLine
from .usage import (
    UsageRow,
    _no_effect_door,
    _no_effect_value,
    _NoEffect,
    _worked_out_no_effect,
)

__all__ = ["Charge", "ChargeKind", "Rating"]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract
_MUL = CONTEXT.multiply

ChargeKind = Literal["usage", "fee", "minimum", "reversal", "correction"]
"""What a charge is: a piece of usage, a fee (or a price's base), a minimum's top-up.

Rating makes the first three; ``"reversal"`` and ``"correction"`` are the corrections a
host records for a cycle already billed (`focus_rows` exports them as corrections;
`bill` refuses them).
"""

_KIND_ORDER: Final = {"usage": 0, "fee": 1, "minimum": 2}
#: The kinds a charge may have: rating's, and the corrections a host records (the FOCUS
#: export reads ``"reversal"`` and ``"correction"`` as corrections).
_KINDS: Final = (*_KIND_ORDER, "reversal", "correction")
_ROUNDINGS: Final = tuple(sorted(_MODES))
_SPAN: Final = _v.type_of(Span, "a Span (rk.Span(start, end))")


def _exact(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A number in the range ratekit represents exactly (`to_decimal`'s: 60 digits, 1E±30).

    The one range of a charge's numbers at every door: what rating carries (it refuses an
    amount outside it), what [`from_row()`][ratekit.from_row] reads back, what a charge
    made by hand may hold; ``None`` for an optional field. Text that is no finite number
    is named as such (``'Infinity'`` is not finite), not as a wrong type.
    """
    if value is not None:
        to_decimal(value, f"Charge {attribute.name}")


def _usage(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A quantity of usage as rating carries it: `_exact`'s digits, from 1E-100 to 1E+60.

    Metering makes a quantity past 1E+30 from a level in range held for a month, and a
    `PerUnit` price may price it (the amount is `_amount`); rating cuts a quantity below
    1E-30 from one in range (a third of a peak of 1E-30 seats: `ratekit._carried`).
    """
    to_usage(value, f"Charge {attribute.name}")


def _amount(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A number rating computes (an amount, a free part): `_exact`'s, from 1E-100 up.

    An amount of inputs in range may lie below 1E-30 (1E-30 a seat for one microsecond of
    a month: `ratekit._carried`); ``None`` for an optional field.
    """
    if value is not None:
        to_amount(value, f"Charge {attribute.name}")


_NO_DESCRIPTION: Final[Mapping[str, object]] = {}


@typing.final
@attrs.frozen(repr=False)
class Charge:
    """An exact amount, with everything needed to explain it.

    - ``kind``: ``"usage"`` (a piece of a usage row), ``"fee"`` (a recurring fee) or
      ``"minimum"`` (the top-up of a minimum commitment), the kinds rating makes; or
      ``"reversal"`` or ``"correction"``, the kinds of a streaming statement's lines,
      for a host that records them as charges (the FOCUS export reads both as
      corrections; [`bill()`][ratekit.bill] refuses them: a closed cycle's invoice is
      not reopened).
    - ``account``, ``meter``, ``resource``: who, what, which (``meter`` is the fee's id for
      a fee, the meter or ``None`` for a minimum; ``resource`` is ``None`` for both).
    - ``span``, ``cycle``: the piece of time and the billing cycle it belongs to.
    - ``quantity``, ``unit``: the usage priced (for a fee: the share of the cycle, in
      ``"cycle"``); ``free``: the part of it an allowance covered.
    - ``amount``: the exact, unrounded amount, in ``currency`` (a code of three capital
      letters, as a plan's). Its numbers lie in the range ratekit represents exactly (at
      most 60 significant digits, magnitudes from 1E-30 up to but excluding 1E+30), what
      rating carries and [`from_row()`][ratekit.from_row] reads back; a charge made by
      hand outside it raises [`BadQuantityError`][ratekit.BadQuantityError].
    - ``plan``, ``entry``: the ids of the plan and of the price entry (or fee) that priced
      it; ``unit_price``: the price per unit for a linear price or a fee, else ``None``
      (see [`tiers`][ratekit.Charge.tiers]).
    - ``description``, ``record_ids``, ``row``: the resource's attributes in force, the ids
      of the records behind the charge (its row's, each once and sorted: see
      [`UsageRow.record_ids`][ratekit.UsageRow.record_ids]) and the usage row it comes from.
    - ``price``, ``position``, ``opens``: the price model, the group's quantity before this
      piece (a piece carries the marginal amount on top of it) and whether the piece
      carries ``amount(0)`` itself (never for rating's pieces: a price's base is its own
      ``"fee"`` charge, whose [`tiers`][ratekit.Charge.tiers] are the model's lines at zero), from which
      [`tiers`][ratekit.Charge.tiers] is computed; ``quantum`` and ``rounding``: the rounding its
      invoice applies, that of its account's latest plan in the cycle (the plan in force
      at the cycle's end: after a plan change, not always the plan that priced it).
    - ``whole``: for a share of an aggregate that does not add up (a peak) under a
      non-linear price, the aggregate the price priced whole; the charge is
      ``billable / whole`` of the price's amount of it above zero, and its
      [`tiers`][ratekit.Charge.tiers] are the price's lines of the whole, each with that
      share (``part`` of ``whole``) and its amount (``None`` otherwise).
    - ``after``: for a piece of a group priced by its total, the group's quantity after
      it, as its price priced it: the nearest number ratekit represents to the exact
      running quantity (``position`` is that before it). ``position + quantity - free``
      may differ from it in the 60th digit, where a free part pro-rated by time does not
      terminate; [`tiers`][ratekit.Charge.tiers] goes from ``position`` to ``after``.
      ``None`` otherwise, and for a charge made by hand (``position + quantity - free``
      then stands for it).

    Examples:
        >>> import ratekit as rk
        >>> from decimal import Decimal
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"),
        ...                [rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.09")]))])
        >>> row = rk.UsageRow("acme", "egress", "ip-1", march, march, 25, "GB", {}, ("s1",))
        >>> charge = rk.rate([row], plan, span=march).charges[0]
        >>> charge
        Charge('acme', 'egress', 'ip-1', '2026-03-01T00:00:00Z'..'2026-04-01T00:00:00Z', 25 GB, 1.35 EUR, entry='egress')
        >>> for line in charge.tiers:
        ...     print(line)
        tiers[0] (0, 10]: 10 * 0 = 0
        tiers[1] (10, ∞): 15 * 0.09 = 1.35
    """

    account: str = attrs.field(validator=_v.name)
    meter: str | None = attrs.field(validator=_v.optional_name)
    resource: str | None = attrs.field(validator=_v.optional_name)
    span: Span = attrs.field(validator=_SPAN)
    cycle: Span = attrs.field(validator=_SPAN)
    quantity: Decimal = attrs.field(
        converter=_v.number, validator=_usage, metadata={"usage": True, "carried": True}
    )
    unit: str = attrs.field(validator=_v.name)
    amount: Decimal = attrs.field(
        converter=_v.number, validator=_amount, metadata={"carried": True}
    )
    currency: str = attrs.field(validator=[_v.name, currency_field("Charge")])
    plan: str = attrs.field(validator=_v.name)
    entry: str | None = attrs.field(validator=_v.optional_name)
    unit_price: Decimal | None = attrs.field(converter=_v.optional_number, validator=_exact)
    free: Decimal = attrs.field(
        default=ZERO, converter=_v.number, validator=_amount, metadata={"carried": True}
    )
    kind: ChargeKind = attrs.field(default="usage", validator=_v.kind_of(*_KINDS))
    row: UsageRow | None = attrs.field(
        default=None, eq=False, validator=_v.optional_of(UsageRow, "a UsageRow")
    )
    price: PriceModel | None = attrs.field(
        default=None,
        eq=False,
        validator=_v.optional_of(
            PriceModel, "a price model (rk.PerUnit('0.1'), rk.Graduated(...))", _BUILT_IN
        ),
    )
    position: Decimal | None = attrs.field(
        default=None, eq=False, converter=_v.optional_number, validator=_exact
    )
    opens: bool = attrs.field(default=False, eq=False, validator=_v.flag)
    quantum: Decimal = attrs.field(
        default=Decimal("0.01"), eq=False, converter=_v.number, validator=[_exact, _v.positive]
    )
    rounding: str = attrs.field(
        default="ROUND_HALF_EVEN", eq=False, validator=_v.kind_of(*_ROUNDINGS)
    )
    whole: Decimal | None = attrs.field(
        default=None,
        eq=False,
        converter=_v.optional_number,
        validator=_amount,
        metadata={"carried": True},
    )
    after: Decimal | None = attrs.field(
        default=None, eq=False, converter=_v.optional_number, validator=_exact
    )

    @plain_text
    def __repr__(self) -> str:
        return (
            f"Charge({self.account!r}, {self.meter!r}, {self.resource!r}, "
            f"{format_us(self.span.start_us)!r}..{format_us(self.span.end_us)!r}, "
            f"{self.quantity} {visible(self.unit)}, {self.amount} {self.currency}, entry={self.entry!r}"
            + (f", kind={self.kind!r}" if self.kind != "usage" else "")
            + (f", free={self.free}" if self.free else "")
            + ")"
        )

    @property
    def description(self) -> Mapping[str, object]:
        """The resource's attributes in force over the charge's span (empty for fees)."""
        return _NO_DESCRIPTION if self.row is None else self.row.description

    @property
    def record_ids(self) -> tuple[str, ...]:
        """The ids of the records behind the charge (none for fees, minimums): its row's, sorted."""
        return () if self.row is None else self.row.record_ids

    @property
    def billable(self) -> Decimal:
        """The quantity the price applied to: ``quantity - free``.

        Where a free part was taken (rating cuts it at its 60th digit, and a share of a
        peak at the aggregate's), the nearest number to the exact difference of the values
        they stand for: a seat's share of 11/31 less its free 11/31 is 0, not the -1E-60
        of the two cuts (which no price explains). O(digits) then, else O(1).
        """
        if not self.free:
            return _SUB(self.quantity, self.free)
        exact = exact_quantity(self) - commitment(ONE, self.free)
        shown = carried_value(exact)  # below 1E-30 too: 1E-30 calls less 1/3 of 1E-30 free
        return nearest(exact) if left_by_rounding(shown, self.quantity, self.free) else shown

    @property
    def tiers(self) -> tuple[TierLine, ...]:
        """The tier lines this charge crossed, whose amounts add up to `amount`.

        For a linear price, the breakdown of the billable quantity; for a tiered one, the
        part of the group's breakdown that this piece added on top of the pieces before it.
        Empty for fees and minimums. Explained in ratekit's context, as rating explains it,
        whatever the caller's. A price model of your own whose ``explain()`` fails,
        or gives lines that do not add up to its ``amount()`` for the quantity explained,
        raises [`BadPriceError`][ratekit.BadPriceError] naming it and the charge.
        """
        if self.price is None:
            return ()
        what = (
            f"the charge of entry {show(self.entry)} of plan {show(self.plan)} for account "
            f"{show(self.account)} (resource {show(self.resource)}), explaining its tiers"
        )
        try:
            # explained at 60 digits, as rating and the invoice explain it (a model of the
            # user's own computes in the thread's context), never at the caller's precision
            with decimal.localcontext(CONTEXT):
                return self._tiers()
        except RatekitError:
            raise
        except Unexplained as error:  # lines that do not add up to the model's amount
            raise BadPriceError(f"{what}: {error}") from None
        except Exception as error:  # a model of the user's own: its failure named
            raise failed(self.price, "explain", error, what) from error

    def _tiers(self) -> tuple[TierLine, ...]:
        assert self.price is not None
        if self.kind == "fee":  # a price's base, due without usage: its lines at zero
            return base_lines(explained(self.price, ZERO), self.amount)
        billable = self.billable
        if self.whole is not None:  # a share of an aggregate priced whole (a peak)
            if not billable and not self.amount:
                return ()  # no part of it (a zone read at 0): nothing added, no line
            return tuple(
                shared_line(line, billable, self.whole)
                for line in marginal_lines(self.price, ZERO, self.whole, opens=False)
            )
        if self.position is None:
            return explained(self.price, billable)
        after = self.after
        if after is None:  # a charge made by hand: the exact sum, as rating would round it
            after = nearest(exact_sum((self.position, self.quantity, self.free.copy_negate())))
        return marginal_lines(self.price, self.position, after, opens=self.opens)


#: A charge under construction: Charge's slots, set by plain stores (`_new_charge()`).
_Building: Final = _v.plain_twin(
    Charge,
    ("account", "meter", "resource", "span", "cycle", "quantity", "unit", "amount", "currency",
    "plan", "entry", "unit_price", "free", "kind", "row", "price", "position", "opens",
    "quantum", "rounding", "whole", "after"),
)  # fmt: skip
_new = object.__new__


def _new_charge(  # noqa: PLR0917 - the private twin of Charge's constructor
    account: str,
    meter: str | None,
    resource: str | None,
    span: Span,
    cycle: Span,
    quantity: Decimal,
    unit: str,
    amount: Decimal,
    currency: str,
    plan: str,
    entry: str | None,
    unit_price: Decimal | None,
    free: Decimal = ZERO,
    kind: ChargeKind = "usage",
    row: UsageRow | None = None,
    price: PriceModel | None = None,
    position: Decimal | None = None,
    opens: bool = False,
    quantum: Decimal = Decimal("0.01"),
    rounding: str = "ROUND_HALF_EVEN",
    whole: Decimal | None = None,
    after: Decimal | None = None,
) -> Charge:
    """A [`Charge`][ratekit.Charge] from fields that are right by construction: rating's route.

    Rating builds a charge per piece of usage; its fields come from checked plans and
    usage rows, so this skips the door's validators (each slot is set once, by a plain
    store on a plain twin: `ratekit._values.plain_twin`). Never for values a caller gives. But the amount is
    checked: a price model (a user's own, or a product of two large numbers) may give
    one of 1E+30 or more, which ratekit cannot carry exactly (`ratekit._carried.out_of_range()`). One
    below 1E-30 (a tiny price for a tiny share) is carried as it is, down to 1E-100
    (`ratekit._carried`). A zero amount is a plain zero, never ``-0.00``.
    """
    if amount:
        adjusted = amount.adjusted()
        if adjusted > MAX_ADJUSTED:  # (never a recurring fee: a share of one below 1E+30)
            raise out_of_range(amount, account, meter, resource, plan, entry, quantity, unit)
        if adjusted < CARRIED_MIN_ADJUSTED:
            amount = carried(amount)
    else:  # a plain zero: a rebate's -0.10 x 0 is -0.00, which no row may print
        amount = amount.copy_abs()
    charge: Charge = _new(_Building)
    built: Any = charge  # _Building's plain stores (see there)
    built.account = account
    built.meter = meter
    built.resource = resource
    built.span = span
    built.cycle = cycle
    built.quantity = quantity
    built.unit = unit
    built.amount = amount
    built.currency = currency
    built.plan = plan
    built.entry = entry
    built.unit_price = unit_price
    built.free = free
    built.kind = kind
    built.row = row
    built.price = price
    built.position = position
    built.opens = opens
    built.quantum = quantum
    built.rounding = rounding
    built.whole = whole
    built.after = after
    built.__class__ = Charge
    return charge


def _rating(
    charges: tuple[Charge, ...],
    anomalies: tuple[Anomaly, ...],
    rows: tuple[UsageRow, ...],
    shares: tuple[Share, ...],
    no_effect: tuple[tuple[str, str], ...],
) -> Rating:
    """A [`Rating`][ratekit.Rating] unpickled."""
    return Rating(charges, anomalies, rows, shares=shares, no_effect=no_effect)


def _rated_shares(value: object) -> tuple[Share, ...]:
    """The shares of a rating, as a tuple; anything but an iterable of shares is refused."""
    return read_shares(value, "Rating shares")


@typing.final
@attrs.frozen(repr=False)
class Rating:
    """What [`rate()`][ratekit.rate] returns: the charges, the anomalies, and the usage rows rated.

    ``charges`` are ordered by account, cycle, kind (usage, fees, minimums), meter,
    resource and time; ``anomalies`` hold metering's (when records were given) and
    rating's own (usage no entry prices, under a plan that reports it); ``shares`` are
    the [`Share`][ratekit.Share] values the charges were rated with, which
    [`bill()`][ratekit.bill] splits them by. ``shares`` must be an iterable of
    [`Share`][ratekit.Share] values ([`RatekitTypeError`][ratekit.RatekitTypeError]
    otherwise).

    Examples:
        >>> import ratekit as rk
        >>> rk.rate([], rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), []),
        ...         span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"))
        Rating(0 charges, 0 anomalies)
        >>> rk.Rating((), (), shares=[rk.Share("acme", "image-1", {"acme": 1, "beta": 1})])
        Rating(0 charges, 0 anomalies, 1 share)
    """

    charges: tuple[Charge, ...] = attrs.field(
        converter=_v.to_tuple, validator=_v.items(Charge, "Charges")
    )
    """The charges, in a stable order."""
    anomalies: tuple[Anomaly, ...] = attrs.field(
        converter=_v.to_tuple, validator=_v.items(Anomaly, "Anomaly values")
    )
    """What was odd: metering's anomalies, then unpriced usage."""
    rows: tuple[UsageRow, ...] = attrs.field(
        default=(), eq=False, converter=_v.to_tuple, validator=_v.items(UsageRow, "UsageRows")
    )
    """The usage rows that were rated."""
    shares: tuple[Share, ...] = attrs.field(default=(), converter=_rated_shares, kw_only=True)
    """The shares the charges were rated with (``rate(..., shares=[...])``), in that order."""
    _no_effect: _NoEffect = attrs.field(
        default=(),
        eq=False,
        kw_only=True,
        alias="no_effect",
        converter=_no_effect_value,
        validator=_no_effect_door,
    )

    @property
    def no_effect(self) -> tuple[tuple[str, str], ...]:
        """Metering's ``(record id, reason)`` for the records given that no charge counts.

        When [`rate()`][ratekit.rate] metered records, it is that metering's
        [`Usage.no_effect`][ratekit.Usage.no_effect] (empty for rows given): a
        ``"not_yet"`` record is stamped after ``as_of`` (a counter's next reading, a
        period row whose period ends after it), so the usage it reports, even the part
        inside the span, is not in this rating; rate again ``as_of`` a later instant, or
        carry state or use the [`Rater`][ratekit.Rater], to bill it (see the adapters
        page). Worked out on first use. O(n) for n records.

        Examples:
            >>> import ratekit as rk
            >>> cpu = rk.Meter("cpu", "hour", rk.Counter())
            >>> readings = [rk.Sample("acme", "vm-1", "cpu", "2026-03-31T23:00:00Z", 0, kind="counter", id="a"),
            ...             rk.Sample("acme", "vm-1", "cpu", "2026-04-01T01:00:00Z", 2, kind="counter", id="b")]
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("cpu", "cpu", rk.PerUnit(1))])
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> rating = rk.rate(readings, plan, span=march, meters=[cpu])
            >>> rating.total(), rating.no_effect
            (Decimal('0'), (('a', 'baseline'), ('b', 'not_yet')))
            >>> rk.rate(readings, plan, span=march, meters=[cpu], as_of="2026-04-02T00:00:00Z").total()
            Decimal('1')
        """
        return _worked_out_no_effect(self)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # pickled (and copied) with its no_effect worked out, never the function
        return _rating, (self.charges, self.anomalies, self.rows, self.shares, self.no_effect)

    @plain_text
    def __repr__(self) -> str:
        charges = "charge" if len(self.charges) == 1 else "charges"
        anomalies = "anomaly" if len(self.anomalies) == 1 else "anomalies"
        shares = ""
        if self.shares:
            shares = f", {len(self.shares)} {'share' if len(self.shares) == 1 else 'shares'}"
        return f"Rating({len(self.charges)} {charges}, {len(self.anomalies)} {anomalies}{shares})"

    def _repr_html_(self) -> str:
        """The charges as an HTML table, for notebooks (every user string escaped)."""
        return rating_html(self)

    def total(
        self, account: str | None = None, cycle: Span | _dt.datetime | str | None = None
    ) -> Decimal:
        """The exact sum of the charges (of one account, of one cycle), unrounded. O(n).

        Exact to the last digit, never rounded at any precision: the same number as the
        sum of a [`Rater`][ratekit.Rater]'s statement lines, ``Statement.total()``.

        ``cycle`` is a billing cycle as a [`Span`][ratekit.Span] (the charges whose
        ``cycle`` is that span), or an instant (the charges of the cycle containing it).

        Amounts of different currencies are never added: when the charges summed are in
        more than one currency (two accounts on plans of different currencies, or one
        account whose plan changed currency), it raises
        [`CurrencyMismatchError`][ratekit.CurrencyMismatchError], naming them; the
        totals per currency are in [`totals_by_currency()`][ratekit.Rating.totals_by_currency].
        No charges sum to ``Decimal('0')``.

        Examples:
            >>> import ratekit as rk
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("sub", 10)])
            >>> rating = rk.rate([], [rk.Assignment("acme", plan)],
            ...                  span=rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"))
            >>> rating.total(), rating.total("acme", "2026-04-10T00:00:00Z")
            (Decimal('20'), Decimal('10'))
            >>> rating.total(cycle=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"))
            Decimal('10')
            >>> yen = rk.Plan("y", "JPY", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("sub", 700)])
            >>> both = rk.rate([], [rk.Assignment("acme", plan), rk.Assignment("beta", yen)],
            ...                span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"))
            >>> both.total()
            Traceback (most recent call last):
            ratekit.CurrencyMismatchError: Rating.total() would add amounts in 2 currencies, EUR and JPY; ...
            >>> both.total("acme")
            Decimal('10')
        """
        return only(
            self.totals_by_currency(account, cycle),
            what=f"Rating.total({', '.join(repr(a) for a in (account, cycle) if a is not None)})",
            per="its exact totals per currency are in Rating.totals_by_currency()",
        )

    def totals_by_currency(
        self, account: str | None = None, cycle: Span | _dt.datetime | str | None = None
    ) -> dict[str, Decimal]:
        """The exact sums of the charges per currency (of one account, of one cycle). O(n).

        Keyed by currency code in alphabetical order, each sum exact and unrounded as in
        [`total()`][ratekit.Rating.total], with the same ``account`` and ``cycle``
        filters; a currency appears only when a charge is in it (no charges: ``{}``).

        Examples:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> eur = rk.Plan("e", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("sub", "10.5")])
            >>> jpy = rk.Plan("y", "JPY", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("sub", 700)])
            >>> rating = rk.rate([], [rk.Assignment("a", eur), rk.Assignment("b", jpy),
            ...                       rk.Assignment("c", eur)], span=march)
            >>> rating.totals_by_currency()  # 10.5 + 10.5 EUR; 700 JPY
            {'EUR': Decimal('21.0'), 'JPY': Decimal('700')}
            >>> rating.totals_by_currency("b", march)
            {'JPY': Decimal('700')}
        """
        if account is not None and not isinstance(account, str):
            raise RatekitTypeError(
                f"Rating.total account must be an account name, not "
                f"{type(account).__name__}: {show(account)}."
            )
        if cycle is None or isinstance(cycle, Span):
            exact = cycle
            at_us = None
        else:
            exact = None
            at_us = to_us(cycle, "Rating.total cycle")
        return per_key(
            (charge.currency, charge.amount)
            for charge in self.charges
            if (account is None or charge.account == account)
            and (exact is None or charge.cycle == exact)
            and (at_us is None or charge.cycle.start_us <= at_us < charge.cycle.end_us)
        )
