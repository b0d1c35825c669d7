"""Every object each overlay renders is valid: built-in kinds against Kubernetes' schemas (strict:
unknown fields are errors), custom resources against their operators' CRD schemas."""

from __future__ import annotations

from collections import Counter

import jsonschema
import kubernetes_validate
import pytest

from tests.k8s.manifests import OVERLAYS, crd_schemas, published_cnpg_crd_schema, published_cnpg_errors, render

# The oldest Kubernetes the manifests promise to work on (matchLabelKeys in pod affinity), and the newest
# the schemas know.
KUBERNETES_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())
CUSTOM_GROUPS = ("kafka.strimzi.io/", "postgresql.cnpg.io/")


def errors_against(schema: dict, obj: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_built_in_objects_match_the_kubernetes_schemas(overlay):
    checked = Counter()
    for obj in render(overlay):
        if obj["apiVersion"].startswith(CUSTOM_GROUPS):
            continue
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{overlay}: {obj['kind']}/{obj['metadata']['name']} on {version}: {exc.message}")
        checked[obj["kind"]] += 1
    print(f"\n{overlay}: {sum(checked.values())} Kubernetes objects valid on {KUBERNETES_VERSIONS}: {dict(checked)}")
    assert checked["Deployment"] == 4 and checked["Job"] == 4 and checked["NetworkPolicy"] >= 10


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_match_their_operators_crds(overlay):
    schemas = crd_schemas()
    checked = Counter()
    for obj in render(overlay):
        if not obj["apiVersion"].startswith(CUSTOM_GROUPS):
            continue
        key = (obj["apiVersion"], obj["kind"])
        assert key in schemas, f"no CRD schema for {key}: infra/k8s/crds/README.md"
        assert not errors_against(schemas[key], obj), (obj["metadata"]["name"], errors_against(schemas[key], obj))
        checked[obj["kind"]] += 1
    print(f"\n{overlay}: {sum(checked.values())} custom resources valid against their CRDs: {dict(checked)}")
    assert checked["Kafka"] == 1 and checked["KafkaTopic"] == 8 and checked["KafkaUser"] == 6
    assert checked["Cluster"] == 4


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_postgres_clusters_match_the_published_cloudnative_pg_schema(overlay):
    clusters = [obj for obj in render(overlay) if obj["kind"] == "Cluster"]
    errors = published_cnpg_errors(clusters)
    assert len(clusters) == 4 and errors == [[]] * 4, errors
    print(f"\n{overlay}: {len(clusters)} CloudNativePG Clusters valid against @kubernetes-models/cloudnative-pg")
    crd = published_cnpg_crd_schema()  # the release's CRD file as well, where one is at hand
    for obj in clusters if crd is not None else ():
        assert not errors_against(crd, obj), errors_against(crd, obj)


def test_the_crd_check_refuses_what_the_api_server_would_silently_drop():
    # Proves the check can fail: a misspelt field, a wrong type, a value outside an enum.
    schemas = crd_schemas()
    (kafka,) = [o for o in render("dev") if o["kind"] == "Kafka"]
    (user,) = [o for o in render("dev") if o["kind"] == "KafkaUser" and o["metadata"]["name"] == "liaison-partners"]
    (cluster,) = [o for o in render("dev") if o["kind"] == "Cluster" and o["metadata"]["name"] == "partners-db"]
    typo = {**kafka, "spec": {**kafka["spec"], "kafka": {**kafka["spec"]["kafka"], "listener": []}}}
    assert errors_against(schemas[("kafka.strimzi.io/v1", "Kafka")], typo)
    bad_acl = {
        **user,
        "spec": {**user["spec"], "authorization": {"type": "simple", "acls": [{"operations": ["Steal"]}]}},
    }
    assert errors_against(schemas[("kafka.strimzi.io/v1", "KafkaUser")], bad_acl)
    wrong_type = {**cluster, "spec": {**cluster["spec"], "instances": "three"}}
    assert errors_against(schemas[("postgresql.cnpg.io/v1", "Cluster")], wrong_type)
    no_such_strategy = {**cluster, "spec": {**cluster["spec"], "primaryUpdateStrategy": "whenever"}}
    assert published_cnpg_errors([wrong_type, no_such_strategy]) == [
        ["/spec/instances: must be integer"],
        ["/spec/primaryUpdateStrategy: must be equal to one of the allowed values"],
    ]
    (service,) = [o for o in render("dev") if o["kind"] == "Service" and o["metadata"]["name"] == "gateway"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate({**service, "spec": {**service["spec"], "port": 80}}, "1.31.0", strict=True)
