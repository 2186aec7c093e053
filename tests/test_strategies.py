"""ratekit.strategies: optional, bounded, on the grid, and clear about bad arguments."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import zoneinfo

import pytest
from hypothesis import given

import ratekit as rk
from ratekit import strategies as rks

HOUR = dt.timedelta(hours=1)
LOW = "2026-03-28T00:00:00Z"
HIGH = "2026-03-30T00:00:00Z"  # 48 one-hour steps above LOW


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_importing_ratekit_does_not_import_hypothesis() -> None:
    result = run_python(
        """
        import sys
        import ratekit
        print("hypothesis" in sys.modules, "ratekit.strategies" in sys.modules)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_without_hypothesis_the_import_error_says_what_to_install() -> None:
    result = run_python(
        """
        import sys
        sys.modules["hypothesis"] = None  # as if it were not installed
        try:
            import ratekit.strategies
        except ImportError as error:
            import ratekit
            print(type(error).__name__, isinstance(error, ratekit.RatekitError))
            print(error)
        """
    )
    assert result.returncode == 0, result.stderr
    # the one error of a missing extra, naming the extra (it named hypothesis and [test])
    assert result.stdout.strip() == (
        "MissingExtraError True\n"
        "ratekit.strategies needs hypothesis, which ratekit does not install by itself; "
        "install it with `pip install 'ratekit[strategies]'`."
    )


@given(rks.instants(min_start=LOW, max_end=HIGH, resolution=HOUR))
def test_instants_are_aware_on_the_grid_and_in_range(moment: dt.datetime) -> None:
    assert moment.utcoffset() is not None
    assert isinstance(moment.tzinfo, zoneinfo.ZoneInfo)
    assert moment.tzinfo.key in rks.DEFAULT_TIMEZONES
    span = rk.Span(LOW, HIGH)
    assert moment in span or moment == span.end
    assert (rk.Span(LOW, moment).duration % HOUR) == dt.timedelta(0)


@given(rks.instants(timezones=["Asia/Kolkata"]))
def test_instants_in_the_zones_asked_for(moment: dt.datetime) -> None:
    assert moment.utcoffset() == dt.timedelta(hours=5, minutes=30)


@given(
    rks.spans(
        min_start=LOW, max_end=HIGH, resolution=HOUR, max_duration=3 * HOUR, allow_empty=False
    )
)
def test_spans_respect_their_bounds(span: rk.Span) -> None:
    assert span in rk.Span(LOW, HIGH)
    assert HOUR <= span.duration <= 3 * HOUR
    assert (span.start - rk.Span(LOW, LOW).start) % HOUR == dt.timedelta(0)


@given(rks.span_sets(min_start=LOW, max_end=HIGH, resolution=HOUR, max_size=3))
def test_span_sets_respect_their_bounds(spans: rk.SpanSet) -> None:
    spans._check()
    assert len(spans) <= 3
    assert all(span in rk.Span(LOW, HIGH) for span in spans)


@given(
    rks.instants(
        min_start="0001-01-01T00:00:00Z",
        max_end="0001-01-01T01:00:00Z",
        timezones=["America/New_York"],
    )
)
def test_instants_that_would_overflow_locally_are_shown_in_utc(moment: dt.datetime) -> None:
    # 00:00-01:00 UTC on 0001-01-01 is still in year 0 in New York (UTC-05:00 or so),
    # which datetime cannot represent.
    assert moment.tzinfo is dt.UTC
    assert moment < dt.datetime(1, 1, 1, 1, 0, 1, tzinfo=dt.UTC)


def test_a_single_point_range_gives_only_empty_spans() -> None:
    # One grid point: the only span is [LOW, LOW).
    @given(rks.spans(min_start=LOW, max_end=LOW))
    def check(span: rk.Span) -> None:
        assert span == rk.Span(LOW, LOW)

    check()


def test_bad_arguments_fail_when_the_strategy_is_built() -> None:
    with pytest.raises(rk.BadSpanError) as caught:
        rks.spans(min_start=HIGH, max_end=LOW)
    assert str(caught.value) == (
        "max_end 2026-03-28T00:00:00Z comes before min_start 2026-03-30T00:00:00Z; "
        "give a range with min_start <= max_end."
    )
    with pytest.raises(rk.RatekitTypeError) as caught_type:
        rks.instants(resolution=3600)  # type: ignore[arg-type]
    assert str(caught_type.value) == "resolution must be a datetime.timedelta, not int: 3600."
    with pytest.raises(rk.BadSpanError) as caught:
        rks.span_sets(resolution=dt.timedelta(0))
    assert str(caught.value) == (
        "resolution must be a positive whole number of microseconds, not datetime.timedelta(0)."
    )
    with pytest.raises(rk.BadSpanError) as caught:
        rks.spans(min_start=LOW, max_end=LOW, allow_empty=False)
    assert str(caught.value) == (
        "no non-empty span fits: the range or max_duration is shorter than resolution."
    )
    with pytest.raises(rk.BadSpanError, match="no non-empty span fits"):
        rks.spans(max_duration=dt.timedelta(minutes=30), resolution=HOUR, allow_empty=False)
    with pytest.raises(rk.BadSpanError) as caught:
        rks.instants(timezones=[])
    assert str(caught.value) == "timezones must name at least one IANA timezone, such as 'UTC'."
    with pytest.raises(rk.BadTimeError, match="min_start '2026-03-28' has no UTC offset"):
        rks.timelines(rks.instants(), min_start="2026-03-28")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        # was: AttributeError: 'str' object has no attribute 'start' (when drawn)
        (
            lambda: rks.usage_rows(within="2026-03"),
            "usage_rows within must be a Span (the rows' cycle), not str: '2026-03'.",
        ),
        # these were hypothesis' InvalidArgument, raised only when drawn
        (
            lambda: rks.usage_rows(accounts=()),
            "usage_rows accounts must name at least one, e.g. ('acme',), not ().",
        ),
        (
            lambda: rks.usage_rows(meters={}),
            "usage_rows meters must name at least one, e.g. {'vm.hours': 'hour'}, not {}.",
        ),
        (
            lambda: rks.usage_rows(max_size=-1),
            "usage_rows max_size must be an int of 0 or more, not -1.",
        ),
        (
            lambda: rks.usage_rows(places=-1),
            "usage_rows places must be an int of 0 or more, not -1.",
        ),
        (
            lambda: rks.plans(meters={}),
            "plans meters must name at least one, e.g. {'vm.hours': 'hour'}, not {}.",
        ),
        (
            lambda: rks.tiers(max_size=5, max_bound=3),
            "tiers max_bound must be an int of 5 or more, not 3.",
        ),
    ],
)
def test_bad_strategy_arguments_are_refused_when_the_strategy_is_built(build, message):
    with pytest.raises(rk.RatekitTypeError) as caught:
        build()
    assert str(caught.value) == message


@given(rks.records(max_size=3))
def test_records_hold_at_most_max_size_records_replays_included(stream: list[object]) -> None:
    # Replays used to come on top: max_size=3 drew lists of up to 6 records.
    assert len(stream) <= 3


@given(rks.price_models(places=0))
def test_price_models_keep_every_price_to_places(price: rk.PriceModel) -> None:
    # Flat prices, package prices and tiers' flat fees used to keep 2 decimals.
    amounts = [getattr(price, name) for name in ("rate", "fee", "price") if hasattr(price, name)]
    if isinstance(price, rk.Graduated | rk.Volume):
        amounts += [tier.unit for tier in price.tiers] + [tier.flat for tier in price.tiers]
    assert amounts
    assert all(amount == amount.to_integral_value() for amount in amounts)
