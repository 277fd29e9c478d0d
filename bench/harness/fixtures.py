"""Users, tokens and rows a benchmark writes straight to the database (Django set up by `sandbox.django_setup`)."""

import uuid


def user_token(username="bench"):
    """A user and an api_token for it (Django must be set up on the services' SECRET_KEY)."""
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from dds.accounts.services import user_create
    from dds.authentication import api_token_encode

    user = user_create(username=username)
    return user, api_token_encode(user=user)["api_token"]


def build(file_count):
    """A project of `file_count` verified files under folders 4 deep, written in bulk."""
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from django.utils import timezone

    from dds.accounts.services import user_create
    from dds.audit import Actor
    from files.models import Container, FileVersion
    from files.services import folder_create
    from projects.services import project_create
    from uploads.models import Fingerprint, StorageProvider, Upload

    user = user_create(username=f"bench-{uuid.uuid4().hex[:8]}")
    actor = Actor(user=user)
    project = project_create(actor=actor, name="Bench", description="10,000 files")
    provider = StorageProvider.objects.get(is_default=True)
    folders = [None]
    for depth in range(4):
        folders.append(folder_create(actor=actor, project=project, parent=folders[-1], name=f"level {depth}"))
    now = timezone.now()
    uploads, fingerprints, nodes, versions = [], [], [], []
    for index in range(file_count):
        parent = folders[index % len(folders)]
        upload = Upload(
            project=project,
            storage_provider=provider,
            name=f"file-{index}.bin",
            content_type="application/octet-stream",
            size=1000 + index,
            etag="bench",
            ready_for_chunks=True,
            completed_on=now,
            is_consistent=True,
            created_by=user,
        )
        node = Container(
            kind=Container.Kind.FILE,
            project=project,
            parent=parent,
            path=parent.subtree_path if parent else "",
            name=upload.name,
            created_by=user,
        )
        version = FileVersion(file=node, version=1, upload=upload, created_by=user)
        node.current_version = version
        uploads.append(upload)
        fingerprints.append(Fingerprint(upload=upload, algorithm="md5", value=f"{index:032x}", created_by=user))
        nodes.append(node)
        versions.append(version)
    Upload.objects.bulk_create(uploads, batch_size=2000)
    Fingerprint.objects.bulk_create(fingerprints, batch_size=2000)
    current = [node.current_version for node in nodes]
    for node in nodes:
        node.current_version = None
    Container.objects.bulk_create(nodes, batch_size=2000)
    FileVersion.objects.bulk_create(versions, batch_size=2000)
    for node, version in zip(nodes, current, strict=True):
        node.current_version = version
    Container.objects.bulk_update(nodes, ["current_version"], batch_size=2000)
    return user, project


def completed_upload(project_id, user, size=4096):
    """An upload row marked completed and verified, written straight to the database (for POST /files)."""
    # Here, not at the top: Django is set up after this module is imported (sandbox.django_setup).
    from django.utils import timezone

    from uploads.models import Fingerprint, StorageProvider, Upload

    upload = Upload.objects.create(
        project_id=project_id,
        storage_provider=StorageProvider.objects.get(is_default=True),
        name=f"direct-{uuid.uuid4().hex[:8]}.bin",
        content_type="application/octet-stream",
        size=size,
        etag="bench",
        ready_for_chunks=True,
        completed_on=timezone.now(),
        is_consistent=True,
        created_by=user,
    )
    Fingerprint.objects.create(upload=upload, algorithm="md5", value="0" * 32, created_by=user)
    return upload
