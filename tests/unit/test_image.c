/* SPDX-License-Identifier: Apache-2.0 */
/* test_image.c - image references and allowlist patterns, normalised as dockerd does. */

/*
 * Strategy: a table of references ParseNormalizedNamed accepts, with the
 * domain, path, tag, digest and canonical form it gives (distribution's
 * normalize_test.go and reference_test.go cases plus ours); a table of
 * references it refuses, or that dockerd would read as an image ID; then
 * pattern/reference pairs that must and must not match, invalid patterns
 * that match nothing, and the bounds. The corpus's Image fields parse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base64.h"
#include "image.h"
#include "testutil.h"

#define D64	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define E64	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define D96	D64 "0123456789abcdef0123456789abcdef"
#define D128	D64 D64

struct ref_case {
	const char *in;
	const char *domain, *path, *tag, *digest;
	const char *canonical;
};

static const struct ref_case ref_ok[] = {
	{ "busybox", "docker.io", "library/busybox", "", "", "docker.io/library/busybox:latest" },
	{ "busybox:1.36", "docker.io", "library/busybox", "1.36", "",
	  "docker.io/library/busybox:1.36" },
	{ "bb:latest", "docker.io", "library/bb", "latest", "", "docker.io/library/bb:latest" },
	{ "library/busybox", "docker.io", "library/busybox", "", "",
	  "docker.io/library/busybox:latest" },
	{ "docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", "",
	  "docker.io/library/busybox:latest" },
	{ "docker.io/busybox", "docker.io", "library/busybox", "", "",
	  "docker.io/library/busybox:latest" },
	{ "index.docker.io/library/busybox", "docker.io", "library/busybox", "", "",
	  "docker.io/library/busybox:latest" },
	{ "index.docker.io/busybox:1", "docker.io", "library/busybox", "1", "",
	  "docker.io/library/busybox:1" },
	{ "index.docker.io/alice/app", "docker.io", "alice/app", "", "",
	  "docker.io/alice/app:latest" },
	{ "alice/app", "docker.io", "alice/app", "", "", "docker.io/alice/app:latest" },
	{ "alice/team/app:v2", "docker.io", "alice/team/app", "v2", "",
	  "docker.io/alice/team/app:v2" },
	{ "localhost:5000/a", "localhost:5000", "a", "", "", "localhost:5000/a:latest" },
	{ "localhost/a", "localhost", "a", "", "", "localhost/a:latest" },
	/* a bare "localhost" or "host:port" is an official image and a tag */
	{ "localhost", "docker.io", "library/localhost", "", "",
	  "docker.io/library/localhost:latest" },
	{ "localhost:5000", "docker.io", "library/localhost", "5000", "",
	  "docker.io/library/localhost:5000" },
	{ "registry.example.com/team/app@sha256:" D64, "registry.example.com", "team/app", "",
	  "sha256:" D64, "registry.example.com/team/app@sha256:" D64 },
	{ "registry.example.com/team/app:v1@sha256:" D64, "registry.example.com", "team/app",
	  "v1", "sha256:" D64, "registry.example.com/team/app:v1@sha256:" D64 },
	{ "busybox@sha384:" D96, "docker.io", "library/busybox", "", "sha384:" D96,
	  "docker.io/library/busybox@sha384:" D96 },
	{ "busybox@sha512:" D128, "docker.io", "library/busybox", "", "sha512:" D128,
	  "docker.io/library/busybox@sha512:" D128 },
	/* an upper-case first component can only be a domain */
	{ "Foo/bar", "Foo", "bar", "", "", "Foo/bar:latest" },
	{ "127.0.0.1:5000/x", "127.0.0.1:5000", "x", "", "", "127.0.0.1:5000/x:latest" },
	{ "[::1]:5000/x", "[::1]:5000", "x", "", "", "[::1]:5000/x:latest" },
	{ "[2001:db8::1]/x:t", "[2001:db8::1]", "x", "t", "", "[2001:db8::1]/x:t" },
	{ "my-reg.example.com:443/a/b/c", "my-reg.example.com:443", "a/b/c", "", "",
	  "my-reg.example.com:443/a/b/c:latest" },
	{ "a__b/c-d--e/f.g_h", "docker.io", "a__b/c-d--e/f.g_h", "", "",
	  "docker.io/a__b/c-d--e/f.g_h:latest" },
	{ "example.com/a:TAG_x.1-2", "example.com", "a", "TAG_x.1-2", "",
	  "example.com/a:TAG_x.1-2" },
	{ "busybox:_", "docker.io", "library/busybox", "_", "", "docker.io/library/busybox:_" },
	/* "sha256" without a tag is an ordinary name */
	{ "sha256", "docker.io", "library/sha256", "", "", "docker.io/library/sha256:latest" },
	/* 63 hex is a name, not an ID */
	{ "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", "docker.io",
	  "library/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", "", "",
	  "docker.io/library/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde:latest" },
	/* 64 hex with a tag is a name too */
	{ D64 ":x", "docker.io", "library/" D64, "x", "", "docker.io/library/" D64 ":x" },
};

static const char *const ref_bad[] = {
	"", "Busybox", "BUSYBOX", "busybox:", "busybox@", ":tag", "@sha256:" D64, "/busybox",
	"busybox/", "a//b", "docker.io/", "localhost/", "docker.io/Library/busybox",
	"docker.io/library/Busybox", "alice/App",
	/* image IDs: dockerd would look these up by ID, not name */
	D64, "sha256:" D64, "sha256:abcd", "sha384:" D96, "sha512:latest",
	/* tags */
	"busybox:bad tag", "busybox:-x", "busybox:.x", "busybox:1:2", "busybox:a/b",
	"busybox:\xc3\xa9",
	/* digests: registered algorithm, lower-case hex, exact length */
	"busybox@sha256:0123", "busybox@sha256:" D64 "0", "busybox@md5:" D64,
	"busybox@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	"busybox@SHA256:" D64, "busybox@sha256+b64:" D64, "busybox@" D64,
	"busybox@sha256:" D64 "@sha256:" D64, "busybox@sha256:" D64 ":tag",
	/* path components */
	"_a", "a_", "a..b", "a.-b", "a___b", "-a", "a-", "x/a.b./c", "a b", "a\tb", "a%2fb",
	"a+b/c",
	/* domains */
	"ex ample.com/x", "-a.com/x", "a-.com/x", "a..com/x", ".a.com/x", "a.com./x",
	"example.com:/x", "example.com:abc/x", "example.com:80:80/x", "[::1/x", "[]/x",
	"[::g]/x", "a_b.c/d", "a@b.c/d", "localhost:/x",
};

static void test_parse_accepted(void **state)
{
	struct image_ref r;
	char err[256], canon[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ref_ok) / sizeof(ref_ok[0]); i++) {
		const struct ref_case *c = &ref_ok[i];

		if (image_parse(c->in, &r, err, sizeof(err)) != 0)
			fail_msg("%s: refused: %s", c->in, err);
		image_canonical(&r, canon, sizeof(canon));
		if (strcmp(r.domain, c->domain) != 0 || strcmp(r.path, c->path) != 0 ||
		    strcmp(r.tag, c->tag) != 0 || strcmp(r.digest, c->digest) != 0 ||
		    strcmp(canon, c->canonical) != 0)
			fail_msg("%s: read as domain '%s' path '%s' tag '%s' digest '%s' = %s",
				 c->in, r.domain, r.path, r.tag, r.digest, canon);
	}
}

static void test_parse_refused(void **state)
{
	struct image_ref r;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ref_bad) / sizeof(ref_bad[0]); i++) {
		err[0] = '\0';
		if (image_parse(ref_bad[i], &r, err, sizeof(err)) == 0)
			fail_msg("'%s' accepted as %s/%s:%s@%s", ref_bad[i], r.domain, r.path, r.tag,
				 r.digest);
		if (err[0] == '\0')
			fail_msg("'%s' refused without a reason", ref_bad[i]);
		/* nothing is left behind in OUT */
		assert_string_equal(r.domain, "");
		assert_string_equal(r.path, "");
	}
	assert_int_equal(image_parse(NULL, &r, NULL, 0), -1);
}

static void test_parse_reasons(void **state)
{
	struct image_ref r;
	char err[256];

	(void)state;
	assert_int_equal(image_parse("Busybox", &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "lowercase"));
	assert_int_equal(image_parse(D64, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ID"));
	assert_int_equal(image_parse("busybox@sha256:12", &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "digest"));
	assert_int_equal(image_parse("busybox:-", &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "tag"));
}

static void test_parse_lengths(void **state)
{
	static char in[2048];
	struct image_ref r;
	char err[128];

	(void)state;
	/* the path ("library/" included) may have 255 bytes, not 256 */
	memset(in, 'a', 247);
	in[247] = '\0';
	assert_int_equal(image_parse(in, &r, err, sizeof(err)), 0);
	assert_int_equal(strlen(r.path), 255);
	in[247] = 'a';
	in[248] = '\0';
	assert_int_equal(image_parse(in, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "255"));
	/* a domain of 255 bytes fits, 256 does not */
	memset(in, 'a', 251);
	memcpy(in + 251, ".com/x", 7);
	assert_int_equal(image_parse(in, &r, err, sizeof(err)), 0);
	assert_int_equal(strlen(r.domain), 255);
	memset(in, 'a', 252);
	memcpy(in + 252, ".com/x", 7);
	assert_int_equal(image_parse(in, &r, err, sizeof(err)), -1);
	/* tags of 128 and 129 bytes */
	memcpy(in, "bb:", 3);
	memset(in + 3, 't', 128);
	in[131] = '\0';
	assert_int_equal(image_parse(in, &r, err, sizeof(err)), 0);
	assert_int_equal(strlen(r.tag), 128);
	in[131] = 't';
	in[132] = '\0';
	assert_int_equal(image_parse(in, &r, err, sizeof(err)), -1);
	/* the whole is bounded */
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(image_parse(in, &r, err, sizeof(err)), -1);
	/* a short error buffer is cut, not overrun */
	assert_int_equal(image_parse("Busybox", &r, err, 5), -1);
	assert_int_equal(strlen(err), 4);
}

static void test_canonical_bounded(void **state)
{
	struct image_ref r;
	char buf[8];

	(void)state;
	assert_int_equal(image_parse("busybox", &r, NULL, 0), 0);
	memset(buf, 'x', sizeof(buf));
	image_canonical(&r, buf, sizeof(buf));
	assert_string_equal(buf, "docker.");
	image_canonical(&r, buf, 1);
	assert_string_equal(buf, "");
	image_canonical(&r, NULL, 0);
	image_canonical(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/* ---- patterns -------------------------------------------------------- */

struct pat_case {
	const char *pattern;
	const char *ref;
	bool match;
};

static const struct pat_case pat_cases[] = {
	/* a bare name: exactly that repository, every tag and digest */
	{ "busybox", "busybox", true },
	{ "busybox", "busybox:1.36", true },
	{ "busybox", "busybox@sha256:" D64, true },
	{ "busybox", "busybox:1@sha256:" D64, true },
	{ "busybox", "docker.io/library/busybox:latest", true },
	{ "busybox", "index.docker.io/busybox", true },
	{ "busybox", "busyboxevil", false },
	{ "busybox", "busybox/sub", false },
	{ "busybox", "library/busybox/sub", false },
	{ "busybox", "alice/busybox", false },
	{ "busybox", "registry.example.com/busybox", false },
	{ "busybox", "localhost/busybox", false },
	{ "library/busybox", "busybox:1", true },
	{ "docker.io/library/busybox", "busybox", true },
	{ "index.docker.io/busybox", "busybox", true },
	/* a tag pattern: the tag ("latest" when none), never a digest */
	{ "bb:*", "bb", true },
	{ "bb:*", "bb:latest", true },
	{ "bb:*", "bb:v2", true },
	{ "bb:*", "docker.io/library/bb:x", true },
	{ "bb:*", "bb@sha256:" D64, false },
	{ "bb:*", "bb:1@sha256:" D64, false },
	{ "bb:*", "bbb:1", false },
	{ "bb:*", "alice/bb:1", false },
	{ "bb:1.*", "bb:1.36", true },
	{ "bb:1.*", "bb:1", false },
	{ "bb:1.*", "bb:2.0", false },
	{ "bb:1.?", "bb:1.3", true },
	{ "bb:1.?", "bb:1.36", false },
	{ "bb:latest", "bb", true },
	{ "bb:latest", "bb:Latest", false },
	/* registries */
	{ "registry.example.com/**", "registry.example.com/team/app:v1", true },
	{ "registry.example.com/**", "registry.example.com/app", true },
	{ "registry.example.com/**", "registry.example.com/team/app@sha256:" D64, true },
	{ "registry.example.com/**", "Registry.Example.COM/app", true },
	{ "registry.example.com/**", "registry.example.com:5000/x", false },
	{ "registry.example.com/**", "registry.example.com.evil.io/x", false },
	{ "registry.example.com/**", "evil.io/registry.example.com/x", false },
	{ "registry.example.com/**", "busybox", false },
	{ "registry.example.com/team/*", "registry.example.com/team/app", true },
	{ "registry.example.com/team/*", "registry.example.com/team/app/sub", false },
	{ "registry.example.com/team/*", "registry.example.com/teamx/app", false },
	{ "registry.example.com/team/**", "registry.example.com/team/a/b/c:t", true },
	{ "registry.example.com/**/app", "registry.example.com/app", true },
	{ "registry.example.com/**/app", "registry.example.com/a/b/app", true },
	{ "registry.example.com/**/app", "registry.example.com/a/b/appx", false },
	{ "*.example.com/app", "registry.example.com/app", true },
	{ "*.example.com/app", "example.com/app", false },
	{ "localhost:5000/**", "localhost:5000/a", true },
	{ "localhost:5000/**", "localhost/a", false },
	{ "[::1]:5000/x", "[::1]:5000/x", true },
	/* digest pinning */
	{ "registry.example.com/team/app@sha256:" D64, "registry.example.com/team/app@sha256:" D64,
	  true },
	{ "registry.example.com/team/app@sha256:" D64,
	  "registry.example.com/team/app:v1@sha256:" D64, true },
	{ "registry.example.com/team/app@sha256:" D64, "registry.example.com/team/app@sha256:" E64,
	  false },
	{ "registry.example.com/team/app@sha256:" D64, "registry.example.com/team/app:v1", false },
	{ "registry.example.com/team/app@sha256:" D64, "registry.example.com/team/app", false },
	{ "registry.example.com/team/app@sha256:" D64, "registry.example.com/team/other@sha256:" D64,
	  false },
	{ "registry.example.com/team/app:v1@sha256:" D64,
	  "registry.example.com/team/app:v1@sha256:" D64, true },
	{ "registry.example.com/team/app:v1@sha256:" D64, "registry.example.com/team/app@sha256:" D64,
	  false },
	{ "registry.example.com/team/app:v*@sha256:" D64,
	  "registry.example.com/team/app:v2@sha256:" D64, true },
	{ "registry.example.com/**@sha256:" D64, "registry.example.com/x/y@sha256:" D64, true },
	/* official images */
	{ "docker.io/library/*", "busybox", true },
	{ "docker.io/library/*", "busybox:1@sha256:" D64, true },
	{ "docker.io/library/*", "alice/app", false },
	{ "*", "busybox", true },
	{ "*", "alpine:3", true },
	{ "*", "alice/app", false },
	{ "*", "registry.example.com/app", false },
	{ "*", "localhost/app", false },
	{ "*:*", "alpine:3", true },
	{ "*:*", "alpine@sha256:" D64, false },
	{ "docker.io/*", "busybox", true },
	{ "docker.io/*", "alice/app", false },
	{ "docker.io/**", "alice/app", false },
	{ "docker.io/*/**", "alice/app", true },
	{ "docker.io/*/**", "alice/team/app", true },
	{ "docker.io/*/**", "busybox", true },
	{ "docker.io/*/**", "registry.example.com/a/b", false },
	{ "alice/*", "alice/app", true },
	{ "alice/*", "alicex/app", false },
	{ "alice/*", "alice/app/x", false },
	{ "bb?", "bb1", true },
	{ "bb?", "bb", false },
	{ "b*x", "busybox", true },
	{ "b*x", "busybox/x", false },
	{ "*/**", "alice/app", true },
	/* invalid patterns match nothing */
	{ "Busybox", "busybox", false },
	{ "", "busybox", false },
	{ "bb:", "bb", false },
	{ "bb@", "bb", false },
	{ "a//b", "a/b", false },
	{ "/busybox", "busybox", false },
	{ "busybox/", "busybox", false },
	{ D64, "busybox", false },
	{ "bb@sha256:0123", "bb@sha256:" D64, false },
	{ "bb@sha256:*", "bb@sha256:" D64, false },
	{ "bb:{user}", "bb:alice", false },
	{ "bb:a b", "bb:a", false },
	{ "b[u]sybox", "busybox", false },
	{ "ex ample.com/**", "example.com/x", false },
};

static void test_patterns(void **state)
{
	struct image_pattern *compiled;
	struct image_ref r;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pat_cases) / sizeof(pat_cases[0]); i++) {
		const struct pat_case *c = &pat_cases[i];

		if (image_parse(c->ref, &r, err, sizeof(err)) != 0)
			fail_msg("test reference %s: %s", c->ref, err);
		if (image_pattern_match(c->pattern, &r) != c->match)
			fail_msg("%s vs %s: want %s", c->pattern, c->ref, c->match ? "match" : "no match");
		/* compiled once (as a policy's are): the same answer; a pattern
		 * that does not compile is one that matches nothing */
		compiled = image_pattern_compile(c->pattern);
		if (compiled ? image_pattern_matches(compiled, &r) != c->match : c->match)
			fail_msg("compiled %s vs %s: want %s", c->pattern, c->ref,
				 c->match ? "match" : "no match");
		free(compiled);
	}
	assert_int_equal(image_parse("busybox", &r, err, sizeof(err)), 0);
	assert_false(image_pattern_match(NULL, &r));
	assert_false(image_pattern_match("busybox", NULL));
	assert_null(image_pattern_compile(NULL));
	assert_null(image_pattern_compile("b[u]sybox"));
	assert_false(image_pattern_matches(NULL, &r));
	compiled = image_pattern_compile("busybox");
	assert_non_null(compiled);
	assert_true(image_pattern_matches(compiled, &r));
	assert_false(image_pattern_matches(compiled, NULL));
	/* a zeroed reference (a failed parse) matches nothing */
	memset(&r, 0, sizeof(r));
	assert_false(image_pattern_match("**", &r));
	assert_false(image_pattern_match("*/**", &r));
	assert_false(image_pattern_matches(compiled, &r));
	free(compiled);
}

/* Many stars, many "**": no exponential backtracking. */
static void test_patterns_bounded(void **state)
{
	static char ref[300], pat[1100];
	struct image_ref r;
	clock_t start = clock();
	size_t i, n;

	(void)state;
	memset(ref, 'a', 200);
	ref[200] = '\0';
	assert_int_equal(image_parse(ref, &r, NULL, 0), 0);
	assert_false(image_pattern_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", &r));
	for (n = 0, i = 0; i < 60; i++)
		n += (size_t)snprintf(ref + n, sizeof(ref) - n, "a/");
	ref[n - 1] = '\0';
	assert_int_equal(image_parse(ref, &r, NULL, 0), 0);
	for (n = 0, i = 0; i < 100; i++)
		n += (size_t)snprintf(pat + n, sizeof(pat) - n, "**/a/");
	memcpy(pat + n, "b", 2);
	assert_false(image_pattern_match(pat, &r));
	/* and the pattern length is bounded */
	memset(pat, 'a', sizeof(pat) - 1);
	pat[sizeof(pat) - 1] = '\0';
	assert_false(image_pattern_match(pat, &r));
	assert_true((clock() - start) / (double)CLOCKS_PER_SEC < 2.0);
}

/* ---- the real corpus ------------------------------------------------- */

static void test_corpus_images(void **state)
{
	const char *files[] = { "unix-socket.jsonl", "tls-alice.jsonl" };
	size_t f, n = 0;

	(void)state;
	for (f = 0; f < 2; f++) {
		char path[4096], *line = NULL, err[256], canon[600];
		size_t cap = 0;
		FILE *fp;

		corpus_path(path, sizeof(path), files[f]);
		fp = fopen(path, "r");
		if (fp == NULL)
			fail_msg("cannot open %s", path);
		while (getline(&line, &cap, fp) > 0) {
			cJSON *root = cJSON_Parse(line), *b64, *body = NULL, *img;
			unsigned char *raw;
			struct image_ref r;
			long len;

			assert_non_null(root);
			b64 = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(root, "request"), "RequestBody");
			if (cJSON_IsString(b64) && strstr(line, "AuthZReq") != NULL) {
				raw = malloc(base64_decoded_max(strlen(b64->valuestring)));
				assert_non_null(raw);
				len = base64_decode(b64->valuestring, strlen(b64->valuestring), raw);
				if (len > 0)
					body = cJSON_ParseWithLength((const char *)raw, (size_t)len);
				free(raw);
			}
			img = cJSON_GetObjectItemCaseSensitive(body, "Image");
			if (cJSON_IsString(img) && img->valuestring[0] != '\0') {
				if (image_parse(img->valuestring, &r, err, sizeof(err)) != 0)
					fail_msg("%s: %s", img->valuestring, err);
				image_canonical(&r, canon, sizeof(canon));
				assert_string_equal(canon, "docker.io/library/bb:latest");
				assert_true(image_pattern_match("bb:*", &r));
				assert_false(image_pattern_match("busybox", &r));
				n++;
			}
			cJSON_Delete(body);
			cJSON_Delete(root);
		}
		free(line);
		fclose(fp);
	}
	assert_true(n >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepted),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_reasons),
		cmocka_unit_test(test_parse_lengths),
		cmocka_unit_test(test_canonical_bounded),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_patterns_bounded),
		cmocka_unit_test(test_corpus_images),
	};

	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
