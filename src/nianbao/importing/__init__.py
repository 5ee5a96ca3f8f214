"""Importing published reports (history) into the data contract.

One module per responsibility:

- :mod:`.model`      the document model every reader produces;
- :mod:`.html`       the web-page reader; :mod:`.pdf` PDFs (:mod:`.pdf_positions` tables without
  rulings); :mod:`.docx` Word files (:mod:`.readers` picks a reader by suffix);
- :mod:`.identify`   department and year from the title;
- :mod:`.recognise`  the one recogniser: official tables by their labels, the narrative;
- :mod:`.page`       one report end to end, and the files and ``import.json`` it gives;
- :mod:`.write`      ``nianbao import`` for reports; :mod:`.audit` ``--audit``;
- :mod:`.sources`    which arguments are reports, which workbooks.
"""
