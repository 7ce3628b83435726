"""Detection is offline: loading the model and scoring texts opens no network connection.

Every way Python reaches the network (connect, connect_ex, create_connection, name lookup, UDP
sendto) is replaced by a recorder that also refuses, so a hidden download or telemetry call would
both be seen and fail. Kiwi's cached instance is dropped first, so its loading is covered too.
"""

from __future__ import annotations

import io
import json
import socket
import sys

import pytest

from kodetect.cli import main as cli
from kodetect.detector import Detector
from kodetect.text.segment import get_kiwi

TEXTS = [
    "인공지능은 다양한 분야에서 활용되고 있습니다. 이러한 변화는 우리의 삶을 크게 바꾸고 있습니다. "
    "따라서 우리는 기술의 장점과 한계를 함께 이해해야 합니다.",
    "오늘은 비가 와서 집에서 책을 읽었다. 창밖으로 빗소리가 들렸고 마음이 차분해졌다.",
    "This is English text with no Korean at all.",
    "짧다.",
    "\u200b인공\u200b지능은 ｆｕｌｌ width 문자와 숨은 문자를 포함합니다. 👩\u200d👩\u200d👧 끝.",
]


@pytest.fixture
def network_calls(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []

    def recorder(name: str):
        def refuse(*args, **kwargs):
            calls.append((name, args[1:] if name.startswith("socket.") else args, kwargs))
            raise OSError(f"network access during an offline test: {name}{args!r}")

        return refuse

    monkeypatch.setattr(socket.socket, "connect", recorder("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", recorder("socket.connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", recorder("socket.sendto"))
    monkeypatch.setattr(socket, "create_connection", recorder("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", recorder("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", recorder("gethostbyname"))
    return calls


def test_recorder_catches_a_connection(network_calls):
    # The guard itself works: an attempt is refused and recorded.
    with pytest.raises(OSError), socket.socket() as s:
        s.connect(("127.0.0.1", 9))
    with pytest.raises(OSError):
        socket.create_connection(("example.com", 443))
    assert [name for name, *_ in network_calls] == ["socket.connect", "create_connection"]


def test_model_load_and_detection_make_no_connection(network_calls):
    get_kiwi.cache_clear()
    detector = Detector()
    results = [detector.detect(text) for text in TEXTS]
    assert len(results) == len(TEXTS)
    assert any(r.ai_probability is not None for r in results)
    list(detector.score(TEXTS[:2]))
    balanced = Detector(threshold_mode="balanced")
    balanced.detect(TEXTS[0])
    assert network_calls == []


def test_cli_check_makes_no_connection(network_calls, monkeypatch, capsys):
    get_kiwi.cache_clear()
    stream = io.TextIOWrapper(io.BytesIO(TEXTS[0].encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr(stream, "isatty", lambda: False)
    monkeypatch.setattr(sys, "stdin", stream)
    assert cli.main(["check", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ai_probability"] is not None
    assert network_calls == []


def test_cli_check_file_makes_no_connection(network_calls, tmp_path, capsys):
    path = tmp_path / "essay.txt"
    path.write_text(TEXTS[1], encoding="utf-8")
    assert cli.main(["check", str(path)]) == 0
    assert capsys.readouterr().out
    assert network_calls == []
