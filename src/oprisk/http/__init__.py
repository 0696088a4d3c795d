"""``oprisk serve``: the HTTP service over :class:`oprisk.api.Database` (the ``http`` extra).

:func:`create_app` builds the ASGI application; see ``docs/http.md`` for the endpoints, roles,
idempotency keys, ETags and problem details.
"""

from oprisk.http.app import create_app
from oprisk.http.auth import ACTIONS, OidcSettings, Settings

__all__ = ["ACTIONS", "OidcSettings", "Settings", "create_app"]
