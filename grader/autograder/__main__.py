"""``python -m grader.autograder --root /autograder``: what ``run_autograder`` runs."""

import sys

from grader.autograder.run import main

sys.exit(main())
