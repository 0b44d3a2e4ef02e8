"""The command line: click commands, rendering, doctor, progress, and the scheduler beside
them."""
