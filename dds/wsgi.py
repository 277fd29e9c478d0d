import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dds.settings")
application = get_wsgi_application()

# Imported once Django is set up: the sweeper reads models.
from dds.jobs.sweeper import sweeper_start_inline  # noqa: E402

sweeper_start_inline()
