"""Folders and files the search tests share, indexed as a request would have them indexed: through the job layer,
after the commit (inline mode runs each job right then)."""

import pytest

from dds.audit import Actor
from metadata import services as metadata

from ..committing import commit_then_run_jobs
from ..files.conftest import stored_file, stored_folder


@pytest.fixture
def indexed():
    """`with indexed(): …` runs the jobs the block enqueued once it ends, as the commit of a request would."""
    return commit_then_run_jobs


@pytest.fixture
def tree(alice, bob, project, make_project, indexed):
    """Alice's project: folder "raw" holding liver.fastq (tagged sequencing, DNA; metadata HiSeq) and kidney.fastq
    (tagged sequencing); notes.txt at the top. Bob's project "Secret": liver-secret.fastq (tagged sequencing)."""
    actor = Actor(user=alice)
    with indexed():
        raw = stored_folder(project, alice, None, "raw")
        liver = stored_file(project, alice, raw, b"l", "liver.fastq")
        kidney = stored_file(project, alice, raw, b"k", "kidney.fastq")
        notes = stored_file(project, alice, None, b"n", "notes.txt")
        secret = make_project(bob, "Secret")
        hidden = stored_file(secret, bob, None, b"s", "liver-secret.fastq")
        metadata.tags_append(actor=actor, obj=liver, labels=["sequencing", "DNA"])
        metadata.tags_append(actor=actor, obj=kidney, labels=["sequencing"])
        metadata.tags_append(actor=Actor(user=bob), obj=hidden, labels=["sequencing"])
        template = metadata.template_create(actor=actor, name="run", label="Run")
        metadata.property_create(
            actor=actor, template=template, key="machine", label="Machine", description="d", data_type="string"
        )
        metadata.metadata_create(actor=actor, obj=liver, template=template, pairs=[("machine", "HiSeq 4000")])
    return {"raw": raw, "liver": liver, "kidney": kidney, "notes": notes, "secret": secret, "hidden": hidden}
