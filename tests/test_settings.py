"""One settings model: defaults, validation errors naming the setting, the CLI's options
and help taken from it, the keys a suite may set."""

import pytest
from typer.testing import CliRunner

from claims.cli.main import app
from claims.kernel.settings import SUITE_PARAMETERS, ExtractionSettings, SettingsError, make_settings

runner = CliRunner()


def test_make_settings_names_the_bad_setting():
    s = make_settings(backend="openai", model="m", temperature=0.5)
    assert s.is_llm and s.temperature == 0.5 and make_settings(s, seed=3).seed == 3 and make_settings(s, seed=3).model == "m"
    for bad, field in (({"mode": "xml"}, "mode"), ({"cache": "sometimes"}, "cache"), ({"max_attempts": 0}, "max_attempts"),
                       ({"jobs": 0}, "jobs"), ({"colour": "red"}, "colour")):
        with pytest.raises(SettingsError) as e:
            make_settings(**bad)
        assert e.value.field == field and str(e.value).startswith(f"setting {field}: ")


def test_the_cli_takes_defaults_and_help_from_the_model():
    r = runner.invoke(app, ["extract", "--help"], env={"COLUMNS": "250"}, terminal_width=250)
    assert r.exit_code == 0
    for name in ("temperature", "seed", "chunk_overlap", "cache_dir", "max_tokens", "timeout"):
        desc = ExtractionSettings.model_fields[name].description
        assert desc and desc in " ".join(r.output.split()), name


def test_a_bad_value_on_the_command_line_is_one_line_naming_the_option(tmp_path):
    r = runner.invoke(app, ["extract", "gold/articles", "-o", str(tmp_path / "r"), "--backend", "openai", "--model", "m",
                            "--temperature", "3"])
    assert r.exit_code == 2 and r.output.startswith("error: --temperature: ") and len(r.output.strip().splitlines()) == 1


def test_suite_parameters_leave_out_identity_and_place():
    assert {"temperature", "mode", "max_tokens", "jobs", "chunk_chars"} <= set(SUITE_PARAMETERS)
    assert not {"backend", "model", "base_url", "prompt", "cache_dir"} & set(SUITE_PARAMETERS)


def test_settings_hold_no_secret():
    assert not {f for f in ExtractionSettings.model_fields if "key" in f or "token" == f}
