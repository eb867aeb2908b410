"""Everything a person or another program reads: documents (JSON, GeoJSON, CSV), reports
(Markdown, text) and figures (PNG). Every file is written whole (`files.py`).
"""
