"""The README documents every command and setting; the public API lists are true."""

from __future__ import annotations

from pathlib import Path

import pytest

import activelabel.al
import activelabel.ml
from activelabel.cli import app
from activelabel.config import Settings
from activelabel.project_config import ProjectConfig

README = (Path(__file__).parent.parent.parent / "README.md").read_text(encoding="utf-8")


def _command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        if subcommands:
            names += [f"{name} {sub}" for sub in subcommands]
        else:
            names.append(name)
    return sorted(names)


@pytest.mark.parametrize("command", _command_names())
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    first = command.split()[0]
    assert f"activelabel {first}" in README, (
        f"`activelabel {command}` is not documented"
    )


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme_configuration_table(field: str) -> None:
    assert f"ACTIVELABEL_{field.upper()}" in README


@pytest.mark.parametrize("field", sorted(ProjectConfig.model_fields))
def test_every_project_setting_is_in_the_readme_project_settings_table(
    field: str,
) -> None:
    assert f"| `{field}` |" in README


@pytest.mark.parametrize("module", [activelabel.al, activelabel.ml])
def test_public_api_lists_name_only_what_exists(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert len(names) == len(set(names))  # order is ruff's (RUF022), checked by lint
    for name in names:
        assert hasattr(module, name), name


def test_cli_choices_match_what_the_library_accepts() -> None:
    from activelabel import choices
    from activelabel.al import STRATEGY_NAMES
    from activelabel.loop.query_scores import QUERY_STRATEGIES
    from activelabel.ml.training import MODEL_KINDS

    assert choices.STRATEGY_NAMES == STRATEGY_NAMES
    assert choices.QUERY_STRATEGIES == QUERY_STRATEGIES
    assert choices.MODEL_KINDS == MODEL_KINDS
