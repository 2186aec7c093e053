"""A ``str`` subclass given for a choice, a timezone or a unit is the text it holds.

These doors compared the caller's value with their choices by ``in``/``==``, which run
the subclass's own ``__eq__``: one that says yes to everything passed any door, and was
kept as given. A plan with ``proration=`` such a ``"bogus"`` was priced by days and
dumped as data that ``load`` refuses; a rater built with ``late=`` one, or fed an
inventory with ``close=`` one, wrote snapshots and rows that restore and ``from_row``
refuse; a timezone name or a unit matched whatever zoneinfo or the unit cache held under
its hash (``windows.daily(tz=...)`` gave UTC for ``'Mars/Olympus'``, ``convert`` gave 1
for GB in MB).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from tests._always import Always

import ratekit as rk
from ratekit import plandata

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "vm", rk.PerUnit(1))])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: rk.Inventory(
                "2026-03-02T00:00:00Z", [("a", "r")], close=Always("bogus"), id="i1"
            ),
            rk.BadRecordError,
            "inventory 'i1' close 'bogus' is not one of 'snapshot', 'last_seen'.",
        ),
        (
            lambda: rk.Rater(PLAN, [], start=MARCH.start, late=Always("bogus")),
            rk.RatekitTypeError,
            "Rater late must be 'correct' or 'report', not 'bogus'.",
        ),
        (
            lambda: rk.Plan("p", "EUR", PLAN.cycle, [], proration=Always("bogus")),
            rk.BadPriceError,
            "plan 'p' proration must be 'seconds' or 'days', not 'bogus'.",
        ),
        (
            lambda: rk.Plan("p", "EUR", PLAN.cycle, [], unpriced=Always("bogus")),
            rk.BadPriceError,
            "plan 'p' unpriced must be 'error' or 'anomaly', not 'bogus'.",
        ),
        (
            lambda: rk.windows.daily("22:00", "06:00", tz=Always("Mars/Olympus")),
            rk.BadCalendarError,
            (
                "daily window tz 'Mars/Olympus' is not a known IANA timezone name; give an "
                "IANA name such as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed "
                "offset such as 'UTC+05:45'."
            ),
        ),
        (
            lambda: rk.meter(
                [], [], span=MARCH, cycle=None, as_of=MARCH.end, conflicts=Always("bogus")
            ),
            rk.RatekitTypeError,
            "meter() conflicts must be 'raise' or 'anomaly', not 'bogus'.",
        ),
        (
            lambda: rk.cycles.prorate(
                rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
                MARCH,
                basis=Always("bogus"),
            ),
            rk.BadCalendarError,
            "prorate basis 'bogus' is not known; give 'seconds' or 'days'.",
        ),
        (
            lambda: rk.TimeWeightedMean(over=Always("bogus")),
            rk.RatekitTypeError,
            (
                "TimeWeightedMean over must be 'known' (the mean over the time a level is "
                "known) or 'period' (the mean over the whole piece, no level counting as 0), "
                "not 'bogus'."
            ),
        ),
    ],
)
def test_text_that_equals_anything_is_refused_as_the_text_it_holds(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value) == message


def test_a_unit_is_read_as_its_text() -> None:
    assert rk.convert(1, Always("GB"), Always("MB")) == 1000
    with pytest.raises(rk.UnitError):
        rk.convert(1, Always("GB"), Always("hour"))


def test_an_accepted_choice_is_kept_as_plain_text_and_reads_back() -> None:
    plan = rk.Plan("p", "EUR", PLAN.cycle, PLAN.entries, proration=Always("days"))
    assert type(plan.proration) is str
    assert plandata.load(json.loads(json.dumps(plandata.dump(plan)))) == plan
    meters = [rk.Meter("vm", "hour", rk.OnOff())]
    rater = rk.Rater(PLAN, meters, start=MARCH.start, late=Always("report"))
    listing = rk.Inventory("2026-03-02T00:00:00Z", [("a", "r")], close=Always("last_seen"), id="i")
    assert type(listing.close) is str
    assert rk.from_row(rk.Inventory, json.loads(json.dumps(rk.to_row(listing)))) == listing
    start = rk.Event("a", "r", "2026-03-01T12:00:00Z", kind="start", id="e1")
    rater.feed([start, listing])
    rater.statement("2026-03-03T00:00:00Z")
    again = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, meters)
    assert (
        again.statement("2026-03-04T00:00:00Z").lines
        == rater.statement("2026-03-04T00:00:00Z").lines
    )


def test_names_given_as_text_that_equals_anything_are_kept_as_their_text() -> None:
    # was: Meter(Always("vm"), ...) kept the subclass, and the plan's index of entries by
    # meter (a dict) missed it: usage of "vm" was unpriced (UnpricedUsageError)
    meters = [rk.Meter(Always("vm"), Always("hour"), rk.OnOff())]
    entry = rk.PriceEntry(Always("e"), Always("vm"), rk.PerUnit(1), unit=Always("hour"))
    plan = rk.Plan(
        Always("p"),
        Always("EUR"),
        PLAN.cycle,
        [entry],
        fees=[rk.Fee(Always("f"), 1)],
        allowances=[rk.Allowance(Always("vm"), 2)],
        minimums=[rk.Minimum(1, meter=Always("vm"))],
    )
    assigned = [rk.Assignment(Always("a"), plan)]
    names = [meters[0].name, meters[0].unit, entry.id, entry.meter, entry.unit, plan.id]
    names += [plan.currency, plan.fees[0].id, plan.allowances[0].meter, plan.minimums[0].meter]
    names += [assigned[0].account]
    assert {type(name) for name in names} == {str}
    start = rk.Event("a", "r", "2026-03-31T00:00:00Z", kind="start", id="e1")
    rating = rk.rate([start], assigned, span=MARCH, meters=meters)
    assert [(c.kind, c.amount) for c in rating.charges] == [
        ("usage", 22),
        ("fee", 1),
    ]


def test_a_mean_over_given_as_such_text_is_kept_as_plain_text_and_reads_back() -> None:
    # TimeWeightedMean(over=Always("bogus")) was kept as given: a meter that plandata
    # dumped with over 'bogus' and that load then refused
    policy = rk.TimeWeightedMean(over=Always("period"))
    assert type(policy.over) is str
    assert policy.over == "period"
    meter = rk.Meter("cpu", "core", policy)
    assert plandata.load(json.loads(json.dumps(plandata.dump(meter)))) == meter
