"""The provenance graph: the nodes and relations around a start node (`search`), or behind file versions
(`origin`), read in a fixed number of queries.

`search` walks the adjacency table (`Edge`) with one recursive query that reads the start node's whole connected
graph of live relations, then cuts it at `max_hops` in memory: a breadth-first walk gives each node its distance, and a
relation is in the answer when one of its ends lies within `max_hops - 1` (the relations on some path of at most
`max_hops` from the start, as the original's graph database matched them). The nodes are then read by id in chunks
(`selectors.many_by_id`), so that no query carries more than `selectors.CHUNK` parameters.
"""

import contextlib
import dataclasses
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Q

from dds.lookups import parse_uuid
from files.models import FileVersion

from . import selectors
from .models import Activity, Edge, Relation

# The start node's connected graph of live relations: the nodes reached through the edges, then those edges'
# relations. (PostgreSQL is told to walk by index: before the table's statistics say how few edges a node has, it
# would plan to scan every edge at each step.)
_REACH = """
WITH RECURSIVE reach(node) AS (
    SELECT %s
    UNION
    SELECT e.neighbor FROM reach JOIN {edge} e ON e.node = reach.node
)
SELECT r.* FROM {relation} r WHERE r.id IN (SELECT e.relation_id FROM {edge} e JOIN reach ON e.node = reach.node)
"""
_PLANNER = ("enable_hashjoin", "enable_mergejoin")


@dataclasses.dataclass
class Graph:
    """Nodes in the order found (`order`: ids), the activities and file versions by id, and the relations."""

    order: list
    activities: dict
    versions: dict
    relations: list


@contextlib.contextmanager
def _nested_loops():
    """On PostgreSQL, joins by nested loops only (by index) for the duration, then the settings as they were."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        reads = ", ".join(f"current_setting('{name}')" for name in _PLANNER)
        sets = ", ".join(f"set_config('{name}', 'off', true)" for name in _PLANNER)
        cursor.execute(f"SELECT {reads}, {sets}")
        before = cursor.fetchone()[: len(_PLANNER)]
        yield
        cursor.execute("SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in _PLANNER), list(before))


def _connected(start_id):
    """The live relations of the start node's connected graph, in one query."""
    quote = connection.ops.quote_name
    sql = _REACH.format(edge=quote(Edge._meta.db_table), relation=quote(Relation._meta.db_table))
    start = Edge._meta.get_field("node").get_db_prep_value(start_id, connection)
    with _nested_loops():
        return list(Relation.objects.raw(sql, [start]))


def _adjacency(relations):
    """`{node: [(neighbor, relation id), …]}`."""
    adjacency = defaultdict(list)
    for relation in relations:
        adjacency[relation.entity_id].append((relation.other_id, relation.pk))
        adjacency[relation.other_id].append((relation.entity_id, relation.pk))
    return adjacency


def _walk(start_id, adjacency, max_hops):
    """Breadth first from the start: the nodes within `max_hops` (in the order found) and the relations touching
    a node within `max_hops - 1`; everything reachable when `max_hops` is None."""
    distance = {start_id: 0}
    frontier, relation_ids = [start_id], set()
    hops = 0
    while frontier and (max_hops is None or hops < max_hops):
        found = []
        for node in frontier:
            for neighbor, relation in adjacency.get(node, ()):
                relation_ids.add(relation)
                if neighbor not in distance:
                    distance[neighbor] = hops + 1
                    found.append(neighbor)
        frontier, hops = found, hops + 1
    return list(distance), relation_ids


def of_relations(relations, order=(), *, activities=(), versions=()):
    """The graph of `relations` (and of the nodes `order` names first), reading the nodes not given in
    `activities`/`versions`."""
    activity_ids = {relation.activity_id for relation in relations if relation.activity_id}
    version_ids = {end for relation in relations for end in (relation.entity_id, relation.used_entity_id) if end}
    known_activities = {activity.pk: activity for activity in activities}
    known_versions = {version.pk: version for version in versions}
    known_activities.update(selectors.many_by_id(Activity, activity_ids - known_activities.keys()))
    known_versions.update(selectors.many_by_id(FileVersion, version_ids - known_versions.keys()))
    seen = set(order)
    order = [*order, *(node for node in [*activity_ids, *version_ids] if node not in seen)]
    return Graph(order=order, activities=known_activities, versions=known_versions, relations=list(relations))


def search(*, start, max_hops=None):
    """The graph around `start` (an Activity or a FileVersion); `max_hops` below 1 means 1, as in the original."""
    if max_hops is not None:
        max_hops = max(max_hops, 1)
    connected = _connected(start.pk)
    order, relation_ids = _walk(start.pk, _adjacency(connected), max_hops)
    relations = [relation for relation in connected if relation.pk in relation_ids]
    selectors.share_related(relations, *Relation.AUDIT_RELATED)
    relations.sort(key=lambda relation: relation.created_on)
    if isinstance(start, FileVersion):
        return of_relations(relations, order, versions=[start])
    return of_relations(relations, order, activities=[start])


def origin(*, file_version_ids):
    """Where file versions came from: each one, what it was derived from, its generating activities and everything
    those used or generated. Ids that name no file version are left out."""
    requested = list(dict.fromkeys(key for key in map(parse_uuid, file_version_ids) if key is not None))
    versions = selectors.many_by_id(FileVersion, requested)
    found = [pk for pk in requested if pk in versions]
    live = Relation.objects.filter(is_deleted=False)
    relations = {}
    for chunk in selectors.chunks(found):
        generating = live.filter(kind=Relation.Kind.WAS_GENERATED_BY, entity__in=chunk).values("activity_id")
        about = Q(kind__in=[Relation.Kind.WAS_GENERATED_BY, Relation.Kind.WAS_DERIVED_FROM], entity__in=chunk)
        contributing = Q(kind__in=[Relation.Kind.USED, Relation.Kind.WAS_GENERATED_BY], activity__in=generating)
        relations.update((row.pk, row) for row in live.filter(about | contributing))
    selectors.share_related(relations.values(), *Relation.AUDIT_RELATED)
    ordered = sorted(relations.values(), key=lambda relation: relation.created_on)
    return of_relations(ordered, found, versions=versions.values())
