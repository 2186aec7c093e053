"""How many examples the laws get: a moderate number in CI, many more for a long run.

``RATEKIT_LAW_EXAMPLES`` scales them (a small number while developing, a large one for a
thorough run before a release, e.g. ``RATEKIT_LAW_EXAMPLES=10000``). Each law's inputs
stay small, so the whole check stays fast.

``LAWS`` is 30 in CI (it was 1,000 while the whole check had fewer laws, then 400, 200,
100, 60; the check must stay under 15 minutes, and with 60 it took 1,005 s, so CI runs the
laws small, drawing the same examples each run, and a run by hand before a release runs
them large and drawn anew: ``RATEKIT_LAW_EXAMPLES=1000 HYPOTHESIS_PROFILE=thorough``). Every budget
is a share or a multiple of it, with a floor for the laws whose inputs are drawn in many
ways, and so is the hypothesis profile's default (``tests/conftest.py``).
``RATER_LAW`` is the budget of the streaming rater's defining law (every statement's
lines add up to one batch ``rate()``): twice ``LAWS``, and never fewer than 1,000
examples, in CI too (2,000 until that law alone took 165 s of a check over its 15
minutes; CI draws the same examples each run, so its share there is a regression check,
and the run by hand draws 2,000 anew). The laws of ``tests/laws/`` draw small streams and take five times
``LAWS`` (``tests/laws/streams.py``).
"""

from __future__ import annotations

import os

LAWS = int(os.environ.get("RATEKIT_LAW_EXAMPLES", "30"))
RATER_LAW = max(2 * LAWS, 1000)
