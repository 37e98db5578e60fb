"""Hostile path arguments on every route that takes one: a NUL byte in a code, an id beyond a bigint, an id that is
not a number. Each must answer 404 (or the role's 403 / the method's 405), never a 500 (PostgreSQL refuses a NUL
byte in a query and an integer beyond bigint, so these matter most in CI, which runs on PostgreSQL).
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

BAD_VALUES = {"str": ["a%00b", "%00"], "int": ["99999999999999999999", "-1"], "regex": ["a%00b", "99999999999999999999",
                                                                                         "0.5"]}


def _routes_with_arguments() -> list[str]:
    def walk(resolver: URLResolver, prefix: str):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return sorted(r for r in walk(get_resolver(), "") if not r.startswith("admin/")
                  and re.search(r"<|\(\?P<", r))


def _urls(route: str) -> list[str]:
    urls = []
    for kind, values in BAD_VALUES.items():
        for value in values:
            path = re.sub(r"\(\?P<\w+>[^)]*\)", value if kind == "regex" else "1", route)
            path = re.sub(r"<(?:(int|str):)?\w+>", lambda m, v=value, k=kind: v if (m[1] or "str") == k else "1",
                          path)
            urls.append("/" + path.replace("^", "").replace("$", ""))
    plain = "/" + re.sub(r"<[^>]+>", "1", re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)).replace("^", "").replace("$", "")
    return sorted(set(urls) - {plain})  # only the variants that carry a hostile value


@pytest.mark.parametrize("route", _routes_with_arguments())
def test_hostile_path_arguments_never_500(world, route):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["admin"])
    for url in _urls(route):
        for method in ("get", "post"):
            response = getattr(client, method)(url, HTTP_AUTHORIZATION=world.auth("admin")["Authorization"])
            assert response.status_code in (400, 403, 404, 405, 415), (method, url, response.status_code)
