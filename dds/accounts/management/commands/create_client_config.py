import yaml
from django.core.management.base import BaseCommand, CommandError

from dds.accounts import services
from dds.accounts.models import User


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

    def handle(self, *args, username, create_user, url, agent_name, rotate, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            if not create_user:
                raise CommandError(f"user {username!r} does not exist; pass --create-user to create it")
            user = services.user_create(username=username)
        user_key, agent_key = services.client_credentials_ensure(user=user, agent_name=agent_name, rotate=rotate)
        config = {"url": url.rstrip("/"), "user_key": user_key.key, "agent_key": agent_key.key}
        self.stdout.write(yaml.safe_dump(config, sort_keys=False), ending="")
