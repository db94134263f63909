"""Blender Cycles backend: the only package that imports bpy (Blender as a Python module)."""
