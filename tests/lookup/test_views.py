def test_places_returns_postcode_and_street_matches_as_json(client):
    data = client.get("/lookup/places?q=SE6+4RU").get_json()
    assert data["places"][0]["kind"] == "postcode" and round(data["places"][0]["lat"]) == 51
    streets = client.get("/lookup/places?q=abbotshall").get_json()["places"]
    assert streets and streets[0]["label"] == "Abbotshall Road" and "lon" in streets[0]
    assert client.get("/lookup/places?q=").get_json()["places"] == []
    assert client.get("/lookup/places?q=" + "x" * 500).status_code == 400


def test_nothing_found_says_which_and_offers_the_postcode(client):
    """A street missing from the (partial) street list: say so and offer the postcode; the report form's script
    shows this message."""
    street = client.get("/lookup/places?q=Nowhere+Such+Lane").get_json()
    assert street["places"] == [] and "enter your postcode, like SE6 4RU" in street["message"]
    postcode = client.get("/lookup/places?q=sw1a1aa").get_json()
    assert postcode["places"] == [] and postcode["message"].startswith("We do not know the postcode SW1A 1AA")
    assert client.get("/lookup/places?q=SE6+4RU").get_json()["message"] is None
    assert client.get("/lookup/places?q=ab").get_json()["message"] is None        # too short to look up
