"""Every door that takes a timezone reads it through one function, and tries it first.

`ratekit._zones.zone()` is the one door: cycles, windows, ``Plan(tz=...)``,
``bill(tz=...)``, ``Rater(tz=...)``, proration, plan data and the strategies read a
timezone through it, and refuse alike what it refuses, listing the forms accepted (an
IANA name, a fixed offset written ``"UTC+05:45"``). A ``ZoneInfo`` kept as it is (read
from a file, or a subclass) runs code ratekit did not write: its offsets are tried at
the door, and whatever it raises or returns amiss later, while cycles are computed, is a
``BadTimeError`` naming the zone. Plan data holds only zones it reads back.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import zoneinfo
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit import plandata
from ratekit import strategies as rks

ACCEPTED = (
    "give an IANA name such as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed "
    "offset such as 'UTC+05:45'"
)
AS_OBJECTS = f"{ACCEPTED} (as text, a zoneinfo.ZoneInfo or a datetime.timezone)."
KEPT = f"{ACCEPTED} (as text, a zoneinfo.ZoneInfo of an IANA key or a datetime.timezone)."
MONTHS = rk.cycles.monthly(tz="UTC")
ENTRY = rk.PriceEntry("v", "vm.hours", rk.PerUnit(1))
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
NEPAL = dt.timezone(dt.timedelta(hours=5, minutes=45))


def _zurich_file() -> importlib.resources.abc.Traversable:
    return importlib.resources.files("tzdata").joinpath("zoneinfo/Europe/Zurich")


class _Zurich2031(zoneinfo.ZoneInfo):
    """Zurich's rules, read from a file, whose offsets fail in 2031 only (not where tried)."""

    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta | None:
        if moment is not None and moment.year == 2031:
            raise ValueError("no offsets for 2031")
        return super().utcoffset(moment)


class _Garbage(zoneinfo.ZoneInfo):
    """Zurich's rules, read from a file, whose ``utcoffset()`` gives ``garbage``."""

    garbage: object = None

    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta | None:
        return self.garbage  # type: ignore[return-value]


def _from_file(
    cls: type[zoneinfo.ZoneInfo], key: str | None = "Custom/Zurich"
) -> zoneinfo.ZoneInfo:
    with _zurich_file().open("rb") as file:
        return cls.from_file(file, key=key)


def _keyless() -> zoneinfo.ZoneInfo:
    return _from_file(zoneinfo.ZoneInfo, key=None)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + "..."


def _garbage(value: object) -> zoneinfo.ZoneInfo:
    tz = _from_file(_Garbage)
    tz.garbage = value  # type: ignore[attr-defined]
    return tz


# -- the door: Plan and every other -----------------------------------------------------


def test_a_plan_refuses_a_bad_tz_listing_the_forms_accepted() -> None:
    with pytest.raises(rk.BadCalendarError) as unknown:
        rk.Plan("p", "EUR", MONTHS, [ENTRY], tz="Asia/Katmandoo")
    assert str(unknown.value) == (
        f"plan 'p' tz 'Asia/Katmandoo' is not a known IANA timezone name; {ACCEPTED}."
    )
    with pytest.raises(rk.BadCalendarError) as offset:
        rk.Plan("p", "EUR", MONTHS, [ENTRY], tz="UTC+25:00")
    assert str(offset.value) == (
        "plan 'p' tz 'UTC+25:00' is not a fixed offset ratekit reads: one is written "
        "'UTC+HH:MM' (or with ':SS'), not zero (write 'UTC') and less than 24 hours; or give "
        "one such as 'Europe/Zurich', 'America/New_York' or 'UTC'."
    )
    with pytest.raises(rk.RatekitTypeError) as kind:
        rk.Plan("p", "EUR", MONTHS, [ENTRY], tz=5.75)  # type: ignore[arg-type]
    assert str(kind.value) == f"plan 'p' tz must be a timezone, not float: 5.75; {AS_OBJECTS}"
    # The fixed offset's text is a plan's tz, as its datetime.timezone is.
    assert rk.Plan("p", "EUR", MONTHS, [ENTRY], tz="UTC+05:45").tz == "UTC+05:45"


class _HandWritten(dt.tzinfo):
    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(hours=1)

    def __repr__(self) -> str:
        return "_HandWritten()"


def test_a_plan_refuses_a_hand_written_tzinfo_as_cycles_do() -> None:
    # It was taken as it was, and its offsets trusted when the plan prorated by days.
    for door, what in (
        (lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], tz=_HandWritten()), "plan 'p' tz"),
        (lambda: rk.cycles.daily(tz=_HandWritten()), "daily tz"),
    ):
        with pytest.raises(rk.BadCalendarError) as caught:
            door()
        assert str(caught.value) == (
            f"{what} _HandWritten() is a tzinfo ratekit cannot trust (not a zoneinfo.ZoneInfo "
            f"nor a fixed datetime.timezone); {AS_OBJECTS}"
        )


def _doors(tz: object) -> dict[str, Callable[[], object]]:
    """Every public door that takes a timezone, given ``tz``, by the name its errors use."""
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    start = rk.Event("a", "v", "2026-03-01T00:00:00Z", kind="start", id="s")
    rating = rk.rate([start], rk.Plan("p", "EUR", MONTHS, [ENTRY]), span=span, meters=[VM])
    return {
        "plan 'p' tz": lambda: rk.Plan("p", "EUR", MONTHS, [ENTRY], tz=tz),  # type: ignore[arg-type]
        "daily tz": lambda: rk.cycles.daily(tz=tz),  # type: ignore[arg-type]
        "monthly tz": lambda: rk.cycles.monthly(tz=tz),  # type: ignore[arg-type]
        "daily window tz": lambda: rk.windows.daily("22:00", "06:00", tz=tz),  # type: ignore[arg-type]
        "cron window tz": lambda: rk.windows.cron("0 2 * * *", "0 4 * * *", tz=tz),  # type: ignore[arg-type]
        "prorate tz": lambda: rk.cycles.prorate(span, span, basis="days", tz=tz),  # type: ignore[arg-type]
        "bill tz": lambda: rk.bill(rating, tz=tz),  # type: ignore[arg-type]
        "Rater tz": lambda: rk.Rater(
            rk.Plan("p", "EUR", MONTHS, [ENTRY]),
            [VM],
            start="2026-03-01T00:00:00Z",
            tz=tz,  # type: ignore[arg-type]
        ),
        "timezones[1]": lambda: rks.instants(timezones=["UTC", tz]),  # type: ignore[list-item]
    }


def test_every_door_refuses_a_zone_whose_offsets_raise_when_tried() -> None:
    class Broken(zoneinfo.ZoneInfo):
        def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta | None:
            raise RuntimeError("offsets unavailable")

    broken = _from_file(Broken, key=None)
    for what, door in _doors(broken).items():
        with pytest.raises(rk.BadCalendarError) as caught:
            door()
        assert str(caught.value) == (
            f"{what} {_shown(broken)} cannot be used: asked the UTC offset at "
            "1970-01-01T00:00:00, it raised RuntimeError: offsets unavailable; "
            f"{AS_OBJECTS}"
        ), what


def test_every_door_refuses_an_unknown_name_alike() -> None:
    for what, door in _doors("Mars/Olympus").items():
        with pytest.raises(rk.BadCalendarError) as caught:
            door()
        assert str(caught.value) == (
            f"{what} 'Mars/Olympus' is not a known IANA timezone name; {ACCEPTED}."
        ), what


@pytest.mark.parametrize(
    ("garbage", "problem"),
    [
        (None, "gave no UTC offset (None)"),
        (
            3600,
            "raised TypeError: tzinfo.utcoffset() must return None or timedelta, not 'int'",
        ),
        (
            dt.timedelta(hours=24),
            (
                "raised ValueError: offset must be a timedelta strictly between "
                "-timedelta(hours=24) and timedelta(hours=24)"
            ),
        ),
    ],
)
def test_a_zone_whose_offsets_are_garbage_is_refused_at_the_door(
    garbage: object, problem: str
) -> None:
    tz = _garbage(garbage)
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.Plan("p", "EUR", MONTHS, [ENTRY], tz=tz)
    assert str(caught.value) == (
        f"plan 'p' tz {_shown(tz)} cannot be used: asked the UTC offset at "
        f"1970-01-01T00:00:00, it {problem}; {AS_OBJECTS}"
    )


def test_a_zone_whose_offsets_are_whole_seconds_or_microseconds_is_taken() -> None:
    # Offsets need not be whole minutes (Amsterdam was +00:19:32 until 1937).
    odd = _garbage(dt.timedelta(seconds=1172, microseconds=5))
    days = rk.cycles.daily(tz=odd)
    # Local midnight of 1 March at +00:19:32.000005 is 23:40:27.999995Z the day before.
    assert days.containing("2026-03-01T12:00:00Z").start == dt.datetime(
        2026, 2, 28, 23, 40, 27, 999995, tzinfo=dt.UTC
    )


# -- later: a zone that fails where it was not tried ----------------------------------------


def _failed_in_2031(local: str) -> str:
    return (
        f"timezone _Zurich2031(key='Custom/Zurich') failed: asked the UTC offset at {local}, it "
        f"raised ValueError: no offsets for 2031; {AS_OBJECTS}"
    )


def test_a_zone_that_fails_later_is_a_bad_time_error_naming_it_from_every_calendar() -> None:
    tz = _from_file(_Zurich2031)
    # Tried at the door (1970, 2000, 2026, 2100): taken, and right there.
    days = rk.cycles.daily(tz=tz)
    # Mar 29 2026 in Zurich: 23 hours, 23:00Z to 22:00Z.
    assert days.containing("2026-03-29T12:00:00Z") == rk.Span(
        "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"
    )
    june = rk.Span("2031-06-01T00:00:00Z", "2031-06-03T00:00:00Z")
    calls: list[tuple[Callable[[], object], str]] = [
        # The cycle extends its days from 2026 on, to the first local midnight of 2031.
        (lambda: days.containing("2031-06-01T12:00:00Z"), "local time 2031-01-01T00:00:00"),
        # A fresh cycle starts two days before the one it needs.
        (
            lambda: rk.cycles.daily(tz=tz).containing("2031-06-01T12:00:00Z"),
            "local time 2031-05-30T00:00:00",
        ),
        # The window open at the span's start opened at 22:00 the evening before.
        (
            lambda: rk.windows.daily("22:00", "06:00", tz=tz).within(june),
            "local time 2031-05-31T22:00:00",
        ),
        # cronsim starts from the local time of the instant before the window's start
        # and its search's three hours of margin: 2031-05-01T03:00:00.000001Z.
        (
            lambda: rk.windows.cron("0 2 * * *", "0 4 * * *", tz=tz).within(june),
            "2031-05-01T03:00:00.000001Z",
        ),
    ]
    for call, local in calls:
        with pytest.raises(rk.BadTimeError) as caught:
            call()
        assert str(caught.value) == _failed_in_2031(local)


def test_rating_and_a_rater_through_a_zone_that_fails_later_name_the_zone() -> None:
    tz = _from_file(_Zurich2031)
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz=tz), [ENTRY])
    start = [rk.Event("a", "v", "2031-03-01T00:00:00Z", kind="start", id="s")]
    with pytest.raises(rk.BadTimeError) as rated:
        rk.rate(
            start, plan, span=rk.Span("2031-03-01T00:00:00Z", "2031-03-02T00:00:00Z"), meters=[VM]
        )
    # The monthly cycle's first boundary of 2031 is local midnight of 1 January.
    assert str(rated.value) == _failed_in_2031("local time 2031-01-01T00:00:00")
    # A rater started in 2031 is refused naming the zone, not as out of range.
    with pytest.raises(rk.BadTimeError) as started:
        rk.Rater(plan, [VM], start="2031-03-01T00:00:00Z")
    assert str(started.value) == _failed_in_2031("local time 2031-01-01T00:00:00")
    rater = rk.Rater(plan, [VM], start="2030-06-01T00:00:00Z")
    with pytest.raises(rk.BadTimeError) as fed:
        rater.feed(start)
    assert str(fed.value) == _failed_in_2031("local time 2031-01-01T00:00:00")


# -- plan data ---------------------------------------------------------------------------


def test_plan_data_refuses_a_zone_it_could_not_load_when_dumped() -> None:
    keyless = _keyless()
    custom = _from_file(zoneinfo.ZoneInfo)  # read from a file under a key of its own
    for value, path, tz in (
        (rk.Plan("p", "EUR", MONTHS, [ENTRY], tz=keyless), "tz", keyless),
        (rk.Plan("p", "EUR", rk.cycles.daily(tz=custom), [ENTRY]), "cycle.tz", custom),
        (rk.windows.daily("22:00", "06:00", tz=keyless), "tz", keyless),
    ):
        with pytest.raises(rk.BadDataError) as caught:
            plandata.dump(value)
        assert str(caught.value) == (
            f"{path}: timezone {_shown(tz)} has no name ratekit can keep and read back (a "
            f"ZoneInfo read from a file has no IANA key); {KEPT}"
        )


#: Zones data holds: IANA names with and without summer time, either hemisphere.
_NAMES = ("UTC", "Europe/Zurich", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe")
_OFFSETS = st.timedeltas(
    min_value=dt.timedelta(hours=-24) + dt.timedelta(microseconds=1),
    max_value=dt.timedelta(hours=24) - dt.timedelta(microseconds=1),
)
#: A plan's tz in any form a door takes: a name, a ZoneInfo, a fixed offset or its text.
_ZONES = st.one_of(
    st.none(),
    st.sampled_from(_NAMES),
    st.sampled_from(_NAMES).map(zoneinfo.ZoneInfo),
    st.just(dt.UTC),
    _OFFSETS.map(dt.timezone),
    _OFFSETS.filter(bool).map(lambda offset: rk.cycles.daily(tz=dt.timezone(offset)).tz),
    _OFFSETS.filter(bool).map(
        lambda offset: repr(rk.cycles.daily(tz=dt.timezone(offset))).split("'")[1]
    ),
)


_KEYLESS = _keyless()


@given(
    tz=st.one_of(_ZONES, st.just(_KEYLESS)),
    cycle_tz=st.one_of(_ZONES.filter(lambda tz: tz is not None), st.just(_KEYLESS)),
    days=st.booleans(),
)
def test_plan_data_loads_back_every_plan_it_dumps(
    tz: str | dt.tzinfo | None, cycle_tz: str | dt.tzinfo, days: bool
) -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz=cycle_tz),
        [ENTRY],
        tz=tz,
        proration="days" if days else "seconds",
    )
    try:
        dumped = plandata.dump(plan)
    except rk.BadDataError:
        # Refused only for a zone with no name that loads back, and then at dump.
        assert _KEYLESS in (tz, cycle_tz)
        return
    assert _KEYLESS not in (tz, cycle_tz)
    data = json.loads(json.dumps(dumped))
    back = plandata.load(data)
    assert back == plan
    assert plandata.dump(back) == data
    # Equal plans bill alike: the same local days in the same zone.
    if days:
        cycle = plan.cycle.containing("2026-03-15T00:00:00Z")
        half = rk.Span(cycle.start, cycle.start + (cycle.end - cycle.start) / 2)
        assert back.fraction(half, cycle) == plan.fraction(half, cycle)


def test_plans_equal_whatever_form_their_zone_was_given_in() -> None:
    def plan(tz: str | dt.tzinfo | None) -> rk.Plan:
        return rk.Plan("p", "EUR", MONTHS, [ENTRY], tz=tz)

    assert plan("UTC+05:45") == plan(NEPAL)
    assert hash(plan("UTC+05:45")) == hash(plan(NEPAL))
    assert plan("Europe/Zurich") == plan(zoneinfo.ZoneInfo("Europe/Zurich"))
    assert plan("UTC") == plan(dt.UTC) == plan(dt.timezone(dt.timedelta(0), "Z"))
    assert plan("UTC") != plan(None)  # None bills in the cycle's zone: another plan
    assert plan("Europe/Zurich") != plan("Europe/Berlin")  # same offsets today, not ever
    assert plan("UTC+05:45") != plan("Asia/Kathmandu")  # +05:30 before 1986


# -- missing values in attributes ----------------------------------------------------------

MISSING = (
    " A missing value (NaN, or pandas' NA or NaT) is no attribute value: give None for it "
    "(series.astype(object).where(series.notna(), None).tolist() does), or leave the "
    "attribute out (see the Usage page)."
)
VALUES = (
    "an attribute holds a finite number (an int, a Decimal such as Decimal('2.5'), or a "
    "float), a string, a bool, None, a mapping or a list."
)


def test_a_nan_attribute_is_refused_naming_record_and_attribute_with_the_hint() -> None:
    at = "2026-03-01T00:00:00Z"
    with pytest.raises(rk.BadQuantityError) as event:
        rk.Event("a", "v", at, {"disk": {"size": float("nan")}}, id="e1")
    assert str(event.value) == (
        f"event 'e1' attribute 'disk.size' is nan, not a finite number; {VALUES}{MISSING}"
    )
    batch = {"account": ["a", "a"], "resource": ["v", "v"], "at_us": [0, 1]}
    with pytest.raises(rk.BadQuantityError) as column:
        rk.RecordBatch.from_columns(
            events={
                **batch,
                "attributes": [{"size": 1}, {"size": float("nan")}],
                "id": ["e1", "e2"],
            }
        )
    assert str(column.value) == (
        f"events[1] (id 'e2'): attribute 'size' is nan, not a finite number; {VALUES}{MISSING}"
    )
    # Infinity is no missing value: no hint.
    with pytest.raises(rk.BadQuantityError) as infinite:
        rk.Event("a", "v", at, {"size": float("inf")}, id="e1")
    assert (
        str(infinite.value) == f"event 'e1' attribute 'size' is inf, not a finite number; {VALUES}"
    )


def test_pandas_missing_attribute_values_are_refused_with_the_hint() -> None:
    pd = pytest.importorskip("pandas")
    kinds = "str, int, Decimal, float, bool, None, a mapping or a list (JSON-like values)"
    for value, shown in ((pd.NA, "NAType: <NA>"), (pd.NaT, "NaTType: NaT")):
        with pytest.raises(rk.RatekitTypeError) as caught:
            rk.Event("a", "v", "2026-03-01T00:00:00Z", {"size": value}, id="e1")
        assert str(caught.value) == (
            f"event 'e1' attribute 'size' must be a {kinds}, not {shown}.{MISSING}"
        )
    frame = pd.DataFrame({"size": [1.0, None]})
    with pytest.raises(rk.BadQuantityError) as from_frame:
        rk.RecordBatch.from_columns(
            events={
                "account": ["a", "a"],
                "resource": ["v", "v"],
                "at_us": [0, 1],
                "attributes": frame.to_dict("records"),
            }
        )
    assert str(from_frame.value) == (
        f"events[1]: attribute 'size' is nan, not a finite number; {VALUES}{MISSING}"
    )
    # As the hint says: the missing value becomes None, and is taken.
    taken = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert taken == [{"size": 1.0}, {"size": None}]
    rk.Event("a", "v", "2026-03-01T00:00:00Z", taken[1], id="e1")
