// CloudNativePG's published Cluster schema, as kubernetes-models generates it from the operator's Go API
// types (its enums, types and required fields), applied to the objects tests/k8s renders.
// stdin: a JSON array of Cluster objects; stdout: a JSON array holding each one's errors ("path: message").
import { Cluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const results = objects.map((object) => {
  try {
    new Cluster(object).validate();
    return [];
  } catch (error) {
    const found = error.errors ?? [{ instancePath: "", message: String(error) }];
    return found.map((e) => `${e.instancePath}: ${e.message}`);
  }
});
process.stdout.write(JSON.stringify(results));
