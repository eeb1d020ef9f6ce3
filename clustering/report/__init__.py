"""Self-contained HTML reports: one offline file per report, plotly.js inlined once."""

from clustering.report.page import Card, ReportPage

__all__ = ["Card", "ReportPage"]
