"""The network as the rendered NetworkPolicies make it (tests/k8s/netpol.py): only the gateway reaches
the services, each process reaches its own database and Kafka, metrics only from monitoring."""

from __future__ import annotations

import pytest

from tests.k8s.manifests import OVERLAYS, of_kind, render
from tests.k8s.netpol import External, Pod, allowed

SERVICES = ("partners", "engagements", "notifications")
PROCESSES = ("gateway", *SERVICES)
PUBLIC, PRIVATE = External("203.0.113.10"), External("10.20.30.40")


def world(overlay: str) -> dict[str, Pod]:
    """Liaison's pods as the overlay makes them, the operators' pods, and strangers."""
    objects = render(overlay)
    namespace = of_kind(objects, "Namespace")[0]["metadata"]["name"]
    pods = {}
    for workload in [*of_kind(objects, "Deployment"), *of_kind(objects, "Job")]:
        template = workload["spec"]["template"]
        ports = {p["name"]: p["containerPort"] for p in template["spec"]["containers"][0].get("ports", [])}
        pods[workload["metadata"]["name"]] = Pod(
            workload["metadata"]["name"], namespace, template["metadata"]["labels"], ports
        )
    for cluster in of_kind(objects, "Cluster"):
        name = cluster["metadata"]["name"]
        labels = {
            **cluster["spec"]["inheritedMetadata"]["labels"],
            "cnpg.io/cluster": name,
            "cnpg.io/podRole": "instance",
        }
        pods[name] = Pod(name, namespace, labels, {"postgresql": 5432, "metrics": 9187, "status": 8000})
    pods["kafka"] = Pod("kafka", namespace, {"strimzi.io/cluster": "liaison", "strimzi.io/broker-role": "true"}, {})
    pods["kube-dns"] = Pod("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, {"dns": 53})
    pods["ingress"] = Pod("ingress", "ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
    pods["prometheus"] = Pod("prometheus", "monitoring", {"app.kubernetes.io/name": "prometheus"})
    pods["cnpg-operator"] = Pod("cnpg-operator", "cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"})
    pods["neighbour"] = Pod("neighbour", namespace, {"app": "something-else"})
    pods["stranger"] = Pod("stranger", "other-team", {"app.kubernetes.io/name": "gateway"})
    return pods


@pytest.fixture(params=OVERLAYS)
def net(request):
    policies = of_kind(render(request.param), "NetworkPolicy")
    pods = world(request.param)

    def can(source: str, target, port: int) -> bool:
        return allowed(policies, pods[source], pods[target] if isinstance(target, str) else target, port)

    can.pods = pods
    return can


def http(net, name: str) -> int:
    return net.pods[name].ports["http"]


def test_only_the_ingress_controller_reaches_the_gateway_from_outside(net):
    assert net("ingress", "gateway", http(net, "gateway"))
    for outsider in ("neighbour", "stranger", "prometheus"):
        assert not net(outsider, "gateway", http(net, "gateway")), outsider
    for service in SERVICES:
        assert not net("ingress", service, http(net, service)), service


def test_only_the_gateway_reaches_the_services_and_each_service_only_what_it_asks(net):
    for service in SERVICES:
        assert net("gateway", service, http(net, service)), service
        callers = {
            p
            for p in ("gateway", *SERVICES, "neighbour", "stranger", "ingress", "prometheus")
            if p != service and net(p, service, http(net, service))
        }
        # With their own identity: notifications asks engagements for restricted engagements' details,
        # engagements asks partners for a contact's key.
        also = {"engagements": {"notifications"}, "partners": {"engagements"}}.get(service, set())
        assert callers == {"gateway", *also}, service


def test_metrics_are_scraped_from_the_monitoring_namespace_only(net):
    for process in PROCESSES:
        metrics = net.pods[process].ports["metrics"]
        assert net("prometheus", process, metrics), process
        assert not net("neighbour", process, metrics) and not net("stranger", process, metrics)
        assert not net("prometheus", process, http(net, process)), "monitoring scrapes, it does not call the API"


def test_each_process_reaches_its_own_database_and_no_other(net):
    for process in PROCESSES:
        for database in PROCESSES:
            expected = database == process
            assert net(process, f"{database}-db", 5432) is expected, (process, database)
            assert net(f"{process}-migrate", f"{database}-db", 5432) is expected, (process, database)
        assert not net("neighbour", f"{process}-db", 5432)
        assert net("cnpg-operator", f"{process}-db", 8000), "the operator must reach the instance manager"
        assert net(f"{process}-db", f"{process}-db", 5432), "replicas stream from the primary"


def test_processes_reach_kafka_and_dns_but_migrations_only_dns(net):
    for process in PROCESSES:
        assert net(process, "kafka", 9093), process
        assert net(process, "kube-dns", 53) and net(f"{process}-migrate", "kube-dns", 53)
        assert not net(f"{process}-migrate", "kafka", 9093)
        assert not net(process, "kafka", 9092), "only the TLS listener"


def test_only_notifications_and_sign_on_leave_the_cluster(net):
    assert net("notifications", PUBLIC, 443) and net("notifications", PUBLIC, 587)
    assert not net("notifications", PRIVATE, 443), "webhooks never aim at private addresses"
    assert net("gateway", PUBLIC, 443) and not net("gateway", PUBLIC, 25)
    for quiet in ("partners", "engagements", "partners-migrate"):
        assert not net(quiet, PUBLIC, 443), quiet


def test_the_evaluation_sees_an_open_network_without_the_policies():
    # Proves the checks above can fail: with no policy every path is open.
    pods = world("dev")
    assert allowed([], pods["neighbour"], pods["partners"], 8001)
    assert allowed([], pods["partners-migrate"], pods["engagements-db"], 5432)
    assert allowed([], pods["partners"], PRIVATE, 443)
