from dds.routing import api_path

from . import views

urlpatterns = [
    api_path("folders", views.FolderListView),
    api_path("folders/{id}", views.FolderView),
    api_path("folders/{id}/move", views.FolderMoveView),
    api_path("folders/{id}/rename", views.FolderRenameView),
    api_path("folders/{id}/children", views.FolderChildrenView),
    api_path("projects/{id}/children", views.ProjectChildrenView),
    api_path("projects/{id}/files", views.ProjectFilesView),
    api_path("files", views.FileListView),
    api_path("files/{id}", views.FileView),
    api_path("files/{id}/move", views.FileMoveView),
    api_path("files/{id}/rename", views.FileRenameView),
    api_path("files/{id}/url", views.FileUrlView),
    api_path("files/{id}/versions", views.FileVersionListView),
    api_path("file_versions/{id}", views.FileVersionView),
    api_path("file_versions/{id}/url", views.FileVersionUrlView),
    api_path("file_versions/{id}/current", views.FileVersionCurrentView),
    api_path("current_user/usage", views.UsageView),
]
