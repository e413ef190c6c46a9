"""Documents the product writes for people to fill in or read: the import template,
and the 처리결과 report in HWPX, XLSX, printable HTML and PDF (``render``)."""
