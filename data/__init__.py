"""Shipped evidence tables (installed as the ``hairmeta_data`` package; see README.md here)."""
