"""How many examples the laws get: a moderate number in CI, many more for a long run.

``RATEKIT_LAW_EXAMPLES`` scales them (a small number while developing, a large one for a
thorough run before a release, e.g. ``RATEKIT_LAW_EXAMPLES=10000``). Each law's inputs
stay small, so the whole check stays fast.

``LAWS`` is 25 in CI (it was 1,000 while the whole check had fewer laws, then 400, 200,
100, 60, 30; the check must stay under 15 minutes, and with 30 it took 972-1,040 s, so CI
runs the laws small, drawing the same examples each run, and a run by hand before a
release runs them large and drawn anew: ``RATEKIT_LAW_EXAMPLES=1000
HYPOTHESIS_PROFILE=thorough``). Every budget is a share or a multiple of it, and so is the
hypothesis profile's default (``tests/conftest.py``). ``FLOOR`` is the least a law whose
inputs are drawn in many ways takes (``max(LAWS // 4, FLOOR)``): three fifths of
``LAWS``, at most 25 (15 in CI, where it was 25 until the check went over its 15
minutes; 25 in a run by hand).
``RATER_LAW`` is the budget of the streaming rater's defining law (every statement's
lines add up to one batch ``rate()``): twice ``LAWS``, and never fewer than 1,000
examples, in CI too (2,000 until that law alone took 165 s of a check over its 15
minutes; CI draws the same examples each run, so its share there is a regression check,
and the run by hand draws 2,000 anew). The laws of ``tests/laws/`` draw small streams and take five times
``LAWS`` (``tests/laws/streams.py``).
"""

from __future__ import annotations

import os

LAWS = int(os.environ.get("RATEKIT_LAW_EXAMPLES", "25"))
FLOOR = min(25, max(LAWS * 3 // 5, 1))
RATER_LAW = max(2 * LAWS, 1000)
