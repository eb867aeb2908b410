"""Calibration against UNIIMOG: patrols a day derived from observers, figures checked by hand."""

from __future__ import annotations

import json
import math

import pytest
from conftest import CONFIGS, line_scenario, one_class, patrol

from monitor import calibrate
from monitor.cli import main
from monitor.errors import InputError as ConfigError
from monitor.model.comments import key_comments
from monitor.model.load import load_scenario, validate_scenario, with_overrides
from monitor.studies.baselines import (
    UNIIMOG_LINE_KM,
    UNIIMOG_OBSERVERS,
    UNIIMOG_PATROLS_PER_DAY,
)

UNIIMOG = CONFIGS / "uniimog-1988.toml"


def derived_team(**extra) -> dict:
    """A team of 10 observers whose patrols a day come from duty_share: 10 x 0.4 / 2 = 2."""
    t = patrol(spacing_km=10.0, offsets_km=(0.5,), radius_km=3.0, patrol_km=12, view_width_km=0.5,
               observers=10, duty_share=0.4)
    del t["patrols_per_day"]
    return {**t, **extra}


# --- the config: patrols_per_day derived from observers ---------------------------------

def test_patrols_per_day_is_derived_from_observers_when_left_out():
    s = validate_scenario(line_scenario([derived_team()]))
    team = s.assets[0]
    assert team.patrols_per_day == pytest.approx(10 * 0.4 / 2)
    assert team.sweep_km2_per_day == pytest.approx(2 * 12 * 0.5)
    # Re-validated from its own dump (as with_overrides does), it stays the same.
    assert with_overrides(s, {"budget.annual_usd": 5e6}).assets[0].patrols_per_day == pytest.approx(2.0)


def test_patrol_without_patrols_per_day_or_duty_share_is_rejected():
    team = derived_team()
    del team["duty_share"]
    with pytest.raises(ConfigError) as exc:
        validate_scenario(line_scenario([team]))
    assert exc.value.lines == ["<memory>: assets[team].patrols_per_day: required key is missing "
                                  "(or give duty_share, with observers > 0, to derive it)"]


def test_patrols_per_day_that_disagrees_with_duty_share_is_rejected():
    with pytest.raises(ConfigError) as exc:
        validate_scenario(line_scenario([derived_team(patrols_per_day=3)]))
    (line,) = exc.value.lines
    assert line.startswith("<memory>: assets[team].duty_share = 0.4: gives 2 patrols a day")
    # When they agree, both may be given.
    assert validate_scenario(line_scenario([derived_team(patrols_per_day=2)])).assets[0].patrols_per_day == 2


def test_uniimog_config_derives_four_patrols_a_team_site():
    team = load_scenario(UNIIMOG).asset("team")
    assert "patrols_per_day" not in team.model_fields_set
    assert (team.observers, team.observers_per_patrol, team.duty_share) == (25, 2, 0.32)
    assert team.patrols_per_day == pytest.approx(4.0)


# --- the figures, by hand -----------------------------------------------------------------

def test_figures_by_hand_on_a_straight_line():
    # 20 km line (40 cells of 1 km2, 20 a side), reference 70 km: UNIIMOG's density gives
    # 400 / 1,400 x 70 = 20 observers = 2 teams of 10, at the 2 candidate sites (s = 5, 15 km,
    # side A). Each reaches the 6 cells of its side within 3 km (s = 2.5..7.5), so A_j = 6 km2;
    # S = 2 patrols x 12 km x 0.5 km = 12 km2 a day: 2 passes a day, a = 2/24 x 6 h x 0.5 = 0.25.
    raw = line_scenario([derived_team()], classes=[one_class(duration_h=6.0, patrol=0.5)])
    raw["line"]["reference_length_km"] = 70.0
    doc = calibrate(validate_scenario(raw)).to_dict()
    assert doc["teams"] == 2 and doc["observers"] == 20
    assert doc["observers_on_patrol_per_day"] == pytest.approx(8.0)
    assert doc["patrols_per_day"] == pytest.approx(4.0)
    assert doc["patrol_km_per_day"] == pytest.approx(48.0)
    assert doc["patrol_hours_per_day"] == pytest.approx(48.0 / 20)
    assert doc["sweep_km2_per_day"] == pytest.approx(24.0)
    assert doc["passes_per_line_km_per_day"] == pytest.approx(48.0 / 20, rel=1e-4)
    assert doc["zone_share_in_reach"] == pytest.approx(12 / 40, rel=1e-4)
    assert doc["passes_per_day_in_reach"] == pytest.approx(2.0, rel=1e-4)
    assert doc["by_class"]["incursion"] == pytest.approx(12 / 40 * (1 - math.exp(-0.25)), rel=1e-4)
    assert doc["detection"] == pytest.approx(doc["by_class"]["incursion"])
    rows = {r["figure"]: r for r in doc["figures"]}
    assert rows["patrols a day"]["per_km_reference"] == pytest.approx(4.0 / 70)
    assert rows["patrols a day"]["per_km_line"] == pytest.approx(4.0 / 20, rel=1e-4)
    assert set(rows["patrols a day"]["parameters"]) == {"assets[team].duty_share", "assets[team].observers_per_patrol"}
    assert doc["uniimog_equivalent_budget_usd"] == pytest.approx(150e6 * 70 / 1400)


def test_patrols_follow_duty_share(tmp_path):
    """Halving the duty share halves the patrols and the km swept: they are derived, not copied."""
    text = UNIIMOG.read_text(encoding="utf-8")
    assert text.count("duty_share = 0.32 ") == 1
    path = tmp_path / "uniimog-half.toml"
    path.write_text(text.replace("duty_share = 0.32 ", "duty_share = 0.16 "), encoding="utf-8")
    (path.parent / "data").mkdir()
    (path.parent / "data" / "iran-iraq-1988.geojson").write_bytes(
        (CONFIGS / "data" / "iran-iraq-1988.geojson").read_bytes())
    doc = calibrate(path).to_dict()
    assert doc["observers"] == 400
    assert doc["patrols_per_day"] == pytest.approx(32.0)
    assert doc["sweep_km2_per_day"] == pytest.approx(32 * 60 * 1.0)


# --- the command --------------------------------------------------------------------------

def test_calibrate_uniimog_gives_64_patrols_a_day_from_400_observers(capsys):
    assert main(["calibrate", str(UNIIMOG), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert abs(doc["observers"] - UNIIMOG_OBSERVERS) <= 10
    assert abs(doc["patrols_per_day"] - UNIIMOG_PATROLS_PER_DAY) <= 3
    assert doc["reference_length_km"] == UNIIMOG_LINE_KM
    patrols = next(r for r in doc["figures"] if r["figure"] == "patrols a day")
    assert patrols["parameters"] == {"assets[team].duty_share": 0.32, "assets[team].observers_per_patrol": 2}
    assert any("Norwegian memoir" in src for src in patrols["sources"])


def test_calibrate_prints_each_figure_with_its_derivation_and_sources(capsys):
    assert main(["calibrate", str(UNIIMOG)]) == 0
    out = capsys.readouterr().out
    for figure in ("observers", "teams", "patrols a day", "patrol km a day", "km2 swept a day",
                   "passes per km of line a day", "detection: incursion", "per km ref", "per km drawn"):
        assert figure in out
    assert "= 400 x 0.32 / 2 observers a patrol (16 teams x 4)" in out
    assert "from assets[team].observers = 25: derived: about 400 observers (UN UNIIMOG background) / 16 team sites" in out
    assert "UNIIMOG-equivalent yearly budget for this line: $150.00M" in out


def test_calibrate_ukraine_scales_uniimog_to_the_reference_length(capsys):
    assert main(["calibrate", str(CONFIGS / "ukraine-2025.toml"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    target = UNIIMOG_OBSERVERS / UNIIMOG_LINE_KM * 965
    assert doc["teams"] == round(target / 12) and doc["observers"] == 12 * doc["teams"]
    assert doc["patrols_per_day"] == 2 * doc["teams"]
    assert doc["uniimog_equivalent_budget_usd"] == pytest.approx(150e6 * 965 / 1400)
    assert 0 < doc["detection"] < 1


def test_calibrate_bad_asset_is_one_line_and_status_2(capsys):
    assert main(["calibrate", str(UNIIMOG), "--asset", "nope"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and '--asset "nope": no asset named' in captured.err


def test_calibrate_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["calibrate", "--help"])
    assert exc.value.code == 0
    assert "example: monitor calibrate configs/" in capsys.readouterr().out


def test_key_comments_reads_the_comment_beside_each_key(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[line]\nreference_length_km = 965   # about 600 miles\n\n'
                    '[[assets]]\nkind = "patrol"\nname = "a#b"   # a name with a hash\n'
                    'patrol_km = 50  # estimate: short\nnote = "x # y"\n\n'
                    '[[assets]]\nname = "c"\npatrol_km = 9 # other\n', encoding="utf-8")
    got = key_comments(path)
    assert got == {"line.reference_length_km": "about 600 miles", "assets[a#b].name": "a name with a hash",
                   "assets[a#b].patrol_km": "estimate: short", "assets[c].patrol_km": "other"}
    assert key_comments(tmp_path / "missing.toml") == {}


def test_existing_configs_stay_valid():
    for path in sorted(CONFIGS.glob("*.toml")):
        s = load_scenario(path)
        for a in s.assets:
            if a.kind == "patrol":
                assert a.patrols_per_day > 0
