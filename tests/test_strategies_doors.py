"""Strategy parameters are checked when the strategy is built, naming the parameter given."""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit import strategies as rks


def test_places_beyond_what_ratekit_represents_are_refused_at_once() -> None:
    for build, name in (
        (lambda: rks.usage_rows(places=40), "usage_rows places"),
        (lambda: rks.tiers(places=31), "tiers places"),
        (lambda: rks.price_models(places=31), "price_models places"),
    ):
        with pytest.raises(rk.RatekitTypeError) as caught:
            build()
        assert str(caught.value).startswith(f"{name} must be an int from 0 to 30, not ")
        assert str(caught.value).endswith(": ratekit represents numbers down to 1E-30.")
    rks.usage_rows(places=30)  # the finest that fits: 1000 with 30 decimals is 34 digits


def test_a_span_shorter_than_an_hour_is_named_as_within() -> None:
    half_hour = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T00:30:00Z")
    with pytest.raises(rk.BadSpanError) as caught:
        rks.usage_rows(within=half_hour)
    assert str(caught.value) == (
        "usage_rows within Span('2026-03-01T00:00:00Z', '2026-03-01T00:30:00Z') is shorter "
        "than an hour; the rows lie over whole hours from its start, so give a span of at "
        "least one hour."
    )
    rks.usage_rows(within=rk.Span("2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z"))


def test_a_meter_unit_that_cannot_be_read_is_refused_at_once() -> None:
    with pytest.raises(rk.UnitError) as caught:
        rks.usage_rows(meters={"x": "furlongs^^"})
    assert str(caught.value).startswith(
        "usage_rows meters['x']: Unit 'furlongs^^' cannot be read at '^^';"
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: rks.span_sets(max_size=-2),
            "span_sets max_size must be an int of 0 or more, not -2.",
        ),
        (
            lambda: rks.timelines(rks.spans(), max_size=-1),
            "timelines max_size must be an int of 0 or more, not -1.",
        ),
        (
            lambda: rks.timelines(5),  # type: ignore[arg-type]
            (
                "timelines values must be a hypothesis strategy of the values, such as "
                "st.sampled_from(['small', 'large']), not int: 5."
            ),
        ),
        (
            lambda: rks.tiers(max_bound=10**30),
            (
                "tiers max_bound must be an int below 1E+30, not "
                "1000000000000000000000000000000: ratekit represents numbers below 1E+30, "
                "tier bounds among them."
            ),
        ),
    ],
)
def test_sizes_values_and_bounds_hypothesis_or_a_tier_would_refuse_when_drawn(
    build: object, message: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        build()  # type: ignore[operator]
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("build", "message"),
    [
        # each escaped before, when built or when drawn: a TypeError from ``//`` with a
        # timedelta, from iterating a number, an AttributeError ('list' has no items), an
        # OverflowError from hypothesis turning the size into a float
        (
            lambda: rks.spans(max_duration=3),
            "spans max_duration must be a datetime.timedelta (or None for no bound), not int: 3.",
        ),
        (
            lambda: rks.instants(timezones=5),
            (
                "instants timezones must be a collection such as ['UTC', 'Europe/Zurich'], "
                "not int: 5."
            ),
        ),
        (
            lambda: rks.price_models(kinds=None),
            "price_models kinds must name at least one, e.g. ['Graduated', 'Volume'], not None.",
        ),
        (
            lambda: rks.price_models(kinds=[["PerUnit"]]),
            "price_models kinds must be non-empty strings, not list: ['PerUnit'].",
        ),
        (
            lambda: rks.price_models(kinds=(kind for kind in ["PerUnit"])),
            (
                "price_models kinds must be a collection such as ['Graduated', 'Volume'], "
                "not generator: <generator object ...>."
            ),
        ),
        (
            lambda: rks.usage_rows(meters=["vm.hours"]),
            (
                "usage_rows meters must be a mapping of meter name to unit such as "
                "{'vm.hours': 'hour'}, not list: ['vm.hours']."
            ),
        ),
        (
            lambda: rks.timelines(rks.st.integers(), max_size=10**20),
            (
                "timelines max_size must be an int of 0 or more (at most "
                "9223372036854775807), not 100000000000000000000."
            ),
        ),
    ],
)
def test_arguments_that_failed_inside_are_refused_naming_them(build: object, message: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        build()  # type: ignore[operator]
    said = str(caught.value)
    if "<generator object ...>" in message:
        head, tail = message.split("<generator object ...>")
        assert said.startswith(head + "<generator object ")
        assert said.endswith(tail)
    else:
        assert said == message
