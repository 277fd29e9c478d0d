"""docs/api/permissions.md#built-in-roles, written out once for every test that checks who may do what: each built-in
role's permissions.

`system_admin` is a system role: held on a project (through a project permission) it grants nothing there; held
through /system/permissions it passes every project check, which EVERY_PROJECT_PERMISSION stands for.
"""

PROJECT_ROLE_PERMISSIONS = {
    "project_admin": {
        "view_project",
        "update_project",
        "delete_project",
        "manage_project_permissions",
        "download_file",
        "create_file",
        "update_file",
        "delete_file",
    },
    "project_viewer": {"view_project"},
    "file_downloader": {"view_project", "download_file"},
    "file_editor": {"view_project", "download_file", "create_file", "update_file", "delete_file"},
    "file_uploader": {"view_project", "create_file"},
}
EVERY_PROJECT_PERMISSION = PROJECT_ROLE_PERMISSIONS["project_admin"]
# Every built-in role as a project permission row: system_admin held on a project grants nothing there.
ROLE_PERMISSIONS = {**PROJECT_ROLE_PERMISSIONS, "system_admin": set()}
