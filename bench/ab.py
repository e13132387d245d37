#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A/B of syncore-bench between two guests (make bench-vm).

Usage: bench/ab.py [--json OUT] MODE BASELINE_CONSOLE PATCHED_CONSOLE

Reads the JSON each guest printed between the @@BENCH-JSON markers
(bench/guest/10-bench.sh) and prints, per row, both medians with their
95 % intervals and the change. The change's interval is the conservative
one the two intervals allow (patched low / baseline high .. patched high /
baseline low); a change is "significant" when that interval excludes 0,
i.e. when the two medians' intervals do not overlap. MODE names where
the figures come from: "wall" (QEMU's clock) or "icount" (guest time is
the instruction count: the single-CPU rows are then instruction-exact,
rows that wait for another CPU are not repeatable and say so).
"""
import json
import sys


def load(path):
    """The guest's JSON document, from its console log."""
    inside, text = False, []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if "@@BENCH-JSON-BEGIN" in line:
                inside, text = True, []
            elif "@@BENCH-JSON-END" in line:
                inside = False
            elif inside:
                text.append(line[2:] if line.startswith("# ") else line)
    if not text:
        sys.exit(f"ab: no @@BENCH-JSON block in {path} (did the guest run /bench?)")
    doc = json.loads("\n".join(text))
    return {(r["bench"], r["case"], r.get("threads")): r for r in doc["results"]}, doc


def single_cpu(r):
    return len(r.get("cpus") or []) == 1 and not r.get("threads")


def main(argv):
    out = None
    if len(argv) > 1 and argv[1] == "--json":
        out, argv = argv[2], argv[:1] + argv[3:]
    if len(argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2])
    mode, bpath, ppath = argv[1:]
    base, bdoc = load(bpath)
    pat, pdoc = load(ppath)
    rows = []
    print(f"A/B ({mode}): baseline {bdoc['environment'].get('kernel_release')} "
          f"vs patched {pdoc['environment'].get('kernel_release')}")
    print(f"{'row':58} {'baseline':>22} {'patched':>22} {'change':>8} {'interval':>17}  verdict")
    for key, b in base.items():
        p = pat.get(key)
        label = f"{key[0]}.{key[1]}" + (f" ({key[2]} spinning)" if key[2] else "")
        if not p or b["status"] != "ok" or p["status"] != "ok":
            why = (p or b).get("reason") or "missing in one guest"
            print(f"{label:58} SKIP: {why}")
            rows.append({"row": label, "status": "skip", "reason": why})
            continue
        bm, (blo, bhi) = b["median"], b["ci95"]
        pm, (plo, phi) = p["median"], p["ci95"]
        chg = pm / bm - 1
        lo, hi = plo / bhi - 1, phi / blo - 1
        sig = lo > 0 or hi < 0
        verdict = ("slower" if lo > 0 else "faster") if sig else "no significant change"
        if mode == "icount" and not single_cpu(b):
            verdict += " (waits for another CPU: not repeatable under icount)"
        print(f"{label:58} {bm:12.1f} ±{(bhi - blo) / 2:8.1f} {pm:12.1f} ±{(phi - plo) / 2:8.1f} "
              f"{chg * 100:+7.2f}% {lo * 100:+7.2f}..{hi * 100:+6.2f}%  {verdict}")
        rows.append({"row": label, "unit": b["unit"], "baseline": [bm, blo, bhi],
                     "patched": [pm, plo, phi], "change": chg, "interval": [lo, hi],
                     "significant": sig, "verdict": verdict})
    if out:
        with open(out, "w") as f:
            json.dump({"mode": mode, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv)
