"""``python -m spatial_carbon ...`` runs the command line (same as ``spatial-carbon``)."""

from .cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess
    main(prog_name="spatial-carbon")
