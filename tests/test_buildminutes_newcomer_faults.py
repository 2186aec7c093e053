"""Faults a CI build-minutes seller meets, each on its smallest input, pinned until fixed.

- The Allowance docstring and docs/pricing.md (Plans: "allowances: a free quantity of a
  meter per cycle ..., consumed in time order") promise that the first minutes used are
  free: two jobs that overlap in time share the free minutes as they are used, whatever
  cuts their rows (fixed: `ratekit._allowance_flows`).
- A statement previewed in a notebook read the cycle of its lines in UTC and that of
  its closed invoices in the rater's zone (fixed: `Statement.tz`).
- A snapshot version read back as a float was refused as an unknown version (fixed).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from _build_minutes import LA, LINUX, MONTHLY, NOVEMBER, job

# 100 free Linux minutes a month; a 2x minute costs 0.008, an 8x minute 0.032.
SMALL = rk.Plan(
    "small",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry("l2", "linux.minutes", rk.PerUnit("0.008"), where={"runner": "linux-2x"}),
        rk.PriceEntry("l8", "linux.minutes", rk.PerUnit("0.032"), where={"runner": "linux-8x"}),
    ],
    allowances=[rk.Allowance("linux.minutes", 100)],
    tz=LA,
)
# A 2x job from 00:00 to 02:00 (120 minutes) and an 8x job from 00:30 to 01:00 (30).
LONG = job("a", "X", "2026-11-05T00:00:00Z", "2026-11-05T02:00:00Z", "linux-2x")
SHORT = job("a", "Y", "2026-11-05T00:30:00Z", "2026-11-05T01:00:00Z", "linux-8x")
# A heartbeat of the long job: an update of an attribute no price reads.
HEARTBEAT = rk.Event("a", "X", "2026-11-05T00:45:00Z", {"heartbeat": 1}, kind="update", id="hb")


def total(records: list[rk.Event]) -> Decimal:
    return rk.bill(rk.rate(records, SMALL, span=NOVEMBER, meters=[LINUX]))[0].total


def test_with_a_heartbeat_the_free_minutes_go_in_the_order_they_are_used() -> None:
    # Minute by minute: by 01:00 X used 60 and Y 30 (90 free), X's next 10 are free too,
    # and X's last 50 minutes bill 50 x 0.008 = 0.40. The heartbeat cuts X's row at 00:45,
    # and its rows and Y's, taken by their starts, give that.
    assert total([*LONG, *SHORT, HEARTBEAT]) == Decimal("0.40")


def test_overlapping_jobs_share_the_free_minutes_as_they_are_used() -> None:
    # Without the heartbeat X's row runs 00:00-02:00 whole: the minutes it and Y use at
    # once take the free minutes together, as the heartbeat's cut rows do: by 01:00 X
    # used 60 and Y 30 (90 free), X's next 10 are free, its last 50 bill 50 x 0.008.
    assert total([*LONG, *SHORT]) == Decimal("0.40")


def test_a_statement_names_its_invoices_cycle_in_the_raters_zone() -> None:
    rater = rk.Rater(SMALL, [LINUX], start=NOVEMBER.start, tz=LA)
    rater.feed(job("a", "j", "2026-11-30T07:00:00Z", None, "linux-2x"))
    page = rater.statement(NOVEMBER.end)._repr_html_()
    # docs/streaming.md: with tz=, the invoices name their cycle in that zone's dates.
    assert "<td>2026-11-01 .. 2026-12-01 (America/Los_Angeles)</td>" in page


def test_a_statement_reads_its_lines_cycle_in_the_raters_zone_too() -> None:
    rater = rk.Rater(SMALL, [LINUX], start=NOVEMBER.start, tz=LA)
    rater.feed(job("a", "j", "2026-11-30T07:00:00Z", None, "linux-2x"))
    statement = rater.statement(NOVEMBER.end)
    assert statement.tz == LA
    page = statement._repr_html_()
    assert "2026-11-01T07:00:00Z .. 2026-12-01T08:00:00Z" not in page
    # the line's row and the closed invoice's row read the cycle alike
    local = "<td>2026-11-01 .. 2026-12-01 (America/Los_Angeles)</td>"
    assert page.count(local) == len(statement.lines) + len(statement.invoices) == 2


def test_a_statement_built_by_hand_names_its_zone_through_the_door() -> None:
    line = rk.StatementLine(
        "a", NOVEMBER, "usage", "p", "linux", "l2", "j", "minute", "USD", 60, "0.48"
    )
    # no zone: the cycle in UTC, as an invoice without one
    utc = rk.Statement(NOVEMBER.end, lines=[line])._repr_html_()
    assert "<td>2026-11-01T07:00:00Z .. 2026-12-01T08:00:00Z</td>" in utc
    zoned = rk.Statement(NOVEMBER.end, lines=[line], tz="America/Los_Angeles")
    assert "<td>2026-11-01 .. 2026-12-01 (America/Los_Angeles)</td>" in zoned._repr_html_()
    with pytest.raises(rk.RatekitError, match=r"^Statement tz 'Mars/Olympus'"):
        rk.Statement(NOVEMBER.end, lines=[line], tz="Mars/Olympus")


def test_a_float_snapshot_version_is_refused_as_a_float() -> None:
    rater = rk.Rater(SMALL, [LINUX], start=NOVEMBER.start, tz=LA)
    data = rater.snapshot()
    data["version"] = float(data["version"])
    with pytest.raises(rk.BadSnapshotError) as caught:
        rk.Rater.restore(data, SMALL, [LINUX])
    assert "float" in str(caught.value)
    assert "restore it with the ratekit that wrote it" not in str(caught.value)
