"""hairmeta's domain core: records, store, de-duplication, outcomes, effects, pooling, reports.

Nothing in this package prints to the terminal or talks to the network.
"""
