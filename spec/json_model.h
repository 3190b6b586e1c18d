/*
 * json_model.h - the ACSL model of a JSON document tree, as the proved
 * kernel files (registry.c, codec.c, encode.c, merge.c) see it through
 * kernel/cjson_glue.h. Besides the one C typedef, read only by Frama-C.
 *
 * What is modelled
 *   keel_json is the cJSON node type. Under Frama-C (__FRAMAC__) it is an
 *   incomplete type outside kernel/cjson_glue.c: proved code cannot
 *   dereference a node, only pass node pointers to the glue functions (the
 *   C compiler also sees the glue's inline readers, and `make glue-check`
 *   keeps node field access out of the other kernel files). One predicate
 *   says what such a pointer is:
 *
 *     json_node(n)   n points to a node of a live cJSON tree (never NULL).
 *
 *   json_node is pure: it reads no memory, so it survives every call. The
 *   glue's contracts (kernel/cjson_glue.h) promise json_node of every node
 *   they hand out (children, siblings, new, copied and parsed nodes) and
 *   valid_read_string of every key and string value, and they require
 *   json_node of every node passed in. That is what lets WP discharge the
 *   runtime-safety goals of the proved code: every pointer it dereferences
 *   itself (keys, string values, its own arrays of node pointers) is valid.
 *
 *   json_heap stands for all memory owned by cJSON trees (nodes, keys,
 *   string values). The glue's mutators and allocators say `assigns
 *   json_heap`; the accessors assign nothing. Proved code never writes
 *   through a pointer into that memory, so nothing it reasons about is
 *   hidden by that one location.
 *
 * What is assumed, not modelled (the trusted base)
 *   - Lifetimes. Deleting, replacing or detaching a node, or replacing a key,
 *     frees memory that json_node and earlier valid_read_string facts still
 *     describe. Use after free, double free and leaks are checked by ASan
 *     and LSan under `make test-asan` and by `make fuzz-replay`, not by WP.
 *   - Shape. Which node is a member of which object, sibling order, key
 *     uniqueness and the kind of a node after an edit are not modelled; the
 *     registry invariants of kernel/tree.h are checked by the tests and
 *     fuzz/fuzz_registry.h. A sibling walk is assumed to end (cJSON lists are
 *     NULL-terminated and never cyclic).
 *   - The glue bodies (kernel/cjson_glue.c) and cJSON itself are not proved:
 *     they are one or a few cJSON calls each, covered by the unit tests, the
 *     1,500-registry round trip against Node, and the fuzzers.
 */
#ifndef KEEL_JSON_MODEL_H
#define KEEL_JSON_MODEL_H

#include <string.h> /* valid_read_string, for Frama-C */

/* A node of a JSON tree; the struct is complete only in cjson_glue.c. */
typedef struct cJSON keel_json;

/*@ axiomatic JsonTree {
      predicate json_node(keel_json *n);

      axiom json_node_not_null:
        \forall keel_json *n; json_node(n) ==> n != \null;
    }
 */

/*@ ghost extern int json_heap; */

#endif
