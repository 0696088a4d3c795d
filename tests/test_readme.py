"""Every command and example of README.md runs as written, in a fresh folder, on the day it runs.

The "Command line" block runs line by line with bash from a fresh folder holding a copy of
``examples/`` (its first line builds the demo database the rest use); each line must end with the
exit code its comment documents (a comment starting ``exit N``, else 0) and print what ``EXPECT`` says. A README line
with no entry in ``EXPECT`` fails the test, so a new example cannot go unchecked. The Python
example runs twice in one folder (re-running it must not raise).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: README command line (comment stripped) → a regular expression its stdout must match
EXPECT: dict[str, str] = {
    "oprisk demo --out demo-out": r"SA: ORC \(basel\)[\s\S]*every hash chain intact",
    "export OPRISK_DATABASE_URL=sqlite:///demo-out/demo.db": r"^$",
    "oprisk db upgrade": r"schema \d{4} → \d{4}",
    "oprisk db current": r"revision \d{4} \(code: \d{4}\) — up to date",
    "oprisk load examples/incidents.csv --source GRC --dry-run": (
        r"dry run: nothing written[\s\S]*loaded \(new\)\s+7\n"
    ),
    "oprisk load examples/incidents.csv --source GRC": r"loaded \(new\)\s+7\n[\s\S]*rejected\s+0\n",
    "oprisk load examples/损失台账.xlsx --mapping zh-CN --source BRANCH-CN": (
        r"loaded \(new\)\s+3\n[\s\S]*1 ignored \(序号\)"
    ),
    "oprisk load demo-out/financials.csv --kind financials": (
        r"loaded \(new\)\s+0\n[\s\S]*facts appended\s+0\n"
    ),
    "oprisk fx record USD 2025-12-31 0.8532": r"recorded USD/EUR 0.8532 on 2025-12-31",
    "oprisk fx list": r"USD\s+EUR\s+2025-12-31\s+0.8532",
    "oprisk losses --accounted-until 2025-12-31 --csv": (
        r"^event_id,event_type,business_line,[\s\S]*\nGRC:INC-0003,ET4.1,BL8,"
    ),
    "oprisk losses --as-of 6660 --excel > losses-6660.csv": r"^$",
    "oprisk --json losses --as-of today": r'"event_id": "BRANCH-CN:CN-0001"',
    "oprisk losses --year 2025 --business-line BL3 --event-type ET7": r"ET7\.\d\s+BL3\s+\w+\s+\w+\s+2025-",
    "oprisk history GRC:INC-0003": r"loss_event\.reported",
    "oprisk review list": r"^\(none\)$|event_id",  # the demo approves its own requests
    "oprisk verify": r"every hash chain intact, read models match a rebuild",
    "oprisk rebuild": r"read models rebuilt from \d+ facts",
    "oprisk keys new --out audit": r"private key: audit\.key",
    "oprisk checkpoint --key audit.key --out checkpoint.json": r"checkpoint: position \d+",
    "oprisk verify --checkpoint checkpoint.json --public-key audit.pub": (
        r"agrees with checkpoint\.json"
    ),
    "oprisk db roles": r"CREATE ROLE oprisk_owner",
    "oprisk capital bia --year 2025": r"approach\s+BIA",
    "oprisk capital tsa --year 2025": r"approach\s+TSA",
    "oprisk capital asa --year 2025 --as-of today": r"approach\s+ASA",
    "oprisk capital sa --year 2025 --as-of 6660 --profile basel --threshold 20000 --json": (
        r'"approach": "sa"'
    ),
    "oprisk capital lda --year 2025 --uom et --confidence 0.999 --sims 1000000 --seed 1": (
        r"fft[\s\S]*portfolio VaR 99\.9%"
    ),
    "oprisk load demo-out/scenarios-workshops.csv --kind scenarios": (
        r"unchanged\s+20\n\s+rejected\s+3\n[\s\S]*rule return_period_order"
    ),
    "oprisk load demo-out/external-losses.csv --kind external": r"unchanged\s+400\n",
    "oprisk scenario list --as-of today": r"SC-ET5-FLOOD",
    "oprisk capital icaap --bank-size 2.145e9 --sims 100000 --stress freq=1.5,sev=1.2 "
    "--plot icaap.png": r"internal losses \(ILD\)[\s\S]*\+ external data[\s\S]*\+ scenarios"
    r"[\s\S]*\+ BEICF[\s\S]*stressed",
    "oprisk export --template all --period 2025 --as-of 6660 --format xlsx --out exports/": (
        r"knowledge cut-off: position 6660 [\s\S]*exports/oprisk-2025\.xlsx"
    ),
    "oprisk export --verify exports/": r"^ok: 1 file\(s\) in exports reproduced byte for byte",
    "oprisk export --framework 4.2 --format xbrl-csv --period 2026-06-30 "
    "--entity 5493001KJTIIGC8Y1R12 --out pkg/": r"pkg/5493001KJTIIGC8Y1R12\.CON_COREPOF_2026-06-30\.zip",
    "oprisk export --validate pkg/*.zip": r"is a valid report package",
    "oprisk assess weights examples/judgements.toml": r"design\s+control\s+1\s+0\.5714",
    "oprisk users add ticketing --role reporter": r"^oprisk_\w+",
    "oprisk serve --host 127.0.0.1 --port 8000": r"",  # run by _serve: started, asked, stopped
}


def _block(section: str, lang: str) -> str:
    text = README.read_text(encoding="utf-8")
    body = text[text.index(f"## {section}") :]
    body = body[: body.find("\n## ", 1)] if "\n## " in body[1:] else body
    blocks = re.findall(rf"```{lang}\n(.*?)```", body, re.S)
    assert blocks, f"README section {section!r} has no {lang} block"
    return blocks[0]


def _commands() -> list[tuple[str, int]]:
    """(command, expected exit code) for each line of the Command line block."""
    out = []
    for raw in _block("Command line", "sh").splitlines():
        if not raw.strip():
            continue
        command, _, comment = raw.partition("  #")
        documented = re.match(r"\s*exit (\d)\b", comment)
        out.append((command.strip(), int(documented.group(1)) if documented else 0))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(command: str, cwd: Path, env: dict[str, str]) -> str:
    """Start the server the README line starts (on a free port), ask it for /readyz, stop it."""
    port = _free_port()
    argv = shlex.split(command.replace("--port 8000", f"--port {port}"))
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    return str(json.loads(r.read()))
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    _, err = proc.communicate(timeout=10)
                    raise AssertionError(f"{command}: the server did not answer: {err!r}") from None
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_every_readme_command_runs(tmp_path):
    commands = _commands()
    assert [c for c, _ in commands if c not in EXPECT] == [], "README lines without an expectation"
    assert [c for c in EXPECT if c not in {c for c, _ in commands}] == [], "stale expectations"
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPRISK_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["OPRISK_PROGRESS"] = "0"
    failures = []
    for command, code in commands:
        if command.startswith("export "):
            name, _, value = command.removeprefix("export ").partition("=")
            env[name] = value
            continue
        if command.startswith("oprisk serve"):
            assert "ready" in _serve(command, tmp_path, env)
            continue
        run = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        if run.returncode != code or not re.search(EXPECT[command], run.stdout):
            failures.append(f"{command}\n  exit {run.returncode}\n{run.stdout[-800:]}{run.stderr}")
    assert failures == [], "\n".join(failures)
    # what the redirected line wrote: the losses as known at the demo exports' cut-off, for Excel
    written = (tmp_path / "losses-6660.csv").read_bytes()
    assert written.startswith(b"\xef\xbb\xbfevent_id,")
    assert b"GRC:INC-0003" not in written  # loaded after position 6660
    # 6660 is the cut-off the demo's own exports record (the README says so)
    demo = json.loads((tmp_path / "demo-out/exports/manifest.json").read_text())
    assert demo["knowledge_cutoff"]["position"] == 6660


def test_readme_python_example_runs_twice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPRISK_DATABASE_URL", raising=False)
    block = _block("Using it from Python", "python")
    for _ in range(2):  # re-running the example must not raise
        exec(compile(block, "README.md", "exec"), {})


def test_a_newcomer_needs_two_commands():
    lines = [ln.partition("#")[0].strip() for ln in _block("Two commands", "sh").splitlines()]
    assert [ln for ln in lines if ln] == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert "$(BIN)/oprisk demo --out demo-out" in makefile  # the README's first command line
    assert _commands()[0] == ("oprisk demo --out demo-out", 0)
