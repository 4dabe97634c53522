"""FaceSR Studio engine: face detection, alignment, restoration and training, free of Qt."""
