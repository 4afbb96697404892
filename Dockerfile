# Comptoir in a container: the API, the back office and an in-process job worker.
#
#   docker build -t comptoir .
#   docker run -p 8000:8000 -e COMPTOIR_SECRET_KEY=... -e COMPTOIR_DATABASE_URL=... comptoir
#
# Without COMPTOIR_DATABASE_URL it keeps a SQLite file in /var/lib/comptoir (mount a volume
# there). `docker run ... comptoir comptoir worker` runs a standalone worker instead.

# -- build: a virtual environment with Comptoir and its dependencies ---------------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/comptoir
WORKDIR /build
# The project's metadata first, so a change of source alone does not reinstall every
# dependency: the dependencies are installed from pyproject.toml in a layer of their own.
COPY pyproject.toml README.md ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > /tmp/requirements.txt \
    && /opt/comptoir/bin/pip install --requirement /tmp/requirements.txt
COPY src ./src
RUN /opt/comptoir/bin/pip install --no-deps .

# -- run: the environment, a user without privileges, nothing else -----------------------------
FROM python:3.11-slim

ENV PATH=/opt/comptoir/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COMPTOIR_ENVIRONMENT=production \
    COMPTOIR_DATA_DIR=/var/lib/comptoir

RUN groupadd --system --gid 10001 comptoir \
    && useradd --system --uid 10001 --gid comptoir --home-dir /var/lib/comptoir \
        --no-create-home --shell /usr/sbin/nologin comptoir \
    && mkdir -p /var/lib/comptoir \
    && chown comptoir:comptoir /var/lib/comptoir

COPY --from=build /opt/comptoir /opt/comptoir

USER comptoir:comptoir
WORKDIR /var/lib/comptoir
EXPOSE 8000

# /healthz answers without touching the database; the slim image has no curl, Python does.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Migrate, then replace the shell by the server so it gets the container's signals (SIGTERM).
CMD ["sh", "-c", "comptoir migrate && exec comptoir serve --host 0.0.0.0 --port 8000"]
