from django.urls import re_path

from .transfer_views import StoredChunkView, StoredObjectView

_OBJECT = r"^(?P<provider_id>[^/]+)/(?P<project_id>[^/]+)/(?P<upload_id>[^/]+)"

urlpatterns = [
    re_path(rf"{_OBJECT}$", StoredObjectView.as_view()),
    re_path(rf"{_OBJECT}/(?P<number>[^/]+)$", StoredChunkView.as_view()),
]
