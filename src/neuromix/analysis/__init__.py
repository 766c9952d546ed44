"""Analysis: audio features, chaos measures, plots, the explain report and parameter sweeps.

Each module imports matplotlib (or dask) inside the functions that draw (or fan out), so
importing ``neuromix.analysis`` stays light.
"""
