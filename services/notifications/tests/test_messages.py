"""What a notification says about an engagement."""

from services.notifications.messages import engagement_message


def render(**engagement):
    return engagement_message(
        {"id": "e1", "type": "meeting", "title": "Bilan"} | engagement,
        updated=False,
        partner_names=["Bavière"],
        language="fr",
        public_url="https://liaison.example",
    )


def test_the_place_reads_as_city_and_country_and_is_left_out_when_unknown():
    assert "Lieu : Munich, DE" in render(location={"city": "Munich", "country": "DE"}).body
    assert "Lieu : DE" in render(location={"city": None, "country": "DE"}).body
    assert "Lieu" not in render(location={"city": None, "country": None}).body
    assert render().title == "Rencontre consignée : Bilan"
