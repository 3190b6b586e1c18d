/*
 * name.h - account-name rules.
 *
 * Purpose
 *   An account name becomes a file name (<accounts>/<name>.json), so a valid
 *   name must never be able to form a path: the rule is
 *   ^[A-Za-z0-9][A-Za-z0-9._@+-]*$ and at most KEEL_NAME_MAX bytes. Such a
 *   name contains no '/', is never "." or "..", and fits a
 *   char[KEEL_NAME_MAX + 1] with its NUL (proved in name.c).
 *
 * Calling sequence
 *   if (!keel_name_valid(s, strlen(s))) reject(...);
 *
 * Error handling
 *   Pure functions; nothing to clean up.
 */
#ifndef KEEL_NAME_H
#define KEEL_NAME_H

#include <stddef.h>

#define KEEL_NAME_MAX 64

/*@ predicate name_first_char(char c) =
      ('A' <= c <= 'Z') || ('a' <= c <= 'z') || ('0' <= c <= '9');
    predicate name_char(char c) =
      name_first_char(c) || c == '.' || c == '_' || c == '@' || c == '+' ||
      c == '-';
    predicate valid_name{L}(char *s, integer n) =
      1 <= n <= KEEL_NAME_MAX && name_first_char(s[0]) &&
      (\forall integer i; 0 <= i < n ==> name_char(s[i]));
 */

/* 1 if s[0..len-1] is a valid account name, else 0. */
/*@ requires \valid_read(s + (0 .. len - 1)) || len == 0;
    assigns \nothing;
    ensures \result == 1 <==> valid_name(s, len);
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> len <= KEEL_NAME_MAX;
    ensures \result == 1 ==> (\forall integer i; 0 <= i < len ==> s[i] != '/');
    ensures \result == 1 ==> s[0] != '.';
 */
int keel_name_valid(const char *s, size_t len);

#endif
