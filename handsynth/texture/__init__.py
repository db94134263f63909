"""The texture toolkit both object patterns (``objects/patterns.py``) and backgrounds (``scene/``) draw with:
pixel grids, noise, colour helpers; numpy and scipy only, never objects, scene, render or anything heavy."""
