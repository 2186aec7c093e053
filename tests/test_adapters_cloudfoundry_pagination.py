"""A Cloud Foundry page whose own links say it lists the events newest first is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit.adapters import cloudfoundry

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
V3 = "https://api.example.org/v3/app_usage_events"


def _event(guid: str, at: str, state: str) -> dict[str, object]:
    return {
        "guid": guid,
        "created_at": at,
        "state": {"current": state, "previous": None},
        "app": {"guid": "app-1", "name": "shop"},
        "process": {"guid": "app-1", "type": "web"},
        "space": {"guid": "space-1", "name": "prod"},
        "organization": {"guid": "org-1"},
        "memory_in_mb_per_instance": {"current": 512, "previous": None},
        "instance_count": {"current": 1, "previous": None},
    }


START = _event("e1", "2026-03-02T08:00:00Z", "STARTED")
STOP = _event("e2", "2026-03-02T12:00:00Z", "STOPPED")


def _v3_page(order_by: str, resources: list[dict[str, object]]) -> dict[str, object]:
    link = {"href": f"{V3}?order_by={order_by}&page=1&per_page=50"}
    pagination = {"total_results": 2, "total_pages": 1, "first": link, "last": link}
    return {"pagination": {**pagination, "next": None, "previous": None}, "resources": resources}


def _memory(events: list[rk.Event]) -> Decimal:
    usage = rk.meter(events, [cloudfoundry.APP_MEMORY], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    return usage.total()


def test_a_v3_page_listed_oldest_first_is_read() -> None:
    # 512 MiB x 1 instance from 08:00 to 12:00: 512 x 4 = 2048 MiB*h.
    events = cloudfoundry.app_usage_events(_v3_page("created_at", [START, STOP]))
    assert _memory(events) == Decimal(2048)


@pytest.mark.parametrize("order_by", ["-created_at", "%2Dcreated_at"])
def test_a_v3_page_listed_newest_first_is_refused_naming_its_link(order_by: str) -> None:
    # Was: read as listed, the STOP (listed first) stopped nothing (an orphan stop) and the
    # START, listed after it, took the STOP's seq + 1 and so ran from the STOP's 12:00
    # on 2 March to as_of: 29 days 12 hours = 708 h, 512 x 708 = 362496 MiB*h billed
    # for 2048.
    with pytest.raises(rk.BadRecordError) as caught:
        cloudfoundry.app_usage_events([_v3_page(order_by, [STOP, START])])
    message = str(caught.value)
    assert message.startswith("Cloud Foundry app usage event [0].pagination.first.href is ")
    assert "lists the events newest first" in message
    assert "order_by=created_at" in message  # what is accepted


def test_a_v2_page_listed_in_descending_order_is_refused() -> None:
    page = {
        "total_results": 2,
        "prev_url": None,
        "next_url": "/v2/app_usage_events?order-direction=desc&page=2&results-per-page=1",
        "resources": [{"metadata": {"guid": "e2"}, "entity": {}}],
    }
    with pytest.raises(rk.BadRecordError) as caught:
        cloudfoundry.app_usage_events(page)
    assert str(caught.value).startswith("Cloud Foundry app usage event next_url is ")
    assert "order-direction=asc" in str(caught.value)


def test_a_service_page_listed_newest_first_is_refused() -> None:
    page = _v3_page("-created_at", [])
    with pytest.raises(rk.BadRecordError, match=r"service usage event pagination\.first\.href"):
        cloudfoundry.service_usage_events(page)


@pytest.mark.parametrize(
    "links",
    [
        {"pagination": "x"},
        {"pagination": {"next": "x", "first": None}},
        {"pagination": {"next": {"href": 5}}},
        {"pagination": {"next": {"href": "no query"}}},
        {"next_url": b"?order-direction=desc"},
        {"next_url": "?order-direction=%ff%fe"},
    ],
)
def test_links_of_another_shape_are_not_read(links: dict[str, object]) -> None:
    # Links are only read for their order, never needed: the events are read as they are.
    events = cloudfoundry.app_usage_events({**links, "resources": [START, STOP]})
    assert _memory(events) == Decimal(2048)
