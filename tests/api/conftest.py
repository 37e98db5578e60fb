"""The API tests share the security tests' seeded world (tests/security/conftest.py)."""

from tests.security.conftest import world, world_module, wsgi_in_transaction  # noqa: F401
