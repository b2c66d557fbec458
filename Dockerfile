# syntax=docker/dockerfile:1
# Multi-stage image: build the virtualenv with uv from the lock, then copy it into
# a slim runtime that runs as a non-root user.

FROM python:3.12-slim-bookworm AS build
ENV UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY . .
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
# collectstatic and compilemessages need settings but no real secrets.
RUN SECRET_KEY=build FIELD_ENCRYPTION_KEYS=S6Yq2x0ZkQk2wTgqF3H3rj0cTqWJ0QmEfbq1Y8m5m0A= \
    STATIC_ROOT=/app/staticfiles /opt/venv/bin/python manage.py collectstatic --no-input -v 0 \
    && /opt/venv/bin/python manage.py compilemessages -v 0 --ignore=.venv

FROM python:3.12-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 STATIC_ROOT=/app/staticfiles VAR_DIR=/app/var
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin cctvwarga
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=cctvwarga:cctvwarga /app /app
RUN mkdir -p /app/var && chown cctvwarga:cctvwarga /app/var
USER cctvwarga
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
# Workers, threads and timeouts: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
