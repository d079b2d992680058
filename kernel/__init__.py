"""The kernel both halves stand on: the claim schema, errors, atomic I/O, article
loading, the run-directory format and the extraction settings. It imports nothing
else of the project."""

from claims.kernel.lazy import lazy_exports

_EXPORTS = {
    "Article": ".articles", "LoadOptions": ".articles", "load_articles": ".articles", "iter_articles": ".articles",
    "Claim": ".schema", "Claimant": ".schema", "Cue": ".schema", "Span": ".schema", "ArticleClaims": ".schema",
    "ArticleFailure": ".schema", "GoldArticle": ".schema",
    "ExtractionSettings": ".settings", "make_settings": ".settings",
    "Run": ".rundir", "load_run": ".rundir", "iter_records": ".rundir", "iter_failures": ".rundir",
    "UserError": ".errors",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
