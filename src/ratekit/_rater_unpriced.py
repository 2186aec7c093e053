"""What a statement says of usage with no price: its figure, again only when it changes.

Private to [`ratekit.Rater`][ratekit.Rater] (called from `_rater_said.fresh()`). Rating
says an ``"unpriced"`` anomaly of each piece of usage that has no price (no entry of the
plan, or no plan), with its figure and its span: ``(resource 'vm-1', 24 hour) over
<start>..<end>``. A piece that runs on to the watermark ends there, so every statement
finds it again with a later end, whether or not its figure moved. Only the figure is
news: the span's end is where the statement stands. So one piece of usage (its account,
resource and start, and the words before its figure, which name its meter: one piece of
a meter starts at an instant, under one plan and description) is said when first
found, in rating's words, and said again only when its figure, or the reason after its
span (the plan, the description a late record changed), reads otherwise than the last
one said of it, with a note that gives both: ``Said of this
usage before: 24 hour; by <watermark> it comes to 48 hour.`` Each figure is the usage so
far, which replaces the one said before: a host counts the last (or the differences the
notes give), never their sum.

The last figure said of a piece is told from the anomalies said alone (a snapshot keeps
them, not the order they were said in): the one whose note has the latest watermark,
else the one said without a note (the first). An anomaly whose words do not have that
shape (a message cut for its length) is told by its whole message, as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, TypeAlias

from ._anomalies import placed
from ._instants import format_us
from ._shown import cut_in
from .records import Anomaly

__all__ = ["unsaid"]

#: One piece of unpriced usage: its place and start, and the words before its figure.
Piece: TypeAlias = tuple[str | None, str | None, int | None, str]

#: Where rating's words give a piece's span: after its figure, before its reason.
_SPAN: Final = re.compile(r"\) over (\S+)\.\.(\S+) has no ")
#: The note a piece said again ends with (`_noted()`).
_BEFORE: Final = " Said of this usage before: "
_NOTE: Final = re.compile(re.escape(_BEFORE) + r"(.*); by (\S+) it comes to (.*)\.\Z")


def _read(anomaly: Anomaly) -> tuple[Piece, tuple[str, str], str | None] | None:
    """The piece ``anomaly`` is about, its figure and reason, its note's watermark.

    The reason: the words after the span (why it has no price: the plan, the
    description); the watermark None when it has no note.

    None when its words do not give a figure and span where rating puts them. O(len).
    """
    if anomaly.at_us is None:
        return None
    message = anomaly.message
    note = _NOTE.search(message)
    if note is not None:
        message = message[: note.start()]
    start = format_us(anomaly.at_us)
    span = next((m for m in _SPAN.finditer(message) if m.group(1) == start), None)
    if span is None:
        return None
    head = message.rfind(", ", 0, span.start())
    if head < 0:
        return None
    # (the words after the span, a description, may be cut from a long message, whose
    # start is kept: `ratekit._shown.bounded_message`)
    figure = message[head + 2 : span.start()]
    piece = (anomaly.account, anomaly.resource, anomaly.at_us, message[: head + 2])
    reason = message[span.end() :]
    # (a message cut for its length cuts its reason where its note falls: unknown)
    told = (figure, "" if cut_in(reason) else reason)
    return piece, told, None if note is None else note.group(2)


def _last(before: Iterable[Anomaly]) -> dict[Piece, tuple[str, str]]:
    """Per piece, the last figure and reason said of it (see the module). O(a)."""
    out: dict[Piece, tuple[str, tuple[str, str]]] = {}  # per piece: (`_when()`, told)
    for anomaly in before:
        if anomaly.kind != "unpriced":
            continue
        read = _read(anomaly)
        if read is None:
            continue
        piece, figure, by = read
        # (two said without a note, by a rater that said a piece at each end: the one
        # that sorts last, whatever order the set gives them in)
        told = (_when(by), figure)
        known = out.get(piece)
        if known is None or told > known:
            out[piece] = told
    return {piece: figure for piece, (_, figure) in out.items()}


def _when(by: str | None) -> str:
    """A note's watermark as text that sorts as instants do ("": no note, the first said).

    Watermarks as `format_us` writes them, ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``: the
    fraction, shown only when present, is made whole. O(1).
    """
    if by is None:
        return ""
    whole = by.removesuffix("Z")
    return whole if "." in whole else f"{whole}.000000"


def unsaid(
    found: Iterable[Anomaly], before: Iterable[Anomaly], as_of_us: int
) -> tuple[list[Anomaly], list[Anomaly]]:
    """Of ``found``'s ``"unpriced"`` anomalies, those to say now; and the rest of ``found``.

    A piece not said before is said as rating words it; one said before, only when its
    figure differs from the last said, with the note (see the module); of two found of
    one piece, the one whose message sorts first. An unpriced anomaly whose words are
    not rating's shape is left in the rest, told by its whole message. O(a + b) for a found and b said before.
    """
    rest: list[Anomaly] = []
    pieces: dict[Piece, tuple[Anomaly, tuple[str, str]]] = {}
    for anomaly in found:
        read = _read(anomaly) if anomaly.kind == "unpriced" else None
        if read is None:
            rest.append(anomaly)
        else:
            known = pieces.get(read[0])
            if known is None or anomaly.message < known[0].message:
                pieces[read[0]] = (anomaly, read[1])
    if not pieces:
        return [], rest
    last = _last(before)
    out: list[Anomaly] = []
    for piece, (anomaly, told) in pieces.items():
        said = last.get(piece)
        if said is None:
            out.append(anomaly)
        elif said != told:
            out.append(_noted(anomaly, said, told, as_of_us))
    return out, rest


def _noted(
    anomaly: Anomaly, said: tuple[str, str], told: tuple[str, str], as_of_us: int
) -> Anomaly:
    """``anomaly`` said again: its words, and a note of the figure said before and now."""
    note = f"{_BEFORE}{said[0]}; by {format_us(as_of_us)} it comes to {told[0]}."
    return placed(
        "unpriced",
        anomaly.message + note,
        anomaly.record_ids,
        anomaly.account,
        anomaly.resource,
        anomaly.at_us,
    )
