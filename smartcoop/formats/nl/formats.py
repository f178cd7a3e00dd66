"""Dutch as written in Belgium: 05/12/2026 (not Django's 5-12-2026), 1.089,00."""

from smartcoop.formats.common import *  # noqa: F403

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
