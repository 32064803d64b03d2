"""The Kubernetes manifests (deploy/k8s, Kustomize) are valid and complete, checked offline.

Every resource the kustomization lists validates, strictly (no unknown fields), against the Kubernetes
API's JSON schemas of a current release (kubernetes-validate ships them, so no cluster and no network);
every workload has probes, resource requests and limits, a disruption budget and an autoscaler that
select it; every environment variable a service reads names a real settings field; the secrets it names
are the ones the kustomization documents, and no secret value is in the repository.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from catalog_svc.settings import Settings as CatalogSettings
from dossier_svc.settings import Settings as DossierSettings
from gateway.settings import Settings as GatewaySettings
from notify_svc.settings import Settings as NotifySettings
from payment_svc.settings import Settings as PaymentSettings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"
SETTINGS: dict[str, type[BaseSettings]] = {
    "catalog": CatalogSettings,
    "dossier": DossierSettings,
    "payment": PaymentSettings,
    "notify": NotifySettings,
    "gateway": GatewaySettings,
}
SECRETS = {"motcua-db", "motcua-providers", "motcua-gateway-key", "motcua-tls"}


def _kustomization() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    return data


def _resources() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for name in _kustomization()["resources"]:
        docs += [d for d in yaml.safe_load_all((K8S / name).read_text(encoding="utf-8")) if d]
    return docs


def _named(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _resources() if d["kind"] == kind}


@pytest.mark.parametrize("resource", _resources(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_resource_validates_strictly_against_the_kubernetes_schemas(resource: dict[str, Any]) -> None:
    kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_every_file_in_the_folder_is_in_the_kustomization() -> None:
    listed = set(_kustomization()["resources"])
    assert {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"} == listed


def test_every_workload_is_probed_bounded_protected_and_scaled() -> None:
    deployments = _named("Deployment")
    assert set(deployments) == {*SETTINGS, "web"}
    budgets = {
        d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for d in _named("PodDisruptionBudget").values()
    }
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in _named("HorizontalPodAutoscaler").values()}
    services = {s["spec"]["selector"]["app.kubernetes.io/name"] for s in _named("Service").values()}
    for name, deployment in deployments.items():
        spec = deployment["spec"]
        assert spec["replicas"] >= 2, f"{name}: one replica cannot survive a node drain"
        labels = spec["template"]["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items(), name
        pod = spec["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod["containers"]:
            assert {"livenessProbe", "readinessProbe"} <= container.keys(), name
            assert container["resources"]["requests"].keys() >= {"cpu", "memory"}, name
            assert "memory" in container["resources"]["limits"], name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert name in budgets, f"{name} has no PodDisruptionBudget"
        assert name in services, f"{name} has no Service"
        if name in SETTINGS:
            assert name in scaled, f"{name} has no HorizontalPodAutoscaler"


def test_consumers_scale_on_their_consumer_groups_lag() -> None:
    for name, hpa in _named("HorizontalPodAutoscaler").items():
        external = [m["external"] for m in hpa["spec"]["metrics"] if m["type"] == "External"]
        if name == "gateway":
            assert not external, "the gateway consumes no events"
            continue
        [lag] = external
        assert lag["metric"]["name"] == "kafka_consumergroup_lag"
        assert lag["metric"]["selector"]["matchLabels"] == {"consumergroup": name}, (
            "the group is the service's name"
        )


def _field_paths(model: type[BaseModel], prefix: str) -> set[str]:
    paths: set[str] = set()
    for field_name, field in model.model_fields.items():
        path = f"{prefix}{field_name.upper()}"
        paths.add(path)
        annotation = field.annotation
        for candidate in (annotation, *typing.get_args(annotation)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                paths |= _field_paths(candidate, f"{path}__")
    return paths


def _env(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    return env


def test_every_variable_names_a_settings_field_and_every_secret_is_documented() -> None:
    deployments = _named("Deployment")
    kustomization_text = (K8S / "kustomization.yaml").read_text(encoding="utf-8")
    configmap = _named("ConfigMap")["motcua-config"]["data"]
    for service, settings in SETTINGS.items():
        prefix = settings.model_config.get("env_prefix", "")
        known = _field_paths(settings, prefix)
        for variable in _env(deployments[service]):
            assert variable["name"] in known, f"{service}: {variable['name']} is no settings field"
            source = variable.get("valueFrom", {})
            assert "value" in variable or source, variable
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                assert ref["name"] in SECRETS
                assert f"--from-literal={ref['key']}=" in kustomization_text, f"{ref} is not documented"
            if "configMapKeyRef" in source:
                assert source["configMapKeyRef"]["key"] in configmap
    for secret in SECRETS:
        assert not any(d["kind"] == "Secret" and d["metadata"]["name"] == secret for d in _resources())
