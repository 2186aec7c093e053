"""The errors ratekit raises.

Every error ratekit raises is a [`RatekitError`][ratekit.RatekitError]. Each subclass names one kind of
problem and, where Python has a matching built-in, also subclasses it, so code that
already catches ``ValueError`` or ``TypeError`` keeps working.

A message says what was wrong, shows the offending value, names the record and field
when there is one, and says what would have been accepted.

Examples:
    >>> import ratekit as rk
    >>> try:
    ...     rk.Span("2026-03-01T00:00:00", "2026-04-01T00:00:00Z")
    ... except rk.BadTimeError as error:
    ...     print(error)
    Span start '2026-03-01T00:00:00' has no UTC offset; ratekit compares instants, so write it with an offset or 'Z', e.g. '2026-03-01T00:00:00Z'.
    >>> isinstance(rk.BadTimeError("x"), ValueError)
    True
"""

from __future__ import annotations

import pickle
import typing

from ._shown import bounded_message

__all__ = [
    "BadCalendarError",
    "BadDataError",
    "BadPolicyError",
    "BadPriceError",
    "BadQuantityError",
    "BadRecordError",
    "BadSnapshotError",
    "BadSpanError",
    "BadTimeError",
    "ConflictingRecordError",
    "CurrencyMismatchError",
    "MissingExtraError",
    "PriceTypeError",
    "QuantityTypeError",
    "RatekitError",
    "RatekitTypeError",
    "ReentrantCallError",
    "RepeatedIdError",
    "ShareMismatchError",
    "SplitAccountError",
    "UnitError",
    "UnknownCandidateError",
    "UnknownMeterError",
    "UnpricedUsageError",
]


class RatekitError(Exception):
    """Base of every error ratekit raises.

    Catch this to handle anything ratekit refuses; catch a subclass to handle one kind.

    An error pickles with its cause: one raised in another process (a scale-out's
    worker, Dask's ``"processes"`` scheduler) keeps in the caller's process the error it
    was raised from (``__cause__``), which Python's own pickling of an exception drops.
    A cause that does not pickle is left out.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.BadQuantityError, rk.RatekitError)
        True
    """

    def __init__(self, *args: object) -> None:
        # A message quoting a caller's value whole (a megabyte name) is bounded here, the
        # one place every message passes (see `_shown.bounded_message`).
        if args:
            args = (bounded_message(args[0]), *args[1:])
        super().__init__(*args)

    def __reduce__(self) -> tuple[typing.Any, ...]:
        cause = self.__cause__
        if cause is not None:
            try:
                pickle.dumps(cause)
            except Exception:  # any cause that will not travel is left out
                cause = None
        return (type(self), self.args, (self.__dict__ or None, cause))

    def __setstate__(self, state: typing.Any) -> None:  # as __reduce__ gives it
        attributes, cause = state
        if attributes:
            self.__dict__.update(attributes)
        self.__cause__ = cause


class RatekitTypeError(RatekitError, TypeError):
    """A value of a type ratekit cannot take for that field (a list where an instant goes).

    Its two subclasses, [`QuantityTypeError`][ratekit.QuantityTypeError] and
    [`PriceTypeError`][ratekit.PriceTypeError], are raised by the doors that refused a
    wrong type as a `BadQuantityError` or a `BadPriceError` before: they are both kinds,
    so a caller catching either class catches them still.

    Examples:
        >>> import ratekit as rk
        >>> try:
        ...     rk.Span([2026], "2026-01-01T00:00:00Z")
        ... except rk.RatekitTypeError as error:
        ...     print(error)
        Span start must be an aware datetime or an ISO-8601 string with an offset, not list: [2026].
    """


@typing.final
class BadTimeError(RatekitError, ValueError):
    """An instant ratekit cannot use: naive, without an offset, unparsable or out of range.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.BadTimeError, ValueError)
        True
    """


@typing.final
class BadSpanError(RatekitError, ValueError):
    """A span whose end comes before its start, or a span operation with no meaning.

    Examples:
        >>> import ratekit as rk
        >>> try:
        ...     rk.Span("2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z")
        ... except rk.BadSpanError as error:
        ...     print(error)
        Span end 2026-01-01T00:00:00Z comes before its start 2026-02-01T00:00:00Z; a span is [start, end) with start <= end.
    """


@typing.final
class BadCalendarError(RatekitError, ValueError):
    """A billing cycle or recurring window that cannot be built (unknown timezone, bad cron).

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.BadCalendarError, ValueError)
        True
    """


class BadQuantityError(RatekitError, ValueError):
    """A quantity or amount that is not a finite decimal number (NaN, infinity, ``"abc"``).

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.BadQuantityError, ValueError)
        True
    """


@typing.final
class QuantityTypeError(RatekitTypeError, BadQuantityError):
    """A wrong type where an amount goes, at a door that took only a Decimal (``Plan.round``).

    A `RatekitTypeError`, as every wrong type is, and a `BadQuantityError`, as that door
    called it before, so code catching either keeps working.

    Examples:
        >>> import ratekit as rk
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
        >>> try:
        ...     plan.round(1.005)
        ... except rk.RatekitTypeError as error:
        ...     print(type(error).__name__, isinstance(error, rk.BadQuantityError))
        ...     print(error)
        QuantityTypeError True
        plan 'p' rounds finite Decimal amounts, not float: 1.005.
    """


@typing.final
class RepeatedIdError(BadQuantityError):
    """One id given to two values that must each have their own (two credits of an account).

    Raised by [`bill()`][ratekit.bill], [`credits_left()`][ratekit.credits_left] and
    [`apply_credits()`][ratekit.apply_credits] for two credits of one account with one id,
    by ``apply_credits()`` for two invoices of one account and cycle, and by
    [`Share`][ratekit.Share] for an account named twice: the message names the id and
    both values. Nothing is wrong with either
    value's numbers; it is a `BadQuantityError` (as those doors called it before), so code
    catching that keeps working.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.RepeatedIdError, rk.BadQuantityError)
        True
    """


class BadRecordError(RatekitError, ValueError):
    """A usage record that cannot be rated; the message names the record and the field.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.ConflictingRecordError, rk.BadRecordError)
        True
    """


@typing.final
class ConflictingRecordError(BadRecordError):
    """Two records share an id but differ in content; replaying a record must be a no-op.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.ConflictingRecordError, ValueError)
        True
    """


@typing.final
class UnitError(RatekitError, ValueError):
    """A unit ratekit does not know, or two units that cannot be converted into each other.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.UnitError, ValueError)
        True
    """


@typing.final
class UnknownMeterError(RatekitError, LookupError):
    """A record or price refers to a meter that was not declared.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.UnknownMeterError, LookupError)
        True
    """


@typing.final
class BadPolicyError(RatekitError, ValueError):
    """A meter's policy of the user's own that failed while metering called it.

    Its ``level``, ``accepts``, ``increments`` or ``aggregate`` (or a
    [`Continuous`][ratekit.Continuous] level function) raised an exception of its own (a
    ``KeyError`` in a lookup, a division by zero): the message names the meter, the
    policy's method, the resource and the exception, which is chained as the cause. What
    such a policy *returns* that metering cannot use is refused by the error of the
    value's kind (`BadQuantityError`, `RatekitTypeError`, `BadTimeError`).

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.BadPolicyError, ValueError)
        True
    """


class BadPriceError(RatekitError, ValueError):
    """A price model, tier table or pricelist that is inconsistent (bounds out of order, ties).

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.BadPriceError, ValueError)
        True
    """


@typing.final
class PriceTypeError(RatekitTypeError, BadPriceError):
    """A wrong type where a price's table goes: tiers, a tier, ``from_ranges`` ranges.

    A `RatekitTypeError`, as every wrong type is, and a `BadPriceError`, as those doors
    called it before, so code catching either keeps working.

    Examples:
        >>> import ratekit as rk
        >>> try:
        ...     rk.Graduated(None)
        ... except rk.RatekitTypeError as error:
        ...     print(type(error).__name__, isinstance(error, rk.BadPriceError))
        ...     print(error)
        PriceTypeError True
        tiers must be a sequence of tiers, not None.
    """


@typing.final
class UnpricedUsageError(RatekitError, LookupError):
    """Usage that no pricelist entry prices, under a plan that asks for an error.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.UnpricedUsageError, LookupError)
        True
    """


@typing.final
class CurrencyMismatchError(RatekitError, ValueError):
    """Amounts in different currencies that were about to be added together.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.CurrencyMismatchError, ValueError)
        True
    """


@typing.final
class BadDataError(RatekitError, ValueError):
    """Plain data (a JSON row, a plan written as a dict) that does not describe a ratekit value.

    The message starts with the path of the bad field (``plans[0].entries[2].price``).

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.BadDataError, ValueError)
        True
    """


@typing.final
class BadSnapshotError(RatekitError, ValueError):
    """A rater snapshot that cannot be restored: unknown version, altered, other plans.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.BadSnapshotError, ValueError)
        True
    """


@typing.final
class ShareMismatchError(RatekitError, ValueError):
    """Shares given to [`bill()`][ratekit.bill] that are not those the charges were rated with.

    A minimum commitment counts only the owner's part of a shared charge, so the charges
    must be split by the shares [`rate()`][ratekit.rate] counted them with.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.ShareMismatchError, ValueError)
        True
    """


@typing.final
class MissingExtraError(RatekitError, ImportError):
    """An optional library a feature needs is not installed; the message names the extra.

    Cron windows need ``cronsim`` (``pip install 'ratekit[cron]'``), DataFrames need
    ``pandas`` (``pip install 'ratekit[pandas]'``), ``ratekit.strategies`` needs
    ``hypothesis`` (``pip install 'ratekit[strategies]'``). It is an `ImportError` too.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.MissingExtraError, ImportError)
        True
    """


@typing.final
class SplitAccountError(RatekitError, ValueError):
    """One account's records rated in two parts of a scale-out: it would be billed twice.

    Raised by `ratekit.scaleout.rate_by_account` with ``shuffle=False`` when the bag's
    partitions do not hold whole accounts; the message names the accounts.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.SplitAccountError, ValueError)
        True
    """


@typing.final
class UnknownCandidateError(RatekitError, LookupError):
    """A name looked up among a comparison's candidates that is none of them.

    Raised by [`Comparison.accounts()`][ratekit.Comparison.accounts]; the message names the
    candidates the comparison has. It is a `LookupError` too.

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.UnknownCandidateError, LookupError)
        True
    """


@typing.final
class UncutUsageError(RatekitError, ValueError):
    """A usage row rating would have to split at an instant it was not metered with.

    Raised by [`rate()`][ratekit.rate] for a row of a meter whose quantity is a sum of
    samples (deltas, counters, counts), with its meters known, that spans a price cut or an
    assignment boundary: its quantity does not spread in proportion to time. The message
    names the row, the instant and the way out (meter with ``cuts=plan.cuts(span)``, or
    rate the records with ``meters=``).

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.UncutUsageError, ValueError)
        True
    """


@typing.final
class ReentrantCallError(RatekitError, RuntimeError):
    """A call on a [`Rater`][ratekit.Rater] made from inside another call on it, in one thread.

    Only code of the caller's that the first call runs can make it (a generator of
    records that asks a statement, a level function that takes a snapshot): the rater
    refuses it before reading or changing anything. Calls from other threads wait their
    turn instead
    (docs/streaming.md, one call at a time).

    Examples:
        >>> import ratekit as rk
        >>> issubclass(rk.ReentrantCallError, RuntimeError)
        True
    """
