import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dds.settings")
application = get_wsgi_application()

# Imported once Django is set up: the job runners and the sweeper read models.
from dds.jobs.sweeper import inline_start  # noqa: E402

inline_start()
