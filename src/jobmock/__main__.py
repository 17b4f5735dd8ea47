"""`python -m jobmock`: the `jobmock` command."""

import sys

from .cli import main

sys.exit(main())
