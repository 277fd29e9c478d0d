"""The two ways jobs run, chosen from ACTIVE_JOB_QUEUE_ADAPTER in this module only: `Inline` (in the web process,
after the response) and `Dramatiq` (RabbitMQ and `manage.py run_workers`). Each says, for its mode, what happens to a
job once its transaction commits, how the message log and the follower's hints travel, what the sweeper does with a
job nobody sent, and what /health reports of the broker.
"""

import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial

import dramatiq
import pika
from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone
from pika.exceptions import AMQPError

from messagelog.capture import publish, record_pending, store_pending

from .models import Job
from .registry import load_workers, worker_named
from .retries import retry_on_dropped_connection

logger = logging.getLogger(__name__)

_BROKER_TIMEOUT_SECONDS = 3


def job_message(job):
    """The Dramatiq message that carries `job`: the same message, with the same id, however often it is sent. Inline,
    it is what the message log records of the job."""
    actor = worker_named(job.worker)
    return dramatiq.Message(
        queue_name=actor.queue_name,
        actor_name=actor.actor_name,
        args=tuple(job.args),
        kwargs={},
        options={"request_id": job.request_id, "user_id": str(job.user_id) if job.user_id else None},
        message_id=str(job.id),
        message_timestamp=int(job.created_on.timestamp() * 1000),
    )


class Inline:
    """Jobs run in the web process, never inside a request: a job committed goes to this process's queue, which
    INLINE_RUNNERS threads work through after the responses (`start`, from dds/wsgi.py); the sweeper queues the jobs
    due again. A process without runners (a management command) leaves its jobs to a web process's sweeper; a test
    runs them with `drain`."""

    uses_broker = False
    INLINE_RUNNERS = 2

    def __init__(self):
        self._waiting = queue.SimpleQueue()
        self._queued = set()
        self._lock = threading.Lock()
        self._runners = []
        self._stopping = threading.Event()
        # The follower's hints: chunks hashed beside the requests, never in one.
        self._hints = ThreadPoolExecutor(max_workers=1, thread_name_prefix="follow")

    @property
    def verdict_may_lag(self):
        """Whether a verification may still be running when `complete` answers: when runners run it."""
        return bool(self._runners)

    def after_commit(self, job):
        record_pending(job_message(job))
        transaction.on_commit(partial(self.resume, job.id, recorded=job), robust=True)

    def resume(self, job_id, *, recorded=None):
        """Queue a job to run here; False if it waits in the queue already. `recorded`: the row as job_enqueue
        recorded it, which the run then need not read again."""
        key = str(job_id)
        with self._lock:
            if key in self._queued:
                return False
            self._queued.add(key)
        self._waiting.put((key, recorded))
        return True

    def _take(self, timeout):
        key, recorded = self._waiting.get(timeout=timeout)
        with self._lock:
            self._queued.discard(key)
        return key, recorded

    def drain(self, run):
        """Run the queued jobs in this thread, those they queue included, until none is left; how many ran."""
        ran = 0
        while True:
            try:
                key, recorded = self._take(timeout=0)
            except queue.Empty:
                return ran
            run(key, recorded=recorded)
            ran += 1

    def start(self, run):
        """Start this process's runners once: each takes the next queued job and `run`s it."""
        with self._lock:
            if self._runners:
                return
            self._stopping.clear()
            self._runners = [
                threading.Thread(target=self._runner, args=(run,), name=f"dds-job-{n}", daemon=True)
                for n in range(self.INLINE_RUNNERS)
            ]
        for runner in self._runners:
            runner.start()

    def _runner(self, run):
        while not self._stopping.is_set():
            try:
                key, recorded = self._take(timeout=0.5)
            except queue.Empty:
                continue
            close_old_connections()
            run(key, recorded=recorded)
            close_old_connections()
        connections.close_all()

    def stop(self):
        """Stop the runners once their current jobs end (tests); what is still queued stays queued."""
        self._stopping.set()
        for runner in self._runners:
            runner.join()
        self._runners = []

    def log(self, log_entry):
        """A message log entry waits in the database, written in the caller's transaction."""
        store_pending(log_entry)

    def hint(self, actor_name, *args, here):
        """Something useful but not owed (the follower's hashing): `here()` runs here, beside the requests."""
        self._hints.submit(here)

    def hints_wait(self):
        """Wait until the hints given so far have run (tests)."""
        self._hints.submit(lambda: None).result(timeout=30)

    def queue_holds_messages(self, queue_name):
        return False  # no broker carries the jobs

    def broker_health(self):
        return {"ok": True, "adapter": "inline"}


class Dramatiq:
    """Jobs are published to RabbitMQ (publisher confirms) once their transaction commits and run by `manage.py
    run_workers`; the message log and the follower's hints travel on RabbitMQ too."""

    uses_broker = True
    verdict_may_lag = True

    def after_commit(self, job):
        transaction.on_commit(partial(self.send, job), robust=True)

    def send(self, job):
        """Publish `job`, read unsent: right after its commit nobody else sends it (the sweeper waits SEND_GRACE)."""
        try:
            dramatiq.get_broker().enqueue(job_message(job))
        except Exception as error:
            logger.warning("job %s could not be sent (the sweeper sends it again): %s", job.id, error)
            reason = f"not sent: {type(error).__name__}: {error}"
            retry_on_dropped_connection(lambda: Job.objects.filter(id=job.id).update(last_error=reason))
            return False
        retry_on_dropped_connection(
            lambda: Job.objects.filter(id=job.id, sent_on__isnull=True).update(sent_on=timezone.now(), last_error="")
        )
        return True

    def resume(self, job_id, *, recorded=None):
        """Publish a recorded job that was not sent yet. Returns whether it is sent now."""
        job = Job.objects.filter(id=job_id, state=Job.State.INITIALIZED, sent_on__isnull=True).first()
        return job is not None and self.send(job)

    def drain(self, run):
        return 0  # the workers run the jobs

    def log(self, log_entry):
        """A message log entry is published to `message_log` once the caller's transaction has committed."""
        transaction.on_commit(partial(self._publish, log_entry))

    def _publish(self, log_entry):
        broker = dramatiq.get_broker()
        for attempt in (1, 2):
            try:
                publish(broker.channel, log_entry)
                return
            except AMQPError:
                # A connection the server closed while idle: the next one is fresh, as Dramatiq's own enqueue does.
                del broker.connection
                if attempt == 2:
                    logger.exception("message log entry %s (%s) was not published", log_entry["message_id"], log_entry)

    def hint(self, actor_name, *args, here):
        """Something useful but not owed: a message to `actor_name` with `args`, no job record; nothing waits for it."""
        try:
            load_workers()  # declares the actor in this process
            dramatiq.get_broker().get_actor(actor_name).send(*args)
        except Exception as error:
            logger.warning("hint %s%s not sent: %s", actor_name, args, error)

    def queue_holds_messages(self, queue_name):
        """Whether `queue_name` (with its delayed queue) holds messages."""
        ready, delayed, _ = dramatiq.get_broker().get_queue_message_counts(queue_name)
        return ready + delayed > 0

    def broker_health(self):
        """RabbitMQ reachable, every worker's queue declared, and no queue with a backlog no worker consumes."""
        parameters = pika.URLParameters(settings.CLOUDAMQP_URL)
        parameters.socket_timeout = parameters.blocked_connection_timeout = _BROKER_TIMEOUT_SECONDS
        stall_before = timezone.now() - timedelta(seconds=settings.HEALTH_QUEUE_STALL_SECONDS)
        queues, consumers, missing, stalled = {}, {}, [], []
        connection_ = pika.BlockingConnection(parameters)
        try:
            for queue_name in sorted({actor.queue_name for actor in load_workers().values()}):
                channel = connection_.channel()
                try:
                    declared = channel.queue_declare(queue_name, passive=True).method
                    channel.close()
                except pika.exceptions.ChannelClosedByBroker:
                    missing.append(queue_name)
                    continue
                queues[queue_name], consumers[queue_name] = declared.message_count, declared.consumer_count
                if declared.message_count and not declared.consumer_count and _queue_stalled(queue_name, stall_before):
                    stalled.append(queue_name)
        finally:
            connection_.close()
        state = {"ok": not (missing or stalled), "adapter": "dramatiq", "queue_depths": queues, "consumers": consumers}
        if missing:
            state["missing_queues"] = missing
        if stalled:
            state["stalled_queues"] = stalled
        return state


def _queue_stalled(queue_name, stall_before):
    """A job sent to `queue_name` waits unstarted since before `stall_before`."""
    return Job.objects.filter(queue=queue_name, state=Job.State.INITIALIZED, sent_on__lt=stall_before).exists()


ADAPTERS = {"inline": Inline(), "dramatiq": Dramatiq()}


def adapter():
    """The adapter ACTIVE_JOB_QUEUE_ADAPTER names: the one place that reads the setting."""
    return ADAPTERS[settings.ACTIVE_JOB_QUEUE_ADAPTER]
