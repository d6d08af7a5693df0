"""`python -m bench`: the benchmark of the served app against the machine's practical limit (bench/README.md)."""
