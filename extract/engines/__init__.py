"""How a job runs. The local runner (``claims.extract.jobs``) works in one process; the
Ray engine (``ray.py``) runs the same per-article step on a pool of actors. Both write
the same run directory through one ``RunWriter``, so every reader works unchanged.

``rows.py`` holds what crosses the wire between the driver and the actors (plain
rows, no Ray import), ``worker.py`` the actor, ``ray.py`` the dataset functions and
the job.
"""

ENGINES = ("local", "ray")
