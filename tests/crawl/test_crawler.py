"""The crawler itself: it follows links, htmx endpoints and GET-form choices, dedupes, samples, and reports errors."""

from django.http import HttpResponse, HttpResponseRedirect

from tests.crawl.crawler import Crawler, family, normalize

SITE = {
    "/": '<a href="/list/?b=2&amp;a=1">list</a> <a href="/list/?a=1&amp;b=2">same list</a>'
         '<div hx-get="/fragment/"></div><a href="/boom/">boom</a><a href="/leak/">leak</a><a href="/raw/">raw</a>'
         '<a href="/accounts/logout/">out</a><a href="https://example.com/">away</a><a href="tel:123">call</a>'
         '<a href="/gone/">gone</a><a href="/export.csv">csv</a><a href="/moved/">moved</a>'
         '<form method="get" action="/list/"><select name="period"><option value="2025-01">1</option>'
         '<option value="2025-02">2</option><option value="2025-03">3</option><option value="2025-04">4</option>'
         "</select><input type=\"checkbox\" name=\"grade\" value=\"A\"></form>"
         '<form method="post" action="/save/"><select name="x"><option value="1">1</option></select></form>',
    "/list/?a=1&b=2": '<a href="?a=1&amp;b=2&amp;sort=-sales">sort</a>',
    "/fragment/": "<p>fragment</p>",
    "/leak/": "<pre>Traceback (most recent call last): ...</pre>",
    "/export.csv": "code,name\n<a href='/never/'>",
    "/target/": "<p>moved here</p>",
    "/raw/": "<form>{# a comment over\n two lines #}</form><script>{\"t\": \"%{y}\"}</script>",
}


class FakeClient:
    def __init__(self) -> None:
        self.requests: list[tuple[str, bool]] = []

    def get(self, url: str, **headers):
        self.requests.append((url, headers.get("HTTP_HX_REQUEST") == "true"))
        if url == "/boom/":
            response = HttpResponse("Server Error (500)", status=500)
            try:
                raise ValueError("Found array with 0 sample(s)")
            except ValueError as exc:
                response.exc_info = (type(exc), exc, exc.__traceback__)
            return response
        if url == "/moved/":
            return HttpResponseRedirect("/target/")
        if url in SITE or url.startswith("/list/"):
            content_type = "text/csv" if url.endswith(".csv") else "text/html; charset=utf-8"
            return HttpResponse(SITE.get(url, "<p>list</p>"), content_type=content_type)
        return HttpResponse("not here", status=404)


def test_crawler_follows_dedupes_and_reports():
    client = FakeClient()
    report = Crawler(client, role="r", state="s", per_family=2).run(["/"])
    urls = [u for u, _ in client.requests]
    assert len(urls) == len(set(urls)), "a page is visited once"
    assert urls.count("/list/?a=1&b=2") == 1  # the same query in another order is the same page
    assert ("/fragment/", True) in client.requests  # hx-get is fetched as htmx
    assert "/accounts/logout/" not in urls and not any("example.com" in u or "tel" in u for u in urls)
    assert "/save/?x=1" not in urls  # POST forms are not submitted
    assert "/list/?grade=A" in urls and "/never/" not in urls and "/target/" in urls
    # A select's choices are sampled (two per family here), not all four periods.
    assert sum(u.startswith("/list/?period=") for u in urls) == 2
    assert "/list/?a=1&b=2&sort=-sales" in urls
    problems = {p.url: p.error for p in report.problems}
    assert problems["/boom/"] == "ValueError: Found array with 0 sample(s)"
    assert "Traceback" in problems["/leak/"]
    assert "template syntax '{#'" in problems["/raw/"]
    assert report.not_found == ["/gone/ (linked from /)"]
    assert report.pages == len(urls)


def test_urls_and_families():
    assert normalize("?sort=-x&amp;a=1", "/customers/?period=2025-03") == "/customers/?a=1&sort=-x"
    assert normalize("#top", "/") is None and normalize("/static/x.css", "/") is None
    assert family("/customers/00101/?part=visits") == family("/customers/00202/?part=visits")
    assert family("/customers/?sort=sales") == family("/customers/?sort=-sales") != family("/customers/?sort=orders")
