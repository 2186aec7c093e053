"""Meter names, allow_empty, a negative max_duration and a tier count are checked when built.

Each was let through when the strategy was built: a meter named ``""`` (or ``3``) in
``usage_rows(meters=...)`` failed only when a row was drawn, deep in the user's test run
("UsageRow meter must be a non-empty string, not ''."), and ``plans(meters=["vm.hours"])``
drew plans from a list that ``usage_rows`` refuses; ``spans(allow_empty=None)`` drew empty
spans as if it were ``True``; ``spans(max_duration=-1 day)`` said "no non-empty span
fits" although empty spans were allowed, instead of naming the negative duration;
``tiers(max_size=20000)`` escaped hypothesis' ``InvalidArgument`` when drawn.
"""

from __future__ import annotations

import datetime as _dt

import pytest
from hypothesis import given

import ratekit as rk
from ratekit import strategies as rks


@pytest.mark.parametrize("meter", ["", 3])
def test_usage_rows_refuses_a_meter_name_that_is_no_name_when_built(meter: object) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rks.usage_rows(meters={meter: "hour"})  # type: ignore[dict-item]
    assert str(caught.value) == (
        f"usage_rows meters must name meters with non-empty strings, such as "
        f"{{'vm.hours': 'hour'}}, not {meter!r}."
    )


def test_plans_meters_is_the_mapping_usage_rows_takes() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rks.plans(meters=["vm.hours"])  # type: ignore[arg-type]
    assert str(caught.value) == (
        "plans meters must be a mapping of meter name to unit such as "
        "{'vm.hours': 'hour'}, not list: ['vm.hours']."
    )
    rks.plans(meters={"vm.hours": "hour"})  # a mapping, as before


@pytest.mark.parametrize("flag", [None, 1, "yes"])
def test_spans_allow_empty_is_true_or_false(flag: object) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rks.spans(allow_empty=flag)  # type: ignore[arg-type]
    assert str(caught.value) == f"spans allow_empty must be True or False, not {flag!r}."


def test_a_negative_max_duration_is_named() -> None:
    with pytest.raises(rk.BadSpanError) as caught:
        rks.spans(max_duration=_dt.timedelta(days=-1))
    assert str(caught.value) == (
        "spans max_duration must be zero or more (or None for no bound), "
        "not datetime.timedelta(days=-1)."
    )

    # zero is a bound empty spans meet
    @given(rks.spans(max_duration=_dt.timedelta(0)))
    def only_empty(span: rk.Span) -> None:
        assert not span

    only_empty()


def test_a_tier_table_hypothesis_cannot_draw_is_refused_when_built() -> None:
    # tiers(max_size=20000) was taken, and the first draw of 8,193 or more tiers raised
    # hypothesis' InvalidArgument ("min_size is larger than Hypothesis supports")
    with pytest.raises(rk.RatekitTypeError) as caught:
        rks.tiers(max_size=20_000, max_bound=10**6)
    assert str(caught.value) == (
        "tiers max_size must be an int of 1 or more (at most 1000), not 20000."
    )
    rks.tiers(max_size=1_000, max_bound=10**6)  # the largest table taken
