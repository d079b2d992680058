"""claims: structured, source-grounded claim extraction from news articles, and an
evaluation harness that scores it against gold.

This is the import root. Its floors are the folders beside it in the repository and
inside it once installed: ``claims.kernel`` (schema, errors, I/O, articles, run
format, settings), ``claims.extract`` and ``claims.evals`` side by side on it, and
``claims.cli`` on top. One root name keeps the generic folder names out of
site-packages (``evals`` is also what OpenAI's eval framework installs).
"""

import os as _os

_here = _os.path.dirname(_os.path.abspath(__file__))
if not _os.path.isdir(_os.path.join(_here, "kernel")):
    # a source checkout (editable install): the floors are the repository's top-level folders
    __path__.append(_os.path.dirname(_here))  # noqa: F821  (__path__ exists in a package)

from claims.kernel.lazy import lazy_exports  # noqa: E402
from claims.kernel.version import __version__ as __version__  # noqa: E402  (needs __path__ above)

# The public API in one place (what a notebook user imports to extract and evaluate);
# each name is imported on first use.
_EXPORTS = {
    **{name: "claims.kernel" for name in (
        "Article", "LoadOptions", "load_articles", "Claim", "ArticleClaims", "ArticleFailure", "ExtractionSettings",
        "make_settings", "Run", "load_run", "iter_records", "UserError",
    )},
    **{name: "claims.extract" for name in ("build_backend", "extract_articles", "Job")},
    **{name: "claims.evals" for name in ("load_gold", "evaluate", "EvalOptions", "compare", "run_gate", "load_suite", "run_suite")},
}
__all__ = ["__version__", *sorted(_EXPORTS)]
__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
