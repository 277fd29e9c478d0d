import signal
import threading

import dramatiq
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dds.jobs.adapters import adapter
from dds.jobs.registry import load_workers
from dds.jobs.sweeper import Sweeper


def selected_workers(names, *, except_names):
    """The worker names to run: `names`, or all but `except_names`. An unknown name is an error listing the valid."""
    workers = load_workers()
    valid = f"valid names: {', '.join(sorted(workers))}"
    if unknown := sorted(set(names) - set(workers)):
        raise CommandError(f"unknown worker {', '.join(unknown)}; {valid}")
    if unknown := sorted(set(except_names) - set(workers)):
        raise CommandError(f"WORKERS_ALL_RUN_EXCEPT names an unknown worker {', '.join(unknown)}; {valid}")
    return [name for name in workers if name in names] if names else [n for n in workers if n not in except_names]


class Command(BaseCommand):
    help = (
        "Run background workers (all of them except WORKERS_ALL_RUN_EXCEPT, or those named) until SIGTERM or "
        "SIGINT; in-flight jobs finish, unstarted messages go back to RabbitMQ."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", metavar="NAME", help="worker names, e.g. initialize_project_storage")
        parser.add_argument("--threads", type=int, default=4, help="jobs run at once (default %(default)s)")
        parser.add_argument(
            "--sweep-every",
            type=int,
            default=settings.JOB_SWEEP_EVERY,
            metavar="SECONDS",
            help="send unsent jobs and re-enqueue lost work every SECONDS (default: JOB_SWEEP_EVERY, %(default)s)",
        )

    def handle(self, *args, names, threads, sweep_every, **options):
        chosen = selected_workers(names, except_names=settings.WORKERS_ALL_RUN_EXCEPT)
        if not adapter().uses_broker:
            raise CommandError("run_workers needs ACTIVE_JOB_QUEUE_ADAPTER=dramatiq and CLOUDAMQP_URL")
        if not chosen:
            raise CommandError("no worker left to run: WORKERS_ALL_RUN_EXCEPT names them all")
        workers = load_workers()
        broker = dramatiq.get_broker()
        worker = dramatiq.Worker(broker, queues={workers[name].queue_name for name in chosen}, worker_threads=threads)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        sweeper = Sweeper(every=sweep_every, workers=set(chosen)) if sweep_every else None
        worker.start()
        if sweeper:
            sweeper.start()
        self.stdout.write(f"running workers: {', '.join(chosen)}", self.style.SUCCESS)
        self.stdout.flush()
        try:
            # A signal the kernel hands to another thread does not wake a wait with no timeout: look every second.
            while not stop.wait(timeout=1):
                pass
        finally:
            self.stdout.write("stopping: finishing in-flight jobs")
            if sweeper:
                sweeper.stop()
            worker.stop()
            broker.close()
