// Unit tests live here.
