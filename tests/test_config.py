"""Config loading: every shipped config loads; bad keys and values are all reported."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import pytest
import yaml

from arner.config import Config, ConfigError, config_to_dict, dump_config, load_config

from support import ROOT

CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def test_configs_exist() -> None:
    assert {p.name for p in CONFIGS} >= {"quickstart.yaml", "tiny.yaml"}


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_shipped_config_loads_and_says_how_to_run(path: Path) -> None:
    config = load_config(path)
    assert isinstance(config, Config)
    assert config.name == path.stem
    header = path.read_text(encoding="utf-8").splitlines()[:6]
    assert any(path.name in line and line.startswith("#") for line in header), "run command in header"


def test_typo_in_key_is_rejected_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ndata:\n  variants_per_sentense: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"data.variants_per_sentense: unknown key \(did you mean 'variants_per_sentence'\?\)"):
        load_config(path)


def test_every_problem_is_listed_in_one_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "nmae: x\ndata:\n  seed: seven\n  keep_original: 'yes'\n  number_styles: [digits, roman]\n"
        "  rewrite_casualty: 1.5\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 4 problem(s)")
    for part in ("nmae: unknown key", "data.seed: expected int, got 'seven'", "data.keep_original: expected bool",
                 "data.number_styles[1]: choose from ['digits', 'arabic_indic', 'words'], got 'roman'"):
        assert part in message
    # impossible values are checked once the types are right
    path.write_text("data:\n  number_styles: []\n  rewrite_casualty: 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="2 problem"):
        load_config(path)


def test_choices_come_from_the_literal_annotations() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(None, ["train.mixed_precision=fp32", "model.normalize=arabic",
                           "data.corpora=[{name: c, path: c.txt, format: csv}]"])
    message = str(caught.value)
    assert "3 problem(s)" in message
    assert "train.mixed_precision: choose from ['no', 'fp16', 'bf16', 'auto'], got 'fp32'" in message
    assert "model.normalize: choose from ['auto', 'none', 'light', 'folded', 'arabert'], got 'arabic'" in message
    assert "data.corpora[0].format: choose from ['conll', 'jsonl'], got 'csv'" in message
    assert load_config(None, ["train.mixed_precision=bf16"]).train.mixed_precision == "bf16"
    # unquoted YAML no is false: it still means no mixed precision
    assert load_config(None, ["train.mixed_precision=no"]).train.mixed_precision == "no"


def test_overrides_parse_yaml_values_and_reject_non_assignments() -> None:
    config = load_config(ROOT / "configs" / "tiny.yaml", ["data.number_styles=[words]", "data.keep_original=false"])
    assert config.data.number_styles == ["words"] and config.data.keep_original is False
    with pytest.raises(ConfigError, match="expected key=value"):
        load_config(None, ["data.seed"])


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)


def test_dumped_config_loads_back(tmp_path: Path) -> None:
    config = load_config(ROOT / "configs" / "quickstart.yaml", ["data.seed=5"])
    dump_config(config, tmp_path / "resolved.yaml")
    assert load_config(tmp_path / "resolved.yaml") == config


def test_a_mistyped_data_path_is_reported_not_skipped() -> None:
    with pytest.raises(ConfigError) as err:
        load_config(None, ["data.eval_set=data/eval/conflict_nws.spans.jsonl", "data.gazetteers=data/gazeteers"])
    assert "data.eval_set: 'data/eval/conflict_nws.spans.jsonl' does not exist" in str(err.value)
    assert "data.gazetteers: 'data/gazeteers' does not exist" in str(err.value)
    assert load_config(None, ["data.eval_set=null"]).data.eval_set is None


@pytest.mark.parametrize("name", ["../../x", "reports/x", "..", ""])
def test_a_corpus_name_is_never_a_path(tmp_path: Path, name: str) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"data:\n  test_corpora:\n    - name: '{name}'\n      path: x.txt\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"test_corpora\[0\]"):
        load_config(config)


# ---------------------------------------------------------------- defaults, differences, help

def test_the_quickstart_is_the_defaults() -> None:
    """nanoGPT's layout: the recipe lives in the defaults, a config file lists changes."""
    quickstart = ROOT / "configs" / "quickstart.yaml"
    assert load_config(quickstart) == load_config(None)
    assert not yaml.safe_load(quickstart.read_text(encoding="utf-8"))  # comments only


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_config_lists_only_what_it_changes(path: Path) -> None:
    defaults = config_to_dict(load_config(None))
    resolved = config_to_dict(load_config(path))
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    keys = [(s, k) for s, v in raw.items() if isinstance(v, dict) for k in v]
    keys += [(k, None) for k, v in raw.items() if not isinstance(v, dict)]
    repeated = [f"{s}.{k}" if k else s for s, k in keys
                if (resolved[s][k] if k else resolved[s]) == (defaults[s][k] if k else defaults[s])]
    assert not repeated, f"{path.name} repeats defaults: {repeated}"


def test_every_config_resolves_to_its_recorded_values() -> None:
    """The recorded values are those from before the defaults became the quickstart's:
    a run's config.yaml must not change under it (resume compares them). Update
    tests/data/resolved_configs.json deliberately when a config changes."""
    expected = json.loads((ROOT / "tests" / "data" / "resolved_configs.json").read_text(encoding="utf-8"))
    assert sorted(expected) == [p.name for p in CONFIGS]
    for path in CONFIGS:
        assert config_to_dict(load_config(path)) == expected[path.name], path.name


def _settings(cls: type, prefix: str = "") -> list[tuple[str, dataclasses.Field]]:
    """Every leaf setting of ``cls`` as (dotted key, field); list entries as ``key[].field``."""
    hints, out = typing.get_type_hints(cls), []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        item = typing.get_args(hint)[0] if typing.get_origin(hint) is list else None
        if dataclasses.is_dataclass(hint):
            out += _settings(hint, f"{prefix}{f.name}.")
            continue
        out.append((f"{prefix}{f.name}", f))
        if dataclasses.is_dataclass(item):
            out += _settings(item, f"{prefix}{f.name}[].")
    return out


def test_help_shows_every_setting_with_its_type_default_and_help(capsys) -> None:
    import sys

    sys.path.insert(0, str(ROOT))
    try:
        from train import main
    finally:
        sys.path.remove(str(ROOT))
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    settings = [(k, f) for k, f in _settings(Config) if not k.startswith("data.test_corpora[]")]
    assert len(settings) > 50
    for key, f in settings:
        assert f.metadata.get("help"), f"{key}: no help text"
        assert f"\n  {key}: " in shown, f"{key} missing from --help"
    assert "\n  train.learning_rate: float = 0.00015\n      the encoder's peak learning rate" in shown
    assert "\n  train.mixed_precision: no|fp16|bf16|auto = auto\n" in shown
    assert "\n  data.corpora[].format: conll|jsonl = conll\n" in shown
    assert main([]) == 2  # no config: the usage, as "could not run"
