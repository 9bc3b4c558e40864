"""The store of prepared media: WebDataset tar shards with an offsets table, read by row.

    tar.py      deterministic tar files (fixed headers), member offsets as they are written
    codec.py    an item array <-> its members' bytes (JPEG, PNG, npy) and the decoders
    plan.py     which rows of a split go into which shard file
    writer.py   one shard file: convert, encode, write, record
    catalog.py  meta.json and the per-split tables that make the shards a store; checks
    reader.py   ItemSource: len() and numpy-like row access to decoded items

A shard is a plain tar that `tar`, webdataset and wids read without this package; the
offsets table and the checksums in meta.json are what make indexed random access (the
P x K sampler, resume) and corruption checks cheap.
"""
