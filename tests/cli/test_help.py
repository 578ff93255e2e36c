"""`blog-api <command> --help` shows every option's full name, however narrow the terminal."""

from __future__ import annotations

import pytest
import typer.main
from typer.testing import CliRunner

from blog_api.cli import app

COMMAND = typer.main.get_command(app)


@pytest.mark.parametrize("name", sorted(COMMAND.commands))
def test_help_names_every_option_in_full_on_a_narrow_terminal(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "60"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    for param in COMMAND.commands[name].params:
        for opt in [*param.opts, *param.secondary_opts]:
            if opt.startswith("-"):
                assert opt in result.output, (name, opt)
