"""Keel's crash rig (issue 5): kill and errno injection over real `keel`
commands, checked by an oracle that shares no code with the kernel."""
