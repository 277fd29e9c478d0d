"""The real DukeDSClient 4.0.0, run from its own virtualenv (`.venv-ddsclient`, made by bin/test) against a live server.

`ddsc_api(url, user_key=…, agent_key=…, code=…)` runs `code` in the client's interpreter with `api` bound to an
authenticated `ddsc.core.ddsapi.DataServiceApi`; whatever the code assigns to `result` comes back, JSON round-tripped.
`ddsclient_cli(config_path, *args)` runs the `ddsclient` command itself. Both skip the client's PyPI version check,
which sleeps 2 s when PyPI cannot be reached.
"""

import json
import os
import subprocess
import textwrap

import pytest
import yaml

from .workers import ROOT

CLIENT_PYTHON = ROOT / ".venv-ddsclient" / "bin" / "python"

_NO_VERSION_CHECK = "import ddsc.ddsclient\nddsc.ddsclient.DDSClient._check_pypi_version = lambda self: None\n"

_API_PRELUDE = """
import json, sys
from ddsc.config import Config
from ddsc.core.ddsapi import DataServiceApi, DataServiceAuth
config = Config()
config.update_properties(json.loads(sys.argv[1]))
api = DataServiceApi(DataServiceAuth(config), config.url)
result = None
"""

_RESULT_MARK = "\n--ddsc-result--\n"


def _client_python():
    if not CLIENT_PYTHON.exists():
        pytest.skip("the DukeDSClient virtualenv .venv-ddsclient is missing: bin/test makes it")
    return str(CLIENT_PYTHON)


def client_config(url, *, user_key, agent_key, **extra):
    return {"url": url, "user_key": user_key, "agent_key": agent_key, **extra}


def write_client_config(path, url, *, user_key, agent_key, **extra):
    """A ~/.ddsclient-style YAML file, private as the client demands."""
    path.write_text(yaml.safe_dump(client_config(url, user_key=user_key, agent_key=agent_key, **extra)))
    path.chmod(0o600)
    return path


def ddsc_api(url, *, user_key, agent_key, code, timeout=120):
    """Run `code` with `api` (an authenticated DataServiceApi); return what it left in `result`."""
    script = (
        _NO_VERSION_CHECK
        + _API_PRELUDE
        + textwrap.dedent(code)
        + f"\nsys.stdout.write({_RESULT_MARK!r} + json.dumps(result))\n"
    )
    config = json.dumps(client_config(url, user_key=user_key, agent_key=agent_key))
    completed = subprocess.run(
        [_client_python(), "-c", script, config], capture_output=True, text=True, timeout=timeout
    )
    if completed.returncode != 0 or _RESULT_MARK not in completed.stdout:
        raise AssertionError(f"DukeDSClient failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.rsplit(_RESULT_MARK, 1)[1])


def ddsclient_cli(config_path, *args, timeout=600, cwd=None):
    """Run `ddsclient *args` with the config file at `config_path`; returns the CompletedProcess."""
    script = _NO_VERSION_CHECK + "import sys\nfrom ddsc.__main__ import main\nmain(sys.argv[1:])\n"
    return subprocess.run(
        [_client_python(), "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "DDSCLIENT_CONF": str(config_path)},
    )
