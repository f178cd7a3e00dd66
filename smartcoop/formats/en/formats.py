"""English as a Belgian reader writes it: 05/12/2026 (day first, never 12/05/2026), 1,089.00."""

from smartcoop.formats.common import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
