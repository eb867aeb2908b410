"""The sensitivity study's outputs: sensitivity.json, sensitivity.md, tornado.png, draws.png, and the text printed."""

from __future__ import annotations

from pathlib import Path

from .files import dumps, write_files
from .plots import draws_png, tornado_png
from .text import pct


def sensitivity_dict(res, scenario: str) -> dict:
    return {"scenario": scenario, "nominal_detection": res.nominal, "draws": len(res.draws), "seed": res.seed,
            "percentiles": res.percentiles(), "tornado": res.tornado,
            "detection_by_draw": [float(x) for x in res.draws], "values_by_draw": res.values}


def sensitivity_text(doc: dict) -> str:
    p = doc["percentiles"]
    lines = [f"{doc['scenario']}: detection {pct(doc['nominal_detection'])} with the file's values; over "
             f"{doc['draws']:,} draws of every range (seed {doc['seed']}): 5th / 50th / 95th percentile "
             f"{pct(p['p5'])} / {pct(p['p50'])} / {pct(p['p95'])}", "  the ranges that move it most, one at a time:"]
    width = max([len(r["key"]) for r in doc["tornado"]] + [3])
    for r in doc["tornado"][:10]:
        lines.append(f"    {r['key']:<{width}}  {r['low']:g} .. {r['high']:g}: {pct(r['detection_low'])} .. "
                     f"{pct(r['detection_high'])} (swing {100 * r['swing']:.2f} points)")
    return "\n".join(lines) + "\n"


def sensitivity_md(doc: dict) -> str:
    p = doc["percentiles"]
    lines = [f"# Sensitivity: {doc['scenario']}", "",
             f"The plan detects {pct(doc['nominal_detection'])} with the config's values. With every estimated "
             f"range drawn at once ({doc['draws']:,} draws, seed {doc['seed']}), its detection lies between "
             f"{pct(p['p5'])} and {pct(p['p95'])} in 90% of draws (median {pct(p['p50'])}).", "",
             "![detection over the draws](draws.png)", "", "## One range at a time", "",
             "![tornado](tornado.png)", "", "| key | low | high | detection at low | at high | swing | why this range |",
             "|---|---|---|---|---|---|---|"]
    for r in doc["tornado"]:
        lines.append(f"| `{r['key']}` | {r['low']:g} | {r['high']:g} | {pct(r['detection_low'])} | "
                     f"{pct(r['detection_high'])} | {100 * r['swing']:.2f} points | {r['reason']} |")
    return "\n".join(lines) + "\n"


def write_sensitivity(out_dir: str | Path, doc: dict) -> list[Path]:
    files = {"sensitivity.json": dumps(doc), "sensitivity.md": sensitivity_md(doc), "tornado.png": tornado_png(doc),
             "draws.png": draws_png(doc)}
    return write_files(out_dir, files)
