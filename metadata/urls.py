from dds.routing import api_path

from . import views

urlpatterns = [
    api_path("tags/labels", views.TagLabelsView),
    api_path("tags/{object_kind}/{object_id}/append", views.ObjectTagsAppendView),
    api_path("tags/{object_kind}/{object_id}", views.ObjectTagsView),
    api_path("tags/{id}", views.TagView),
    api_path("templates", views.TemplateListView),
    api_path("templates/{template_id}/properties", views.TemplatePropertiesView),
    api_path("templates/{id}", views.TemplateView),
    api_path("template_properties/{id}", views.PropertyView),
    api_path("meta/{object_kind}/{object_id}", views.ObjectMetadataListView),
    api_path("meta/{object_kind}/{object_id}/{template_id}", views.ObjectMetadataView),
]
