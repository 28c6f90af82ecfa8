"""`bridge init`'s bridge.toml: loads, and its comments say what the code and README say."""

from __future__ import annotations

from pathlib import Path

from bridge.config import load_config
from bridge.runtime.templates import CONFIG_TEMPLATE

README = Path(__file__).resolve().parents[3] / "README.md"


def _comment_block(key: str) -> str:
    """The comment text on the line of ``key`` and the comment-only lines after it."""
    lines = CONFIG_TEMPLATE.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{key} ="))
    block = [lines[start].split("#", 1)[1]]
    for line in lines[start + 1 :]:
        if not line.lstrip().startswith("#") or not line.startswith(" "):
            break
        block.append(line.strip().lstrip("#"))
    return " ".join(part.strip() for part in block)


def test_legacy_algorithms_comment_agrees_with_the_readme() -> None:
    """The template says what the README says: CBC/SHA-1 allowed, ssh-rsa keys never."""
    comment = _comment_block("allow_legacy_algorithms")
    assert "CBC" in comment
    assert "SHA-1/MD5 MACs" in comment
    assert "ssh-rsa (SHA-1) host keys never work" in comment
    assert "allow ssh-rsa" not in CONFIG_TEMPLATE
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert "CBC ciphers for old servers" in readme
    assert "no longer supports `ssh-rsa` (SHA-1) signatures at all" in readme


def test_template_documents_the_log_settings_with_their_defaults(
    tmp_path: Path,
) -> None:
    """[runtime] log_format / log_file are in the template, at their defaults."""
    cfg = tmp_path / "bridge.toml"
    cfg.write_text(CONFIG_TEMPLATE, encoding="utf-8")
    runtime = load_config(cfg).runtime
    assert (runtime.log_format, runtime.log_file) == ("auto", "")
    assert "rotating file" in _comment_block("log_file")
    assert "restart" in CONFIG_TEMPLATE
