"""Studies of a model and its plans: baselines, calibration against UNIIMOG, the cost-coverage
frontier, the day's schedule and Monte Carlo simulation. They compute and return results;
they write nothing but the frontier's checkpoint (the outputs live in `monitor/outputs/`).
"""
