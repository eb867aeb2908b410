"""The sensitivity study's outputs: sensitivity.json, sensitivity.md, tornado.png, draws.png, and the text printed."""

from __future__ import annotations

from pathlib import Path

from .files import dumps, write_files
from .plots import draws_png, tornado_png
from .text import pct


def sensitivity_dict(res, scenario: str) -> dict:
    return {"scenario": scenario, "nominal_detection": res.nominal, "nominal_verified": res.nominal_verified,
            "draws": len(res.draws), "seed": res.seed, "percentiles": res.percentiles(),
            "percentiles_verified": res.percentiles(verified=True), "tornado": res.tornado,
            "detection_by_draw": [float(x) for x in res.draws],
            "verified_by_draw": [float(x) for x in res.draws_verified], "values_by_draw": res.values}


def sensitivity_text(doc: dict) -> str:
    p = doc["percentiles"]
    lines = [f"{doc['scenario']}: detection {pct(doc['nominal_detection'])} with the file's values; over "
             f"{doc['draws']:,} draws of every range (seed {doc['seed']}): 5th / 50th / 95th percentile "
             f"{pct(p['p5'])} / {pct(p['p50'])} / {pct(p['p95'])}", _verified_line(doc),
             "  the ranges that move it most, one at a time:"]
    width = max([len(r["key"]) for r in doc["tornado"]] + [3])
    for r in doc["tornado"][:10]:
        lines.append(f"    {r['key']:<{width}}  {r['low']:g} .. {r['high']:g}: {pct(r['detection_low'])} .. "
                     f"{pct(r['detection_high'])} (swing {100 * r['swing']:.2f} points); verified "
                     f"{pct(r['verified_low'])} .. {pct(r['verified_high'])}")
    return "\n".join(lines) + "\n"


def _verified_line(doc: dict) -> str:
    v = doc["percentiles_verified"]
    return (f"  verified {pct(doc['nominal_verified'])} with the file's values; 5th / 50th / 95th percentile "
            f"{pct(v['p5'])} / {pct(v['p50'])} / {pct(v['p95'])}")


def sensitivity_md(doc: dict) -> str:
    p = doc["percentiles"]
    lines = [f"# Sensitivity: {doc['scenario']}", "",
             f"The plan detects {pct(doc['nominal_detection'])} with the config's values. With every estimated "
             f"range drawn at once ({doc['draws']:,} draws, seed {doc['seed']}), its detection lies between "
             f"{pct(p['p5'])} and {pct(p['p95'])} in 90% of draws (median {pct(p['p50'])}). It verifies "
             f"{pct(doc['nominal_verified'])} with the config's values, between {pct(doc['percentiles_verified']['p5'])} "
             f"and {pct(doc['percentiles_verified']['p95'])} in 90% of draws.", "",
             "![detection over the draws](draws.png)", "", "## One range at a time", "",
             "![tornado](tornado.png)", "", "| key | low | high | detection at low | at high | swing | verified at low "
             "| at high | why this range |", "|---|---|---|---|---|---|---|---|---|"]
    for r in doc["tornado"]:
        lines.append(f"| `{r['key']}` | {r['low']:g} | {r['high']:g} | {pct(r['detection_low'])} | "
                     f"{pct(r['detection_high'])} | {100 * r['swing']:.2f} points | {pct(r['verified_low'])} | "
                     f"{pct(r['verified_high'])} | {r['reason']} |")
    return "\n".join(lines) + "\n"


def write_sensitivity(out_dir: str | Path, doc: dict) -> list[Path]:
    files = {"sensitivity.json": dumps(doc), "sensitivity.md": sensitivity_md(doc), "tornado.png": tornado_png(doc),
             "draws.png": draws_png(doc)}
    return write_files(out_dir, files)
