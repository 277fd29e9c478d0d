import os
from pathlib import Path

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

DEFAULT_URL = "http://127.0.0.1:8000/api/v1"


def write_private(path, text):
    """Write `text` to `path` readable by its owner only (ddsclient refuses a config others can read)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # a file that existed keeps its mode through os.open
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


class Command(BaseCommand):
    help = (
        "Print a DDS client config (url, user_key, agent_key) for USERNAME as YAML on standard output, or write it "
        "readable by its owner only with --output, e.g. `manage.py create_client_config jdoe --output ~/.ddsclient`. "
        "Existing keys are reused unless --rotate."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--create-user", action="store_true", help="create the user when it does not exist")
        parser.add_argument(
            "--url",
            help=(
                f"the API base URL clients use; default {DEFAULT_URL}, the quick start's address on its default "
                "PORT (the service cannot know the address its clients reach it at, so pass it for any other)"
            ),
        )
        parser.add_argument("--output", metavar="FILE", help="write the config to FILE with mode 0600")
        parser.add_argument("--agent-name", default="DukeDSClient", help="name of the user's software agent")
        parser.add_argument("--rotate", action="store_true", help="replace both keys (old ones stop working)")
        for option, field in _PROFILE_OPTIONS.items():
            parser.add_argument(option, dest=field, help=f"set the user's {field.replace('_', ' ')}")

    def handle(self, *args, username, create_user, url, output, agent_name, rotate, **options):
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
        if url is None:
            url = DEFAULT_URL
            self.stderr.write(f"url: the default {DEFAULT_URL}; pass --url when the service answers elsewhere")
        user_key, agent_key = services.client_credentials_ensure(user=user, agent_name=agent_name, rotate=rotate)
        config = yaml.safe_dump(
            {"url": url.rstrip("/"), "user_key": user_key.key, "agent_key": agent_key.key}, sort_keys=False
        )
        if output is None:
            self.stdout.write(config, ending="")
            return
        try:
            write_private(Path(output).expanduser(), config)
        except OSError as error:
            raise CommandError(f"cannot write {output}: {error.strerror}") from None
        self.stdout.write(f"wrote {output} (mode 0600)")
