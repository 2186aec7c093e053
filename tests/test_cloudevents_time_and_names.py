"""CloudEvents: times finer than a microsecond, and whole numbers as account or resource.

The CloudEvents Go SDK writes ``time`` with nine decimals (RFC 3339 with nanoseconds);
ratekit keeps instants to the microsecond and drops no digit unless told, so a Spec says
``sub_microsecond="floor"`` to read such a feed. CloudEvents' type system has an Integer
attribute type whose canonical string is its decimal text: an extension ``customerid:
21891`` names account ``"21891"``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit.adapters import cloudevents

SPEC = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens")
FLOOR = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens", sub_microsecond="floor")


def event(time: object, **extra: object) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/gw",
        "type": "tokens",
        "subject": "customer-1",
        "time": time,
        "data": {"tokens": 1200},
        **extra,
    }


def test_nanoseconds_are_refused_by_default_saying_how_to_read_them() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([event("2026-03-02T08:00:00.123456789Z")], SPEC)
    assert str(caught.value) == (
        "CloudEvent [0].time '2026-03-02T08:00:00.123456789Z' has a fraction of a second "
        "finer than a microsecond (.123456789); ratekit keeps instants to the microsecond and "
        "drops no digit, so give at most 6 decimals (or zeros after them). A producer that "
        "writes nanoseconds (the CloudEvents Go SDK does) is read by building the Spec with "
        "sub_microsecond='floor'."
    )


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        # .123456|789: the digits after the sixth dropped
        ("2026-03-02T08:00:00.123456789Z", "2026-03-02T08:00:00.123456Z"),
        # .999999|999 at 08:00:59 stays in that second: floored, never rounded up
        ("2026-03-02T08:00:59.999999999Z", "2026-03-02T08:00:59.999999Z"),
        # an offset after the fraction: 09:00:00.000000|5 at +01:00 is 08:00 UTC
        ("2026-03-02T09:00:00.0000005+01:00", "2026-03-02T08:00:00Z"),
        # lower-case t and z, as RFC 3339 allows (a ',' before the fraction it does not:
        # tests/test_cloudevents_rfc3339.py)
        ("2026-03-02t08:00:00.0000019z", "2026-03-02T08:00:00.000001Z"),
        # more than nine digits: RFC 3339 sets no limit, and floor drops them all
        ("2026-03-02T08:00:00.1234567891234Z", "2026-03-02T08:00:00.123456Z"),
    ],
)
def test_a_floor_spec_drops_the_digits_after_the_sixth(time: str, expected: str) -> None:
    (sample,) = cloudevents.usage_events([event(time)], FLOOR)
    assert sample.at == rk.Span(expected, "2027-01-01T00:00:00Z").start


def test_zeros_after_the_sixth_digit_are_exact_in_both_modes() -> None:
    for spec in (SPEC, FLOOR):
        (sample,) = cloudevents.usage_events([event("2026-03-02T08:00:00.123456000Z")], spec)
        assert sample.at == dt.datetime(2026, 3, 2, 8, 0, 0, 123456, tzinfo=dt.UTC)


def test_a_floor_spec_refuses_what_is_wrong_besides_the_digits() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([event("2026-03-02T08:00:00.123456789")], FLOOR)
    assert "[0].time" in str(caught.value)
    assert "offset" in str(caught.value)


def test_the_spec_checks_sub_microsecond_and_shows_it() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        cloudevents.Spec({"t": "m"}, quantity="data.n", sub_microsecond="round")  # type: ignore[arg-type]
    assert str(caught.value) == "Spec sub_microsecond must be 'refuse' or 'floor', not 'round'."
    assert repr(FLOOR) == (
        "Spec({'tokens': 'llm.tokens'}, quantity='data.tokens', account='subject', "
        "resource='subject', sub_microsecond='floor')"
    )
    assert FLOOR != SPEC


@settings(max_examples=LAWS, deadline=None)
@given(
    seconds=st.integers(0, 86_399),
    nanoseconds=st.integers(0, 999_999_999),
    offset_minutes=st.integers(-14 * 60, 14 * 60),
)
def test_floor_is_the_instant_in_whole_microseconds_toward_the_past(
    seconds: int, nanoseconds: int, offset_minutes: int
) -> None:
    # The oracle in integers: the local wall time in nanoseconds, less the offset, floored
    # to the microsecond (the fraction is positive, so dropping digits floors).
    # The wall time as if UTC, then less the offset: its epoch second.
    local = dt.datetime(2026, 3, 2, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = f"{local:%Y-%m-%dT%H:%M:%S}.{nanoseconds:09d}{sign}{hours:02d}:{minutes:02d}"
    (sample,) = cloudevents.usage_events([event(text)], FLOOR)
    epoch_ns = (int(local.timestamp()) - offset_minutes * 60) * 10**9 + nanoseconds
    at = sample.at
    assert at is not None
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert (at - epoch) // dt.timedelta(microseconds=1) == epoch_ns // 1000


@pytest.mark.parametrize(
    ("value", "name"), [(21891, "21891"), (0, "0"), (-7, "-7"), (2**63 - 1, str(2**63 - 1))]
)
def test_a_whole_number_names_the_account_by_its_decimal_text(value: int, name: str) -> None:
    spec = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens", account="customerid")
    (sample,) = cloudevents.usage_events([event("2026-03-02T08:00:00Z", customerid=value)], spec)
    assert (sample.account, sample.resource) == (name, "customer-1")


@pytest.mark.parametrize("value", [True, 21891.0, 2**63, -(2**63) - 1, "", Decimal(5)])
def test_what_is_no_name_is_refused_saying_what_is(value: object) -> None:
    spec = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens", account="customerid")
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([event("2026-03-02T08:00:00Z", customerid=value)], spec)
    assert str(caught.value).startswith(
        "CloudEvent [0].customerid must be a non-empty string or an integer (a JSON number "
        "without a fraction or exponent, from -2**63 to 2**63 - 1), not "
    )


def test_a_whole_number_in_data_names_the_resource_and_rates() -> None:
    spec = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens", resource="data.model")
    payload = event("2026-03-02T08:00:00.000000999Z")
    payload["data"] = {"tokens": 1200, "model": 7}
    (sample,) = cloudevents.usage_events(
        [payload],
        cloudevents.Spec(
            {"tokens": "llm.tokens"},
            quantity="data.tokens",
            resource="data.model",
            sub_microsecond="floor",
        ),
    )
    assert sample.resource == "7"
    assert spec.resource == "data.model"
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan(
        "llm",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("tokens", "llm.tokens", rk.PerUnit("0.0001"))],
    )
    rating = rk.rate(
        [sample], plan, span=march, meters=[rk.Meter("llm.tokens", "count", rk.Discrete())]
    )
    assert rating.total() == Decimal("0.12")  # 1200 * 0.0001


def test_a_floored_time_that_is_no_instant_names_the_time_the_event_holds() -> None:
    # 13th month: refused, naming '...123456789Z' as the event holds it (a consumer looks
    # for that text in the feed), not only the floored '...123456Z' it never wrote.
    with pytest.raises(rk.BadRecordError) as caught:
        list(cloudevents.usage_events([event("2026-13-01T00:00:00.123456789Z")], FLOOR))
    assert "'2026-13-01T00:00:00.123456789Z'" in str(caught.value)
