"""Shipped evidence tables (installed as the ``hairmeta.data`` package; see README.md here)."""
