"""Customer segmentation for the Olist marketplace warehouse.

The package reads the dbt marts, fits and scores segments, measures how long
they hold, and generates the embedded synthetic Olist dataset. Its layers,
top to bottom (each imports only from those below; `lint-imports` checks):

- ``cli``: the `clustering` command;
- ``report``: offline HTML reports;
- ``jobs``: one job per verb (fit, score, segments, stability, monitor, refresh);
- ``ops``: dbt runs, publishing, comparing builds;
- ``storage``: the DuckDB warehouse and the model folder;
- ``ml`` (modelling, no I/O) and ``synth`` (the data generator);
- ``settings``, ``progress`` and ``errors``, shared by all.
"""

__version__ = "0.1.0"
