/* SPDX-License-Identifier: Apache-2.0 */
/* test_mounts.c - Binds, host paths, sensitive paths, local volume options, allowlists. */

/*
 * Strategy: tables of Binds strings dockerd accepts (with what it reads)
 * and refuses (moby linux_parser_test.go's cases plus ours); the resolver on
 * a private tree of symlinks built in a temp dir, and on this host's
 * /var/run; the sensitive list both ways (equal, under, ancestor, and not);
 * local driver options as the CLI sends them; allowlist patterns including
 * hostile user names. The real corpus bodies go through the same functions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base64.h"
#include "mounts.h"
#include "testutil.h"

/* ---- Binds ----------------------------------------------------------- */

struct bind_case {
	const char *raw;
	enum mount_type type;
	const char *source;
	const char *target;
	bool ro;
	const char *propagation;
};

static const struct bind_case bind_ok[] = {
	/* from the corpus */
	{ "/srv/data:/data:ro", MOUNT_BIND, "/srv/data", "/data", true, "" },
	{ "/var/run/docker.sock:/var/run/docker.sock", MOUNT_BIND, "/var/run/docker.sock",
	  "/var/run/docker.sock", false, "" },
	{ "evil:/x", MOUNT_VOLUME, "evil", "/x", false, "" },
	/* one part: an anonymous volume */
	{ "/data", MOUNT_VOLUME, "", "/data", false, "" },
	{ "/with space", MOUNT_VOLUME, "", "/with space", false, "" },
	/* moby's valid cases */
	{ "/home:/home", MOUNT_BIND, "/home", "/home", false, "" },
	{ "/home:/something/else", MOUNT_BIND, "/home", "/something/else", false, "" },
	{ "relative:/absolute-path", MOUNT_VOLUME, "relative", "/absolute-path", false, "" },
	{ "hostPath:/containerPath:ro", MOUNT_VOLUME, "hostPath", "/containerPath", true, "" },
	{ "/rw:/ro", MOUNT_BIND, "/rw", "/ro", false, "" },
	{ "/h:/c:rw", MOUNT_BIND, "/h", "/c", false, "" },
	{ "/h:/c:shared", MOUNT_BIND, "/h", "/c", false, "shared" },
	{ "/h:/c:rshared", MOUNT_BIND, "/h", "/c", false, "rshared" },
	{ "/h:/c:ro,Z,rprivate", MOUNT_BIND, "/h", "/c", true, "rprivate" },
	{ "/h:/c:slave,ro,Z", MOUNT_BIND, "/h", "/c", true, "slave" },
	{ "/h:/c:z,rslave", MOUNT_BIND, "/h", "/c", false, "rslave" },
	{ "/h:/c:cached", MOUNT_BIND, "/h", "/c", false, "" },
	{ "/h:/c:ro,consistent,private,z", MOUNT_BIND, "/h", "/c", true, "private" },
	{ "vol:/c:nocopy,ro", MOUNT_VOLUME, "vol", "/c", true, "" },
	/* an empty third part is an empty, valid mode */
	{ "/h:/c:", MOUNT_BIND, "/h", "/c", false, "" },
	/* the bind source is mounted path.Clean'ed; so is the target */
	{ "//etc/:/x", MOUNT_BIND, "/etc", "/x", false, "" },
	{ "/srv/a/../../etc:/x", MOUNT_BIND, "/etc", "/x", false, "" },
	{ "/h:/c/../d/", MOUNT_BIND, "/h", "/d", false, "" },
	/* linuxValidateAbsolute reads '\' as '/' in the target */
	{ "/h:\\c", MOUNT_BIND, "/h", "\\c", false, "" },
	{ "v.1_a-b:/c", MOUNT_VOLUME, "v.1_a-b", "/c", false, "" },
};

static const char *const bind_bad[] = {
	"", "./", "../", "/:../", "/:path", ":", "/tmp:", ":test", ":/test", "tmp:",
	":test:", "::", ":::", "/tmp:::", ":/tmp::", "/path:rw", "/path:ro", "/rw:rw",
	"path:ro", "/path:/path:sw", "/path:/path:rwz", "/path:/path:ro,rshared,rslave",
	"/path:/path:ro,z,rshared,rslave", "/path:shared", "/path:slave", "/path:private",
	"name:/absolute-path:shared", "name:/absolute-path:rshared",
	"name:/absolute-path:slave", "name:/absolute-path:rslave",
	"name:/absolute-path:private", "name:/absolute-path:rprivate",
	"/tmp:tmp",
	/* four parts */
	"/a:/b:ro:x", "/a:/b:ro:", "a:b:c:d:e",
	/* at most one per group, known items, exact case */
	"/a:/b:ro,ro", "/a:/b:ro,rw", "/a:/b:z,Z", "/a:/b:shared,private",
	"/a:/b:cached,delegated", "/a:/b:RO", "/a:/b:ro,", "/a:/b:,ro", "/a:/b: ro",
	"vol:/b:nocopy,nocopy",
	/* nocopy is a volume option, a propagation a bind option */
	"/a:/b:nocopy",
	/* the target "/" */
	"/", "/a:/", "/a://", "/a:/.", "/a:/x/..", "vol:\\",
	/* volume names the local driver refuses */
	"x:/b", "local/name:/b", "a b:/b", "-vol:/b", "_vol:/b", ".vol:/b", "vol!:/b",
	"./rel:/b", "~/x:/b",
};

static void test_bind_accepted(void **state)
{
	struct bind_spec b;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bind_ok) / sizeof(bind_ok[0]); i++) {
		const struct bind_case *c = &bind_ok[i];

		if (mount_parse_bind(c->raw, &b, err, sizeof(err)) != 0)
			fail_msg("%s: refused: %s", c->raw, err);
		if (b.type != c->type || strcmp(b.source, c->source) != 0 ||
		    strcmp(b.target, c->target) != 0 || b.read_only != c->ro ||
		    strcmp(b.propagation, c->propagation) != 0)
			fail_msg("%s: read as type %d source '%s' target '%s' ro %d prop '%s'",
				 c->raw, b.type, b.source, b.target, b.read_only, b.propagation);
	}
}

static void test_bind_refused(void **state)
{
	struct bind_spec b;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bind_bad) / sizeof(bind_bad[0]); i++) {
		err[0] = '\0';
		if (mount_parse_bind(bind_bad[i], &b, err, sizeof(err)) == 0)
			fail_msg("'%s' accepted as source '%s' target '%s'", bind_bad[i], b.source,
				 b.target);
		if (err[0] == '\0')
			fail_msg("'%s' refused without a reason", bind_bad[i]);
	}
}

static void test_bind_reasons(void **state)
{
	struct bind_spec b;
	char err[256];

	(void)state;
	assert_int_equal(mount_parse_bind("/a:/b:ro,rw", &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode"));
	/* a target and a mode: dockerd's message, not "must be absolute" */
	assert_int_equal(mount_parse_bind("/path:ro", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid volume specification");
	assert_int_equal(mount_parse_bind("/a:/b:c:d", &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "specification"));
	assert_int_equal(mount_parse_bind("/a:rel", &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absolute"));
	assert_int_equal(mount_parse_bind("/a:/", &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'/'"));
	/* no error buffer is fine */
	assert_int_equal(mount_parse_bind(NULL, &b, NULL, 0), -1);
	assert_int_equal(mount_parse_bind("x:/b", &b, NULL, 0), -1);
}

static void test_bind_lengths(void **state)
{
	static char raw[3 * PATH_MAX];
	struct bind_spec b;
	char err[128];

	(void)state;
	/* a source of PATH_MAX - 1 bytes fits, PATH_MAX does not */
	memset(raw, 'a', sizeof(raw));
	raw[0] = '/';
	memcpy(raw + PATH_MAX - 1, ":/x", 4);
	assert_int_equal(mount_parse_bind(raw, &b, err, sizeof(err)), 0);
	assert_int_equal(strlen(b.source), PATH_MAX - 1);
	memset(raw, 'a', sizeof(raw));
	raw[0] = '/';
	memcpy(raw + PATH_MAX, ":/x", 4);
	assert_int_equal(mount_parse_bind(raw, &b, err, sizeof(err)), -1);
	/* a long target, and a far too long whole */
	memset(raw, 'a', sizeof(raw));
	memcpy(raw, "/s:/", 4);
	raw[4 + PATH_MAX] = '\0';
	assert_int_equal(mount_parse_bind(raw, &b, err, sizeof(err)), -1);
	memset(raw, 'a', sizeof(raw));
	raw[0] = '/';
	raw[sizeof(raw) - 1] = '\0';
	assert_int_equal(mount_parse_bind(raw, &b, err, sizeof(err)), -1);
	/* a short error buffer is cut, not overrun */
	assert_int_equal(mount_parse_bind("/a:/b:bad", &b, err, 4), -1);
	assert_int_equal(strlen(err), 3);
}

/* ---- resolver -------------------------------------------------------- */

struct tree {
	char dir[256];		/* the temp dir as created */
	char real[256];		/* ... with its own symlinks resolved */
};

static void tree_path(const struct tree *t, char *buf, const char *rel)
{
	snprintf(buf, PATH_MAX, "%s/%s", t->dir, rel);
}

static void tree_link(const struct tree *t, const char *target, const char *rel)
{
	char p[PATH_MAX];

	tree_path(t, p, rel);
	if (symlink(target, p) != 0)
		fail_msg("symlink %s: %s", p, strerror(errno));
}

static void tree_mkdir(const struct tree *t, const char *rel)
{
	char p[PATH_MAX];

	tree_path(t, p, rel);
	if (mkdir(p, 0700) != 0)
		fail_msg("mkdir %s: %s", p, strerror(errno));
}

/*
 * real/            a directory
 * real/inner/      a directory
 * rel -> real      relative symlink
 * abs -> <t>/real  absolute symlink
 * deep -> real/inner
 * chain -> rel     two hops
 * loop1 <-> loop2  a loop
 * self -> self
 * dangling -> nowhere
 * half -> real/missing       link text whose last component is missing
 * viafile -> file/x          link text through a regular file
 * twice -> chain/inner/..    link text with a ".." after symlinks
 * file             a regular file
 */
static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	char p[PATH_MAX];
	FILE *fp;

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_mounts.XXXXXX");
	if (mkdtemp(t->dir) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
	assert_non_null(realpath(t->dir, p));
	assert_true(strlen(p) < sizeof(t->real));
	memcpy(t->real, p, strlen(p) + 1);
	tree_mkdir(t, "real");
	tree_mkdir(t, "real/inner");
	tree_link(t, "real", "rel");
	snprintf(p, sizeof(p), "%s/real", t->real);
	tree_link(t, p, "abs");
	tree_link(t, "real/inner", "deep");
	tree_link(t, "rel", "chain");
	tree_link(t, "loop2", "loop1");
	tree_link(t, "loop1", "loop2");
	tree_link(t, "self", "self");
	tree_link(t, "nowhere", "dangling");
	tree_link(t, "real/missing", "half");
	tree_link(t, "file/x", "viafile");
	tree_link(t, "chain/inner/..", "twice");
	tree_path(t, p, "file");
	fp = fopen(p, "w");
	assert_non_null(fp);
	fclose(fp);
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	static const char *const names[] = {
		"rel", "abs", "deep", "chain", "loop1", "loop2", "self", "dangling", "half",
		"viafile", "twice", "file",
		"real/inner", "real",
	};
	struct tree *t = *state;
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tree_path(t, p, names[i]);
		(void)remove(p);
	}
	(void)rmdir(t->dir);
	free(t);
	return 0;
}

static void expect_resolved(const char *in, const char *want)
{
	char out[PATH_MAX], err[512];

	if (mount_resolve_host_path(in, out, sizeof(out), err, sizeof(err)) != 0)
		fail_msg("%s: %s", in, err);
	if (strcmp(out, want) != 0)
		fail_msg("%s resolved to %s, want %s", in, out, want);
}

static void expect_unresolved(const char *in, const char *why)
{
	char out[PATH_MAX], err[512] = "";

	strcpy(out, "untouched");
	if (mount_resolve_host_path(in, out, sizeof(out), err, sizeof(err)) == 0)
		fail_msg("%s resolved to %s, want an error", in ? in : "(null)", out);
	if (why != NULL && strstr(err, why) == NULL)
		fail_msg("%s: error '%s' lacks '%s'", in ? in : "(null)", err, why);
}

static void test_resolve_lexical(void **state)
{
	(void)state;
	expect_resolved("/etc/", "/etc");
	expect_resolved("//etc", "/etc");
	expect_resolved("/var/../etc", "/etc");
	expect_resolved("/etc/./passwd", "/etc/passwd");
	expect_resolved("/", "/");
	expect_resolved("/..", "/");
	expect_resolved("//", "/");
	expect_resolved("/../../etc//", "/etc");
	expect_resolved("/nonexistent-portcullis/a/../b/./c", "/nonexistent-portcullis/b/c");
	/* ENOTDIR: the rest of a path through a file is kept as written */
	expect_resolved("/etc/passwd/x", "/etc/passwd/x");
}

static void test_resolve_refused(void **state)
{
	static char big[PATH_MAX + 16];
	char out[8];

	(void)state;
	expect_unresolved(NULL, "absolute");
	expect_unresolved("", "absolute");
	expect_unresolved("etc", "absolute");
	expect_unresolved("./etc", "absolute");
	expect_unresolved("~/x", "absolute");
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	expect_unresolved(big, "too long");
	/* OUT too small */
	assert_int_equal(mount_resolve_host_path("/etc/passwd", out, sizeof(out), NULL, 0), -1);
	assert_int_equal(mount_resolve_host_path("/etc", out, sizeof(out), NULL, 0), 0);
	assert_string_equal(out, "/etc");
}

/* This host's /var/run, whatever it is (a symlink to /run on Debian). */
static void test_resolve_var_run(void **state)
{
	char want[2 * PATH_MAX], real[PATH_MAX + 16];
	const char *which;
	struct stat st;

	(void)state;
	if (lstat("/var/run", &st) != 0)
		skip();
	assert_non_null(realpath("/var/run", real));
	snprintf(want, sizeof(want), "%s/docker.sock", real);
	expect_resolved("/var/run/docker.sock", want);
	expect_resolved("/var/run/no/such/dir", strcat(real, "/no/such/dir"));
	if (S_ISLNK(st.st_mode)) {
		/* the resolved form is what the sensitive list must catch too */
		assert_string_not_equal(want, "/var/run/docker.sock");
		assert_true(mount_path_sensitive(want, NULL, NULL));
	}
	/* /proc/self/root is a symlink to our root: no way around the list */
	if (lstat("/proc/self/root", &st) == 0 && S_ISLNK(st.st_mode)) {
		expect_resolved("/proc/self/root/etc", "/etc");
		expect_resolved("/proc/self/root/proc/self/root/", "/");
	}
	/* /var/run is listed whole: where it is /run, all of /run is */
	if (strcmp(real, "/run/no/such/dir") == 0) {
		assert_true(mount_path_sensitive("/run/lock", NULL, &which));
		assert_string_equal(which, "/var/run");
		assert_true(mount_path_sensitive("/run/userx", NULL, NULL));
	}
}

static void test_resolve_symlinks(void **state)
{
	struct tree *t = *state;
	char in[PATH_MAX], want[PATH_MAX];

	snprintf(want, sizeof(want), "%s/real", t->real);
	tree_path(t, in, "rel");
	expect_resolved(in, want);
	tree_path(t, in, "abs");
	expect_resolved(in, want);
	tree_path(t, in, "chain");
	expect_resolved(in, want);
	tree_path(t, in, "chain/");
	expect_resolved(in, want);

	/* missing tails are appended to the resolved prefix */
	snprintf(want, sizeof(want), "%s/real/sub/new", t->real);
	tree_path(t, in, "rel/sub/new");
	expect_resolved(in, want);
	tree_path(t, in, "abs//sub/./new/");
	expect_resolved(in, want);
	snprintf(want, sizeof(want), "%s/missing/a/b", t->real);
	tree_path(t, in, "missing/a/b");
	expect_resolved(in, want);
	snprintf(want, sizeof(want), "%s/file/x", t->real);
	tree_path(t, in, "file/x");
	expect_resolved(in, want);

	/* ".." that means the same thing both ways is fine */
	snprintf(want, sizeof(want), "%s/file", t->real);
	tree_path(t, in, "rel/../file");
	expect_resolved(in, want);
	tree_path(t, in, "real/inner/../../file");
	expect_resolved(in, want);
}

static void test_resolve_symlinks_refused(void **state)
{
	struct tree *t = *state;
	char in[PATH_MAX];

	tree_path(t, in, "loop1");
	expect_unresolved(in, "loop");
	tree_path(t, in, "loop2/x/y");
	expect_unresolved(in, "loop");
	tree_path(t, in, "self");
	expect_unresolved(in, "loop");
	tree_path(t, in, "dangling");
	expect_unresolved(in, "dangling");
	tree_path(t, in, "dangling/x");
	expect_unresolved(in, "dangling");
	/* deep -> real/inner: "deep/../x" is <t>/x to dockerd's path.Clean
	 * but <t>/real/x to mount(2) */
	tree_path(t, in, "deep/../x");
	expect_unresolved(in, "..");
	tree_path(t, in, "deep/../file");
	expect_unresolved(in, "..");
}

/* Where realpath(3) succeeds, the walk reads the same path; where the link
 * text itself leads nowhere, it refuses; where the path's own tail is
 * missing after a link, it appends it. */
static void test_resolve_walk_matches_realpath(void **state)
{
	static const char *const names[] = {
		"real", "real/inner", "rel", "abs", "deep", "chain", "chain/inner",
		"twice", "twice/inner", "chain/inner/..", "deep/..", "rel/./inner/",
		"abs/inner/../inner", "file", "rel/../file", "twice/../file",
	};
	struct tree *t = *state;
	char in[PATH_MAX], want[PATH_MAX], out[PATH_MAX], err[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tree_path(t, in, names[i]);
		assert_non_null(realpath(in, want));
		if (strstr(names[i], "..") == NULL) {
			expect_resolved(in, want);
			continue;
		}
		/* with "..", the walk's physical reading is realpath's, and it is
		 * refused only when path.Clean's lexical reading differs */
		if (mount_resolve_host_path(in, out, sizeof(out), err, sizeof(err)) == 0)
			assert_string_equal(out, want);
		else
			assert_non_null(strstr(err, ".."));
	}
	tree_path(t, in, "half");
	expect_unresolved(in, "dangling");
	tree_path(t, in, "half/x");
	expect_unresolved(in, "dangling");
	tree_path(t, in, "viafile");
	expect_unresolved(in, "dangling");
	/* twice -> chain/inner/.. is <t>/real: a missing tail of our own is fine */
	snprintf(want, sizeof(want), "%s/real/new/dir", t->real);
	tree_path(t, in, "twice/new/dir");
	expect_resolved(in, want);
}

/* Under a directory a user may write (this tree is in /tmp, world-writable),
 * nothing is kept between calls: a directory swapped for a symlink is seen
 * by the very next call. */
static void test_resolve_unsettled_not_kept(void **state)
{
	struct tree *t = *state;
	char in[PATH_MAX], want[PATH_MAX], link[PATH_MAX];

	tree_path(t, in, "real/swap/x");
	tree_path(t, link, "real/swap");
	snprintf(want, sizeof(want), "%s/real/swap/x", t->real);
	expect_resolved(in, want);
	expect_resolved(in, want);
	if (symlink("/etc", link) != 0)
		fail_msg("symlink %s: %s", link, strerror(errno));
	expect_resolved(in, "/etc/x");
	(void)remove(link);
	expect_resolved(in, want);
}

/* A directory of root's under "/", mode 0755, or NULL when we are not root. */
static int settled_setup(void **state)
{
	static char dir[64];

	snprintf(dir, sizeof(dir), "/portcullis-test.XXXXXX");
	*state = NULL;
	if (geteuid() == 0 && mkdtemp(dir) != NULL && chmod(dir, 0755) == 0)
		*state = dir;
	return 0;
}

static int settled_teardown(void **state)
{
	static const char *const names[] = { "x0", "x1", "x2", "x3", "group/x", "group", "user/x",
					     "user", "" };
	char p[128];
	size_t i;

	for (i = 0; *state && i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", (const char *)*state, names[i]);
		(void)remove(p);
	}
	return 0;
}

/*
 * Under "/", root's and writable by no one else, entries are kept for up to a
 * second; a group-writable directory, or one a user owns, is not settled, and
 * nothing under it is kept. Needs root (a directory of root's under "/").
 */
#define SETTLED_TRIES 4

static void test_resolve_settled_kept(void **state)
{
	const char *dir = *state;
	char in[SETTLED_TRIES][PATH_MAX], link[PATH_MAX], sub[128], want[PATH_MAX],
		out[PATH_MAX];
	struct timespec second = { 1, 100000000L }, t0, t1;
	static const char *const subs[] = { "group", "user" };
	size_t i, timed = 0, kept = 0;

	if (dir == NULL)
		skip();
	/*
	 * Each try: resolved, then swapped for a symlink, then resolved again.
	 * Kept, as only root changes this; unless this machine took most of the
	 * second between the two calls (a loaded CI runner, valgrind). Several
	 * paths, as two of a path's entries may meet in one set of the cache and
	 * one of them may go (an extra readlink, never a wrong answer).
	 */
	for (i = 0; i < SETTLED_TRIES; i++) {
		snprintf(in[i], sizeof(in[i]), "%s/x%zu/y", dir, i);
		snprintf(link, sizeof(link), "%s/x%zu", dir, i);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		expect_resolved(in[i], in[i]);
		assert_int_equal(symlink("/etc", link), 0);
		assert_int_equal(mount_resolve_host_path(in[i], out, sizeof(out), NULL, 0), 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 800000000L) {
			timed++;
			kept += strcmp(out, in[i]) == 0;
		}
	}
	if (timed > 0)
		assert_true(kept > 0);
	nanosleep(&second, NULL);
	for (i = 0; i < SETTLED_TRIES; i++) {
		expect_resolved(in[i], "/etc/y");
		snprintf(link, sizeof(link), "%s/x%zu", dir, i);
		assert_int_equal(remove(link), 0);
	}

	/* dir/group is group-writable, dir/user is uid 1000's */
	for (i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[i]);
		assert_int_equal(mkdir(sub, 0755), 0);
		assert_int_equal(i == 0 ? chmod(sub, 0775) : chown(sub, 1000, 1000), 0);
		snprintf(in[0], sizeof(in[0]), "%s/x/y", sub);
		snprintf(link, sizeof(link), "%s/x", sub);
		snprintf(want, sizeof(want), "%s/x/y", sub);
		expect_resolved(in[0], want);
		assert_int_equal(symlink("/etc", link), 0);
		expect_resolved(in[0], "/etc/y");
	}
}

/* 2000 missing components resolve quickly (bisection, not a scan). */
static void test_resolve_long_missing(void **state)
{
	char in[PATH_MAX];
	clock_t start = clock();
	size_t i, n;

	(void)state;
	n = (size_t)snprintf(in, sizeof(in), "/nonexistent-portcullis");
	for (i = 0; i < 2000; i++) {
		memcpy(in + n, "/a", 3);
		n += 2;
	}
	expect_resolved(in, in);
	assert_true((clock() - start) / (double)CLOCKS_PER_SEC < 1.0);
}

/* ---- sensitive paths ------------------------------------------------- */

static const char *const sensitive_yes[] = {
	"/", "/etc", "/etc/passwd", "/etc/docker/daemon.json", "/var", "/run",
	"/var/run", "/var/run/docker.sock", "/run/docker.sock", "/home/x/docker.sock",
	"/srv/x/containerd.sock", "/run/containerd/containerd.sock", "/run/containerd",
	"/run/user", "/run/user/1000", "/run/user/1000/docker.sock", "/var/lib",
	"/var/lib/docker", "/var/lib/docker/volumes/x/_data", "/var/lib/containerd",
	"/usr", "/usr/bin/runc", "/proc", "/proc/1/root", "/sys", "/dev", "/dev/sda",
	"/boot", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/root", "/root/.ssh",
	"/run/docker/plugins", "/run/buildkit", "/run/podman", "/var/run/crio",
	"/var/lib/kubelet/pods", "/run/systemd", "/run/dbus", "/run/dbus/system_bus_socket",
	"/var/log", "/var/log/syslog",
};

static const char *const sensitive_no[] = {
	"/srv", "/srv/data", "/tmp/x", "/tmp", "/home", "/home/alice", "/opt/app",
	"/var/lib/mysql", "/var/tmp", "/var/cache", "/etcx", "/etc-backup", "/var/lib/dockerx",
	"/var/logs", "/srv/docker.socket", "/srv/docker.sock.d/x", "/srv/mydocker.sock",
	"/mnt", "/media/usb",
};

static void test_sensitive(void **state)
{
	const char *which;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sensitive_yes) / sizeof(sensitive_yes[0]); i++) {
		which = NULL;
		if (!mount_path_sensitive(sensitive_yes[i], NULL, &which))
			fail_msg("%s: not sensitive", sensitive_yes[i]);
		if (which == NULL)
			fail_msg("%s: sensitive without saying why", sensitive_yes[i]);
	}
	for (i = 0; i < sizeof(sensitive_no) / sizeof(sensitive_no[0]); i++) {
		which = "unset";
		if (mount_path_sensitive(sensitive_no[i], NULL, &which))
			fail_msg("%s: sensitive because of %s", sensitive_no[i], which);
		assert_null(which);
	}
}

static void test_sensitive_which(void **state)
{
	const char *which;

	(void)state;
	assert_true(mount_path_sensitive("/", NULL, &which));
	assert_string_equal(which, "/");
	assert_true(mount_path_sensitive("/etc/shadow", NULL, &which));
	assert_string_equal(which, "/etc");
	assert_true(mount_path_sensitive("/home/x/docker.sock", NULL, &which));
	assert_string_equal(which, "docker.sock");
	assert_true(mount_path_sensitive("/run/user/42/docker.sock", NULL, &which));
	assert_string_equal(which, "/run/user/*/docker.sock");
	assert_true(mount_path_sensitive("/var/lib/docker", NULL, &which));
	assert_string_equal(which, "/var/lib/docker");
	/* WHICH may be NULL */
	assert_true(mount_path_sensitive("/etc", NULL, NULL));
	assert_false(mount_path_sensitive("/srv", NULL, NULL));
}

/* Not a resolved path: sensitive, never silently fine. */
static void test_sensitive_fail_closed(void **state)
{
	const char *which;

	(void)state;
	assert_true(mount_path_sensitive(NULL, NULL, &which));
	assert_true(mount_path_sensitive("", NULL, &which));
	assert_true(mount_path_sensitive("srv/data", NULL, &which));
	assert_true(mount_path_sensitive("/srv/../etc", NULL, &which));
	assert_true(mount_path_sensitive("/srv/data/", NULL, &which));
	assert_true(mount_path_sensitive("//srv", NULL, &which));
}

/* Is rooted PATH what Go's path.Clean returns for it? Written from the
 * rule, not from mounts.c: no empty, "." or ".." component, no trailing
 * slash, "/" itself clean. */
static bool clean_reference(const char *path)
{
	const char *seg = path + 1, *end;

	if (strcmp(path, "/") == 0)
		return true;
	for (;;) {
		end = strchr(seg, '/');
		if (end == NULL)
			end = seg + strlen(seg);
		if (end == seg || (end - seg == 1 && seg[0] == '.') ||
		    (end - seg == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (*end == '\0')
			return true;
		seg = end + 1;
	}
}

/* Every path "/srv" + up to seven of '/', '.' and 'a': unclean ones are
 * refused as "not a resolved host path", clean ones are not sensitive. */
static void test_sensitive_refuses_every_unclean_path(void **state)
{
	static const char alphabet[] = "/.a";
	char path[32];
	const char *which;
	size_t len, k, code, n, clean_seen = 0;

	(void)state;
	for (len = 0, n = 1; len <= 7; len++, n *= 3)
		for (code = 0; code < n; code++) {
			size_t c = code;

			memcpy(path, "/srv", 4);
			for (k = 0; k < len; k++, c /= 3)
				path[4 + k] = alphabet[c % 3];
			path[4 + len] = '\0';
			if (mount_path_sensitive(path, NULL, &which) == clean_reference(path))
				fail_msg("%s: sensitive=%d (%s)", path, !clean_reference(path),
					 which ? which : "none");
			clean_seen += clean_reference(path);
		}
	assert_true(clean_seen > 100);
}

static void test_sensitive_extra(void **state)
{
	char *items[] = { "/srv/secret", "/data/*/private", "/opt/**" };
	struct patterns extra = { items, 3 };
	char *bad_items[] = { "relative/path" };
	struct patterns bad = { bad_items, 1 };
	const char *which;

	(void)state;
	assert_true(mount_path_sensitive("/srv/secret", &extra, &which));
	assert_string_equal(which, "/srv/secret");
	assert_true(mount_path_sensitive("/srv/secret/x", &extra, &which));
	assert_true(mount_path_sensitive("/srv", &extra, &which));
	assert_false(mount_path_sensitive("/srv/public", &extra, &which));
	assert_false(mount_path_sensitive("/srv/secretx", &extra, &which));
	assert_true(mount_path_sensitive("/data/a/private", &extra, &which));
	assert_string_equal(which, "/data/*/private");
	assert_true(mount_path_sensitive("/data/a/private/x", &extra, &which));
	assert_true(mount_path_sensitive("/data/a", &extra, &which));
	assert_true(mount_path_sensitive("/data", &extra, &which));
	assert_false(mount_path_sensitive("/data/a/public", &extra, &which));
	assert_true(mount_path_sensitive("/opt/x/y", &extra, &which));
	assert_false(mount_path_sensitive("/optx", &extra, &which));
	/* the built-ins still apply with extras */
	assert_true(mount_path_sensitive("/etc", &extra, &which));
	/* an entry we cannot read denies (fail closed) */
	assert_true(mount_path_sensitive("/srv/data", &bad, &which));
	assert_string_equal(which, "relative/path");
	/* n = 0 is no extra */
	bad.n = 0;
	assert_false(mount_path_sensitive("/srv/data", &bad, &which));
}

/* A deny path through a symlink also denies where it leads. */
static void test_sensitive_extra_resolved(void **state)
{
	struct tree *t = *state;
	char link[PATH_MAX], target[PATH_MAX], *items[] = { link };
	struct patterns extra = { items, 1 };
	const char *which;

	tree_path(t, link, "rel");
	snprintf(target, sizeof(target), "%s/real/x", t->real);
	assert_true(mount_path_sensitive(target, &extra, &which));
	assert_ptr_equal(which, link);
	snprintf(target, sizeof(target), "%s/other", t->real);
	assert_false(mount_path_sensitive(target, &extra, &which));
}

/* ---- local volume options -------------------------------------------- */

struct opts_case {
	const char *json;
	bool host;
	const char *device;	/* expected *device, NULL for none */
};

static const struct opts_case opts_cases[] = {
	/* docker volume create --opt type=none --opt o=bind --opt device=/etc */
	{ "{\"device\":\"/etc\",\"o\":\"bind\",\"type\":\"none\"}", true, "/etc" },
	{ "{\"type\":\"none\",\"o\":\"ro,rbind\",\"device\":\"/\"}", true, "/" },
	{ "{\"type\":\"ext4\",\"device\":\"/dev/sda1\"}", true, "/dev/sda1" },
	{ "{\"type\":\"nfs\",\"o\":\"addr=10.0.0.1,rw\",\"device\":\":/export\"}", true, ":/export" },
	{ "{\"type\":\"cifs\",\"o\":\"addr=srv,username=u\",\"device\":\"//srv/share\"}", true,
	  "//srv/share" },
	{ "{\"type\":\"smb3\"}", true, NULL },
	{ "{\"type\":\"overlay\",\"device\":\"overlay\",\"o\":\"lowerdir=/etc,upperdir=/u\"}", true,
	  "overlay" },
	{ "{\"device\":\"/etc\"}", true, "/etc" },
	{ "{\"o\":\"bind\"}", true, NULL },
	/* bind ignores the type: tmpfs does not make it benign */
	{ "{\"type\":\"tmpfs\",\"device\":\"/etc\",\"o\":\"size=1m,bind\"}", true, "/etc" },
	{ "{\"type\":\"tmpfs\",\"device\":\"/etc\",\"o\":\"rbind\"}", true, "/etc" },
	/* keys are case-sensitive in the local driver: dockerd refuses
	 * these, and we call them host */
	{ "{\"Type\":\"none\",\"O\":\"bind\",\"Device\":\"/etc\"}", true, NULL },
	{ "{\"type\":\"tmpfs\",\"DEVICE\":\"/etc\"}", true, NULL },
	{ "{\"type\":\"tmpfs\",\"device\":\"tmpfs\",\"type\":\"none\"}", true, "tmpfs" },
	{ "{\"type\":\"tmpfs\",\"device\":1}", true, NULL },
	{ "{\"type\":null}", true, NULL },
	{ "[]", true, NULL },
	{ "\"type=none\"", true, NULL },
	/* benign */
	{ "{}", false, NULL },
	{ "null", false, NULL },
	{ "{\"size\":\"10G\"}", false, NULL },
	{ "{\"type\":\"tmpfs\",\"device\":\"tmpfs\",\"o\":\"size=100m,uid=1000\"}", false, "tmpfs" },
	{ "{\"type\":\"tmpfs\",\"device\":\"tmpfs\",\"o\":\"unbindable,bindx,xbind\"}", false, "tmpfs" },
};

static void test_local_opts(void **state)
{
	const char *device;
	cJSON *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(opts_cases) / sizeof(opts_cases[0]); i++) {
		const struct opts_case *c = &opts_cases[i];

		o = cJSON_Parse(c->json);
		assert_non_null(o);
		device = "unset";
		if (mount_local_opts_host(o, &device) != c->host)
			fail_msg("%s: host should be %d", c->json, c->host);
		if (c->device == NULL ? device != NULL :
		    (device == NULL || strcmp(device, c->device) != 0))
			fail_msg("%s: device %s, want %s", c->json, device ? device : "NULL",
				 c->device ? c->device : "NULL");
		/* DEVICE may be NULL */
		assert_int_equal(mount_local_opts_host(o, NULL), c->host);
		cJSON_Delete(o);
	}
	assert_false(mount_local_opts_host(NULL, &device));
	assert_null(device);
}

/* ---- allowlist patterns ---------------------------------------------- */

struct pat_case {
	const char *pattern;
	const char *user;
	const char *path;
	bool match;
};

static const struct pat_case pat_cases[] = {
	{ "/srv/tenants/{user}/**", "bob", "/srv/tenants/bob", true },
	{ "/srv/tenants/{user}/**", "bob", "/srv/tenants/bob/a", true },
	{ "/srv/tenants/{user}/**", "bob", "/srv/tenants/bob/a/b/c", true },
	{ "/srv/tenants/{user}/**", "bob", "/srv/tenants/bobby", false },
	{ "/srv/tenants/{user}/**", "bob", "/srv/tenants/alice", false },
	{ "/srv/tenants/{user}/**", "bob", "/srv/tenants", false },
	{ "/srv/tenants/{user}/**", "bob", "/srv/tenants/bo", false },
	{ "/srv/tenants/{user}/**", "alice", "/srv/tenants/alice/x", true },
	{ "/home/{user}/{user}", "bob", "/home/bob/bob", true },
	{ "/home/{user}-data", "bob", "/home/bob-data", true },
	/* user names that would change the pattern's shape match nothing */
	{ "/srv/tenants/{user}/**", "../alice", "/srv/tenants/alice", false },
	{ "/srv/tenants/{user}/**", "..", "/srv", false },
	{ "/srv/tenants/{user}/**", "..", "/srv/tenants", false },
	{ "/srv/tenants/{user}/**", ".", "/srv/tenants/alice", false },
	{ "/srv/tenants/{user}/**", "", "/srv/tenants/alice", false },
	{ "/srv/tenants/{user}/**", NULL, "/srv/tenants/alice", false },
	{ "/srv/tenants/{user}/**", "a/b", "/srv/tenants/a/b", false },
	{ "/srv/tenants/{user}/**", "*", "/srv/tenants/alice", false },
	{ "/srv/tenants/{user}/**", "**", "/srv/tenants/alice", false },
	{ "/srv/tenants/{user}/**", "b?b", "/srv/tenants/bob", false },
	{ "/srv/tenants/{user}/**", "[b]ob", "/srv/tenants/bob", false },
	{ "/srv/tenants/{user}/**", "a..b", "/srv/tenants/a..b", false },
	{ "/srv/tenants/{user}/**", "bob\\", "/srv/tenants/bob\\", false },
	/* without {user}, no user is needed */
	{ "/srv/data", NULL, "/srv/data", true },
	{ "/srv/data", NULL, "/srv/data/x", false },
	{ "/srv/data", NULL, "/srv/datax", false },
	{ "/srv/data", NULL, "/srv", false },
	/* the pattern is cleaned */
	{ "/srv/data/", NULL, "/srv/data", true },
	{ "//srv/./data", NULL, "/srv/data", true },
	{ "/srv/x/../data", NULL, "/srv/data", true },
	{ "/srv/../../etc", NULL, "/etc", true },
	/* '*' stays in a component */
	{ "/srv/*/cache", NULL, "/srv/a/cache", true },
	{ "/srv/*/cache", NULL, "/srv/a/b/cache", false },
	{ "/srv/*/cache", NULL, "/srv/cache", false },
	{ "/srv/*", NULL, "/srv", false },
	{ "/srv/v*", NULL, "/srv/v", true },
	{ "/srv/*.d", NULL, "/srv/a.b.d", true },
	{ "/srv/a*b*c", NULL, "/srv/aXbYbZc", true },
	{ "/srv/a*b*c", NULL, "/srv/aXbYc/d", false },
	/* '**' spans whole components */
	{ "/srv/**/cache", NULL, "/srv/cache", true },
	{ "/srv/**/cache", NULL, "/srv/a/b/cache", true },
	{ "/srv/**/cache", NULL, "/srv/a/cachex", false },
	{ "/srv/**/cache", NULL, "/srv/a/cache/x", false },
	{ "/**/a/**/b", NULL, "/x/a/y/a/z/b", true },
	{ "/**/a/**/b", NULL, "/x/a/y", false },
	{ "/srv/**/**", NULL, "/srv", true },
	{ "/**", NULL, "/", true },
	{ "/**", NULL, "/etc/x", true },
	{ "/", NULL, "/", true },
	{ "/", NULL, "/etc", false },
	{ "/srv/a**b", NULL, "/srv/aXb", true },
	{ "/srv/a**b", NULL, "/srv/a/b", false },
	/* '?' and classes */
	{ "/srv/v?", NULL, "/srv/v1", true },
	{ "/srv/v?", NULL, "/srv/v12", false },
	{ "/srv/v?", NULL, "/srv/v", false },
	{ "/srv/[ab]x", NULL, "/srv/ax", true },
	{ "/srv/[ab]x", NULL, "/srv/cx", false },
	{ "/srv/[!a]x", NULL, "/srv/bx", true },
	{ "/srv/[!a]x", NULL, "/srv/ax", false },
	{ "/srv/[^a]x", NULL, "/srv/ax", false },
	{ "/srv/[a-c]", NULL, "/srv/b", true },
	{ "/srv/[a-c]", NULL, "/srv/d", false },
	{ "/srv/[]]", NULL, "/srv/]", true },
	{ "/srv/[a-]", NULL, "/srv/-", true },
	{ "/srv/[", NULL, "/srv/[", true },
	{ "/srv/[ab", NULL, "/srv/a", false },
	{ "/srv/[ab", NULL, "/srv/[ab", true },
	/* '\' is an ordinary byte */
	{ "/srv/a\\*", NULL, "/srv/a\\x", true },
	{ "/srv/a\\*", NULL, "/srv/a*", false },
	/* unresolved or relative paths and relative patterns match nothing */
	{ "/srv/tenants/{user}/**", "bob", "/srv/tenants/bob/../alice", false },
	{ "/srv/**", NULL, "/srv/", false },
	{ "/srv/**", NULL, "srv/x", false },
	{ "srv/**", NULL, "/srv/x", false },
	{ "", NULL, "/", false },
	/* the quick no before substituting (literal_prefix_differs) says no
	 * only where the whole match would */
	{ "/srv/tenants/{user}/**", "bob", "/srv/data", false },
	{ "/srv//tenants/{user}/**", "bob", "/srv/tenants/bob/x", true },
	{ "/srv//tenants/{user}/**", "bob", "/srv/tenantsx/bob", false },
	{ "/srv/x/../data/{user}", "bob", "/srv/data/bob", true },
	{ "/srv/x/../../{user}", "bob", "/bob", true },
	{ "/srv/./data/{user}", "bob", "/srv/data/bob", true },
	{ "/srv/data/**", NULL, "/srv/data", true },
	{ "/srv/data//", NULL, "/srv/data", true },
	{ "/srv/data/", NULL, "/srv/dat", false },
	{ "/srv/data/", NULL, "/srv/datax", false },
	{ "/srv/dat?", NULL, "/srv/datx", true },
	{ "/srv/d[a]ta", NULL, "/srv/data", true },
	{ "/srv/da*", NULL, "/srv/dxta", false },
};

static void test_path_patterns(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pat_cases) / sizeof(pat_cases[0]); i++) {
		const struct pat_case *c = &pat_cases[i];

		if (path_pattern_match(c->pattern, c->user, c->path) != c->match ||
		    path_pattern_match_whole(c->pattern, c->user, c->path) != c->match)
			fail_msg("%s (user %s) vs %s: want %s", c->pattern, c->user ? c->user : "NULL",
				 c->path, c->match ? "match" : "no match");
	}
	assert_false(path_pattern_match(NULL, NULL, "/"));
	assert_false(path_pattern_match("/", NULL, NULL));
}

/* Every pattern of the table against every path of it: the quick no never
 * answers other than the whole match. */
static void test_path_patterns_quick_no(void **state)
{
	size_t i, j, n = sizeof(pat_cases) / sizeof(pat_cases[0]);

	(void)state;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			const char *pat = pat_cases[i].pattern, *user = pat_cases[i].user;
			const char *path = pat_cases[j].path;

			if (path_pattern_match(pat, user, path) !=
			    path_pattern_match_whole(pat, user, path))
				fail_msg("%s (user %s) vs %s: the quick no disagrees", pat,
					 user ? user : "NULL", path);
		}
}

/* Many stars against a long component, many "**" against many components. */
static void test_path_patterns_bounded(void **state)
{
	static char path[PATH_MAX], pat[PATH_MAX];
	clock_t start = clock();
	size_t i, n;

	(void)state;
	path[0] = '/';
	memset(path + 1, 'a', 4000);
	snprintf(pat, sizeof(pat), "/%s", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
	assert_false(path_pattern_match(pat, NULL, path));
	for (n = 0, i = 0; i < 1300; i++)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/a");
	for (n = 0, i = 0; i < 600; i++)
		n += (size_t)snprintf(pat + n, sizeof(pat) - n, "/**/a");
	strcat(pat, "/b");
	assert_false(path_pattern_match(pat, NULL, path));
	assert_true((clock() - start) / (double)CLOCKS_PER_SEC < 2.0);
}

/* ---- the real corpus ------------------------------------------------- */

/* The decoded RequestBody of a corpus line, or NULL. */
static cJSON *corpus_body(const char *line, char *uri, size_t urilen)
{
	cJSON *root = cJSON_Parse(line), *req, *b64, *u, *body = NULL;
	unsigned char *raw;
	long n;

	if (root == NULL)
		return NULL;
	req = cJSON_GetObjectItemCaseSensitive(root, "request");
	b64 = cJSON_GetObjectItemCaseSensitive(req, "RequestBody");
	u = cJSON_GetObjectItemCaseSensitive(req, "RequestUri");
	if (cJSON_IsString(b64) && cJSON_IsString(u)) {
		snprintf(uri, urilen, "%s", u->valuestring);
		raw = malloc(base64_decoded_max(strlen(b64->valuestring)));
		assert_non_null(raw);
		n = base64_decode(b64->valuestring, strlen(b64->valuestring), raw);
		if (n > 0)
			body = cJSON_ParseWithLength((const char *)raw, (size_t)n);
		free(raw);
	}
	cJSON_Delete(root);
	return body;
}

/* Every Binds entry and volume option dockerd forwarded reads as expected. */
static void test_corpus(void **state)
{
	const char *files[] = { "unix-socket.jsonl", "tls-alice.jsonl" };
	size_t f, binds = 0, hosts = 0;

	(void)state;
	for (f = 0; f < 2; f++) {
		char path[4096], uri[4096], *line = NULL, err[256];
		size_t cap = 0;
		FILE *fp;

		corpus_path(path, sizeof(path), files[f]);
		fp = fopen(path, "r");
		if (fp == NULL)
			fail_msg("cannot open %s", path);
		while (getline(&line, &cap, fp) > 0) {
			cJSON *body = corpus_body(line, uri, sizeof(uri)), *b, *m, *opts;
			const char *device;
			struct bind_spec spec;

			if (body == NULL || strstr(line, "AuthZReq") == NULL) {
				cJSON_Delete(body);
				continue;
			}
			b = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(body, "HostConfig"), "Binds");
			cJSON_ArrayForEach(m, b) {
				if (mount_parse_bind(m->valuestring, &spec, err, sizeof(err)) != 0)
					fail_msg("%s: %s", m->valuestring, err);
				assert_true(strcmp(spec.source, "/srv/data") == 0 ||
					    strcmp(spec.source, "/var/run/docker.sock") == 0 ||
					    strcmp(spec.source, "evil") == 0);
				binds++;
			}
			m = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(body, "HostConfig"), "Mounts");
			cJSON_ArrayForEach(b, m) {
				opts = cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(
						cJSON_GetObjectItemCaseSensitive(b, "VolumeOptions"),
						"DriverConfig"), "Options");
				if (opts == NULL)
					continue;
				assert_true(mount_local_opts_host(opts, &device));
				assert_string_equal(device, "/etc");
				hosts++;
			}
			if (strstr(uri, "/volumes/create") != NULL) {
				opts = cJSON_GetObjectItemCaseSensitive(body, "DriverOpts");
				assert_true(mount_local_opts_host(opts, &device));
				assert_string_equal(device, "/etc");
				hosts++;
			}
			cJSON_Delete(body);
		}
		free(line);
		fclose(fp);
	}
	/* web, priv and "-v evil:/x", on each transport */
	assert_int_equal(binds, 6);
	/* volume create and the inline --mount volume-opt, on each */
	assert_int_equal(hosts, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_accepted),
		cmocka_unit_test(test_bind_refused),
		cmocka_unit_test(test_bind_reasons),
		cmocka_unit_test(test_bind_lengths),
		cmocka_unit_test(test_resolve_lexical),
		cmocka_unit_test(test_resolve_refused),
		cmocka_unit_test(test_resolve_var_run),
		cmocka_unit_test_setup_teardown(test_resolve_symlinks, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_resolve_walk_matches_realpath,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_resolve_unsettled_not_kept,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_resolve_settled_kept, settled_setup,
						settled_teardown),
		cmocka_unit_test_setup_teardown(test_resolve_symlinks_refused, tree_setup,
						tree_teardown),
		cmocka_unit_test(test_resolve_long_missing),
		cmocka_unit_test(test_sensitive),
		cmocka_unit_test(test_sensitive_which),
		cmocka_unit_test(test_sensitive_fail_closed),
		cmocka_unit_test(test_sensitive_refuses_every_unclean_path),
		cmocka_unit_test(test_sensitive_extra),
		cmocka_unit_test_setup_teardown(test_sensitive_extra_resolved, tree_setup,
						tree_teardown),
		cmocka_unit_test(test_local_opts),
		cmocka_unit_test(test_path_patterns),
		cmocka_unit_test(test_path_patterns_quick_no),
		cmocka_unit_test(test_path_patterns_bounded),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests_name("mounts", tests, NULL, NULL);
}
