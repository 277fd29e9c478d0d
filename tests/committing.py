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
    # A job's own commits queue the jobs that follow it (a deletion's next step): run those too.
    ran = True
    while ran:
        with TestCase.captureOnCommitCallbacks(execute=True):
            ran = jobs_run_queued()
