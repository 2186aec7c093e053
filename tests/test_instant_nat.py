"""pandas' NaT given as an instant is refused as a missing instant, not as a bad tzinfo."""

from __future__ import annotations

import pytest

import ratekit as rk

pd = pytest.importorskip("pandas")


def test_nat_is_named_as_a_missing_instant() -> None:
    # NaT is a datetime subclass whose utcoffset() raises; the message used to read
    # "Span start 'NaT' (tzinfo NoneType): its tzinfo's utcoffset() raised ValueError ...;
    # give it a zoneinfo.ZoneInfo", advice that cannot apply to a missing value.
    with pytest.raises(rk.BadTimeError) as raised:
        rk.Span(pd.NaT, "2026-04-01T00:00:00Z")
    message = str(raised.value)
    assert message.startswith("Span start is pandas' NaT, a missing instant; give an aware")
    assert "'2026-03-01T00:00:00Z'" in message
    assert "ZoneInfo" not in message
    with pytest.raises(rk.BadTimeError, match=r"^event 'e1' at is pandas' NaT"):
        rk.Event("acme", "vm-1", pd.NaT, kind="start", id="e1")
