"""The operators' list of jobs in the Django admin: one line per job at 1,400 px, and no empty Dramatiq section."""

import pytest

from dds.jobs.models import Job

CHANGELIST = "/admin/jobs/job/"
RESOURCE_ID = "acc7f4a8-3cb1-434e-b219-90bda0123f7b"
REQUEST_ID = "583077a3-9c1d-4c4e-8d0b-2f3a54c1e9aa"


@pytest.fixture
def job(db):
    return Job.objects.create(
        worker="initialize_project_storage",
        queue="project_storage_provider_initialization",
        args=[RESOURCE_ID],
        resource_id=RESOURCE_ID,
        request_id=REQUEST_ID,
    )


def test_it_lists_ids_by_their_first_characters_whole_on_hover(operator, job):
    page = operator.get(CHANGELIST).content.decode()

    assert f'<code title="{RESOURCE_ID}">acc7f4a8</code>' in page
    assert f'<code title="{REQUEST_ID}">583077a3</code>' in page


@pytest.mark.parametrize("term", ["acc7f4a8", RESOURCE_ID, "583077a3"])
def test_it_finds_a_job_by_the_characters_the_list_shows(operator, job, term):
    page = operator.get(CHANGELIST, {"q": term}).content.decode()

    assert "1 job" in page


def test_it_has_no_dramatiq_tasks_section_when_jobs_run_inline(operator, settings):
    assert settings.ACTIVE_JOB_QUEUE_ADAPTER == "inline"

    page = operator.get("/admin/").content.decode()

    assert "Background jobs" in page
    assert "Dramatiq" not in page
    assert operator.get("/admin/django_dramatiq/task/").status_code == 404
