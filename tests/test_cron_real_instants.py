"""Cron expressions with ``*`` in the minute or hour field fire at every real matching instant.

The law, against a brute-force oracle: walk every minute in UTC over half a day around
a change of the zone's UTC offset, read each minute's local wall time, and keep those
the pattern matches; the window's firings are exactly those, in zones whose clocks move
by 30 minutes (Australia/Lord_Howe, Australia/Adelaide, America/St_Johns), by 15
(Asia/Kathmandu in 1986, Pacific/Chatham's +12:45), by two hours (Antarctica/Troll), at
midnight (America/Santiago), and by an hour (Europe/Zurich). cronsim alone missed
02:30 (+11:00) and the second 01:30 (+10:30) at Lord Howe's changes.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND, format_us, to_us
from ratekit._windows_cron_real import real_firings

pytest.importorskip("cronsim")

#: A zone and a year in which its UTC offset changes.
ZONES = (
    ("Australia/Lord_Howe", 2026),
    ("Australia/Adelaide", 2026),
    ("America/St_Johns", 2026),
    ("Asia/Kathmandu", 1985),
    ("Pacific/Chatham", 2026),
    ("Antarctica/Troll", 2026),
    ("America/Santiago", 2026),
    ("Europe/Zurich", 2026),
)


def _offset(tz: dt.tzinfo, t_us: int) -> dt.timedelta:
    offset = dt.datetime.fromtimestamp(t_us // US_PER_SECOND, tz).utcoffset()
    assert offset is not None
    return offset


def _changes(name: str, year: int) -> list[int]:
    """The hours (epoch µs) of ``year`` at whose end the zone's offset differs: a plain scan."""
    tz = zoneinfo.ZoneInfo(name)
    start = int(dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp()) * US_PER_SECOND
    hours = range(start, start + 366 * 24 * US_PER_HOUR, US_PER_HOUR)
    return [h for h in hours if _offset(tz, h) != _offset(tz, h + US_PER_HOUR)]


CHANGES = {name: _changes(name, year) for name, year in ZONES}

#: Minute and hour fields with the values they name, written by hand (not by cronsim).
MINUTES = (
    ("*", range(60)),
    ("*/5", range(0, 60, 5)),
    ("*/7", range(0, 60, 7)),
    ("30", (30,)),
    ("0", (0,)),
    ("15,45", (15, 45)),
    ("10-20", range(10, 21)),
)
HOURS = (
    ("*", range(24)),
    ("*/2", range(0, 24, 2)),
    ("*/3", range(0, 24, 3)),
    ("1", (1,)),
    ("2", (2,)),
    ("0-3", range(4)),
)


def oracle(tz: dt.tzinfo, minutes: set[int], hours: set[int], lo: int, hi: int) -> list[int]:
    """Every whole UTC minute in ``[lo, hi)`` whose local wall time has those minute and hour."""
    found = []
    for t in range(lo, hi, US_PER_MINUTE):
        wall = dt.datetime.fromtimestamp(t // US_PER_SECOND, tz)
        if wall.minute in minutes and wall.hour in hours and wall.second == 0:
            found.append(t)
    return found


@pytest.mark.property
@settings(max_examples=LAWS * 3 // 4, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    which=st.integers(0, 10),
    minute=st.sampled_from(MINUTES),
    hour=st.sampled_from(HOURS),
    shift=st.integers(-6, 6),
)
def test_wildcard_cron_fires_at_every_real_matching_instant_around_offset_changes(
    zone: tuple[str, int],
    which: int,
    minute: tuple[str, range | tuple[int, ...]],
    hour: tuple[str, range | tuple[int, ...]],
    shift: int,
) -> None:
    (minute_field, minute_values), (hour_field, hour_values) = minute, hour
    if minute_field[0] != "*" and hour_field[0] != "*":
        minute_field, minute_values = "*/5", range(0, 60, 5)  # a fixed time: another rule
    name, _ = zone
    changes = CHANGES[name]
    change = changes[which % len(changes)]
    tz = zoneinfo.ZoneInfo(name)
    lo = change + (shift - 6) * US_PER_HOUR
    hi = change + (shift + 7) * US_PER_HOUR
    due = oracle(tz, set(minute_values), set(hour_values), lo, hi)
    # Each firing opens a window of 30 s: the end fires at second 30 of every minute.
    window = rk.windows.cron(f"0 {minute_field} {hour_field} * * *", "30 * * * * *", tz=name)
    expected = [(f, f + 30 * US_PER_SECOND) for f in due]
    assert window.within_us(lo, hi) == expected, [format_us(f) for f in due]
    # Searched backward from the span's end, the same firings come, latest first.
    pattern = f"{minute_field} {hour_field} * * *"
    backward = real_firings(pattern, hi - 1, tz, reverse=True)
    assert [next(backward) for _ in due[::-1]] == due[::-1]


def test_lord_howe_by_hand_forward_and_backward() -> None:
    # '30 * * * *' on 4 Oct 2026 (local): 00:30 +10:30 = 14:00Z, 01:30 +10:30 = 15:00Z,
    # 02:00 +10:30 becomes 02:30 +11:00 at 15:30Z (a firing), 03:30 +11:00 = 16:30Z.
    tz = zoneinfo.ZoneInfo("Australia/Lord_Howe")
    due = ["2026-10-03T14:00:00Z", "2026-10-03T15:00:00Z", "2026-10-03T15:30:00Z"]
    due.append("2026-10-03T16:30:00Z")
    forward = real_firings("30 * * * *", to_us(due[0]), tz)
    assert [format_us(next(forward)) for _ in due] == due
    backward = real_firings("30 * * * *", to_us(due[-1]), tz, reverse=True)
    assert [format_us(next(backward)) for _ in due] == due[::-1]


def test_a_window_through_lord_howes_changes_is_priced_alike_in_batch_and_stream() -> None:
    # A peak price of 1 an hour while '30 * * * *' to '37 * * * *' holds, 0.1 else, per
    # Lord Howe day. A VM runs 10:00Z to 20:00Z on 3 October 2026 (the change to +11:00
    # at 15:30Z) and another on 4 April 2026 (back to +10:30 at 15:00Z).
    # 3 October: local :30 is :00Z at +10:30 (10:00Z to 15:00Z, six openings), 15:30Z is
    # 02:30 +11:00 (one), then :30Z (16:30Z to 19:30Z, four): 11 x 7 = 77 min at 1 and
    # 523 min at 0.1: (77 + 52.3) / 60 = 2.155.
    # 4 April: :30Z at +11:00 (10:30Z to 14:30Z, five), 15:00Z is the second 01:30 (one),
    # then :00Z (16:00Z to 19:00Z, four): 70 min at 1 and 530 at 0.1: 123 / 60 = 2.05.
    tz = "Australia/Lord_Howe"
    peak = rk.windows.cron("30 * * * *", "37 * * * *", tz=tz)
    plan = rk.Plan(
        "p",
        "AUD",
        rk.cycles.daily(tz=tz),
        [
            rk.PriceEntry("peak", "vm.hours", rk.PerUnit(1), window=peak, priority=1),
            rk.PriceEntry("base", "vm.hours", rk.PerUnit("0.1")),
        ],
    )
    meters = [rk.Meter("vm.hours", "hour", rk.OnOff())]
    records = [
        rk.Event("a", "vm-1", "2026-10-03T10:00:00Z", kind="start", id="e1"),
        rk.Event("a", "vm-1", "2026-10-03T20:00:00Z", kind="stop", id="e2"),
        rk.Event("a", "vm-2", "2026-04-04T10:00:00Z", kind="start", id="e3"),
        rk.Event("a", "vm-2", "2026-04-04T20:00:00Z", kind="stop", id="e4"),
    ]
    start, end = "2026-04-03T13:00:00Z", "2026-10-05T13:00:00Z"
    batch = rk.rate(records, plan, span=rk.Span(start, end), meters=meters)
    # (each VM's hours fall in two Lord Howe days, cut at local midnight)
    by_vm: dict[str | None, Decimal] = {}
    for charge in batch.charges:
        by_vm[charge.resource] = by_vm.get(charge.resource, Decimal(0)) + charge.amount
    assert {vm: amount.quantize(Decimal("0.001")) for vm, amount in by_vm.items()} == {
        "vm-1": Decimal("2.155"),
        "vm-2": Decimal("2.050"),
    }
    # The stream, stated hourly across each change and restored between statements,
    # states what batch charges, line by line, to the last digit.
    rater = rk.Rater(plan, meters, start=start)
    rater.feed(records)
    stated: dict[tuple[object, ...], Decimal] = {}
    watermarks = [
        *(f"2026-04-04T{hour:02}:45:00Z" for hour in range(9, 21)),
        *(f"2026-10-03T{hour:02}:45:00Z" for hour in range(9, 21)),
        end,
    ]
    for watermark in watermarks:
        for line in rater.statement(watermark).lines:
            key = (line.cycle.start_us, line.entry, line.resource)
            stated[key] = stated.get(key, Decimal(0)) + line.amount
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, meters)
    charged: dict[tuple[object, ...], Decimal] = {}
    for charge in batch.charges:
        key = (charge.cycle.start_us, charge.entry, charge.resource)
        charged[key] = charged.get(key, Decimal(0)) + charge.amount
    assert {k: v for k, v in stated.items() if v} == charged
