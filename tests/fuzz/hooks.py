"""Schemathesis hooks for `make fuzz` (loaded through SCHEMATHESIS_HOOKS).

The fuzzer may revoke any API token it likes, except the one it is fuzzing with: revoking that one
would turn every later request of the run into a 401 and hide whatever those requests would find.
"""

import os
from typing import Any

import schemathesis

_OWN_TOKEN_ID = os.environ.get("FUZZ_OWN_TOKEN_ID", "")


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    if case.method.upper() != "DELETE" or not case.path.startswith("/api/tokens/"):
        return True
    return str((case.path_parameters or {}).get("id")) != _OWN_TOKEN_ID
