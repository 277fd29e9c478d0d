"""Operators look at activities and relations in the Django admin; changes go through the API."""

from provenance.models import Activity, Relation

from .conftest import activity_of, relate


def test_it_lists_and_shows_activities_and_relations(operator, as_alice, versions):
    activity = activity_of(as_alice, "bwa alignment")
    relation = relate(as_alice, "used", activity, versions["in"])

    pages = [
        operator.get("/admin/provenance/activity/"),
        operator.get(f"/admin/provenance/activity/{activity['id']}/change/"),
        operator.get("/admin/provenance/relation/", {"kind": "dds-relation-used"}),
        operator.get(f"/admin/provenance/relation/{relation['id']}/change/"),
    ]

    assert [page.status_code for page in pages] == [200] * 4
    assert b"bwa alignment" in pages[0].content and relation["id"].encode() in pages[2].content


def test_it_adds_and_deletes_nothing_behind_the_apis_back(operator, as_alice):
    activity = activity_of(as_alice)

    assert operator.get("/admin/provenance/activity/add/").status_code == 403
    assert operator.post(f"/admin/provenance/activity/{activity['id']}/delete/").status_code == 403
    assert Activity.objects.count() == 1 and not Relation.objects.exists()
