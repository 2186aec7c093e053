"""A pandas Timestamp's nanoseconds are refused, as a string's digits past the microsecond are."""

from __future__ import annotations

import pytest

import ratekit as rk

pd = pytest.importorskip("pandas")


def test_a_timestamp_with_nanoseconds_is_refused_not_cut() -> None:
    # 00:00:00.000000999 is 999 ns past the instant; ratekit used to read it as
    # 00:00:00Z, silently dropping the 999 ns that the text '...00.000000999Z' is refused for.
    stamp = pd.Timestamp("2026-03-01T00:00:00.000000999Z")
    with pytest.raises(rk.BadTimeError, match=r"Span start Timestamp\(.*999 ns past the"):
        rk.Span(stamp, "2026-04-01T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match=r"floor\('us'\)"):
        rk.Event("acme", "vm-1", stamp, kind="start", id="e1")
    with pytest.raises(rk.BadTimeError):
        rk.Span("2026-03-01T00:00:00.000000999Z", "2026-04-01T00:00:00Z")


def test_a_timestamp_on_the_microsecond_reads_as_it_always_did() -> None:
    stamp = pd.Timestamp("2026-03-01T00:00:00.000001Z")
    assert rk.Span(stamp, "2026-04-01T00:00:00Z").start_us == 1_772_323_200_000_001
    assert rk.Span(stamp.floor("us"), stamp).start_us == 1_772_323_200_000_001
    floored = pd.Timestamp("2026-03-01T00:00:00.000001999Z").floor("us")
    assert rk.Span(floored, "2026-04-01T00:00:00Z").start == stamp
