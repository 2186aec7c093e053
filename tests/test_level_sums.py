"""Levels near the limit: the levels of one account's resources add up in its cycle.

A `Continuous` meter priced by a model that takes a cycle's quantity (here `Graduated`)
takes quantities below 1E+30. Each resource's level passes the rater's door alone when,
held over the longest cycle it can run through, it stays below; the account's levels of
the meter summed (each resource's largest) must stay below too, else the record that
brings the sum there is refused at the feed (every later statement would fail). Batch
`rate()` fails on such records with an error naming the sum, not one level.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

DISK = rk.Meter("disk", "GB*hour", rk.Continuous("size", unit="GB"))
TIERS = rk.Graduated([rk.Tier(unit="1E-30")])
MONTHLY = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("d", "disk", TIERS)])
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _disk(resource: str, size: str, at: str = "2026-03-01T00:00:00Z") -> rk.Event:
    return rk.Event("a", resource, at, {"size": size}, id=f"{resource}@{at}")


def test_two_levels_each_in_range_that_sum_past_the_limit_are_named_by_batch_rating() -> None:
    # 1.3E+27 GB x 744 hours (March) = 9.672E+29 GB*hour each, below 1E+30 alone;
    # the two together 1.9344E+30. A level is accepted below 1E+30 / 744 = 1.344086...E+27,
    # shown to six digits rounded down: 1.34408E+27.
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.rate(
            [_disk("v0", "1.3E+27"), _disk("v1", "1.3E+27")], MONTHLY, span=MARCH, meters=[DISK]
        )
    assert str(caught.value).endswith(
        "lies outside the numbers ratekit represents exactly: give at most 60 significant "
        "digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30. The "
        "levels of meter 'disk' that the resources of account 'a' hold in the cycle add up "
        "past it (this resource's alone, 1.3E+27 ('size'), is in range): held over the whole "
        "cycle (744 hours), the levels summed are accepted from 0 up to but excluding "
        "1.34408E+27 (a cycle's quantity below 1E+30); keep the sum in that range, or price "
        "the meter PerUnit."
    )
    assert "cannot price 1934400000000000000000000000000 GB*hour of meter 'disk' for account" in (
        str(caught.value)
    )


SUM_REFUSED = (  # {index}: where the record is in its batch
    "Rater.feed: records[{index}]: event 'v1@2026-03-01T00:00:00Z' stamped 2026-03-01T00:00:00Z for resource 'v1' of 'a' "
    "sets the level of meter 'disk' to 1.3E+27, which with the levels of the account's 1 "
    "other resource of that meter (1.3E+27 summed, each its largest) makes 2.6E+27: held "
    "together over a cycle of 744 hours (the longest of the cycles they can run through, in "
    "the year from its instant; its own is 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z), the "
    "account's quantity in one cycle would reach 1.9344E+30 GB*hour, beyond what its price "
    "takes (a cycle's quantity below 1E+30 in magnitude, under a price other than PerUnit), "
    "so every statement from then on would fail to price it. The levels of one account's "
    "resources of a meter are accepted while their sum stays below 1.34408E+27 (here, this "
    "one below 4.408E+25); or price the meter PerUnit. The batch is refused whole; fix or "
    "drop the record and feed the batch again."
)


def test_the_rater_refuses_the_level_that_brings_its_accounts_sum_past_the_limit() -> None:
    rater = rk.Rater(MONTHLY, [DISK], start="2026-03-01T00:00:00Z")
    # In one batch: the second level brings the sum to 2.6E+27 (x 744 h = 1.9344E+30).
    with pytest.raises(rk.BadQuantityError) as caught:
        rater.feed([_disk("v0", "1.3E+27"), _disk("v1", "1.3E+27")])
    assert str(caught.value) == SUM_REFUSED.format(index=1)  # the batch's second record
    # The first alone is taken; the second, fed later, meets the kept first.
    assert rater.feed([_disk("v0", "1.3E+27")]).accepted == ("v0@2026-03-01T00:00:00Z",)
    with pytest.raises(rk.BadQuantityError) as again:
        rater.feed([_disk("v1", "1.3E+27")])
    assert str(again.value) == SUM_REFUSED.format(index=0)
    # Below the room left (1.34408E+27 - 1.3E+27 = 4.408E+25) is taken: 1.34E+27 summed,
    # x 744 h = 9.9696E+29 GB*hour, x 1E-30 = 0.99696 EUR, rounded 1.00.
    rater.feed([_disk("v1", "4E+25")])
    (invoice,) = rater.statement("2026-04-01T00:00:00Z").invoices
    assert invoice.total == Decimal("1.00")


def test_a_level_kept_in_compacted_state_still_counts_in_the_sum() -> None:
    rater = rk.Rater(MONTHLY, [DISK], start="2026-03-01T00:00:00Z")
    rater.feed([_disk("v0", "1.3E+27")])
    rater.statement("2026-05-01T00:00:00Z")  # March and April closed (v0 holds its level)
    with pytest.raises(rk.BadQuantityError, match=r"makes 2\.6E\+27: held together"):
        rater.feed([_disk("v1", "1.3E+27", at="2026-05-02T00:00:00Z")])
    # A restored copy knows it from its snapshot.
    restored = rk.Rater.restore(rater.snapshot(), MONTHLY, [DISK])
    with pytest.raises(rk.BadQuantityError, match=r"makes 2\.6E\+27: held together"):
        restored.feed([_disk("v1", "1.3E+27", at="2026-05-02T00:00:00Z")])


DAILY = rk.Plan("d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("d", "disk", TIERS)])
#: 1E+30 / 24 hours: the least sum of levels a whole UTC day takes to 1E+30.
DAY_LIMIT = Fraction(10**30, 24)


@settings(max_examples=max(LAWS // 10, 30), deadline=None)
@given(
    levels=st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 30)),  # resource, level in 1E+27
        min_size=1,
        max_size=6,
    ),
    cuts=st.lists(st.integers(1, 5), max_size=3),
)
def test_the_rater_takes_levels_exactly_while_their_sum_stays_below_the_limit(
    levels: list[tuple[int, int]], cuts: list[int]
) -> None:
    """Oracle: Fractions. A batch is taken iff every level it sets keeps the account's sum
    of each resource's largest level (times 24 hours) below 1E+30; what is taken rates."""
    records = [
        _disk(f"v{resource}", f"{level}E+27", at=f"2026-03-01T{index:02d}:00:00Z")
        for index, (resource, level) in enumerate(levels)
    ]
    rater = rk.Rater(DAILY, [DISK], start="2026-03-01T00:00:00Z")
    largest: dict[str, Fraction] = {}
    taken: list[rk.Event] = []
    refused: list[list[rk.Event]] = []
    batches, rest = [], records
    for cut in cuts:
        batches.append(rest[:cut])
        rest = rest[cut:]
    batches.append(rest)
    for batch in filter(None, batches):
        trial = dict(largest)
        fits = True
        for record in batch:
            level = Fraction(str(record.attributes["size"]))
            trial[record.resource] = max(trial.get(record.resource, level), level)
            fits = fits and sum(trial.values()) < DAY_LIMIT
        if fits:
            rater.feed(batch)
            largest = trial
            taken += batch
        else:
            accepted = "The levels of one account's resources of a meter are accepted"
            with pytest.raises(rk.BadQuantityError, match=accepted):
                rater.feed(batch)
            refused.append(batch)
    closed = rater.statement("2026-03-02T00:00:00Z")
    # Each resource holds its levels from their hours to the day's end: the quantity of
    # the day is the sum of level x hours held, priced 1E-30 per GB*hour.
    held = Fraction(0)
    by_resource = itertools.groupby(
        sorted(taken, key=lambda r: (r.resource, r.at)), key=lambda r: r.resource
    )
    for _, events in by_resource:
        marks = list(events)
        ends = [r.at.hour for r in marks[1:]] + [24]
        held += sum(
            Fraction(str(r.attributes["size"])) * (end - r.at.hour)
            for r, end in zip(marks, ends, strict=True)
        )
    assert held < 10**30
    event(f"a batch refused: {bool(refused)}")
    total = sum((invoice.total for invoice in closed.invoices), Decimal(0))
    assert abs(Fraction(total) - held / 10**30) <= Fraction(1, 200)  # rounded to cents
