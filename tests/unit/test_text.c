/* SPDX-License-Identifier: Apache-2.0 */
/* test_text.c - text_format writes what snprintf writes, at every buffer size. */

/*
 * Strategy: each case is formatted by text_format and by snprintf into
 * buffers of every size from 0 to past the text, both prefilled with the
 * same marker: the bytes written, the bytes left alone and the return value
 * must all match. The cases cover each conversion text_format does itself
 * (at both ends of each integer type, with precisions, NULL, multi-byte
 * UTF-8 cut anywhere) and some it hands to vsnprintf (flags, widths, %x).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "text.h"

#define BUF 256

/* One case: every size from 0 to the text's length + 2. */
#define SAME_AS_SNPRINTF(...)                                                  \
	do {                                                                   \
		char ours[BUF], libc[BUF];                                     \
		int full = snprintf(NULL, 0, __VA_ARGS__);                     \
		size_t len;                                                    \
									       \
		assert_true(full >= 0 && full + 3 <= BUF);                     \
		for (len = 0; len <= (size_t)full + 2; len++) {                \
			memset(ours, '#', sizeof(ours));                       \
			memset(libc, '#', sizeof(libc));                       \
			assert_int_equal(text_format(ours, len, __VA_ARGS__),  \
					 snprintf(libc, len, __VA_ARGS__));    \
			assert_memory_equal(ours, libc, sizeof(ours));         \
		}                                                              \
	} while (0)

static void test_text_format_strings(void **state)
{
	const char *volatile nul = NULL;	/* volatile: no compile-time NULL warning */
	static const char long_text[] =
		"/var/lib/docker/volumes/an-unusually-long-volume-name-for-a-tenant/_data/and/more";

	(void)state;
	SAME_AS_SNPRINTF("plain text, no conversion");
	SAME_AS_SNPRINTF("%s", "");
	SAME_AS_SNPRINTF("%s is not allowed", "HostConfig.Privileged=true");
	SAME_AS_SNPRINTF("%s, allowed: %s", "HostConfig.NetworkMode=host", "none, bridge");
	SAME_AS_SNPRINTF("%s=%s with %s=%s", "Image", "bb:latest", "User", "root");
	SAME_AS_SNPRINTF("%.64s", long_text);
	SAME_AS_SNPRINTF("%.3s|%.0s|%.200s", "abcdef", "gone", "short");
	SAME_AS_SNPRINTF("%.*s...", 5, long_text);
	SAME_AS_SNPRINTF("%.*s", -1, "a negative precision is none");
	SAME_AS_SNPRINTF("[%s]", nul);
	SAME_AS_SNPRINTF("[%.3s|%.6s|%.*s]", nul, nul, -1, nul);
	SAME_AS_SNPRINTF("na\xc3\xafve \xe2\x98\x83 %s \xf0\x9f\x90\xb3", "\xe2\x98\x83\xe2\x98\x83");
	SAME_AS_SNPRINTF("100%% sure, %c%c%%", 'o', 'k');
	SAME_AS_SNPRINTF("trailing text after the last %s", "conversion");
}

static void test_text_format_integers(void **state)
{
	(void)state;
	SAME_AS_SNPRINTF("%d %d %d %i", 0, INT_MIN, INT_MAX, -7);
	SAME_AS_SNPRINTF("%u %u", 0u, UINT_MAX);
	SAME_AS_SNPRINTF("%ld %ld %lu", LONG_MIN, LONG_MAX, ULONG_MAX);
	SAME_AS_SNPRINTF("%lld %lld %llu", LLONG_MIN, LLONG_MAX, ULLONG_MAX);
	SAME_AS_SNPRINTF("%s[%zu].Target=%s", "Networks", (size_t)3, "x");
	SAME_AS_SNPRINTF("%zu", SIZE_MAX);
	SAME_AS_SNPRINTF("%lld%c", 512LL, 'm');
	SAME_AS_SNPRINTF("%s[%s][%zu] publishes %lld", "HostConfig.PortBindings", "80/tcp",
			 (size_t)0, 8080LL);
}

/* Conversions text_format does not do itself: vsnprintf's result, exactly. */
static void test_text_format_hands_over_the_rest(void **state)
{
	(void)state;
	SAME_AS_SNPRINTF(".%09lld", 500000000LL);
	SAME_AS_SNPRINTF("%5s|%-5s|", "ab", "cd");
	SAME_AS_SNPRINTF("%x %X %o", 255u, 255u, 8u);
	SAME_AS_SNPRINTF("%zd", (ssize_t)-3);
	SAME_AS_SNPRINTF("%+d % d", 5, 5);
	SAME_AS_SNPRINTF("%s then %08.3f", "text", 3.14159);
	SAME_AS_SNPRINTF("%s %p", "pointer", (void *)0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_format_strings),
		cmocka_unit_test(test_text_format_integers),
		cmocka_unit_test(test_text_format_hands_over_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
