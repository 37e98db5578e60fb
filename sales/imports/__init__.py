"""File imports of sales, customers, payments and visits (docs/imports.md). Entry point: `import_file`."""

from .errors import ImportReport, ImportUsageError, RowError, format_errors
from .service import KINDS, import_file

__all__ = ["KINDS", "ImportReport", "ImportUsageError", "RowError", "format_errors", "import_file"]
