"""Shell completion as README.md documents it: each line generates a script, and the bash one,
sourced into a real bash, completes sub-commands and choices."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def documented() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Shell completion") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block
    return [line.partition("  #")[0].strip() for line in block.group(1).splitlines() if line]


def env(home: Path) -> dict[str, str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "HOME": str(home)}


def complete(home: Path, words: str) -> list[str]:
    """What Tab offers after ``words`` in a bash that ran the README's bash line."""
    bash_line = next(line for line in documented() if "bash_source" in line)
    parts = words.split(" ")  # "oprisk capital " ends in an empty word, as bash sees it
    script = (
        f"{bash_line}\n"
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in parts)}); COMP_CWORD={len(parts) - 1}\n"
        "_oprisk_completion oprisk\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    run = subprocess.run(["bash", "-c", script], env=env(home), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.split()


def test_the_readme_documents_bash_zsh_and_fish():
    lines = documented()
    assert len(lines) == 3
    assert {"bash_source", "zsh_source", "fish_source"} == {
        m.group(1) for line in lines if (m := re.search(r"=(\w+_source) oprisk", line))
    }


def test_bash_completes_sub_commands_options_and_choices(tmp_path):
    assert "capital" in complete(tmp_path, "oprisk cap")
    assert set(complete(tmp_path, "oprisk capital ")) >= {"bia", "tsa", "asa", "sa", "lda"}
    assert complete(tmp_path, "oprisk capital lda --uom b") == ["bl-et", "bl"]
    assert "--accounted-until" in complete(tmp_path, "oprisk losses --acc")


def test_zsh_and_fish_scripts_are_generated(tmp_path):
    zsh = next(line for line in documented() if "zsh_source" in line)
    source = zsh.removeprefix('eval "$(').removesuffix(')"')
    run = subprocess.run(["bash", "-c", source], env=env(tmp_path), capture_output=True, text=True)
    assert run.returncode == 0 and "#compdef oprisk" in run.stdout
    fish = next(line for line in documented() if "fish_source" in line)
    (tmp_path / ".config/fish/completions").mkdir(parents=True)
    run = subprocess.run(["bash", "-c", fish], env=env(tmp_path), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    written = (tmp_path / ".config/fish/completions/oprisk.fish").read_text()
    assert "complete --no-files --command oprisk" in written
