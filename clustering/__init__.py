"""Customer segmentation for the Olist marketplace warehouse.

The package reads the dbt marts, fits and scores segments, and generates the
embedded synthetic Olist dataset (``clustering.synth``).
"""

__version__ = "0.1.0"
