"""The parts of ``neuromix explain``'s report: measures, summaries, layout, figures and the page.

:mod:`neuromix.analysis.explain` puts them together (:func:`~neuromix.analysis.explain.explain`).
"""
