"""claimcorpus: an annotated news corpus (entities, claims, hedging) and the toolkit that builds it."""

__version__ = "0.1.0"
