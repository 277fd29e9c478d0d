from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dds.accounts"
    label = "accounts"
    verbose_name = "Accounts"
