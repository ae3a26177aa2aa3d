"""``python -m plan161_workflow.cli``: the same as the ``plan161`` command."""

import sys

from plan161_workflow.cli import main

sys.exit(main())
