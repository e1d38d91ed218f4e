"""``python -m crm_lessons ...`` runs the ``crm-lessons`` command line."""

import sys

from crm_lessons.cli import main

if __name__ == "__main__":
    sys.exit(main())
