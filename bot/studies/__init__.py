"""Studies: the file format, the catalog of plan versions, and planning (draft, review, approval)."""
