"""The `followup` commands run in this process: the entry point's own Typer app, with
the same parsing and output, without a Python start per call (the installed command
is run as a subprocess by test_cli.py, test_cli_admin.py and others)."""

from __future__ import annotations

import subprocess

from typer.testing import CliRunner

from api.cli import app


def run_in_process(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    result = CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)
    return subprocess.CompletedProcess(
        ["followup", *args], result.exit_code, result.stdout, result.stderr
    )
