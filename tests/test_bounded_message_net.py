"""The net under every message: an error's or an anomaly's message stays near 2,000 characters.

Most doors show the values they name cut (``show``); a message that quotes a caller's
value whole all the same (a record's repr holding a megabyte description, a name of a
megabyte, found in one door after another by newcomers) is bounded where every message
passes: `RatekitError`'s constructor and `Anomaly`'s, ratekit's own route included
(`_shown.bounded_message`). A message of at most 2,000 characters is left as it is.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._anomalies import placed
from ratekit._shown import MAX_MESSAGE, bounded_message

HUGE = "x" * 1_000_000


def test_a_message_quoting_a_megabyte_value_keeps_its_start_and_its_advice() -> None:
    # 'record ' + the repr of 1,000,000 x's (1,000,002 characters with its quotes) + the
    # advice: the run of 1,000,002 characters without a blank is cut to its first 100,
    # followed by how many it left out (1,000,002 - 100 = 999,902).
    message = f"record {HUGE!r} is odd; give another id."
    text = bounded_message(message)
    assert text == "record '" + "x" * 99 + "...[999,902 more characters] is odd; give another id."


def test_a_long_message_of_short_words_keeps_its_start_and_its_end() -> None:
    # 1,000 words of 'ab ' (3,000 characters) then 'end.': no run to cut, so the middle
    # goes: the first 1,200 and the last 700 characters stay.
    message = "ab " * 1_000 + "end."
    text = bounded_message(message)
    assert isinstance(text, str)
    left_out = len(message) - 1_200 - 700  # 3,004 - 1,900 = 1,104
    assert text == f"{message[:1_200]} ...[{left_out:,} characters left out]... {message[-700:]}"
    assert len(text) <= MAX_MESSAGE


def test_a_message_of_two_thousand_characters_is_left_as_it_is() -> None:
    message = "y" * MAX_MESSAGE
    assert bounded_message(message) is message
    assert bounded_message(42) == 42  # not a str: the door refuses it, not this


def test_an_error_s_message_is_bounded_and_pickles_so() -> None:
    error = rk.BadRecordError(f"record {HUGE!r} differs")
    assert len(str(error)) < 200
    assert str(error).startswith("record 'xxx")
    assert str(error).endswith(" differs")
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_an_anomaly_s_message_is_bounded_given_or_made_by_ratekit() -> None:
    given_one = rk.Anomaly("orphan_stop", f"event {HUGE!r} stops nothing.")
    made = placed("orphan_stop", f"event {HUGE!r} stops nothing.", ())
    assert given_one.message == made.message
    assert len(made.message) < 200
    assert made.message.endswith(" stops nothing.")


def test_a_conflict_of_two_records_with_a_megabyte_description_is_said_short() -> None:
    # Found by a newcomer: ConflictingRecordError printed both records whole (2 MB).
    def event(flavor: str) -> rk.Event:
        return rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"f": flavor, "u": HUGE}, id="e")

    meters = [rk.Meter("runtime", "hour", rk.OnOff())]
    span = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    with pytest.raises(rk.ConflictingRecordError, match="share the id 'e'") as caught:
        rk.meter([event("s"), event("l")], meters, span=span, cycle=None, as_of=span.end)
    assert len(str(caught.value)) <= MAX_MESSAGE


_WORDS = st.text(alphabet="abc'{}: ", max_size=40)
_RUNS = st.text(alphabet="xy'{}:", min_size=150, max_size=3_000)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(parts=st.lists(st.one_of(_WORDS, _RUNS), max_size=40), advice=st.text("abc. ", max_size=600))
def test_a_bounded_message_is_short_and_keeps_its_start_and_its_last_words(
    parts: list[str], advice: str
) -> None:
    message = " ".join(parts) + " " + advice
    text = bounded_message(message)
    assert isinstance(text, str)
    if len(message) <= MAX_MESSAGE:
        assert text is message
        return
    assert len(text) <= MAX_MESSAGE
    assert text[:50] == message[:50]
    # The advice is words of at most 600 characters: kept whole at the end.
    assert text.endswith(" " + advice)
