"""What the transfer tests share: the callers of the permission matrices (`carol_as`), and what a route that needs
`manage_project_permissions` answers each of them. Carol is never the transfer's sender or recipient."""

from ..roles import PROJECT_ROLE_PERMISSIONS

CALLERS = [
    "no token",
    "project_admin on the project",
    "file_editor on the project",
    "project_viewer on the project",
    "admin of another project",
    "system admin",
    "agent session of a project_admin",
]


def managers_only(caller, success):
    if caller == "no token":
        return 401
    role = caller.removesuffix(" on the project")
    manages = caller in ("system admin", "agent session of a project_admin") or (
        "manage_project_permissions" in PROJECT_ROLE_PERMISSIONS.get(role, ())
    )
    return success if manages else 403
