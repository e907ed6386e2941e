#!/usr/bin/env python3
"""Cuts the bundled demo inputs from public data in ../shared/data (run from the repository root).

- demo/genome/hg19_chr20_demo.fa.gz (+ .fai, .gzi): hg19 chr20 with its true coordinates and length, real sequence
  within +/-FLANK bp of each demo gene's TSS and N elsewhere (N runs compress to almost nothing in BGZF).
  Source: ../shared/data/hg19_chr20 (GRC reference sequence, public; vt-examples, MIT).
- demo/genes.bed: the demo genes' rows of the Xpresso hg19 CAGE-corrected promoter BED (MIT, Agarwal & Shendure 2020).
- demo/variants.vcf: the SuRE raQTLs (van Arensbergen et al. 2019, see its PROVENANCE) near the demo genes.

Needs: python3 (stdlib), bgzip (Debian tabix) and samtools (for the .fai/.gzi, i.e. indexes the real tools make).
Deterministic: same inputs, same outputs.
"""
import gzip, os, subprocess, sys

SHARED = os.path.join("..", "shared", "data")
FLANK = 22_000          # real sequence around each TSS: covers the +/-20 kb TSS features and +/-1 kb ISM shifts
N_GENES = 32
MUST = ["ENSG00000101076"]  # HNF4A: its promoter has a saturation MPRA (Kircher et al. 2019)

def read_chr20():
    with gzip.open(os.path.join(SHARED, "hg19_chr20", "hg19_chr20.fa.gz"), "rt") as f:
        header = f.readline()
        assert header.startswith(">20"), header
        return "".join(line.strip() for line in f)

def main():
    genes = []
    with open(os.path.join(SHARED, "xpresso_hg19_promoters", "hg19_promoters_cage_corrected_withChr.bed")) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            if c[0] == "chr20":
                genes.append(c)
    variants = []
    with open(os.path.join(SHARED, "sure_raqtl_vanarensbergen2019", "chr20_raqtls.vcf")) as f:
        for line in f:
            if not line.startswith("#"):
                variants.append(line.rstrip("\n").split("\t"))
    vpos = sorted(int(v[1]) for v in variants)
    def score(g):
        tss = int(g[1]) + 10001
        return sum(1 for p in vpos if abs(p - tss) <= 5000)
    ranked = sorted(genes, key=lambda g: (-score(g), g[3]))
    chosen, taken = [], []
    for g in [x for x in genes if x[3] in MUST] + ranked:
        tss = int(g[1]) + 10001
        if g[3] in [c[3] for c in chosen] or any(abs(tss - t) < 3000 for t in taken):
            continue
        chosen.append(g); taken.append(tss)
        if len(chosen) == N_GENES:
            break
    chosen.sort(key=lambda g: int(g[1]))
    os.makedirs("demo/genome", exist_ok=True)
    with open("demo/genes.bed", "w") as f:
        for g in chosen:
            f.write("\t".join(g) + "\n")

    seq = read_chr20()
    keep = bytearray(b"N" * len(seq))
    for g in chosen:
        tss0 = int(g[1]) + 10000
        a, b = max(0, tss0 - FLANK), min(len(seq), tss0 + FLANK + 1)
        keep[a:b] = seq[a:b].encode()
    fa = "demo/genome/hg19_chr20_demo.fa"
    with open(fa, "wb") as f:
        f.write(b">chr20 hg19 chr20, real sequence within 22 kb of the demo TSSs, N elsewhere\n")
        for i in range(0, len(keep), 60):
            f.write(keep[i:i + 60] + b"\n")
    for ext in (".gz", ".gz.fai", ".gz.gzi"):
        if os.path.exists(fa + ext):
            os.remove(fa + ext)
    subprocess.check_call(["bgzip", "-i", "-@", "2", fa])          # writes .fa.gz and .fa.gz.gzi
    subprocess.check_call(["samtools", "faidx", fa + ".gz"])       # writes .fa.gz.fai

    windows = [(int(g[1]) + 10001 - 20_000, int(g[1]) + 10001 + 20_000) for g in chosen]
    with open("demo/variants.vcf", "w") as out, open(os.path.join(SHARED, "sure_raqtl_vanarensbergen2019", "chr20_raqtls.vcf")) as f:
        seen = set()
        for line in f:
            if line.startswith("##INFO") or line.startswith("##fileformat") or line.startswith("##contig") or line.startswith("#CHROM"):
                out.write(line)
                if line.startswith("##fileformat"):
                    out.write("##source=ExPecto.Cluster demo: SuRE raQTLs (van Arensbergen et al. 2019) within 20 kb of the demo TSSs\n")
                continue
            if line.startswith("#"):
                continue
            c = line.split("\t")
            p = int(c[1])
            key = (c[1], c[3], c[4])
            if key in seen:
                continue
            if any(a <= p <= b for a, b in windows):
                seen.add(key)
                out.write(line)
    print(f"{len(chosen)} genes, {len(seen)} variants", file=sys.stderr)

if __name__ == "__main__":
    main()
