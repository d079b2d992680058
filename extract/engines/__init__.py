"""How a job runs. The local runner (``claims.extract.jobs``) works in one process, or
(``processes.py``) drives worker processes of this machine; the Ray engine (``ray.py``)
runs the same per-article step on a pool of actors. All write the same run directory
through one ``RunWriter``, so every reader works unchanged.

``pool.py`` is the driver the process and Ray engines share, ``rows.py`` what crosses
the wire between the driver and its workers (plain rows, no Ray import), ``worker.py``
the worker, ``ray.py`` the dataset functions and the Ray job.
"""

ENGINES = ("local", "ray")
