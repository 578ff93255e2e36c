# blog_api image: multi-stage (build tools never reach the runtime image), non-root, no secrets.
# Build:   docker build -t blog-api .   (the engine's own builder: no `# syntax=` frontend image
#          and no BuildKit-only flags, so DOCKER_BUILDKIT=0 and registry-less machines work)
# Migrate: docker run --rm --env-file .env blog-api blog-api migrate   (once per deploy)
# Serve:   docker run --env-file .env -e WORKERS=2 -p 8000:8000 blog-api
# Secrets come from the environment at run time, or from files named by *_FILE variables
# (Docker/Kubernetes secrets), see deploy/docker-entrypoint.sh.

ARG PYTHON_VERSION=3.11

# --- build: a virtual environment with exactly uv.lock's versions and the app ------------------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_NO_CACHE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
# uv, at the version uv.lock holds, in a venv of its own that never reaches the runtime image.
RUN python -m venv /opt/uv \
    && /opt/uv/bin/pip install --quiet \
       "uv==$(awk '/^name = "uv"$/ { getline; gsub(/"/, "", $3); print $3; exit }' uv.lock)"
# Dependencies first, in their own layer, so code changes do not reinstall them: the runtime
# packages of uv.lock (not the `dev` extra), each checked against its hash. --locked refuses a
# lock that pyproject.toml no longer matches.
RUN python -m venv /opt/venv \
    && /opt/uv/bin/uv sync --locked --no-install-project --python /opt/venv/bin/python
ENV PATH=/opt/venv/bin:$PATH
COPY blog_api ./blog_api
COPY aerich_migrations ./aerich_migrations
# Editable install: `blog-api` finds the migrations next to the package in /app.
RUN /opt/uv/bin/uv sync --locked --python /opt/venv/bin/python && python -m compileall -q blog_api

# --- runtime: slim Python, the venv and the code, an unprivileged user --------------------------
FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ENVIRONMENT=production \
    MEDIA_ROOT=/data/media \
    MAIL_DIR=/data/mail \
    WORKERS=2
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /data/media /data/mail && chown -R app:app /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /usr/local/bin/docker-entrypoint.sh
WORKDIR /app
USER app:app
VOLUME ["/data/media"]
EXPOSE 8000
# Readiness, not liveness: /readyz is 503 when the database cannot be reached (urlopen raises, so
# the check fails and the container turns unhealthy: broken wiring shows at once), and 200 with
# `"status": "degraded"` when only Redis is down, which stays healthy because the app still serves
# reads and writes then. (/healthz only says the process lives.)
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"]
# Docker sends SIGTERM; Uvicorn stops accepting, ends streams and exits within its graceful
# timeout (8 s), inside Docker's default 10 s stop grace period.
STOPSIGNAL SIGTERM
ENTRYPOINT ["docker-entrypoint.sh"]
# `exec` so Uvicorn (not a shell) is PID 1's child that receives signals; migrations are NOT run
# here: `blog-api migrate` is a separate one-shot command (compose service / Kubernetes Job).
CMD ["sh", "-c", "exec blog-api serve --host 0.0.0.0 --port 8000 --workers ${WORKERS}"]
