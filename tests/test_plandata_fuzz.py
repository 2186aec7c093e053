"""Hostile plan data: any document changed anywhere loads or is refused, never crashes.

The law: change one value of a valid document (to null, a number, NaN, a huge or odd
string, a list, an object, something deeply nested), drop a key or add one, and
``load_document`` either raises :class:`~ratekit.BadDataError` or gives a document that
dumps and loads back to itself and that rating under its plans refuses only with a
:class:`~ratekit.RatekitError`. Nothing else escapes, now or when the plan is used.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import plandata

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")

_WINDOWS = [
    {
        "type": "windows.DailyWindow",
        "tz": "Europe/Zurich",
        "start_seconds": 79200,
        "end_seconds": 21600,
    },
    {
        "type": "windows.WeeklyWindow",
        "tz": "UTC",
        "start_weekday": 5,
        "start_seconds": 0,
        "end_weekday": 0,
        "end_seconds": 0,
    },
    {"type": "windows.CronWindow", "start": "00 02 * * Tue", "end": "00 02 * * Wed", "tz": "UTC"},
]
DOCUMENT: dict[str, Any] = plandata.dump_document(
    plandata.load_document(
        {
            "meters": [
                {
                    "name": "vm",
                    "unit": "hour",
                    "policy": {"type": "OnOff", "when": {"state": "on"}},
                },
                {"name": "egress", "unit": "GB", "policy": {"type": "Discrete"}},
                {"name": "peak", "unit": "GB", "policy": {"type": "Percentile", "percent": "95"}},
            ],
            "plans": [
                {
                    "id": "p",
                    "currency": "EUR",
                    "cycle": {"type": "cycles.Monthly", "tz": "Europe/Zurich", "day": 31},
                    "entries": [
                        {"id": "vm", "meter": "vm", "price": {"type": "PerUnit", "rate": "0.05"}},
                        *(
                            {
                                "id": f"vm-{i}",
                                "meter": "vm",
                                "priority": i + 1,
                                "where": {"flavor": "m1", "cores": {"decimal": "2"}},
                                "price": {"type": "PerUnit", "rate": "0.01"},
                                "window": window,
                            }
                            for i, window in enumerate(_WINDOWS)
                        ),
                        {
                            "id": "nights-off",
                            "meter": "vm",
                            "priority": 9,
                            "start": "2026-03-10T00:00:00Z",
                            "end": "2026-03-20T00:00:00+01:00",
                            "price": {"type": "Flat", "amount": "1"},
                            "window": {"type": "windows.Complement", "window": _WINDOWS[0]},
                        },
                        {
                            "id": "egress",
                            "meter": "egress",
                            "group_by": "resource",
                            "price": {
                                "type": "Graduated",
                                "tiers": [{"up_to": "10"}, {"unit": "0.09", "block": "5"}],
                            },
                        },
                        {
                            "id": "peak",
                            "meter": "peak",
                            "price": {
                                "type": "Package",
                                "size": "100",
                                "amount": "5",
                                "free": "50",
                            },
                        },
                    ],
                    "allowances": [{"meter": "egress", "quantity": "3"}],
                    "minimums": [{"amount": "20"}, {"amount": "1", "meter": "vm"}],
                    "fees": [{"id": "support", "amount": "10"}],
                    "proration": "days",
                },
                {
                    "id": "q",
                    "currency": "JPY",
                    "unpriced": "anomaly",
                    "cycle": {"type": "cycles.Weekly", "tz": "Asia/Tokyo", "weekday": 2},
                    "entries": [
                        {
                            "id": "vm",
                            "meter": "vm",
                            "price": {"type": "Volume", "tiers": [{"unit": "3"}]},
                        }
                    ],
                },
            ],
            "assignments": [
                {"account": "acme", "plan": "p", "end": "2026-03-15T00:00:00Z"},
                {"account": "acme", "plan": "q", "start": "2026-03-15T00:00:00Z"},
            ],
        }
    )
)

_HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "",
            "NaN",
            "-Infinity",
            "1e999999999",
            "1" * 70,
            "0",
            "-1",
            "0.000000001",
            "2026-03-01T00:00:00",
            "2026-03-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "Mars/Olympus",
            "UTC",
            "os.system",
            "__import__('os')",
            "PerUnit",
            "cycles.Monthly",
            "windows.Complement",
            "* * * * *",
            "ROUND_HALF_UP",
            "days",
            "\u0000<script>",
        ]
    ),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(
        st.sampled_from(["type", "decimal", "rate", "x"]), st.text(max_size=4), max_size=2
    ),
    st.recursive(
        st.none(),
        lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.just("window"), inner),
        max_leaves=80,
    ),
)


def _paths(data: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(data, dict):
        for key, item in data.items():
            out += _paths(item, (*here, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            out += _paths(item, (*here, index))
    return out


PATHS = [path for path in _paths(DOCUMENT) if path]


@st.composite
def _changed(draw: st.DrawFn) -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = document
        try:
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            action = draw(st.sampled_from(["set", "set", "set", "drop", "add"]))
            if action == "set":
                parent[last] = draw(_HOSTILE)
            elif action == "drop" and isinstance(parent, dict):
                del parent[last]
            elif action == "drop":
                parent.pop(last)
            elif isinstance(parent, dict):
                parent[draw(st.sampled_from(["type", "extra", "__class__"]))] = draw(_HOSTILE)
            else:
                parent.append(draw(_HOSTILE))
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # an earlier change removed this path
    return document


USAGE = [
    rk.UsageRow(
        "acme", "vm", "vm-1", MARCH, MARCH, 100, "hour", {"flavor": "m1", "state": "on"}, ()
    ),
    rk.UsageRow("acme", "egress", "ip-1", MARCH, MARCH, "33.5", "GB", {}, ()),
    rk.UsageRow("acme", "peak", "ip-1", MARCH, MARCH, 151, "GB", {}, ()),
]


def test_the_document_itself_rates():
    document = plandata.load_document(DOCUMENT)
    assert plandata.dump_document(document) == DOCUMENT
    assert rk.bill(rk.rate(USAGE, document.assignments, span=MARCH))


@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_changed())
def test_law_a_changed_document_loads_or_is_refused_never_crashes(data):
    try:
        document = plandata.load_document(data)
    except rk.BadDataError:
        return
    assert plandata.load_document(plandata.dump_document(document)) == document
    if document.assignments:
        with contextlib.suppress(rk.RatekitError):
            rk.bill(rk.rate(USAGE, document.assignments, span=MARCH))
