"""Code blocks, command lines and lines in another script are set aside, offsets kept."""

import pytest

from kodetect.detector import Detector
from kodetect.text.code import is_foreign_line, set_aside_lines
from kodetect.text.normalize import normalize

PROSE = (
    "파이토치를 사용하여 간단한 신경망을 구현하는 방법을 보여드리겠습니다. 먼저 필요한 라이브러리를 설치해야 합니다. "
    "설치가 끝나면 데이터를 불러오고 모델을 정의한 다음 학습을 진행하면 됩니다."
)
CODE_ANSWER = (
    PROSE + "\n\n```bash\npip install torch torchvision\n```\n\n```python\nimport torch\n"
    "# 데이터 로드\nmodel = torch.nn.Linear(4, 2)\nprint(model(torch.zeros(4)))\n```\n\n"
    "이렇게 하면 모델이 만들어지고 결과가 출력됩니다. 궁금한 점이 있으면 언제든지 물어보세요."
)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.kind) for s in set_aside_lines(text)]


def test_fenced_blocks_are_code_including_korean_comments():
    kinds = _kinds(CODE_ANSWER)
    lines = [line for line, kind in kinds if kind == "code_lines"]
    assert lines == ["```bash", "pip install torch torchvision", "```", "```python", "import torch",
                     "# 데이터 로드", "model = torch.nn.Linear(4, 2)", "print(model(torch.zeros(4)))", "```"]


def test_unclosed_fence_runs_to_the_end_and_inline_fence_does_not_open():
    assert [k for _, k in _kinds("설명입니다.\n```\ncode here\nmore")] == ["code_lines"] * 3
    assert _kinds("예시: \n```x = 1``` 처럼 씁니다.") == [("```x = 1``` 처럼 씁니다.", "code_lines")]
    # the next line is prose again
    assert _kinds("```x = 1```\n이 문장은 한국어 설명입니다.") == [("```x = 1```", "code_lines")]


@pytest.mark.parametrize("line", [
    "In 2154, Earth had long been destroyed.",
    "$ sudo apt-get install chromium",
    "x = F.relu(F.max_pool2d(self.conv1(x), 2))",
    "(Translation)",
])
def test_foreign_and_command_lines(line):
    assert is_foreign_line(line)


@pytest.mark.parametrize("line", [
    "PyTorch를 사용하여 간단한 CNN(Convolutional Neural Network)을 구현하는 방법을 보여드리겠습니다.",
    "結婚 前日",  # Hanja is Korean writing
    "<user> <user> <user> 미쳤어ㅠㅠㅠ",  # handles and placeholders are neither
    "2024. 1. 5.",
    "속도 / @ Spd_Style - 뉴비애오 ^-^",
    "",
])
def test_korean_lines_stay(line):
    assert not is_foreign_line(line)


def test_normalize_sets_code_aside_and_maps_offsets_back():
    n = normalize(CODE_ANSWER)
    assert "import" not in n.text and "pip install" not in n.text and "데이터 로드" not in n.text
    assert n.formatting["code_lines"] == 9
    tail = "이렇게 하면 모델이"
    start = n.text.index(tail)
    a, b = n.original_span(start, start + len(tail))
    assert CODE_ANSWER[a:b] == tail


def test_detector_judges_korean_answer_with_code(detector):
    result = detector.detect(CODE_ANSWER)
    assert result.verdict not in ("unsupported-language", "insufficient")
    assert result.normalization.formatting["code_lines"] == 9
    code_start = CODE_ANSWER.index("```bash")
    code_end = CODE_ANSWER.rindex("```") + 3
    for s in result.sentences:
        assert s.end <= code_start or s.start >= code_end, s.text
        assert CODE_ANSWER[s.start:s.end] == s.text


def test_detector_abstains_on_english_with_a_korean_line(detector):
    text = ("This answer is written in English. " * 12) + "\n감사합니다.\n" + ("More English text follows here. " * 10)
    assert detector.detect(text).verdict == "unsupported-language"


def test_detector_calls_short_korean_text_insufficient(detector):
    assert detector.detect("짧은 한국어 문장입니다.").verdict == "insufficient"


def test_detector_abstains_on_code_only(detector):
    assert detector.detect("```python\nimport os\nprint(os.getcwd())\n```").verdict == "unsupported-language"
