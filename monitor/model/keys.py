"""The table of config keys in the README, generated from the schema's field docstrings.

Regenerate it with `python -c "from monitor.model.keys import key_table; print(key_table())"`;
tests/test_readme.py checks that the README holds exactly this table.
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from .schema import (
    AssetBase,
    DroneAsset,
    InspectionAsset,
    Name,
    PatrolAsset,
    SatelliteAsset,
    Scenario,
    SensorAsset,
    Sites,
)


def describe_keys() -> list[tuple[str, str, str, str]]:
    """Every config key as (path, type, default, meaning), from the schema's field docstrings."""
    rows: list[tuple[str, str, str, str]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, f in model.model_fields.items():
            if f.exclude:
                continue
            path = f"{prefix}{name}"
            inner = _submodels(f.annotation)
            default = "required" if f.is_required() else _show_default(f.default)
            if model is Scenario and name == "assets":
                rows.append((path, "array of tables", default, f.description or ""))
            elif inner:
                rows.append((path, "table" if "list" not in str(f.annotation) else "array of tables", default,
                             f.description or ""))
                walk(inner[0], f"{path}.")
            else:
                rows.append((path, _type_name(f.annotation, f.metadata), default, f.description or ""))
        if model is Scenario:
            for kind_model in (AssetBase, SensorAsset, DroneAsset, PatrolAsset, SatelliteAsset, InspectionAsset):
                own = kind_model.model_fields if kind_model is AssetBase else {
                    k: v for k, v in kind_model.model_fields.items() if k not in AssetBase.model_fields}
                tag = "" if kind_model is AssetBase else f" ({kind_model.model_fields['kind'].annotation.__args__[0]} only)"
                for name, f in own.items():
                    default = "required" if f.is_required() else _show_default(f.default)
                    if name == "sites":
                        rows.append(("assets.sites", "table", "required", f.description or ""))
                        for sn, sf in Sites.model_fields.items():
                            rows.append((f"assets.sites.{sn}", _type_name(sf.annotation, sf.metadata),
                                         _show_default(sf.default), sf.description or ""))
                        continue
                    rows.append((f"assets.{name}", _type_name(f.annotation, f.metadata), default,
                                 (f.description or "") + tag))

    walk(Scenario, "")
    return rows


def _submodels(annotation) -> list[type[BaseModel]]:
    import typing

    out = []
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            out.append(arg)
    return out


def _type_name(annotation, metadata=()) -> str:
    """A short, readable type for the key table: float > 0, name, list of [lon, lat], ..."""
    import re

    text = str(annotation).replace("typing.", "")
    text = text.replace(str(Name).replace("typing.", ""), "name")
    text = re.sub(r"Annotated\[(\w+), FieldInfo\(annotation=NoneType, required=True, metadata=\[([^\]]*)\]\)\]",
                  lambda m: f"{m.group(1)} {_bounds(m.group(2))}".strip(), text)
    text = text.replace("tuple[float >= -180 <= 180, float >= -90 <= 90]", "[lon, lat]")
    text = re.sub(r"Optional\[(.*)\]$", r"\1", text)
    text = re.sub(r" \| None$", "", text)
    text = text.replace("Literal['A', 'B']", "A|B").replace("Literal['sensor', 'drone', 'patrol', 'satellite', 'inspection']", "kind")
    text = re.sub(r"Literal\['(\w+)'\]", r'"\1"', text)
    text = re.sub(r"list\[(.*)\]$", r"list of \1", text)
    text = text.replace("<class '", "").replace("'>", "")
    extra = _bounds(" ".join(repr(m) for m in metadata))
    return f"{text} {extra}".strip()


def _bounds(meta: str) -> str:
    import re

    ops = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
    return " ".join(f"{ops[o]} {v}" for o, v in re.findall(r"\b(gt|ge|lt|le)=([^,)]*)", meta))


def _show_default(value) -> str:
    if isinstance(value, BaseModel):
        return "see below"
    if value is None:
        return "none"
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        return "see below"
    return json.dumps(value) if isinstance(value, (list, str)) else repr(value)


def key_table() -> str:
    """The README's table of config keys, in Markdown (see the module doc)."""
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for path, typ, default, meaning in describe_keys():
        lines.append(f"| `{path}` | {typ.replace('|', '&#124;')} | {default.replace('|', '&#124;')} | "
                     f"{meaning.replace('|', '&#124;')} |")
    return "\n".join(lines)


