"""Numbers over the annotation table: pure, vectorised NumPy, no I/O but shipped data.

Modules: ``metrics`` (the dataset's multi-label accuracy and everything derived from it:
per-class, paired comparisons, ImageNet-M, bootstrap intervals), ``real`` (ReaL labels,
Beyer et al. 2020, and where they disagree with the experts), ``published`` (the results of
published models, and where a loaded model ranks among them).
"""
