from dds.routing import api_path

from . import views

urlpatterns = [
    api_path("activities", views.ActivityListView),
    api_path("activities/{id}", views.ActivityView),
    api_path("relations/used", views.UsedRelationView),
    api_path("relations/was_generated_by", views.WasGeneratedByRelationView),
    api_path("relations/was_derived_from", views.WasDerivedFromRelationView),
    api_path("relations/was_invalidated_by", views.WasInvalidatedByRelationView),
    api_path("relations/{object_kind}/{object_id}", views.NodeRelationListView),
    api_path("relations/{id}", views.RelationView),
    api_path("search/provenance", views.ProvenanceSearchView),
    api_path("search/provenance/origin", views.ProvenanceOriginView),
]
