"""The sign-in settings fail start-up with a message naming themselves."""

import pytest

from ..test_settings import start


@pytest.mark.parametrize(
    "variable, value",
    [("OIDC_TIMEOUT", "soon"), ("OIDC_TIMEOUT", "0"), ("SIGNIN_BASE_URL", "dds.example.org")],
)
def test_it_refuses_a_bad_value_naming_the_variable(variable, value):
    result = start(**{variable: value})

    assert result.returncode != 0
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_it_starts_with_good_values():
    result = start(OIDC_TIMEOUT="3", SIGNIN_BASE_URL="https://dds.example.org/")

    assert result.returncode == 0, result.stderr
