"""POST /relations/<kind>, GET /relations/{kind}/{id}, GET/DELETE /relations/{id}: the original's relations_api.rb,
its prov relation models (the rules) and their policies."""

import uuid

import pytest

from dds.audit import Actor
from files.selectors import file_versions
from files.serializers import FileVersionSerializer
from projects import services as projects
from provenance.models import Edge, Relation

from ..client import API
from ..envelopes import FORBIDDEN, TIMESTAMP, invalid, not_found, user_preview
from .conftest import activity_of, derive, relate


def version_data(version):
    return FileVersionSerializer(file_versions().get(pk=version.pk)).data


def restricted(version):
    return {"kind": "dds-file-version", "id": str(version.id), "is_deleted": version.is_deleted}


def test_it_records_a_used_relation_from_the_activity_to_the_file_version(as_alice, alice, versions):
    activity = activity_of(as_alice)

    body = relate(as_alice, "used", activity, versions["in"])

    assert body["kind"] == "dds-relation-used" and uuid.UUID(body["id"])
    assert (body["from"], body["to"]) == (activity, version_data(versions["in"]))
    assert body["audit"]["created_by"] == user_preview(alice) and TIMESTAMP.match(body["audit"]["created_on"])
    assert Edge.objects.filter(relation=body["id"]).count() == 2


@pytest.mark.parametrize(
    ("kind", "wire"), [("was_generated_by", "dds-relation-was-generated-by"), ("used", "dds-relation-used")]
)
def test_it_takes_the_entity_kind_dukedsclient_sends(as_alice, versions, kind, wire):
    activity = activity_of(as_alice)
    body = {"activity": {"id": activity["id"]}, "entity": {"kind": "dds-file", "id": str(versions["out"].id)}}

    response = as_alice.post(f"{API}/relations/{kind}", body, format="json")

    assert response.status_code == 201 and response.json()["kind"] == wire


def test_it_records_was_generated_by_from_the_file_version_to_the_activity(as_alice, versions):
    activity = activity_of(as_alice)

    body = relate(as_alice, "was_generated_by", activity, versions["out"])

    assert body["kind"] == "dds-relation-was-generated-by"
    assert (body["from"], body["to"]) == (version_data(versions["out"]), activity)


def test_it_records_was_derived_from_from_the_generated_to_the_used_version(as_alice, versions):
    body = derive(as_alice, versions["out"], versions["in"])

    assert body["kind"] == "dds-relation-was-derived-from"
    assert (body["from"], body["to"]) == (version_data(versions["out"]), version_data(versions["in"]))


def test_it_records_was_invalidated_by_for_a_deleted_version_only(as_alice, versions, deleted_version):
    activity = activity_of(as_alice)

    refused = relate(as_alice, "was_invalidated_by", activity, versions["in"], expected=400)
    body = relate(as_alice, "was_invalidated_by", activity, deleted_version)

    assert refused == invalid(("relatable_from", "Invalidated Entity must be Deleted"))
    assert body["kind"] == "dds-relation-was-invalidated-by" and body["from"]["is_deleted"] is True


def test_it_takes_one_was_generated_by_per_pair_and_one_of_each_kind(as_alice, versions):
    activity = activity_of(as_alice)
    relate(as_alice, "was_generated_by", activity, versions["out"])
    relate(as_alice, "used", activity, versions["in"])

    twice = relate(as_alice, "was_generated_by", activity, versions["out"], expected=400)
    used_twice = relate(as_alice, "used", activity, versions["in"], expected=400)
    derive(as_alice, versions["out"], versions["in"])
    derived_twice = derive(as_alice, versions["out"], versions["in"], expected=400)

    taken = ("relationship_type", "has already been taken")
    assert twice == invalid(taken, ("relatable_from_id", "has already been taken"))
    assert used_twice == invalid(taken)
    assert derived_twice == invalid(taken)
    assert Relation.objects.count() == 3


def test_it_refuses_used_and_was_generated_by_on_the_same_pair(as_alice, versions):
    activity = activity_of(as_alice)
    relate(as_alice, "used", activity, versions["in"])
    relate(as_alice, "was_generated_by", activity, versions["out"])

    generated = relate(as_alice, "was_generated_by", activity, versions["in"], expected=400)
    used = relate(as_alice, "used", activity, versions["out"], expected=400)

    assert generated == invalid(
        (
            "relatable_to_id",
            "GeneratedByActivityProvRelation cannot be made to an Activity that has a UsedProvRelation to the "
            "generated FileVersion",
        )
    )
    assert used == invalid(
        (
            "relatable_from_id",
            "UsedProvRelation cannot be made from an Activity that has a GeneratedByActivityProvRelation to the "
            "used FileVersion",
        )
    )


def test_it_takes_a_relation_again_once_the_first_is_deleted(as_alice, versions):
    activity = activity_of(as_alice)
    first = relate(as_alice, "used", activity, versions["in"])
    assert as_alice.delete(f"{API}/relations/{first['id']}").status_code == 204

    relate(as_alice, "was_generated_by", activity, versions["in"])


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("activity", "is missing"), ("entity", "is missing")]),
        ({"activity": {}, "entity": {"id": "x"}}, [("activity.id", "is missing"), ("entity.kind", "is missing")]),
    ],
)
def test_it_refuses_a_body_without_activity_or_entity(as_alice, body, errors):
    response = as_alice.post(f"{API}/relations/used", body, format="json")

    assert (response.status_code, response.json()) == (400, invalid(*errors))


def test_it_answers_404_for_an_unknown_or_deleted_activity_then_an_unknown_file_version(as_alice, versions):
    deleted = activity_of(as_alice)
    as_alice.delete(f"{API}/activities/{deleted['id']}")
    live = activity_of(as_alice)

    no_activity = relate(as_alice, "used", {"id": uuid.uuid4()}, versions["in"], expected=404)
    deleted_activity = relate(as_alice, "used", deleted, versions["in"], expected=404)
    no_version = relate(as_alice, "used", live, type("V", (), {"id": "nope"}), expected=404)

    assert no_activity == deleted_activity == not_found("Activity")
    assert no_version == not_found("FileVersion")


def test_it_lets_only_the_activitys_creator_relate_it(as_alice, as_bob, bob, versions, grant, project):
    grant(project, bob, "project_admin")
    activity = activity_of(as_alice)

    assert relate(as_bob, "used", activity, versions["in"], expected=403) == FORBIDDEN


@pytest.mark.parametrize(
    ("kind", "role", "expected"),
    [
        ("used", "project_viewer", 201),
        ("was_generated_by", "project_viewer", 201),
        ("was_invalidated_by", "file_editor", 201),
        ("was_invalidated_by", "file_downloader", 403),
    ],
)
def test_it_needs_a_role_on_the_entitys_project(
    as_bob, bob, alice, project, grant, deleted_version, kind, role, expected
):
    activity = activity_of(as_bob)
    relate(as_bob, kind, activity, deleted_version, expected=403)
    grant(project, bob, role)

    relate(as_bob, kind, activity, deleted_version, expected=expected)


def test_it_needs_view_project_on_both_versions_of_a_derivation(as_alice, versions, elsewhere):
    assert derive(as_alice, versions["out"], elsewhere, expected=403) == FORBIDDEN
    assert derive(as_alice, elsewhere, versions["out"], expected=403) == FORBIDDEN


# --- reading and deleting ----------------------------------------------------------------------------------


def test_it_lists_the_live_relations_of_a_node_newest_first(as_alice, versions):
    activity = activity_of(as_alice)
    used = relate(as_alice, "used", activity, versions["in"])
    generated = relate(as_alice, "was_generated_by", activity, versions["out"])
    derived = derive(as_alice, versions["out"], versions["in"])
    dropped = relate(as_alice, "used", activity, versions["more"])
    as_alice.delete(f"{API}/relations/{dropped['id']}")

    of_activity = as_alice.get(f"{API}/relations/dds-activity/{activity['id']}")
    of_version = as_alice.get(f"{API}/relations/dds-file-version/{versions['out'].id}/")

    assert of_activity.status_code == 200 and of_activity["X-Total"] == "2"
    assert of_activity.json() == {"results": [generated, used]}
    assert of_version.json() == {"results": [derived, generated]}


def test_it_lists_only_the_relations_the_caller_may_see_and_restricts_the_other_end(
    as_carol, carol, bob, project, grant, versions, elsewhere
):
    """Carol related a version of Bob's project while she could see it; then Bob took her role away."""
    grant(project, carol, "project_viewer")
    grant(elsewhere.file.project, carol, "project_viewer")
    derived = derive(as_carol, elsewhere, versions["in"])
    activity = activity_of(as_carol)
    relate(as_carol, "used", activity, elsewhere)
    projects.project_permission_delete(actor=Actor(user=bob), project=elsewhere.file.project, user=carol)

    listed = as_carol.get(f"{API}/relations/dds-file-version/{versions['in'].id}")

    assert listed.status_code == 200
    assert listed.json()["results"] == [{**derived, "from": restricted(elsewhere)}]
    assert as_carol.get(f"{API}/relations/dds-activity/{activity['id']}").json() == {"results": []}


@pytest.mark.parametrize("kind", ["dds-project", "dds-relation-used", "whatever"])
def test_it_answers_404_for_a_kind_that_carries_no_relations(as_alice, project, kind):
    response = as_alice.get(f"{API}/relations/{kind}/{project.id}")

    assert response.status_code == 404
    assert response.json() == {
        "error": 404,
        "code": "not_provided",
        "reason": f"object_kind {kind} Not Supported",
        "suggestion": "Please supply a supported object_kind",
    }


def test_it_refuses_the_relations_of_a_node_the_caller_may_not_see(as_alice, as_bob, versions):
    activity = activity_of(as_alice)

    for path in (f"dds-activity/{activity['id']}", f"dds-file-version/{versions['in'].id}"):
        response = as_bob.get(f"{API}/relations/{path}")
        assert (response.status_code, response.json()) == (403, FORBIDDEN)
    missing = as_alice.get(f"{API}/relations/dds-file-version/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()) == (404, not_found("FileVersion"))


def test_it_shows_a_relation_to_who_may_see_its_file_version_even_once_deleted(as_alice, as_bob, versions):
    activity = activity_of(as_alice)
    used = relate(as_alice, "used", activity, versions["in"])
    as_alice.delete(f"{API}/relations/{used['id']}")

    shown = as_alice.get(f"{API}/relations/{used['id']}/")
    refused = as_bob.get(f"{API}/relations/{used['id']}")

    assert shown.status_code == 200 and "X-Total-Pages" not in shown
    assert shown.json()["id"] == used["id"] and TIMESTAMP.match(shown.json()["audit"]["deleted_on"])
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)


def test_it_lets_the_relations_creator_a_system_admin_or_a_project_admin_delete_it_once(
    as_bob, as_carol, as_sysadmin, bob, carol, grant, project, versions
):
    grant(project, bob, "file_editor")
    grant(project, carol, "project_admin")
    activity = activity_of(as_bob)
    first, second, third = (relate(as_bob, "used", activity, versions[name]) for name in ("in", "more", "out"))

    by_creator = as_bob.delete(f"{API}/relations/{first['id']}/")
    again = as_bob.delete(f"{API}/relations/{first['id']}")
    by_admin = as_sysadmin.delete(f"{API}/relations/{second['id']}")
    by_project_admin = as_carol.delete(f"{API}/relations/{third['id']}")

    assert by_creator.status_code == 204 and by_admin.status_code == 204 and by_project_admin.status_code == 204
    assert (again.status_code, again.json()) == (404, not_found("ProvRelation"))
    assert not Edge.objects.exists()
    assert Relation.objects.filter(is_deleted=True).count() == 3


def test_it_refuses_a_relations_deletion_to_a_member_who_is_not_a_project_admin(
    as_alice, as_bob, bob, grant, project, versions
):
    grant(project, bob, "file_editor")
    used = relate(as_alice, "used", activity_of(as_alice), versions["in"])

    refused = as_bob.delete(f"{API}/relations/{used['id']}")

    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    assert Relation.objects.get(pk=used["id"]).is_deleted is False


def test_it_lets_the_owner_remove_what_a_viewer_recorded_on_the_projects_versions(
    as_alice, as_bob, bob, grant, project, versions
):
    """Issue 32 item 6: a viewer's activity linked to the owner's versions; the owner removes every relation, and
    the activity no longer reaches the owner's searches."""
    grant(project, bob, "project_viewer")
    activity = activity_of(as_bob, "noise", description="x" * 10_000)
    relations = [relate(as_bob, "used", activity, version) for version in versions.values()]

    answers = [as_alice.delete(f"{API}/relations/{relation['id']}") for relation in relations]
    listed = as_alice.get(f"{API}/relations/dds-file-version/{versions['in'].id}")

    assert [answer.status_code for answer in answers] == [204, 204, 204]
    assert listed.json() == {"results": []}


@pytest.mark.parametrize("id", [uuid.uuid4(), "not-a-uuid"])
def test_it_answers_404_for_an_unknown_relation(as_alice, id):
    for response in (as_alice.get(f"{API}/relations/{id}"), as_alice.delete(f"{API}/relations/{id}")):
        assert (response.status_code, response.json()) == (404, not_found("ProvRelation"))


def test_it_pages_the_relations_of_a_node(as_alice, versions):
    activity = activity_of(as_alice)
    used = [relate(as_alice, "used", activity, versions[name]) for name in ("in", "out", "more")]

    first = as_alice.get(f"{API}/relations/dds-activity/{activity['id']}", {"page": 1, "per_page": 2})
    unpaged = as_alice.get(f"{API}/relations/dds-activity/{activity['id']}")

    assert [item["id"] for item in first.json()["results"]] == [used[2]["id"], used[1]["id"]]
    assert (first["X-Total"], first["X-Total-Pages"], first["X-Next-Page"]) == ("3", "2", "2")
    assert len(unpaged.json()["results"]) == 3 and unpaged["X-Per-Page"] == "1000"
