"""Who may do what, on every route there is: each API route of the URL resolver × each kind of caller.

The expected status comes from the API reference, not from our code: the built-in roles (tests/roles.py) and the
required permission of each endpoint (docs/api/permissions.md#required-permission-per-endpoint; the signed storage URLs
are authorized by their signature alone). The routes are read from the resolver (everything under /api/ and
/storage/, and /health): a route or a method without a row in MATRIX fails.

The project is Alice's; Bob holds file_downloader on it; Dave is a system admin; Carol is the caller, who holds, as
each caller says, a role on the project, the role of admin on another project, the system admin role, or a session
minted from her software agent's key while she is the project's admin. Alice has offered the project to Bob (a
pending transfer, so offering it again is refused to those allowed to offer). Each caller's test builds the world
once and sends every request in a savepoint rolled back afterwards, so each meets the same state (no job runs: a
purge would remove bytes from storage, which no rollback brings back).
"""

import hashlib
import json
import re
import time

import jwt
import pytest
from django.conf import settings
from django.db import transaction
from django.urls import URLResolver, get_resolver

from dds.accounts import services as accounts
from dds.accounts.models import AuthenticationService
from dds.audit import Actor
from files import services as files
from files.models import FileVersion
from metadata import services as metadata
from projects import services as projects
from projects.invitations import services as invitations
from projects.models import AuthRole
from provenance import services as provenance
from uploads import services as uploads
from uploads.models import StorageProvider
from uploads.storage.filesystem import FilesystemStorage

from .client import API, chunk_body
from .envelopes import FORBIDDEN, NO_TOKEN
from .files.conftest import stored_file, stored_folder, stored_upload
from .roles import EVERY_PROJECT_PERMISSION, PROJECT_ROLE_PERMISSIONS

# What a route requires (besides a project permission, named by itself).
PUBLIC = "public: no token needed, a token changes nothing"
AUTHENTICATED = "any valid token"
NOT_AGENT = "any valid token not minted from agent keys"
AGENT_OWNER = "not agent-backed, and the agent's creator or a system admin"
SYSTEM_ADMIN = "a system admin"
RECIPIENT = "a recipient of the transfer (Bob, never Carol) or a system admin"
CREATOR = "the row's creator (Alice, never the caller) or a system admin"
SIGNED = "the URL's signature alone: the Authorization header is ignored"

# Who calls: the permissions on Alice's project that caller holds, and what else is true of it.
CALLERS = {
    "no token": None,
    "expired token": None,
    **{f"{role} on the project": PROJECT_ROLE_PERMISSIONS[role] for role in PROJECT_ROLE_PERMISSIONS},
    "admin of another project": set(),
    "agent session of a project_admin": PROJECT_ROLE_PERMISSIONS["project_admin"],
    "system admin": EVERY_PROJECT_PERMISSION,
}

# (method, route as the resolver has it) -> (path, body, required, success status). Path and body templates name
# the world's rows: {project}, {raw} (a folder) ⊃ {sub} (a folder) and {reads} (a file, versions {v1} and {v2}),
# {carols_upload} (Carol's verified upload, no file yet), {waiting} (Carol's chunked upload, ready for chunks),
# {bob}, {dave}, {alices_agent}, {provider}, {auth_provider}, {transfer} (Alice's offer to Bob), {invitation} and
# {invitation_token} (Alice's invitation of an address into project_viewer); and the signed URLs
# {object_put}, {object_get}, {chunk_put}.
MATRIX = {
    # The token endpoints are public.
    ("POST", "/api/v1/software_agents/api_token"): (
        "/software_agents/api_token",
        {"agent_key": "{agent_key}", "user_key": "{user_key}"},
        PUBLIC,
        201,
    ),
    ("GET", "/api/v1/user/api_token"): ("/user/api_token?access_token=", None, PUBLIC, 401),
    # The current user (docs/api/authentication.md#current-user)
    ("GET", "/api/v1/current_user"): ("/current_user", None, AUTHENTICATED, 200),
    ("PUT", "/api/v1/current_user"): ("/current_user", {"email_notifications": False}, AUTHENTICATED, 200),
    ("GET", "/api/v1/current_user/api_key"): ("/current_user/api_key", None, NOT_AGENT, 200),
    ("PUT", "/api/v1/current_user/api_key"): ("/current_user/api_key", None, NOT_AGENT, 200),
    ("DELETE", "/api/v1/current_user/api_key"): ("/current_user/api_key", None, NOT_AGENT, 204),
    ("GET", "/api/v1/current_user/usage"): ("/current_user/usage", None, AUTHENTICATED, 200),
    # Software agents (docs/api/authentication.md#software-agents)
    ("GET", "/api/v1/software_agents"): ("/software_agents", None, NOT_AGENT, 200),
    ("POST", "/api/v1/software_agents"): ("/software_agents", {"name": "Another agent"}, NOT_AGENT, 201),
    ("GET", "/api/v1/software_agents/{id}"): ("/software_agents/{alices_agent}", None, NOT_AGENT, 200),
    ("PUT", "/api/v1/software_agents/{id}"): ("/software_agents/{alices_agent}", {"name": "Renamed"}, AGENT_OWNER, 200),
    ("DELETE", "/api/v1/software_agents/{id}"): ("/software_agents/{alices_agent}", None, AGENT_OWNER, 204),
    ("GET", "/api/v1/software_agents/{id}/api_key"): (
        "/software_agents/{alices_agent}/api_key",
        None,
        AGENT_OWNER,
        200,
    ),
    ("PUT", "/api/v1/software_agents/{id}/api_key"): (
        "/software_agents/{alices_agent}/api_key",
        None,
        AGENT_OWNER,
        200,
    ),
    ("DELETE", "/api/v1/software_agents/{id}/api_key"): (
        "/software_agents/{alices_agent}/api_key",
        None,
        AGENT_OWNER,
        204,
    ),
    # Users and identity providers: affiliates need a directory, which an OpenID Connect provider has not (400 to
    # anyone authenticated).
    ("GET", "/api/v1/users"): ("/users", None, AUTHENTICATED, 200),
    ("GET", "/api/v1/users/{id}"): ("/users/{bob}", None, AUTHENTICATED, 200),
    ("GET", "/api/v1/auth_providers"): ("/auth_providers", None, PUBLIC, 200),
    ("GET", "/api/v1/auth_providers/{id}"): ("/auth_providers/{auth_provider}", None, PUBLIC, 200),
    ("GET", "/api/v1/auth_providers/{id}/affiliates"): (
        "/auth_providers/{auth_provider}/affiliates",
        None,
        AUTHENTICATED,
        400,
    ),
    ("GET", "/api/v1/auth_providers/{id}/affiliates/{uid}"): (
        "/auth_providers/{auth_provider}/affiliates/jdoe",
        None,
        AUTHENTICATED,
        400,
    ),
    ("POST", "/api/v1/auth_providers/{id}/affiliates/{uid}/dds_user"): (
        "/auth_providers/{auth_provider}/affiliates/jdoe/dds_user",
        None,
        AUTHENTICATED,
        400,
    ),
    # Auth roles, project and system permissions
    ("GET", "/api/v1/auth_roles"): ("/auth_roles", None, AUTHENTICATED, 200),
    ("GET", "/api/v1/auth_roles/{id}"): ("/auth_roles/file_editor", None, AUTHENTICATED, 200),
    ("GET", "/api/v1/projects/{id}/permissions"): ("/projects/{project}/permissions", None, "view_project", 200),
    ("GET", "/api/v1/projects/{id}/permissions/{user_id}"): (
        "/projects/{project}/permissions/{bob}",
        None,
        "view_project",
        200,
    ),
    ("PUT", "/api/v1/projects/{id}/permissions/{user_id}"): (
        "/projects/{project}/permissions/{bob}",
        {"auth_role": {"id": "project_viewer"}},
        "manage_project_permissions",
        200,
    ),
    ("DELETE", "/api/v1/projects/{id}/permissions/{user_id}"): (
        "/projects/{project}/permissions/{bob}",
        None,
        "manage_project_permissions",
        204,
    ),
    ("GET", "/api/v1/system/permissions"): ("/system/permissions", None, SYSTEM_ADMIN, 200),
    ("GET", "/api/v1/system/permissions/{user_id}"): ("/system/permissions/{dave}", None, SYSTEM_ADMIN, 200),
    ("PUT", "/api/v1/system/permissions/{user_id}"): (
        "/system/permissions/{bob}",
        {"auth_role": {"id": "system_admin"}},
        SYSTEM_ADMIN,
        200,
    ),
    ("DELETE", "/api/v1/system/permissions/{user_id}"): ("/system/permissions/{dave}", None, SYSTEM_ADMIN, 204),
    # Project transfers (docs/api/transfers.md): the lists show each caller what they may see.
    ("GET", "/api/v1/projects/{id}/transfers"): ("/projects/{project}/transfers", None, AUTHENTICATED, 200),
    ("POST", "/api/v1/projects/{id}/transfers"): (
        "/projects/{project}/transfers",
        {"to_users": [{"id": "{dave}"}]},
        "manage_project_permissions",
        400,
    ),
    ("GET", "/api/v1/project_transfers"): ("/project_transfers", None, AUTHENTICATED, 200),
    # Project invitations (docs/api/notifications.md): managed by the project's permission managers, accepted by
    # anyone signed in who holds the token.
    ("GET", "/api/v1/projects/{id}/invitations"): (
        "/projects/{project}/invitations",
        None,
        "manage_project_permissions",
        200,
    ),
    ("POST", "/api/v1/projects/{id}/invitations"): (
        "/projects/{project}/invitations",
        {"email": "dora@elsewhere.org", "auth_role": {"id": "file_editor"}},
        "manage_project_permissions",
        201,
    ),
    ("DELETE", "/api/v1/projects/{id}/invitations/{invitation_id}"): (
        "/projects/{project}/invitations/{invitation}",
        None,
        "manage_project_permissions",
        204,
    ),
    ("POST", "/api/v1/project_invitations/accept"): (
        "/project_invitations/accept",
        {"token": "{invitation_token}"},
        AUTHENTICATED,
        200,
    ),
    ("GET", "/api/v1/project_transfers/{id}"): (
        "/project_transfers/{transfer}",
        None,
        "manage_project_permissions",
        200,
    ),
    ("PUT", "/api/v1/project_transfers/{id}/accept"): ("/project_transfers/{transfer}/accept", {}, RECIPIENT, 200),
    ("PUT", "/api/v1/project_transfers/{id}/reject"): ("/project_transfers/{transfer}/reject", {}, RECIPIENT, 200),
    ("PUT", "/api/v1/project_transfers/{id}/cancel"): (
        "/project_transfers/{transfer}/cancel",
        {"status_comment": "sent to the wrong PI"},
        "manage_project_permissions",
        200,
    ),
    # Projects and storage providers
    ("GET", "/api/v1/projects"): ("/projects", None, AUTHENTICATED, 200),
    ("POST", "/api/v1/projects"): ("/projects", {"name": "New", "description": "d"}, AUTHENTICATED, 202),
    ("GET", "/api/v1/projects/{id}"): ("/projects/{project}", None, "view_project", 200),
    ("PUT", "/api/v1/projects/{id}"): ("/projects/{project}", {"name": "Renamed"}, "update_project", 200),
    ("DELETE", "/api/v1/projects/{id}"): ("/projects/{project}", None, "delete_project", 204),
    ("GET", "/api/v1/storage_providers"): ("/storage_providers", None, AUTHENTICATED, 200),
    ("GET", "/api/v1/storage_providers/{id}"): ("/storage_providers/{provider}", None, AUTHENTICATED, 200),
    # Folders and listings
    ("POST", "/api/v1/folders"): ("/folders", {"name": "new", "parent": "{top}"}, "create_file", 201),
    ("GET", "/api/v1/folders/{id}"): ("/folders/{raw}", None, "view_project", 200),
    ("DELETE", "/api/v1/folders/{id}"): ("/folders/{sub}", None, "delete_file", 204),
    ("PUT", "/api/v1/folders/{id}/move"): ("/folders/{sub}/move", {"parent": "{top}"}, "create_file", 200),
    ("PUT", "/api/v1/folders/{id}/rename"): ("/folders/{raw}/rename", {"name": "renamed"}, "create_file", 200),
    ("GET", "/api/v1/folders/{id}/children"): ("/folders/{raw}/children", None, "view_project", 200),
    ("GET", "/api/v1/projects/{id}/children"): ("/projects/{project}/children", None, "view_project", 200),
    ("GET", "/api/v1/projects/{id}/files"): ("/projects/{project}/files", None, "download_file", 200),
    # Uploads
    ("GET", "/api/v1/projects/{id}/uploads"): ("/projects/{project}/uploads", None, "view_project", 200),
    ("POST", "/api/v1/projects/{id}/uploads"): (
        "/projects/{project}/uploads",
        {"name": "n.txt", "content_type": "text/plain", "size": 3},
        "create_file",
        201,
    ),
    ("GET", "/api/v1/uploads/{id}"): ("/uploads/{waiting}", None, "view_project", 200),
    ("PUT", "/api/v1/uploads/{id}/chunks"): ("/uploads/{waiting}/chunks", "{chunk}", "create_file", 200),
    ("PUT", "/api/v1/uploads/{id}/complete"): ("/uploads/{waiting}/complete", None, "create_file", 202),
    ("PUT", "/api/v1/uploads/{id}/hashes"): (
        "/uploads/{carols_upload}/hashes",
        {"algorithm": "sha1", "value": "{carols_sha1}"},
        "update_file",
        200,
    ),
    # Files and versions (POST /files: the caller created the upload, so the role alone decides)
    ("POST", "/api/v1/files"): ("/files", {"parent": "{top}", "upload": {"id": "{carols_upload}"}}, "create_file", 201),
    ("GET", "/api/v1/files/{id}"): ("/files/{reads}", None, "view_project", 200),
    ("PUT", "/api/v1/files/{id}"): ("/files/{reads}", {"label": "relabelled"}, "update_file", 200),
    ("DELETE", "/api/v1/files/{id}"): ("/files/{reads}", None, "delete_file", 204),
    ("PUT", "/api/v1/files/{id}/move"): ("/files/{reads}/move", {"parent": "{top}"}, "create_file", 200),
    ("PUT", "/api/v1/files/{id}/rename"): ("/files/{reads}/rename", {"name": "renamed"}, "update_file", 200),
    ("GET", "/api/v1/files/{id}/url"): ("/files/{reads}/url", None, "download_file", 200),
    ("GET", "/api/v1/files/{id}/versions"): ("/files/{reads}/versions", None, "view_project", 200),
    ("GET", "/api/v1/file_versions/{id}"): ("/file_versions/{v1}", None, "view_project", 200),
    ("PUT", "/api/v1/file_versions/{id}"): ("/file_versions/{v1}", {"label": "relabelled"}, "update_file", 200),
    ("DELETE", "/api/v1/file_versions/{id}"): ("/file_versions/{v1}", None, "delete_file", 204),
    ("GET", "/api/v1/file_versions/{id}/url"): ("/file_versions/{v1}/url", None, "download_file", 200),
    ("POST", "/api/v1/file_versions/{id}/current"): ("/file_versions/{v1}/current", None, "update_file", 201),
    # The index, documentation and health: public.
    ("GET", "/api/v1"): ("/api/v1", None, PUBLIC, 200),
    # Provenance (docs/api/provenance.md): Alice's activity used {v1} through {relation}; Carol's activity relates
    # file versions, {gone} being a deleted one; an activity is seen through a relation to a version one may view.
    ("GET", "/api/v1/activities"): ("/activities", None, AUTHENTICATED, 200),
    ("POST", "/api/v1/activities"): ("/activities", {"name": "run"}, AUTHENTICATED, 201),
    ("GET", "/api/v1/activities/{id}"): ("/activities/{activity}", None, "view_project", 200),
    ("PUT", "/api/v1/activities/{id}"): ("/activities/{activity}", {"name": "renamed"}, CREATOR, 200),
    ("DELETE", "/api/v1/activities/{id}"): ("/activities/{activity}", None, CREATOR, 204),
    ("POST", "/api/v1/relations/used"): ("/relations/used", "{carols_relation}", "view_project", 201),
    ("POST", "/api/v1/relations/was_generated_by"): (
        "/relations/was_generated_by",
        "{carols_relation}",
        "view_project",
        201,
    ),
    ("POST", "/api/v1/relations/was_invalidated_by"): (
        "/relations/was_invalidated_by",
        {"activity": {"id": "{carols_activity}"}, "entity": {"kind": "dds-file-version", "id": "{gone}"}},
        "delete_file",
        201,
    ),
    ("POST", "/api/v1/relations/was_derived_from"): (
        "/relations/was_derived_from",
        {
            "generated_entity": {"kind": "dds-file-version", "id": "{v2}"},
            "used_entity": {"kind": "dds-file-version", "id": "{v1}"},
        },
        "view_project",
        201,
    ),
    ("GET", "/api/v1/relations/{object_kind}/{object_id}"): (
        "/relations/dds-file-version/{v1}",
        None,
        "view_project",
        200,
    ),
    ("GET", "/api/v1/relations/{id}"): ("/relations/{relation}", None, "view_project", 200),
    # Its creator (Alice), or a project admin of its file version's project (issue 32 item 6).
    ("DELETE", "/api/v1/relations/{id}"): ("/relations/{relation}", None, "update_project", 204),
    ("POST", "/api/v1/search/provenance"): (
        "/search/provenance",
        {"start_node": {"kind": "dds-file-version", "id": "{v1}"}},
        "view_project",
        201,
    ),
    ("POST", "/api/v1/search/provenance/origin"): (
        "/search/provenance/origin",
        {"file_versions": [{"id": "{v1}"}]},
        AUTHENTICATED,
        201,
    ),
    # Tags, templates and object metadata (docs/api/metadata-and-search.md): Alice's {tag} on {reads}; her {template}
    # (property {property}) is filled in on {reads}; her {blank_template} (property {blank_property}) is unused.
    ("GET", "/api/v1/tags/labels"): ("/tags/labels", None, AUTHENTICATED, 200),
    ("GET", "/api/v1/tags/{object_kind}/{object_id}"): ("/tags/dds-file/{reads}", None, "view_project", 200),
    ("POST", "/api/v1/tags/{object_kind}/{object_id}"): (
        "/tags/dds-file/{reads}",
        {"label": "checked"},
        "update_file",
        201,
    ),
    ("POST", "/api/v1/tags/{object_kind}/{object_id}/append"): (
        "/tags/dds-file/{reads}/append",
        {"tags": [{"label": "checked"}]},
        "update_file",
        201,
    ),
    ("GET", "/api/v1/tags/{id}"): ("/tags/{tag}", None, "view_project", 200),
    ("DELETE", "/api/v1/tags/{id}"): ("/tags/{tag}", None, "update_file", 204),
    ("GET", "/api/v1/templates"): ("/templates", None, AUTHENTICATED, 200),
    ("POST", "/api/v1/templates"): ("/templates", {"name": "assay", "label": "Assay"}, AUTHENTICATED, 201),
    ("GET", "/api/v1/templates/{id}"): ("/templates/{template}", None, AUTHENTICATED, 200),
    ("PUT", "/api/v1/templates/{id}"): ("/templates/{template}", {"label": "Relabelled"}, CREATOR, 200),
    ("DELETE", "/api/v1/templates/{id}"): ("/templates/{blank_template}", None, CREATOR, 204),
    ("GET", "/api/v1/templates/{template_id}/properties"): (
        "/templates/{template}/properties",
        None,
        AUTHENTICATED,
        200,
    ),
    ("POST", "/api/v1/templates/{template_id}/properties"): (
        "/templates/{template}/properties",
        {"key": "lane", "label": "Lane", "description": "sequencer lane", "type": "integer"},
        CREATOR,
        201,
    ),
    ("GET", "/api/v1/template_properties/{id}"): ("/template_properties/{property}", None, AUTHENTICATED, 200),
    ("PUT", "/api/v1/template_properties/{id}"): (
        "/template_properties/{property}",
        {"label": "Relabelled"},
        CREATOR,
        200,
    ),
    ("DELETE", "/api/v1/template_properties/{id}"): ("/template_properties/{blank_property}", None, CREATOR, 204),
    ("GET", "/api/v1/meta/{object_kind}/{object_id}"): ("/meta/dds-file/{reads}", None, "view_project", 200),
    ("GET", "/api/v1/meta/{object_kind}/{object_id}/{template_id}"): (
        "/meta/dds-file/{reads}/{template}",
        None,
        "view_project",
        200,
    ),
    ("POST", "/api/v1/meta/{object_kind}/{object_id}/{template_id}"): (
        "/meta/dds-file/{reads}/{blank_template}",
        {"properties": [{"key": "operator", "value": "Carol"}]},
        "update_file",
        201,
    ),
    ("PUT", "/api/v1/meta/{object_kind}/{object_id}/{template_id}"): (
        "/meta/dds-file/{reads}/{template}",
        {"properties": [{"key": "sample", "value": "S2"}]},
        "update_file",
        200,
    ),
    ("DELETE", "/api/v1/meta/{object_kind}/{object_id}/{template_id}"): (
        "/meta/dds-file/{reads}/{template}",
        None,
        "update_file",
        204,
    ),
    # Search answers from the projects the caller may view, so any caller gets an answer.
    ("POST", "/api/v1/search/folders_files"): (
        "/search/folders_files",
        {"query_string": {"query": "reads"}},
        AUTHENTICATED,
        201,
    ),
    ("POST", "/api/v1/search"): (
        "/search",
        {"include_kinds": ["dds-file"], "search_query": {"query": {"match": {"name": "reads"}}}},
        AUTHENTICATED,
        201,
    ),
    ("GET", "/api/v1/app/status"): ("/api/v1/app/status", None, PUBLIC, 200),
    # Documentation and health: public.
    ("GET", "/api/schema"): ("/api/schema/", None, PUBLIC, 200),
    ("GET", "/api/docs"): ("/api/docs/", None, PUBLIC, 200),
    ("GET", "/health"): ("/health", None, PUBLIC, 200),
    # Signed transfer URLs of the filesystem backend; a chunk URL is signed for PUT only (GET: 403 always).
    ("PUT", "/storage/{provider_id}/{project_id}/{upload_id}"): ("{object_put}", b"abc", SIGNED, 201),
    ("GET", "/storage/{provider_id}/{project_id}/{upload_id}"): ("{object_get}", None, SIGNED, 200),
    ("PUT", "/storage/{provider_id}/{project_id}/{upload_id}/{number}"): ("{chunk_put}", b"chunk", SIGNED, 201),
    ("GET", "/storage/{provider_id}/{project_id}/{upload_id}/{number}"): ("{chunk_put}", None, SIGNED, 403),
}


def expected_status(caller, required, success):
    held = CALLERS[caller]
    if required in (PUBLIC, SIGNED):
        return success
    if caller in ("no token", "expired token"):
        return 401
    agent = caller.startswith("agent session")
    system_admin = caller == "system admin"
    if required == AUTHENTICATED:
        return success
    if required == NOT_AGENT:
        return 403 if agent else success
    if required == AGENT_OWNER:
        return success if system_admin and not agent else 403
    if required in (SYSTEM_ADMIN, RECIPIENT, CREATOR):
        return success if system_admin else 403
    return success if required in held else 403


# --- the routes the resolver has ----------------------------------------------------------------------------


def _template(pattern):
    """`api/v1/^projects/(?P<id>[^/]+)/?$` → `/api/v1/projects/{id}`."""
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    return "/" + path.replace("^", "").replace("/?$", "").replace("$", "").replace("?", "")


def resolver_routes():
    """Every (METHOD, route) of the API views under /api/ and /storage/, and /health."""
    routes = set()

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
                continue
            route = _template(prefix + str(entry.pattern))
            if not route.startswith(("/api/", "/storage/", "/health")):
                continue
            view = getattr(entry.callback, "view_class", None) or getattr(entry.callback, "cls", None)
            if view is None:
                routes.add(("ANY", route))  # a plain function view: it needs a row too
                continue
            for method in ("get", "post", "put", "patch", "delete"):
                if hasattr(view, method):
                    routes.add((method.upper(), route))

    walk(get_resolver().url_patterns)
    return routes


def test_every_route_of_the_resolver_has_a_row_and_every_row_a_route():
    routes = resolver_routes()

    assert sorted(routes - MATRIX.keys()) == [], "routes without a row in MATRIX"
    assert sorted(MATRIX.keys() - routes) == [], "rows for routes that do not exist"


# --- the world -----------------------------------------------------------------------------------------------


def _sha1(data):
    return hashlib.sha1(data).hexdigest()


@pytest.fixture
def world(alice, bob, carol, make_user, project, grant, make_project, make_transfer):
    actor = Actor(user=alice)
    grant(project, bob, "file_downloader")
    dave = make_user("dave")
    projects.system_permission_set(actor=Actor(user=dave), user=dave, auth_role=AuthRole.objects.get(pk="system_admin"))
    raw = stored_folder(project, alice, None, "raw")
    sub = stored_folder(project, alice, raw, "sub")
    reads = stored_file(project, alice, raw, b"first", "reads", label="run 1")
    v1 = reads.current_version
    files.file_update(actor=actor, file=reads, upload=stored_upload(project, alice, b"second"))
    carols_upload = stored_upload(project, carol, b"carol's", "carol.txt")
    provider = StorageProvider.objects.get(is_default=True)
    waiting = uploads.upload_create(
        actor=Actor(user=carol),
        project=project,
        storage_provider=provider,
        name="w.bin",
        content_type="application/octet-stream",
        size=5,
        chunked=True,
    )
    uploads.upload_storage_initialize(upload_id=waiting.id)
    uploads.chunk_register(
        upload=waiting, number=1, size=5, hash_value=hashlib.md5(b"chunk").hexdigest(), hash_algorithm="md5"
    )
    put_target = uploads.upload_create(
        actor=Actor(user=carol),
        project=project,
        storage_provider=provider,
        name="p.bin",
        content_type="application/octet-stream",
        size=3,
        chunked=False,
    )
    transfer = make_transfer(project, bob)
    invitation = invitations.project_invitation_create(
        actor=actor, project=project, email="dora@elsewhere.org", auth_role=AuthRole.objects.get(pk="project_viewer")
    )
    alices_agent = accounts.software_agent_create(actor=actor, name="Alice's agent")
    activity = provenance.activity_create(actor=actor, name="align")
    relation = provenance.used_relation_create(actor=actor, activity=activity, entity=v1)
    carols_activity = provenance.activity_create(actor=Actor(user=carol), name="Carol's")
    gone = stored_file(project, alice, raw, b"gone", "gone")
    files.file_delete(actor=actor, file=gone)
    carols_agent = accounts.software_agent_create(actor=Actor(user=carol), name="Carol's agent")
    tag = metadata.tag_create(actor=actor, obj=reads, label="raw data")
    template = metadata.template_create(actor=actor, name="sequencing", label="Sequencing")
    prop = metadata.property_create(
        actor=actor, template=template, key="sample", label="Sample", description="sample id", data_type="string"
    )
    metadata.metadata_create(actor=actor, obj=reads, template=template, pairs=[("sample", "S1")])
    blank_template = metadata.template_create(actor=actor, name="run_notes", label="Run notes")
    blank_property = metadata.property_create(
        actor=actor, template=blank_template, key="operator", label="Operator", description="who", data_type="string"
    )
    storage = FilesystemStorage(provider)
    host = "http://testserver"
    waiting.refresh_from_db()
    ids = {
        "project": project.id,
        "raw": raw.id,
        "sub": sub.id,
        "reads": reads.id,
        "v1": v1.id,
        "v2": FileVersion.objects.get(file=reads, version=2).id,
        "gone": gone.current_version_id,
        "activity": activity.id,
        "relation": relation.id,
        "carols_activity": carols_activity.id,
        "tag": tag.id,
        "template": template.id,
        "property": prop.id,
        "blank_template": blank_template.id,
        "blank_property": blank_property.id,
        "carols_upload": carols_upload.id,
        "waiting": waiting.id,
        "bob": bob.id,
        "dave": dave.id,
        "alices_agent": alices_agent.id,
        "provider": provider.id,
        "auth_provider": AuthenticationService.objects.create(name="Duke").id,
        "transfer": transfer.id,
        "invitation": invitation.id,
        "invitation_token": invitation.token,
        "agent_key": accounts.api_key_ensure(owner=carols_agent).key,
        "user_key": accounts.api_key_ensure(owner=carol).key,
        "carols_sha1": _sha1(b"carol's"),
        "object_put": storage.object_url(put_target, host=host)["url"],
        "object_get": storage.download_url(reads.current_version.upload, filename="reads", host=host)["url"],
        "chunk_put": storage.chunk_url(waiting, waiting.chunks.get(number=1), host=host)["url"],
    }
    accounts.api_key_ensure(owner=alices_agent)
    return {"ids": {key: str(value) for key, value in ids.items()}, "carols_agent": carols_agent}


@pytest.fixture
def make_caller(carol, carol_as, anonymous, world):
    def make(caller):
        if caller == "expired token":
            token = jwt.encode(
                {"id": str(carol.id), "exp": int(time.time()) - 60}, settings.SECRET_KEY, algorithm="HS256"
            )
            anonymous.credentials(HTTP_AUTHORIZATION=token)
            return anonymous
        return carol_as(caller, agent=world["carols_agent"], commit=False)

    return make


def fill(template, ids):
    if isinstance(template, dict):
        return {key: fill(value, ids) for key, value in template.items()}
    if template == "{top}":
        return {"kind": "dds-project", "id": ids["project"]}
    if template == "{chunk}":
        return chunk_body(1, b"chunk")
    if template == "{carols_relation}":
        return {"activity": {"id": ids["carols_activity"]}, "entity": {"kind": "dds-file", "id": ids["v1"]}}
    return template.format(**ids) if isinstance(template, str) else template


def send(client, method, path, body):
    url = path if path.startswith(("/api/", "/storage/", "/health")) else API + path
    if isinstance(body, bytes):
        return client.generic(method, url, body, content_type="application/octet-stream")
    if body is not None:
        return client.generic(method, url, json.dumps(body), content_type="application/json")
    return client.generic(method, url)


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_route_answers_each_caller_as_the_contract_says(make_caller, world, caller):
    assert resolver_routes() <= MATRIX.keys(), "a route of the resolver has no row in MATRIX"
    client = make_caller(caller)
    expected, answered, wrong_bodies = {}, {}, {}

    for (method, route), (path, body, required, success) in sorted(MATRIX.items()):
        with transaction.atomic():
            response = send(client, method, fill(path, world["ids"]), fill(body, world["ids"]))
            transaction.set_rollback(True)
        key = f"{method} {route}"
        expected[key] = expected_status(caller, required, success)
        answered[key] = response.status_code
        if expected[key] == 403 and required not in (PUBLIC, SIGNED) and response.json() != FORBIDDEN:
            wrong_bodies[key] = response.json()
        if expected[key] == 401 and caller == "no token" and required != PUBLIC and response.json() != NO_TOKEN:
            wrong_bodies[key] = response.json()
        expired = caller == "expired token" and required != PUBLIC
        if expected[key] == 401 and expired and response.json()["reason"] != "expired api_token":
            wrong_bodies[key] = response.json()

    assert answered == expected
    assert wrong_bodies == {}
