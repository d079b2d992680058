"""Extraction: articles in, grounded claims out (chunking, prompts, structured output,
transport, grounding, cache, backends, the job runner, batch)."""
