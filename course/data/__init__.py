"""The course's data: the bundled MRPC-style pairs (``mrpc``) and local copies of the full profile
(``local_copies``)."""
