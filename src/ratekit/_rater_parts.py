"""The parts before the kept cycles a statement names: what each comes to, less what was named.

Private to [`ratekit.Rater`][ratekit.Rater] (called from `_rater_said.fresh()`). A resource
metered again from its compacted state (an event ordered by its ``seq`` before events
that state applied, say) gets metering's ``"late"`` changes before the kept cycles, one
per meter, cycle and description (a time meter's in as many stretches as it changes,
which together are the part), each with its quantity: a *part* the stream does not
apply, named so that its usage plus the parts named is batch's. Metering gives each part
whole, as the kept records known so far make it, against the compacted state. A later
statement that meters the resource again from that state (after another record ordered
before those events, or a placed one) finds each part anew, as it now stands: said again
in full it would be counted twice, and a part that is gone (the records now order the
resource so that it comes to nothing) would stand named.

So a statement names of each part what it comes to now less what the statements named of
it since the compacted state was last folded (the ``"late"`` anomalies said since, which
a snapshot keeps apart from older ones): nothing when that is the same, the difference
when not, and, for a resource metered again from its compacted state, minus what was
named of a part its metering no longer finds. The parts named of a state then add up to
the last metering's, wherever statements fall between the feeds. A compaction folds the
records that make a part into the state (`_rater_held.held()` folds no kept cycle while
a kept event is ordered before the state's events), so the parts named before it are not
found again from the new state. O(a + p) for a anomalies said since and p parts found.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Final

from ._anomalies import placed
from ._decimals import exact_sum
from ._instants import format_us
from .records import Anomaly

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["Part", "key", "named", "refigured", "shown"]

#: A part: account, resource, meter, the start of its cycle and its description as shown.
Part: typing.TypeAlias = tuple[str, str, str, int, str]

#: The description a late change is named under, as shown.
_DESCRIPTION: Final = re.compile(r" under description (\{.*\}) over \S+\.\.\S+, before what ")

#: Where a part's message says what was named of it before (`_rest()`).
_BEFORE: Final = " Named of this part before: "
#: That note, at the end of a message.
_NOTE: Final = re.compile(re.escape(_BEFORE) + r"\S+; by \S+ it comes to \S+\.\Z")


def key(anomaly: Anomaly, containing: Callable[[int], tuple[int, int]]) -> Part | None:
    """The part a ``"late"`` change with a quantity names, else None. O(len).

    ``containing``: the cycle (start, end) of an instant.
    """
    if (
        anomaly.kind != "late"
        or anomaly.quantity is None
        or anomaly.meter is None
        or anomaly.account is None
        or anomaly.resource is None
        or anomaly.at_us is None
    ):
        return None
    return (
        anomaly.account,
        anomaly.resource,
        anomaly.meter,
        containing(anomaly.at_us)[0],
        shown(anomaly),
    )


def shown(anomaly: Anomaly) -> str:
    """The description a ``"late"`` change's message names it under, as shown ("" if none). O(len)."""
    described = _DESCRIPTION.search(anomaly.message)
    return "" if described is None else described.group(1)


def named(
    rater: Rater,
    parts: Sequence[Anomaly],
    found: Iterable[Part],
    again: set[tuple[str, str]] | None,
    as_of_us: int,
) -> list[Anomaly]:
    """What to say of the parts a statement found: each less what was named of it.

    ``parts``: the parts found that were not said before the last compaction; ``found``:
    every part the statement's metering found (said before or not, settled or not);
    ``again``: the resources it metered again from the compacted state (None: all);
    ``as_of_us``: the statement's watermark, which a change's message gives (so that
    two changes of one part are two anomalies, whatever they read otherwise).
    """
    containing = rater._engine.containing
    said: dict[Part, list[Anomaly]] = {}
    for anomaly in rater._anomalies:
        part = key(anomaly, containing)
        if part is not None:
            said.setdefault(part, []).append(anomaly)
    if not said:
        return list(parts)
    out: list[Anomaly] = []
    # A time meter's part may be several stretches of one cycle and description (a late
    # change each): together they are what the part comes to now.
    groups: dict[Part, list[Anomaly]] = {}
    for anomaly in parts:
        groups.setdefault(typing.cast(Part, key(anomaly, containing)), []).append(anomaly)
    for part, members in groups.items():
        before = said.get(part)
        if before is None:
            out.extend(members)
            continue
        total = exact_sum(typing.cast(Decimal, b.quantity) for b in before)
        now = exact_sum(typing.cast(Decimal, m.quantity) for m in members)
        if total != now:
            out.append(_rest(members[0], total, now, as_of_us))
    seen = set(found)
    for part, before in sorted(said.items(), key=lambda item: repr(item[0])):
        if part in seen or (again is not None and part[:2] not in again):
            continue
        total = exact_sum(typing.cast(Decimal, b.quantity) for b in before)
        if total:  # gone: what was named of it is taken back
            last = max(before, key=lambda a: (a.message, a.record_ids))
            out.append(_rest(last, total, Decimal(0), as_of_us))
    return out


def _rest(anomaly: Anomaly, before: Decimal, now: Decimal, as_of_us: int) -> Anomaly:
    """``anomaly``'s part as the change from ``before`` (named) to ``now``. O(len)."""
    # The note a part named before ends its message with: a caller's text (a resource, a
    # description) saying the same comes earlier, and stays.
    message = _NOTE.sub("", anomaly.message, count=1)
    message += f"{_BEFORE}{before}; by {format_us(as_of_us)} it comes to {now}."
    return refigured(anomaly, exact_sum((now, -before)), message)


def refigured(anomaly: Anomaly, quantity: Decimal, message: str | None = None) -> Anomaly:
    """Metering's ``"late"`` change ``anomaly``, saying it changes its meter by ``quantity``.

    ``message``: the text whose figure is replaced (the anomaly's own by default), the
    rest kept as it is. O(len).
    """
    meter = typing.cast(str, anomaly.meter)
    text = anomaly.message if message is None else message
    # The figure where metering's words put it, after the resource, account and meter
    # (whose names, a caller's, may read like it: they are not rewritten).
    head = f"late records of {anomaly.resource!r} of {anomaly.account!r} change meter {meter!r} by "
    figure = f"{head}{anomaly.quantity} "
    if text.startswith(figure):
        text = f"{head}{quantity} {text.removeprefix(figure)}"
    return placed(
        "late",
        text,
        anomaly.record_ids,
        anomaly.account,
        anomaly.resource,
        anomaly.at_us,
        meter=meter,
        quantity=quantity,
    )
