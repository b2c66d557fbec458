import logging

from portal.logging import RedactSecretsFilter, redact


def test_credentials_in_stream_urls_are_redacted():
    assert redact("opening rtsp://admin:p4ss@203.0.113.5:554/Streaming/Channels/101") == (
        "opening rtsp://***@203.0.113.5:554/Streaming/Channels/101"
    )


def test_passwords_with_url_characters_are_redacted():
    line = redact("rtsp://admin:p@ss/w:rd#1?x@203.0.113.5:554/live")
    assert "ss/w" not in line and "rd#1" not in line
    assert line.endswith("@203.0.113.5:554/live")


def test_key_value_secrets_are_redacted():
    assert "hunter2" not in redact("login failed password=hunter2 user=admin")
    assert "EAAG" not in redact('{"access_token": "EAAGxyz"}')


def test_the_filter_rewrites_formatted_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "url %s", ("http://u:pw@h/",), None)
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == "url http://***@h/"
