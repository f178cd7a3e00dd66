"""French as written in Belgium: 05/12/2026, 1 089,00 (a non-breaking space groups thousands)."""

from smartcoop.formats.common import *  # noqa: F403

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
