"""Subscription keys: refused up front when malformed, never echoed, scrubbed in every form.

Before: a key with CR/LF came back four times in the error (its repr escaped the scrubber) and
a key with a non-ASCII character ended in exit 70 (``UnicodeEncodeError`` in httpx).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from comtrade_fake import FakeComtrade
from corridor.errors import InvalidQuery
from corridor.sources.api_key import KeyScrubber, validate_key
from corridor.sources.comtrade_client import ComtradeClient

GOOD = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
BAD = {  # id: (key, what the message says is wrong)
    "crlf": ("0f1e2d3c4b5a6978\r\n8796a5b4c3d2e1f0", "carriage return at character 17"),
    "lf": ("0f1e2d3c4b5a6978\n8796a5b4c3d2e1f0", "line break at character 17"),
    "non-ascii": ("0f1e2d3c4b5a6978é796a5b4c3d2e1f0", "non-ASCII character at character 17"),
    "space": ("0f1e2d3c4b5a6978 8796a5b4c3d2e1f0", "space at character 17"),
    "tab": ("0f1e2d3c4b5a6978\t8796a5b4c3d2e1f0", "tab at character 17"),
    "nul": ("0f1e2d3c4b5a6978\x008796a5b4c3d2e1f0", "control character (U+0000)"),
    "del": ("0f1e2d3c4b5a6978\x7f8796a5b4c3d2e1f0", "control character (U+007F)"),
    "header-injection": ("0f1e2d3c4b5a6978\r\nX-Evil: 1", "carriage return"),
    "too-short": ("0f1e2d", "is 6 characters long"),
    "too-long": ("0f" * 200, "is 400 characters long"),
}


def pieces(key: str) -> list[str]:
    """Every 6-character run of the key's visible characters (what must not be shown)."""
    runs = [r for r in key.replace("\r", " ").replace("\n", " ").split() if len(r) >= 6]
    return [r[i : i + 6] for r in runs for i in range(len(r) - 5)]


@pytest.mark.parametrize(("key", "why"), list(BAD.values()), ids=list(BAD))
def test_malformed_key_is_refused_without_echoing_it(key: str, why: str):
    with pytest.raises(InvalidQuery, match=re.escape(why)) as info:
        validate_key(key, "CORRIDOR_COMTRADE_KEY")
    text = str(info.value)
    assert text.startswith("CORRIDOR_COMTRADE_KEY: ") and "\n" not in text
    assert not [p for p in pieces(key) if p in text]
    with pytest.raises(InvalidQuery):  # the client refuses it too, before any request
        ComtradeClient("http://127.0.0.1:9", key=key)


def test_key_is_trimmed_and_kept():
    assert validate_key(f"  {GOOD}\n", "x") == GOOD
    assert validate_key("A-b_c.d~e+f/g=h!", "x") == "A-b_c.d~e+f/g=h!"


@pytest.fixture
def server(monkeypatch):
    from corridor.settings import get_settings

    with FakeComtrade(key=GOOD) as srv:
        monkeypatch.setenv("CORRIDOR_COMTRADE_URL", srv.url)
        get_settings.cache_clear()
        yield srv


ARGS = ["fetch", "comtrade", "--reporter", "JPN", "--years", "2022", "--timeout", "2"]


ENV_BAD = {k: v for k, v in BAD.items() if k != "nul"}  # an environment cannot hold NUL


@pytest.mark.parametrize(("key", "why"), list(ENV_BAD.values()), ids=list(ENV_BAD))
def test_cli_refuses_a_bad_env_key_in_one_line(cli, server, monkeypatch, key, why):
    from corridor.settings import get_settings

    monkeypatch.setenv("CORRIDOR_COMTRADE_KEY", key)
    get_settings.cache_clear()
    for args in (ARGS, [*ARGS, "--dry-run"], ["fetch", "comtrade-bulk", "--reporter", "JPN",
                                              "--years", "2022"]):  # fmt: skip
        res = cli(*args)
        assert res.exit_code == 2, res.output
        assert res.output.strip().splitlines() == [res.output.strip()]  # one line
        assert res.output.startswith("error: CORRIDOR_COMTRADE_KEY: ") and why in res.output
        assert not [p for p in pieces(key) if p in res.output]
    assert server.log == []  # refused before any request


KEY_FILES = {  # id: (bytes, message)
    "crlf-inside": (b"0f1e2d3c4b5a6978\r\n8796a5b4c3d2e1f0\n", "carriage return"),
    "two-lines": (b"0f1e2d3c4b5a6978\n8796a5b4c3d2e1f0\n", "line break"),
    "non-ascii": ("0f1e2d3c4b5a6978é796a5b4c3d2e1f0".encode(), "non-ASCII"),
    "binary": (b"\xff\xfe\x00\x01key", "not UTF-8 text"),
    "empty": (b"\n  \n", "the file is empty"),
}


@pytest.mark.parametrize(("content", "why"), list(KEY_FILES.values()), ids=list(KEY_FILES))
def test_cli_refuses_a_bad_key_file(cli, server, tmp_path: Path, content: bytes, why: str):
    path = tmp_path / "key"
    path.write_bytes(content)
    res = cli(*ARGS, "--key-file", str(path))
    assert res.exit_code == 2 and why in res.output, res.output
    assert res.output.startswith(f"error: --key-file {path}: ")
    text = content.decode("utf-8", "replace")
    assert not [p for p in pieces(text) if p in res.output]
    res = cli(*ARGS, "--key-file", str(tmp_path))
    assert res.exit_code == 2 and "not a regular file" in res.output
    assert server.log == []


def test_good_key_file_with_bom_and_newline_works(cli, server, tmp_path: Path):
    path = tmp_path / "key"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode() + b"\r\n")
    res = cli(*ARGS, "--key-file", str(path))
    assert res.exit_code == 0, res.output
    assert server.log[0]["headers"]["Ocp-Apim-Subscription-Key"] == GOOD


KEY = "k3Y+/=ü9f1c2d7e5b6a4c3d2e1f0a9b8"  # a scrubber must cope even with what validation refuses


@pytest.mark.parametrize(
    "form",
    [KEY, repr(KEY), ascii(KEY), json.dumps(KEY), quote(KEY, safe=""), quote_plus(KEY),
     repr(KEY.encode()), KEY[:12], KEY[-10:], f"'{KEY[3:15]}'"],
)  # fmt: skip
def test_scrubber_hides_every_form_of_the_key(form: str):
    scrubber = KeyScrubber(KEY)
    text = scrubber.scrub(f"error at {form} (see {form})")
    assert text.startswith("error at ") and "***" in text
    for piece in (KEY[i : i + 8] for i in range(len(KEY) - 7)):
        assert piece not in text
    assert "9f1c2d7e" not in text and "k3Y+/=" not in text
    assert scrubber.found_in(f"xx{form}xx".encode()) or len(form) < len(KEY)


def test_scrubber_leaves_other_text_alone():
    text = "http://127.0.0.1:8080/data/v1/get/C/A/HS?period=2022: server error (HTTP 503)"
    assert KeyScrubber(KEY).scrub(text) == text


def test_log_records_are_scrubbed_while_a_client_is_open(caplog):
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("some.library")
    with ComtradeClient("http://127.0.0.1:9", key=GOOD):
        log.debug("sent header %s", {"Ocp-Apim-Subscription-Key": GOOD})
        log.warning("partial %s", GOOD[:12])
    log.info("after close: %s", "untouched")
    assert GOOD not in caplog.text and GOOD[:12] not in caplog.text
    assert caplog.text.count("***") == 2 and "after close: untouched" in caplog.text
