"""Charges as FinOps FOCUS 1.2 cost-and-usage rows.

[`focus_rows()`][ratekit.focus_rows] turns charges into rows of the FOCUS 1.2 cost-and-usage dataset, so a
FinOps tool reads a ratekit provider's bill like a cloud's. Every mandatory column is
present (`MANDATORY`), with the conditional columns ratekit can fill
(`CONDITIONAL`) and ratekit's own fields as ``x_`` columns (`EXTENSIONS`).

Given a rating or charges: one row per charge, exact: ``BilledCost`` is the charge's
precise amount (a Decimal string), so an invoice's rows add up to its ``precise_total``;
the invoice rounds each of its lines once. Given invoices: one row per charge of each
line, ``BilledCost`` being the charge's part of its line's rounded amount as the invoice
splits it (`_billed_parts`: between the line's plans as the invoice settles their
minimums, a minimum line's rows each plan's top-up as billed; then within a plan near
its charges' exact amounts, largest remainder on the quantum), and one ``"Credit"`` row
per credit that paid part of the invoice, its ``BilledCost`` the amount paid, negative:
the rows of a plan add up to what the invoice settles for it, and the rows of an invoice
to its ``total``. The mapping:

- ``ChargePeriodStart``/``End``: the charge's span; ``BillingPeriodStart``/``End``: its
  billing cycle; both ISO-8601 in UTC with ``Z``.
- ``ChargeCategory``: ``"Usage"`` for usage, ``"Purchase"`` for a recurring fee,
  ``"Adjustment"`` for the top-up of a minimum commitment (given a rating, its exact
  amount: 0 where the exact spend reached the commitment and only the lines as rounded
  fall short of it; given invoices, what it bills), ``"Credit"`` for a credit applied to
  an invoice. ``ChargeClass``: ``"Correction"`` for a charge that corrects one
  already billed, else null (FOCUS 1.2 allows no other value). ``ChargeFrequency``:
  ``"Usage-Based"``, ``"Recurring"``, or ``"One-Time"`` for a credit's row (it pays
  one invoice once). A credit's row has the invoice's cycle as its periods, the credit's
  id in ``x_Credit`` and null quantities and prices.
- ``ConsumedQuantity``/``ConsumedUnit``: the quantity metered (usage only);
  ``PricingQuantity``/``PricingUnit``: the quantity the price applied to (after an
  allowance's free part; the share of the cycle for a fee; null for a minimum's top-up).
- ``ListUnitPrice`` (= ``ContractedUnitPrice``): the unit price of a linear price or a
  fee (the price that gives the charge's amount from its quantity; on every holder's
  part of a shared charge alike), and then ``ListCost = PricingQuantity *
  ListUnitPrice`` exactly, the product of the numbers the row prints (a 60-digit
  prorated or shared quantity gives a product of more digits); null for a tiered
  price, whose ``ListCost`` is the billed cost, and for a minimum's top-up (which has no
  ``PricingQuantity``). ratekit prices are list prices:
  ``ContractedCost = ListCost`` and ``EffectiveCost = BilledCost``.
- ``ProviderName``, ``PublisherName``, ``InvoiceIssuerName``: given by the caller;
  ``ServiceName`` and ``ServiceCategory`` per meter, from the caller's mappings (by
  default the meter's name and ``"Other"``); ``BillingAccountId`` the account (and its
  name, unless ``account_names`` gives one); ``ResourceId`` the resource; ``SkuPriceId``
  the price entry; ``Tags`` the resource's description, as a serialized JSON object
  (FOCUS's Key-Value Format: a string, whose values are numbers, strings, bools or null,
  never objects or arrays): a Decimal attribute is its plain-notation string (``"2.5"``),
  a nested mapping or list its compact JSON text, Decimals in it such strings too
  (``"image"`` is the string ``'{"name":"ubuntu","size_gb":"2.5"}'``).

Types follow the specification's: numeric columns (``BilledCost``, ``PricingQuantity``,
``ListUnitPrice``, …) are exact decimal strings in plain notation (``"1.50"``, ``"10"``,
never ``"1E+1"``: FOCUS's Numeric Format has no exponents; a string, so that no JSON
reader turns them into binary floats; no trailing zero past the quantum in a cost or a
unit price, none in a quantity), date/times are ISO-8601 UTC strings with ``Z``,
and null is ``None``.

Examples:
    >>> import ratekit as rk
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    >>> rows = [rk.UsageRow("acme", "vm.hours", "vm-1", march, march, 30, "hour", {"flavor": "m1"}, ())]
    >>> row = rk.focus_rows(rk.rate(rows, plan, span=march), provider="Example Cloud")[0]
    >>> row["ChargePeriodStart"], row["ChargeCategory"], row["PricingQuantity"], row["ListUnitPrice"], row["BilledCost"]
    ('2026-03-01T00:00:00Z', 'Usage', '30', '0.05', '1.50')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from ._billed_parts import billed_parts
from ._caller_objects import read_items
from ._codec import items_of, show
from ._decimals import CONTEXT, ZERO, tidy
from ._entry_points import in_context
from ._focus_columns import (
    CHARGE_CATEGORIES,
    CONDITIONAL,
    EXTENSIONS,
    MANDATORY,
    SERVICE_CATEGORIES,
)
from ._focus_numbers import PRODUCTS, cost_text, gives, number_text
from ._instants import format_us
from ._invoices import Invoice, InvoiceLine
from ._text import check_text
from .credits import CreditLine
from .errors import BadDataError, RatekitTypeError, ShareMismatchError
from .rating import Charge, Rating
from .render import plain

__all__ = ["CONDITIONAL", "EXTENSIONS", "MANDATORY", "focus_rows"]


def _is_correction(charge: Charge) -> bool:
    """Whether the charge corrects one already reported (a reversal or a re-rated line)."""
    return charge.kind in ("correction", "reversal") or bool(getattr(charge, "corrects", None))


def _check_name(argument: str, column: str, value: object) -> str | None:
    """A row's name given to `focus_rows`: None (the provider's) or non-empty valid text.

    Returned as the plain ``str`` it holds (a subclass's own methods left out).
    """
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise RatekitTypeError(
            f"focus_rows {argument} is the {column} of every row: a non-empty string such "
            f"as 'Example Cloud', or None for the provider, not {show(value)}."
        )
    return check_text(str.__str__(value), f"focus_rows {argument}")


#: What each mapping argument of `focus_rows` holds, as its refusal shows it.
_EXAMPLES: Final = {
    "account_names": "{'acme': 'Acme Corp'}",
    "service_names": "{'vm.hours': 'Virtual Machines'}",
    "service_categories": "{'vm.hours': 'Compute'}",
}


def _check_mapping(argument: str, mapping: object) -> dict[str, str]:
    """A mapping given to `focus_rows`: None, or names to valid text (a name non-empty).

    FOCUS columns hold no empty strings (null handling), and ServiceName and
    BillingAccountName are never null, so an empty name is refused as an empty provider
    is; a service category is checked against FOCUS's list after. The caller's mapping
    is read once (its own code may raise: refused, naming it); returned as a dict of
    plain strings (a ``str`` subclass's own ``__eq__`` and ``__hash__`` left out).
    """
    if mapping is None:
        return {}
    items = (
        read_items(
            mapping,
            f"focus_rows {argument}",
            f"mapping ({type(mapping).__name__})",
            f"a dict such as {_EXAMPLES[argument]}",
        )
        if isinstance(mapping, Mapping)
        else None
    )
    if items is None or not all(isinstance(text, str) for _, text in items):
        raise RatekitTypeError(
            f"focus_rows {argument} maps names to strings, e.g. {_EXAMPLES[argument]}, "
            f"not {show(mapping)}."
        )
    plain: dict[str, str] = {}
    for key, text in items:
        if not isinstance(key, str):  # it would match no account, meter, fee or credit
            raise RatekitTypeError(
                f"focus_rows {argument} key {show(key)} is {type(key).__name__}, not a name: "
                f"the keys are strings, e.g. {_EXAMPLES[argument]} (a key of another type "
                "matches nothing, so its value would be left out silently)."
            )
        if not text and argument != "service_categories":
            column = "ServiceName" if argument == "service_names" else "BillingAccountName"
            raise RatekitTypeError(
                f"focus_rows {argument} value of {show(key)} is the {column} of its rows, which "
                "FOCUS requires and never holds an empty string: give a non-empty name, or "
                "leave the key out for the default."
            )
        name = str.__str__(key)
        plain[name] = check_text(str.__str__(text), f"focus_rows {argument} value of {show(name)}")
    return plain


@in_context
def focus_rows(
    charges: Rating | Iterable[Charge] | Iterable[Invoice],
    *,
    provider: str,
    publisher: str | None = None,
    invoice_issuer: str | None = None,
    service_names: Mapping[str, str] | None = None,
    service_categories: Mapping[str, str] | None = None,
    account_names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """FOCUS 1.2 cost-and-usage rows of ``charges`` (or invoices), one per charge, in order.

    Given invoices (all of the items; not mixed with charges), each invoice's rows are
    its lines' charges with their parts of the rounded line amounts, then a ``"Credit"``
    row (negative ``BilledCost``) per credit that paid something: they add up to the
    invoice's ``total``.

    ``provider`` is the ``ProviderName`` (and, unless given, the ``PublisherName`` and
    ``InvoiceIssuerName``). ``service_names`` and ``service_categories`` map a meter (or a
    fee's id) to its ``ServiceName`` and ``ServiceCategory`` (a FOCUS category such as
    ``"Compute"``; default ``"Other"``). Decimals are exact strings, instants ISO-8601
    UTC with ``Z``; the rows are JSON-safe. O(number of charges).

    Raises [`RatekitTypeError`][ratekit.RatekitTypeError] for a service category FOCUS does not know,
    and [`ShareMismatchError`][ratekit.ShareMismatchError] for a Rating rated with shares
    (``rate(..., shares=[...])``): its shared charges are the holders' once ``bill()``
    splits them, so give its invoices (``rk.focus_rows(rk.bill(rating), ...)``).

    Examples:
        >>> import ratekit as rk
        >>> try:
        ...     rk.focus_rows([], provider="X", service_categories={"vm": "Servers"})
        ... except rk.RatekitTypeError as error:
        ...     print(error)  # doctest: +ELLIPSIS
        service category 'Servers' of 'vm' is not a FOCUS 1.2 ServiceCategory; use one of 'AI and Machine Learning', ...

        A credited invoice: the fee's row and the credit's add up to the total billed.

        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 30)])
        >>> welcome = rk.Credit("welcome", "acme", 25, "EUR", start=march.start)
        >>> invoices = rk.bill(rk.rate([], plan, span=march, accounts=["acme"]), credits=[welcome])
        >>> [(row["ChargeCategory"], row["BilledCost"]) for row in rk.focus_rows(invoices, provider="X")]
        [('Purchase', '30.00'), ('Credit', '-25.00')]
        >>> invoices[0].total
        Decimal('5.00')
    """
    if not isinstance(provider, str) or not provider:
        raise RatekitTypeError(
            f"focus_rows provider is the ProviderName FOCUS requires on every row: a "
            f"non-empty string such as 'Example Cloud', not {show(provider)}."
        )
    provider = check_text(str.__str__(provider), "focus_rows provider")
    publisher = _check_name("publisher", "PublisherName", publisher)
    invoice_issuer = _check_name("invoice_issuer", "InvoiceIssuerName", invoice_issuer)
    names = _check_mapping("service_names", service_names)
    categories = _check_mapping("service_categories", service_categories)
    accounts = _check_mapping("account_names", account_names)
    for key, category in categories.items():
        if category not in SERVICE_CATEGORIES:
            known = ", ".join(repr(c) for c in sorted(SERVICE_CATEGORIES))
            raise RatekitTypeError(
                f"service category {show(category)} of {show(key)} is not a FOCUS 1.2 "
                f"ServiceCategory; use one of {known}."
            )
    takes = "a Rating, charges, or invoices (not a mix of charges and invoices)"
    given: object = charges  # a caller's value, whatever its annotation says
    if isinstance(given, Invoice | Charge):
        one = type(given).__name__
        raise RatekitTypeError(
            f"focus_rows takes {takes}, as a sequence: give [{one.lower()}] for one {one}, "
            f"not the {one} itself: {show(given)}."
        )
    if isinstance(charges, Rating) and charges.shares:
        raise _shared_rating(charges)
    items = (
        charges.charges
        if isinstance(charges, Rating)
        else items_of(charges, object, "focus_rows", takes)
    )
    kind = Invoice if items and isinstance(items[0], Invoice) else Charge
    for index, item in enumerate(items):
        if not isinstance(item, kind):
            first = f"item 0 is {'an Invoice' if kind is Invoice else 'a Charge'}, but "
            raise RatekitTypeError(
                f"focus_rows takes {takes}; {first if index else ''}item {index} is "
                f"{type(item).__name__}: {show(item)}."
            )
    invoices: list[Invoice] = [item for item in items if isinstance(item, Invoice)]
    context: dict[str, Any] = {
        "provider": provider,
        "publisher": publisher or provider,
        "issuer": invoice_issuer or provider,
        "names": names,
        "categories": categories,
        "accounts": accounts,
    }
    if not invoices:
        return [_row(charge, priced=_unit_price(charge), **context) for charge in items]
    _check_charges_kept(invoices)
    out: list[dict[str, Any]] = []
    for invoice in invoices:
        billed = billed_parts(invoice.lines, invoice.account)
        for line, parts in zip(invoice.lines, billed, strict=True):
            out.extend(_line_rows(invoice, line, parts, context))
        out.extend(
            _credit_row(invoice, credit, context)
            for credit in invoice.credits
            if not credit.applied.is_zero()
        )
    return out


def _shared_rating(rating: Rating) -> ShareMismatchError:
    """The refusal of a rating rated with shares: its rows would book the holders' parts to the owner."""
    first = rating.shares[0]
    count = len(rating.shares)
    return ShareMismatchError(
        f"focus_rows was given a Rating rated with {count} share{'s' if count > 1 else ''} "
        f"(the first: resource {show(first.resource)} of account {show(first.owner)}); its "
        "shared charges are billed to the shares' holders as bill() splits them, so one row "
        "per charge would book them to the owner and leave the holders without rows. Give "
        "focus_rows the invoices, rk.focus_rows(rk.bill(rating), ...): each holder's rows "
        "are its parts, adding up to its invoice's total."
    )


def _check_charges_kept(invoices: list[Invoice]) -> None:
    """Every line has its charges: a FOCUS row is a charge's (its resource, span, tags).

    ``ratekit.scaleout.bill_by_account()`` sends back lines without their charges (equal
    to ``rk.bill()``'s all the same: charges are not part of a line's equality). Rows made
    from the lines alone would lack what a charge says and differ from those of equal
    invoices that kept their charges, so such invoices are refused, saying what to use.
    """
    for number, invoice in enumerate(invoices):
        for index, line in enumerate(invoice.lines):
            if not line.charges:
                raise BadDataError(
                    f"invoices[{number}].lines[{index}] (account {show(invoice.account)}, "
                    f"{line.kind} {line.meter or line.entry or ''}) has no charges, and "
                    "focus_rows makes one FOCUS row per charge (its resource, period and "
                    "tags): invoices from ratekit.scaleout.bill_by_account() leave "
                    "their charges where they were rated. Use "
                    "ratekit.scaleout.rate_by_account(), whose invoices keep their "
                    "charges, and give focus_rows its invoices (or its rating)."
                )


def _line_rows(
    invoice: Invoice, line: InvoiceLine, parts: list[Decimal], context: Any
) -> list[dict[str, Any]]:
    """A line's charges as rows billed their ``parts`` of the line's rounded amount.

    The parts are the invoice's own split (`_billed_parts.billed_parts`): between the
    line's plans as the invoice settles their minimums (a minimum line: each plan's
    top-up as billed), then within a plan near its charges' exact amounts, on the
    quantum the line was rounded on. They add up to the line, and a plan's rows to what
    the invoice's notes settle for it.
    """
    shared = line.kind == "shared"
    rows = []
    for charge, part in zip(line.charges, parts, strict=True):
        # A holder's part has its share of the quantities (60 digits); whether a unit
        # price gives the cost is the pooled charge's to say.
        held = _held(charge, line) if shared else None
        row = _row(charge, priced=_unit_price(charge), held=held, **context)
        row["BilledCost"] = row["EffectiveCost"] = number_text(part)
        row["BillingAccountId"] = invoice.account
        row["BillingAccountName"] = context["accounts"].get(invoice.account, invoice.account)
        if row["ListUnitPrice"] is None:
            row["ListCost"] = row["ContractedCost"] = number_text(part)
        if shared:
            row["x_ChargeKind"] = "shared"
        rows.append(row)
    return rows


def _held(charge: Charge, line: InvoiceLine) -> tuple[Decimal, Decimal]:
    """The holder's share of a pooled charge's quantity and free part: times share/shares.

    Plain numbers, not a Charge: a share of a small charge may lie below the range a
    Charge holds (its row's costs are the line's parts, not computed from it).
    """
    share, shares = line.share or ZERO, line.shares or ZERO

    def part(value: Decimal) -> Decimal:
        return CONTEXT.divide(CONTEXT.multiply(value, share), shares) if shares else value

    return part(charge.quantity), part(charge.free)


def _credit_row(invoice: Invoice, credit: CreditLine, context: Any) -> dict[str, Any]:
    paid = number_text(CONTEXT.minus(credit.applied))
    period_start = format_us(invoice.cycle.start_us)
    period_end = format_us(invoice.cycle.end_us)
    return {
        "BilledCost": paid,
        "BillingAccountId": invoice.account,
        "BillingAccountName": context["accounts"].get(invoice.account, invoice.account),
        "BillingCurrency": invoice.currency,
        "BillingPeriodEnd": period_end,
        "BillingPeriodStart": period_start,
        "ChargeCategory": "Credit",
        "ChargeClass": None,
        "ChargeDescription": f"credit · {credit.credit}",
        "ChargePeriodEnd": period_end,
        "ChargePeriodStart": period_start,
        "ContractedCost": paid,
        "EffectiveCost": paid,
        "InvoiceIssuerName": context["issuer"],
        "ListCost": paid,
        "PricingQuantity": None,
        "PricingUnit": None,
        "ProviderName": context["provider"],
        "PublisherName": context["publisher"],
        "ServiceCategory": context["categories"].get(credit.credit, "Other"),
        "ServiceName": context["names"].get(credit.credit, credit.credit),
        "ChargeFrequency": "One-Time",
        "ConsumedQuantity": None,
        "ConsumedUnit": None,
        "ContractedUnitPrice": None,
        "ListUnitPrice": None,
        "PricingCategory": None,
        "ResourceId": None,
        "SkuPriceId": None,
        "Tags": "{}",
        "x_Plan": None,
        "x_PriceEntry": None,
        "x_Meter": None,
        "x_ChargeKind": "credit",
        "x_FreeQuantity": None,
        "x_RecordIds": [],
        "x_Credit": credit.credit,
    }


def _kind(charge: Charge) -> str:
    """The charge's kind, which has a FOCUS ChargeCategory (else a RatekitTypeError)."""
    kind = str(charge.kind)
    if kind not in CHARGE_CATEGORIES:
        raise RatekitTypeError(
            f"charge kind {show(kind)} has no FOCUS ChargeCategory yet; known kinds: "
            + ", ".join(CHARGE_CATEGORIES)
            + "."
        )
    return kind


def _unit_price(charge: Charge) -> Decimal | None:
    """The ListUnitPrice of a charge: its unit price when that gives its amount, else None.

    Only with a quantity it prices (usage or a fee): a minimum's top-up has none (its
    unit price is the commitment, which the top-up is not). The price must give the
    charge's amount from its billable quantity, up to the rounding of both at their 60th
    digit (`gives`): a tiered price has no such price.
    """
    if (
        CHARGE_CATEGORIES[_kind(charge)][0] not in ("Usage", "Purchase")
        or charge.unit_price is None
    ):
        return None
    billable = CONTEXT.subtract(charge.quantity, charge.free)
    product = PRODUCTS.multiply(billable, charge.unit_price)
    if not gives(product, charge.amount, charge.unit_price, billable):
        return None
    return charge.unit_price


def _row(
    charge: Charge,
    *,
    priced: Decimal | None,
    held: tuple[Decimal, Decimal] | None = None,
    provider: str,
    publisher: str,
    issuer: str,
    names: Mapping[str, str],
    categories: Mapping[str, str],
    accounts: Mapping[str, str],
) -> dict[str, Any]:
    kind = _kind(charge)
    category, frequency = CHARGE_CATEGORIES[kind]
    service_key = charge.meter if charge.meter is not None else (charge.entry or "")
    usage = category == "Usage"
    quantity, free = (charge.quantity, charge.free) if held is None else held
    pricing_quantity = (
        tidy(CONTEXT.subtract(quantity, free)) if category in ("Usage", "Purchase") else None
    )
    unit_price = priced  # the pooled charge's, for a holder's part
    # ListCost is PricingQuantity x ListUnitPrice to the last digit: the very numbers the
    # row prints, multiplied exactly (a 60-digit prorated or shared quantity gives a
    # product of more digits, within a unit of the 60th digit of the exact amount).
    list_cost = (
        PRODUCTS.multiply(pricing_quantity, unit_price)
        if unit_price is not None and pricing_quantity is not None
        else charge.amount
    )
    what = [charge.meter or "", charge.entry or ""]
    if charge.kind == "fee":
        what = ["fee", charge.entry or ""]
    elif charge.kind == "minimum":
        what = ["minimum commitment", charge.meter or "all usage"]
    if charge.resource is not None:
        what.append(charge.resource)
    # a price as written ("0.1000") carries no trailing zero past the quantum ("0.10")
    price_text = None if unit_price is None else cost_text(unit_price, charge.quantum)
    row: dict[str, Any] = {
        "BilledCost": cost_text(charge.amount, charge.quantum),
        "BillingAccountId": charge.account,
        "BillingAccountName": accounts.get(charge.account, charge.account),
        "BillingCurrency": charge.currency,
        "BillingPeriodEnd": format_us(charge.cycle.end_us),
        "BillingPeriodStart": format_us(charge.cycle.start_us),
        "ChargeCategory": category,
        "ChargeClass": "Correction" if _is_correction(charge) else None,
        "ChargeDescription": " · ".join(part for part in what if part),
        "ChargePeriodEnd": format_us(charge.span.end_us),
        "ChargePeriodStart": format_us(charge.span.start_us),
        "ContractedCost": cost_text(list_cost, charge.quantum),
        "EffectiveCost": cost_text(charge.amount, charge.quantum),
        "InvoiceIssuerName": issuer,
        "ListCost": cost_text(list_cost, charge.quantum),
        "PricingQuantity": number_text(pricing_quantity),
        "PricingUnit": charge.unit if pricing_quantity is not None else None,
        "ProviderName": provider,
        "PublisherName": publisher,
        "ServiceCategory": categories.get(service_key, "Other"),
        "ServiceName": names.get(service_key, service_key or kind),
        "ChargeFrequency": frequency,
        "ConsumedQuantity": number_text(tidy(quantity)) if usage else None,
        "ConsumedUnit": charge.unit if usage else None,
        "ContractedUnitPrice": price_text,
        "ListUnitPrice": price_text,
        "PricingCategory": "Standard" if pricing_quantity is not None else None,
        "ResourceId": charge.resource,
        "SkuPriceId": charge.entry,
        "Tags": json.dumps(
            {str(k): _tag(v) for k, v in charge.description.items()}, sort_keys=True
        ),
        "x_Plan": charge.plan,
        "x_PriceEntry": charge.entry,
        "x_Meter": charge.meter,
        "x_ChargeKind": kind,
        "x_FreeQuantity": number_text(tidy(free)),
        "x_RecordIds": list(charge.record_ids),
        "x_Credit": None,
    }
    return row


def _tag(value: object) -> object:
    """A description attribute as a value of FOCUS's Key-Value Format.

    A mapping's keys are written in sorted order, at every depth (as the whole ``Tags``
    object's): equal descriptions are one text, whatever order their keys came in.

    The format allows a number, string, bool or null, never an object or an array: a
    string, int, bool or None is itself; a Decimal its plain-notation string (``"2.5"``,
    never a float); a nested mapping or list its compact JSON text, Decimals in it as such
    strings (``'{"name":"ubuntu","size_gb":"2.5"}'``). O(size of the value).

    Examples:
        >>> from decimal import Decimal
        >>> _tag({"name": "ubuntu", "size_gb": Decimal("2.5"), "zones": ("a", "b")})
        '{"name":"ubuntu","size_gb":"2.5","zones":["a","b"]}'
        >>> _tag(Decimal("1E+1")), _tag(7), _tag(None)
        ('10', 7, None)
    """
    if isinstance(value, Mapping | tuple | list):
        return json.dumps(
            _json_value(value), separators=(",", ":"), ensure_ascii=False, sort_keys=True
        )
    return _json_value(value)


def _json_value(value: object) -> object:
    """A description's value as JSON data: a Decimal as a plain number string."""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    return value
