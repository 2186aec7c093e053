"""How many examples the laws get: a moderate number in CI, many more for a long run.

``RATEKIT_LAW_EXAMPLES`` scales them (a small number while developing, a large one for a
thorough run before a release, e.g. ``RATEKIT_LAW_EXAMPLES=10000``). Each law's inputs
stay small, so the whole check stays fast.

``RATER_LAW`` is the budget of the streaming rater's defining law (every statement's
lines add up to one batch ``rate()``): twice ``LAWS``, so 2,000 examples in CI. The laws of ``tests/laws/`` keep their own budget (2,000 each by
default, see ``tests/laws/streams.py``).
"""

from __future__ import annotations

import os

LAWS = int(os.environ.get("RATEKIT_LAW_EXAMPLES", "1000"))
RATER_LAW = 2 * LAWS
