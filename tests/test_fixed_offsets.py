"""Fixed offsets as timezones: named by their offset, read back alike everywhere.

ratekit takes a fixed offset (a ``datetime.timezone``) wherever it takes a timezone. Where
it keeps a timezone as text (an invoice's ``tz``, a rater's snapshot, plan data, a repr),
a fixed offset is named ``"UTC+05:45"`` — by its offset, never by the name its
``datetime.timezone`` was given, which may be an IANA zone's with other rules ("CET" has
summer time) — and that name reads back as the same offset. A timezone with no name that
reads back (a ``ZoneInfo`` read from a file) is refused where it would be kept as text.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit import plandata
from ratekit._zones import zone, zone_name

VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("v", "vm.hours", rk.PerUnit(1))]
)
NEPAL = dt.timezone(dt.timedelta(hours=5, minutes=45))
START = rk.Event("a", "v", "2026-03-01T00:00:00Z", kind="start", id="s")


@given(
    offset=st.timedeltas(
        min_value=dt.timedelta(hours=-24) + dt.timedelta(microseconds=1),
        max_value=dt.timedelta(hours=24) - dt.timedelta(microseconds=1),
    )
)
def test_a_fixed_offsets_name_reads_back_as_the_same_offset(offset: dt.timedelta) -> None:
    tz = dt.timezone(offset, "whatever it was called")
    name = zone_name(tz)
    back = zone(name, "tz")
    assert back.utcoffset(None) == offset
    assert zone_name(back) == name
    if offset:
        assert name.startswith(("UTC+", "UTC-"))
    else:
        assert name == "UTC"


def test_names_of_fixed_offsets_by_hand() -> None:
    assert zone_name(NEPAL) == "UTC+05:45"
    assert zone_name(dt.timezone(-dt.timedelta(hours=3, minutes=30), "NST")) == "UTC-03:30"
    assert zone_name(dt.timezone(dt.timedelta(seconds=3723))) == "UTC+01:02:03"
    assert zone_name(dt.timezone(dt.timedelta(microseconds=-1))) == "UTC-00:00:00.000001"
    # Named after an IANA zone that has summer time: still the fixed offset.
    assert zone_name(dt.timezone(dt.timedelta(hours=1), "CET")) == "UTC+01:00"
    assert repr(rk.cycles.daily(tz=NEPAL)) == "cycles.daily(tz='UTC+05:45')"


@pytest.mark.parametrize(
    "name",
    ["UTC+24:00", "UTC+00:00", "UTC-05:60", "UTC+05:45:60", "UTC+5:45", "UTC+\u0966\u0965:45"],
)
def test_a_malformed_offset_name_is_refused(name: str) -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.cycles.daily(tz=name)
    if not name.isascii() or name == "UTC+5:45":  # not the written form: no IANA name
        assert "is not a known IANA timezone name" in str(caught.value)
    else:
        assert str(caught.value) == (
            f"daily tz {name!r} is not a fixed offset ratekit reads: one is written "
            "'UTC+HH:MM' (or with ':SS'), not zero (write 'UTC') and less than 24 hours; or "
            "give one such as 'Europe/Zurich', 'America/New_York' or 'UTC'."
        )


def _march_first() -> rk.Rating:
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    return rk.rate([START], PLAN, span=span, meters=[VM])


def test_an_invoice_in_a_fixed_offset_prints_local_times() -> None:
    (invoice,) = rk.bill(_march_first().charges, tz=NEPAL)
    assert invoice.tz == "UTC+05:45"
    # 1 March 00:00 UTC is 05:45 in UTC+05:45; 24 h at 1 = 24.00.
    assert str(invoice).splitlines()[0] == (
        "Invoice a, 2026-03-01T05:45+05:45 .. 2026-03-02T05:45+05:45 (UTC+05:45), EUR"
    )
    # A timezone called "CET" is +01:00 in July too, not CET's summer +02:00.
    july = rk.rate(
        [rk.Event("a", "v", "2026-07-01T00:00:00Z", kind="start", id="s")],
        PLAN,
        span=rk.Span("2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z"),
        meters=[VM],
    )
    (fixed,) = rk.bill(july.charges, tz=dt.timezone(dt.timedelta(hours=1), "CET"))
    assert "2026-07-01T01:00+01:00" in str(fixed).splitlines()[0]


def test_a_rater_in_a_fixed_offset_closes_restores_and_bills() -> None:
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z", tz=NEPAL)
    rater.feed([START])
    rater.statement("2026-03-01T12:00:00Z")
    body = json.loads(json.dumps(rater.snapshot()))
    assert body["body"]["tz"] == "UTC+05:45"
    restored = rk.Rater.restore(body, PLAN, [VM])
    for each in (rater, restored):
        closing = each.statement("2026-03-02T00:00:00Z")
        (invoice,) = closing.invoices
        assert (invoice.tz, invoice.total) == ("UTC+05:45", 24)


def test_plan_data_keeps_a_fixed_offset() -> None:
    cycle = rk.cycles.monthly(tz=NEPAL)
    data = json.loads(json.dumps(plandata.dump(cycle)))
    assert plandata.load(data) == cycle


def test_a_zone_read_from_a_file_is_refused_where_it_is_kept_as_text() -> None:
    path = Path(zoneinfo.TZPATH[0]) / "Asia" / "Kathmandu" if zoneinfo.TZPATH else None
    if path is None or not path.exists():
        pytest.skip("no system zone files to read one from")
    with path.open("rb") as file:
        keyless = zoneinfo.ZoneInfo.from_file(file)
    assert rk.cycles.daily(tz=keyless).tz is keyless  # a cycle keeps the object itself
    for call, what in (
        (lambda: rk.bill(_march_first().charges, tz=keyless), "bill tz"),
        (lambda: rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z", tz=keyless), "Rater tz"),
    ):
        with pytest.raises(rk.BadCalendarError) as caught:
            call()
        shown = repr(keyless) if len(repr(keyless)) <= 80 else repr(keyless)[:60] + "..."
        assert str(caught.value) == (
            f"{what} {shown} has no name ratekit can keep and read back (a ZoneInfo read "
            "from a file has no IANA key); give an IANA name such as 'Europe/Zurich', "
            "'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45' (as text, a "
            "zoneinfo.ZoneInfo of an IANA key or a datetime.timezone)."
        )


class _Broken(dt.tzinfo):
    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta:
        raise ValueError("boom")


def test_a_tzinfo_that_raises_is_refused_naming_the_value() -> None:
    moment = dt.datetime(2026, 3, 1, tzinfo=_Broken())
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Event("a", "v", moment, kind="start", id="e")
    assert str(caught.value) == (
        "event 'e' at '2026-03-01T00:00:00' (tzinfo _Broken): its tzinfo's "
        "utcoffset() raised ValueError: boom; give it a zoneinfo.ZoneInfo (such as "
        "ZoneInfo('Europe/Zurich')) or a datetime.timezone."
    )
    rater = rk.Rater(PLAN, [VM], start="2026-03-01T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match=r"^Rater.statement as_of '2026-03-01T00:00:00'"):
        rater.statement(moment)


@pytest.mark.parametrize("name", [None, "GMT", "Z", "Europe/London"])
def test_a_zero_offset_given_any_name_is_utc_itself(name: str | None) -> None:
    # timezone(timedelta(0), "GMT") is UTC: its cycles equal those of "UTC", and a plan
    # under it loads back from plan data equal (the data names it "UTC").
    gmt = dt.timezone(dt.timedelta(0)) if name is None else dt.timezone(dt.timedelta(0), name)
    assert zone(gmt, "tz") is zone("UTC", "tz")
    cycle = rk.cycles.monthly(tz=gmt)
    assert cycle == rk.cycles.monthly(tz="UTC")
    plan = rk.Plan("p", "EUR", cycle, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    assert plandata.load(json.loads(json.dumps(plandata.dump(plan)))) == plan


def test_a_fixed_offsets_own_name_is_dropped() -> None:
    # timezone(+1 h, "CET") is the offset +01:00, never the IANA zone CET (summer time).
    cet = zone(dt.timezone(dt.timedelta(hours=1), "CET"), "tz")
    assert cet == dt.timezone(dt.timedelta(hours=1))
    assert cet.tzname(None) == "UTC+01:00"
    assert zone_name(cet) == "UTC+01:00"
