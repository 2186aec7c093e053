"""A CloudEvents Spec says the unit of a type's quantity, converted exactly to its meter's.

A feed whose events carry bytes for a meter in GB could not be read: a Spec named no
unit, so each quantity was taken in its meter's unit. Now a Spec gives a type a fixed
``unit`` or says where its events state one (``unit_from``); the quantity is converted
through ``ratekit.units`` as Ceilometer's and Borel's are (a unit as written: a
CloudEvent's ``GB`` is 10^9 bytes). A unit that cannot be read or converted is refused
naming the event by its ``id`` and ``source``, the field, and what the meter takes.
Without a unit, a quantity is taken as it is, in its meter's unit.
"""

from __future__ import annotations

import decimal
import pickle
from collections.abc import Iterator, Mapping
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit.adapters import cloudevents

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
EGRESS = rk.Meter("network.egress", "GB", rk.Discrete())
STORAGE = rk.Meter("storage", "GiB*hour", rk.Discrete())
#: Enough digits for any quotient the laws draw: a terminating one is then exact.
EXACT = decimal.Context(prec=80, traps=[decimal.Inexact])
#: Bytes per unit, written by hand: the oracle of the conversions.
BYTES = {
    "bit": Fraction(1, 8),
    "B": Fraction(1),
    "kB": Fraction(10**3),
    "MB": Fraction(10**6),
    "GB": Fraction(10**9),
    "KiB": Fraction(2**10),
    "MiB": Fraction(2**20),
    "GiB": Fraction(2**30),
}


def event(
    event_id: str, amount: object, unit: object = None, *, kind: str = "egress"
) -> dict[str, object]:
    data: dict[str, object] = {"amount": amount, "port": "p-1"}
    if unit is not None:
        data["unit"] = unit
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "//net.example.com",
        "type": kind,
        "subject": "customer-1",
        "time": "2026-03-02T08:00:00Z",
        "data": data,
    }


def spec(**units: object) -> cloudevents.Spec:
    return cloudevents.Spec(
        {"egress": "network.egress"},
        quantity="data.amount",
        resource="data.port",
        **units,  # type: ignore[arg-type]
    )


def values(samples: list[rk.Sample]) -> list[Decimal]:
    return [sample.value for sample in samples]


# -- converted, by hand ---------------------------------------------------------------


def test_a_fixed_unit_converts_bytes_to_the_meters_gigabytes() -> None:
    feed = [event("e1", 1_500_000_000), event("e2", "2500"), event("e3", -300_000)]
    # 1,500,000,000 B / 10^9 = 1.5 GB; 2500 B / 10^9 = 0.0000025 GB;
    # -300,000 B (a compensating delta) / 10^9 = -0.0003 GB
    assert values(cloudevents.usage_events(feed, spec(unit="B"), meters=[EGRESS])) == [
        Decimal("1.5"),
        Decimal("0.0000025"),
        Decimal("-0.0003"),
    ]


def test_a_unit_each_event_states_is_read_as_written_not_as_openstacks_binary() -> None:
    feed = [event("e1", 1500, "MB"), event("e2", 3, "GiB"), event("e3", 8, "bit")]
    # 1500 MB = 1.5 x 10^9 B = 1.5 GB (a CloudEvent's MB is 10^6 bytes, not a MiB);
    # 3 GiB = 3 x 1,073,741,824 = 3,221,225,472 B = 3.221225472 GB;
    # 8 bit = 1 B = 0.000000001 GB
    samples = cloudevents.usage_events(feed, spec(unit_from="data.unit"), meters=[EGRESS])
    assert values(samples) == [Decimal("1.5"), Decimal("3.221225472"), Decimal("1E-9")]
    assert [sample.id for sample in samples] == [
        "//net.example.com#e1",
        "//net.example.com#e2",
        "//net.example.com#e3",
    ]


def test_units_per_type_convert_each_type_to_its_own_meter() -> None:
    both = cloudevents.Spec(
        {"egress": "network.egress", "stored": "storage", "calls": "api.calls"},
        quantity="data.amount",
        resource="data.port",
        unit={"egress": "kB"},
        unit_from={"stored": "unitname"},
    )
    stored = {**event("s1", 1536, kind="stored"), "unitname": "MiB*hour"}
    calls = event("c1", 7, kind="calls")
    samples = cloudevents.usage_events(
        [event("e1", 250, kind="egress"), stored, calls], both, meters=[EGRESS, STORAGE]
    )
    # 250 kB = 250,000 B = 0.00025 GB; 1536 MiB*hour / 1024 = 1.5 GiB*hour;
    # 'calls' has no unit: 7, in its meter's unit, and its meter need not be given
    assert values(samples) == [Decimal("0.00025"), Decimal("1.5"), Decimal(7)]


def test_a_counter_in_another_unit_is_converted_after_its_reading_is_checked() -> None:
    counters = cloudevents.Spec(
        {"egress": "network.egress"}, quantity="data.amount", kind="counter", unit="MiB"
    )
    # 512 MiB = 536,870,912 B = 0.536870912 GB (a meter of counters: one of deltas would
    # not take them, refused before the feed is read)
    read = rk.Meter("network.egress", "GB", rk.Counter())
    (sample,) = cloudevents.usage_events([event("e1", 512)], counters, meters=[read])
    assert (sample.kind, sample.value) == ("counter", Decimal("0.536870912"))
    with pytest.raises(rk.BadRecordError) as raised:
        cloudevents.usage_events([event("e2", -1)], counters, meters=[read])
    assert str(raised.value) == (
        "CloudEvent [0].data.amount is -1, but a cumulative counter's reading counts up from "
        "zero and is never negative (a number >= 0 is accepted)."
    )


def test_cpu_time_in_nanoseconds_is_taken_by_a_meter_in_seconds() -> None:
    # the qualifier rule Ceilometer's and Borel's units follow: cpu-ns is ns of CPU time
    cpu = cloudevents.Spec({"cpu": "cpu"}, quantity="data.amount", unit="cpu-ns")
    seconds = rk.Meter("cpu", "s", rk.Discrete())
    (sample,) = cloudevents.usage_events(
        [event("c", 2_500_000_000, kind="cpu")], cpu, meters=[seconds]
    )
    assert sample.value == Decimal("2.5")  # 2.5 x 10^9 ns / 10^9


def test_without_a_unit_the_quantity_is_taken_as_it_is() -> None:
    plain = spec()
    assert (plain.unit, plain.unit_from) == (None, None)
    feed = [event("e1", 1500, "MB")]  # a unit in data that the spec does not read
    assert values(cloudevents.usage_events(feed, plain)) == [Decimal(1500)]
    assert values(cloudevents.usage_events(feed, plain, meters=[EGRESS])) == [Decimal(1500)]


def test_rated_in_the_meters_unit_the_bytes_bill_as_gigabytes() -> None:
    plan = rk.Plan(
        "net",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("egress", "network.egress", rk.PerUnit("0.08"))],
    )
    feed = [event("e1", 1500, "MB"), event("e22", 2, "GB"), event("e1", 1500, "MB")]
    samples = cloudevents.usage_events(feed, spec(unit_from="data.unit"), meters=[EGRESS])
    rating = rk.rate(samples, plan, span=MARCH, meters=[EGRESS])
    # 1.5 GB + 2 GB (the replay of e1 once) = 3.5 GB x 0.08 = 0.28
    assert rating.total() == Decimal("0.28")
    assert [anomaly.kind for anomaly in rating.anomalies] == ["duplicate"]


# -- refused, naming the event ---------------------------------------------------------


TAIL = "(event id 'e7' from source '//net.example.com')"


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        (
            "s",
            (
                f"CloudEvent [1].data.unit {TAIL} is 's', not a unit meter 'network.egress' in 'GB' "
                "can take: Cannot convert 's' to 'GB': 's' measures time and 'GB' measures data."
            ),
        ),
        (
            "request",
            (
                f"CloudEvent [1].data.unit {TAIL} is 'request', not a unit meter 'network.egress' in "
                "'GB' can take: Cannot convert 'request' to 'GB': 'request' is not a unit ratekit "
                "knows"
            ),
        ),
        (
            "G$",
            (
                f"CloudEvent [1].data.unit {TAIL} is 'G$', a unit that cannot be read: Unit 'G$' "
                "cannot be read at '$'; write names joined by '*' and '/', each with an optional "
                "power, like 'GiB*hour', 'B/s' or 's^2'."
            ),
        ),
        (
            5,
            (
                f"CloudEvent [1].data.unit {TAIL} is 5; the spec reads the quantity's unit there: "
                "give a unit's name as a string, such as 'B', 'GB', 's' or 'count'."
            ),
        ),
        (
            "",
            (
                f"CloudEvent [1].data.unit {TAIL} is ''; the spec reads the quantity's unit there: "
                "give a unit's name as a string, such as 'B', 'GB', 's' or 'count'."
            ),
        ),
        (
            "B" * 65,
            (
                f"CloudEvent [1].data.unit {TAIL} is '{'B' * 65}', 65 characters long; "
                "a unit is a short name such as 'B', 'MB-ns' or 'cpu-ns'."
            ),
        ),
    ],
)
def test_a_unit_an_event_states_is_refused_naming_the_event(unit: object, message: str) -> None:
    feed = [event("e1", 1, "B"), event("e7", 1, unit)]
    with pytest.raises(rk.BadRecordError) as raised:
        cloudevents.usage_events(feed, spec(unit_from="data.unit"), meters=[EGRESS])
    assert str(raised.value).startswith(message)


def test_a_unit_an_event_does_not_state_is_refused_naming_the_event() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        cloudevents.usage_events([event("e7", 1)], spec(unit_from="data.unit"), meters=[EGRESS])
    assert str(raised.value) == (
        "CloudEvent [0].data.unit (event id 'e7' from source '//net.example.com') is missing; "
        "the spec reads it."
    )


def never_read() -> Iterator[dict[str, object]]:
    raise AssertionError("the feed was read")
    yield {}  # pragma: no cover


def test_a_meter_missing_for_a_type_with_a_unit_is_refused_before_the_feed_is_read() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        cloudevents.usage_events(never_read(), spec(unit="B"))
    assert str(raised.value) == (
        "usage_events meters must hold meter 'network.egress': the spec gives type 'egress' a "
        "unit, converted to its meter's (meters: none)."
    )


def test_a_fixed_unit_the_meter_cannot_take_is_refused_before_the_feed_is_read() -> None:
    with pytest.raises(rk.UnitError) as raised:
        cloudevents.usage_events(never_read(), spec(unit="s"), meters=[EGRESS])
    assert str(raised.value) == (
        "Spec unit of type 'egress' is 's', not a unit meter 'network.egress' in 'GB' can take: "
        "Cannot convert 's' to 'GB': 's' measures time and 'GB' measures data."
    )


def test_meters_given_twice_by_name_are_refused() -> None:
    other = rk.Meter("network.egress", "MB", rk.Discrete())
    with pytest.raises(rk.RatekitTypeError, match=r"holds two meters named 'network\.egress'"):
        cloudevents.usage_events([], spec(unit="B"), meters=[EGRESS, other])


# -- the Spec: checked when built, and a value like its other fields --------------------


@pytest.mark.parametrize(
    ("units", "message"),
    [
        (
            {"unit": "data.unit"},
            (
                "Spec unit 'data.unit' is not a unit ratekit reads: Unit 'data.unit' cannot be read "
                "at '.unit'; write names joined by '*' and '/', each with an optional power, like "
                "'GiB*hour', 'B/s' or 's^2'. To read the unit each event states there, give "
                "unit_from='data.unit'."
            ),
        ),
        ({"unit": 8}, "Spec unit must be a unit such as 'B', 'GB' or 's' (a string), not 8."),
        (
            {"unit": {"egress": "G B"}},
            "Spec unit['egress'] 'G B' is not a unit ratekit reads: Unit 'G B' cannot be read",
        ),
        (
            {"unit": {"egres": "B"}},
            (
                "Spec unit names 'egres', which meters does not map to a meter; its types are "
                "'egress': give the unit of those only."
            ),
        ),
        (
            {"unit_from": {"egress": "data['unit']"}},
            "Spec unit_from['egress'] must name a context attribute",
        ),
        (
            {"unit": "B", "unit_from": {"egress": "data.unit"}},
            (
                "Spec gives type 'egress' both a unit ('B') and a unit_from ('data.unit'); give it "
                "one: unit when its quantity is always in one unit, unit_from when each event states "
                "its own."
            ),
        ),
    ],
)
def test_a_unit_the_spec_cannot_read_is_refused_when_it_is_built(
    units: dict[str, object], message: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        spec(**units)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    "units",
    [
        {},
        {"unit": "B"},
        {"unit": {"egress": "MiB"}},
        {"unit_from": "data.unit"},
        {"unit_from": {"egress": "unitname"}},
    ],
)
def test_the_units_round_trip_through_repr_equality_evolve_and_pickle(
    units: dict[str, object],
) -> None:
    built = spec(**units)
    namespace = {"Spec": cloudevents.Spec}
    assert eval(repr(built), namespace) == built
    assert hash(eval(repr(built), namespace)) == hash(built)
    assert attrs.evolve(built) == built
    assert pickle.loads(pickle.dumps(built)) == built
    assert (", unit" in repr(built)) is bool(units)


def test_units_are_part_of_a_specs_identity() -> None:
    assert repr(spec(unit="B")).endswith(", unit='B')")
    assert repr(spec(unit_from={"egress": "data.unit"})).endswith(
        ", unit_from={'egress': 'data.unit'})"
    )
    assert spec(unit="B") != spec(unit="kB") != spec()
    assert spec(unit="B") != spec(unit={"egress": "B"})  # the same today, not once types are added
    assert attrs.evolve(spec(unit="B"), unit=None) == spec()
    assert attrs.evolve(spec(unit="B"), unit=None, unit_from="data.unit") == spec(
        unit_from="data.unit"
    )


# -- the law ----------------------------------------------------------------------------


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    amounts=st.lists(
        st.tuples(st.integers(-(10**12), 10**12), st.sampled_from(sorted(BYTES))),
        min_size=1,
        max_size=8,
    ),
    meter_unit=st.sampled_from(sorted(BYTES)),
)
def test_law_converting_in_the_adapter_then_rating_equals_rating_the_meters_unit(
    amounts: list[tuple[int, str]], meter_unit: str
) -> None:
    # Oracle: amount x (bytes per its unit) / (bytes per the meter's unit), in fractions:
    # every ratio of these units is 2^a x 5^b, so each conversion ends, and is exact.
    meter = rk.Meter("network.egress", meter_unit, rk.Discrete())
    plan = rk.Plan(
        "net",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("egress", "network.egress", rk.PerUnit("0.07"))],
    )
    stated = [event(f"e{n}", amount, unit) for n, (amount, unit) in enumerate(amounts)]
    exact = [amount * BYTES[unit] / BYTES[meter_unit] for amount, unit in amounts]
    converted = cloudevents.usage_events(stated, spec(unit_from="data.unit"), meters=[meter])
    assert [Fraction(value) for value in values(converted)] == exact
    # the same events, their quantities already in the meter's unit, with no unit
    in_meter_unit = [
        event(f"e{n}", str(EXACT.divide(value.numerator, value.denominator)))
        for n, value in enumerate(exact)
    ]
    plain = cloudevents.usage_events(in_meter_unit, spec())
    assert plain == converted
    rated = rk.rate(converted, plan, span=MARCH, meters=[meter])
    assert rated.total() == rk.rate(plain, plan, span=MARCH, meters=[meter]).total()
    assert Fraction(rated.total()) == sum(exact, Fraction(0)) * Fraction(7, 100)


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    amounts=st.lists(st.integers(0, 10**15), min_size=1, max_size=6),
    unit=st.sampled_from(sorted(BYTES)),
)
def test_law_a_fixed_unit_reads_as_each_event_stating_it(amounts: list[int], unit: str) -> None:
    fixed = cloudevents.usage_events(
        [event(f"e{n}", amount) for n, amount in enumerate(amounts)],
        spec(unit=unit),
        meters=[EGRESS],
    )
    stated = cloudevents.usage_events(
        [event(f"e{n}", amount, unit) for n, amount in enumerate(amounts)],
        spec(unit_from="data.unit"),
        meters=[EGRESS],
    )
    assert fixed == stated
    assert [Fraction(value) for value in values(fixed)] == [
        amount * BYTES[unit] / BYTES["GB"] for amount in amounts
    ]


class Twice(Mapping[str, str]):
    """A caller's mapping that gives one type twice (a dict cannot)."""

    def __getitem__(self, key: str) -> str:
        return "B"

    def __iter__(self) -> Iterator[str]:
        return iter(["egress", "egress"])

    def __len__(self) -> int:
        return 2


def test_a_per_type_unit_naming_a_type_twice_is_refused() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        spec(unit=Twice())
    assert str(raised.value) == "Spec unit names type 'egress' twice."


def test_a_spec_whose_kind_its_meter_does_not_take_is_refused_before_any_event_is_read() -> None:
    # A Discrete meter takes deltas; a Spec of counters mapped to it would have metering
    # refuse every sample, far from the feed: refused here, before the feed is touched.
    read: list[object] = []

    def feed() -> Iterator[dict[str, object]]:
        read.append("touched")
        yield {}

    spec = cloudevents.Spec({"com.saas.calls": "api.calls"}, quantity="data.n", kind="counter")
    calls = rk.Meter("api.calls", "count", rk.Discrete())
    with pytest.raises(rk.RatekitTypeError) as raised:
        cloudevents.usage_events(feed(), spec, meters=[calls])
    assert str(raised.value) == (
        "usage_events: the Spec's kind 'counter' does not fit meter 'api.calls' (of type "
        "'com.saas.calls'), whose policy takes 'delta': build the Spec with the kind its "
        "quantities are, or map the type to a meter that takes them."
    )
    assert read == []
    # Without the meters (no unit to convert), nothing is checked here: metering will.
    assert cloudevents.usage_events([], spec) == []


@pytest.mark.parametrize(
    ("quantity", "unit_from", "said"),
    [
        (
            "data.amount",
            "data.unit.name",
            (
                "CloudEvent [0].data.unit.name (event id 'p1' from source '/gw') is missing: "
                "data.unit is 'GB', not an object or a list the path reads into; the spec reads it."
            ),
        ),
        (
            "data.amount.value",
            None,
            (
                "CloudEvent [0].data.amount.value is missing: data.amount is 5, not an object or a "
                "list the path reads into; the spec reads it."
            ),
        ),
        (
            "data.other.value",
            None,
            "CloudEvent [0].data.other.value is missing; the spec reads it.",
        ),
    ],
)
def test_a_path_through_a_value_that_is_no_object_says_where_it_stopped(
    quantity: str, unit_from: str | None, said: str
) -> None:
    # data is {"amount": 5, "unit": "GB"}: a path into the string or the number stops there
    spec = cloudevents.Spec({"egress": "network.egress"}, quantity=quantity, unit_from=unit_from)
    event = {
        "specversion": "1.0",
        "id": "p1",
        "source": "/gw",
        "type": "egress",
        "subject": "c-1",
        "time": "2026-03-02T08:00:00Z",
        "data": {"amount": 5, "unit": "GB"},
    }
    with pytest.raises(rk.BadRecordError) as raised:
        cloudevents.usage_events([event], spec, meters=[EGRESS])
    assert str(raised.value) == said
