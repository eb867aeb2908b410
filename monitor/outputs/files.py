"""Files of the outputs: JSON as written, the one loop that writes a set of files, and the
check that an output folder can be one before any work starts.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import numpy as np

from ..atomic import atomic_write
from ..errors import InputError, Problem


def _clean(x):
    """JSON-safe copy: numpy scalars to Python, non-finite floats to None."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_clean(v) for v in x.tolist()]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


def dumps(doc: dict) -> str:
    return json.dumps(_clean(doc), indent=2, allow_nan=False) + "\n"


def write_files(out_dir: str | Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write each {name: content} to out_dir/name, each whole (atomic_write); return the paths in order."""
    out = Path(out_dir)
    paths = []
    for name, data in files.items():
        atomic_write(out / name, data)
        paths.append(out / name)
    return paths


def check_out_dir(out: str | Path, flag: str = "--out") -> Path:
    """Refuse an output folder that cannot be one before any work is done.

    A folder that is a file, lies below a file, or in which no file can be made (read-only,
    /proc) is an InputError naming the flag. Nothing is left behind: the probe file is removed.
    """
    out = Path(out)
    for p in (out, *out.parents):
        if not p.exists():
            continue
        if not p.is_dir():
            what = "is a file" if p == out else f"lies below the file {p}"
            raise InputError(Problem(f"{what}, not a folder", key=flag, value=str(out)))
        try:
            with tempfile.TemporaryFile(dir=p):
                pass
        except OSError as exc:
            raise InputError(Problem(f"cannot write in {p}: {exc.strerror or exc}", key=flag,
                                     value=str(out))) from None
        break
    return out
