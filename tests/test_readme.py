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
