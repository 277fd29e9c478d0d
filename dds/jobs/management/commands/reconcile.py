from django.conf import settings
from django.core.management.base import BaseCommand

from dds.jobs.reconcile import reconcile


class Command(BaseCommand):
    help = "Enqueue again the background work of resources that stayed not consistent longer than --older-than."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.RECONCILE_OLDER_THAN,
            metavar="SECONDS",
            help="how long a resource may stay not consistent before its work is enqueued again (default %(default)s)",
        )

    def handle(self, *args, older_than, **options):
        for name, count in reconcile(older_than_seconds=older_than).items():
            self.stdout.write(f"{name}: {count} enqueued again")
