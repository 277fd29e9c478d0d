from django.conf import settings
from django.core.management.base import BaseCommand

from dds.jobs.services import jobs_run_queued
from dds.jobs.sweeper import sweep


class Command(BaseCommand):
    help = (
        "Run one sweep now: send jobs that were never sent, and enqueue again the work of resources that stayed not "
        "consistent longer than --older-than. The workers and the embedded server already sweep by themselves."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.RECONCILE_OLDER_THAN,
            metavar="SECONDS",
            help="how long a resource may stay not consistent before its work is enqueued again (default %(default)s)",
        )

    def handle(self, *args, older_than, **options):
        for name, count in sweep(older_than=older_than).items():
            self.stdout.write(f"{name}: {count}")
        jobs_run_queued()  # inline mode: what the sweep queued runs now, in this command
