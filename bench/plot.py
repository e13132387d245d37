#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Plots of syncore-bench results, with gnuplot (SVG and PNG).

Usage: bench/plot.py RESULTS_DIR [AB_JSON...]

From RESULTS_DIR/results.json (bench/run.sh), when there is one: membarrier latency against
the number of spinning threads, one line per command (with the 95 %
intervals as error bars), and the switch and wake-up costs by kind. From
each AB_JSON (bench/ab.py --json): the change per row with its interval.
Writes RESULTS_DIR/plots/*.svg and *.png and RESULTS_DIR/index.html, the
page to open. Without gnuplot it says so and exits 1.
"""
import json
import os
import shutil
import subprocess
import sys


def rows(results):
    for case in results["cases"]:
        for r in case["results"]:
            if r["status"] == "ok":
                yield r


def gnuplot(script, outdir, name):
    for term, ext in (("svg size 900,520 dynamic", "svg"),
                      ("pngcairo size 900,520", "png")):
        full = f"set terminal {term}\nset output '{outdir}/{name}.{ext}'\n{script}"
        subprocess.run(["gnuplot"], input=full, text=True, check=True)
    return name


def membarrier_plot(rs, outdir):
    lines, blocks = [], []
    by_cmd = {}
    for r in rs:
        if r["bench"] == "membarrier" and r.get("threads") is not None:
            by_cmd.setdefault(r["case"], []).append(r)
    if not by_cmd:
        return None
    for i, (cmd, pts) in enumerate(sorted(by_cmd.items())):
        pts.sort(key=lambda r: r["threads"])
        blocks.append("\n".join(f"{r['threads']} {r['median'] / 1000} "
                                f"{r['ci95'][0] / 1000} {r['ci95'][1] / 1000}"
                                for r in pts) + "\ne")
        lines.append(f"'-' using 1:2:3:4 with yerrorlines title '{cmd}'")
    script = ("set title 'membarrier latency against threads spinning on other CPUs'\n"
              "set xlabel 'spinning threads'\nset ylabel 'us per call (median, 95% CI)'\n"
              "set logscale y\nset key top left\nset xtics 1\n"
              "plot " + ", ".join(lines) + "\n" + "\n".join(blocks) + "\n")
    return gnuplot(script, outdir, "membarrier-threads")


def bars(labels, vals, title, ylabel, outdir, name, zero=False):
    data = "\n".join(f'"{l}" {m} {lo} {hi}' for l, (m, lo, hi) in zip(labels, vals))
    script = (f"set title '{title}'\nset ylabel '{ylabel}'\nset style fill solid 0.5\n"
              "set boxwidth 0.6\nset xtics rotate by -35 left\nset bmargin 9\n"
              "unset key\n" + ("set xzeroaxis\n" if zero else "set yrange [0:*]\n") +
              "plot '-' using 0:2:xtic(1) with boxes, "
              "'-' using 0:2:3:4 with yerrorbars\n" + data + "\ne\n" + data + "\ne\n")
    return gnuplot(script, outdir, name)


def switch_plot(rs, outdir):
    pick = [r for r in rs if r["bench"] in ("ctx", "lazy")]
    if not pick:
        return None
    return bars([f"{r['bench']}.{r['case']}" for r in pick],
                [(r["median"] / 1000, r["ci95"][0] / 1000, r["ci95"][1] / 1000)
                 for r in pick],
                "switch and wake-up cost by kind", "us (median, 95% CI)",
                outdir, "switch-cost")


def ab_plot(path, outdir):
    with open(path) as f:
        ab = json.load(f)
    pick = [r for r in ab["rows"] if "change" in r]
    if not pick:
        return None
    name = "ab-" + os.path.splitext(os.path.basename(path))[0]
    return bars([r["row"] for r in pick],
                [(100 * r["change"], 100 * r["interval"][0], 100 * r["interval"][1])
                 for r in pick],
                f"patched against baseline ({ab['mode']})",
                "change, % (interval the two 95% CIs allow)", outdir, name, zero=True)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__.strip().splitlines()[2])
    if not shutil.which("gnuplot"):
        sys.exit("plot: gnuplot is not installed (scripts/deps.sh bench installs it)")
    d = argv[1]
    outdir = os.path.join(d, "plots")
    os.makedirs(outdir, exist_ok=True)
    rs = []
    if os.path.exists(os.path.join(d, "results.json")):
        with open(os.path.join(d, "results.json")) as f:
            rs = list(rows(json.load(f)))
    made = [membarrier_plot(rs, outdir), switch_plot(rs, outdir)]
    made += [ab_plot(p, outdir) for p in argv[2:]]
    made = [m for m in made if m]
    with open(os.path.join(d, "index.html"), "w") as f:
        f.write("<!DOCTYPE html><html><head><meta charset='utf-8'>"
                "<title>syncore-bench results</title></head><body>\n"
                "<h1>syncore-bench results</h1>\n<p><a href='table.txt'>table</a> · "
                "<a href='results.json'>JSON</a> · <a href='results.csv'>raw samples</a> · "
                "<a href='env.txt'>environment</a> · <a href='index.txt'>what each file is</a></p>\n")
        for m in made:
            f.write(f"<h2>{m}</h2><p><img src='plots/{m}.svg' alt='{m}'><br>"
                    f"<a href='plots/{m}.png'>PNG</a></p>\n")
        f.write("</body></html>\n")
    print(f"plots: {outdir} ({', '.join(made)}); open {d}/index.html")


if __name__ == "__main__":
    main(sys.argv)
