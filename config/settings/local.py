"""The embedded default: SQLite, in-process tasks, console SMS. No variable needed.

It serves as users will use it: DEBUG off (error pages in the product's style, no technical 404/500 pages), static
files through WhiteNoise's middleware straight from the app folders (no collectstatic, no `runserver --insecure`),
the demo's hosts. `DEBUG=1 make run` turns Django's debug pages on for development.
"""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, env_bool, env_list

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# A fixed development key is fine here: production.py refuses to start without its own.
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-change-me"  # noqa: F405, S105
# This is the demo's own settings module: `seed_demo` may load its book here even with DEBUG off.
DEMO_SEED_ALLOWED = True

# WhiteNoise serves static files from the finders (app folders, static/), with DEBUG on or off; runserver's own
# static handler is switched off so both modes serve the same way.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
INSTALLED_APPS = ["whitenoise.runserver_nostatic", *INSTALLED_APPS]
