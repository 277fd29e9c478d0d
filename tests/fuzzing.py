"""Fuzz the API from its own OpenAPI schema (/api/schema/) with Schemathesis, in process through WSGI.

Shared by tests/test_schema_fuzzing.py (a bounded run inside the suite) and bench/fuzz.py (a long run). Each
operation gets a fresh world (`seed_world`): a user who is a system admin (so that no operation is refused only for
want of a role), his project, a folder, a verified file with two versions, an upload waiting for chunks, a software
agent, another user, a pending transfer of the project to that user, an invitation into it and an activity that used
the file's first version, so that generated cases hit rows that exist as well as ids that do not. Path ids are taken
from that world for half the cases (the rest are whatever Schemathesis generates), and so are, in positive cases,
the ids in request bodies that name a parent, an upload, an auth role, a storage provider, a transfer's recipients,
an activity or a file version.

`run_operation` draws cases with Hypothesis under a fixed seed, sends each with the user's raw api_token in
`Authorization`, and collects every check failure instead of stopping at the first.
"""

import dataclasses
import io
import re
import uuid
from collections import Counter

import hypothesis
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dds.accounts import services as accounts
from dds.accounts.models import AuthenticationService
from dds.audit import Actor
from dds.authentication import api_token_encode
from files import services as files
from metadata import services as metadata
from projects import services as projects
from projects.invitations.services import project_invitation_create
from projects.models import AuthRole
from projects.storage import project_storage_initialize
from projects.transfers.services import project_transfer_create
from provenance import services as provenance
from uploads import services as uploads
from uploads.models import StorageProvider
from uploads.storage.filesystem import FilesystemStorage

SEED = 20240501
SCHEMA_PATH = "/api/schema/"


@schemathesis.check
def error_envelope(ctx, response, case):
    """Every 4xx and 5xx is the JSON envelope (docs/api/errors.md#envelope), `code` included."""
    if response.status_code < 400:
        return None
    if not response.headers.get("content-type", [""])[0].startswith("application/json"):
        raise AssertionError(f"a {response.status_code} answered {response.headers.get('content-type')}, not JSON")
    body = response.json()
    if not isinstance(body, dict):
        raise AssertionError(f"a {response.status_code} answered {body!r}, not the error envelope")
    missing = {"error", "code", "reason", "suggestion"} - body.keys()
    if missing:
        raise AssertionError(f"a {response.status_code} error body lacks {sorted(missing)}: {body!r}")
    if body["code"] not in ("not_provided", "resource_not_consistent") or body["error"] != response.status_code:
        raise AssertionError(f"a {response.status_code} error body has a wrong code or status: {body!r}")
    return True


# What the suite checks on every response: no 5xx, only documented statuses, content types, headers and bodies as
# the schema says, and the envelope on every error.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    error_envelope,
]
# The long run adds: a request the schema allows is not refused with a 400, one it forbids is not accepted.
STRICT_CHECKS = [*CHECKS, positive_data_acceptance, negative_data_rejection]


_wsgi = None


def load_schema():
    """The schema the service serves at /api/schema/, bound to the service's WSGI application."""
    global _wsgi
    if _wsgi is None:
        _wsgi = get_wsgi_application()
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, _wsgi, config=config)


def operations(schema):
    return {result.ok().label: result.ok() for result in schema.get_all_operations()}


@dataclasses.dataclass
class World:
    token: str
    ids: dict


def seed_world():
    """The rows every operation's cases may meet (see the module's docstring); their ids and the user's token."""
    suffix = uuid.uuid4().hex[:8]
    user = accounts.user_create(
        username=f"fuzzer{suffix}", email="fuzzer@example.org", first_name="Fuzz", last_name="Er"
    )
    other = accounts.user_create(username=f"other{suffix}", email="other@example.org", first_name="Oth", last_name="Er")
    actor = Actor(user=user)
    projects.system_permission_set(actor=actor, user=user, auth_role=AuthRole.objects.get(pk="system_admin"))
    agent = accounts.software_agent_create(actor=actor, name="Fuzzing agent")
    project = projects.project_create(actor=actor, name=f"Fuzzed {suffix}", description="schema fuzzing")
    for pending in project.storage.all():
        project_storage_initialize(project_id=project.id, storage_provider_id=pending.storage_provider_id)
    projects.project_permission_set(
        actor=actor, project=project, user=other, auth_role=AuthRole.objects.get(pk="file_downloader")
    )
    provider = StorageProvider.objects.get(is_default=True)
    folder = files.folder_create(actor=actor, project=project, parent=None, name="raw")

    def verified_upload(data):
        upload = uploads.upload_create(
            actor=actor,
            project=project,
            storage_provider=provider,
            name="reads.txt",
            content_type="text/plain",
            size=len(data),
            chunked=False,
        )
        with FilesystemStorage(provider).object_stage(upload, io.BytesIO(data)) as staged:
            uploads.upload_object_store(upload_id=upload.id, staged=staged)
        uploads.upload_complete(actor=actor, upload=upload, hash_value=_md5(data), hash_algorithm="md5")
        uploads.upload_verify(upload_id=upload.id)
        upload.refresh_from_db()
        return upload

    data_file = files.file_create(actor=actor, project=project, parent=folder, upload=verified_upload(b"first"))
    first_version = data_file.current_version
    files.file_update(actor=actor, file=data_file, upload=verified_upload(b"second"))
    spare = verified_upload(b"spare")
    waiting = uploads.upload_create(
        actor=actor,
        project=project,
        storage_provider=provider,
        name="waiting.bin",
        content_type="application/octet-stream",
        size=10,
        chunked=True,
    )
    uploads.upload_storage_initialize(upload_id=waiting.id)
    transfer = project_transfer_create(actor=actor, project=project, to_user_ids=[other.id])
    invitation = project_invitation_create(
        actor=actor,
        project=project,
        email=f"fuzzed-{suffix}@example.org",
        auth_role=AuthRole.objects.get(pk="file_editor"),
    )
    activity = provenance.activity_create(actor=actor, name="fuzzed run")
    relation = provenance.used_relation_create(actor=actor, activity=activity, entity=first_version)
    tag = metadata.tag_create(actor=actor, obj=data_file, label="fuzzed")
    template = metadata.template_create(actor=actor, name=f"fuzzed_{suffix}", label="Fuzzed")
    prop = metadata.property_create(
        actor=actor, template=template, key="note", label="Note", description="any text", data_type="string"
    )
    # An OpenID Connect provider without a directory. Deprecated, so that GET /user/api_token without a service id
    # asks no issuer: none runs here, and the 503 that an unreachable one rightly gives would read as a server error.
    auth_provider = AuthenticationService.objects.create(name=f"Fuzzing identity provider {suffix}", is_deprecated=True)
    ids = {
        "auth_provider": auth_provider.id,
        "uid": "fuzzer",
        "project": project.id,
        "folder": folder.id,
        "file": data_file.id,
        "file_version": first_version.id,
        "upload": waiting.id,
        "spare_upload": spare.id,
        "agent": agent.id,
        "user": other.id,
        "auth_role": "file_editor",
        "storage_provider": provider.id,
        "transfer": transfer.id,
        "invitation": invitation.id,
        "activity": activity.id,
        "relation": relation.id,
        "tag": tag.id,
        "template": template.id,
        "property": prop.id,
    }
    return World(token=api_token_encode(user=user)["api_token"], ids={k: str(v) for k, v in ids.items()})


def _md5(data):
    import hashlib

    return hashlib.md5(data).hexdigest()


# Which world id each path parameter takes, by the path's first segment.
_PATH_IDS = {
    "projects": "project",
    "folders": "folder",
    "files": "file",
    "file_versions": "file_version",
    "uploads": "upload",
    "software_agents": "agent",
    "users": "user",
    "auth_roles": "auth_role",
    "storage_providers": "storage_provider",
    "auth_providers": "auth_provider",
    "project_transfers": "transfer",
    "activities": "activity",
    "relations": "relation",
    "tags": "tag",
    "templates": "template",
    "template_properties": "property",
}
# Tags and object metadata are of files (and activities).
_OF_FILES = ("tags", "meta")


def known_path_parameters(operation, ids):
    """World ids for the operation's path parameters, or None where the world has none for it."""
    names = re.findall(r"\{(\w+)\}", operation.path)
    if not names:
        return None
    segments = operation.path.strip("/").split("/")
    if segments[0] == "storage":
        return {
            "provider_id": ids["storage_provider"],
            "project_id": ids["project"],
            "upload_id": ids["upload"],
            "number": "1",
        }
    head = segments[2] if segments[0] == "api" else segments[0]
    values = {}
    for name in names:
        if name == "user_id":
            values[name] = ids["user"]
        elif name == "uid":
            values[name] = ids["uid"]
        elif name == "object_kind":
            values[name] = "dds-file" if head in _OF_FILES else "dds-file-version"
        elif name == "object_id":
            values[name] = ids["file"] if head in _OF_FILES else ids["file_version"]
        elif name == "template_id":
            values[name] = ids["template"]
        elif name == "invitation_id":
            values[name] = ids["invitation"]
        elif name == "id" and head in _PATH_IDS:
            values[name] = ids[_PATH_IDS[head]]
        else:
            return None
    return values


def _known_body(body, ids, use, operation):
    """Point the ids a body names (parent, upload, auth_role, storage_provider, to_users, an activity, file versions)
    at world rows, where `use` says."""
    if not isinstance(body, dict):
        return
    if "/system/" in operation.path:
        ids = {**ids, "auth_role": "system_admin"}  # a system permission takes a system role
    parent = body.get("parent")
    if isinstance(parent, dict) and use("parent"):
        parent["id"] = ids["folder"] if parent.get("kind") == "dds-folder" else ids["project"]
    for key, world_key in (
        ("upload", "spare_upload"),
        ("auth_role", "auth_role"),
        ("storage_provider", "storage_provider"),
        ("activity", "activity"),
    ):
        reference = body.get(key)
        if isinstance(reference, dict) and "id" in reference and use(key):
            reference["id"] = ids[world_key]
    recipients = body.get("to_users")
    if isinstance(recipients, list) and use("to_users"):
        for recipient in recipients:
            if isinstance(recipient, dict) and "id" in recipient:
                recipient["id"] = ids["user"]
    for key in ("entity", "used_entity", "generated_entity", "start_node"):
        reference = body.get(key)
        if isinstance(reference, dict) and use(key):
            reference.update(kind="dds-file-version", id=ids["file_version"])
    listed = body.get("file_versions")
    if isinstance(listed, list) and listed and isinstance(listed[0], dict) and use("file_versions"):
        listed[0]["id"] = ids["file_version"]


@dataclasses.dataclass
class Outcome:
    cases: int = 0
    statuses: Counter = dataclasses.field(default_factory=Counter)
    failures: dict = dataclasses.field(default_factory=dict)  # (operation, title) -> first failing case's report

    def add(self, other):
        self.cases += other.cases
        self.statuses.update(other.statuses)
        for key, report in other.failures.items():
            self.failures.setdefault(key, report)

    def report(self):
        return "\n\n".join(
            f"{operation}: {title}\n{report}" for (operation, title), report in sorted(self.failures.items())
        )


def run_operation(
    operation, world, *, examples, checks=CHECKS, seed=SEED, modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
):
    """Send `examples` cases of each generation mode to `operation`; what answered and what failed."""
    outcome = Outcome()
    known = known_path_parameters(operation, world.ids)
    headers = {"Authorization": world.token}
    for mode in modes:
        if mode == GenerationMode.NEGATIVE and not (len(operation.query) or len(operation.body)):
            continue  # only string path parameters: nothing a URL can carry is invalid for them
        _run_mode(operation, world, mode, known, headers, outcome, examples=examples, checks=checks, seed=seed)
    return outcome


def _run_mode(operation, world, mode, known, headers, outcome, *, examples, checks, seed):
    strategies = [operation.as_strategy(generation_mode=mode)]
    if known is not None:
        strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=known))
    strategy = st.one_of(strategies)

    def record(case, response, failure):
        key = (operation.label, f"{failure.title} ({mode.value})")
        outcome.failures.setdefault(key, _describe(case, response, failure))

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.given(data=st.data())
    def send(data):
        case = data.draw(strategy)
        if mode == GenerationMode.POSITIVE:  # a negative body stays as generated: an edit could make it valid
            _known_body(case.body, world.ids, lambda key: data.draw(st.booleans(), label=key), operation)
        response = case.call(headers=headers)
        outcome.cases += 1
        outcome.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                record(case, response, failure)
        except Failure as failure:
            record(case, response, failure)

    try:
        send()
    except hypothesis.errors.Unsatisfiable:
        pass  # Hypothesis found no case of this mode to send


def _describe(case, response, failure):
    body = case.body if not isinstance(case.body, bytes) else case.body[:200]
    sent = f"{case.method} {case.formatted_path} query={case.query!r} media={case.media_type} body={body!r}"
    answer = response.content[:400] if response.content else b""
    return f"  {failure.message.strip()[:600]}\n  sent: {sent[:600]}\n  got: {response.status_code} {answer!r}"
