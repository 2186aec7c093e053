"""How many examples the laws get: at least 2,000 in CI, more by hand.

``RATEKIT_LAW_EXAMPLES`` overrides the count (e.g. 50 while developing, 20000 for a
stress run).
"""

from __future__ import annotations

import os

LAWS = int(os.environ.get("RATEKIT_LAW_EXAMPLES", "2000"))
