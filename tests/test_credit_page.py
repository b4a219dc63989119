"""The « Crédit SMS » page: balance, ledger and the chart of the balance over time."""

from blueprints.sms.info import balance_chart
from tutti import credit


def test_balance_chart_scales_points_to_the_box():
    chart = balance_chart([200, 100, 50], width=100, height=100)
    assert chart["points"] == "0.0,0.0 50.0,50.0 100.0,75.0"
    assert (chart["top"], chart["low"]) == (200, 50)


def test_balance_chart_needs_two_movements():
    assert balance_chart([228]) is None


def test_credit_page_draws_the_balance_as_svg(demo, auth, client):
    credit.add(demo, 1, 100, label="Pack de 100 SMS")
    demo.commit()
    auth.login("secretariat")
    page = client.get("/sms/credit").get_data(as_text=True)
    assert "Évolution du solde" in page
    assert '<polyline points="0.0,48.8 600.0,0.0"' in page
    assert "de 228 à 328 SMS au plus" in page
