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
