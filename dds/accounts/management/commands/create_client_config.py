import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dds.accounts import services
from dds.accounts.models import User

_PROFILE_OPTIONS = {
    "--email": "email",
    "--first-name": "first_name",
    "--last-name": "last_name",
    "--full-name": "full_name",
}


class Command(BaseCommand):
    help = (
        "Print a DDS client config (url, user_key, agent_key) for USERNAME as YAML on standard output, "
        "e.g. `manage.py create_client_config jdoe > ~/.ddsclient`. Existing keys are reused unless --rotate."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--create-user", action="store_true", help="create the user when it does not exist")
        parser.add_argument("--url", default="http://127.0.0.1:8000/api/v1", help="the API base URL clients use")
        parser.add_argument("--agent-name", default="DukeDSClient", help="name of the user's software agent")
        parser.add_argument("--rotate", action="store_true", help="replace both keys (old ones stop working)")
        for option, field in _PROFILE_OPTIONS.items():
            parser.add_argument(option, dest=field, help=f"set the user's {field.replace('_', ' ')}")

    def handle(self, *args, username, create_user, url, agent_name, rotate, **options):
        profile = {field: options[field] for field in _PROFILE_OPTIONS.values() if options[field] is not None}
        user = User.objects.filter(username=username).first()
        try:
            if user is None:
                if not create_user:
                    raise CommandError(f"user {username!r} does not exist; pass --create-user to create it")
                user = services.user_create(username=username, **profile)
            elif profile:
                user = services.user_update(user=user, **profile)
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items())
            ) from None
        user_key, agent_key = services.client_credentials_ensure(user=user, agent_name=agent_name, rotate=rotate)
        config = {"url": url.rstrip("/"), "user_key": user_key.key, "agent_key": agent_key.key}
        self.stdout.write(yaml.safe_dump(config, sort_keys=False), ending="")
