"""The apps import in one direction (pyproject.toml, [tool.importlinter]); bin/test checks it before every run."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .workers import ROOT

PACKAGES = ("dds", "projects", "uploads", "files", "provenance", "messagelog", "metadata", "search", "notifications")


def lint_imports(root):
    return subprocess.run(
        [Path(sys.executable).parent / "lint-imports", "--config", ROOT / "pyproject.toml"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_the_contracts():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, line, broken",
    [
        pytest.param(
            "uploads/views.py",
            "from files.models import FileVersion",
            ["uploads is not allowed to import files", "uploads.views -> files.models"],
            id="an app importing one above it",
        ),
        pytest.param(
            "uploads/storage/filesystem.py",
            "from uploads import services",
            [
                "uploads.storage is not allowed to import uploads.services",
                "uploads.storage.filesystem -> uploads.services",
            ],
            id="a storage backend importing the service that calls it",
        ),
        pytest.param(
            "dds/errors.py",
            "from projects.models import Project",
            ["dds.errors is not allowed to import projects", "dds.errors -> projects.models"],
            id="a kernel module importing an app",
        ),
    ],
)
def test_a_wrong_import_breaks_them(tmp_path, module, line, broken):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    source = tmp_path / module
    source.write_text(source.read_text() + f"\n{line}  # noqa\n")

    result = lint_imports(tmp_path)

    assert result.returncode == 1
    for text in broken:
        assert text in result.stdout, result.stdout
