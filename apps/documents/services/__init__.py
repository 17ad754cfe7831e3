"""The documents context's services: import the topic modules (``storage``, ``links``, ``pdf``)."""
