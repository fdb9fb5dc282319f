from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pmcoach.cli import main


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir: nothing touches the real one."""
    home = tmp_path / "pmcoach-home"
    monkeypatch.setenv("PMCOACH_HOME", str(home))
    return home


Result = tuple[int, str, str]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""

    def _run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run
