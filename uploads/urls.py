from dds.routing import api_path

from . import views

urlpatterns = [
    api_path("projects/{id}/uploads", views.ProjectUploadListView),
    api_path("uploads/{id}", views.UploadView),
    api_path("uploads/{id}/chunks", views.ChunkView),
    api_path("uploads/{id}/complete", views.CompleteView),
    api_path("uploads/{id}/hashes", views.HashesView),
    api_path("storage_providers", views.StorageProviderListView),
    api_path("storage_providers/{id}", views.StorageProviderView),
]
