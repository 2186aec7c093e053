"""The one conversion point for instants: aware datetimes and ISO strings to epoch µs."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pendulum
import pytest
from hypothesis import given
from tests._nova import notification

import ratekit as rk
from ratekit import strategies as rks
from ratekit._instants import MAX_US, MIN_US, format_us, from_us, to_us

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
# 2026-03-01T00:00:00Z: 56 years after 1970 with 14 leap days (1972..2024) give
# 56 * 365 + 14 = 20454 days to 2026-01-01, plus 31 (January) + 28 (February) = 20513 days;
# 20513 * 86400 = 1_772_323_200 s.
MARCH_1_US = 1_772_323_200_000_000


def test_utc_z_and_offsets_denote_the_same_instant() -> None:
    assert to_us("2026-03-01T00:00:00Z") == MARCH_1_US
    assert to_us("2026-03-01T00:00:00+00:00") == MARCH_1_US
    # 01:00 at +01:00 is 00:00 UTC; 19:00 the day before at -05:00 is 00:00 UTC.
    assert to_us("2026-03-01T01:00:00+01:00") == MARCH_1_US
    assert to_us("2026-02-28T19:00:00-05:00") == MARCH_1_US
    assert to_us("2026-03-01T00:00:00.000001Z") == MARCH_1_US + 1


@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("2026-03-01T00:00:00.1234567Z", ".1234567"),
        ("2026-03-01T00:00:00,0000001Z", ".0000001"),
        ("2026-03-01T00:00:00.123456789+01:00", ".123456789"),
        ("2026-03-01T00:00:00+05:30:15.0000005", ".0000005"),
    ],
)
def test_a_fraction_finer_than_a_microsecond_is_refused_not_truncated(
    text: str, fraction: str
) -> None:
    # .1234567 s was read as .123456 s: 100 ns silently lost
    with pytest.raises(rk.BadTimeError) as caught:
        to_us(text, "event 'e1' at")
    assert str(caught.value) == (
        f"event 'e1' at {text!r} has a fraction of a second finer than a microsecond "
        f"({fraction}); ratekit keeps instants to the microsecond and drops no digit, so "
        "give at most 6 decimals (or zeros after them)."
    )


def test_zeros_past_the_microsecond_and_offsets_with_seconds_are_exact() -> None:
    assert to_us("2026-03-01T00:00:00.1234560000Z") == MARCH_1_US + 123_456
    assert to_us("2026-03-01T00:00:00,5Z") == MARCH_1_US + 500_000
    # 05:30:15 at +05:30:15 is 00:00:00 UTC
    assert to_us("2026-03-01T05:30:15+05:30:15") == MARCH_1_US
    # An offset with a fraction of a second is refused now (it was read: 05:30:15.000001
    # at +05:30:15.000001 as 00:00 UTC); RFC 3339 offsets are whole minutes, and ratekit
    # takes whole seconds (old local mean times) but no fraction.
    with pytest.raises(rk.BadTimeError, match=r"is not an instant ratekit reads;"):
        to_us("2026-03-01T05:30:15.000001+05:30:15.000001")
    with pytest.raises(rk.BadTimeError, match=r"\(\.1234567\)"):
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00.1234567Z")


def test_the_epoch_and_before_it() -> None:
    assert to_us("1970-01-01T00:00:00Z") == 0
    assert to_us("1969-12-31T23:59:59.999999Z") == -1
    assert from_us(-1) == dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC)


def test_aware_stdlib_datetimes_in_any_zone() -> None:
    assert to_us(dt.datetime(2026, 3, 1, tzinfo=dt.UTC)) == MARCH_1_US
    # Zurich is at +01:00 in winter: local 01:00 is 00:00 UTC.
    assert to_us(dt.datetime(2026, 3, 1, 1, tzinfo=ZURICH)) == MARCH_1_US


def test_fold_selects_the_instant_of_a_repeated_local_time() -> None:
    # 2026-10-25 in Zurich: 03:00 CEST (+02:00) goes back to 02:00 CET (+01:00), so 02:30
    # happens twice: fold=0 is 02:30+02:00 = 00:30Z, fold=1 is 02:30+01:00 = 01:30Z.
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=ZURICH)
    second = dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZURICH)
    assert format_us(to_us(first)) == "2026-10-25T00:30:00Z"
    assert format_us(to_us(second)) == "2026-10-25T01:30:00Z"
    assert to_us(second) - to_us(first) == 3_600_000_000


def test_a_local_time_in_the_spring_gap_follows_pep_495() -> None:
    # 2026-03-29 in Zurich jumps from 02:00 CET to 03:00 CEST; 02:30 does not exist.
    # PEP 495: fold=0 reads it with the offset before the jump (+01:00) -> 01:30Z,
    # fold=1 with the offset after it (+02:00) -> 00:30Z.
    assert format_us(to_us(dt.datetime(2026, 3, 29, 2, 30, tzinfo=ZURICH))) == (
        "2026-03-29T01:30:00Z"
    )
    assert format_us(to_us(dt.datetime(2026, 3, 29, 2, 30, fold=1, tzinfo=ZURICH))) == (
        "2026-03-29T00:30:00Z"
    )


def test_pendulum_datetimes_are_accepted() -> None:
    # 03:00 CEST (+02:00) on the day of the jump is 01:00 UTC.
    moment = pendulum.datetime(2026, 3, 29, 3, 0, tz="Europe/Zurich")
    assert format_us(to_us(moment)) == "2026-03-29T01:00:00Z"
    assert to_us(pendulum.parse("2026-03-01T00:00:00Z")) == MARCH_1_US


def test_pendulum_means_the_later_of_two_equal_local_times_and_stdlib_the_earlier() -> None:
    # 02:30 on 2026-10-25 in Zurich: stdlib defaults to fold=0 (02:30+02:00 = 00:30Z),
    # pendulum to fold=1 (02:30+01:00 = 01:30Z); both are honoured as given.
    stdlib = dt.datetime(2026, 10, 25, 2, 30, tzinfo=ZURICH)
    later = pendulum.datetime(2026, 10, 25, 2, 30, tz="Europe/Zurich")
    earlier = pendulum.datetime(2026, 10, 25, 2, 30, tz="Europe/Zurich", fold=0)
    assert format_us(to_us(stdlib)) == "2026-10-25T00:30:00Z"
    assert format_us(to_us(later)) == "2026-10-25T01:30:00Z"
    assert to_us(earlier) == to_us(stdlib)


def test_naive_datetimes_are_rejected_with_a_message_that_says_what_to_do() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        to_us(dt.datetime(2026, 3, 1), "Span start")  # noqa: DTZ001 - the point of the test
    assert str(caught.value) == (
        "Span start '2026-03-01T00:00:00' is a naive datetime; ratekit compares instants, "
        "so give it a timezone, e.g. datetime(..., tzinfo=datetime.UTC) or "
        "pendulum.datetime(..., tz='Europe/Zurich')."
    )
    with pytest.raises(rk.BadTimeError, match="is a naive datetime"):
        to_us(pendulum.naive(2026, 3, 1))


def test_a_tzinfo_that_gives_no_offset_is_naive() -> None:
    class NoOffset(dt.tzinfo):
        def utcoffset(self, _: dt.datetime | None) -> None:
            return None

        def dst(self, _: dt.datetime | None) -> None:
            return None

        def tzname(self, _: dt.datetime | None) -> None:
            return None

    with pytest.raises(rk.BadTimeError, match="is a naive datetime"):
        to_us(dt.datetime(2026, 3, 1, tzinfo=NoOffset()))


def test_strings_without_an_offset_are_rejected() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        to_us("2026-03-01T00:00:00")
    assert str(caught.value) == (
        "instant '2026-03-01T00:00:00' has no UTC offset; ratekit compares instants, so "
        "write it with an offset or 'Z', e.g. '2026-03-01T00:00:00Z'."
    )
    # A bare date parses as local midnight: it has no offset either.
    with pytest.raises(rk.BadTimeError, match="'2026-03-01' has no UTC offset"):
        to_us("2026-03-01")


def test_unparsable_strings_are_rejected() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        to_us("2026-13-01T00:00:00Z", "event 'e1' at")
    assert str(caught.value) == (
        "event 'e1' at '2026-13-01T00:00:00Z' is not an instant ratekit reads (no such date "
        "or time); write it as RFC 3339: a date, 'T', a time (a fraction of a second after "
        "'.', to the microsecond), then 'Z' or an offset of whole minutes or seconds, with "
        "nothing around it, like '2026-03-01T00:00:00Z' or '2026-03-01T01:00:00.5+01:00'."
    )
    with pytest.raises(rk.BadTimeError, match="is not an instant ratekit reads; write it as"):
        to_us("yesterday")


def test_dates_are_not_instants() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        to_us(dt.date(2026, 3, 1))
    assert str(caught.value) == (
        "instant datetime.date(2026, 3, 1) is a date, not an instant; a day starts at a "
        "different instant in every timezone, so give an aware datetime."
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (
            1_772_323_200,
            (
                "int: 1772323200; for an epoch time n, give datetime(1970, 1, 1, "
                "tzinfo=timezone.utc) + timedelta(seconds=n), or timedelta(microseconds=n) "
                "for microseconds"
            ),
        ),
        (True, "bool: True"),  # no epoch time
        (1.5, "float: 1.5"),
        (None, "NoneType: None"),
    ],
)
def test_other_types_are_type_errors(value: object, shown: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        to_us(value)
    assert str(caught.value) == (
        f"instant must be an aware datetime or an ISO-8601 string with an offset, not {shown}."
    )
    assert isinstance(caught.value, TypeError)


def test_instants_outside_datetimes_range_once_in_utc_are_rejected() -> None:
    # 0001-01-01T00:00 at +01:00 is 0000-12-31T23:00Z, before datetime.min.
    with pytest.raises(rk.BadTimeError) as caught:
        to_us("0001-01-01T00:00:00+01:00")
    assert str(caught.value) == (
        "instant '0001-01-01T00:00:00+01:00' lies outside the instants ratekit represents "
        "(0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z) once converted to UTC."
    )
    with pytest.raises(rk.BadTimeError, match="lies outside"):
        to_us("9999-12-31T23:00:00-05:00")
    # The extremes themselves are fine.
    assert to_us("0001-01-01T00:00:00Z") == MIN_US
    assert to_us("9999-12-31T23:59:59.999999Z") == MAX_US


def test_from_us_gives_aware_utc_datetimes_and_rejects_out_of_range() -> None:
    assert from_us(MARCH_1_US) == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert from_us(MARCH_1_US).tzinfo is dt.UTC
    with pytest.raises(rk.BadTimeError) as caught:
        from_us(MAX_US + 1)
    assert str(caught.value) == (
        "instant 253402300800000000 µs since the epoch is outside the instants ratekit "
        "represents (-62135596800000000 to 253402300799999999 µs, that is 0001-01-01 to "
        "9999-12-31 in UTC)."
    )


def test_format_us_is_compact_iso_utc() -> None:
    assert format_us(MARCH_1_US) == "2026-03-01T00:00:00Z"
    assert format_us(MARCH_1_US + 1) == "2026-03-01T00:00:00.000001Z"
    assert format_us(MARCH_1_US + 500_000) == "2026-03-01T00:00:00.500000Z"
    # Years before 1000 keep four digits (strftime("%Y") would print "1").
    assert format_us(MIN_US) == "0001-01-01T00:00:00Z"
    assert format_us(MAX_US) == "9999-12-31T23:59:59.999999Z"


@given(rks.instants(min_start="0001-01-02T00:00:00Z", max_end="9999-12-30T00:00:00Z"))
def test_round_trip_through_microseconds(moment: dt.datetime) -> None:
    us = to_us(moment)
    assert from_us(us) == moment  # aware datetimes compare as instants
    assert to_us(format_us(us)) == us
    assert to_us(moment.isoformat()) == us


def test_a_naive_utc_adapter_timestamp_finer_than_a_microsecond_is_refused() -> None:
    from ratekit.adapters import ceilometer

    def created(timestamp: str) -> dict[str, object]:
        return notification(message_id="n-1", timestamp=timestamp)

    (event,) = ceilometer.instance_notifications(
        [created("2026-03-02 08:00:00.0000010")], naive_utc=True
    )
    assert event.at_us == to_us("2026-03-02T08:00:00Z") + 1
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.instance_notifications([created("2026-03-02 08:00:00.0000011")], naive_utc=True)
    assert "'2026-03-02 08:00:00.0000011' has a fraction of a second finer than a microsecond" in (
        str(caught.value)
    )
