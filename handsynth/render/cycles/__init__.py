"""The Cycles renderer backend (Blender as a Python module): the only package that imports bpy."""
