"""The documentation points only at what the repository holds.

- README.md and docs/*.md: every relative Markdown link, and every backticked path or
  `monitor.` module name that looks like a file of the repository, must exist. Output
  files (out/..., plan.json, ...), URLs, globs, <placeholders> and config keys of the
  README's key table (line.geojson) are not checked.
- monitor/: no docstring or report text may send the reader to DESIGN.md or SOURCES.md,
  which are not part of the repository; docs/model.md and docs/sources.md are.
- The README's example scenario is a valid config.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]

# Files that monitor writes, named in the docs but not kept in the repository.
OUTPUT_NAMES = {
    "plan.json", "placements.geojson", "cells.csv", "map.png", "report.md",
    "cells.geojson", "line.geojson", "zones.geojson", "coverage.geojson", "report.html", "frontier.html",
    "sensitivity.json", "sensitivity.md", "tornado.png", "draws.png", "pareto.md", "pareto.png", "pareto.json",
    "frontier.csv", "frontier.png", "frontier.md", "points.jsonl",
    "routes.geojson", "routes.png", "schedule.json", "simulation.json", "simulation.md",
}
OUTPUT_FOLDERS = ("out/", "DIR/", "baselines/")
FILE_SUFFIXES = (".md", ".py", ".toml", ".geojson")
EXTERNAL_DOCS = re.compile(r"\b(DESIGN|SOURCES)\.md\b")

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
PATH_TOKEN = re.compile(r"[A-Za-z0-9_.\-/]+")
MODULE_TOKEN = re.compile(r"monitor(\.[A-Za-z_]\w*)+")


def _prose(text: str) -> str:
    """The text without fenced code blocks (commands and sample output are not references)."""
    out, fence = [], None
    for line in text.splitlines():
        mark = line.lstrip()[:3]
        if fence is None and mark in ("```", "~~~"):
            fence = mark
        elif fence is not None and mark == fence:
            fence = None
        elif fence is None:
            out.append(line)
    return "\n".join(out)


def _links(text: str) -> list[str]:
    """Targets of Markdown links, outside code."""
    return LINK.findall(CODE_SPAN.sub("", _prose(text)))


def _tokens(text: str) -> list[str]:
    """Words of the inline code spans, stripped of quotes and trailing punctuation."""
    words = []
    for _, span in CODE_SPAN.findall(_prose(text)):
        for word in span.split():
            words.append(word.strip("'\"()").rstrip(",;:"))
    return words


def _is_external(target: str) -> bool:
    return "://" in target or target.startswith(("mailto:", "#"))


@functools.lru_cache(maxsize=1)
def _config_keys() -> frozenset[str]:
    """The keys of the README's config table (`line.geojson` is a key, not a file)."""
    return frozenset(re.findall(r"^\| `([^`]+)` \|", README.read_text(encoding="utf-8"), flags=re.M))


def _is_repo_path(word: str) -> bool:
    """A word that reads as a path of the repository, not an output, a URL, a glob, a template or a key."""
    if _is_external(word) or any(c in word for c in "*?[]{}<>|$") or word in _config_keys():
        return False
    if not ("/" in word or word.endswith(FILE_SUFFIXES)):
        return False
    if not PATH_TOKEN.fullmatch(word) or not re.search(r"[A-Za-z]", word) or word.startswith("-"):
        return False
    return word not in OUTPUT_NAMES and not word.startswith(OUTPUT_FOLDERS)


def _exists(page: Path, target: str) -> bool:
    """A path relative to the page, or to the repository's root."""
    target = target.split("#", 1)[0]
    if not target:
        return True
    if target.startswith("/"):
        return False  # an absolute path is never a file of the repository
    return (page.parent / target).exists() or (ROOT / target).exists()


def _module_exists(dotted: str) -> bool:
    """monitor.a.b names a module or package (any attribute may follow it), or a public name of monitor."""
    parts = dotted.split(".")
    for k in range(len(parts), 1, -1):
        base = ROOT.joinpath(*parts[:k])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return True
    init = ROOT / "monitor" / "__init__.py"
    return len(parts) == 2 and init.is_file() and re.search(rf"\b{parts[1]}\b", init.read_text("utf-8")) is not None


def _page_id(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def test_the_docs_folder_holds_the_three_pages_and_the_readme_points_to_them():
    text = README.read_text(encoding="utf-8")
    for name in ("model.md", "sources.md", "outputs.md"):
        assert (DOCS / name).is_file(), f"docs/{name} is missing"
        assert f"docs/{name}" in text, f"README.md does not point to docs/{name}"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_links_point_to_files_that_exist(page: Path):
    text = page.read_text(encoding="utf-8")
    dangling = [t for t in _links(text) if not _is_external(t) and not _exists(page, t)]
    assert not dangling, f"{_page_id(page)}: links to missing files: {dangling}"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_backticked_paths_and_modules_exist(page: Path):
    words = _tokens(page.read_text(encoding="utf-8"))
    missing = [w for w in words if _is_repo_path(w) and not _exists(page, w)]
    missing += [w for w in words if MODULE_TOKEN.fullmatch(w) and not _module_exists(w)]
    assert not missing, f"{_page_id(page)}: names files or modules that do not exist: {sorted(set(missing))}"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_pages_do_not_send_readers_outside_the_repository(page: Path):
    lines = [f"{k}: {line.strip()}" for k, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
             if EXTERNAL_DOCS.search(line)]
    assert not lines, f"{_page_id(page)} mentions DESIGN.md or SOURCES.md:\n" + "\n".join(lines)


def test_monitor_does_not_mention_design_or_sources():
    # Docstrings and report text should name docs/model.md and docs/sources.md instead.
    hits = []
    for path in sorted((ROOT / "monitor").rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        hits += [f"{path.relative_to(ROOT).as_posix()}:{k}: {line.strip()}"
                 for k, line in enumerate(text.splitlines(), 1) if EXTERNAL_DOCS.search(line)]
    assert not hits, "monitor/ mentions DESIGN.md or SOURCES.md (use docs/model.md or docs/sources.md):\n" \
        + "\n".join(hits)


def test_the_readmes_example_scenario_is_valid(tmp_path):
    from monitor import validate

    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)\n```", text, flags=re.S)
    assert blocks, "README.md has no ```toml example scenario"
    path = tmp_path / "my-line.toml"
    path.write_text(blocks[0] + "\n", encoding="utf-8")
    validate(path)  # raises on any problem in the file
