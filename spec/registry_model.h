/*
 * registry_model.h - a registry as the kernel outside the tree layer sees
 * it (ACSL, read only by Frama-C; a C compiler sees only the includes).
 *
 * What is modelled
 *   struct keel_registry is opaque outside registry.c, codec.c, encode.c and
 *   merge.c (kernel/tree.h), so the contracts of kernel/registry.h,
 *   codec.h, merge.h and txn.h speak of a registry through one predicate:
 *
 *     valid_registry(r)   r is a live registry handle, as made by
 *                         keel_registry_new, keel_registry_clone,
 *                         keel_codec_decode or keel_merge (never NULL).
 *
 *   valid_registry is pure, like json_node (spec/json_model.h): it reads no
 *   memory, so it survives every call. The functions that make registries
 *   ensure it; the functions that take one require it. Inside the tree
 *   layer it stands for the memory-safety invariant keel_registry_ok of
 *   kernel/tree.h (which does read memory: the struct and its index).
 *
 *   json_heap (spec/json_model.h) stands for the memory of the registries'
 *   JSON trees and __fc_heap_status (Frama-C's <stdlib.h>) for the
 *   allocator's state: the functions that allocate, free or edit trees
 *   assign them.
 *
 * What is assumed, not modelled
 *   - Lifetimes: keel_registry_free does not end valid_registry (WP cannot
 *     invalidate memory). Use after free and double free are checked by
 *     ASan and LSan (`make test-asan`, `make fuzz-replay`); the proof of
 *     txn.c shows that every registry a transaction frees is set to NULL.
 *   - Footprints: the memory a registry owns (its struct and its index
 *     array, allocated through the model of spec/alloc_model.h, and its
 *     tree) is named by the heaps of that model: keel_heap, keel_node_heap
 *     and json_heap. So the functions that edit a registry in place
 *     (keel_registry_add, _remove, _rename, _set_*) say they assign those
 *     heaps and *err - wide, but it names everything they may write.
 *   - Contents: which accounts and fields a registry holds is not modelled;
 *     the merge's decisions are proved over ranks (spec/merge_model.h), the
 *     codec and the merge are covered by tests, round trips and fuzzing.
 */
#ifndef KEEL_REGISTRY_MODEL_H
#define KEEL_REGISTRY_MODEL_H

#include <stdlib.h> /* __fc_heap_status, for Frama-C */

#include "alloc_model.h" /* keel_heap, keel_node_heap */
#include "json_model.h"  /* json_heap */

struct keel_registry;

/*@ axiomatic KeelRegistry {
      predicate valid_registry(struct keel_registry *r);

      axiom valid_registry_not_null:
        \forall struct keel_registry *r; valid_registry(r) ==> r != \null;
    }
 */

/*
 * The bridge to keel_registry_ok (kernel/tree.h), inside the tree layer
 *   keel_registry_ok(r) reads memory (the struct, its index array); the
 *   pure valid_registry(r) cannot be defined as it, nor tied to it by an
 *   axiom: an axiom "valid_registry(r) ==> keel_registry_ok{L}(r)" would
 *   hold in every memory state L, also in those where r->doc is NULL, and so
 *   would quietly prove valid_registry(r) false and every contract that
 *   requires it vacuous. The bridge is instead two ghost functions with
 *   contracts and no body, declared in kernel/tree.h and called as ghost
 *   code, each one assumption at one program point:
 *
 *     keel_registry_open(r)   valid_registry(r)  gives keel_registry_ok(r)
 *                             here: called first by every public function of
 *                             registry.h (and by codec.c, merge.c where they
 *                             need the fields of a registry they were given);
 *     keel_registry_seal(r)   keel_registry_ok(r) gives valid_registry(r):
 *                             called by keel_registry_wrap, which makes every
 *                             registry (keel_registry_new, _clone, the codec
 *                             and the merge all go through it).
 *
 *   What open assumes: between the seal and the open, the registry's memory
 *   (its struct and index array) was written only by the tree-layer
 *   functions, each of which is proved to keep keel_registry_ok - outside
 *   the tree layer the struct is opaque and nothing has its address - and
 *   the registry was not freed (use after free: ASan and the fuzzers).
 *
 * Registry memory (registry.c)
 *   WP's typed memory model cannot follow a void * block from malloc into a
 *   struct (spec/alloc_model.h models bytes and arrays of node pointers),
 *   so registry.c allocates its struct through a small wrapper whose
 *   contract (one line of libc, seen by the C compiler only) says, by type,
 *   what spec/alloc_model.h says of malloc'ed bytes:
 *
 *     registry_block(r)   r is a struct keel_registry from the allocator;
 *                         it lies in keel_heap.
 *
 *   The index array is an array of node pointers: node_block, in
 *   keel_node_heap (spec/alloc_model.h); registry.c's realloc wrapper also
 *   says that the entries are kept and that a new array is separate from
 *   every registry struct. The functions that make or grow a registry name
 *   what they wrote as keel_heap[..] and keel_node_heap[..].
 */
/*@ axiomatic KeelRegistryHeap {
      predicate registry_block(struct keel_registry *r);
    }
 */

#endif
