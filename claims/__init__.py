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

from claims.kernel.version import __version__ as __version__  # noqa: E402  (needs __path__ above)
