"""Training data: sources in their published formats, splits, merging, crops, augmentation, targets and
the torch data loader; numpy and Pillow (torch only in ``loader``), never bpy, pyrender or ray."""
