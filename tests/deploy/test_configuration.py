"""The Secret template holds placeholders only, the ConfigMap nothing secret, and together they
are all production settings need; Prometheus' scrape jobs match the manifests."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from tests.deploy.manifests import (
    K8S,
    KUBERNETES_VERSIONS,
    OVERLAY_NAMESPACES,
    OVERLAYS,
    REPO,
    config_map,
    render,
    secret_template,
)

PLACEHOLDER = "REPLACE_ME"
SECRET_KEYS = {
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "METRICS_TOKEN",
    "PIX_WEBHOOK_SECRET",
    "PIX_PSP_CLIENT_ID",
    "PIX_PSP_CLIENT_SECRET",
    "DOCUMENTS_S3_ACCESS_KEY_ID",
    "DOCUMENTS_S3_SECRET_ACCESS_KEY",
}
# A run of 20+ characters a generator of keys or passwords would produce.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/=_\-]{20,}")


def looks_like_a_real_secret(value: str) -> bool:
    """Whether a template value could be a real credential rather than a placeholder."""
    if PLACEHOLDER not in value:
        return True
    parts = urlsplit(value) if "://" in value else None
    if parts is not None and parts.password not in {PLACEHOLDER, None}:
        return True
    return bool(_TOKEN_LIKE.search(value.replace(PLACEHOLDER, "")))


@pytest.mark.embedded
def test_the_secret_template_holds_placeholders_only():
    template = secret_template()
    values = template["stringData"]

    assert set(values) == SECRET_KEYS
    assert "data" not in template  # base64 would hide what is committed
    real_looking = [key for key, value in values.items() if looks_like_a_real_secret(value)]
    assert real_looking == []


@pytest.mark.parametrize(
    "value",
    [
        "kJ8s2nQ0pX7vT4mW9zR1bY6cL3fH5dGaEe",
        "postgres://consorcio:s3cr3t-Passw0rd@db:5432/consorcio",
        "REPLACE_ME9f2c4e7a1b3d5f60718293a4b5c6d7e8",
        "amqp://consorcio:REPLACE_ME@rabbit:5672/Zq3Lr8Wn2Tb5Yk7Mc1Xv4Hs6",
    ],
    ids=["bare token", "url with a password", "placeholder plus token", "token in url path"],
)
def test_the_placeholder_check_catches_real_looking_values(value):
    assert looks_like_a_real_secret(value)


def test_the_secret_template_is_a_valid_secret_named_as_the_pods_expect():
    template = secret_template()

    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(template, version, strict=True)
    assert template["metadata"]["name"] == "consorcio-secrets"
    resources = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())["resources"]
    assert "secret.template.yaml" not in resources  # an apply would reset the real Secret


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_config_map_holds_no_secret(overlay):
    data = config_map(render(overlay))["data"]

    assert not set(data) & SECRET_KEYS
    assert [key for key in data if re.search("SECRET|TOKEN|PASSWORD", key)] == []
    with_credentials = [
        key for key, value in data.items() if "://" in value and urlsplit(value).password
    ]
    assert with_credentials == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_throttling_and_lockout_count_the_same_proxies_in_front_of_the_app(overlay):
    data = config_map(render(overlay))["data"]

    # DRF counts every proxy in X-Forwarded-For; ipware only those after the client.
    assert int(data["API_NUM_PROXIES"]) == int(data["AXES_IPWARE_PROXY_COUNT"]) + 1 >= 1


def _production_environment(overlay: str) -> dict[str, str]:
    """What a pod of the overlay sees: its ConfigMap and the Secret template, filled in."""
    filled = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        "DATABASE_URL": "postgres://consorcio:pw@127.0.0.1:5432/consorcio",
        "REDIS_URL": "redis://:pw@127.0.0.1:6379/0",
        "CELERY_BROKER_URL": "amqp://consorcio:pw@127.0.0.1:5672/consorcio",
        "PIX_WEBHOOK_SECRET": secrets.token_urlsafe(32),
        "PIX_PSP_CLIENT_ID": "consorcio-client",
        "PIX_PSP_CLIENT_SECRET": secrets.token_urlsafe(32),
        "DOCUMENTS_S3_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE00",
        "DOCUMENTS_S3_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
    }
    assert set(filled) == set(secret_template()["stringData"])
    base = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT"}
    }
    # Outside the image var/services.env could fill a gap the pod would have; point it away.
    base["CONSORCIO_VAR_DIR"] = str(REPO / "var" / "nonexistent-for-deploy-tests")
    return {**base, **config_map(render(overlay))["data"], **filled, "POD_IP": "10.0.0.7"}


@pytest.mark.slow
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_production_settings_pass_check_deploy_with_the_overlay_config_and_secret_keys(overlay):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=_production_environment(overlay),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SCRAPE_CONFIG = K8S / "prometheus" / "scrape-config.yaml"


def test_prometheus_scrapes_web_pods_of_every_environment_with_a_bearer_token():
    jobs = yaml.safe_load(SCRAPE_CONFIG.read_text())

    namespaces = set()
    for job in jobs:
        assert job["authorization"]["type"] == "Bearer"
        assert job["authorization"]["credentials_file"]
        keep = {
            rule["source_labels"][0]: rule["regex"]
            for rule in job["relabel_configs"]
            if rule.get("action") == "keep"
        }
        assert keep["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] == "true"
        assert keep["__meta_kubernetes_pod_label_app_kubernetes_io_component"] == "web"
        for config in job["kubernetes_sd_configs"]:
            namespaces.update(config["namespaces"]["names"])
    assert namespaces == set(OVERLAY_NAMESPACES.values())
