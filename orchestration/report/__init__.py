"""The manager's report: charts of cost and service of a published warehouse, one HTML file
that opens from the file system with no network (<warehouse>.report/index.html).

source.py reads the published file read-only; pages/ turns the marts into blocks
(blocks.py), one module per page; render.py writes the HTML with the vendored charting
library inline (vendor/README.md).
"""

from orchestration.report.build import ReportResult, report_dir, write_after_publish, write_report

__all__ = ["ReportResult", "report_dir", "write_after_publish", "write_report"]
