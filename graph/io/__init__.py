"""The file formats kimnet writes and reads besides its seed folders.

``network_files``: GraphML and GEXF for Gephi and yEd; ``tables``: one CSV file
per entity kind and relationship kind, written and read back; ``hsds``: Open
Referral HSDS 3.0 JSON. ``cells`` turns property values into text and back,
``dated`` cuts a graph down to what holds on one day. All of them are pure
functions over ``GraphData``; reading the store and writing files is the
caller's business.
"""
