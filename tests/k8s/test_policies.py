"""What every overlay must keep, whatever an overlay patches: pods that meet the restricted pod
security standard, probes, resource limits, pinned images, secrets referenced and never written,
a migration Job per process, disruption budgets and autoscalers that match their Deployments."""

from __future__ import annotations

import re

import pytest

from tests.k8s.manifests import OVERLAYS, ROOT, of_kind, pod_spec, render

PROCESSES = {"gateway": "gateway", "partners": "services.partners", "engagements": "services.engagements"}
PROCESSES["notifications"] = "services.notifications"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY", re.IGNORECASE)
# What a credential written into a manifest tends to look like: a URL with a password, a PEM block,
# a long random-looking string.
LITERAL_CREDENTIAL = re.compile(r"://[^/\s:@$]+:[^@\s$(]+@|-----BEGIN|^[A-Za-z0-9+/=_-]{32,}$")


def workloads(overlay: str) -> list[dict]:
    return [*of_kind(render(overlay), "Deployment"), *of_kind(render(overlay), "Job")]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_as_restricted_pod_security_asks(overlay):
    for workload in workloads(overlay):
        spec = pod_spec(workload)
        name = workload["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert "add" not in context["capabilities"], name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            volumes = {v["name"]: v for v in spec["volumes"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], f"{name}: /tmp must be writable on a read-only root"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_and_limits(overlay):
    for workload in workloads(overlay):
        for container in pod_spec(workload)["containers"]:
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[kind]), (workload["metadata"]["name"], kind)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_is_probed_on_health_and_readiness(overlay):
    for deployment in of_kind(render(overlay), "Deployment"):
        (container,) = pod_spec(deployment)["containers"]
        ports = {p["name"] for p in container["ports"]}
        assert {"http", "metrics"} <= ports
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_pinned(overlay):
    for workload in workloads(overlay):
        for container in pod_spec(workload)["containers"]:
            image = container["image"]
            assert re.fullmatch(r"[\w.\-/:]+:[\w.\-]+", image) and not image.endswith(":latest"), image


def env_values(overlay: str):
    """(where, variable, value) of every plain value a pod or a ConfigMap would carry."""
    for workload in workloads(overlay):
        for container in pod_spec(workload)["containers"]:
            for var in container.get("env", []):
                yield workload["metadata"]["name"], var["name"], var.get("value"), var.get("valueFrom")
    for config in of_kind(render(overlay), "ConfigMap"):
        for key, value in config.get("data", {}).items():
            yield config["metadata"]["name"], key, value, None


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_is_written_only_referenced(overlay):
    objects = render(overlay)
    assert not of_kind(objects, "Secret"), "secrets are created in the cluster (docs/operations.md), not rendered"
    for where, name, value, source in env_values(overlay):
        if SECRET_NAME.search(name):
            assert value is None and "secretKeyRef" in source, f"{where}: {name} must come from a Secret"
        if value is not None:
            assert not LITERAL_CREDENTIAL.search(value), f"{where}: {name} looks like a credential: {value!r}"


def test_the_secret_check_catches_a_written_secret():
    assert LITERAL_CREDENTIAL.search("postgresql+psycopg://liaison:hunter2@db/partners")
    assert LITERAL_CREDENTIAL.search("kR3v9Xq0mZ7tB2nW5yL8pC4hJ6fD1sA0")
    assert not LITERAL_CREDENTIAL.search("postgresql+psycopg://$(DB_USER):$(DB_PASSWORD)@partners-db-rw:5432/partners")
    assert SECRET_NAME.search("LIAISON_GATEWAY_TOKEN_SECRET") and not SECRET_NAME.search("LIAISON_GATEWAY_PORT")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_referenced_is_documented_for_operators(overlay):
    guide = (ROOT / "docs" / "operations.md").read_text()
    referenced = set()
    for workload in workloads(overlay):
        spec = pod_spec(workload)
        for container in spec["containers"]:
            for var in container.get("env", []):
                ref = (var.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    referenced.add((ref["name"], ref["key"]))
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                referenced |= {(volume["secret"]["secretName"], item["key"]) for item in volume["secret"]["items"]}
    referenced |= {(i["spec"]["tls"][0]["secretName"], "tls.crt") for i in of_kind(render(overlay), "Ingress")}
    for name, key in sorted(referenced):
        assert f"`{name}`" in guide and f"`{key}`" in guide, f"docs/operations.md must name secret {name} ({key})"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_process_has_a_migration_job_run_before_its_rollout(overlay):
    jobs = {j["metadata"]["labels"]["app.kubernetes.io/name"]: j for j in of_kind(render(overlay), "Job")}
    assert set(jobs) == set(PROCESSES)
    for name, module in PROCESSES.items():
        (container,) = pod_spec(jobs[name])["containers"]
        command = "bootstrap-admin" if name == "gateway" else "migrate"
        assert container["command"] == ["python", "-m", module, command]
        assert pod_spec(jobs[name])["restartPolicy"] == "Never"
        assert jobs[name]["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
        # The Job migrates with the same database settings the Deployment serves with.
        (deployment,) = [d for d in of_kind(render(overlay), "Deployment") if d["metadata"]["name"] == name]
        database_url = f"LIAISON_{name.upper()}_DATABASE_URL"
        served = {v["name"]: v for v in pod_spec(deployment)["containers"][0]["env"]}
        migrated = {v["name"]: v for v in container["env"]}
        assert migrated[database_url] == served[database_url]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_budgets_and_autoscalers_follow_their_deployments(overlay):
    objects = render(overlay)
    for deployment in of_kind(objects, "Deployment"):
        name = deployment["metadata"]["name"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        (hpa,) = [h for h in of_kind(objects, "HorizontalPodAutoscaler") if h["metadata"]["name"] == name]
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"] < hpa["spec"]["maxReplicas"]
        (pdb,) = [p for p in of_kind(objects, "PodDisruptionBudget") if p["metadata"]["name"] == name]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
        # A budget that could never be met would block every node drain.
        assert pdb["spec"].get("minAvailable", 0) < deployment["spec"]["replicas"]


def test_dev_is_small_and_prod_is_spread_and_bigger():
    for dev, prod in zip(of_kind(render("dev"), "Deployment"), of_kind(render("prod"), "Deployment"), strict=True):
        assert dev["spec"]["replicas"] == 1 and prod["spec"]["replicas"] >= 3
        dev_limits = pod_spec(dev)["containers"][0]["resources"]["limits"]
        prod_limits = pod_spec(prod)["containers"][0]["resources"]["limits"]
        assert dev_limits == {"cpu": "500m", "memory": "384Mi"} and prod_limits == {"cpu": "2", "memory": "1Gi"}
        anti = pod_spec(prod)["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
        assert anti[0]["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
        assert "affinity" not in pod_spec(dev)
    pools = {p["metadata"]["name"]: p["spec"] for p in of_kind(render("prod"), "KafkaNodePool")}
    assert pools["controllers"]["roles"] == ["controller"] and pools["kafka"]["roles"] == ["broker"]
    assert [c["spec"]["instances"] for c in of_kind(render("prod"), "Cluster")] == [3] * 4
    assert [c["spec"]["instances"] for c in of_kind(render("dev"), "Cluster")] == [1] * 4


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_gateway_is_exposed(overlay):
    objects = render(overlay)
    (ingress,) = of_kind(objects, "Ingress")
    backends = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {"gateway"}
    assert all(s["spec"].get("type", "ClusterIP") == "ClusterIP" for s in of_kind(objects, "Service"))
