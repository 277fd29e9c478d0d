"""`manage.py search_reindex` rebuilds the index from the database."""

import io

from django.core.management import call_command

from search.models import Document

from .test_folders_files import names, search


def test_it_rebuilds_what_was_lost(as_alice, tree):
    Document.objects.all().delete()
    assert names(search(as_alice)) == []
    output = io.StringIO()
    call_command("search_reindex", "--batch-size", "2", stdout=output)
    assert names(search(as_alice)) == ["kidney.fastq", "liver.fastq", "notes.txt", "raw"]
    assert names(search(as_alice, {"query_string": {"query": "hiseq"}})) == ["liver.fastq"]
    assert "[########################################] 5/5" in output.getvalue()
    assert output.getvalue().endswith("reindexed 5 folders and files\n")
