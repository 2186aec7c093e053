"""Rater(tz=...): the invoices a statement closes name their cycle in that timezone.

Invoices a rater closed named their cycle in UTC only ("2026-02-28T23:00:00Z ..
2026-03-31T22:00:00Z" for a Europe/Zurich March); ``tz`` is `bill()`'s, kept in the
snapshot (absent for UTC, so earlier snapshots restore as UTC).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

import ratekit as rk
from ratekit import _snapshot

VM = rk.Meter("vm", "hour", rk.OnOff())
ZURICH = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="Europe/Zurich"),
    [rk.PriceEntry("vm", "vm", rk.PerUnit("0.05"))],
)
RECORDS = [
    rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", kind="start", id="e1"),
    rk.Event("acme", "vm-1", "2026-03-02T20:00:00Z", kind="stop", id="e2"),
]


def _rater(**options: Any) -> rk.Rater:
    rater = rk.Rater(ZURICH, [VM], start="2026-03-01T00:00:00+01:00", **options)
    rater.feed(RECORDS)
    return rater


def test_the_invoices_name_their_cycle_in_the_raters_tz_as_bill_does() -> None:
    (invoice,) = _rater(tz="Europe/Zurich").statement("2026-04-02T00:00:00Z").invoices
    assert invoice.tz == "Europe/Zurich"
    assert str(invoice).splitlines()[0] == (
        "Invoice acme, 2026-03-01 .. 2026-04-01 (Europe/Zurich), EUR"
    )
    # 12 h x 0.05 = 0.60, the same invoice as batch bill(tz=).
    rating = rk.rate(
        RECORDS, ZURICH, span=ZURICH.cycle.containing("2026-03-15T00:00:00Z"), meters=[VM]
    )
    assert invoice == rk.bill(rating, tz="Europe/Zurich")[0]
    assert invoice.total == Decimal("0.60")


def test_without_tz_the_invoices_are_in_utc_as_before() -> None:
    (invoice,) = _rater().statement("2026-04-02T00:00:00Z").invoices
    assert invoice.tz is None
    assert str(invoice).splitlines()[0] == (
        "Invoice acme, 2026-02-28T23:00:00Z .. 2026-03-31T22:00:00Z, EUR"
    )


def test_the_tz_is_kept_in_the_snapshot_and_absent_for_utc() -> None:
    data = json.loads(json.dumps(_rater(tz="Europe/Zurich").snapshot()))
    assert data["body"]["tz"] == "Europe/Zurich"
    (invoice,) = rk.Rater.restore(data, ZURICH, [VM]).statement("2026-04-02T00:00:00Z").invoices
    assert invoice.tz == "Europe/Zurich"
    assert "tz" not in _rater().snapshot()["body"]


def test_a_tz_no_timezone_is_refused_at_the_constructor() -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        _rater(tz="Mars/Olympus")
    assert str(caught.value) == (
        "Rater tz 'Mars/Olympus' is not a known IANA timezone name; give an IANA name such as "
        "'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45'."
    )


@pytest.mark.parametrize("value", [5, "Mars/Olympus", None, "UTC+24:00", "UTC+00:00"])
def test_a_snapshot_tz_that_is_no_timezone_is_refused(value: object) -> None:
    data = json.loads(json.dumps(_rater(tz="Europe/Zurich").snapshot()))
    data["body"]["tz"] = value
    data = {key: item for key, item in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, ZURICH, [VM])
    assert str(caught.value) == (
        f"Rater snapshot body tz {value!r} is not a timezone's IANA name (such as "
        "'Europe/Zurich') nor a fixed offset's ('UTC+05:45'; absent for invoices in UTC): "
        "restore an unaltered copy."
    )
