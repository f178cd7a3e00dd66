"""Settings of `make fuzz`: the platform's own, with uploads kept beside the fuzzing run's own database.

`run_fuzz` points `SMARTCOOP_DATA_DIR` at a directory of its own, so the embedded PostgreSQL and
Redis it starts are not the demo's; uploaded documents follow them there rather than landing in
the demo's media directory.
"""

from smartcoop import embedded
from smartcoop.settings import *  # noqa: F403 - the platform's settings, two values changed

MEDIA_ROOT = embedded.DATA_DIR / "media"
