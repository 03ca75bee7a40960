"""Run reports: self-contained HTML with PNG plots of latency fits, boards and the paper comparison."""

from harness.report.analysis import ReportData, analyse_run
from harness.report.build import ReportFiles, build_report
from harness.report.paper_reference import TABLE4, board_letter, paper_model_for

__all__ = ["TABLE4", "ReportData", "ReportFiles", "analyse_run", "board_letter", "build_report", "paper_model_for"]
