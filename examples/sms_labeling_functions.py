"""Ten keyword labeling functions for the SMS Spam Collection, written from reading it.

Spam there is prize draws ("U have won the £750 Pound prize. 2 claim is
easy, call ..."), free offers and vouchers, premium-rate reply codes ("Txt
MUSIC to 87066", "150p", "T&Cs"), ringtones and phones, "urgent" account
notices and chat lines; ham is friends writing to each other ("Ok lar...",
"I'll pick you up", "sorry about the late reply"). Each function votes one
label when an item's text holds one of its keywords as a whole word (any
case), and abstains otherwise.

Add them to a project with the CLI::

    python examples/sms_labeling_functions.py sms | sh

which prints one ``activelabel lf add`` per function. The benchmark
``benchmarks/bench_weak.py`` applies the same list.
"""

from __future__ import annotations

import shlex
import sys

#: (name, label, keywords)
SMS_KEYWORD_FUNCTIONS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "prize-draw",
        "spam",
        ("prize", "won", "winner", "awarded", "guaranteed", "congratulations", "draw"),
    ),
    (
        "free-offer",
        "spam",
        ("free", "freemsg", "offer", "voucher", "vouchers", "bonus", "cash", "reward"),
    ),
    (
        "reply-codes",
        "spam",
        (
            "txt",
            "150p",
            "150ppm",
            "t&c",
            "t&cs",
            "tncs",
            "unsubscribe",
            "opt out",
            "per min",
        ),
    ),
    (
        "phones-and-tones",
        "spam",
        ("ringtone", "ringtones", "tones", "nokia", "camera phone", "mobile", "latest"),
    ),
    (
        "urgent-notice",
        "spam",
        ("urgent", "important", "customer service", "account", "tried to contact"),
    ),
    ("chat-lines", "spam", ("sexy", "dating", "chat", "babes", "xxx", "horny")),
    ("greetings", "ham", ("ok", "okay", "lol", "haha", "hey", "lmao", "hi")),
    (
        "plans",
        "ham",
        ("home", "tonight", "later", "tomorrow", "pick you up", "dinner", "lunch"),
    ),
    (
        "feelings",
        "ham",
        ("love", "miss", "sorry", "darling", "sweet", "happy", "hope"),
    ),
    ("first-person", "ham", ("i'm", "i'll", "i've", "i am", "my", "we")),
]


def cli_commands(project: str) -> list[str]:
    """One ``activelabel lf add`` command per function."""
    return [
        f"activelabel lf add {shlex.quote(project)} {shlex.quote(name)} "
        f"--label {label} --keywords {shlex.quote(','.join(keywords))}"
        for name, label, keywords in SMS_KEYWORD_FUNCTIONS
    ]


if __name__ == "__main__":
    for command in cli_commands(sys.argv[1] if len(sys.argv) > 1 else "sms"):
        print(command)  # noqa: T201
