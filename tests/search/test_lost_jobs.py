"""An indexing job whose message is lost (a queue deleted or purged) is sent again by the sweeper, as every worker's:
a change reaches search with nobody running a command."""

import uuid

from dds.jobs.models import Job
from dds.jobs.services import job_enqueue

from ..jobs.test_sweeper import age, committed, process_dies_after_commit, sweep
from ..workers import queue_depth

QUEUE = "search_indexing"


@committed
def test_a_lost_indexing_job_is_sent_again(dramatiq_mode, settings):
    with process_dies_after_commit():
        job_enqueue("index_search_document", uuid.uuid4())
    age(created_on=10)
    assert sweep()["sent"] == 1
    dramatiq_mode.flush(QUEUE)  # the message is gone
    lost = Job.objects.get()
    age(created_on=120, sent_on=settings.RECONCILE_OLDER_THAN + 1)

    assert sweep()["resent"] == 1

    lost.refresh_from_db()
    assert lost.state == Job.State.SUPERSEDED
    replacement = Job.objects.exclude(pk=lost.pk).get()
    assert replacement.args == lost.args and replacement.sent_on is not None
    assert queue_depth(dramatiq_mode, QUEUE)["ready"] == 1
