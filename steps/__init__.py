"""Thin command lines, one per pipeline stage: parse paths and params, call fgcross, write outputs."""
