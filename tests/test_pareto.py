"""monitor pareto: detection against the worst segment at one budget."""

from __future__ import annotations

import json

import pytest
from conftest import TOY

from monitor import api
from monitor.cli import main
from monitor.studies.pareto import parse_levels


def test_levels_parse_and_refuse_what_is_out_of_range():
    assert parse_levels("0:0.6:4") == pytest.approx([0.0, 0.2, 0.4, 0.6])
    assert parse_levels("0.5:0.5:1") == [0.5]
    for bad in ("0:1.2:3", "0.5:0.2:3", "0:0.5", "a:b:c", "0:0.5:0", "0:0.5:1"):
        with pytest.raises(ValueError):
            parse_levels(bad)


def test_each_point_keeps_its_level_and_the_last_maximises_the_worst_segment():
    run = api.pareto(TOY, [0.0, 0.5, 0.8])
    pts = run.points
    assert [p.level for p in pts] == [0.0, 0.5, 0.8, None]
    for p in pts[:-1]:
        assert p.meets == (p.worst_segment >= p.level - 1e-9)
    free = api.solve(TOY)
    assert pts[0].detection == pytest.approx(free.metrics["detection"])  # no constraint: the plain plan
    worst = api.solve(TOY, objective="worst_segment")
    assert pts[-1].worst_segment == pytest.approx(worst.metrics["worst_segment"]["detection"])
    assert all(p.detection <= pts[0].detection + 1e-9 for p in pts)  # every level costs detection, or nothing


def test_cli_writes_the_set_and_refuses_bad_levels(tmp_path, capsys):
    out = tmp_path / "p"
    assert main(["pareto", str(TOY), "--levels", "0:0.5:2", "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["points"]) == 3
    assert {f.name for f in out.iterdir()} >= {"pareto.md", "pareto.png", "pareto.json"}
    with pytest.raises(SystemExit) as e:
        main(["pareto", str(TOY), "--levels", "0:2:3", "--out", str(tmp_path / "q")])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--levels" in err[0]
    assert not (tmp_path / "q").exists()
