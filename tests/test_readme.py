"""The README's Python example runs as printed (so it cannot rot)."""

import re
from pathlib import Path


def test_readme_python_example_runs(capsys):
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no Python example"
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    # the example prints the quadrant zone of each of the 30 provinces in 2019
    assert "Beijing" in out and "Xinjiang" in out and "Tibet" not in out
    assert len(re.findall(r"\b(I|II|III|IV)\s*$", out, flags=re.M)) == 30


ROOT = Path(__file__).resolve().parent.parent


def _two_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", section, flags=re.S)]


def test_readme_commands_make_their_own_virtual_environment():
    """PEP 668: Debian 12 / Ubuntu 23.04+ refuse `pip install` into the
    system Python, so both commands create .venv first and use its Python."""
    first, tests = _two_commands()
    for cmd in (first, tests):
        assert "\n" not in cmd
        assert cmd.startswith("python3 -m venv .venv && .venv/bin/python -m pip install -e ")
        assert " python3 -m pip" not in cmd and "sudo" not in cmd
    assert first.endswith(".venv/bin/spatial-carbon demo --out demo_out")
    assert tests.endswith(".venv/bin/python -m pytest -q")


def test_ci_runs_the_readme_test_command():
    _, tests = _two_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[-1] == tests  # the last thing CI does is the README's command
    assert "python3-venv" in ci and "fonts-noto-cjk" in ci
    assert "SPATIAL_CARBON_REQUIRE_CJK=1" in ci
