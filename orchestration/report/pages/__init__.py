"""The report's pages, in the order they appear.

A page is a function (ReportSource, Period) -> Page: it asks the published warehouse its
questions (one or two queries) and returns blocks (blocks.py). To add a page, write
its module here (its SQL and one function) and append the function to PAGES.
"""

from orchestration.report.pages.breakdown import breakdown_page
from orchestration.report.pages.cost import cost_page
from orchestration.report.pages.quality import quality_page
from orchestration.report.pages.scenarios import scenarios_page
from orchestration.report.pages.service import service_page
from orchestration.report.pages.staffing import staffing_page

PAGES = [cost_page, breakdown_page, service_page, scenarios_page, quality_page, staffing_page]

__all__ = ["PAGES"]
