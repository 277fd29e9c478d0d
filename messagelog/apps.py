from django.apps import AppConfig


class MessagelogConfig(AppConfig):
    name = "messagelog"
