"""The comparison table reads each candidate's cycle in the timezone its invoice reads it.

Candidates bill an account over the same cycles (the same instants), but their invoices
may read them in other zones: a plan's own ``tz`` (a UTC month billed in Tokyo), or a
cycle of another zone over the same instants. The table printed the cycle in the first
candidate's zone only, so a Tokyo candidate's month read as a UTC one. The cycle column
keeps the first candidate's reading (the baseline's, or the first that billed it); a
candidate whose invoice reads the cycle in another zone shows that reading under its
amount, as its invoice prints it.
"""

from __future__ import annotations

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
TODAY = rk.Plan("today", "EUR", MONTHLY, [], fees=[rk.Fee("base", 10)])
# the same UTC months, read in Tokyo (UTC+9): March runs from 09:00 on the 1st
TOKYO = rk.Plan("tokyo", "EUR", MONTHLY, [], fees=[rk.Fee("base", 12)], tz="Asia/Tokyo")


def _page(candidates: dict[str, rk.Plan]) -> str:
    assigned = {name: [rk.Assignment("acme", plan)] for name, plan in candidates.items()}
    return rk.compare_plans([], assigned, span=MARCH)._repr_html_()


def test_a_candidate_billing_in_another_zone_shows_its_cycle_under_its_amount() -> None:
    page = _page({"today": TODAY, "tokyo": TOKYO})
    # the cycle column in the baseline's zone; Tokyo's cell its own reading, then
    # the difference 12.00 - 10.00 = +2.00
    assert (
        "<tr><td>acme</td><td>2026-03-01 .. 2026-04-01 (UTC)</td>"
        "<td style='text-align:right'>10.00 EUR</td>"
        "<td style='text-align:right'>12.00 EUR<br><small class='rk-cycle'>cycle "
        "2026-03-01T09:00+09:00 .. 2026-04-01T09:00+09:00 (Asia/Tokyo)</small>"
        "<br><small style='color:#b3261e'>+2.00 (pays more)</small></td></tr>"
    ) in page


def test_the_baseline_in_another_zone_is_read_in_its_own_and_the_other_shows_its() -> None:
    page = _page({"tokyo": TOKYO, "today": TODAY})
    # 10.00 - 12.00 = -2.00
    assert (
        "<tr><td>acme</td><td>2026-03-01T09:00+09:00 .. 2026-04-01T09:00+09:00 (Asia/Tokyo)</td>"
        "<td style='text-align:right'>12.00 EUR</td>"
        "<td style='text-align:right'>10.00 EUR<br><small class='rk-cycle'>cycle "
        "2026-03-01 .. 2026-04-01 (UTC)</small>"
        "<br><small style='color:#0a7d32'>-2.00 (pays less)</small></td></tr>"
    ) in page


def test_candidates_in_one_zone_show_the_cycle_once() -> None:
    same = rk.Plan("same", "EUR", MONTHLY, [], fees=[rk.Fee("base", 10)])
    page = _page({"today": TODAY, "same": same})
    assert "rk-cycle" not in page
    assert page.count("2026-03-01 .. 2026-04-01 (UTC)") == 1
