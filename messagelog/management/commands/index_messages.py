from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from messagelog.indexing import IndexingFailed, drain, sink_for_settings, source_for_settings


class Command(BaseCommand):
    help = (
        "Drain the message log into its index (Elasticsearch when ELASTICSEARCH_URL is set, else the database) for "
        "--duration seconds. Exits non-zero, leaving unindexed entries queued, when the index fails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--duration",
            type=int,
            default=settings.MESSAGE_LOG_WORK_DURATION,
            help="seconds to work (default %(default)s)",
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help="entries per bulk request (default %(default)s)"
        )
        parser.add_argument(
            "--progress-every", type=float, default=10.0, metavar="SECONDS", help="progress line interval"
        )

    def handle(self, *args, duration, batch_size, progress_every, verbosity, **options):
        if duration < 1 or batch_size < 1:
            raise CommandError("--duration and --batch-size must be at least 1")
        if not progress_every > 0:
            raise CommandError("--progress-every must be more than 0 seconds")
        try:
            sink = sink_for_settings()
            source = source_for_settings(batch_size)
        except IndexingFailed as error:
            raise CommandError(f"index unavailable: {error}") from error
        except Exception as error:
            raise CommandError(f"message log queue unavailable: {type(error).__name__}: {error}") from error

        def report(progress):
            if verbosity > 0:
                self.stdout.write(f"indexed {progress.indexed} ({progress.rate():.0f}/s), queue depth {source.depth()}")

        try:
            progress = drain(
                source, sink, duration=duration, batch_size=batch_size, report=report, report_every=progress_every
            )
            if verbosity > 0:
                self.stdout.write(
                    f"done: indexed {progress.indexed} messages in {progress.elapsed():.1f} s "
                    f"({progress.rate():.0f}/s), queue depth {source.depth()}"
                )
        except IndexingFailed as error:
            raise CommandError(f"indexing stopped, the batch stays queued: {error}") from error
        finally:
            source.close()
