"""A Cloud Foundry page's links, read for the order they list the events in.

The Cloud Controller lists usage events oldest first, and the feed's order is what
orders an app's events where their clocks disagree (`ratekit.adapters.cloudfoundry`).
Its v3 API can list them newest first (``order_by=-created_at``), and the v2 API's list
endpoints take ``order-direction=desc``: read so, each event follows one stamped later
and is taken as listed after it, so a run's STOP comes before its START and the run is
not billed (a day's runs gave 2,048 MiB·h of 14,336). A page whose own links say it is
listed so is refused, naming the link. Links are only read, never followed: a page
without them, or with links of another shape, is read as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final
from urllib.parse import parse_qsl

from ratekit.errors import BadRecordError

from . import _reading as r

#: The links of a v3 page (under ``pagination``, each ``{"href": ...}``) and of a v2
#: page (at its top, each a URL), whose query says the order listed.
_V3_LINKS: Final = ("first", "last", "next", "previous")
_V2_LINKS: Final = ("next_url", "prev_url")


def _query(href: object) -> list[tuple[str, str]]:
    """The query parameters of a link's text (none when it is not text)."""
    if not isinstance(href, str) or "?" not in href:
        return []
    return parse_qsl(href.partition("?")[2].partition("#")[0], keep_blank_values=True)


def _newest_first(page: Mapping[str, object]) -> tuple[str, str] | None:
    """The page's link that lists the events newest first, and its place, if any."""
    pagination = page.get("pagination")
    if type(pagination) is dict:  # v3: {"pagination": {"next": {"href": "..."}}}
        for name in _V3_LINKS:
            link = dict.get(pagination, name)
            href = dict.get(link, "href") if type(link) is dict else None
            if any(k == "order_by" and v.strip().startswith("-") for k, v in _query(href)):
                return f"pagination.{name}.href", str(href)
    for name in _V2_LINKS:  # v2: {"next_url": "/v2/app_usage_events?...", ...}
        href = page.get(name)
        if any(k == "order-direction" and v.strip().lower() == "desc" for k, v in _query(href)):
            return name, str(href)
    return None


def check_order(page: Mapping[str, object], position: r.Position, what: str) -> None:
    """Refuse a page whose links say it lists the events newest first."""
    found = _newest_first(page)
    if found is not None:
        place, href = found
        raise BadRecordError(
            f"{what} {r.at(position, place)} is "
            f"{r.show(href)}: the page lists the events newest first, but the feed's order "
            "is what orders a resource's events whose timestamps disagree: read backwards, "
            "a run's STOP (a service instance's DELETE) would come before its START "
            "(CREATE), and the run would be billed wrong. List them oldest first (the "
            "Cloud Controller's default: order_by=created_at in v3, order-direction=asc "
            "in v2), or reverse the list of events yourself and pass the events, not "
            "the pages."
        )
