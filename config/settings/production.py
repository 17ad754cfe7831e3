"""Production: secrets from the environment, HTTPS only, `/metrics` behind a token.

`python manage.py check --deploy --settings=config.settings.production` reports no warnings
(tested in tests/platform/test_deploy_check.py).
"""

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY as _base_csp
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Kubelet probes and the Prometheus scraper reach a pod by its IP, so their Host header is
# `<pod-ip>:8000`. The manifests hand each pod its own IP in POD_IP (downward API), which is
# accepted as a host name too; that IP is reachable only inside the cluster.
_POD_IP = env.str("POD_IP", default="")
if _POD_IP:
    ALLOWED_HOSTS.append(f"[{_POD_IP}]" if ":" in _POD_IP else _POD_IP)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes (/health/*) and the Prometheus scraper (/metrics) call the pod over plain HTTP
# inside the cluster. They must send a Host header Django accepts (the pod IP, above, or a
# name listed in DJANGO_ALLOWED_HOSTS), or Django answers 400 before any view runs.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Staff identity: 2FA for these roles; the client address for the lockout comes from the
# X-Forwarded-For the ingress sends (see base.py "Lockout" for AXES_IPWARE_PROXY_COUNT).
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["admin", "finance"])
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IPWARE_META_PRECEDENCE_ORDER", default=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
)
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"

# /metrics is not public: it answers only requests carrying `Authorization: Bearer
# <METRICS_TOKEN>` (401 otherwise); with no token configured it answers 404
# (consorcio.observability.metrics_view). Give the scraper the token, e.g. Prometheus
# `authorization: {credentials_file: ...}` in its scrape config.
METRICS_PUBLIC = False
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Content-Security-Policy: the base policy (no inline code) plus upgrade-insecure-requests;
# CSP_REPORT_URI (optional) receives violation reports. HSTS is set above.
_csp_directives = {**_base_csp["DIRECTIVES"], "upgrade-insecure-requests": True}
if env.str("CSP_REPORT_URI", default=""):
    _csp_directives["report-uri"] = [env.str("CSP_REPORT_URI")]
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}
