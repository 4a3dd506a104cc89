"""Records pages for coordinators and investigators: exports with their data dictionary, one participant's
whole record (printable page and JSON), and the audit trail viewer (issue 5, points 6 and 7)."""
