"""Providers answer one request each (see ``claims.extract.pipeline``): a live
OpenAI-compatible server (``chat``) or the results file of a batch (``batch_results``)."""
