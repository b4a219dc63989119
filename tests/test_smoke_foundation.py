"""The foundation's first promises: login, the person list, the selection."""


def test_login_secretariat_reaches_person_list(demo, auth, client):
    response = auth.login("secretariat")
    assert response.status_code == 302
    page = client.get("/people")
    assert page.status_code == 200
    assert "Actions pour 0 sélectionné" in page.get_data(as_text=True)
