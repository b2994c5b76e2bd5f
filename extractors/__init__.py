"""One module per bibliographic source; HTTP and parsing kept apart."""
