from django.core.management.base import BaseCommand, CommandError

from dds.jobs.models import Job
from dds.jobs.services import job_requeue, jobs_run_queued
from dds.lookups import parse_uuid


class Command(BaseCommand):
    help = "Run failed jobs (all of them with --failed, or the given job ids) again, as new jobs."

    def add_arguments(self, parser):
        parser.add_argument("job_ids", nargs="*", metavar="JOB_ID")
        parser.add_argument("--failed", action="store_true", help="every job in state failed")

    def handle(self, *args, job_ids, failed, **options):
        if not job_ids and not failed:
            raise CommandError("name job ids, or pass --failed")
        ids = [parse_uuid(job_id) for job_id in job_ids]
        if None in ids:
            raise CommandError(f"not a job id: {job_ids[ids.index(None)]}")
        jobs = Job.objects.filter(state=Job.State.FAILED) if failed else Job.objects.filter(id__in=ids)
        for job in jobs:
            new = job_requeue(job=job)
            self.stdout.write(f"{job.id} {job.worker}: requeued as {new.id}")
        jobs_run_queued()  # inline mode: the new jobs run now, in this command
