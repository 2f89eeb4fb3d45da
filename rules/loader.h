/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loader.h - what the parts of the policy loader share: policy.c (the file,
 * the top level, groups, rules), profile.c (profiles) and profiles_builtin.c
 * (the built-in profiles' text). Private to rules/: not an interface, and
 * nothing outside the loader includes it.
 *
 * Every function here is named ld_*: they have external linkage only so that
 * the loader can be split over files, and the prefix keeps them out of the way
 * of the rest of libportcullis.
 */
#ifndef PORTCULLIS_LOADER_H
#define PORTCULLIS_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "notes.h"
#include "policy.h"
#include "profile.h"

#define POLICY_NAME_MAX		256	/* bytes in a user, group, rule, profile name */
#define QUOTE_MAX		64	/* bytes of a value quoted in a message */
#define QUOTE_BUF		(4 * QUOTE_MAX + 8)

/* ------------------------------------------------------------------------
 * A string table: open addressing, linear probing, keys not owned.
 */

struct slot {
	const char *key;	/* NULL: empty slot */
	size_t len;
	size_t val;
};

struct strtab {
	struct slot *slots;
	size_t cap;		/* 0 or a power of two */
	size_t n;
};

const struct slot *ld_strtab_find(const struct strtab *t, const char *key, size_t len);
/* Map KEY (LEN bytes, not copied: it must outlive T) to VAL. Returns 0 when
 * added, 1 when KEY was there already (*old gets its value and nothing
 * changes), -1 when out of memory. */
int ld_strtab_put(struct strtab *t, const char *key, size_t len, size_t val, size_t *old);
void ld_strtab_free(struct strtab *t);

/* ------------------------------------------------------------------------
 * One loading of one YAML text.
 */

struct loader {
	const char *text;
	size_t len;
	yaml_document_t doc;
	struct policy *p;		/* NULL while loading the built-in profiles */
	struct notes notes;		/* the problems found, FILE in each (notes.h) */
	const yaml_node_t *groups;	/* the "groups" mapping */
	bool groups_broken;		/* "groups" was unusable: skip "undefined group" */
	struct strtab group_names;	/* group name -> pair index in groups */
	struct strtab rule_names;	/* rule name -> line of its first definition */

	/* profiles (profile.c) */
	bool builtin;			/* loading the built-in profiles: positions are 0 */
	const struct profile *builtins;	/* resolved built-in profiles, or NULL */
	size_t nbuiltins;
	struct profile *profiles;	/* the "profiles" being loaded (then p->profiles) */
	size_t nprofiles;
	struct strtab profile_names;	/* profile name -> index in profiles */
	bool profiles_broken;		/* "profiles" was unusable: skip "unknown profile" */
};

/*
 * Diagnostics: "FILE:LINE:COL: message" at a node (ld_diag), at a 1-based
 * position (ld_diag_at), or "FILE: message" (ld_diag_file). Any of them makes
 * the load fail.
 */
void ld_diag(struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ld_diag_at(struct loader *ld, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ld_diag_file(struct loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* S (LEN bytes) double-quoted for a message in BUF (QUOTE_BUF bytes):
 * escaped, and elided after QUOTE_MAX bytes. */
const char *ld_quote(char *buf, const char *s, size_t len);

/* ------------------------------------------------------------------------
 * Nodes and scalars.
 */

enum scalar_kind { SK_STRING, SK_NULL, SK_BOOL, SK_NUMBER };

yaml_node_t *ld_node(struct loader *ld, int i);
const char *ld_scalar(const yaml_node_t *n, size_t *len);
bool ld_is(const char *s, size_t len, const char *word);
/* What a scalar means: its tag, or for a plain scalar the YAML 1.2 core schema. */
enum scalar_kind ld_scalar_kind(const yaml_node_t *n);
/* What N is, in the words messages use: "a mapping", "null", "a string"... */
const char *ld_what(const yaml_node_t *n);
/* The text of N where a string is expected (numbers as written), or NULL
 * after reporting "WHAT must be a string, not ...". */
const char *ld_text(struct loader *ld, const yaml_node_t *n, const char *what, size_t *len);
bool ld_has_control(const char *s, size_t len);

/* ------------------------------------------------------------------------
 * Keys. Each mapping of the language has a table; ld_sort_keys files the
 * pairs of a mapping by it and reports what does not belong.
 */

enum { KEY_REQUIRED = 1, KEY_UNSUPPORTED = 2 };

struct value;			/* what a profile key's value is (profile.c) */

struct key {
	const char *name;
	unsigned flags;
	const char *missing;		/* KEY_UNSUPPORTED: what is not implemented yet */
	const struct value *value;	/* profile keys only */
};

#define KEYS_MAX 32	/* rows in the largest table */

/*
 * ld_sort_keys - file the pairs of mapping MAP by TABLE (NKEYS rows): VALUES[k]
 * is the value of key k, or NULL when absent or unusable. Reports keys that
 * are not strings, unknown, unsupported or repeated, and required keys that
 * are missing (at MAP). WHERE ("", " in a rule", ...) completes "unknown key".
 */
void ld_sort_keys(struct loader *ld, const yaml_node_t *map, const struct key *table,
		  size_t nkeys, const char *where, yaml_node_t **values);

/* ------------------------------------------------------------------------
 * Profiles (profile.c, spec/profiles.md).
 */

/*
 * ld_load_profiles - load MAP, a mapping of profile names to profiles, into
 * ld->profiles / ld->nprofiles (allocated here, one per pair, even when some
 * are broken: free them with ld_profiles_free). "extends" may name a profile
 * of MAP or one of ld->builtins; every profile comes out with its parents'
 * keys merged in.
 */
void ld_load_profiles(struct loader *ld, const yaml_node_t *map);

/* The profile that N (a rule's "profile" value) names, or NULL after
 * reporting. Looks in ld->profiles, then ld->builtins. */
const struct profile *ld_rule_profile(struct loader *ld, const yaml_node_t *n);

void ld_profiles_free(struct profile *v, size_t n);

/* The built-in profiles as policy text: a mapping of names to profiles
 * (profiles_builtin.c), loaded by ld_load_profiles like any other. */
extern const char ld_builtin_profiles[];
extern const size_t ld_builtin_profiles_len;

#endif
