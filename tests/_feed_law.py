"""The feed's doors against batch rating: records fed one at a time, each side agreeing.

A record the feed refuses is one batch ``rate()`` of the records taken before it and it
refuses too; what the feed took, the statements price as batch rating prices it, to the
last digit (summed exactly: the default context's 28 digits would round them).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Sequence
from decimal import Decimal

import pytest

import ratekit as rk

START = "2026-03-01T00:00:00Z"
#: Three days: the day after the records' two is where the values gauges hold go on
#: alone, which a statement there prices too.
DAYS = rk.Span(START, "2026-03-04T00:00:00Z")


def exact_sum(amounts: Iterable[Decimal]) -> Decimal:
    """The sum of ``amounts``, exact."""
    with decimal.localcontext(prec=decimal.MAX_PREC, traps=[decimal.Inexact]):
        return sum(amounts, Decimal(0))


def total(rater: rk.Rater, as_of: str | dt.datetime) -> Decimal:
    """What the statement at ``as_of`` says, its lines summed exactly."""
    return exact_sum(line.amount for line in rater.statement(as_of).lines)


def fed_one_at_a_time(
    records: Sequence[rk.Event | rk.Sample],
    plan: rk.Plan,
    meters: Sequence[rk.Meter],
    *,
    refused: tuple[type[rk.RatekitError], ...] = (rk.BadQuantityError,),
    as_it_goes: bool = False,
) -> None:
    """Feed ``records`` (of two days) one at a time; the feed and batch rating agree.

    ``refused``: the errors batch rating may refuse a record the feed refused with.
    ``as_it_goes``: a statement after each record taken, at the latest instant taken so
    far (so a record stamped before is late), every statement's lines summed.
    """
    rater = rk.Rater(plan, list(meters), start=START)
    taken: list[rk.Event | rk.Sample] = []
    watermark, said = dt.datetime(2026, 3, 1, tzinfo=dt.UTC), Decimal(0)
    for record in records:
        fed: type[rk.RatekitError] | None = None
        try:
            rater.feed([record])
        except (rk.BadQuantityError, rk.BadPriceError) as error:
            fed = type(error)
        if fed is not None:
            with pytest.raises(refused) as rated:
                rk.rate([*taken, record], plan, span=DAYS, meters=list(meters))
            # one class for one input, whichever path refuses it
            assert type(rated.value) is fed, rated.value
            continue
        taken.append(record)
        if as_it_goes:
            watermark = max(watermark, record.at)
            said = exact_sum((said, total(rater, watermark)))
    said = exact_sum((said, total(rater, "2026-03-04T00:00:00Z")))
    rating = rk.rate(taken, plan, span=DAYS, meters=list(meters))
    assert said == exact_sum(c.amount for c in rating.charges)
