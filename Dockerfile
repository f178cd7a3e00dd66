# syntax=docker/dockerfile:1
# One image for the web server, the Celery worker and Celery beat: docker-compose.yml picks the
# command. See README, "Production".
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    SMARTCOOP_ENV=production

WORKDIR /app

# system-packages.txt is the one list of Debian packages; lines marked `test` are for the test
# suite only. apt-get accepts a virtual package name and installs something else under another
# name, so dpkg is asked afterwards whether each listed package really is installed.
COPY system-packages.txt ./
RUN set -eu; \
    packages="$(sed 's/#.*//' system-packages.txt | awk 'NF && $2 != "test" { print $1 }')"; \
    if [ -z "$packages" ]; then \
        echo "system-packages.txt lists no runtime package" >&2; exit 1; \
    fi; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install --yes --no-install-recommends $packages; \
    rm -rf /var/lib/apt/lists/*; \
    missing=""; \
    for package in $packages; do \
        status="$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)"; \
        if [ "$status" != "installed" ]; then missing="$missing $package"; fi; \
    done; \
    if [ -n "$missing" ]; then \
        echo "System packages from system-packages.txt not installed in the image:$missing" >&2; exit 1; \
    fi

# A fixed uid, so a Docker secret file on the host can be made readable to it (README).
RUN groupadd --system --gid 10001 smartcoop \
    && useradd --system --uid 10001 --gid smartcoop --create-home --home-dir /home/smartcoop \
        --shell /usr/sbin/nologin smartcoop

# The dependencies before the code, so a change to the code alone does not reinstall them.
COPY pyproject.toml README.md ./
RUN --mount=type=cache,target=/var/cache/pip \
    PIP_CACHE_DIR=/var/cache/pip pip install . && rm -rf build ./*.egg-info

COPY . .

# The settings refuse to load in production without these; they are dummies for this one command
# and never reach the final image's environment (nothing connects to the database or Redis here).
RUN SECRET_KEY=build-time-only-dummy-key-never-used-by-a-running-container \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgresql://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    EMAIL_HOST=localhost \
    DEFAULT_FROM_EMAIL=build@localhost \
    python manage.py collectstatic --noinput \
    && python -m compileall -q . \
    && install -d -o smartcoop -g smartcoop .data/media

USER smartcoop
EXPOSE 8000

# /healthz is exempt from the HTTPS redirect, so this probes it over plain HTTP.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]

CMD ["gunicorn", "--config", "/app/docker/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "smartcoop.wsgi:application"]
