"""What `monitor calibrate` prints: every figure with its formula, parameters and sources."""

from __future__ import annotations


def calibration_text(doc: dict) -> str:
    """What `monitor calibrate` prints: every figure with its formula, parameters and sources."""
    u = doc["uniimog"]
    ref, drawn = doc["reference_length_km"], doc["line_km"]
    head = [f"{doc['config']}: observer teams '{doc['asset']}' at UNIIMOG's density",
            f"  UNIIMOG: {u['observers']} observers, {u['patrols_per_day']} patrols a day, {u['line_km']:,.0f} km, "
            f"${u['annual_usd'] / 1e6:,.0f}M a year",
            f"  line: {drawn:,.1f} km as drawn, {ref:,.1f} km reference"
            + ("" if doc["reference_given"] else " (no line.reference_length_km: the drawn length)")
            + f"; zone {doc['zone_km2']:,.0f} km2", ""]
    width = max(len(r["figure"]) for r in doc["figures"])
    body = [f"  {'figure':<{width}}  {'value':>12}  {'per km ref':>11}  {'per km drawn':>12}"]
    for r in doc["figures"]:
        v = r["value"]
        dens = ""
        if r["per_km_reference"] is not None:
            fmt = (lambda x: f"${x:,.0f}") if r["unit"] == "USD" else (lambda x: f"{x:.3f}")
            dens = f"{fmt(r['per_km_reference']):>11}  {fmt(r['per_km_line']):>12}"
        body.append(f"  {r['figure']:<{width}}  {_number(v, r['unit']):>12}  {dens}".rstrip())
        body.append(f"      = {r['formula']}")
        for src in r["sources"]:
            body.append(f"      from {src}")
    tail = ["", f"  check: UNIIMOG ran {u['patrols_per_day']} patrols a day with {u['observers']} observers "
                f"(duty share {u['duty_share']:.3f}); scaled to {ref:,.0f} km that is {u['patrols_per_day_scaled']:.1f}. "
                f"This force: {doc['patrols_per_day']:g} patrols a day with {doc['observers']} observers "
                f"(duty share {doc['duty_share_implied']:.3f}).",
            f"  UNIIMOG-equivalent yearly budget for this line: ${doc['uniimog_equivalent_budget_usd'] / 1e6:,.2f}M "
            f"(${u['annual_usd'] / 1e6:,.0f}M / {u['line_km']:,.0f} km x {ref:,.0f} km); this force costs "
            f"${doc['annual_cost_usd'] / 1e6:,.2f}M a year."]
    tail += [f"  note: {n}" for n in doc["notes"]]
    return "\n".join(head + body + tail) + "\n"


def _number(v: float, unit: str) -> str:
    if unit == "share":
        return f"{100 * v:.2f}%"
    if unit == "USD":
        return f"${v / 1e6:,.2f}M" if abs(v) >= 1e5 else f"${v:,.0f}"
    return f"{v:,.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:,.2f}"
