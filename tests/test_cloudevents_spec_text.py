"""A CloudEvents Spec's types and meter names are text: refused at the Spec, not per event.

A meter name holding a lone surrogate (from JSON's ``"\\ud800"`` escape in a spec kept as
data) was taken by the Spec, and every event of its type was then refused, one by one,
as a sample whose meter is not text, naming the event rather than the Spec that was wrong.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit.adapters import cloudevents

TAIL = (
    "is not valid Unicode text: it holds a surrogate code point ('\\ud800' at index 1), "
    "which is no character and which UTF-8 cannot encode, so no UTF-8 JSON, CSV or database "
    "text could hold it; give text decoded strictly from its bytes (or with errors='replace')."
)


def _spec(meters: dict[str, str]) -> cloudevents.Spec:
    return cloudevents.Spec(meters, quantity="data.n", account="subject", resource="data.r")


def _event(kind: str) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": "1",
        "source": "//gw",
        "type": kind,
        "subject": "acme",
        "time": "2026-03-02T08:00:00Z",
        "data": {"r": "vm-1", "n": 5},
    }


def test_a_spec_refuses_a_meter_name_that_is_not_text() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        _spec({"com.example.tokens": "t\ud800"})
    assert str(raised.value) == f"Spec meters['com.example.tokens'] meter name 't\\ud800' {TAIL}"


def test_a_spec_refuses_a_type_that_is_not_text() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        _spec({"c\ud800": "tokens"})
    assert str(raised.value) == f"Spec meters type 'c\\ud800' {TAIL}"


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_NAME = st.text(
    st.one_of(st.characters(categories=["Cs"]), st.sampled_from("ab.\u00e9\U0001f600")),
    min_size=1,
    max_size=4,
)


@settings(max_examples=LAWS)
@given(kind=_NAME, meter=_NAME)
def test_law_a_spec_is_refused_or_its_events_give_samples_of_its_meter(
    kind: str, meter: str
) -> None:
    # Oracle: both names are strictly UTF-8 encodable; then an event of the type is a
    # sample of the meter (5 of it), as an rk.Sample of that meter is.
    if not (_encodes(kind) and _encodes(meter)):
        with pytest.raises(rk.RatekitTypeError, match=r"^Spec meters"):
            _spec({kind: meter})
        return
    (sample,) = cloudevents.usage_events([_event(kind)], _spec({kind: meter}))
    assert sample == rk.Sample("acme", "vm-1", meter, "2026-03-02T08:00:00Z", 5, id="//gw#1")
