"""Keeps each job's record in step with what the Dramatiq worker does with its message.

django-dramatiq imports this module while Django loads its apps, before models can be: the services that touch Job
rows are imported when a hook first runs.
"""

from dramatiq.middleware import Middleware


def _services():
    from . import services  # noqa: PLC0415

    return services


class JobProgress(Middleware):
    def before_process_message(self, broker, message):
        _services().job_started(message.message_id)

    def after_enqueue(self, broker, message, delay):
        if message.options.get("retries") and delay:
            _services().job_retry_scheduled(message.message_id, delay_seconds=delay / 1000)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        _services().job_finished(message.message_id, error=exception, final=message.failed)

    def after_skip_message(self, broker, message):
        _services().job_finished(message.message_id, error=RuntimeError("skipped (too old)"), final=True)
