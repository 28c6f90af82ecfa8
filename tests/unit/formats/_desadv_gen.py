"""A DESADV D.96A interchange of any size, written message by message (tests, bench)."""

from __future__ import annotations

from pathlib import Path

HEAD = "UNA:+.? '\nUNB+UNOC:3+7350000000009:14+7390000000001:14+261126:1410+IC-GEN'\n"
MESSAGE = (
    "UNH+{i}+DESADV:D:96A:UN'\n"
    "BGM+351+FS-{i}+9'\n"
    "DTM+11:202611261400:203'\n"
    "RFF+ON:{order}'\n"
    "RFF+CN:SE{i:09d}'\n"
    "LIN+1++GEN-{a}:SA'\n"
    "QTY+12:2:PCE'\n"
    "LIN+2++GEN-{b}:SA'\n"
    "QTY+12:1.5:KGM'\n"
    "UNT+10+{i}'\n"
)
LINES_PER_MESSAGE = MESSAGE.count("\n")


def write_interchange(path: Path, messages: int) -> Path:
    """Write ``messages`` DESADV messages (10 lines each) in one interchange."""
    with path.open("w", encoding="latin-1") as fh:
        fh.write(HEAD)
        for i in range(1, messages + 1):
            order = f"{i:09d}"
            fh.write(MESSAGE.format(i=i, order=order, a=2 * i, b=2 * i + 1))
        fh.write(f"UNZ+{messages}+IC-GEN'\n")
    return path
