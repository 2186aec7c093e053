"""CloudEvents' ``time`` and Cloud Foundry's ``created_at`` are RFC 3339 timestamps.

RFC 3339 section 5.6: ``date-time = full-date "T" full-time``, seconds required, a
fraction only after ``"."`` (``time-secfrac = "." 1*DIGIT``, any number of digits), the
offset ``"Z"`` or ``("+" / "-") hh ":" mm``; ``t`` and ``z`` may be lower case (the note
to 5.6); ``-00:00`` is UTC (4.3). CloudEvents 1.0 types ``time`` as a Timestamp, "RFC
3339"; the Cloud Controller writes ``YYYY-MM-DDThh:mm:ssZ``. ratekit's door for instants
also reads ISO 8601's extended variants (``,``, a space, ``+hhmm``...): these two feeds
never write them, so a value in one of them is refused, naming the event and the field.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.test_cloudevents_time_and_names import event

import ratekit as rk
from ratekit.adapters import cloudevents
from ratekit.adapters import cloudfoundry as cf

SPEC = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens")
FLOOR = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens", sub_microsecond="floor")
ACCEPTED = (
    "Write a date, 'T', hh:mm:ss with an optional fraction of a second after '.', then 'Z' "
    "or an offset '+hh:mm' or '-hh:mm', like '2026-03-01T10:00:00.5Z' or "
    "'2026-03-01T11:00:00+01:00'."
)


def at(time: str, spec: cloudevents.Spec = SPEC) -> dt.datetime | None:
    (sample,) = cloudevents.usage_events([event(time)], spec)
    return sample.at


def test_a_comma_before_the_fraction_is_refused_naming_the_event_and_field() -> None:
    # was: read as 10:00:00.5 UTC; RFC 3339's time-secfrac is "." 1*DIGIT
    for spec in (SPEC, FLOOR):
        with pytest.raises(rk.BadRecordError) as caught:
            at("2026-03-01T10:00:00,5Z", spec)
        assert str(caught.value) == (
            "CloudEvent [0].time (event id 'e-1') is '2026-03-01T10:00:00,5Z', not an RFC "
            "3339 timestamp as CloudEvents requires: a ',' comes before its fraction of a "
            "second, where RFC 3339 allows only '.'. " + ACCEPTED
        )


@pytest.mark.parametrize(
    ("time", "why"),
    [
        ("2026-03-01 10:00:00Z", "a space separates its date and time"),
        ("2026-03-01T10:00Z", "its time has no seconds"),
        ("2026-03-01T11:00:00+0100", "its offset '+0100' is not"),
        ("2026-03-01T11:00:00+01", "its offset '+01' is not"),
        ("2026-03-01T11:00:30+01:00:30", "its offset '+01:00:30' is not"),
        ("2026-03-01T10:00:00", "it has no offset"),
        ("2026-03-01t10:00:00,25z", "a ',' comes before its fraction"),
        # ISO 8601 forms RFC 3339 has no part of: week and ordinal dates, the basic format
        ("2026-W09-7T10:00:00Z", ""),
        ("2026-060T10:00:00Z", ""),
        ("20260301T100000Z", ""),
        ("+002026-03-01T10:00:00Z", ""),
        ("2026-03-01T10:00:00.Z", ""),
    ],
)
def test_what_rfc_3339_does_not_write_is_refused_saying_why(time: str, why: str) -> None:
    # each was read (the first six as 10:00 UTC) or refused without naming RFC 3339
    with pytest.raises(rk.BadRecordError) as caught:
        at(time)
    message = str(caught.value)
    assert message.startswith(
        f"CloudEvent [0].time (event id 'e-1') is {time!r}, not an RFC 3339 timestamp "
        "as CloudEvents requires"
    )
    assert why in message
    assert message.endswith(ACCEPTED)


@pytest.mark.parametrize(
    ("time", "utc"),
    [
        ("2026-03-01T10:00:00Z", dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)),
        # lower-case t and z: RFC 3339's note to section 5.6 allows them
        ("2026-03-01t10:00:00z", dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)),
        # -00:00: the time is in UTC, its local offset unknown (section 4.3)
        ("2026-03-01T10:00:00-00:00", dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)),
        # 15:30:00.25 at +05:30 is 10:00:00.25 UTC
        ("2026-03-01T15:30:00.25+05:30", dt.datetime(2026, 3, 1, 10, 0, 0, 250000, tzinfo=dt.UTC)),
        # nine zeros after the sixth digit: exact
        (
            "2026-03-01T10:00:00.000001000000000Z",
            dt.datetime(2026, 3, 1, 10, 0, 0, 1, tzinfo=dt.UTC),
        ),
    ],
)
def test_rfc_3339_timestamps_are_read(time: str, utc: dt.datetime) -> None:
    assert at(time) == utc


@pytest.mark.parametrize(
    ("time", "what"),
    [
        ("2026-03-01T24:00:00Z", "no such date or time"),  # time-hour is 00-23
        ("2026-02-29T10:00:00Z", "no such date or time"),  # 2026 is no leap year
        ("2026-03-01T10:60:00Z", "no such date or time"),
        ("2026-03-01T11:00:00+01:60", "minutes or seconds are 60 or more"),
        # valid RFC 3339, but an instant POSIX time has no place for
        ("2016-12-31T23:59:60Z", "leap second"),
        # RFC 3339 sets no limit on the digits; ratekit drops none unless told (floor)
        ("2026-03-01T10:00:00.1234567891Z", "finer than a microsecond"),
    ],
)
def test_what_fits_the_grammar_but_is_no_instant_ratekit_reads_is_refused(
    time: str, what: str
) -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        at(time)
    assert str(caught.value).startswith(f"CloudEvent [0].time {time!r}")
    assert what in str(caught.value)


def test_an_aware_datetime_built_in_python_is_still_read() -> None:
    when = dt.datetime(2026, 3, 1, 11, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    (sample,) = cloudevents.usage_events([event(when)], SPEC)
    assert sample.at == dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)


@given(
    second=st.integers(0, 59),
    separator=st.sampled_from(["T", "t", " "]),
    seconds=st.booleans(),
    fraction=st.sampled_from(["", ".5", ",5", ".000250"]),
    offset=st.sampled_from(["Z", "z", "+01:00", "-00:00", "+0100", "+01", "+01:00:00", ""]),
)
def test_law_a_time_is_read_exactly_when_rfc_3339_writes_it(
    second: int, separator: str, seconds: bool, fraction: str, offset: str
) -> None:
    # the oracle: RFC 3339's grammar, field by field
    rfc = (
        separator in "Tt"
        and seconds
        and not fraction.startswith(",")
        and offset in ("Z", "z", "+01:00", "-00:00")
    )
    clock = f"10:00:{second:02d}{fraction}" if seconds else "10:00"
    time = f"2026-03-01{separator}{clock}{offset}"
    if not rfc:
        with pytest.raises(rk.BadRecordError, match="not an RFC 3339 timestamp"):
            at(time)
        return
    microseconds = {"": 0, ".5": 500_000, ".000250": 250}[fraction]
    local = dt.datetime(2026, 3, 1, 10, 0, second, microseconds, tzinfo=dt.UTC)
    shift = dt.timedelta(hours=1) if offset == "+01:00" else dt.timedelta(0)
    assert at(time) == local - shift


def _v3_app(created_at: str) -> dict[str, object]:
    return {
        "guid": "e-9",
        "created_at": created_at,
        "state": {"current": "STARTED", "previous": "STOPPED"},
        "process": {"guid": "proc-1", "type": "web"},
        "space": {"guid": "space-1"},
        "organization": {"guid": "org-1"},
        "memory_in_mb_per_instance": {"current": 512},
        "instance_count": {"current": 1},
    }


def test_cloud_foundry_refuses_a_created_at_no_cloud_controller_writes() -> None:
    # The Cloud Controller writes YYYY-MM-DDThh:mm:ssZ; a ',' fraction was read
    with pytest.raises(rk.BadRecordError) as caught:
        cf.app_usage_events([_v3_app("2026-03-02T08:00:00,5Z")])
    assert str(caught.value).startswith(
        "Cloud Foundry app usage event [0].created_at (event guid 'e-9') is "
        "'2026-03-02T08:00:00,5Z', not an RFC 3339 timestamp as the Cloud Controller writes "
        "it: a ',' comes before its fraction"
    )
    v2 = {
        "metadata": {"guid": "e-8", "created_at": "2026-03-02 08:00:00Z"},
        "entity": {"state": "STOPPED", "app_guid": "a", "space_guid": "s", "org_guid": "o"},
    }
    with pytest.raises(
        rk.BadRecordError, match=r"\[0\]\.metadata\.created_at \(event guid 'e-8'\)"
    ):
        cf.app_usage_events([v2])
    service = {
        "guid": "s-1",
        "created_at": "2026-03-01T00:00:00+0000",
        "state": "DELETED",
        "service_instance": {"guid": "db-1"},
        "space": {"guid": "space-1"},
        "organization": {"guid": "org-1"},
    }
    with pytest.raises(rk.BadRecordError, match=r"its offset '\+0000' is not"):
        cf.service_usage_events([service])
    (start,) = cf.app_usage_events([_v3_app("2026-03-02T08:00:00Z")])
    assert start.at == dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
