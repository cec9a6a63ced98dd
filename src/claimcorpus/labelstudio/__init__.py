"""Label Studio: generated labeling config, task export/import, push/pull to a live server.

config.py    the labeling config XML from the label sets in schema/ (schema/labelstudio.xml)
tasks.py     sentence records -> tasks with predictions / annotations
importer.py  a Label Studio JSON export -> one annotator layer per annotator
offsets.py   code points <-> UTF-16 code units at the boundary
client.py    push / pull with label-studio-sdk 2.x (LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY)

docs/labelstudio.md walks an annotator through it.
"""
