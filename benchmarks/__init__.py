"""Solver benchmarks: scenarios built from a size and a seed (specs.py), peers on the yes/no
case (peers.py), and the runner (run.py, `python -m benchmarks`). Not part of the installed
package: run from the repository root."""
