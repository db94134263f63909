"""Geometry helpers (rigid transforms, signed distances); numpy and trimesh only."""
