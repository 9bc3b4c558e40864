"""The HTML reports: one papermill notebook per topic (reports/templates/<page>.ipynb)
rendered offline by nbconvert into reports/html/, with index.html linking them.

The notebooks only call these modules: tables (mAP and experiment tables), items (dataset
items as embedded HTML, from fgcross.media.preview's pieces, which search shares),
dataset_view, examples, embedding_map, provenance; pages and render build the site.
"""
