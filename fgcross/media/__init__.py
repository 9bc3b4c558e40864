"""Turning one media file into one array: images, video frames, spectrograms, text codes."""
