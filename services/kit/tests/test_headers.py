from services.kit.headers import content_disposition


def test_a_filename_is_encoded_and_has_an_ascii_fallback():
    assert content_disposition("partners.csv") == "attachment; filename=\"partners.csv\"; filename*=UTF-8''partners.csv"
    value = content_disposition('Łucja "N"\r\n\\.ics', disposition="inline")
    assert value == "inline; filename=\"_ucja _N____.ics\"; filename*=UTF-8''%C5%81ucja%20%22N%22%0D%0A%5C.ics"
    value.encode("ascii")
