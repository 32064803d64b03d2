"""Infrastructure recipes: a real Kafka broker and a throwaway PostgreSQL cluster, run as local processes.

Used by the ``motcua stack`` command and by the pytest fixtures in the root ``conftest.py``.
"""
