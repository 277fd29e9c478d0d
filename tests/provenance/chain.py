"""A long provenance chain made in bulk (no HTTP), for the query-count test and bench/provenance.py.

Activity i generated `per_activity` versions of one file and used the ones activity i-1 generated: `activities`
activities, `activities * per_activity` file versions, one connected graph whose far end is `chain.last`.
"""

import dataclasses

from django.db import transaction

from files.models import Container, FileVersion
from provenance.models import Activity, Edge, Relation
from uploads.models import StorageProvider, Upload


@dataclasses.dataclass
class Chain:
    first: Activity
    last: FileVersion
    nodes: int
    relations: int


def _relation(kind, activity, version, owner):
    return Relation(kind=kind, activity=activity, entity=version, created_by=owner)


@transaction.atomic
def chain_create(*, project, owner, activities=1000, per_activity=10):
    provider = StorageProvider.objects.get(is_default=True)
    total = activities * per_activity
    uploads = Upload.objects.bulk_create(
        Upload(
            project=project,
            storage_provider=provider,
            name=f"v{number}",
            content_type="text/plain",
            size=1,
            is_chunked=False,
            etag="",
            is_consistent=True,
            created_by=owner,
        )
        for number in range(total)
    )
    data_file = Container.objects.create(kind=Container.Kind.FILE, project=project, name="chain.txt", created_by=owner)
    versions = FileVersion.objects.bulk_create(
        FileVersion(file=data_file, version=number + 1, upload=upload, created_by=owner)
        for number, upload in enumerate(uploads)
    )
    data_file.current_version = versions[-1]
    data_file.save(update_fields=["current_version"])
    steps = Activity.objects.bulk_create(Activity(name=f"step {i}", created_by=owner) for i in range(activities))
    relations = []
    for i, activity in enumerate(steps):
        generated = versions[i * per_activity : (i + 1) * per_activity]
        relations.extend(_relation(Relation.Kind.WAS_GENERATED_BY, activity, version, owner) for version in generated)
        if i:
            used = versions[(i - 1) * per_activity : i * per_activity]
            relations.extend(_relation(Relation.Kind.USED, activity, version, owner) for version in used)
    Relation.objects.bulk_create(relations)
    Edge.objects.bulk_create(
        edge
        for relation in relations
        for edge in (
            Edge(node=relation.entity_id, neighbor=relation.activity_id, relation=relation),
            Edge(node=relation.activity_id, neighbor=relation.entity_id, relation=relation),
        )
    )
    return Chain(first=steps[0], last=versions[-1], nodes=activities + total, relations=len(relations))
