"""Entry point of the ``hairmeta`` command line (console script ``hairmeta = hairmeta.cli:main``).

The commands live in :mod:`hairmeta.evidence.cli`, one module per pipeline stage.
"""

from hairmeta.evidence.cli import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
