"""Modelling: arrays and frames in, numbers and decisions out; no files, no database.

Features, the segment estimator, model selection, refits and their noise band,
profiles, names and actions, feature coverage, drift, the stability backtest
and the retrain rule.
"""
