"""Page titles are consistent: "<page> · Customer cockpit" in <title>, and one h1 that starts with the page."""

import re

import pytest

from tests.factories import CustomerFactory

PAGES = ["/", "/customers/", "/customers/00101/", "/worklist/", "/dashboard/outcomes/", "/coupons/",
         "/settings/"]


def title_and_h1(html):
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    h1s = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return title, [" ".join(re.sub(r"<[^>]+>", " ", h).split()) for h in h1s]


@pytest.mark.django_db
@pytest.mark.parametrize("lang, site", [("en", "Customer cockpit"), ("zh-hans", "客户驾驶舱")])
def test_every_page_title_names_the_page_then_the_site_and_matches_its_h1(client, graded, manager_user, lang, site):
    client.force_login(manager_user)
    for path in PAGES:
        response = client.get(path, headers={"accept-language": lang})
        assert response.status_code == 200, path
        title, h1s = title_and_h1(response.content.decode())
        page, sep, rest = title.rpartition(" · ")
        assert (sep, rest) == (" · ", site) and page and site not in page, (path, title)
        assert len(h1s) == 1 and h1s[0].startswith(page.split(" · ")[0]), (path, title, h1s)


@pytest.mark.django_db
def test_a_title_is_escaped_once(client, graded, manager_user):
    CustomerFactory(code="00999", name="A&B <商行>", owner=graded["sp1"], region=graded["c1"].region)
    client.force_login(manager_user)
    html = client.get("/customers/00999/", headers={"accept-language": "en"}).content.decode()
    assert "<title>A&amp;B &lt;商行&gt; · Customer cockpit</title>" in html
