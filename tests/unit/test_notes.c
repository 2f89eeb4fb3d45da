/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_notes.c - a file's problems come out in file order: the file itself
 * first, then by line and column, equal positions in the order found, and
 * one "too many errors" line last once the cap is passed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "notes.h"

static void test_file_order(void **state)
{
	char *old = NULL;
	struct policy_diag d = { 0 };
	struct notes ns;

	(void)state;
	/* D already holds a line: the notes are appended after it */
	d.lines = malloc(sizeof(*d.lines));
	assert_non_null(d.lines);
	d.lines[0] = old = malloc(1);
	assert_non_null(old);
	old[0] = '\0';
	d.n = 1;

	notes_init(&ns, "p.yaml", 10);
	notes_add(&ns, 7, 3, "second at 7:3");
	notes_add(&ns, 2, 9, "at %d:%d", 2, 9);
	notes_add(&ns, 0, 0, "the file");
	notes_add(&ns, 7, 1, "at 7:1");
	notes_add(&ns, 7, 3, "third at 7:3");
	assert_int_equal(ns.errors, 5);
	assert_string_equal(notes_text(&ns, 0), "p.yaml:7:3: second at 7:3");
	assert_null(notes_text(&ns, 5));
	notes_flush(&ns, &d);
	assert_int_equal(ns.n, 0);
	assert_int_equal(d.n, 6);
	assert_string_equal(d.lines[1], "p.yaml: the file");
	assert_string_equal(d.lines[2], "p.yaml:2:9: at 2:9");
	assert_string_equal(d.lines[3], "p.yaml:7:1: at 7:1");
	assert_string_equal(d.lines[4], "p.yaml:7:3: second at 7:3");
	assert_string_equal(d.lines[5], "p.yaml:7:3: third at 7:3");
	policy_diag_free(&d);
}

static void test_cap(void **state)
{
	struct policy_diag d = { 0 };
	struct notes ns;
	unsigned i;

	(void)state;
	notes_init(&ns, "c.yaml", 3);
	for (i = 10; i > 0; i--)
		notes_add(&ns, i, 1, "problem %u", i);
	assert_int_equal(ns.errors, 10);	/* all counted */
	notes_flush(&ns, &d);
	assert_int_equal(d.n, 4);		/* three kept, one marker */
	assert_string_equal(d.lines[0], "c.yaml:8:1: problem 8");
	assert_string_equal(d.lines[2], "c.yaml:10:1: problem 10");
	assert_string_equal(d.lines[3], "c.yaml: too many errors; stopped reporting after 3");
	policy_diag_free(&d);

	/* no destination: dropped, nothing leaks (valgrind) */
	notes_init(&ns, "c.yaml", 3);
	notes_add(&ns, 1, 1, "dropped");
	notes_flush(&ns, NULL);
	assert_int_equal(ns.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_order),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests_name("notes", tests, NULL, NULL);
}
