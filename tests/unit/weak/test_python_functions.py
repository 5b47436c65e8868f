"""Python labeling functions: the decorator, and loading a file of them."""

from __future__ import annotations

from pathlib import Path

import pytest

import activelabel
from activelabel.exceptions import ConfigError
from activelabel.weak.python_functions import load_function_file

FIXTURES = Path(__file__).parents[2] / "fixtures" / "weak"


def test_labeling_function_is_exported_and_leaves_the_function_callable() -> None:
    @activelabel.labeling_function()
    def shouting(item: dict[str, str]) -> str | None:
        return "spam" if item["text"].isupper() else None

    assert shouting({"text": "WIN NOW"}) == "spam"


def test_load_function_file_finds_each_decorated_function_in_file_order() -> None:
    path = FIXTURES / "sms_functions.py"
    found = load_function_file(path.read_text(), filename=path.name)
    assert list(found) == ["mentions_prize", "short_greeting", "money_and_call"]
    assert found["mentions_prize"]({"text": "You won a PRIZE"}) == "spam"
    assert found["short_greeting"]({"text": "a long message " * 5}) is None


@pytest.mark.parametrize(
    ("code", "sentence"),
    [
        (
            "import activelabel\n\n@activelabel.labeling_function()\ndef f(item)\n",
            "The labeling function file lfs.py does not import: line 4: expected ':'.",
        ),
        (
            "import activelabel\nimport no_such_module_here\n",
            "The labeling function file lfs.py does not import: line 2: "
            "ModuleNotFoundError: No module named 'no_such_module_here'.",
        ),
        (
            "def f(item):\n    return None\n",
            "The labeling function file lfs.py defines no labeling function",
        ),
        (
            "import activelabel\n\n"
            "@activelabel.labeling_function('same')\ndef f(item):\n    return None\n\n"
            "@activelabel.labeling_function('same')\ndef g(item):\n    return None\n",
            "defines two labeling functions named 'same'",
        ),
    ],
)
def test_load_function_file_refuses_a_bad_file_with_a_sentence(
    code: str, sentence: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_function_file(code, filename="lfs.py")
    assert sentence in str(raised.value)


def test_labeling_function_without_parentheses_marks_the_function_too() -> None:
    code = (
        "import activelabel\n\n"
        "@activelabel.labeling_function\ndef bare(item):\n    return 'ham'\n"
    )
    assert list(load_function_file(code, filename="lfs.py")) == ["bare"]
