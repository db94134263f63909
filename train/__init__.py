"""handsynth_train: networks, data sources and metrics for hand pose training; imports torch, never
bpy, pyrender or ray."""
