# Negative control: the final mode is set after the fsync, where no fsync
# covers it; under a tight umask the temp is created 0400 and a power cut
# can leave the registry 0400 (G2, G8).
# file: kernel/atomic_write.c
s/r = keel_sys_temp_fchmod(fd, mode);/r = 0; \/* powerloss-variant: fchmod moved below *\//
s/r = keel_sys_temp_fsync(fd);/r = keel_sys_temp_fsync(fd); if (r == 0) r = keel_sys_temp_fchmod(fd, mode); \/* powerloss-variant *\//
