"""Every tool of the provider, in Toolbox order."""

from .ceads_import import CeadsImport

ALGORITHMS = [
    CeadsImport,
]
