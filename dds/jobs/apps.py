from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "dds.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
