"""Launch files, parameters, and the embedded runner and command line that wire the stack in one process."""
