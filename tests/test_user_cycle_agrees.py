"""A cycle of the user's own whose boundaries and cycles disagree is refused, not billed."""

from __future__ import annotations

import pytest

import ratekit as rk

DAY = 86_400_000_000
WEEK = 7 * DAY
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


class WeeksThatSayDays(rk.cycles.Cycle):
    """Boundaries every UTC week (from Thursday), but containing_us answers UTC days."""

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        return list(range((start_us // WEEK + 1) * WEEK, end_us, WEEK))

    def containing_us(self, t_us: int) -> tuple[int, int]:
        return t_us // DAY * DAY, t_us // DAY * DAY + DAY


class Weeks(WeeksThatSayDays):
    def containing_us(self, t_us: int) -> tuple[int, int]:
        return t_us // WEEK * WEEK, t_us // WEEK * WEEK + WEEK


def test_a_fee_is_not_prorated_over_a_cycle_that_does_not_hold_its_piece() -> None:
    # March 2026 cut at the Thursdays 5, 12, 19 and 26 gives the pieces [1, 5), [5, 12),
    # ..., each priced as a part of the day containing_us gives for its start: the fee of
    # 7 a cycle was 4 days / 1 day * 7 = 28 for [1, 5), 49 for each whole week: 7 * 31 =
    # 217 for the month, where the cycles (days) say 7 per day of 31, and the boundaries
    # (weeks) 7 per week. Such a cycle is refused, naming the first boundary it misses.
    plan = rk.Plan("p", "EUR", WeeksThatSayDays(), [], fees=[rk.Fee("f", 7)])
    with pytest.raises(
        rk.BadCalendarError,
        match=r"cycle WeeksThatSayDays: boundaries_us\(.*returned 2026-03-05T00:00:00Z "
        r"\(boundary 0\), where containing_us says a cycle ends at 2026-03-02T00:00:00Z",
    ):
        rk.rate([], [rk.Assignment("acme", plan)], span=MARCH)


def test_a_cycle_whose_answers_agree_is_billed_as_before() -> None:
    # Weeks from Thursday: [Feb 26, Mar 5) holds 4 days of March (7 * 4/7 = 4), then
    # three whole weeks (7 each), then [Mar 26, Apr 2) for 6 of its 7 days (6): 31 in all.
    plan = rk.Plan("p", "EUR", Weeks(), [], fees=[rk.Fee("f", 7)])
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=MARCH)
    assert [charge.amount for charge in rating.charges] == [4, 7, 7, 7, 6]
    assert rating.total() == 31


class _Weeks:
    """Weeks from Monday 2 March 2026, equal to any other ``_Weeks``; a repr of its own."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Weeks)

    def __hash__(self) -> int:
        return 7

    def containing_us(self, t_us: int) -> tuple[int, int]:
        week, start = 7 * 86_400_000_000, 1772409600000000  # 2026-03-02T00:00:00Z
        begin = start + (t_us - start) // week * week
        return (begin, begin + week)

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        out, at = [], self.containing_us(start_us)[1]
        while at < end_us:
            out.append(at)
            at += 7 * 86_400_000_000
        return out


def test_a_rater_takes_plans_on_equal_cycles_of_the_users_own() -> None:
    # Two plans on two equal _Weeks bill on one cycle, as rate() meters them (by ==);
    # the rater told cycles apart by repr, which differs per object, and refused them.
    entries = [rk.PriceEntry("p", "ips", rk.PerUnit(1))]
    plans = [rk.Assignment(a, rk.Plan(a, "EUR", _Weeks(), entries)) for a in ("x", "y")]
    rater = rk.Rater(plans, [rk.Meter("ips", "ip", rk.Max())], start="2026-03-02T00:00:00Z")
    rater.feed([rk.Sample("y", "r", "ips", "2026-03-03T00:00:00Z", 4, kind="gauge")])
    assert rater.statement("2026-03-09T00:00:00Z").total() == 4
