"""Rendering of reports: HTML from templates, PDF with WeasyPrint (only here)."""
