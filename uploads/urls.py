from dds.routing import api_path

from . import views

urlpatterns = [
    api_path("storage_providers", views.StorageProviderListView),
    api_path("storage_providers/{id}", views.StorageProviderView),
]
