// Validates a Grafana dashboard offline: the JSON parses, it has a title, a uid and panels, every panel queries
// Prometheus, and every metric a panel's expr names exists: either declared in src/ with prometheus-net
// (Metrics.CreateCounter/Gauge/Histogram/Summary("name", …); a histogram also gives name_bucket/_sum/_count, a
// summary name_sum/_count) or listed in grafana/runtime-metrics.txt (prometheus-net's process/.NET series, checked
// against a real scrape by MetricsTests). A typo in a metric name is an error here, not an empty panel in production.
// Usage: node dashboard.mjs <dashboard.json> [<repo root>]     Exit status 1 and one line per problem.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// Families whose names panels use; a token with one of these prefixes in an expr is a metric reference.
const PREFIXES = ["expecto_", "process_", "dotnet_"];

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === "bin" || name === "obj" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".cs")) out.push(path);
  }
  return out;
}

/** Every metric name a node can serve: declared in src/ plus the runtime list. */
export function knownMetrics(root) {
  const known = new Set();
  const declaration = /Metrics\s*\.\s*Create(Counter|Gauge|Histogram|Summary)\s*\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g;
  for (const file of sourceFiles(join(root, "src"))) {
    for (const m of readFileSync(file, "utf8").matchAll(declaration)) {
      const [, kind, name] = m;
      known.add(name);
      if (kind === "Histogram") for (const s of ["_bucket", "_sum", "_count"]) known.add(name + s);
      if (kind === "Summary") for (const s of ["_sum", "_count"]) known.add(name + s);
    }
  }
  for (const line of readFileSync(join(root, "k8s", "grafana", "runtime-metrics.txt"), "utf8").split("\n")) {
    const name = line.trim();
    if (name && !name.startsWith("#")) known.add(name);
  }
  return known;
}

function panelsOf(dashboard) {
  const out = [];
  for (const p of dashboard.panels ?? []) {
    out.push(p);
    for (const nested of p.panels ?? []) out.push(nested); // collapsed rows hold their panels
  }
  return out;
}

/** Every problem of the dashboard text, as lines. */
export function dashboardErrors(text, known) {
  let dashboard;
  try {
    dashboard = JSON.parse(text);
  } catch (e) {
    return [`not valid JSON: ${e.message}`];
  }
  const errors = [];
  if (typeof dashboard.title !== "string" || !dashboard.title) errors.push("the dashboard needs a title");
  if (typeof dashboard.uid !== "string" || !dashboard.uid) errors.push("the dashboard needs a uid");
  const panels = panelsOf(dashboard).filter((p) => p.type !== "row" && p.type !== "text");
  if (panels.length === 0) errors.push("the dashboard has no panels");
  const ids = new Set();
  for (const p of panels) {
    const where = `panel ${JSON.stringify(p.title ?? p.id)}`;
    if (ids.has(p.id)) errors.push(`${where}: duplicate id ${p.id}`);
    ids.add(p.id);
    const targets = p.targets ?? [];
    if (targets.length === 0) errors.push(`${where}: no query`);
    for (const t of targets) {
      if (typeof t.expr !== "string" || !t.expr.trim()) {
        errors.push(`${where}: target ${t.refId ?? "?"} has no expr`);
        continue;
      }
      // Label values and legends ("{{pod}}") are not metric names: drop quoted strings before scanning.
      const bare = t.expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
      const names = [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((n) => PREFIXES.some((x) => n.startsWith(x)));
      if (names.length === 0) errors.push(`${where}: expr ${JSON.stringify(t.expr)} names no metric`);
      for (const n of names) if (!known.has(n)) errors.push(`${where}: expr names ${n}, which no role exports`);
    }
  }
  return errors;
}

async function main(argv) {
  const [file, root = join(here, "..", "..")] = argv;
  if (!file) {
    console.error("usage: node dashboard.mjs <dashboard.json> [<repo root>]");
    return 2;
  }
  const known = knownMetrics(root);
  const errors = dashboardErrors(readFileSync(file, "utf8"), known);
  for (const e of errors) console.error(`  ✗ ${e}`);
  console.log(`${file}: ${errors.length === 0 ? "valid" : `${errors.length} problem(s)`} (${known.size} known metric names)`);
  return errors.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
