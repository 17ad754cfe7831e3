"""Production: secrets from the environment, HTTPS only, `/metrics` behind a token.

`python manage.py check --deploy --settings=config.settings.production` reports no warnings
(tested in tests/platform/test_deploy_check.py).
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes (/health/*) and the Prometheus scraper (/metrics) call the pod over plain HTTP
# inside the cluster. They must send a Host header listed in DJANGO_ALLOWED_HOSTS (Kubernetes:
# httpGet.httpHeaders), or Django answers 400 before any view runs.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"

# /metrics is not public: it answers only requests carrying `Authorization: Bearer
# <METRICS_TOKEN>` (401 otherwise); with no token configured it answers 404
# (consorcio.observability.metrics_view). Give the scraper the token, e.g. Prometheus
# `authorization: {credentials_file: ...}` in its scrape config.
METRICS_PUBLIC = False
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
