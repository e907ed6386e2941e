// Validates rendered Kubernetes manifests offline:
//  1. schema: every object against the built-in Kubernetes OpenAPI schemas (kubernetes-models; an apiVersion/kind
//     it does not know is not a built-in kind and is rejected);
//  2. the deployment contract of ExPecto.Cluster (labels, probes, preStop leave, non-root, read-only root with
//     /tmp on an emptyDir, capabilities dropped, remoting TLS on every member where the profile asks,
//     seed bootstrap through the headless Service, GPU scheduling, PDBs, NetworkPolicies, RBAC, Secret refs).
// Usage: node validate.mjs --profile <dev-cpu|gpu> rendered.yaml    (whole overlay)
//        node validate.mjs --objects-only file.yaml                 (per-object checks only; for fixtures)
// Exit status 1 and one line per problem when anything is wrong.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export const PROFILES = {
  "dev-cpu": { gpu: false, tls: false, externalSecrets: [] },
  gpu: { gpu: true, tls: true, externalSecrets: ["expecto-admin-token", "expecto-postgres", "expecto-cluster-tls"] },
};

const MEMBER_COMPONENTS = ["seed", "coordinator", "worker"];
const LONG_RUNNING = ["Deployment", "StatefulSet", "DaemonSet"];
const WORKLOADS = [...LONG_RUNNING, "Job", "CronJob"];
const LEAVE = "expecto admin 127.0.0.1:9110 cluster leave";
const REMOTING_PORT = 4053;
const TLS_SECRET = "expecto-cluster-tls";
const TLS_ENV = ["EXPECTO_CLUSTER__TLS__ENABLED", "EXPECTO_CLUSTER__TLS__CERTIFICATEPATH", "EXPECTO_CLUSTER__TLS__CACERTIFICATEPATH"];
const ADMIN_PORT = 9110;

export function parseObjects(text) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value != null) objects.push(value);
  }
  return objects;
}

const describe = (o) => `${o?.kind ?? "?"}/${o?.metadata?.name ?? "?"}`;

/** Schema errors of one object; an unknown apiVersion/kind is not a built-in kind. */
export async function schemaErrors(obj) {
  if (typeof obj?.apiVersion !== "string" || typeof obj?.kind !== "string")
    return [`${describe(obj)}: apiVersion and kind are required`];
  let mod;
  try {
    mod = await import(`kubernetes-models/${obj.apiVersion}`);
  } catch {
    return [`${describe(obj)}: apiVersion ${obj.apiVersion} is not a built-in Kubernetes API`];
  }
  const Model = mod[obj.kind];
  if (typeof Model !== "function") return [`${describe(obj)}: ${obj.apiVersion} ${obj.kind} is not a built-in Kubernetes kind`];
  // kustomize wraps long base64 values at 76 columns; the API server's decoder ignores the line breaks.
  if (obj.kind === "Secret" && obj.data)
    obj = { ...obj, data: Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, String(v).replace(/\s+/g, "")])) };
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [`${describe(obj)}: schema: ${String(e.message).split("\n")[0]}`];
  }
}

export function podSpecOf(o) {
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

export function podLabelsOf(o) {
  if (o.kind === "CronJob") return o.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
  return o.spec?.template?.metadata?.labels ?? {};
}

const allContainers = (spec) => [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
const command = (c) => [...(c?.command ?? []), ...(c?.args ?? [])].join(" ");

/** Contract checks that concern one object alone. */
export function objectErrors(o) {
  const errors = [];
  const at = describe(o);
  if (WORKLOADS.includes(o.kind)) {
    const component = o.metadata?.labels?.["app.kubernetes.io/component"];
    if (!component) errors.push(`${at}: label app.kubernetes.io/component is missing`);
    if (podLabelsOf(o)["app.kubernetes.io/component"] !== component)
      errors.push(`${at}: pod template label app.kubernetes.io/component must equal the workload's (${component})`);
    const spec = podSpecOf(o);
    if (!spec) return [...errors, `${at}: no pod template`];
    const pod = spec.securityContext ?? {};
    for (const c of allContainers(spec)) {
      const sc = c.securityContext ?? {};
      const where = `${at} container ${c.name}`;
      if (!(sc.runAsNonRoot === true || (pod.runAsNonRoot === true && sc.runAsNonRoot !== false)))
        errors.push(`${where}: runAsNonRoot must be true`);
      if ((sc.runAsUser ?? pod.runAsUser) === 0) errors.push(`${where}: runAsUser must not be 0`);
      if (sc.readOnlyRootFilesystem !== true) errors.push(`${where}: readOnlyRootFilesystem must be true`);
      if (sc.allowPrivilegeEscalation !== false) errors.push(`${where}: allowPrivilegeEscalation must be false`);
      if (sc.privileged === true) errors.push(`${where}: privileged is not allowed`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) errors.push(`${where}: capabilities must drop ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) errors.push(`${where}: capabilities must not add any (${sc.capabilities.add.join(", ")})`);
      // A read-only root leaves /tmp (the .NET runtime, ASP.NET Core, SQLite temp files) writable only through a volume.
      const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
      if (!tmp || !volumes.get(tmp.name)?.emptyDir) errors.push(`${where}: /tmp must be an emptyDir volume (the root filesystem is read-only)`);
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name) && !(o.spec?.volumeClaimTemplates ?? []).some((t) => t.metadata?.name === m.name))
          errors.push(`${where}: volumeMount ${m.name} names no volume`);
        if (volumes.get(m.name)?.secret && m.readOnly !== true) errors.push(`${where}: Secret volume ${m.name} must be mounted readOnly`);
      }
    }
    if (LONG_RUNNING.includes(o.kind)) {
      for (const c of spec.containers ?? []) {
        const where = `${at} container ${c.name}`;
        if (!c.readinessProbe) errors.push(`${where}: readinessProbe is missing`);
        if (!c.livenessProbe) errors.push(`${where}: livenessProbe is missing`);
        if (MEMBER_COMPONENTS.includes(component)) {
          if (c.readinessProbe?.httpGet?.path !== "/readyz") errors.push(`${where}: readinessProbe must be HTTP GET /readyz`);
          if (c.livenessProbe?.httpGet?.path !== "/healthz") errors.push(`${where}: livenessProbe must be HTTP GET /healthz`);
          if (!command(c.lifecycle?.preStop?.exec).includes(LEAVE))
            errors.push(`${where}: preStop must run \`${LEAVE}\``);
          if (podLabelsOf(o)["expecto.io/cluster-member"] !== "true")
            errors.push(`${at}: cluster members carry the pod label expecto.io/cluster-member=true (NetworkPolicy)`);
        }
      }
    } else {
      const job = o.kind === "CronJob" ? o.spec?.jobTemplate?.spec : o.spec;
      if (!(job?.activeDeadlineSeconds > 0)) errors.push(`${at}: run-to-completion pods need activeDeadlineSeconds (they have no probes)`);
    }
  }
  if (o.kind === "Role" || o.kind === "ClusterRole") {
    for (const rule of o.rules ?? []) {
      for (const field of ["verbs", "resources", "apiGroups"])
        if ((rule[field] ?? []).includes("*")) errors.push(`${at}: wildcard in ${field} is not least privilege`);
      if ((rule.resources ?? []).includes("secrets")) errors.push(`${at}: access to secrets is not needed`);
    }
  }
  if (o.kind === "ServiceAccount" && o.automountServiceAccountToken !== false)
    errors.push(`${at}: automountServiceAccountToken must be false (nothing uses the API)`);
  return errors;
}

const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

const byComponent = (objects, kind, component) =>
  objects.filter((o) => o.kind === kind && o.metadata?.labels?.["app.kubernetes.io/component"] === component);

/** Contract checks across the rendered overlay. */
export function overlayErrors(objects, profile) {
  const errors = [];
  const services = objects.filter((o) => o.kind === "Service");
  const headless = (name, podLabels, role) => {
    const svc = services.find((s) => s.metadata?.name === name);
    if (!svc) return [`StatefulSet ${role}: serviceName ${name} names no Service`];
    const e = [];
    if (svc.spec?.clusterIP !== "None") e.push(`Service/${name}: must be headless (clusterIP: None) for stable pod DNS`);
    if (!matches(svc.spec?.selector, podLabels)) e.push(`Service/${name}: selector does not select the ${role} pods`);
    return e;
  };

  for (const [component, kind] of [["seed", "StatefulSet"], ["coordinator", "StatefulSet"], ["worker", "Deployment"]]) {
    const found = byComponent(objects, kind, component);
    if (found.length !== 1) errors.push(`expected one ${kind} with app.kubernetes.io/component=${component}, found ${found.length}`);
  }
  const [seed] = byComponent(objects, "StatefulSet", "seed");
  if (seed) {
    errors.push(...headless(seed.spec?.serviceName, podLabelsOf(seed), "seed"));
    const svc = services.find((s) => s.metadata?.name === seed.spec?.serviceName);
    if (svc && svc.spec?.publishNotReadyAddresses !== true)
      errors.push(`Service/${svc.metadata.name}: publishNotReadyAddresses must be true (seeds resolve before they are ready)`);
    const seedDns = `${seed.metadata.name}-0.${seed.spec?.serviceName}.`;
    for (const w of objects.filter((o) => LONG_RUNNING.includes(o.kind) && MEMBER_COMPONENTS.includes(o.metadata?.labels?.["app.kubernetes.io/component"]))) {
      for (const c of podSpecOf(w)?.containers ?? []) {
        const env = (c.env ?? []).map((e) => String(e.value ?? "")).join(" ");
        if (!env.includes(seedDns)) errors.push(`${describe(w)} container ${c.name}: seed nodes must use the seed DNS names (${seedDns}…)`);
      }
    }
  }
  const [coordinator] = byComponent(objects, "StatefulSet", "coordinator");
  if (coordinator) errors.push(...headless(coordinator.spec?.serviceName, podLabelsOf(coordinator), "coordinator"));

  const workers = byComponent(objects, "Deployment", "worker");
  for (const w of workers) {
    const spec = podSpecOf(w);
    for (const c of spec?.containers ?? []) {
      const gpus = Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0);
      if (profile.gpu && !(gpus >= 1)) errors.push(`${describe(w)} container ${c.name}: the gpu overlay needs a nvidia.com/gpu limit`);
      if (!profile.gpu && gpus > 0) errors.push(`${describe(w)} container ${c.name}: the CPU overlay must not ask for nvidia.com/gpu`);
    }
    if (profile.gpu) {
      if (!(spec?.tolerations ?? []).some((t) => t.key === "nvidia.com/gpu")) errors.push(`${describe(w)}: the gpu overlay needs a nvidia.com/gpu toleration`);
      if (Object.keys(spec?.nodeSelector ?? {}).length === 0) errors.push(`${describe(w)}: the gpu overlay needs a nodeSelector for GPU nodes`);
    }
  }

  const pdbs = objects.filter((o) => o.kind === "PodDisruptionBudget");
  for (const component of MEMBER_COMPONENTS) {
    const target = objects.find((o) => LONG_RUNNING.includes(o.kind) && o.metadata?.labels?.["app.kubernetes.io/component"] === component);
    if (target && !pdbs.some((p) => Object.keys(p.spec?.selector?.matchLabels ?? {}).length > 0 && matches(p.spec.selector.matchLabels, podLabelsOf(target))))
      errors.push(`no PodDisruptionBudget selects the ${component} pods`);
  }

  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  if (!policies.some((p) => Object.keys(p.spec?.podSelector ?? {}).length === 0 && (p.spec?.policyTypes ?? []).includes("Ingress") && !(p.spec?.ingress?.length)))
    errors.push("no default-deny ingress NetworkPolicy");
  // A rule without ports on cluster members opens every port (remoting and admin included) to its sources.
  for (const p of policies.filter((p) => matches(p.spec?.podSelector?.matchLabels, { "expecto.io/cluster-member": "true" })))
    for (const r of p.spec?.ingress ?? [])
      if (!(r.ports?.length)) errors.push(`NetworkPolicy/${p.metadata?.name}: an ingress rule without ports opens every port of cluster members`);
  const rulesFor = (port) => policies.flatMap((p) => (p.spec?.ingress ?? []).filter((r) => (r.ports ?? []).some((x) => x.port === port)));
  for (const p of policies.filter((p) => (p.spec?.ingress ?? []).some((r) => (r.ports ?? []).some((x) => x.port === REMOTING_PORT || x.port === ADMIN_PORT))))
    if (p.spec?.podSelector?.matchLabels?.["expecto.io/cluster-member"] !== "true")
      errors.push(`NetworkPolicy/${p.metadata?.name}: a policy opening ${REMOTING_PORT} or ${ADMIN_PORT} must select only cluster members (expecto.io/cluster-member=true)`);
  const remoting = rulesFor(REMOTING_PORT);
  if (remoting.length === 0) errors.push(`no NetworkPolicy admits the remoting port ${REMOTING_PORT}`);
  for (const r of remoting)
    if (!(r.from?.length) || r.from.some((f) => f.ipBlock || f.namespaceSelector || !f.podSelector?.matchLabels?.["expecto.io/cluster-member"]))
      errors.push(`NetworkPolicy: remoting port ${REMOTING_PORT} must be open only to cluster members`);
  const admin = rulesFor(ADMIN_PORT);
  if (admin.length === 0) errors.push(`no NetworkPolicy admits the admin port ${ADMIN_PORT}`);
  for (const r of admin)
    if (!(r.from?.length) || r.from.some((f) => f.ipBlock || (!f.podSelector?.matchLabels?.["expecto.io/operator"]
        && !f.namespaceSelector?.matchLabels?.["expecto.io/operators"] && !f.namespaceSelector?.matchLabels?.["expecto.io/monitoring"])))
      errors.push(`NetworkPolicy: admin port ${ADMIN_PORT} must be open only to operators and monitoring namespaces`);

  // Remoting TLS: all members or none (a mixed cluster cannot talk), and required where the profile says so.
  const members = objects.filter((o) => LONG_RUNNING.includes(o.kind) && MEMBER_COMPONENTS.includes(o.metadata?.labels?.["app.kubernetes.io/component"]));
  const tlsOf = (w) => {
    const spec = podSpecOf(w) ?? {};
    return (spec.containers ?? []).map((c) => {
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
      const where = `${describe(w)} container ${c.name}`;
      const e = [];
      if (env.EXPECTO_CLUSTER__TLS__ENABLED !== "true") return { on: false, where, errors: e };
      for (const name of TLS_ENV) if (!env[name]) e.push(`${where}: TLS needs ${name}`);
      const mount = (c.volumeMounts ?? []).find((m) => (spec.volumes ?? []).some((v) => v.name === m.name && v.secret?.secretName === TLS_SECRET));
      if (!mount) e.push(`${where}: TLS needs the Secret ${TLS_SECRET} mounted`);
      else for (const name of TLS_ENV.slice(1)) if (env[name] && !env[name].startsWith(mount.mountPath + "/")) e.push(`${where}: ${name} must point into the ${TLS_SECRET} mount ${mount.mountPath}`);
      const pinned = (c.env ?? []).filter((x) => String(x.value ?? "").startsWith("akka.tcp://"));
      if (pinned.length) e.push(`${where}: with TLS the seeds must not be akka.tcp:// addresses (${pinned[0].name}); use host:port`);
      return { on: true, where, errors: e };
    });
  };
  const tls = members.flatMap(tlsOf);
  for (const t of tls) errors.push(...t.errors);
  if (tls.some((t) => t.on) && tls.some((t) => !t.on))
    errors.push(`remoting TLS must be on for every cluster member or none; off in: ${tls.filter((t) => !t.on).map((t) => t.where).join(", ")}`);
  if (profile.tls && tls.some((t) => !t.on)) errors.push("this overlay requires remoting TLS (EXPECTO_CLUSTER__TLS__ENABLED=true) on every cluster member");

  // Metrics: every member is scraped on the admin port; with TLS the console serves HTTPS only, so the scrape
  // scheme and the probes must say so (an HTTP probe of an HTTPS port fails and restarts the pod forever).
  for (const w of members) {
    const annotations = w.spec?.template?.metadata?.annotations ?? {};
    const where = describe(w);
    if (annotations["prometheus.io/scrape"] !== "true") errors.push(`${where}: pods need the annotation prometheus.io/scrape: "true"`);
    if (annotations["prometheus.io/port"] !== String(ADMIN_PORT)) errors.push(`${where}: pods need the annotation prometheus.io/port: "${ADMIN_PORT}"`);
    if (annotations["prometheus.io/path"] !== "/metrics") errors.push(`${where}: pods need the annotation prometheus.io/path: /metrics`);
    const tlsOn = tlsOf(w).some((t) => t.on);
    const scheme = annotations["prometheus.io/scheme"] ?? "http";
    if (tlsOn && scheme !== "https") errors.push(`${where}: with TLS the admin console serves HTTPS: prometheus.io/scheme must be https`);
    if (!tlsOn && scheme !== "http") errors.push(`${where}: without TLS the admin console serves HTTP: prometheus.io/scheme must be http or absent`);
    for (const c of podSpecOf(w)?.containers ?? [])
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        const get = c[probe]?.httpGet;
        if (get && (get.scheme ?? "HTTP") !== (tlsOn ? "HTTPS" : "HTTP"))
          errors.push(`${where} container ${c.name}: ${probe} must use scheme ${tlsOn ? "HTTPS" : "HTTP"} (the admin console ${tlsOn ? "serves HTTPS with remoting TLS" : "serves HTTP"})`);
      }
  }

  if (!objects.some((o) => o.kind === "CronJob" && (podSpecOf(o)?.containers ?? []).some((c) => /expecto admin .* schedule run-now/.test(command(c)))))
    errors.push("no CronJob triggers `expecto admin … schedule run-now`");

  const secrets = new Set(objects.filter((o) => o.kind === "Secret").map((o) => o.metadata?.name));
  const configMaps = new Set(objects.filter((o) => o.kind === "ConfigMap").map((o) => o.metadata?.name));
  for (const w of objects.filter((o) => WORKLOADS.includes(o.kind))) {
    const spec = podSpecOf(w) ?? {};
    const secretRefs = (spec.volumes ?? []).filter((v) => v.secret).map((v) => v.secret.secretName);
    const configRefs = (spec.volumes ?? []).filter((v) => v.configMap).map((v) => v.configMap.name);
    for (const c of allContainers(spec)) {
      for (const e of c.env ?? []) {
        if (e.valueFrom?.secretKeyRef) secretRefs.push(e.valueFrom.secretKeyRef.name);
        if (e.valueFrom?.configMapKeyRef) configRefs.push(e.valueFrom.configMapKeyRef.name);
      }
      for (const e of c.envFrom ?? []) {
        if (e.secretRef) secretRefs.push(e.secretRef.name);
        if (e.configMapRef) configRefs.push(e.configMapRef.name);
      }
    }
    for (const s of secretRefs)
      if (!secrets.has(s) && !profile.externalSecrets.includes(s)) errors.push(`${describe(w)}: Secret ${s} is neither rendered nor declared external`);
    for (const m of configRefs) if (!configMaps.has(m)) errors.push(`${describe(w)}: ConfigMap ${m} is not rendered`);
  }

  const namespaces = objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata?.name);
  if (namespaces.length !== 1) errors.push(`expected one Namespace, found ${namespaces.length}`);
  for (const o of objects)
    if (o.kind !== "Namespace" && o.metadata?.namespace !== namespaces[0]) errors.push(`${describe(o)}: not in namespace ${namespaces[0]}`);
  return errors;
}

/** Every error of a rendered overlay (profile given) or of loose objects (profile null). */
export async function validate(objects, profile) {
  const errors = [];
  for (const o of objects) errors.push(...(await schemaErrors(o)), ...objectErrors(o));
  if (profile) errors.push(...overlayErrors(objects, profile));
  return errors;
}

async function main(argv) {
  let profile = null;
  let file = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--profile") profile = argv[++i];
    else if (argv[i] === "--objects-only") profile = "";
    else file = argv[i];
  }
  if (!file || profile === null || (profile && !PROFILES[profile])) {
    console.error(`usage: node validate.mjs (--profile ${Object.keys(PROFILES).join("|")} | --objects-only) <rendered.yaml>`);
    return 2;
  }
  const objects = parseObjects(readFileSync(file, "utf8"));
  const errors = await validate(objects, profile ? PROFILES[profile] : null);
  for (const e of errors) console.error(`  ✗ ${e}`);
  console.log(`${file}: ${objects.length} objects, ${errors.length === 0 ? "valid" : `${errors.length} problem(s)`}`);
  return errors.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
