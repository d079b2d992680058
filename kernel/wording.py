"""Counts in prose, shared by the reports and the command line."""


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 claim', '2 claims', '1,204 articles'."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"
