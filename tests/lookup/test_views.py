def test_places_returns_postcode_and_street_matches_as_json(client):
    data = client.get("/lookup/places?q=SE6+4RU").get_json()
    assert data["places"][0]["kind"] == "postcode" and round(data["places"][0]["lat"]) == 51
    streets = client.get("/lookup/places?q=abbotshall").get_json()["places"]
    assert streets and streets[0]["label"] == "Abbotshall Road" and "lon" in streets[0]
    assert client.get("/lookup/places?q=").get_json()["places"] == []
    assert client.get("/lookup/places?q=" + "x" * 500).status_code == 400
