/*
 * alloc_model.h - the allocator as the proofs of readfile.c and txn.c see
 * it (ACSL, and declarations only Frama-C compiles: a C compiler sees
 * nothing here but <stdlib.h>).
 *
 * Why not Frama-C's own libc contracts
 *   WP (Frama-C 25) does not implement \fresh, \freeable and \allocable:
 *   after the libc's malloc nothing is known of the block, no call to the
 *   libc's free can ever be proved ("Degenerated" goal), and a function
 *   that writes into a block it allocated can never have its assigns clause
 *   proved, because WP cannot tell that block from the caller's memory.
 *   So, under Frama-C only, readfile.c and txn.c call malloc and free as
 *   keel_model_malloc and keel_model_free below (two #defines at the top of
 *   each file); their C code calls malloc and free.
 *
 * What is modelled
 *   heap_block(p)   p is the start of a block the allocator handed out
 *                   (malloc, or calloc/realloc in the cJSON glue and the
 *                   encoder). free requires it of every non-NULL pointer.
 *                   Pure, like json_node: it reads no memory.
 *   keel_heap[]     the heap as one array of bytes: every block malloc hands
 *                   out lies inside it (in_heap). It lets an assigns clause
 *                   name memory a function allocated and then wrote itself,
 *                   which WP cannot name otherwise: `keel_heap[..]` in an
 *                   assigns clause reads "may write bytes of heap blocks
 *                   (in practice: the block it allocates)". In ACSL a
 *                   function need not list memory it allocated, so the
 *                   clause is wider than needed, never wrong.
 *   __fc_heap_status  Frama-C's allocator state (from its <stdlib.h>):
 *                   allocating and freeing assign it.
 *
 * What is assumed, not modelled (the trusted base)
 *   - Lifetimes. free does not end heap_block(p) nor the validity of the
 *     block (WP cannot invalidate memory), so WP does not catch a use after
 *     free or a double free. The proofs show instead that every pointer a
 *     transaction frees is set to NULL with it; ASan and LSan check
 *     lifetimes and leaks under `make test-asan` and `make fuzz-replay`.
 *   - Blocks do not overlap one another in reality; the model does not say
 *     so (WP then assumes less, not more).
 *   - The heap lies within KEEL_HEAP_BYTES (2^47, the user address space of
 *     x86-64 Linux): a larger request can only fail.
 */
#ifndef KEEL_ALLOC_MODEL_H
#define KEEL_ALLOC_MODEL_H

#include <stddef.h>
#include <stdlib.h> /* __fc_heap_status, for Frama-C */

/*@ axiomatic KeelHeap {
      predicate heap_block(char *p);

      axiom heap_block_not_null:
        \forall char *p; heap_block(p) ==> p != \null;
    }
 */

#ifdef __FRAMAC__

#define KEEL_HEAP_BYTES 0x800000000000

extern char keel_heap[KEEL_HEAP_BYTES];

/*@ predicate in_heap(char *p, integer n) =
      \base_addr(p) == \base_addr(&keel_heap[0]) &&
      0 <= \offset(p) && \offset(p) + n <= KEEL_HEAP_BYTES;
 */

/* malloc(size): a fresh block of size bytes, or NULL. */
/*@ assigns __fc_heap_status \from size, __fc_heap_status;
    assigns \result \from size, __fc_heap_status;
    ensures \result == \null ||
            (heap_block((char *)\result) && in_heap((char *)\result, size) &&
             \valid((char *)\result + (0 .. size - 1)));
 */
void *keel_model_malloc(size_t size);

/* free(p): NULL is a no-op. */
/*@ requires p == \null || heap_block((char *)p);
    assigns __fc_heap_status \from __fc_heap_status;
 */
void keel_model_free(void *p);

/* realloc(p, size), size > 0: a block of size bytes holding p's first
   bytes (p then freed), or NULL with p untouched. NULL p: as malloc.
   The copied contents are not modelled. (kernel/encode.c) */
/*@ requires p == \null || heap_block((char *)p);
    requires size > 0;
    assigns __fc_heap_status \from size, __fc_heap_status;
    assigns \result \from p, size, __fc_heap_status;
    ensures \result == \null ||
            (heap_block((char *)\result) && in_heap((char *)\result, size) &&
             \valid((char *)\result + (0 .. size - 1)));
 */
void *keel_model_realloc(void *p, size_t size);

/* Arrays of node pointers (keel_json *, spec/json_model.h), the scratch
   and index arrays of the tree layer. A block of pointers cannot live in
   keel_heap (a char array: WP's typed model refuses the cast), so these
   blocks lie in keel_node_heap, an array of pointers; node_block(p) is
   heap_block for them. (kernel/codec.c) */
struct cJSON;

extern struct cJSON *keel_node_heap[KEEL_HEAP_BYTES / 8];

/*@ axiomatic KeelNodeHeap {
      predicate node_block(struct cJSON **p);

      axiom node_block_not_null:
        \forall struct cJSON **p; node_block(p) ==> p != \null;
    }
    predicate in_node_heap(struct cJSON **p, integer n) =
      \base_addr(p) == \base_addr(&keel_node_heap[0]) &&
      0 <= \offset(p) && \offset(p) + n * 8 <= KEEL_HEAP_BYTES;
 */

/* realloc(p, size) for an array of size / sizeof(keel_json *) node
   pointers, size > 0; as keel_model_realloc (contents not modelled). */
/*@ requires p == \null || node_block(p);
    requires size > 0;
    assigns __fc_heap_status \from size, __fc_heap_status;
    assigns \result \from p, size, __fc_heap_status;
    ensures \result == \null ||
            (node_block(\result) && in_node_heap(\result, size / 8) &&
             \valid(\result + (0 .. size / 8 - 1)));
 */
struct cJSON **keel_model_realloc_nodes(struct cJSON **p, size_t size);

/* free(p) for such an array: NULL is a no-op. */
/*@ requires p == \null || node_block(p);
    assigns __fc_heap_status \from __fc_heap_status;
 */
void keel_model_free_nodes(struct cJSON **p);

/* malloc(size) for an array of size / sizeof(keel_json *) node pointers,
   size > 0; the contents are not modelled. (kernel/tree.c) */
/*@ requires size > 0;
    assigns __fc_heap_status \from size, __fc_heap_status;
    assigns \result \from size, __fc_heap_status;
    ensures \result == \null ||
            (node_block(\result) && in_node_heap(\result, size / 8) &&
             \valid(\result + (0 .. size / 8 - 1)));
 */
struct cJSON **keel_model_malloc_nodes(size_t size);

#endif /* __FRAMAC__ */

#endif
