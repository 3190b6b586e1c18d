# Negative control: the temp file is never fsynced before the rename, so a
# power cut can leave the new name on a zero-length or torn file (G1, G2).
# file: kernel/atomic_write.c
s/r = keel_sys_temp_fsync(fd);/r = 0; \/* powerloss-variant: no file fsync *\//
