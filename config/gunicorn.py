"""gunicorn settings for every deployment of the cockpit: the Dockerfile, docker-compose and `make bench` pass
`--config config/gunicorn.py`. Bind address and worker count stay on the command line."""

import gc
from typing import Any

timeout = 120


def post_worker_init(worker: Any) -> None:
    """Move everything the worker loaded (Django, pandas, numpy, plotly: a few hundred thousand objects) out of
    the cyclic garbage collector's sight. Those objects live as long as the worker; without this, every full
    collection walks all of them in the middle of some request, which shows as the slowest requests."""
    gc.freeze()
