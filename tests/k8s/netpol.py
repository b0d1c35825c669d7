"""NetworkPolicy semantics, small enough to read: which pod may open which port on which other pod,
given the policies an overlay renders. Follows the Kubernetes rules: a pod selected by no policy of a
direction is open in that direction; a selected one admits only what some rule of some policy allows."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

# Where the evaluation puts pods: any cluster address (every policy here keeps private ranges out of ipBlocks).
POD_ADDRESS = ipaddress.ip_address("10.244.1.10")


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: dict = field(default_factory=dict, hash=False)
    ports: dict = field(default_factory=dict, hash=False)  # port name -> number


@dataclass(frozen=True)
class External:
    address: str


def selects(selector: dict | None, labels: dict) -> bool:
    if selector is None:
        return True
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def namespace_labels(namespace: str) -> dict:
    return {"kubernetes.io/metadata.name": namespace}


def peer_matches(peer: dict, policy_namespace: str, other: Pod | External) -> bool:
    if isinstance(other, External):
        block = peer.get("ipBlock")
        if block is None:
            return False
        address = ipaddress.ip_address(other.address)
        excepted = any(address in ipaddress.ip_network(e) for e in block.get("except", []))
        return address in ipaddress.ip_network(block["cidr"]) and not excepted
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        excepted = any(POD_ADDRESS in ipaddress.ip_network(e) for e in block.get("except", []))
        return POD_ADDRESS in ipaddress.ip_network(block["cidr"]) and not excepted
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], namespace_labels(other.namespace)):
            return False
    elif other.namespace != policy_namespace:
        return False
    return selects(peer.get("podSelector"), other.labels)


def port_matches(rule_ports: list | None, target: Pod | External, port: int) -> bool:
    if not rule_ports:
        return True
    for entry in rule_ports:
        if entry.get("protocol", "TCP") != "TCP":
            continue
        wanted = entry.get("port")
        if wanted is None or wanted == port:
            return True
        if isinstance(wanted, str) and isinstance(target, Pod) and target.ports.get(wanted) == port:
            return True
    return False


def direction_allows(policies, pod: Pod, direction: str, other, port: int, target) -> bool:
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    relevant = [
        p
        for p in policies
        if p["metadata"]["namespace"] == pod.namespace
        and selects(p["spec"]["podSelector"], pod.labels)
        and direction in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not relevant:
        return True
    for policy in relevant:
        for rule in policy["spec"].get(key, []):
            peers = rule.get(peers_key)
            peer_ok = not peers or any(peer_matches(peer, pod.namespace, other) for peer in peers)
            if peer_ok and port_matches(rule.get("ports"), target, port):
                return True
    return False


def allowed(policies, source: Pod, target: Pod | External, port: int) -> bool:
    if not direction_allows(policies, source, "Egress", target, port, target):
        return False
    if isinstance(target, External):
        return True
    return direction_allows(policies, target, "Ingress", source, port, target)
