"""Scene sampling: ``(root seed, sample index, config) -> SceneSpec``; numpy only, never bpy, pyrender,
ray or torch."""
