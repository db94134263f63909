"""Renderer backends: ``render(spec) -> Frame`` (pixels only, never annotations); pyrender only in
``raster.py``, bpy only in ``cycles/``; never ray or torch."""
