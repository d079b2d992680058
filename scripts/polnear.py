"""PolNeAR as a development corpus: install its train and dev splits into the cache, import them as gold.

The corpus has no data licence, so nothing of it is committed: it lives in
``$CLAIMS_POLNEAR_DIR`` (default ``~/.cache/claims/polnear``). Only the train and dev
splits are ever copied or read; the test split is the project's acceptance measure.

  python scripts/polnear.py install [--from GIT_DIR_OR_URL]   # default: the GitHub repository
  python scripts/polnear.py import [--split train|dev]        # -> <cache>/gold/<split> (both by default)
  python scripts/polnear.py status

Then e.g. ``claims extract <cache>/gold/dev/articles -o runs/dev && claims eval runs/dev
--gold <cache>/gold/dev`` (the ceiling is the annotators' agreement on the articles
several of them labelled), or ``python benchmarks/attribution.py --split dev``.
"""

from __future__ import annotations

import argparse
import sys

from claims.evals import polnear


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p_install = sub.add_parser("install", help="copy data/{train,dev}/{text,attributions} from a git snapshot into the cache")
    p_install.add_argument("--from", dest="source", default=polnear.REPOSITORY, help="a local git directory or a clone URL")
    p_import = sub.add_parser("import", help="write the split(s) as a gold directory with `claims gold import-brat`'s importer")
    p_import.add_argument("--split", action="append", help="train or dev (repeatable; default both)")
    sub.add_parser("status", help="say what the cache holds")
    args = ap.parse_args()
    root = polnear.cache_dir()
    try:
        if args.cmd == "install":
            polnear.install(args.source, root)
            print(f"installed PolNeAR {', '.join(polnear.SPLITS)} into {root}")
        elif args.cmd == "import":
            for split in args.split or list(polnear.SPLITS):
                out = polnear.import_split(root, split)
                print(f"{split}: {len(polnear.documents(root, split))} articles -> {out}")
        else:
            for split in polnear.SPLITS:
                if polnear.available(root, split):
                    docs = polnear.documents(root, split)
                    multi = sum(len(d.annotations) > 1 for d in docs)
                    print(f"{split}: {len(docs)} articles ({multi} with several annotators) in {polnear.split_dir(root, split)}")
                else:
                    print(f"{split}: not installed (python scripts/polnear.py install)")
    except polnear.PolnearError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
