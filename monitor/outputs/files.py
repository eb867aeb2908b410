"""Files of the outputs: JSON as written, the one loop that writes a set of files, and the
check that an output folder can be one before any work starts.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import shutil
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


def dumps(doc: dict, compact: bool = False) -> str:
    """JSON as the outputs write it: NaN-free, indented, or compact (for large GIS layers)."""
    if compact:
        return json.dumps(_clean(doc), separators=(",", ":"), allow_nan=False) + "\n"
    return json.dumps(_clean(doc), indent=2, allow_nan=False) + "\n"


STAGE_PREFIX = ".monitor-stage-"  # a run's files are written here first, beside their targets
JOURNAL = ".monitor-commit.json"  # the stage's files being moved into place: finished by the next run if killed
_ATOMIC_TMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # atomic_write's temporary file names


def write_files(out_dir: str | Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write {name: content} to out_dir/name as one set: the old set or the new one, never a mix.

    Every file is written into a stage folder inside out_dir first; only when all are written
    (and synced) are they moved into place by renames, after a journal naming them is written,
    so a run killed while writing leaves the old set untouched (its stage is removed by the next
    run) and one killed while moving is finished by the next. A full disk or an unwritable folder
    is an InputError naming --out, with the old set untouched. Returns the paths in order.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        folder = os.open(out, os.O_RDONLY)
    except OSError as exc:
        raise InputError(Problem(f"cannot write the outputs: {exc.strerror or exc}", key="--out",
                                 value=str(out))) from None
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # runs into one folder take turns: a lock on the folder itself,
        return _write_set(out, files)       # released when the process ends, leaving no file behind
    finally:
        os.close(folder)


def _write_set(out: Path, files: dict[str, str | bytes]) -> list[Path]:
    try:
        recover(out)
        stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=out))
    except OSError as exc:
        raise InputError(Problem(f"cannot write the outputs: {exc.strerror or exc}", key="--out",
                                 value=str(out))) from None
    try:
        for name, data in files.items():
            _write_synced(stage / name, data)
        atomic_write(out / JOURNAL, json.dumps({"stage": stage.name, "files": list(files)}))
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise InputError(Problem(f"cannot write the outputs ({exc.strerror or exc}); the files there are "
                                 "unchanged", key="--out", value=str(out))) from None
    recover(out)
    return [out / name for name in files]


def recover(out: Path) -> None:
    """Finish the moves a journal names (a run killed while moving), then remove stale stages."""
    journal = out / JOURNAL
    if journal.is_file():
        try:
            doc = json.loads(journal.read_text(encoding="utf-8"))
            stage = out / _inside_name(doc["stage"], stage=True)
            for name in doc["files"]:
                src = stage / _inside_name(name)
                if src.is_file() and not src.is_symlink():
                    (out / name).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(src, out / name)
        except (ValueError, KeyError, TypeError):
            pass  # a torn journal: its stage was never complete, so nothing is moved
        journal.unlink(missing_ok=True)
    for stale in out.glob(STAGE_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in out.glob(".*.tmp"):  # atomic_write's temporary files (".name.XXXXXXXX.tmp") of a killed run
        if _ATOMIC_TMP.match(stale.name) and stale.is_file():
            stale.unlink(missing_ok=True)


def _inside_name(name, stage: bool = False) -> str:
    """A name from a journal, refused (ValueError) unless it is a relative path inside its folder: a
    journal is a file anyone may edit, and must not move files from elsewhere into --out."""
    parts = Path(name).parts if isinstance(name, str) else ()
    if not parts or Path(name).is_absolute() or ".." in parts or (stage and (len(parts) != 1
                                                                          or not name.startswith(STAGE_PREFIX))):
        raise ValueError(f"not a name inside the output folder: {name!r}")
    return name


def _write_synced(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


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
