# Negative control: the directory is never fsynced after the rename, so an
# acknowledged rename can vanish at power loss (G2).
# file: kernel/atomic_write.c
s/r = keel_sys_dir_fsync(dirfd);/r = 0; \/* powerloss-variant: no dir fsync *\//
