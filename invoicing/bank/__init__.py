"""Payments from the bank: statements read from CODA or camt.053 files, matched to what clients and
members owe, and the advisors' review queue for what could not be matched.

- `data`: the one neutral shape both formats are read into and written from (`StatementData`,
  `LineData`), so matching never knows which format a statement came in;
- `references`: the Belgian structured communication (OGM/VCS) found in a line, checked, and the
  nearest valid references to one whose check digits are wrong;
- `coda`: Febelfin CODA 2.x, parser and writer; `camt053`: ISO 20022 camt.053, parser and writer;
- `statements`: the import (one transaction per statement, once per file), the matching, and the
  advisors' decisions on a line (allocate, ignore).
"""

# A day's statement of a busy account is a few megabytes (10,000 camt.053 entries are about 10 MB).
STATEMENT_MAX_BYTES = 20 * 1024 * 1024
