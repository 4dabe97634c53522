"""FaceSR Studio's PySide6 desktop application (imports core, never the reverse)."""
