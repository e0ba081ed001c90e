"""The officer app's files (served by fieldapp.officer); a package only so that `pip install .` ships them."""
