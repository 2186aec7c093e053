"""What a sample policy of the user's own returns, checked where metering reads it.

Private to [`ratekit.meter()`][ratekit.meter]. A [`DeltaPolicy`][ratekit.DeltaPolicy]'s
``increments(...)`` returns `Increment` tuples ``(start_us, end_us, amount,
record_ids)``; a [`SamplePolicy`][ratekit.SamplePolicy]'s ``aggregate(...)`` a piece's
quantity or ``None``. Metering apportions, adds and keeps what they return: a NaN, an
infinity, a float, a string or a bool there would become a NaN row, or a foreign
``TypeError`` or ``ValueError`` from deep inside. So what a policy of the user's own returns
is checked here, and a result metering cannot use is a
[`RatekitError`][ratekit.RatekitError] naming the meter, the policy, the resource and
the value, and saying what is accepted: an amount or a quantity is a finite ``Decimal``
or an ``int`` (read exactly) in ratekit's range (see `ratekit._decimals`), never a float
(inexact) or text. An exception the policy raises (not a ``RatekitError``, which passes
as it is) is a [`BadPolicyError`][ratekit.BadPolicyError] naming the same, chained.

The built-in policies are trusted: their results are right by construction, and pass
unchecked. An aggregate is checked once per piece (or cycle); the increments of a call at
C speed (sets of their fields' types, the least and greatest values), and one by one only
when that finds something to refuse or to convert (an int amount, a list of ids).
"""

from __future__ import annotations

import itertools
import operator
import typing
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Final

from ._decimals import CONTEXT, MAX_ADJUSTED, MAX_DIGITS, MIN_ADJUSTED, RANGE_TEXT, to_decimal
from ._delta_policies import Counter, Discrete, Stretches
from ._instants import MAX_US, MIN_US, format_us
from ._policy_doors import Increment, Report
from ._sample_policies import (
    Count,
    Latest,
    Max,
    Min,
    Percentile,
    TimeWeightedMean,
    UniqueCount,
)
from ._shown import show
from ._window import MAX_PIECES
from .errors import (
    BadPolicyError,
    BadQuantityError,
    BadSpanError,
    BadTimeError,
    RatekitError,
    RatekitTypeError,
)

if typing.TYPE_CHECKING:
    from .policies import DeltaPolicy, Meter, SamplePolicy
    from .records import Sample

__all__ = ["aggregated", "checked_increments", "failed", "increments_of"]

#: The built-in policies, whose results metering trusts.
_TRUSTED_DELTAS: Final = frozenset({Discrete, Counter})
_TRUSTED_AGGREGATIONS: Final = frozenset(
    {Count, Latest, Max, Min, Percentile, TimeWeightedMean, UniqueCount}
)

_LOW: Final = Decimal(f"1E{MIN_ADJUSTED}")
_HIGH: Final = Decimal(f"1E+{MAX_ADJUSTED + 1}")

_NUMBER: Final = f"a finite Decimal (or an int) with {RANGE_TEXT}"
_INCREMENT: Final = (
    "An increment is (start_us, end_us, amount, record_ids): two ints of epoch "
    f"microseconds with start_us <= end_us, {_NUMBER}, and a tuple of record id strings."
)
_AGGREGATE: Final = f"aggregate() returns the piece's quantity, {_NUMBER}, or None for no row."


def increments_of(  # noqa: PLR0917 - private plumbing of plain values
    item: Meter,
    account: str,
    resource: str,
    readings: Sequence[Sample],
    previous: Sample | None,
    report: Report,
    line: Stretches | None = None,
) -> Iterable[Increment]:
    """``item.policy.increments(readings, previous, report)``, checked unless built in.

    A `Counter`'s over the resource's running stretches when its ``line`` is given
    (`Counter._over()`: one ``from_zero`` counts each stretch after a stop from 0).
    """
    policy = typing.cast("DeltaPolicy", item.policy)
    if line is not None and type(policy) is Counter:
        return policy._over(readings, previous, report, line)
    if type(policy) in _TRUSTED_DELTAS:
        return policy.increments(readings, previous, report)
    try:
        got = policy.increments(readings, previous, report)
    except RatekitError:
        raise
    except Exception as error:  # the policy's own failure, named
        raise failed(item, "increments", error, f"resource {resource!r} of {account!r}") from error
    return checked_increments(got, item, account, resource, MAX_PIECES + len(readings))


def failed(item: Meter, method: str, error: Exception, where: str) -> BadPolicyError:
    """The error of meter ``item``'s policy that raised ``error`` in ``method``, over ``where``.

    ``error`` is the policy's own (not a [`RatekitError`][ratekit.RatekitError], which
    passes as it is); the caller chains it as the cause. O(1).
    """
    return BadPolicyError(
        f"meter {item.name!r}: policy {type(item.policy).__name__}.{method}(), for {where}, "
        f"raised {type(error).__name__} ({error}); a policy returns what metering reads, "
        "or refuses with a RatekitError (the exception is chained as this error's cause)."
    )


def _screened(out: list[typing.Any]) -> bool:  # noqa: PLR0911 - one screen per field
    """Whether every increment of ``out`` is right as it is, told at C speed. O(n)."""
    if not out:
        return True
    if set(map(type, out)) != {tuple} or set(map(len, out)) != {4}:
        return False
    # Each field by itemgetter (zip(*out) would make an iterator per increment).
    starts, ends, amounts, ids = (list(map(operator.itemgetter(k), out)) for k in range(4))
    if set(map(type, starts)) != {int} or set(map(type, ends)) != {int}:
        return False
    if min(starts) < MIN_US or max(ends) > MAX_US or not all(map(operator.le, starts, ends)):
        return False
    if set(map(type, amounts)) != {Decimal} or not all(map(Decimal.is_finite, amounts)):
        return False
    # The leading digits' exponents in range (a zero's is 0, unless written with an
    # exponent out of range: the slow path tells); at most 60 significant digits when
    # rounding to 60 changes nothing (trailing zeros do not count, as at the door).
    adjusted = list(map(Decimal.adjusted, amounts))
    if max(adjusted) > MAX_ADJUSTED or min(adjusted) < MIN_ADJUSTED:
        return False
    if not all(map(operator.eq, map(CONTEXT.plus, amounts), amounts)):
        return False
    if set(map(type, ids)) != {tuple}:
        return False
    return set(map(type, itertools.chain.from_iterable(ids))) <= {str}


def checked_increments(
    got: object, item: Meter, account: str, resource: str, limit: int
) -> list[Increment]:
    """``got``, what a delta policy's ``increments()`` returned, as a list of checked increments.

    An int amount becomes its Decimal, a list of ids a tuple. Else a `RatekitError`
    naming the meter, the policy, the resource, the increment and what is accepted; more
    than ``limit`` increments (an endless generator) are a
    [`BadPolicyError`][ratekit.BadPolicyError], refused once the first ``limit + 1``
    are read, never hanging. O(n).
    """
    who = (
        f"meter {item.name!r}: policy {type(item.policy).__name__}.increments(), for "
        f"resource {resource!r} of {account!r}, returned"
    )
    try:
        iterator = iter(got)  # type: ignore[call-overload] # what the user's policy gave
    except TypeError:
        raise RatekitTypeError(
            f"{who} {type(got).__name__} {show(got)}, not an iterable of increments. {_INCREMENT}"
        ) from None
    try:
        out = list(itertools.islice(iterator, limit + 1))
    except RatekitError:
        raise
    except Exception as error:  # a generator of the policy's own failed midway
        raise failed(item, "increments", error, f"resource {resource!r} of {account!r}") from error
    if len(out) > limit:
        raise BadPolicyError(
            f"{who} more than {limit:,} increments: at most 1,000,000 more than the readings "
            "it was given (one call, one resource); an endless generator is refused, never "
            "read to its end."
        )
    if _screened(out):
        return out
    return [_checked(increment, index, who) for index, increment in enumerate(out)]


def _checked(increment: object, index: int, who: str) -> Increment:
    """One increment, checked and converted; or the error naming it. O(k) for k ids."""
    if type(increment) is not tuple or len(increment) != 4:
        raise RatekitTypeError(
            f"{who} {type(increment).__name__} {show(increment)} (increment {index}), not a "
            f"tuple of 4 values. {_INCREMENT}"
        )
    start_us, end_us, amount, ids = increment
    for field, value in (("start_us", start_us), ("end_us", end_us)):
        if type(value) is not int:
            raise RatekitTypeError(
                f"{who} increment {index} with {field} {type(value).__name__} {show(value)}, "
                f"not an int. {_INCREMENT}"
            )
        if not MIN_US <= value <= MAX_US:
            raise BadTimeError(
                f"{who} increment {index} with {field} {show(value)}, outside the instants "
                f"ratekit represents ({MIN_US} to {MAX_US}, {format_us(MIN_US)} to "
                f"{format_us(MAX_US)}). {_INCREMENT}"
            )
    if end_us < start_us:
        raise BadSpanError(
            f"{who} increment {index} that ends at {format_us(end_us)}, before it starts "
            f"({format_us(start_us)}). {_INCREMENT}"
        )
    value = _number(amount, f"{who} increment {index} with amount", _INCREMENT)
    if type(ids) not in {tuple, list} or any(type(i) is not str for i in ids):
        raise RatekitTypeError(
            f"{who} increment {index} with record_ids {show(ids)}, not a tuple of record id "
            f"strings. {_INCREMENT}"
        )
    return (start_us, end_us, value, tuple(ids))


def _number(value: object, what: str, accepted: str) -> Decimal:
    """``value``, a finite Decimal or an int in range, as a Decimal; or the error. O(1)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise RatekitTypeError(
            f"{what} {type(value).__name__} {show(value)}, not a Decimal or an int. {accepted}"
        )
    if isinstance(value, Decimal) and not value.is_finite():
        raise BadQuantityError(f"{what} {show(value)}, not a finite number. {accepted}")
    try:
        return to_decimal(value, what)
    except RatekitError:
        raise BadQuantityError(
            f"{what} {show(value)}, outside the numbers ratekit represents exactly. {accepted}"
        ) from None


def aggregated(  # noqa: PLR0917 - private plumbing of plain values
    item: Meter,
    account: str,
    resource: str,
    readings: Sequence[Sample],
    start_us: int,
    end_us: int,
    before: Sample | None,
) -> Decimal | None:
    """``item.policy.aggregate(readings, start_us, end_us, before)``, checked unless built in.

    ``None`` or a finite Decimal in ratekit's range (an int becomes its Decimal); else a
    `RatekitError` naming the meter, the policy, the resource, the piece and what is
    accepted. O(1) besides the aggregation.
    """
    policy = typing.cast("SamplePolicy", item.policy)
    try:
        quantity: object = policy.aggregate(readings, start_us, end_us, before)
    except RatekitError:
        raise
    except Exception as error:  # the policy's own failure, named
        where = (
            f"resource {resource!r} of {account!r} over {format_us(start_us)}..{format_us(end_us)}"
        )
        raise failed(item, "aggregate", error, where) from error
    if quantity is None or type(policy) in _TRUSTED_AGGREGATIONS:
        return typing.cast("Decimal | None", quantity)
    if (
        type(quantity) is Decimal
        and quantity.is_finite()
        and (not quantity or _LOW <= quantity.copy_abs() < _HIGH)
        and len(quantity.as_tuple().digits) <= MAX_DIGITS
    ):
        return quantity
    return _number(
        quantity,
        f"meter {item.name!r}: policy {type(policy).__name__}.aggregate(), for resource "
        f"{resource!r} of {account!r} over {format_us(start_us)}..{format_us(end_us)}, "
        "returned",
        _AGGREGATE,
    )
