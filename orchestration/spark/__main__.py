"""`python -m orchestration.spark`: build the warehouse on Spark (see orchestration/spark/build.py)."""

import sys

from orchestration.spark.build import main

sys.exit(main())
