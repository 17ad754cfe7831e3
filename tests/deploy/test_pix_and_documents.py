"""The PIX webhook's mutual-TLS ingress, the PSP's client certificate and the documents bucket
are wired into every overlay (README "Finance: PIX webhook", k8s/README.md)."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
from django.urls import reverse

from tests.deploy.manifests import (
    OVERLAY_NAMESPACES,
    OVERLAYS,
    component,
    config_map,
    containers,
    one,
    pod_spec,
    render,
    secret_template,
    workloads,
)

pytestmark = pytest.mark.parametrize("overlay", OVERLAYS)

AUTH_TLS = "nginx.ingress.kubernetes.io/auth-tls-"


def test_the_pix_webhook_has_its_own_host_that_requires_the_psp_client_certificate(overlay):
    objects = render(overlay)
    webhook = one(objects, "Ingress", "consorcio-pix-webhook")
    staff = one(objects, "Ingress", "consorcio-web")
    annotations = webhook["metadata"]["annotations"]
    settings = config_map(objects)["data"]

    ((host, paths),) = [(r["host"], r["http"]["paths"]) for r in webhook["spec"]["rules"]]
    # ssl_verify_client is per host in nginx: the staff host must not share it.
    assert host not in {rule["host"] for rule in staff["spec"]["rules"]}
    assert not [key for key in staff["metadata"].get("annotations", {}) if key.startswith(AUTH_TLS)]
    assert annotations[AUTH_TLS + "verify-client"] == "on"
    namespace, _, name = annotations[AUTH_TLS + "secret"].partition("/")
    assert (namespace, name) == (OVERLAY_NAMESPACES[overlay], "consorcio-pix-psp-ca")
    assert int(annotations[AUTH_TLS + "verify-depth"]) >= 1
    # Only the webhook itself is reachable on that host, over HTTPS.
    ((path,),) = [paths]
    assert (path["path"], path["pathType"]) == (reverse("api:pix-webhook"), "Exact")
    assert path["backend"]["service"] == {"name": "consorcio-web", "port": {"name": "http"}}
    (tls,) = webhook["spec"]["tls"]
    assert tls["hosts"] == [host]
    assert tls["secretName"]
    assert host in settings["DJANGO_ALLOWED_HOSTS"].split(",")


def test_web_and_worker_read_the_psp_client_certificate_from_its_secret(overlay):
    objects = render(overlay)
    settings = config_map(objects)["data"]
    files = {
        PurePosixPath(settings["PIX_PSP_CERT_FILE"]),
        PurePosixPath(settings["PIX_PSP_KEY_FILE"]),
    }
    (directory,) = {str(path.parent) for path in files}

    mounted_in = set()
    for workload in workloads(objects):
        volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
        for container in containers(workload, init=False):
            for mount in container["volumeMounts"]:
                if mount["mountPath"] == directory:
                    secret = volumes[mount["name"]]["secret"]
                    assert secret["secretName"] == "consorcio-pix-psp-client"
                    assert secret["optional"] is True  # pods start before the PSP is set up
                    assert mount["readOnly"] is True
                    mounted_in.add(component(workload))
    assert mounted_in == {"web", "worker"}
    assert settings["PIX_PSP_ADAPTER"] == "bcb"
    assert settings["PIX_PSP_BASE_URL"].startswith("https://")


def test_documents_live_in_the_bucket_with_credentials_only_in_the_secret(overlay):
    settings = config_map(render(overlay))["data"]

    assert settings["DOCUMENTS_STORAGE"] == "s3"
    assert settings["DOCUMENTS_S3_BUCKET"]
    keys = {"DOCUMENTS_S3_ACCESS_KEY_ID", "DOCUMENTS_S3_SECRET_ACCESS_KEY"}
    assert keys <= set(secret_template()["stringData"])
    assert not keys & set(settings)


def test_the_pix_secrets_are_in_the_secret_template_not_the_config_map(overlay):
    settings = config_map(render(overlay))["data"]
    keys = {"PIX_WEBHOOK_SECRET", "PIX_PSP_CLIENT_ID", "PIX_PSP_CLIENT_SECRET"}

    assert keys <= set(secret_template()["stringData"])
    assert not keys & set(settings)
