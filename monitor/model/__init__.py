"""The model: a scenario file read and checked (schema, load, checks), made concrete as
geometry, cells and candidate sites (geometry), the hazards of each asset kind (hazards),
the placement problem as arrays (instance, build) and what a plan achieves (metrics).

Nothing here imports from the solvers, studies, outputs, API or CLI.
"""
