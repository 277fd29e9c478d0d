from django.apps import AppConfig

from dds.accounts.signals import user_merged


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self):
        from . import services  # services import models: only once the apps are loaded

        def memberships_move(sender, *, actor, user, into, **kwargs):
            services.user_memberships_move(actor=actor, user=user, into=into)

        user_merged.connect(memberships_move, weak=False, dispatch_uid="projects.user_memberships_move")
