"""The menu leads each role to what it may use, in French first."""

import pytest


@pytest.mark.parametrize("role,present,absent", [
    ("tech1", ["/m/", "/account/calendar"], ["/admin/users", "/clients/"]),
    ("office", ["/clients/", "/interventions/new"], ["/admin/users", "/account/calendar"]),
    ("manager", ["/admin/users", "/admin/forms"], ["/account/calendar"]),
])
def test_menu_per_role(client, auth, users, role, present, absent):
    auth.login(role)
    html = client.get("/agenda/week").get_data(as_text=True)
    nav = html[html.index('class="mainnav"'):html.index("</nav>")]
    for href in present:
        assert f'href="{href}"' in nav
        assert client.get(href).status_code == 200
    for href in absent:
        assert f'href="{href}"' not in nav


def test_technician_links_are_in_french(client, auth, users):
    auth.login("tech1")
    html = client.get("/agenda/week").get_data(as_text=True)
    assert "Application mobile" in html and "Mon agenda" in html


def test_favicon_and_icons_are_served_to_anyone(client, auth, users):
    """Every browser asks for /favicon.ico, signed in or not: a 404 there is a console error
    on every page (the phone's shell once signed in: it sends nobody to the login page)."""
    import io

    from PIL import Image

    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
        sizes = Image.open(io.BytesIO(response.data)).info["sizes"]
    assert {(16, 16), (32, 32), (48, 48)} <= set(sizes)
    for page in ("/login", "/m/login", "/m/"):
        if page == "/m/":
            auth.login("tech1")
        html = client.get(page).get_data(as_text=True)
        for href in [h.split('"')[0] for h in html.split('rel="icon" href="')[1:]]:
            with client.get(href) as icon:
                assert icon.status_code == 200, (page, href)
        assert 'rel="icon"' in html, page


def test_favicon_is_the_drawing_of_the_icons_module():
    from webapp.mobile.icons import FAVICON, draw_favicon

    assert FAVICON.read_bytes() == draw_favicon()  # `python -m webapp.mobile.icons` after changing the drawing
