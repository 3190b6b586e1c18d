/*
 * fs_model.h - the ghost model of the file system the kernel is proved
 * against (ACSL, read only by Frama-C; a C compiler sees nothing here).
 *
 * One atomic replace is modelled by a handful of ghost facts about its temp
 * file and its target. The thin system-call wrappers in kernel/sys.h carry
 * ACSL contracts over these facts; their C bodies (kernel/sys.c) are the
 * trusted base and are not proved. What the model assumes of the real file
 * system is written in spec/SPEC.md ("Assumptions").
 *
 *   fs_temp_exists    the temp file has a directory entry
 *   fs_temp_open      the temp's file descriptor is open
 *   fs_temp_len       bytes written to the temp so far (from offset 0)
 *   fs_temp_want      bytes the caller asked to write (set by the proof)
 *   fs_temp_mode_ok   fchmod(final mode) succeeded on the temp
 *   fs_temp_synced    fsync(temp) returned 0 after the last write and fchmod
 *   fs_target_replaced the target's directory entry now names the temp's
 *                      inode (rename succeeded)
 *   fs_dir_synced     fsync(directory) returned 0 after that rename
 *   fs_unlink_failed  an error path tried to unlink the temp and failed
 *                     (the debris sweep removes it later, G7)
 *
 * The lock's ghost state:
 *   lk_guard_held     this process holds the flock guard
 *   lk_interop_ours   the interop file registry.json.lock holds our pid
 *   lk_reaped_unguarded  an interop file was ever reaped without the guard
 */
#ifndef KEEL_FS_MODEL_H
#define KEEL_FS_MODEL_H

#include <stddef.h>

/*@ ghost extern int fs_temp_exists; */
/*@ ghost extern int fs_temp_open; */
/*@ ghost extern size_t fs_temp_len; */
/*@ ghost extern size_t fs_temp_want; */
/*@ ghost extern int fs_temp_mode_ok; */
/*@ ghost extern int fs_temp_synced; */
/*@ ghost extern int fs_target_replaced; */
/*@ ghost extern int fs_dir_synced; */
/*@ ghost extern int fs_unlink_failed; */

/*@ ghost extern int lk_guard_held; */
/*@ ghost extern int lk_interop_ours; */
/*@ ghost extern int lk_reaped_unguarded; */

/*@ predicate temp_removed = fs_temp_exists == 0 && fs_temp_open == 0;
    predicate temp_ready_for_rename =
        fs_temp_exists == 1 && fs_temp_len == fs_temp_want &&
        fs_temp_mode_ok == 1 && fs_temp_synced == 1;
    predicate target_untouched = fs_target_replaced == 0;
    predicate replaced_durably =
        fs_target_replaced == 1 && fs_dir_synced == 1;
 */

#endif
