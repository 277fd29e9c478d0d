from dds.routing import api_path

from . import views

urlpatterns = [
    api_path("search/folders_files", views.FoldersFilesSearchView),
    api_path("search", views.DeprecatedSearchView),
]
