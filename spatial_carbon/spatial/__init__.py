"""Spatial statistics of region-year tables.

``weights``
    contiguity, KNN, distance-band and GAL/GWT weights with an island policy.
``autocorr``
    global Moran's I and local Moran (LISA) with seeded permutation inference.
``transitions``
    LISA quadrant transitions (Rey 2001), cohesion, flux, homogeneity.
``classify``
    natural breaks (exact Fisher-Jenks) per year and pooled.
"""
