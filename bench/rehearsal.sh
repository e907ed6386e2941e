#!/usr/bin/env bash
# Chromosome-scale rehearsal (issue 13, item 6; a bench, not CI): the chr20 genes of the Xpresso TSS table on the
# whole hg19 chr20, demo weights, radius 1000, on a loopback cluster of real processes (seed, coordinator with
# SQLite, two CPU workers); one worker is SIGKILLed in the middle of a gene and started again. Prints time,
# mutations/s, peak RSS per role, output size, the row check (rows = Σ 3·(2R+1 − skipped N positions)) and a sample
# of genes checked byte for byte against `expecto mutagenesis` of the same gene. docs/load.md has the figures.
#
# Usage: bench/rehearsal.sh [--limit N] [--radius R] [--batch-size B] [--sample K] [--work DIR] [--keep]
#   --limit N       only the first N chr20 genes of the table (file order); default: all 517 (11–36 min on 2 cores, docs/load.md)
#   --radius R      default 1000 (6,003 mutations per gene)
#   --batch-size B  mutations per engine call; default: the job default
#   --sample K      genes re-computed with `expecto mutagenesis` and compared; default 2 (always includes the gene
#                   the killed worker was computing)
#   --work DIR      working folder (state, logs, output); default: a new folder under /tmp, removed unless --keep
# Needs ../shared/data/hg19_chr20 and ../shared/data/xpresso_hg19_promoters (or EXPECTO_SHARED_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

limit=0; radius=1000; batch=""; sample=2; work=""; keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --limit) limit=$2; shift 2 ;;
    --radius) radius=$2; shift 2 ;;
    --batch-size) batch=$2; shift 2 ;;
    --sample) sample=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "rehearsal: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

shared=${EXPECTO_SHARED_DIR:-$root/../shared}
genome=$shared/data/hg19_chr20/hg19_chr20.fa.gz
table=$shared/data/xpresso_hg19_promoters/hg19_promoters_cage_corrected_withChr.bed
for f in "$genome" "$table"; do
  [ -f "$f" ] || { echo "rehearsal: $f is missing (set EXPECTO_SHARED_DIR to the folder holding data/)" >&2; exit 2; }
done

log() { printf '[rehearsal %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

if [ -z "$work" ]; then work=$(mktemp -d /tmp/expecto-rehearsal.XXXXXX); else mkdir -p "$work"; keep=1; fi
out=$work/out
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$keep" = 0 ]; then rm -rf "$work"; else log "kept $work"; fi
}
trap cleanup EXIT

log "building (Release)"
for p in src/Seed src/Coordinator src/GpuWorker; do dotnet build -c Release "$p" -v q -nologo -clp:ErrorsOnly >/dev/null; done
bin() { # the RID-specific folder for projects that carry libtorch
  local d="$root/src/$1/bin/Release/net10.0"
  if [ -f "$d/linux-x64/$2.dll" ]; then echo "$d/linux-x64/$2.dll"; else echo "$d/$2.dll"; fi
}
seed_dll=$(bin Seed expecto-seed); expecto_dll=$(bin Coordinator expecto); worker_dll=$(bin GpuWorker expecto-worker)

# The chr20 rows of the table, as the job's TSS BED (the genome holds chr20 only).
awk -F'\t' '$1 == "chr20"' "$table" > "$work/chr20.bed"
[ "$limit" -gt 0 ] && { head -n "$limit" "$work/chr20.bed" > "$work/genes.bed"; } || cp "$work/chr20.bed" "$work/genes.bed"
genes=$(wc -l < "$work/genes.bed")
log "$genes chr20 genes, radius $radius, demo weights, $(nproc) cores; work folder $work; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# Seed and coordinator ports below Linux's ephemeral range (32768–60999), so no client or worker (port 0) is handed one.
free_port() { python3 -c '
import random, socket
while True:
    p = random.randint(20000, 32000); s = socket.socket()
    try: s.bind(("127.0.0.1", p)); print(p); break
    except OSError: pass
    finally: s.close()'; }
seed_port=$(free_port); coord_port=$(free_port)
export EXPECTO_ADMIN__ENDPOINT=127.0.0.1:0   # several roles on one machine: each its own free admin port
job_args=(--genome "$genome" --annotation "$work/genes.bed" --genes all --radius "$radius" --engine incremental --out "$out")
[ -n "$batch" ] && job_args+=(--batch-size "$batch")

# Demo weights are written on first use; make them exist before any node reads them.
dotnet "$expecto_dll" mutagenesis --genes "$(head -n1 "$work/genes.bed" | cut -f4)" --annotation "$work/genes.bed" \
  --genome "$genome" --radius 1 --out "$work/warm" >/dev/null 2>&1

started=""
start() { # name dll args...: runs a role in the background, its pid in $started
  local name=$1; shift
  dotnet "$@" > "$work/$name.log" 2>&1 &
  started=$!; pids+=("$started")
}
contacts="127.0.0.1:$seed_port,127.0.0.1:$coord_port"
# Two workers on one machine split its cores: libtorch's threads spin while they wait, and two workers that each
# take every core ran 7× slower here than two with half each (Worker:Threads, docs/cluster.md).
wthreads=$(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 ))
start seed "$seed_dll" --port "$seed_port"; seed_pid=$started
start coordinator "$expecto_dll" serve --port "$coord_port" --seed "127.0.0.1:$seed_port" --state "$work/state.db"; coord_pid=$started
start worker1 "$worker_dll" --coordinator "$contacts" --device cpu --threads "$wthreads"; w1_pid=$started
start worker2 "$worker_dll" --coordinator "$contacts" --device cpu --threads "$wthreads"; w2_pid=$started

# Peak RSS per role: VmHWM of every live role process, sampled every 2 s (a SIGKILLed worker's peak is its last sample).
sample_rss() {
  while true; do
    for p in $(cat "$work/pids" 2>/dev/null); do
      local name=${p#*:} pid=${p%%:*}
      kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$kb" ] && echo "$name $kb" >> "$work/rss.samples"
    done
    sleep 2
  done
}
printf '%s\n' "$seed_pid:seed" "$coord_pid:coordinator" "$w1_pid:worker" "$w2_pid:worker" > "$work/pids"
sample_rss & sampler=$!

sleep 5
t0=$(date +%s.%N)
dotnet "$expecto_dll" submit --seed "127.0.0.1:$seed_port" "${job_args[@]}" > "$work/submit.log" 2>&1 \
  || { cat "$work/submit.log"; exit 1; }
job=$(grep -oE '^j[0-9a-f]{16}' "$work/submit.log" | head -n1)
log "submitted $job"

effects() { find "$out/effects" -name '*.parquet' 2>/dev/null | wc -l; }
running_gene() { # the gene a worker's engine started last and has not written yet
  local g; g=$(grep -oE 'processing gene ENSG[0-9]+' "$work/$1.log" | tail -n1 | awk '{print $3}')
  [ -n "$g" ] && [ -z "$(find "$out/effects" -name "$g.parquet" 2>/dev/null)" ] && echo "$g" || true
}

# Kill worker1 mid-gene once a third of the genes are written (at least one).
kill_at=$(( genes / 3 > 0 ? genes / 3 : 1 ))
victim_gene=""
while [ -z "$victim_gene" ]; do
  sleep 1
  [ -f "$out/_SUCCESS" ] && { echo "rehearsal: the job finished before the kill (use more genes)" >&2; exit 1; }
  [ "$(effects)" -ge "$kill_at" ] && victim_gene=$(running_gene worker1)
done
kill -9 "$w1_pid"
t_kill=$(date +%s.%N)
log "SIGKILLed worker1 (pid $w1_pid) in gene $victim_gene at $(effects)/$genes genes written"
sleep 3
start worker1b "$worker_dll" --coordinator "$contacts" --device cpu --threads "$wthreads"; w3_pid=$started
echo "$w3_pid:worker" >> "$work/pids"
log "started worker1 again (pid $w3_pid)"

dotnet "$expecto_dll" status --seed "127.0.0.1:$seed_port" --job "$job" --wait --progress-interval 60 2>&1 | tail -n 3 || true
while [ ! -f "$out/_SUCCESS" ]; do sleep 2; done
t1=$(date +%s.%N)

# Figures.
secs=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
read -r mutations skipped rows <<<"$(python3 - "$out" <<'EOF'
import json, pathlib, sys
m = s = r = 0
for f in pathlib.Path(sys.argv[1], "_summaries").glob("*.json"):
    j = json.loads(f.read_text())
    m += j["mutations"]; s += j["skippedPositions"]
    r += sum(x["rows"] for x in j["files"] if x["path"].startswith("effects/"))
print(m, s, r)
EOF
)"
expected=$(( genes * 3 * (2 * radius + 1) - 3 * skipped ))
bytes=$(du -sb "$out" | cut -f1)
log "job $job finished: $genes genes in $secs s (submission → _SUCCESS), $mutations mutations, $(python3 -c "print(f'{$mutations / ($t1 - $t0):.1f}')") mutations/s"
log "rows: $rows effect rows; expected genes × 3·(2R+1) − 3 × skipped N positions = $genes × $((3 * (2 * radius + 1))) − 3 × $skipped = $expected → $([ "$rows" = "$expected" ] && echo OK || echo MISMATCH)"
log "output: $bytes bytes ($(du -sh "$out" | cut -f1)) in $(find "$out" -type f | wc -l) files"
for role in seed coordinator worker; do
  kb=$(awk -v r=$role '$1 == r && $2 > m {m = $2} END {print m + 0}' "$work/rss.samples")
  log "peak RSS $role: $((kb / 1024)) MiB"
done

# A sample of genes against `expecto mutagenesis` (one process, no cluster): the killed gene first.
mapfile -t picks < <( { echo "$victim_gene"; cut -f4 "$work/genes.bed" | shuf -n "$sample" --random-source=<(yes); } | awk 'NF && !seen[$0]++' | head -n "$sample")
status=0
[ "$rows" = "$expected" ] || status=1
dotnet "$expecto_dll" mutagenesis "${job_args[@]:0:4}" --genes "$(IFS=,; echo "${picks[*]}")" --radius "$radius" \
  ${batch:+--batch-size "$batch"} --out "$work/check" > "$work/check.log" 2>&1
for g in "${picks[@]}"; do
  for kind in effects strong_effects; do
    a=$(sha256sum "$out/$kind/chrom=chr20/$g.parquet" | cut -d' ' -f1)
    b=$(sha256sum "$work/check/$kind/chrom=chr20/$g.parquet" | cut -d' ' -f1)
    if [ "$a" = "$b" ]; then log "check $g $kind: identical to expecto mutagenesis"; else log "check $g $kind: DIFFERS from expecto mutagenesis"; status=1; fi
  done
done
log "worker killed $(python3 -c "print(f'{$t_kill - $t0:.0f}')") s into the job; $(grep -c 'processing gene' "$work/worker1b.log" || true) genes started by the restarted worker"
exit $status
