"""The service's settings with bench/noop/urls.py as the URL configuration: only bench/load.py serves with these."""

from dds.settings import *  # noqa: F403

ROOT_URLCONF = "bench.noop.urls"
