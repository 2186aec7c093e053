"""Hypothesis strategies for ratekit values, for your own property tests.

ratekit's own tests use exactly these. They need `hypothesis
<https://hypothesis.readthedocs.io>`_, which ratekit does not install by itself (``pip
install hypothesis``); ``import ratekit`` never imports it, only ``import
ratekit.strategies`` does.

Every strategy draws instants on a grid: multiples of ``resolution`` (one microsecond by
default) from ``min_start`` up to ``max_end``, both included. A coarse grid (whole hours)
over a short range makes coincident boundaries, touching spans and empty spans common,
which is where time code breaks. Instants shrink towards ``min_start``.

Example:
    >>> import datetime
    >>> from hypothesis import given
    >>> from ratekit import strategies as rks
    >>> @given(rks.spans(min_start="2026-03-01T00:00:00Z", max_end="2026-04-01T00:00:00Z",
    ...                  resolution=datetime.timedelta(hours=1)))
    ... def test_halves_partition_the_span(span):
    ...     middle = span.start + span.duration // 2
    ...     first, second = span.split(middle)
    ...     assert first.duration + second.duration == span.duration
    >>> test_halves_partition_the_span()
"""

from __future__ import annotations

import datetime as _dt
import zoneinfo
from collections.abc import Sequence
from typing import Final, TypeVar

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "ratekit.strategies needs hypothesis, which ratekit does not install by itself; "
        "install it with `pip install hypothesis` (or `pip install 'ratekit[test]'`)."
    ) from error

from ._instants import format_us, from_us, to_us
from .errors import BadSpanError, RatekitTypeError
from .spans import Span, SpanSet
from .timeline import Timeline

__all__ = ["DEFAULT_MAX_END", "DEFAULT_MIN_START", "instants", "span_sets", "spans", "timelines"]

V = TypeVar("V")

#: The default range of generated instants: the 21st century, in UTC.
DEFAULT_MIN_START: Final = "2000-01-01T00:00:00Z"
DEFAULT_MAX_END: Final = "2100-01-01T00:00:00Z"

#: Zones ``instants()`` draws from by default: UTC, two with DST at different dates, a
#: half-hour offset, and Lord Howe, whose DST shift is half an hour.
DEFAULT_TIMEZONES: Final = (
    "UTC",
    "Europe/Zurich",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
)


def _grid(
    min_start: _dt.datetime | str, max_end: _dt.datetime | str, resolution: _dt.timedelta
) -> tuple[int, int, int]:
    """``(base_us, step_us, steps)``: the grid ``base_us + k * step_us`` for k in 0..steps."""
    if not isinstance(resolution, _dt.timedelta):
        raise RatekitTypeError(
            f"resolution must be a datetime.timedelta, not {type(resolution).__name__}: "
            f"{resolution!r}."
        )
    step = resolution // _dt.timedelta(microseconds=1)
    if step <= 0 or resolution % _dt.timedelta(microseconds=1):
        raise BadSpanError(
            f"resolution must be a positive whole number of microseconds, not {resolution!r}."
        )
    base = to_us(min_start, "min_start")
    top = to_us(max_end, "max_end")
    if top < base:
        raise BadSpanError(
            f"max_end {format_us(top)} comes before min_start {format_us(base)}; "
            "give a range with min_start <= max_end."
        )
    return base, step, (top - base) // step


def instants(
    *,
    min_start: _dt.datetime | str = DEFAULT_MIN_START,
    max_end: _dt.datetime | str = DEFAULT_MAX_END,
    resolution: _dt.timedelta = _dt.timedelta(microseconds=1),
    timezones: Sequence[str] = DEFAULT_TIMEZONES,
) -> st.SearchStrategy[_dt.datetime]:
    """Aware datetimes on the grid, each shown in one of ``timezones`` (IANA names).

    The instant is drawn first, then the zone it is shown in, so the same instant appears
    with different offsets (and, around a DST change, with ``fold`` set); ratekit must
    treat them all as the same instant. Instants whose local date would fall outside
    datetime's range (within hours of 0001-01-01 or 9999-12-31) are shown in UTC.

    Example:
        >>> import datetime
        >>> from hypothesis import given
        >>> import ratekit as rk
        >>> from ratekit import strategies as rks
        >>> @given(rks.instants())
        ... def test_a_span_contains_its_start(t):
        ...     assert t in rk.Span(t, t + datetime.timedelta(seconds=1))
        >>> test_a_span_contains_its_start()
    """
    base, step, steps = _grid(min_start, max_end, resolution)
    if not timezones:
        raise BadSpanError("timezones must name at least one IANA timezone, such as 'UTC'.")
    zones = [zoneinfo.ZoneInfo(name) for name in timezones]
    return st.builds(
        lambda k, zone: _shown_in(base + k * step, zone),
        st.integers(0, steps),
        st.sampled_from(zones),
    )


def _shown_in(us: int, zone: _dt.tzinfo) -> _dt.datetime:
    """The instant as a datetime in ``zone``, or in UTC where that would overflow.

    The local date falls outside datetime's range only within hours of 0001-01-01 and
    9999-12-31.
    """
    moment = from_us(us)
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment


def spans(
    *,
    min_start: _dt.datetime | str = DEFAULT_MIN_START,
    max_end: _dt.datetime | str = DEFAULT_MAX_END,
    resolution: _dt.timedelta = _dt.timedelta(microseconds=1),
    max_duration: _dt.timedelta | None = None,
    allow_empty: bool = True,
) -> st.SearchStrategy[Span]:
    """Spans whose start and end lie on the grid, within ``[min_start, max_end]``.

    ``max_duration`` bounds the duration; ``allow_empty=False`` excludes empty spans
    (then the range must hold at least two grid points).

    Example:
        >>> import datetime
        >>> from hypothesis import given
        >>> from ratekit import strategies as rks
        >>> @given(rks.spans(max_duration=datetime.timedelta(days=1), allow_empty=False))
        ... def test_short_nonempty(span):
        ...     assert span and span.duration <= datetime.timedelta(days=1)
        >>> test_short_nonempty()
    """
    base, step, steps = _grid(min_start, max_end, resolution)
    max_steps = steps
    if max_duration is not None:
        max_steps = min(steps, max_duration // resolution)
    least = 0 if allow_empty else 1
    if max_steps < least:
        raise BadSpanError(
            "no non-empty span fits: the range or max_duration is shorter than resolution."
        )

    @st.composite
    def draw_span(draw: st.DrawFn) -> Span:
        start = draw(st.integers(0, steps - least))
        length = draw(st.integers(least, min(max_steps, steps - start)))
        return Span.from_us(base + start * step, base + (start + length) * step)

    return draw_span()


def span_sets(
    *,
    min_start: _dt.datetime | str = DEFAULT_MIN_START,
    max_end: _dt.datetime | str = DEFAULT_MAX_END,
    resolution: _dt.timedelta = _dt.timedelta(microseconds=1),
    max_size: int = 6,
) -> st.SearchStrategy[SpanSet]:
    """Span sets built from up to ``max_size`` spans of :func:`spans`.

    The spans may overlap, touch or be empty, so normalisation is exercised.

    Example:
        >>> from hypothesis import given
        >>> from ratekit import strategies as rks
        >>> @given(rks.span_sets(), rks.span_sets())
        ... def test_union_covers_both(a, b):
        ...     assert (a | b) & a == a
        >>> test_union_covers_both()
    """
    return st.lists(
        spans(min_start=min_start, max_end=max_end, resolution=resolution), max_size=max_size
    ).map(SpanSet)


def timelines(
    values: st.SearchStrategy[V],
    *,
    min_start: _dt.datetime | str = DEFAULT_MIN_START,
    max_end: _dt.datetime | str = DEFAULT_MAX_END,
    resolution: _dt.timedelta = _dt.timedelta(microseconds=1),
    max_size: int = 6,
) -> st.SearchStrategy[Timeline[V]]:
    """Timelines built by setting up to ``max_size`` values of ``values`` over drawn spans.

    Later spans overwrite earlier ones, so pieces are cut, merged and left with gaps.

    Example:
        >>> from hypothesis import given, strategies as st
        >>> from ratekit import strategies as rks
        >>> @given(rks.timelines(st.sampled_from(["small", "large"])))
        ... def test_pieces_lie_in_the_domain(timeline):
        ...     for span, _ in timeline.items():
        ...         assert span in timeline.domain()
        >>> test_pieces_lie_in_the_domain()
    """
    pairs = st.tuples(spans(min_start=min_start, max_end=max_end, resolution=resolution), values)
    return st.lists(pairs, max_size=max_size).map(Timeline)
