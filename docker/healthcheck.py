"""The container health check: GET /healthz on the local gunicorn; exit 0 on 200, 1 otherwise.

Django answers 400 to a Host header it does not allow, so the request names the first host of
ALLOWED_HOSTS. The JSON answer is printed, so `docker inspect` shows which check failed.
"""

import os
import sys
import urllib.error
import urllib.request


def allowed_host() -> str:
    for entry in os.environ.get("ALLOWED_HOSTS", "").split(","):
        # ".example.be" allows example.be and its subdomains; "*" allows anything.
        host = entry.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    request = urllib.request.Request(
        "http://127.0.0.1:8000/healthz?checks=database,redis,migrations", headers={"Host": allowed_host()}
    )
    try:
        # A fixed http:// URL: none of the schemes urlopen could be tricked into.
        with urllib.request.urlopen(request, timeout=8) as response:  # noqa: S310
            sys.stdout.write(response.read().decode(errors="replace") + "\n")
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        sys.stdout.write(f"{error.code} {error.read().decode(errors='replace')}\n")
    except OSError as error:
        sys.stdout.write(f"/healthz unreachable: {error}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
