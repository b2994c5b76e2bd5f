"""hairmeta: a living evidence summary on PRP and exosome therapies for hair loss.

The repository root is the installed package ``hairmeta`` (``pyproject.toml`` maps it), so the
checkout's folders are its subpackages: ``hairmeta.evidence`` (the domain core, in pipeline layers),
``hairmeta.extractors`` (one module per source and file format) and ``hairmeta.data`` (the shipped
evidence tables).  ``hairmeta.cli`` starts the command line.
"""

__version__ = "0.2.0"
