"""Test vectors for shared_schema/vectors/: the runner both Python tests use, and their generators.

``python -m support_circle.protocol.vectors generate`` rewrites the committed files from fixed
keys and nonces; ``fresh DIR`` writes positive vectors made with random keys; ``check DIR`` runs
every vector file in DIR (for the cross-language tests).
"""
