"""Deterministic, calibrated synthetic Olist dataset.

``generate(out_dir, scale=1.0, seed=42, faults=0)`` writes the nine CSV files
of the public Olist dataset in their exact Kaggle layout and returns a
:class:`GenerationSummary`. See ``reference.py`` for the figures it is
calibrated to and ``faults.py`` for the faulty records it can inject.
"""

from clustering.synth.generator import generate
from clustering.synth.summary import GenerationSummary

__all__ = ["GenerationSummary", "generate"]
