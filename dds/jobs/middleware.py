"""Keeps each job's record in step with what the Dramatiq worker does with its message."""

from dramatiq.middleware import Middleware


class JobProgress(Middleware):
    def before_process_message(self, broker, message):
        from .services import job_started

        job_started(message.message_id)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        from .services import job_finished

        job_finished(message.message_id, error=exception, final=message.failed)

    def after_skip_message(self, broker, message):
        from .services import job_finished

        job_finished(message.message_id, error=RuntimeError("skipped (too old)"), final=True)
