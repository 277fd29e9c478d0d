from django.core.management.base import BaseCommand, CommandError

from search.services import documents_reindex


class Command(BaseCommand):
    help = (
        "Rebuild the search document of every folder and file from the database, batch by batch; search keeps "
        "answering while it runs. With Elasticsearch, into a new index of the current mapping, to which the search "
        "alias then moves."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000, help="rows per batch (default %(default)s)")

    def handle(self, *args, batch_size, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")

        def report(done, total):
            if verbosity > 0:
                width = 40
                filled = width * done // total if total else width
                self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
                self.stdout.flush()

        total = documents_reindex(batch_size=batch_size, report=report)
        if verbosity > 0:
            self.stdout.write(f"\nreindexed {total} folders and files")
