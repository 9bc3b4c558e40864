"""Media files: which file is which media (kinds), turning one file into one array for the
model (converters, one per preparation stage: stages), and into what a person sees or hears
of it (preview). Nothing here knows the dataset, the model or the pipeline."""
