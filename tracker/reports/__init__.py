"""The reports: the leaders' meeting brief and the programme's periodic review, each one
document (a plain dataclass) built once and rendered as HTML, JSON, PDF (and XLSX)."""
