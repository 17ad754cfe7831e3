"""The kustomize overlays render, validate offline against the Kubernetes schemas, and keep the
invariants an operator relies on: probes, limits, non-root read-only pods, one beat."""

from __future__ import annotations

import copy
import re

import kubernetes_validate
import pytest

from tests.deploy.manifests import (
    APP_UID,
    KUBERNETES_VERSIONS,
    OVERLAY_NAMESPACES,
    OVERLAYS,
    Obj,
    by_kind,
    component,
    config_map,
    containers,
    one,
    pod_spec,
    render,
    selector_matches,
    workloads,
)

pytestmark = pytest.mark.parametrize("overlay", OVERLAYS)

EXPECTED_OBJECTS = {
    ("Namespace", None),
    ("ServiceAccount", "consorcio"),
    ("Deployment", "consorcio-web"),
    ("Deployment", "consorcio-worker"),
    ("Deployment", "consorcio-beat"),
    ("Job", "consorcio-migrate"),
    ("Service", "consorcio-web"),
    ("Ingress", "consorcio-web"),
    ("Ingress", "consorcio-pix-webhook"),
    ("HorizontalPodAutoscaler", "consorcio-web"),
    ("HorizontalPodAutoscaler", "consorcio-worker"),
    ("PodDisruptionBudget", "consorcio-web"),
    ("PodDisruptionBudget", "consorcio-worker"),
    ("NetworkPolicy", "consorcio-default-deny"),
    ("NetworkPolicy", "consorcio-web-ingress"),
    ("NetworkPolicy", "consorcio-egress"),
    ("NetworkPolicy", "consorcio-egress-https"),
}


def test_each_overlay_renders_every_object_into_its_own_namespace(overlay):
    objects = render(overlay)
    namespace = OVERLAY_NAMESPACES[overlay]

    present = {(obj["kind"], obj["metadata"]["name"]) for obj in objects}
    missing = {
        (kind, name)
        for kind, name in EXPECTED_OBJECTS
        if not any(k == kind and (name is None or n == name) for k, n in present)
    }
    assert missing == set()
    assert one(objects, "Namespace", namespace)
    outside = [
        (obj["kind"], obj["metadata"]["name"])
        for obj in objects
        if obj["kind"] != "Namespace" and obj["metadata"].get("namespace") != namespace
    ]
    assert outside == []


@pytest.mark.embedded
def test_every_rendered_object_passes_strict_offline_schema_validation(overlay):
    failures = []
    for obj in render(overlay):
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except (
                kubernetes_validate.ValidationError,
                kubernetes_validate.SchemaNotFoundError,
            ) as exc:
                failures.append(f"{obj['kind']}/{obj['metadata']['name']} @{version}: {exc}")

    assert failures == []


def test_strict_validation_refuses_a_misspelt_field(overlay):
    deployment = copy.deepcopy(one(render(overlay), "Deployment", "consorcio-web"))
    container = pod_spec(deployment)["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


def test_web_containers_are_probed_on_the_health_endpoints(overlay):
    web = one(render(overlay), "Deployment", "consorcio-web")
    (container,) = pod_spec(web)["containers"]
    port_names = {port["name"] for port in container["ports"]}

    liveness, readiness = container["livenessProbe"], container["readinessProbe"]
    assert liveness["httpGet"]["path"] == "/health/live"
    assert readiness["httpGet"]["path"] == "/health/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    # /health/ready waits up to 1.8 s for its dependencies.
    assert readiness["timeoutSeconds"] >= 3
    for probe in (liveness, readiness, container["startupProbe"]):
        assert probe["httpGet"]["port"] in port_names
    # Probes reach the pod by IP; production settings accept POD_IP as a host (the test of
    # that is in test_runtime.py).
    env = {item["name"]: item for item in container["env"]}
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"


def test_worker_and_beat_have_exec_liveness_probes(overlay):
    deployments = by_kind(render(overlay), "Deployment")

    for name in ("consorcio-worker", "consorcio-beat"):
        (container,) = pod_spec(deployments[name])["containers"]
        probe = container["livenessProbe"]
        assert probe["exec"]["command"], name
        assert probe["timeoutSeconds"] >= 5, name
    worker = pod_spec(deployments["consorcio-worker"])["containers"][0]
    assert "inspect ping" in " ".join(worker["livenessProbe"]["exec"]["command"])


def test_every_deployment_container_has_a_liveness_probe(overlay):
    unprobed = [
        f"{deployment['metadata']['name']}/{container['name']}"
        for deployment in by_kind(render(overlay), "Deployment").values()
        for container in containers(deployment, init=False)
        if "livenessProbe" not in container
    ]

    assert unprobed == []


def test_every_container_requests_and_limits_cpu_and_memory(overlay):
    problems = []
    for workload in workloads(render(overlay)):
        for container in containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(bound, {}):
                        problems.append(f"{where}: no {bound}.{resource}")

    assert problems == []


def _effective(pod: Obj, container: Obj, key: str) -> object:
    container_context = container.get("securityContext", {})
    if key in container_context:
        return container_context[key]
    return pod.get("securityContext", {}).get(key)


def test_every_container_runs_as_the_app_user_on_a_read_only_root_filesystem(overlay):
    problems = []
    for workload in workloads(render(overlay)):
        pod = pod_spec(workload)
        for container in containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            expected = {
                "runAsNonRoot": True,
                "runAsUser": APP_UID,
                "readOnlyRootFilesystem": True,
                "allowPrivilegeEscalation": False,
                "seccompProfile": {"type": "RuntimeDefault"},
            }
            for key, value in expected.items():
                if _effective(pod, container, key) != value:
                    problems.append(f"{where}: {key}={_effective(pod, container, key)!r}")
            if _effective(pod, container, "capabilities") != {"drop": ["ALL"]}:
                problems.append(f"{where}: capabilities not dropped")
            if pod.get("automountServiceAccountToken") is not False:
                problems.append(f"{where}: service account token mounted")

    assert problems == []


def test_every_container_writes_only_to_an_empty_dir_at_tmp(overlay):
    problems = []
    for workload in workloads(render(overlay)):
        volumes = {volume["name"]: volume for volume in pod_spec(workload).get("volumes", [])}
        for container in containers(workload):
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            tmp = volumes.get(mounts.get("/tmp", ""), {})
            if "emptyDir" not in tmp:
                problems.append(f"{workload['metadata']['name']}/{container['name']}")
            # Anything else mounted is a Secret, read-only (the PSP's client certificate).
            for mount in container["volumeMounts"]:
                volume = volumes[mount["name"]]
                if "emptyDir" not in volume and not ("secret" in volume and mount.get("readOnly")):
                    problems.append(f"{workload['metadata']['name']}/{container['name']}: mounts")

    assert problems == []


def test_beat_runs_exactly_one_replica_replaced_by_recreate(overlay):
    objects = render(overlay)
    beat = one(objects, "Deployment", "consorcio-beat")
    beat_labels = beat["spec"]["template"]["metadata"]["labels"]

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    autoscaled = {
        hpa["spec"]["scaleTargetRef"]["name"]
        for hpa in by_kind(objects, "HorizontalPodAutoscaler").values()
    }
    assert "consorcio-beat" not in autoscaled
    budgets = by_kind(objects, "PodDisruptionBudget").values()
    assert not any(
        selector_matches(pdb["spec"]["selector"]["matchLabels"], beat_labels) for pdb in budgets
    )


def test_autoscalers_target_existing_deployments_that_leave_replicas_to_them(overlay):
    objects = render(overlay)
    deployments = by_kind(objects, "Deployment")
    autoscalers = by_kind(objects, "HorizontalPodAutoscaler")

    assert autoscalers
    targets = set()
    for hpa in autoscalers.values():
        target = hpa["spec"]["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
        assert target["name"] in deployments
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        # A replica count in the Deployment would undo the autoscaler at every apply.
        assert "replicas" not in deployments[target["name"]]["spec"]
        targets.add(target["name"])
    assert targets == {"consorcio-web", "consorcio-worker"}


def test_disruption_budgets_select_the_pods_of_a_deployment(overlay):
    objects = render(overlay)
    template_labels = [
        deployment["spec"]["template"]["metadata"]["labels"]
        for deployment in by_kind(objects, "Deployment").values()
    ]

    for pdb in by_kind(objects, "PodDisruptionBudget").values():
        selector = pdb["spec"]["selector"]["matchLabels"]
        assert sum(selector_matches(selector, labels) for labels in template_labels) == 1
        assert pdb["spec"].get("maxUnavailable") == 1  # never blocks a drain


def test_service_and_ingress_route_https_for_the_allowed_host_to_web_pods(overlay):
    objects = render(overlay)
    web = one(objects, "Deployment", "consorcio-web")
    service = one(objects, "Service", "consorcio-web")
    ingress = one(objects, "Ingress", "consorcio-web")
    settings = config_map(objects)["data"]
    (container,) = pod_spec(web)["containers"]

    assert selector_matches(
        service["spec"]["selector"], web["spec"]["template"]["metadata"]["labels"]
    )
    assert service["spec"]["ports"][0]["targetPort"] in {p["name"] for p in container["ports"]}
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    tls_hosts = {host for entry in ingress["spec"]["tls"] for host in entry["hosts"]}
    assert set(hosts) <= tls_hosts
    assert all(entry["secretName"] for entry in ingress["spec"]["tls"])
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == service["metadata"]["name"]
            assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    assert set(hosts) <= set(settings["DJANGO_ALLOWED_HOSTS"].split(","))
    assert {f"https://{host}" for host in hosts} <= set(
        settings["DJANGO_CSRF_TRUSTED_ORIGINS"].split(",")
    )


def test_staging_and_production_answer_on_different_hosts(overlay):
    hosts = {
        name: one(render(name), "Ingress", "consorcio-web")["spec"]["rules"][0]["host"]
        for name in OVERLAYS
    }

    assert len(set(hosts.values())) == len(OVERLAYS)
    assert hosts[overlay] in config_map(render(overlay))["data"]["DJANGO_ALLOWED_HOSTS"]


# DNS, PostgreSQL, Redis, RabbitMQ, and HTTPS (documents bucket, PIX PSP) for web and worker.
ALLOWED_EGRESS_PORTS = {53, 5432, 6379, 6380, 5671, 5672, 443}
HTTPS_COMPONENTS = {"web", "worker"}


def test_network_policies_deny_by_default_and_admit_web_traffic_only_from_the_ingress(overlay):
    policies = by_kind(render(overlay), "NetworkPolicy")

    deny = policies["consorcio-default-deny"]["spec"]
    assert deny["podSelector"] == {}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny
    assert "egress" not in deny
    sources = set()
    for policy in policies.values():
        for rule in policy["spec"].get("ingress", []):
            assert (
                policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
            )
            assert [port["port"] for port in rule["ports"]] == [8000]
            for peer in rule["from"]:
                assert set(peer) == {"namespaceSelector"}, peer  # no ipBlock, no open rule
                sources.add(peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"])
    assert sources == {"ingress-nginx", "monitoring"}


def test_egress_is_limited_to_dns_and_the_data_services(overlay):
    policies = by_kind(render(overlay), "NetworkPolicy")

    ports = {
        port["port"]
        for policy in policies.values()
        for rule in policy["spec"].get("egress", [])
        for port in rule["ports"]
    }
    assert ports <= ALLOWED_EGRESS_PORTS
    assert {53, 5432, 6379, 5672, 443} <= ports
    https = policies["consorcio-egress-https"]["spec"]
    (expression,) = https["podSelector"]["matchExpressions"]
    assert (expression["key"], expression["operator"]) == ("app.kubernetes.io/component", "In")
    assert set(expression["values"]) == HTTPS_COMPONENTS
    assert [port["port"] for rule in https["egress"] for port in rule["ports"]] == [443]
    for name, policy in policies.items():
        if name != "consorcio-egress-https":
            assert 443 not in {
                port["port"] for rule in policy["spec"].get("egress", []) for port in rule["ports"]
            }


def test_every_container_image_is_set_by_the_overlay_with_a_pinned_tag(overlay):
    images = {
        container["image"]
        for workload in workloads(render(overlay))
        for container in containers(workload)
    }

    assert len(images) == 1
    (image,) = images
    name, _, tag = image.rpartition(":")
    assert "/" in name  # a registry path, not the base's placeholder name
    assert tag
    assert tag != "latest"


def test_command_variables_resolve_to_explicit_environment_entries(overlay):
    unresolved = []
    for workload in workloads(render(overlay)):
        for container in containers(workload):
            defined = {item["name"] for item in container.get("env", [])}
            words = container.get("command", []) + container.get("args", [])
            for name in re.findall(r"\$\(([A-Z_][A-Z0-9_]*)\)", " ".join(words)):
                if name not in defined:
                    unresolved.append(f"{container['name']}: $({name})")

    assert unresolved == []


def test_workloads_take_settings_from_the_config_map_and_the_documented_secret(overlay):
    objects = render(overlay)
    map_name = config_map(objects)["metadata"]["name"]

    for workload in workloads(objects):
        for container in containers(workload):
            sources = container["envFrom"]
            assert {"configMapRef": {"name": map_name}} in sources
            assert {"secretRef": {"name": "consorcio-secrets"}} in sources
    assert by_kind(objects, "Secret") == {}  # secrets are created out of band
    assert config_map(objects)["data"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_web_pods_announce_the_metrics_endpoint_to_prometheus(overlay):
    web = one(render(overlay), "Deployment", "consorcio-web")
    annotations = web["spec"]["template"]["metadata"]["annotations"]
    (container,) = pod_spec(web)["containers"]

    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) in {
        p["containerPort"] for p in container["ports"]
    }
    assert component(web) == "web"
