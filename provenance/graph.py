"""The provenance graph: the nodes and relations around a start node (`search`), or behind file versions
(`origin`), read in a number of queries bounded by the hops walked.

`search` walks the adjacency table (`Edge`) breadth first, one query per hop (per `selectors.CHUNK` nodes of the
frontier): the nodes within `max_hops` of the start, and the relations with an end within `max_hops - 1` (the
relations on some path of at most `max_hops` from the start, as the original's graph database matched them). Every
walk is bounded: `max_hops` defaults to DEFAULT_HOPS and is held to MAX_HOPS, and the walk stops once it would hold
more than MAX_NODES nodes or MAX_RELATIONS relations; the answer then says it was cut (`Graph.truncated`). The
nodes are then read by id in chunks (`selectors.many_by_id`), so that no query carries more than `selectors.CHUNK`
parameters.
"""

import dataclasses

from django.db.models import Q

from dds.lookups import parse_uuid
from files.models import FileVersion

from . import selectors
from .models import Activity, Edge, Relation

DEFAULT_HOPS = 10
MAX_HOPS = 100
MAX_NODES = 10_000
MAX_RELATIONS = 20_000


@dataclasses.dataclass
class Graph:
    """Nodes in the order found (`order`: ids), the activities and file versions by id, the relations, and whether
    a limit cut the graph short of what was asked (`truncated`)."""

    order: list
    activities: dict
    versions: dict
    relations: list
    truncated: bool = False


class _Walk:
    """A breadth-first walk that holds at most MAX_NODES nodes and MAX_RELATIONS relations."""

    def __init__(self, start_id):
        self.nodes = {start_id: None}  # a dict keeps the order found
        self.relation_ids = set()
        self.frontier = [start_id]
        self.cut = False

    def _add(self, neighbor, relation_id, found):
        new_node, new_relation = neighbor not in self.nodes, relation_id not in self.relation_ids
        if (new_node and len(self.nodes) >= MAX_NODES) or (new_relation and len(self.relation_ids) >= MAX_RELATIONS):
            return False
        self.relation_ids.add(relation_id)
        if new_node:
            self.nodes[neighbor] = None
            found.append(neighbor)
        return True

    def hop(self):
        """Read the frontier's relations and make the nodes they reach first the next frontier; False once a limit
        stops the walk. Each query reads at most two edges per relation still allowed, plus one: enough to see
        the limit passed."""
        found = []
        for chunk in selectors.chunks(self.frontier):
            room = 2 * (MAX_RELATIONS - len(self.relation_ids)) + 1
            edges = Edge.objects.filter(node__in=chunk).order_by().values_list("neighbor", "relation_id")[:room]
            for neighbor, relation_id in edges:
                if not self._add(neighbor, relation_id, found):
                    self.cut = True
                    return False
        self.frontier = found
        return True


def _walk(start_id, hops):
    """The nodes within `hops` of the start (in the order found), the relations touching a node within `hops - 1`,
    and whether a node or relation limit cut the walk."""
    walk = _Walk(start_id)
    for _ in range(hops):
        if not walk.frontier or not walk.hop():
            break
    return walk


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
    """The graph around `start` (an Activity or a FileVersion) within `max_hops`: below 1 means 1, as in the
    original; absent, DEFAULT_HOPS; above MAX_HOPS, MAX_HOPS. It is `truncated` where a node or relation limit
    stopped the walk, or where the default or the cap stopped it with nodes left whose relations were not read."""
    hops = DEFAULT_HOPS if max_hops is None else min(max(max_hops, 1), MAX_HOPS)
    walk = _walk(start.pk, hops)
    held_back = max_hops is None or max_hops > MAX_HOPS
    relations = list(selectors.rows_by_id(Relation.objects.filter(is_deleted=False), walk.relation_ids).values())
    selectors.share_related(relations, *Relation.AUDIT_RELATED)
    relations.sort(key=lambda relation: relation.created_on)
    known = {"versions": [start]} if isinstance(start, FileVersion) else {"activities": [start]}
    found = of_relations(relations, list(walk.nodes), **known)
    found.truncated = walk.cut or (held_back and bool(walk.frontier))
    return found


def origin(*, file_version_ids):
    """Where file versions came from: each one, what it was derived from, its generating activities and everything
    those used or generated, at most MAX_RELATIONS relations (`truncated` beyond). Ids that name no file version
    are left out."""
    requested = list(dict.fromkeys(key for key in map(parse_uuid, file_version_ids) if key is not None))
    versions = selectors.many_by_id(FileVersion, requested)
    found = [pk for pk in requested if pk in versions]
    live = Relation.objects.filter(is_deleted=False)
    relations = {}
    for chunk in selectors.chunks(found):
        generating = live.filter(kind=Relation.Kind.WAS_GENERATED_BY, entity__in=chunk).values("activity_id")
        about = Q(kind__in=[Relation.Kind.WAS_GENERATED_BY, Relation.Kind.WAS_DERIVED_FROM], entity__in=chunk)
        contributing = Q(kind__in=[Relation.Kind.USED, Relation.Kind.WAS_GENERATED_BY], activity__in=generating)
        room = MAX_RELATIONS + 1 - len(relations)
        relations.update((row.pk, row) for row in live.filter(about | contributing).order_by()[:room])
        if len(relations) > MAX_RELATIONS:
            break
    truncated = len(relations) > MAX_RELATIONS
    ordered = sorted(relations.values(), key=lambda relation: (relation.created_on, relation.pk))[:MAX_RELATIONS]
    selectors.share_related(ordered, *Relation.AUDIT_RELATED)
    graph = of_relations(ordered, found, versions=versions.values())
    graph.truncated = truncated
    return graph
