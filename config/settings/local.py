"""The embedded default: SQLite, in-process tasks, console SMS, DEBUG on. No variable needed."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
# A fixed development key is fine here: production.py refuses to start without its own.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me"  # noqa: F405, S105

# Serve static files straight from the app folders while developing (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
