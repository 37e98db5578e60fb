"""SMS backends: console (the embedded default), file, locmem (tests) and an HTTP JSON gateway."""
