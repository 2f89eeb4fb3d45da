/* SPDX-License-Identifier: Apache-2.0 */
/* test_engine.c - which engine versions get which warnings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "engine.h"

static char report[4096];

static void collect(void *ctx, const char *text)
{
	(void)ctx;
	strncat(report, text, sizeof(report) - strlen(report) - 2);
	strcat(report, "\n");
}

static const char *report_for(const char *version)
{
	struct engine_version v;

	report[0] = '\0';
	assert_int_equal(engine_parse_version(version, &v), 0);
	engine_report(&v, collect, NULL);
	return report;
}

static void test_parse(void **state)
{
	struct engine_version v;

	(void)state;
	assert_int_equal(engine_parse_version("20.10.24+dfsg1", &v), 0);
	assert_int_equal(v.major, 20);
	assert_int_equal(v.minor, 10);
	assert_int_equal(v.patch, 24);
	assert_int_equal(engine_parse_version("v29.3.1", &v), 0);
	assert_int_equal(engine_parse_version("29.3", &v), -1);
	assert_int_equal(engine_parse_version("dev", &v), -1);
}

static void test_weaknesses_by_version(void **state)
{
	(void)state;
	/* Debian's engine here: both body bugs by version */
	assert_non_null(strstr(report_for("20.10.24+dfsg1"), "CVE-2024-41110"));
	assert_non_null(strstr(report, "CVE-2026-34040"));
	assert_null(strstr(report, "gRPC"));
	/* 27.1.1 fixed the chunked bodies, not the large ones */
	assert_null(strstr(report_for("27.1.1"), "CVE-2024-41110"));
	assert_non_null(strstr(report, "CVE-2026-34040"));
	assert_non_null(strstr(report_for("26.1.4"), "CVE-2024-41110"));
	assert_null(strstr(report_for("26.1.5"), "CVE-2024-41110"));
	assert_null(strstr(report_for("25.0.16"), "CVE-2026-34040"));
	/* 29.2.x: gRPC outside authz, large bodies still dropped */
	assert_non_null(strstr(report_for("29.2.0"), "gRPC"));
	assert_non_null(strstr(report, "CVE-2026-34040"));
	/* 29.5.1: only gRPC remains */
	report_for("29.5.1");
	assert_null(strstr(report, "CVE-"));
	assert_non_null(strstr(report, "gRPC"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_weaknesses_by_version),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
