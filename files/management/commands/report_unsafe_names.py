from django.core.management.base import BaseCommand, CommandError

from files.selectors import names_refused


class Command(BaseCommand):
    help = (
        "List the projects, folders and files whose names the service refuses today (only dots and spaces, such as "
        "`.` and `..`; `/`, `\\` or a control character in a folder's or file's name): rows made before the rule, "
        "which a client could resolve as a step of a local path. Rename them (API or admin). Exits 1 if any is found."
    )

    def handle(self, *args, **options):
        found = 0
        for kind, row_id, project_id, is_deleted, name in names_refused():
            found += 1
            state = "deleted" if is_deleted else "live"
            self.stdout.write(f"{kind}\t{row_id}\tproject {project_id}\t{state}\t{name!r}")
        if found:
            raise CommandError(f"{found} name(s) the service refuses today", returncode=1)
        self.stdout.write("no name the service refuses")
