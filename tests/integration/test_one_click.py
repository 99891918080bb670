"""One-click unsubscribe (RFC 8058) from a delivered message's List-Unsubscribe header."""
import requests

from sendguard import delivered_link


def test_get_only_shows_a_page_and_post_unsubscribes(server, admin, sink):
    link = delivered_link(admin, sink, "Reader@Example.com")
    assert link.startswith(server.url + "/u/")

    page = requests.get(link, timeout=10)
    assert page.status_code == 200
    assert "reader@example.com" in page.text and "<form" in page.text
    check = admin.post("/checks", {"recipients": ["reader@example.com"]}).json()
    assert check["results"][0]["allowed"] is True  # a link scanner's GET changes nothing

    done = requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert done.status_code == 200
    again = requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert again.status_code == 200  # repeating is harmless

    check = admin.post("/checks", {"recipients": ["READER@example.com"]}).json()
    assert check["results"][0] == {"email": "READER@example.com", "allowed": False, "reason": "suppressed"}
    refused = admin.send(["reader@example.com"])
    assert refused.status_code == 422
    assert refused.json()["error"]["recipients"] == ["reader@example.com"]


def test_forged_or_altered_tokens_are_404(server, admin, sink):
    link = delivered_link(admin, sink, "a@example.com")
    token = link.rsplit("/", 1)[1]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in ("forged", altered):
        assert requests.post(f"{server.url}/u/{bad}", data={"List-Unsubscribe": "One-Click"},
                             timeout=10).status_code == 404
        assert requests.get(f"{server.url}/u/{bad}", timeout=10).status_code == 404
    assert admin.post("/checks", {"recipients": ["a@example.com"]}).json()["results"][0]["allowed"]


def test_links_are_scoped_to_one_team(make_server, sink):
    server = make_server().start()
    acme = server.add_user("Acme", "admin@acme.com", "admin")
    globex = server.add_user("Globex", "admin@globex.com", "admin")
    link = delivered_link(acme, sink, "shared@example.com")
    assert requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 200
    assert not acme.post("/checks", {"recipients": ["shared@example.com"]}).json()["results"][0]["allowed"]
    assert globex.post("/checks", {"recipients": ["shared@example.com"]}).json()["results"][0]["allowed"]
