"""Every error the package raises for something the user can fix.

Each says what went wrong and how to fix it. The CLI turns a ClusteringError
into one `error:` line and exit code 2; any other exception is a bug and keeps
its traceback. The second base of each class is the built-in it used to be,
so `except ValueError` / `except RuntimeError` in callers keep working.
"""

from __future__ import annotations


class ClusteringError(Exception):
    """A problem with the input, the warehouse, the model or a setting, not a bug."""


class SettingsError(ClusteringError, ValueError):
    """A setting or option is out of range; says which and what is allowed."""


class InputError(ClusteringError, FileNotFoundError):
    """An input folder lacks files the job needs; says which."""


class WarehouseError(ClusteringError, RuntimeError):
    """The warehouse is missing, incomplete or of another shape; says how to fix it."""


class ModelError(ClusteringError, RuntimeError):
    """No usable saved model; the message says why and how to fix it."""


class HistoryError(ClusteringError, ValueError):
    """Scoring would rewrite recorded history; the message says what to do."""


class BuildError(ClusteringError, RuntimeError):
    """dbt failed; the message carries dbt's own error lines."""


class PublishError(ClusteringError, RuntimeError):
    """The warehouse cannot be published or rolled back; says why and what to do."""


class CoverageError(ClusteringError, ValueError):
    """Too few usable features to segment; says which and why."""


class PopulationError(ClusteringError, ValueError):
    """Too few customers for what was asked; says how many are needed and what to do."""


class SelectionError(ClusteringError, ValueError):
    """No candidate structure refits to the same segmentation: nothing can be chosen."""


class NoOriginError(ClusteringError, ValueError):
    """The history is too short or too small for a single backtest origin."""


class SegmentJobError(ClusteringError, RuntimeError):
    """The segment job failed a step or a check; nothing was published."""


class RefreshError(ClusteringError, RuntimeError):
    """A day could not be refreshed; nothing was published. Says why and what to do."""


class AudienceError(ClusteringError, ValueError):
    """An audience filter or name the app refuses; says which control and why."""


class AppError(ClusteringError, RuntimeError):
    """The app cannot start or read the warehouse; says what to do."""
