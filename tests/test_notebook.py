"""The seed-001 notebook runs end to end on the bundled data (so it cannot rot)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "seed001_study.ipynb"


def test_seed001_notebook_executes(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # the kernel inherits it: no display needed
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "commit the notebook without outputs (run notebooks/make_seed001_notebook.py)"
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert "30 study regions; 2000 - 2019" in text
    assert "figures; icf.qml" in text


def test_notebook_generator_is_in_sync():
    """The committed notebook equals what notebooks/make_seed001_notebook.py writes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_nb", NOTEBOOK.with_name(
        "make_seed001_notebook.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    built = mod.build()
    committed = nbformat.read(NOTEBOOK, as_version=4)
    assert [c.source for c in built.cells] == [c.source for c in committed.cells]
