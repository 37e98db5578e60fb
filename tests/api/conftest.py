"""The API tests share the security tests' seeded world (tests/security/conftest.py)."""

from tests.security.conftest import wsgi_in_transaction, world, world_module  # noqa: F401
