"""Label Studio <-> gold: the labelling interface, tasks with pre-annotations, and the
import of Label Studio's JSON export back into gold files.

Label Studio is a separate program (a Django server): nothing here imports it. The
modules only read and write its JSON formats, which are plain data:

- ``config``: the labelling interface (XML) and the names the two converters share;
- ``tasks``: gold files or a run -> one task per article, its claims as predictions;
- ``annotations``: the JSON export -> gold files (one annotation) or ``double/`` label
  sets (several annotators), validated like ``claims gold check``.
"""
