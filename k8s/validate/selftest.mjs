// Proves the validator fails on wrong manifests: each case breaks one thing in a rendered, valid overlay and
// expects the matching error; each fixtures/broken-*.yaml holds a deliberately broken object whose first line
// states the error it must produce (`# expect: <regex>`). Usage: node selftest.mjs <rendered-dev-cpu.yaml> <rendered-gpu.yaml>
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseObjects, podSpecOf, validate, PROFILES } from "./validate.mjs";
import { dashboardErrors, knownMetrics } from "./dashboard.mjs";

const [devFile, gpuFile] = process.argv.slice(2);
if (!devFile || !gpuFile) {
  console.error("usage: node selftest.mjs <rendered-dev-cpu.yaml> <rendered-gpu.yaml>");
  process.exit(2);
}
const rendered = { "dev-cpu": parseObjects(readFileSync(devFile, "utf8")), gpu: parseObjects(readFileSync(gpuFile, "utf8")) };
const find = (objs, kind, component) => objs.find((o) => o.kind === kind && o.metadata?.labels?.["app.kubernetes.io/component"] === component);
const container = (objs, kind, component) => podSpecOf(find(objs, kind, component)).containers[0];

const cases = [
  ["gpu", "the GPU worker without its nvidia.com/gpu limit", (o) => delete container(o, "Deployment", "worker").resources.limits["nvidia.com/gpu"], /nvidia\.com\/gpu limit/],
  ["gpu", "the GPU worker without tolerations", (o) => delete podSpecOf(find(o, "Deployment", "worker")).tolerations, /toleration/],
  ["dev-cpu", "a CPU worker asking for a GPU", (o) => (container(o, "Deployment", "worker").resources.limits["nvidia.com/gpu"] = 1), /must not ask for nvidia\.com\/gpu/],
  ["dev-cpu", "the seed StatefulSet pointing at a missing Service", (o) => (find(o, "StatefulSet", "seed").spec.serviceName = "expecto-seeds"), /serviceName expecto-seeds names no Service/],
  ["dev-cpu", "the seed Service not headless", (o) => (o.find((x) => x.kind === "Service" && x.metadata.name === "expecto-seed").spec.clusterIP = "10.0.0.10"), /must be headless/],
  ["gpu", "the coordinator without a readiness probe", (o) => delete container(o, "StatefulSet", "coordinator").readinessProbe, /readinessProbe is missing/],
  ["gpu", "the worker liveness probe on the wrong path", (o) => (container(o, "Deployment", "worker").livenessProbe.httpGet.path = "/"), /livenessProbe must be HTTP GET \/healthz/],
  ["dev-cpu", "the database without probes", (o) => delete container(o, "StatefulSet", "database").livenessProbe, /postgres: livenessProbe is missing/],
  ["dev-cpu", "the seed with a writable root filesystem", (o) => (container(o, "StatefulSet", "seed").securityContext.readOnlyRootFilesystem = false), /readOnlyRootFilesystem must be true/],
  ["gpu", "the worker allowed to run as root", (o) => { podSpecOf(find(o, "Deployment", "worker")).securityContext.runAsNonRoot = false; delete container(o, "Deployment", "worker").securityContext.runAsNonRoot; }, /runAsNonRoot must be true/],
  ["gpu", "the CronJob running as uid 0", (o) => (podSpecOf(find(o, "CronJob", "scheduler")).securityContext.runAsUser = 0), /runAsUser must not be 0/],
  ["dev-cpu", "the worker without its component label", (o) => delete find(o, "Deployment", "worker").metadata.labels["app.kubernetes.io/component"], /component/],
  ["gpu", "the seed without its preStop leave", (o) => delete container(o, "StatefulSet", "seed").lifecycle, /preStop must run/],
  ["gpu", "workers seeded by IP instead of the seed DNS names", (o) => container(o, "Deployment", "worker").env.filter((e) => e.name === "EXPECTO_CLUSTER__SEEDS").forEach((e) => (e.value = "10.0.0.1:4053,10.0.0.2:4053")), /seed DNS names/],
  ["gpu", "a Role with a wildcard verb", (o) => (o.find((x) => x.kind === "Role").rules = [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }]), /wildcard in verbs/],
  ["gpu", "remoting opened to every namespace", (o) => o.find((x) => x.metadata.name === "expecto-remoting").spec.ingress[0].from.push({ namespaceSelector: {} }), /only to cluster members/],
  ["gpu", "no PodDisruptionBudget for workers", (o) => o.splice(o.findIndex((x) => x.kind === "PodDisruptionBudget" && x.metadata.name === "expecto-worker"), 1), /no PodDisruptionBudget selects the worker pods/],
  ["gpu", "a replica count that is not an integer", (o) => (find(o, "Deployment", "worker").spec.replicas = "two"), /schema: .*replicas must be integer/],
  ["gpu", "a Secret reference nobody provides", (o) => (podSpecOf(find(o, "StatefulSet", "seed")).volumes[0].secret.secretName = "nope"), /Secret nope is neither rendered nor declared external/],
  ["gpu", "the coordinator keeping its capabilities", (o) => delete container(o, "StatefulSet", "coordinator").securityContext.capabilities, /capabilities must drop ALL/],
  ["dev-cpu", "the worker adding NET_ADMIN", (o) => (container(o, "Deployment", "worker").securityContext.capabilities.add = ["NET_ADMIN"]), /must not add any/],
  ["gpu", "the worker allowed to escalate privileges", (o) => (container(o, "Deployment", "worker").securityContext.allowPrivilegeEscalation = true), /allowPrivilegeEscalation must be false/],
  ["dev-cpu", "the seed without a writable /tmp", (o) => { const c = container(o, "StatefulSet", "seed"); c.volumeMounts = c.volumeMounts.filter((m) => m.mountPath !== "/tmp"); }, /\/tmp must be an emptyDir/],
  ["gpu", "the admin token mounted writable", (o) => (container(o, "StatefulSet", "seed").volumeMounts.find((m) => m.name === "admin-token").readOnly = false), /must be mounted readOnly/],
  ["gpu", "a rule without ports on cluster members", (o) => delete o.find((x) => x.metadata.name === "expecto-admin").spec.ingress[0].ports, /without ports opens every port/],
  ["gpu", "the remoting policy selecting every pod", (o) => (o.find((x) => x.metadata.name === "expecto-remoting").spec.podSelector = {}), /must select only cluster members/],
  ["dev-cpu", "remoting opened to an IP block", (o) => o.find((x) => x.metadata.name === "expecto-remoting").spec.ingress[0].from.push({ ipBlock: { cidr: "0.0.0.0/0" } }), /only to cluster members/],
  ["gpu", "the admin port opened to every pod", (o) => (o.find((x) => x.metadata.name === "expecto-admin").spec.ingress[0].from = [{ podSelector: {} }]), /only to operators/],
  ["gpu", "the worker without remoting TLS", (o) => { const c = container(o, "Deployment", "worker"); c.env = c.env.filter((e) => !e.name.startsWith("EXPECTO_CLUSTER__TLS__")); }, /TLS must be on for every cluster member or none/],
  ["gpu", "TLS without its CA", (o) => { const c = container(o, "StatefulSet", "seed"); c.env = c.env.filter((e) => e.name !== "EXPECTO_CLUSTER__TLS__CACERTIFICATEPATH"); }, /TLS needs EXPECTO_CLUSTER__TLS__CACERTIFICATEPATH/],
  ["gpu", "TLS with the certificate outside the Secret", (o) => (container(o, "StatefulSet", "coordinator").env.find((e) => e.name === "EXPECTO_CLUSTER__TLS__CERTIFICATEPATH").value = "/tmp/node.pfx"), /must point into the expecto-cluster-tls mount/],
  ["gpu", "TLS with akka.tcp seeds", (o) => (container(o, "StatefulSet", "seed").env.find((e) => e.name === "EXPECTO_CLUSTER__SEEDS").value = "akka.tcp://expecto@expecto-seed-0.expecto-seed.expecto.svc.cluster.local:4053"), /must not be akka\.tcp:\/\/ addresses/],
  ["gpu", "the production overlay without TLS anywhere", (o) => o.filter((x) => ["StatefulSet", "Deployment"].includes(x.kind)).forEach((w) => podSpecOf(w).containers.forEach((c) => (c.env = (c.env ?? []).filter((e) => !e.name.startsWith("EXPECTO_CLUSTER__TLS__"))))), /requires remoting TLS/],
  ["dev-cpu", "the seed pods without the scrape annotation", (o) => delete find(o, "StatefulSet", "seed").spec.template.metadata.annotations["prometheus.io/scrape"], /prometheus\.io\/scrape/],
  ["gpu", "the worker scraped on the remoting port", (o) => (find(o, "Deployment", "worker").spec.template.metadata.annotations["prometheus.io/port"] = "4053"), /prometheus\.io\/port: "9110"/],
  ["gpu", "TLS members scraped over plain HTTP", (o) => delete find(o, "StatefulSet", "coordinator").spec.template.metadata.annotations["prometheus.io/scheme"], /prometheus\.io\/scheme must be https/],
  ["gpu", "an HTTP probe of the HTTPS console", (o) => delete container(o, "Deployment", "worker").readinessProbe.httpGet.scheme, /readinessProbe must use scheme HTTPS/],
  ["dev-cpu", "an HTTPS probe of the plain console", (o) => (container(o, "StatefulSet", "seed").livenessProbe.httpGet.scheme = "HTTPS"), /livenessProbe must use scheme HTTP/],
  ["gpu", "metrics opened to every namespace", (o) => (o.find((x) => x.metadata.name === "expecto-metrics").spec.ingress[0].from = [{ namespaceSelector: {} }]), /only to operators and monitoring/],
  ["dev-cpu", "a custom resource kind", (o) => o.push({ apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "x", namespace: "expecto-dev" } }), /not a built-in Kubernetes API/],
];

let failed = 0;
const check = (label, errors, expected) => {
  const hit = errors.some((e) => expected.test(e));
  if (!hit) {
    failed++;
    console.error(`  ✗ ${label}: expected an error matching ${expected}, got ${errors.length ? errors.join(" | ") : "none"}`);
  } else console.log(`  ✓ rejects ${label}`);
};

for (const [overlay, objs] of Object.entries(rendered)) {
  const errors = await validate(objs, PROFILES[overlay]);
  if (errors.length) {
    failed++;
    console.error(`  ✗ the unmodified ${overlay} overlay should be valid: ${errors.join(" | ")}`);
  }
}
for (const [overlay, label, mutate, expected] of cases) {
  const objs = structuredClone(rendered[overlay]);
  mutate(objs);
  check(`${label} (${overlay})`, await validate(objs, PROFILES[overlay]), expected);
}
const here = dirname(fileURLToPath(import.meta.url));
for (const name of readdirSync(join(here, "fixtures")).filter((f) => f.endsWith(".yaml")).sort()) {
  const text = readFileSync(join(here, "fixtures", name), "utf8");
  const expect = /^# expect: (.+)$/m.exec(text);
  if (!expect) {
    failed++;
    console.error(`  ✗ fixtures/${name}: first line must be "# expect: <regex>"`);
    continue;
  }
  check(`fixtures/${name}`, await validate(parseObjects(text), null), new RegExp(expect[1]));
}
// The dashboard check must fail on a broken dashboard: bad JSON, an unknown metric (a typo), a panel without a query.
const known = knownMetrics(join(here, "..", ".."));
const dashboard = JSON.parse(readFileSync(join(here, "..", "grafana", "expecto-dashboard.json"), "utf8"));
const dashboardCases = [
  ["a dashboard that is not JSON", () => "{ not json", /not valid JSON/],
  ["a panel naming a metric nobody exports", (d) => { d.panels[0].targets[0].expr = "rate(expecto_genes_setled_total[5m])"; }, /expecto_genes_setled_total, which no role exports/],
  ["a panel without a query", (d) => { d.panels[1].targets = []; }, /no query/],
  ["a panel whose expr names no metric", (d) => { d.panels[2].targets[0].expr = "vector(1)"; }, /names no metric/],
];
const dashboardAsIs = dashboardErrors(JSON.stringify(dashboard), known);
if (dashboardAsIs.length) {
  failed++;
  console.error(`  ✗ the unmodified dashboard should be valid: ${dashboardAsIs.join(" | ")}`);
}
for (const [label, mutate, expected] of dashboardCases) {
  const d = structuredClone(dashboard);
  const text = mutate(d);
  check(label, dashboardErrors(typeof text === "string" ? text : JSON.stringify(d), known), expected);
}
console.log(failed === 0 ? `selftest: all ${cases.length} mutations and the fixtures were rejected as expected` : `selftest: ${failed} failure(s)`);
process.exitCode = failed === 0 ? 0 : 1;
