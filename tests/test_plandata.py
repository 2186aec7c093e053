"""Plans as plain data: load, dump, paths in errors, data never code (ratekit.plandata)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

import ratekit as rk
from ratekit import plandata
from ratekit import strategies as rks

# Seed 004's declarative document: a pricelist, a cron window (Tuesdays 02:00 to
# Wednesdays 02:00), an algorithm (a cost policy) and an agreement, as a host keeps it.
AQUARIUM = {
    "meters": [
        {
            "name": "diskspace",
            "unit": "MB*hour",
            "policy": {"type": "Continuous", "level": "size_mb", "when": None, "unit": None},
        },
        {"name": "vmtime", "unit": "hour", "policy": {"type": "OnOff", "when": {"state": "on"}}},
        {"name": "bandwidth", "unit": "MB", "policy": {"type": "Discrete"}},
    ],
    "plans": [
        {
            "id": "default",
            "currency": "EUR",
            "cycle": {
                "type": "cycles.Monthly",
                "tz": "Europe/Athens",
                "day": 1,
                "months": 1,
                "month": 1,
            },
            "entries": [
                {
                    "id": "disk",
                    "meter": "diskspace",
                    "price": {"type": "PerUnit", "rate": "0.01"},
                    "where": {},
                    "start": None,
                    "end": None,
                    "window": None,
                    "priority": 0,
                    "group_by": None,
                    "unit": None,
                    "meter_unit": None,
                },
                {
                    "id": "vm",
                    "meter": "vmtime",
                    "price": {"type": "PerUnit", "rate": "0.01"},
                    "where": {},
                    "start": "2012-01-08T16:46:17Z",
                    "end": None,
                    "window": None,
                    "priority": 0,
                    "group_by": None,
                    "unit": None,
                    "meter_unit": None,
                },
                {
                    "id": "vm-tuesdays",
                    "meter": "vmtime",
                    "price": {
                        "type": "Graduated",
                        "tiers": [
                            {"up_to": "10", "unit": "0", "flat": "0", "block": None},
                            {"up_to": None, "unit": "0.005", "flat": "0", "block": None},
                        ],
                        "flat_at_zero": True,
                    },
                    "where": {"flavor": "m1", "cores": {"decimal": "2.5"}},
                    "start": None,
                    "end": None,
                    "window": {
                        "type": "windows.CronWindow",
                        "start": "00 02 * * Tue",
                        "end": "00 02 * * Wed",
                        "tz": "Europe/Athens",
                    },
                    "priority": 1,
                    "group_by": "resource",
                    "unit": None,
                    "meter_unit": None,
                },
                # the meter its allowance frees: a plan refuses an allowance of a meter
                # none of its entries prices (it would free nothing)
                {
                    "id": "bandwidth",
                    "meter": "bandwidth",
                    "price": {"type": "PerUnit", "rate": "0.0001"},
                    "where": {},
                    "start": None,
                    "end": None,
                    "window": None,
                    "priority": 0,
                    "group_by": None,
                    "unit": None,
                    "meter_unit": None,
                },
            ],
            "allowances": [{"meter": "bandwidth", "quantity": "100", "cycle": None}],
            "minimums": [{"amount": "5", "meter": None}],
            "fees": [{"id": "base", "amount": "2.50"}],
            "quantum": "0.01",
            "rounding": "ROUND_HALF_UP",
            "proration": "days",
            "tz": "Europe/Athens",
            "unpriced": "anomaly",
        }
    ],
    "assignments": [
        {"account": "gousiosg", "plan": "default", "start": "2012-01-01T00:00:00Z", "end": None}
    ],
}


def _json(value: object) -> object:
    return json.loads(json.dumps(value))


def test_the_aquarium_document_loads_into_the_values_python_would_build():
    document = plandata.load_document(_json(AQUARIUM))
    plan = document.plans[0]
    assert plan.cycle == rk.cycles.monthly(tz="Europe/Athens")
    tuesdays = plan.entries[2]
    assert tuesdays.window == rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="Europe/Athens")
    assert tuesdays.price == rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.005")])
    assert dict(tuesdays.where) == {"flavor": "m1", "cores": Decimal("2.5")}
    assert plan.entries[1].start == dt.datetime(2012, 1, 8, 16, 46, 17, tzinfo=dt.UTC)
    assert plan.fees == (rk.Fee("base", "2.50"),)
    assert document.meters[0] == rk.Meter("diskspace", "MB*hour", rk.Continuous("size_mb"))
    assert document.assignments[0].plan is plan
    # and back, identically (canonical form: every field written)
    assert plandata.dump_document(document) == AQUARIUM
    assert plandata.load_document(plandata.dump_document(document)) == document


def test_a_plan_built_in_python_dumps_and_loads_back_equal():
    plan = rk.Plan(
        "pro",
        "USD",
        rk.cycles.every(dt.timedelta(days=14), anchor="2026-01-05T00:00:00Z"),
        [
            rk.PriceEntry("a", "api", rk.Package(1000, "0.50", free=100)),
            rk.PriceEntry(
                "b",
                "cpu",
                rk.Volume([rk.Tier(100, "0.2", block=10), rk.Tier(None, "0.1", flat=5)]),
                window=rk.windows.complement(
                    rk.windows.union(
                        rk.windows.weekends(tz="UTC"), rk.windows.daily("22:00", "06:00", tz="UTC")
                    )
                ),
            ),
            # was: Percentage("2.9", fixed_fee="0.30", maximum=10), which an entry now
            # refuses (per-transaction terms a cycle's total cannot carry); the bare model
            # round-trips below
            rk.PriceEntry("c", "pay", rk.Percentage("2.9", free_amount=100)),
            rk.PriceEntry("d", "sub", rk.Flat(9)),
        ],
    )
    data = _json(plandata.dump(plan))
    assert data["cycle"] == {
        "type": "cycles.Every",
        "period_us": 14 * 86_400_000_000,
        "anchor_us": plan.cycle.anchor_us,
    }
    assert plandata.load(data) == plan
    assert plandata.dump(plandata.load(data)) == data
    card = rk.Percentage("2.9", fixed_fee="0.30", maximum=10)
    assert plandata.load(_json(plandata.dump(card))) == card


def test_errors_name_the_path_of_the_bad_field():
    bad = _json(AQUARIUM)
    bad["plans"][0]["entries"][2]["price"]["tiers"][1]["up_to"] = "lots"
    with pytest.raises(
        rk.BadDataError,
        match=r"^plans\[0\]\.entries\[2\]\.price\.tiers\[1\]\.up_to: 'lots' is not a decimal number; write it like '12\.5' or '1e9'\.$",
    ):
        plandata.load_document(bad)
    bad = _json(AQUARIUM)
    bad["plans"][0]["entries"][2]["price"]["tiers"][0]["up_to"] = "20"
    bad["plans"][0]["entries"][2]["price"]["tiers"][1]["up_to"] = "10"
    with pytest.raises(rk.BadDataError, match=r"^plans\[0\]\.entries\[2\]\.price: Graduated tiers"):
        plandata.load_document(bad)
    bad = _json(AQUARIUM)
    bad["plans"][0]["entries"][0]["prise"] = 1
    with pytest.raises(
        rk.BadDataError,
        match=r"^plans\[0\]\.entries\[0\]\.prise: PriceEntry has no field 'prise'; its fields are id, meter, price, ",
    ):
        plandata.load_document(bad)
    bad = _json(AQUARIUM)
    del bad["plans"][0]["currency"]
    with pytest.raises(
        rk.BadDataError, match=r"^plans\[0\]\.currency: Plan needs 'currency'; it has no default\.$"
    ):
        plandata.load_document(bad)
    bad = _json(AQUARIUM)
    bad["plans"][0]["cycle"]["tz"] = "Mars/Olympus"
    with pytest.raises(
        rk.BadDataError,
        match=r"^plans\[0\]\.cycle\.tz: timezone 'Mars/Olympus' is not a known IANA",
    ):
        plandata.load_document(bad)
    bad = _json(AQUARIUM)
    bad["plans"][0]["proration"] = "hours"
    with pytest.raises(
        rk.BadDataError, match=r"^plans\[0\]\.proration: 'hours' is not one of 'seconds', 'days'\.$"
    ):
        plandata.load_document(bad)
    bad = _json(AQUARIUM)
    bad["plans"][0]["entries"][0]["price"] = {"rate": "1"}
    with pytest.raises(
        rk.BadDataError,
        match=r"^plans\[0\]\.entries\[0\]\.price: needs a 'type' naming the kind of ",
    ):
        plandata.load_document(bad)


def test_data_never_names_code():
    with pytest.raises(
        rk.BadDataError,
        match=r"^price: type 'os.system' is not one plan data can name; data never names code \(no import paths\)",
    ):
        plandata.load({"type": "os.system"}, path="price")
    with pytest.raises(
        rk.BadDataError,
        match=r"A user-written price model or policy is built in Python, not loaded from data\.$",
    ):
        plandata.load({"type": "Capped", "cap": "10"})


class Capped:
    """A user-written price model: fine in Python, not data."""

    def amount(self, quantity: object) -> Decimal:
        return min(Decimal(str(quantity)), Decimal(10))

    def marginal(self, quantity: object, added: object) -> Decimal:
        return self.amount(Decimal(str(quantity)) + Decimal(str(added))) - self.amount(quantity)

    def explain(self, quantity: object) -> list[rk.TierLine]:
        return []

    linear = False


def test_user_written_models_and_functions_are_refused_when_dumped():
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("x", "m", Capped())])
    with pytest.raises(
        rk.BadDataError,
        match=r"^entries\[0\]\.price: Capped is not a type plan data can hold: .*a user-written price model, policy, cycle or window is code",
    ):
        plandata.dump(plan)
    meter = rk.Meter("ram", "MB*hour", rk.Continuous(lambda d: 1))
    with pytest.raises(
        rk.BadDataError, match=r"^policy\.level: a function \(<lambda>\) is code, not data"
    ):
        plandata.dump(meter)
    with pytest.raises(
        rk.BadDataError, match=r"^the value: expected an object with a 'type', not list"
    ):
        plandata.load([])  # type: ignore[arg-type]


@given(rks.plans())
def test_law_plans_round_trip_through_json(plan):
    data = _json(plandata.dump(plan))
    assert plandata.load(data) == plan
    assert plandata.dump(plandata.load(data)) == data


@given(rks.price_models())
def test_law_price_models_round_trip_and_price_the_same(price):
    back = plandata.load(_json(plandata.dump(price)))
    assert back == price
    assert back.amount(123) == price.amount(123)


def test_meters_policies_and_assignments_round_trip():
    meters = [
        rk.Meter(
            "app", "MB*hour", rk.Continuous(("memory_mb", "instances"), when={"state": "STARTED"})
        ),
        rk.Meter("egress", "GB", rk.Counter()),
        rk.Meter("p95", "Mbit/s", rk.Percentile(95)),
        rk.Meter("peak", "GB", rk.Max()),
        rk.Meter("vm", "hour", rk.OnOff(when={"cores": Decimal("0.5")})),
    ]
    for meter in meters:
        data = _json(plandata.dump(meter))
        back = plandata.load(data)
        assert back == meter
        assert plandata.dump(back) == data
    assert _json(plandata.dump(meters[0]))["policy"] == {
        "type": "Continuous",
        "level": ["memory_mb", "instances"],
        "when": {"state": "STARTED"},
        "unit": None,
    }
    plan = rk.Plan("p", "EUR", rk.cycles.weekly(tz="Europe/Zurich", weekday="Tue"), [])
    assignment = rk.Assignment("acme", plan, start="2026-03-01T00:00:00+01:00")
    data = _json(plandata.dump(assignment))
    assert data["start"] == "2026-02-28T23:00:00Z"
    assert data["plan"]["cycle"] == {"type": "cycles.Weekly", "tz": "Europe/Zurich", "weekday": 1}
    assert plandata.load(data) == assignment


def test_a_charge_priced_by_user_code_has_no_row():
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("x", "m", Capped())])
    row = rk.UsageRow("acme", "m", "r", march, march, 3, "unit", {}, ())
    charge = rk.rate([row], plan, span=march).charges[0]
    # Refused still, saying what exports such charges (tests/test_export_review.py).
    with pytest.raises(rk.BadDataError, match=r"^price: Capped is a price model of your own: "):
        rk.to_row(charge)


def test_selector_conditions_round_trip_as_tagged_objects():
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry(
                "big", "vm.hours", rk.PerUnit("0.2"), where={"memory_gb": rk.AtLeast(64)}
            ),
            rk.PriceEntry(
                "mid", "vm.hours", rk.PerUnit("0.1"), where={"memory_gb": rk.Between(16, 64)}
            ),
            rk.PriceEntry(
                "set",
                "vm.hours",
                rk.PerUnit("0.1"),
                where={"flavor": rk.OneOf(["b", "a"])},
                priority=1,
            ),
        ],
    )
    data = _json(plandata.dump(plan))
    assert data["entries"][0]["where"] == {"memory_gb": {"type": "AtLeast", "bound": "64"}}
    # a set is written in a stable order, whatever order it was given in
    assert data["entries"][2]["where"] == {"flavor": {"type": "OneOf", "values": ["a", "b"]}}
    back = plandata.load(data)
    assert back == plan
    assert plandata.dump(back) == data
    # a condition that wraps a function is code, not data
    coded = rk.PriceEntry(
        "odd", "vm.hours", rk.PerUnit(1), where={"n": rk.Satisfies(lambda v: v == 1, "one")}
    )
    with pytest.raises(rk.BadDataError, match=r"^where\.n: "):
        plandata.dump(coded)


# -- hostile documents: every failure a BadDataError naming the path ------------------------


def _plan(**fields: object) -> dict[str, object]:
    return {
        "id": "p",
        "currency": "EUR",
        "cycle": {"type": "cycles.Monthly", "tz": "UTC", "day": 1},
        "entries": [],
        **fields,
    }


def _entry(**fields: object) -> dict[str, object]:
    return {"id": "e", "meter": "m", "price": {"type": "PerUnit", "rate": "1"}, **fields}


def _refused(document: object, message: str) -> None:
    with pytest.raises(rk.BadDataError) as caught:
        plandata.load_document(document)  # type: ignore[arg-type]
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("cycle", "message"),
    [
        (
            {"type": "cycles.Monthly", "tz": "UTC", "day": 0},
            (
                "plans[0].cycle.day: Monthly day 0 is not a day of the month; give an int from 1 to 31 "
                "(days past a month's end clamp to its last day)."
            ),
        ),
        (
            {"type": "cycles.Monthly", "tz": "UTC", "day": 1, "months": 0},
            (
                "plans[0].cycle.months: Monthly months 0 is not 1, 3 or 12; build cycles with "
                "cycles.monthly, cycles.quarterly or cycles.yearly."
            ),
        ),
        (
            {"type": "cycles.Monthly", "tz": "UTC", "day": 1, "months": 3, "month": 5},
            (
                "plans[0].cycle: quarters starting in month 5 are written with month 2 (the first "
                "quarter of the year that starts in the same cycle)."
            ),
        ),
        (
            {"type": "cycles.Monthly", "tz": "UTC", "day": 30, "months": 12, "month": 2},
            (
                "plans[0].cycle.day: Monthly day 30 is not a day of the month; give an int from 1 to 29 "
                "(days past a month's end clamp to its last day)."
            ),
        ),
        (
            {"type": "cycles.Weekly", "tz": "UTC", "weekday": 9},
            (
                "plans[0].cycle.weekday: Weekly weekday 9 is not a weekday; give 'Mon', 'Tue', 'Wed', "
                "'Thu', 'Fri', 'Sat' or 'Sun' (or a full name, or an int 0-6 with Monday = 0)."
            ),
        ),
        (
            {"type": "cycles.Every", "period_us": 0, "anchor_us": 0},
            (
                "plans[0].cycle.period_us: Every period_us 0 must be a positive int of microseconds, at most "
                "315537897599999999 (the whole range of instants)."
            ),
        ),
    ],
)
def test_a_cycle_is_checked_as_its_constructor_checks_it(cycle, message):
    # These loaded unchecked and failed later with ZeroDivisionError or no price at all.
    _refused({"plans": [_plan(cycle=cycle)]}, message)


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (
            {"type": "windows.DailyWindow", "tz": "UTC", "start_seconds": -5, "end_seconds": 10},
            (
                "plans[0].entries[0].window.start_seconds: DailyWindow start_seconds -5 is not a time of day in "
                "seconds; give an int from 0 to 86399."
            ),
        ),
        (
            {"type": "windows.DailyWindow", "tz": "UTC", "start_seconds": 60, "end_seconds": 60},
            (
                "plans[0].entries[0].window: DailyWindow from '00:01' to '00:01' has no "
                "length; give an end that differs from the start (an end before the start crosses "
                "midnight)."
            ),
        ),
        (
            {
                "type": "windows.WeeklyWindow",
                "tz": "UTC",
                "start_weekday": 9,
                "start_seconds": 0,
                "end_weekday": 0,
                "end_seconds": 0,
            },
            (
                "plans[0].entries[0].window.start_weekday: WeeklyWindow start_weekday 9 is not a weekday; give "
                "'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat' or 'Sun' (or a full name, or an int 0-6 "
                "with Monday = 0)."
            ),
        ),
        (
            {"type": "windows.CronWindow", "start": "blah", "end": "* * * * *", "tz": "UTC"},
            (
                "plans[0].entries[0].window: cron window start 'blah' is not a cron expression "
                "(Wrong number of fields); write five fields, minute hour day-of-month month "
                "day-of-week, e.g. '00 02 * * Tue', or six with seconds first, e.g. "
                "'0 00 02 * * Tue'."
            ),
        ),
        (
            {"type": "windows.Union", "windows": []},
            (
                "plans[0].entries[0].window.windows: Union windows must be a non-empty tuple of recurring "
                "windows, not tuple: ()."
            ),
        ),
        (
            {"type": "windows.Complement", "window": {"type": "cycles.Hourly"}},
            (
                "plans[0].entries[0].window.window: type 'cycles.Hourly' is not a window; this "
                "field takes one of windows.DailyWindow, windows.WeeklyWindow, windows.CronWindow, "
                "windows.Union, windows.Intersection, windows.Complement."
            ),
        ),
    ],
)
def test_a_window_is_checked_as_its_constructor_checks_it(window, message):
    # These loaded unchecked and failed when rated: CronSimError, AttributeError, BadTimeError.
    _refused({"plans": [_plan(entries=[_entry(window=window)])]}, message)


def test_a_checked_window_still_round_trips():
    nights = {
        "type": "windows.DailyWindow",
        "tz": "UTC",
        "start_seconds": 79200,
        "end_seconds": 21600,
    }
    document = plandata.load_document({"plans": [_plan(entries=[_entry(window=nights)])]})
    assert document.plans[0].entries[0].window == rk.windows.daily("22:00", "06:00", tz="UTC")
    assert plandata.dump_document(document)["plans"][0]["entries"][0]["window"] == nights


def test_deeply_nested_data_is_refused_not_a_recursion_error():
    window: dict[str, object] = {
        "type": "windows.DailyWindow",
        "tz": "UTC",
        "start_seconds": 0,
        "end_seconds": 60,
    }
    for _ in range(5000):
        window = {"type": "windows.Complement", "window": window}
    with pytest.raises(
        rk.BadDataError, match=r"nested more than 64 levels deep; plan data is never that deep"
    ):
        plandata.load_document({"plans": [_plan(entries=[_entry(window=window)])]})


def test_duplicate_plan_ids_and_a_plan_that_is_not_an_id_are_refused():
    _refused(
        {"plans": [_plan(), _plan()]},
        "plans[1].id: plan id 'p' is already the id of another plan; assignments name plans "
        "by id, so each plan of a document needs its own.",
    )
    # was: TypeError: unhashable type: 'dict'
    _refused(
        {"plans": [_plan()], "assignments": [{"account": "a", "plan": {"id": "p"}}]},
        "assignments[0].plan: an assignment names its plan by id (a string), not {'id': 'p'}.",
    )


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        (
            "1e999999999",
            (
                "plans[0].entries[0].price.rate: '1e999999999' lies outside the numbers ratekit "
                "represents exactly: give at most 60 significant digits and, unless zero, a "
                "magnitude from 1E-30 up to but excluding 1E+30."
            ),
        ),
        (
            "1" * 61,
            "plans[0].entries[0].price.rate: '" + "1" * 61 + "' lies outside the numbers "
            "ratekit represents exactly: give at most 60 significant digits and, unless zero, a "
            "magnitude from 1E-30 up to but excluding 1E+30.",
        ),
        (
            "Infinity",
            (
                "plans[0].entries[0].price.rate: 'Infinity' is not a decimal number; write it like "
                "'12.5' or '1e9'."
            ),
        ),
    ],
)
def test_decimals_ratekit_cannot_compute_exactly_are_refused(rate, message):
    # 1e999999999 loaded and overflowed in rating (decimal.Overflow); 61 digits failed to round.
    _refused({"plans": [_plan(entries=[_entry(price={"type": "PerUnit", "rate": rate})])]}, message)


def test_largest_accepted_decimal():
    # 60 digits, magnitude below 1E+30: accepted and exact.
    rate = "9" * 25 + "." + "9" * 35
    document = plandata.load_document(
        {"plans": [_plan(entries=[_entry(price={"type": "PerUnit", "rate": rate})])]}
    )
    assert document.plans[0].entries[0].price.rate == Decimal(rate)


def test_a_selector_value_nests_as_a_description_does():
    # A description nests (an Event's attributes): a nested value matches it, as in Python.
    nested = plandata.load_document(
        {"plans": [_plan(entries=[_entry(where={"flavor": {"size": "large"}})])]}
    )
    assert nested.plans[0].entries[0].matches({"flavor": {"size": "large"}})
    assert not nested.plans[0].entries[0].matches({"flavor": {"size": "small"}})
    document = plandata.load_document(
        {"plans": [_plan(entries=[_entry(where={"size": {"decimal": "1.5"}})])]}
    )
    assert document.plans[0].entries[0].matches({"size": Decimal("1.5")})


def test_an_assignment_without_its_account_is_refused():
    # was: TypeError: Assignment.__init__() missing 1 required positional argument
    _refused(
        {"plans": [_plan()], "assignments": [{"plan": "p"}]},
        "assignments[0].account: Assignment needs 'account'; it has no default.",
    )


def test_a_type_of_another_kind_is_refused_naming_the_kinds_the_field_takes():
    # was: "plans[0].entries[0].price.currency: Plan needs 'currency'; it has no default."
    _refused(
        {"plans": [_plan(entries=[_entry(price={"type": "Plan", "id": "x"})])]},
        "plans[0].entries[0].price: type 'Plan' is not a price model; this field takes one of "
        "PerUnit, Flat, Graduated, Volume, Package, Percentage, GraduatedPercentage.",
    )
    _refused(
        {"meters": [{"name": "m", "unit": "hour", "policy": {"type": "cycles.Hourly"}}]},
        "meters[0].policy: type 'cycles.Hourly' is not a cost policy; this field takes one of "
        "OnOff, Continuous, Discrete, Counter, Max, Min, Latest, Count, UniqueCount, Percentile, "
        "TimeWeightedMean.",
    )
    # was: "expected a list, not list: [['flavor', 'x']]"
    _refused(
        {"plans": [_plan(entries=[_entry(where=[["flavor", "x"]])])]},
        "plans[0].entries[0].where: expected an object of attribute values, not list: "
        "[['flavor', 'x']].",
    )


def test_a_toml_document_with_unquoted_instants_loads():
    import tomllib

    # TOML (and YAML) parse an unquoted offset date-time as an aware datetime; it was refused
    # with "expected an ISO-8601 instant or null, not datetime". A naive one still is.
    data = tomllib.loads(
        """
        [[plans]]
        id = "p"
        currency = "EUR"
        cycle = { type = "cycles.Monthly", tz = "UTC", day = 1 }
        entries = []

        [[assignments]]
        account = "acme"
        plan = "p"
        start = 2026-03-01T00:00:00+01:00
        """
    )
    document = plandata.load_document(data)
    assert document.assignments[0].start == dt.datetime(2026, 2, 28, 23, tzinfo=dt.UTC)
    assert plandata.dump_document(document)["assignments"][0]["start"] == "2026-02-28T23:00:00Z"
    naive = {
        **data,
        "assignments": [{"account": "a", "plan": "p", "start": dt.datetime(2026, 1, 1)}],  # noqa: DTZ001 - naive on purpose
    }
    with pytest.raises(
        rk.BadDataError,
        match=r"^assignments\[0\]\.start: instant '2026-01-01T00:00:00' is a naive datetime",
    ):
        plandata.load_document(naive)


def test_a_vanishing_block_is_refused_at_the_door():
    # Found by the fuzz law: a block of 4.2e-229 units loaded, and rating divided a
    # quantity into more blocks than 60 digits hold (decimal.DivisionImpossible).
    tiers = [{"unit": "0.09", "block": 4.2332788895248995e-229}]
    _refused(
        {"plans": [_plan(entries=[_entry(price={"type": "Graduated", "tiers": tiers})])]},
        "plans[0].entries[0].price.tiers[0].block: 4.2332788895248995e-229 lies outside the "
        "numbers ratekit represents exactly: give at most 60 significant digits and, unless "
        "zero, a magnitude from 1E-30 up to but excluding 1E+30.",
    )


@pytest.mark.parametrize("rate", [" 1 ", "1_000", "١٢", "0x10", "1e", ""])
def test_a_decimal_string_is_written_plainly(rate):
    # Python's Decimal reads " 1 ", "1_000" and Arabic-Indic digits; data that did loaded,
    # then dumped as another string ("١٢" as "12"), so the document did not come back.
    _refused(
        {"plans": [_plan(entries=[_entry(price={"type": "PerUnit", "rate": rate})])]},
        f"plans[0].entries[0].price.rate: {rate!r} is not a decimal number; write it like "
        "'12.5' or '1e9'.",
    )
    for plain in ("-1.5", ".5", "5.", "+2E-3", "1e9"):
        document = {"plans": [_plan(entries=[_entry(price={"type": "PerUnit", "rate": plain})])]}
        assert plandata.load_document(document).plans[0].entries[0].price.rate == Decimal(plain)


def test_cycles_take_the_defaults_of_their_functions() -> None:
    # rk.cycles.monthly(tz=...) starts on day 1 and rk.cycles.weekly(tz=...) on Monday:
    # plan data that leaves the field out gets the same cycle (exports.md: fields with a
    # default may be left out).
    assert plandata.load({"type": "cycles.Monthly", "tz": "UTC"}) == rk.cycles.monthly(tz="UTC")
    assert plandata.load({"type": "cycles.Weekly", "tz": "UTC"}) == rk.cycles.weekly(tz="UTC")
    assert rk.cycles.monthly(tz="UTC").containing("2026-03-15T00:00:00Z") == rk.Span(
        "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"
    )
    with pytest.raises(rk.BadDataError) as raised:
        plandata.load({"type": "cycles.Monthly"})
    assert str(raised.value) == "tz: cycles.Monthly needs 'tz'; it has no default."


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (("id",), "plans[0].id: a plan id must be a non-empty string, not ''."),
        (
            ("entries", 1, "id"),
            "plans[0].entries[1].id: a price entry id must be a non-empty string, not ''.",
        ),
    ],
)
def test_an_empty_id_is_refused_at_its_field(where: tuple[object, ...], message: str) -> None:
    # A door that names its value by its kind in words ("a price entry id must ...")
    # points at the field, as one naming its class does (it named plans[0] and
    # plans[0].entries[1] before, not their id).
    bad = _json(AQUARIUM)
    place: Any = bad["plans"][0]
    for key in where[:-1]:
        place = place[key]
    place[where[-1]] = ""
    with pytest.raises(rk.BadDataError) as raised:
        plandata.load_document(bad)
    assert str(raised.value) == message


def test_an_empty_fee_id_is_refused_at_its_field() -> None:
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
    data = _json(plandata.dump(plan))
    data["fees"][0]["id"] = ""
    with pytest.raises(rk.BadDataError) as raised:
        plandata.load(data)
    assert str(raised.value) == "fees[0].id: a fee id must be a non-empty string, not ''."


def test_the_exports_page_shows_each_cycle_and_window_as_dump_writes_it() -> None:
    # docs/exports.md: "plandata.dump of a value built in Python shows its form, every
    # field written; the table gives that form". Each row: the Python, then its data.
    page = (Path(__file__).parent.parent / "docs" / "exports.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `(rk\.(?:cycles|windows)\.[^`]+)` \| `(\{[^`]+\})` \|$", page, re.MULTILINE
    )
    assert len(rows) == 6
    for python, data in rows:
        value = eval(python, {"rk": rk})  # the page's own Python, as written
        assert plandata.dump(value) == json.loads(data), python
        assert plandata.load(json.loads(data)) == value, python
