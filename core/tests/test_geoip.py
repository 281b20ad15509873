from core.geoip import geoip_lookup


def test_public_address_is_located_from_the_real_database():
    geo = geoip_lookup("81.2.69.160")
    assert geo is not None and geo.country == "United Kingdom" and geo.country_code == "GB"
    assert geo.latitude is not None and geo.longitude is not None


def test_private_addresses_are_not_located_unless_a_dev_stand_in_is_set(settings):
    settings.GEOIP_PRIVATE_IP_STANDIN = ""
    assert geoip_lookup("127.0.0.1") is None and geoip_lookup("10.1.2.3") is None
    assert geoip_lookup("not-an-ip") is None and geoip_lookup(None) is None
    settings.GEOIP_PRIVATE_IP_STANDIN = "81.2.69.160"
    assert geoip_lookup("127.0.0.1").country_code == "GB"
