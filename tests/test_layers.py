"""The apps import in one direction (pyproject.toml, [tool.importlinter]); bin/test checks it before every run."""

import shutil
import subprocess
import sys
from pathlib import Path

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


def test_an_upward_import_breaks_them(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    views = tmp_path / "uploads" / "views.py"
    views.write_text(views.read_text() + "\nfrom files.models import FileVersion  # noqa\n")

    result = lint_imports(tmp_path)

    assert result.returncode == 1
    assert "uploads is not allowed to import files" in result.stdout
    assert "uploads.views -> files.models" in result.stdout
