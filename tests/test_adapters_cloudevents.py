"""CloudEvents usage events read straight from the feed by a declarative spec.

The month in ``tests/data/cloudevents/llm_tokens.json`` (March 2026, UTC cycles): an LLM
gateway's token counts. customer-1: 1200 and "800" (a numeric string) tokens of
gpt-large on 2 March, 50000 of gpt-small on 15 March, one event on 28 February and the
2 March event delivered twice; customer-2: 300000 of gpt-small on 10 March (stamped
+01:00) and one on 1 April; a heartbeat event that is not usage.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

import ratekit as rk
from ratekit.adapters import cloudevents

FEED = json.loads((Path(__file__).parent / "data" / "cloudevents" / "llm_tokens.json").read_text())
MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SPEC = cloudevents.Spec(
    {"com.example.llm.tokens": "llm.tokens"},
    quantity="data.usage.tokens",
    account="subject",
    resource="data.model",
    unknown="skip",
)
TOKENS = rk.Meter("llm.tokens", "count", rk.Discrete())


def test_a_month_of_the_feed_rates_to_the_hand_computed_invoices() -> None:
    # customer-1: 1200 + 800 + 50000 = 52000 tokens x 0.00001 = 0.52 (the February event,
    # the replay and the heartbeat are not March usage); customer-2: 300000 x 0.00001 = 3.00.
    plan = rk.Plan(
        "llm", "EUR", MONTHLY, [rk.PriceEntry("tokens", "llm.tokens", rk.PerUnit("0.00001"))]
    )
    rating = rk.rate(cloudevents.usage_events(FEED, SPEC), plan, span=MARCH, meters=[TOKENS])
    invoices = {invoice.account: invoice for invoice in rk.bill(rating)}
    assert [(line.quantity, line.amount) for line in invoices["customer-1"].lines] == [
        (Decimal(52000), Decimal("0.52"))
    ]
    assert invoices["customer-1"].total == Decimal("0.52")
    assert invoices["customer-2"].total == Decimal("3.00")
    assert [anomaly.kind for anomaly in rating.anomalies] == ["duplicate"]


def test_each_event_becomes_one_sample() -> None:
    samples = cloudevents.usage_events(FEED, SPEC)
    assert len(samples) == 7  # the heartbeat is skipped
    second = samples[2]
    assert (second.account, second.resource, second.meter, second.value, second.kind) == (
        "customer-1",
        "gpt-large",
        "llm.tokens",
        Decimal(800),
        "delta",
    )
    assert second.at_us == rk.Span("2026-03-02T08:05:00.250Z", "2026-03-02T08:05:00.250Z").start_us
    assert second.id == "//gateway.example.com/llm#01J8Z0003-7c1e-4f0a-9d2b-000000000003"
    # An instant with an offset is the same instant in UTC: 12:00+01:00 is 11:00Z.
    assert samples[3].at.isoformat() == "2026-03-10T11:00:00+00:00"


def test_an_unmapped_type_is_an_error_unless_skipped() -> None:
    strict = cloudevents.Spec(
        {"com.example.llm.tokens": "llm.tokens"}, quantity="data.usage.tokens"
    )
    with pytest.raises(rk.BadRecordError) as error:
        cloudevents.usage_events(FEED, strict)
    assert str(error.value) == (
        "CloudEvent [5].type is 'com.example.gateway.heartbeat', which the spec does not map "
        "to a meter; it maps 'com.example.llm.tokens' (or build the Spec with unknown='skip')."
    )


def test_account_and_resource_from_extension_attributes_and_kinds() -> None:
    event = {
        "specversion": "1.0",
        "id": "r-1",
        "source": "/storage",
        "type": "bytes.stored",
        "time": "2026-03-02T00:00:00Z",
        "tenantid": "acme",
        "subject": "bucket-7",
        "data": {"bytes": 1.5e9},
    }
    spec = cloudevents.Spec(
        {"bytes.stored": "storage"}, quantity="data.bytes", account="tenantid", kind="gauge"
    )
    (sample,) = cloudevents.usage_events([event], spec)
    assert (sample.account, sample.resource, sample.value, sample.kind) == (
        "acme",
        "bucket-7",
        Decimal("1.5E+9"),
        "gauge",
    )


def test_a_spec_is_a_mapping_never_code() -> None:
    for bad in ["__import__('os')", "data", "data.", "data..x", "Subject", ""]:
        with pytest.raises(rk.RatekitTypeError, match="Spec quantity must name"):
            cloudevents.Spec({"t": "m"}, quantity=bad)
    with pytest.raises(rk.RatekitTypeError, match="Spec meters must be a non-empty mapping"):
        cloudevents.Spec({}, quantity="data.x")
    with pytest.raises(rk.RatekitTypeError, match="Spec kind must be"):
        cloudevents.Spec({"t": "m"}, quantity="data.x", kind="sum")  # type: ignore[arg-type]


def test_errors_name_the_position_and_the_field() -> None:
    broken = copy.deepcopy(FEED)
    broken[4]["data"]["usage"]["tokens"] = "many"
    with pytest.raises(rk.BadRecordError) as error:
        cloudevents.usage_events(broken, SPEC)
    assert str(error.value).startswith(
        "CloudEvent [4].data.usage.tokens 'many' is not a decimal number"
    )
    broken = copy.deepcopy(FEED)
    broken[1]["specversion"] = "0.3"
    with pytest.raises(rk.BadRecordError) as error:
        cloudevents.usage_events(broken, SPEC)
    assert (
        str(error.value) == "CloudEvent [1].specversion is '0.3'; only CloudEvents '1.0' is read."
    )
    broken = copy.deepcopy(FEED)
    del broken[2]["data"]
    broken[2]["data_base64"] = "eyJ0b2tlbnMiOiA4MDB9"
    with pytest.raises(rk.BadRecordError, match=r"\[2\]\.data_base64 is binary data"):
        cloudevents.usage_events(broken, SPEC)
    broken = copy.deepcopy(FEED)
    del broken[3]["time"]
    with pytest.raises(rk.BadRecordError, match=r"\[3\]\.time is missing"):
        cloudevents.usage_events(broken, SPEC)
    broken = copy.deepcopy(FEED)
    broken[3]["data"]["model"] = 7.5  # a whole number is read as its decimal text
    with pytest.raises(rk.BadRecordError) as error:
        cloudevents.usage_events(broken, SPEC)
    assert str(error.value) == (
        "CloudEvent [3].data.model must be a non-empty string or an integer (a JSON number "
        "without a fraction or exponent, from -2**63 to 2**63 - 1), not 7.5."
    )


def test_the_quantity_can_be_given_per_type() -> None:
    # A gateway that sends tokens in data.usage.tokens and calls in data.count:
    # customer-1 uses 1200 tokens and 3 calls.
    spec = cloudevents.Spec(
        {"tokens": "llm.tokens", "call": "api.calls"},
        quantity={"tokens": "data.usage.tokens", "call": "data.count"},
    )
    base = {
        "specversion": "1.0",
        "source": "/gw",
        "subject": "customer-1",
        "time": "2026-03-02T08:00:00Z",
    }
    feed = [
        {**base, "id": "1", "type": "tokens", "data": {"usage": {"tokens": 1200}}},
        {**base, "id": "2", "type": "call", "data": {"count": 3}},
    ]
    assert [(sample.meter, sample.value) for sample in cloudevents.usage_events(feed, spec)] == [
        ("llm.tokens", Decimal(1200)),
        ("api.calls", Decimal(3)),
    ]
    assert repr(spec) == (
        "Spec({'call': 'api.calls', 'tokens': 'llm.tokens'}, quantity={'call': 'data.count', "
        "'tokens': 'data.usage.tokens'}, account='subject', resource='subject')"
    )
    with pytest.raises(rk.RatekitTypeError) as error:
        cloudevents.Spec(
            {"tokens": "llm.tokens", "call": "api.calls"}, quantity={"tokens": "data.n"}
        )
    assert str(error.value) == (
        "Spec quantity, given per type, must say where the quantity of every type in meters "
        "is; it has none for 'call'."
    )
