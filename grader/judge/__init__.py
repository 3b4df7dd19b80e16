"""The trusted side's tools for judging plain data sent back by a sandbox."""
