"""Commits as the service makes them, inside pytest-django's test transaction, which never commits by itself."""

from contextlib import contextmanager

from django.test import TestCase

from dds.jobs.services import jobs_run_queued


@contextmanager
def commit_then_run_jobs():
    """The block's on-commit callbacks run when it ends, as a real commit would run them; then the inline jobs they
    queued run in this thread, as this process's job runners would run them once the response is sent."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield
    jobs_run_queued()
