"""Cross-media search with a trained model: a gallery index over the exported embeddings
(gallery), queries prepared exactly as the training data was (query), the command line
(fgcross.cli) and a small local web page (server)."""
