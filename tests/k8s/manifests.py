"""The overlays as the cluster would receive them: rendered by the real kustomize (infra/k8s/tools.sh
builds it), and the schemas to check them with: Kubernetes' own (kubernetes-validate) and the
operators' CRDs (infra/k8s/crds/README.md)."""

from __future__ import annotations

import copy
import functools
import json
import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
OVERLAYS = ("dev", "prod")
TOOLS = Path(os.environ.get("LIAISON_TOOLS_DIR", ROOT / "var" / "tools"))


@functools.cache
def tools() -> dict[str, Path]:
    """Builds kustomize, writes Strimzi's CRDs and installs CloudNativePG's schema package once (seconds
    when already there)."""
    subprocess.run([str(K8S / "tools.sh")], check=True, timeout=900)
    (kustomize,) = TOOLS.glob("kustomize-*/kustomize")
    (strimzi,) = TOOLS.glob("strimzi-crds-*")
    (cnpg,) = TOOLS.glob("cnpg-models-*")
    return {"kustomize": kustomize, "strimzi": strimzi, "cnpg": cnpg}


@functools.cache
def render(overlay: str) -> tuple[dict, ...]:
    result = subprocess.run(
        [str(tools()["kustomize"]), "build", str(K8S / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def of_kind(objects, kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


@functools.cache
def crd_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> a JSON Schema made from the CRD's openAPIV3Schema."""
    schemas = {}
    for path in sorted(tools()["strimzi"].glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                api = f"{crd['spec']['group']}/{version['name']}"
                schemas[(api, crd["spec"]["names"]["kind"])] = structural(version["schema"]["openAPIV3Schema"])
    subset = yaml.safe_load((K8S / "crds" / "cloudnative-pg-cluster.subset.yaml").read_text())
    schemas[(subset["apiVersion"], subset["kind"])] = structural(subset["openAPIV3Schema"])
    return schemas


def published_cnpg_errors(clusters: list[dict]) -> list[list[str]]:
    """Each Cluster's errors against CloudNativePG's published schema: the npm package
    @kubernetes-models/cloudnative-pg (generated from the operator's API types: types, enums, required
    fields), run by node (infra/k8s/crds/cloudnative-pg/validate.mjs). Unknown fields are the subset's
    to refuse (`crd_schemas`)."""
    result = subprocess.run(
        ["node", str(tools()["cnpg"] / "validate.mjs")],
        input=json.dumps(clusters),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout)


def published_cnpg_crd_schema() -> dict | None:
    """The CloudNativePG release's own Cluster CRD too, when LIAISON_CNPG_CRD names its file."""
    path = os.environ.get("LIAISON_CNPG_CRD")
    if not path:
        return None
    crd = yaml.safe_load(Path(path).read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    return structural(version["schema"]["openAPIV3Schema"])


def structural(schema: dict) -> dict:
    """The API server prunes fields a CRD does not declare; a check should refuse them instead, or a
    typo passes here and silently vanishes there. Int-or-string fields take either."""
    schema = copy.deepcopy(schema)

    def visit(node: dict) -> None:
        if node.get("x-kubernetes-int-or-string"):
            node.pop("type", None)
            node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        closed = not node.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in node
        if node.get("type") == "object" and "properties" in node and closed:
            node["additionalProperties"] = False
        for child in node.get("properties", {}).values():
            visit(child)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                visit(node[key])
        for key in ("anyOf", "oneOf", "allOf"):
            for child in node.get(key, []):
                visit(child)

    visit(schema)
    # metadata is Kubernetes' own ObjectMeta, checked by the API server, not by the CRD.
    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
    return schema
