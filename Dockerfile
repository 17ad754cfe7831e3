# Production image: one image, four roles (README "Deployment").
#   web      (default) gunicorn with config/gunicorn.conf.py on port 8000
#   worker   celery -A config worker --loglevel INFO
#   beat     celery -A config beat --loglevel INFO   (exactly one replica)
#   migrate  python manage.py migrate --noinput
# Build: docker build -t consorcio:$(git rev-parse --short HEAD) .
# Runs as uid/gid 10001 on a read-only root filesystem: the only writable paths it needs are
# /tmp (an emptyDir in Kubernetes) and /dev/shm. Static files are collected into the image at
# build time and served by WhiteNoise; documents go to object storage (DOCUMENTS_STORAGE=s3).

# --- builder: a wheel for every pinned requirement, installed into a virtualenv -----------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /build
COPY requirements/base.txt requirements/base.txt
# --no-index on the install proves the wheelhouse is complete: nothing is fetched twice.
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements/base.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheels \
       -r requirements/base.txt

# --- runtime: the virtualenv, the code and the collected static files; no compilers --------
FROM python:3.11-slim-bookworm AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    TMPDIR=/tmp \
    HOME=/tmp \
    PORT=8000

# A fixed uid/gid, so Kubernetes' runAsUser/runAsNonRoot match the image without a lookup.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /tmp --no-create-home \
       --shell /usr/sbin/nologin app

# WeasyPrint (contracts, boletos) renders with Pango and HarfBuzz and needs a font: Debian's
# packages, pinned to bookworm's versions.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0=1.50.12+ds-1 \
       libpangoft2-1.0-0=1.50.12+ds-1 \
       libharfbuzz-subset0=6.0.0+dfsg-3 \
       fonts-dejavu-core=2.37-6 \
    && rm -rf /var/lib/apt/lists/*

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# Code stays owned by root: the app user can read it but never change it.
COPY manage.py manage.py
COPY config config
COPY consorcio consorcio
COPY apps apps
COPY templates templates
COPY static static
COPY locale locale

# collectstatic needs loadable production settings, nothing more: these values exist only
# for this step (it opens no connection), and the real ones come from the environment.
RUN DJANGO_SECRET_KEY=collectstatic-build-only \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build@localhost:5432/build \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput --verbosity 1

USER 10001:10001
EXPOSE 8000

# For `docker run`; Kubernetes ignores it and uses the probes in k8s/. The Host header is one
# Django accepts: the pod IP when POD_IP is set, else the first DJANGO_ALLOWED_HOSTS entry.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; host = os.environ.get('POD_IP') or os.environ.get('DJANGO_ALLOWED_HOSTS', 'localhost').split(',')[0].strip().lstrip('.').replace('*', 'localhost'); u.urlopen(u.Request('http://127.0.0.1:%s/health/live' % os.environ.get('PORT', '8000'), headers={'Host': host}), timeout=4)"]

CMD ["gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi:application"]
