/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_audit.c - the audit trail's rollout features: the recorded envelope
 * keeps the request as dockerd sent it but never a secret (Env values in
 * every place Docker carries them, secrets' data, credentials, auth
 * headers), is bounded, and decodes again for replay; the reload record; and
 * lost records are counted, never fatal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "base64.h"
#include "json.h"
#include "text.h"

/* An envelope with BODY (JSON text, or NULL) and extra RequestHeaders. */
static void make_env(struct envelope *env, const char *method, const char *uri,
		     const char *body, const char *headers_json)
{
	char *b64 = body ? base64_encode((const unsigned char *)body, strlen(body)) : NULL;
	char buf[65536], err[256];

	snprintf(buf, sizeof(buf),
		 "{\"User\":\"bob\",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":\"%s\","
		 "\"RequestUri\":\"%s\"%s%s%s,\"RequestHeaders\":%s,"
		 "\"RequestPeerCertificates\":[\"Y2VydA==\"]}",
		 method, uri, b64 ? ",\"RequestBody\":\"" : "", b64 ? b64 : "", b64 ? "\"" : "",
		 headers_json ? headers_json : "{\"Content-Type\":\"application/json\"}");
	free(b64);
	/* envelope_from_json: ENV owns its text; buf goes out of scope. */
	if (envelope_from_json(json_parse_strict(buf, strlen(buf), err, sizeof(err)), env, err,
			       sizeof(err)) != 0)
		fail_msg("envelope: %s", err);
}

/* The recorded envelope of ENV, parsed; its body decoded into BODY. */
static cJSON *recorded(const struct envelope *env, enum action a, char *body, size_t len)
{
	char why[160], *text = audit_envelope(env, a, AUDIT_ENVELOPE_MAX, why, sizeof(why));
	const cJSON *b;
	cJSON *e;
	long n;

	if (!text)
		fail_msg("not recorded: %s", why);
	e = json_parse_strict(text, strlen(text), why, sizeof(why));
	assert_non_null(e);
	free(text);
	body[0] = '\0';
	b = json_get(e, "RequestBody");
	if (cJSON_IsString(b)) {
		assert_true(base64_decoded_max(strlen(b->valuestring)) < len);
		n = base64_decode(b->valuestring, strlen(b->valuestring), (unsigned char *)body);
		assert_true(n >= 0);
		body[n] = '\0';
	}
	return e;
}

static void test_envelope_env_redacted(void **state)
{
	static const struct {
		enum action action;
		const char *method, *uri, *body, *want;
	} cases[] = {
		{ ACTION_ContainerCreate, "POST", "/v1.41/containers/create",
		  "{\"Image\":\"bb\",\"Env\":[\"PASSWORD=hunter2\",\"EMPTY=\",\"UNSET\",\"A=b=c\"],"
		  "\"HostConfig\":{\"Privileged\":true}}",
		  "{\"Image\":\"bb\",\"Env\":[\"PASSWORD=\",\"EMPTY=\",\"UNSET\",\"A=\"],"
		  "\"HostConfig\":{\"Privileged\":true}}" },
		/* Go matches "env" and "ENV" to Env: so do we. */
		{ ACTION_ContainerExec, "POST", "/v1.41/containers/web/exec",
		  "{\"Cmd\":[\"sh\"],\"eNV\":[\"TOKEN=abc\"]}",
		  "{\"Cmd\":[\"sh\"],\"eNV\":[\"TOKEN=\"]}" },
		{ ACTION_ServiceCreate, "POST", "/v1.41/services/create",
		  "{\"Name\":\"s\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"bb\","
		  "\"Env\":[\"DB_PASS=x\"]}}}",
		  "{\"Name\":\"s\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"bb\","
		  "\"Env\":[\"DB_PASS=\"]}}}" },
		{ ACTION_SecretCreate, "POST", "/v1.41/secrets/create",
		  "{\"Name\":\"s\",\"Data\":\"aHVudGVyMg==\"}",
		  "{\"Name\":\"s\",\"Data\":\"(redacted)\"}" },
		{ ACTION_PluginSet, "POST", "/v1.41/plugins/p/set",
		  "[\"API_KEY=abc\",\"DEBUG=1\"]", "[\"API_KEY=\",\"DEBUG=\"]" },
		{ ACTION_SwarmUnlock, "POST", "/v1.41/swarm/unlock",
		  "{\"UnlockKey\":\"SWMKEY-1-abc\"}", "{\"UnlockKey\":\"(redacted)\"}" },
		{ ACTION_SwarmJoin, "POST", "/v1.41/swarm/join",
		  "{\"RemoteAddrs\":[\"10.0.0.1\"],\"JoinToken\":\"SWMTKN-1-abc\"}",
		  "{\"RemoteAddrs\":[\"10.0.0.1\"],\"JoinToken\":\"(redacted)\"}" },
	};
	char body[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct envelope env;
		cJSON *e;

		make_env(&env, cases[i].method, cases[i].uri, cases[i].body, NULL);
		e = recorded(&env, cases[i].action, body, sizeof(body));
		if (strcmp(body, cases[i].want) != 0)
			fail_msg("case %zu: got %s", i, body);
		cJSON_Delete(e);
		envelope_free(&env);
	}
}

/* Nothing secret: the body is kept byte for byte, as dockerd sent it. */
static void test_envelope_verbatim(void **state)
{
	const char *body = "{\"Image\":\"bb\",  \"Memory\":9223372036854775807, \"Cmd\":[\"x\"]}";
	struct envelope env;
	char got[4096];
	cJSON *e;

	(void)state;
	make_env(&env, "POST", "/containers/create", body, NULL);
	e = recorded(&env, ACTION_ContainerCreate, got, sizeof(got));
	assert_string_equal(got, body);
	/* Every other member as received. */
	assert_string_equal(json_get(e, "User")->valuestring, "bob");
	assert_string_equal(json_get(e, "UserAuthNMethod")->valuestring, "TLS");
	assert_string_equal(json_get(e, "RequestUri")->valuestring, "/containers/create");
	assert_int_equal(cJSON_GetArraySize(json_get(e, "RequestPeerCertificates")), 1);
	cJSON_Delete(e);
	envelope_free(&env);
}

static void test_envelope_headers_dropped(void **state)
{
	struct envelope env;
	const cJSON *h;
	char body[64];
	cJSON *e;

	(void)state;
	make_env(&env, "GET", "/_ping", NULL,
		 "{\"User-Agent\":\"Docker-Client\",\"X-Registry-Auth\":\"eyJ1c2VyIjoiYm9iIn0=\","
		 "\"authorization\":\"Bearer x\",\"Cookie\":\"s=1\",\"X-Registry-Config\":\"e30=\"}");
	e = recorded(&env, ACTION_SystemPing, body, sizeof(body));
	h = json_get(e, "RequestHeaders");
	assert_int_equal(cJSON_GetArraySize(h), 1);
	assert_string_equal(json_get(h, "User-Agent")->valuestring, "Docker-Client");
	assert_null(json_get(e, "RequestBody"));
	cJSON_Delete(e);
	envelope_free(&env);
}

static void test_envelope_refused(void **state)
{
	struct envelope env;
	char why[160], *text, *big;
	size_t n = 2u << 20;

	(void)state;
	/* Not JSON: cannot be searched for secrets, so not recorded. */
	make_env(&env, "POST", "/containers/create", "{\"Env\":[\"A=b\"", NULL);
	text = audit_envelope(&env, ACTION_ContainerCreate, AUDIT_ENVELOPE_MAX, why, sizeof(why));
	assert_null(text);
	assert_non_null(strstr(why, "RequestBody cannot be redacted"));
	envelope_free(&env);

	/* Larger than the bound: refused before any work. */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, "{\"A\":1}", 7);
	big[n] = '\0';
	{
		char *b64 = base64_encode((unsigned char *)big, n), *buf, err[128];

		assert_non_null(b64);
		assert_true(asprintf(&buf, "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/x\","
				     "\"RequestBody\":\"%s\"}", b64) > 0);
		assert_int_equal(envelope_decode(buf, strlen(buf), &env, err, sizeof(err)), 0);
		free(b64);
		text = audit_envelope(&env, ACTION_ContainerCreate, AUDIT_ENVELOPE_MAX, why,
				      sizeof(why));
		assert_null(text);
		assert_string_equal(why, "envelope larger than 1048576 bytes");
		envelope_free(&env);
		free(buf);	/* env borrowed it */
	}
	free(big);
}

/* Read the file at PATH into a malloc'd string. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 22);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 22) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_record_with_envelope(void **state)
{
	char path[] = "/tmp/portcullis-audit-XXXXXX", err[256], *log, *line2;
	struct decision d = { 0 };
	struct envelope env;
	struct audit *a;
	cJSON *rec, *e;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	a = audit_open(path, err, sizeof(err));
	assert_non_null(a);
	audit_set_envelopes(a, true);
	make_env(&env, "POST", "/v1.41/containers/create",
		 "{\"Image\":\"bb\",\"Env\":[\"SECRET=hunter2\"]}", NULL);
	d.outcome = OUTCOME_WOULD_DENY;
	d.allow = true;
	d.action = ACTION_ContainerCreate;
	d.mode = MODE_DRY_RUN;
	snprintf(d.user, sizeof(d.user), "bob");
	decision_add_reason(&d, "no rule allows ContainerCreate");
	audit_record(a, &d, &env, 12);
	d.phase = PHASE_RESPONSE;
	audit_record(a, &d, &env, 3);
	audit_close(a);
	envelope_free(&env);

	log = slurp(path);
	assert_null(strstr(log, "hunter2"));
	line2 = strchr(log, '\n');
	assert_non_null(line2);
	*line2++ = '\0';
	rec = json_parse_strict(log, strlen(log), err, sizeof(err));
	assert_non_null(rec);
	assert_string_equal(json_get(rec, "decision")->valuestring, "would-deny");
	e = (cJSON *)json_get(rec, "envelope");
	assert_true(cJSON_IsObject(e));
	/* The recorded envelope decodes as dockerd's own would. */
	cJSON_DetachItemViaPointer(rec, e);
	assert_int_equal(envelope_from_json(e, &env, err, sizeof(err)), 0);
	assert_string_equal((char *)env.body, "{\"Image\":\"bb\",\"Env\":[\"SECRET=\"]}");
	envelope_free(&env);
	cJSON_Delete(rec);
	/* The response phase carries no envelope. */
	assert_null(strstr(line2, "\"envelope\""));
	assert_non_null(strstr(line2, "\"phase\":\"response\""));
	free(log);
	unlink(path);
}

static void test_record_envelope_omitted(void **state)
{
	char path[] = "/tmp/portcullis-audit-XXXXXX", err[256], *log;
	struct decision d = { 0 };
	struct envelope env;
	struct audit *a;
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	a = audit_open(path, err, sizeof(err));
	audit_set_envelopes(a, true);
	make_env(&env, "POST", "/containers/create", "not json", NULL);
	d.action = ACTION_ContainerCreate;
	audit_record(a, &d, &env, 1);
	assert_int_equal(audit_envelopes_omitted(a), 1);
	assert_int_equal(audit_errors(a), 0);
	audit_close(a);
	envelope_free(&env);
	log = slurp(path);
	assert_non_null(strstr(log, ",\"envelope\":null,\"envelope_omitted\":\"RequestBody cannot "
			       "be redacted: "));
	assert_null(strstr(log, "not json"));
	free(log);
	unlink(path);
}

static void test_reload_record(void **state)
{
	char path[] = "/tmp/portcullis-audit-XXXXXX", err[256], *text, *log, *lines[400];
	struct policy_diag diag = { lines, 2 };
	struct audit *a;
	cJSON *rec;
	char *nl;
	size_t i;
	int fd = mkstemp(path);

	(void)state;
	close(fd);
	a = audit_open(path, err, sizeof(err));
	lines[0] = "p.yaml:1:10: unsupported policy version \"2\"";
	lines[1] = "p.yaml:3:5: unknown key";
	audit_reload(a, "p.yaml", false, &diag);
	audit_reload(a, "p.yaml", true, NULL);
	/* Many long errors: whole messages while they fit, then a count. */
	for (i = 0; i < 400; i++)
		lines[i] = "p.yaml:9:9: a rather long error message that repeats itself, "
			   "a rather long error message that repeats itself";
	diag.n = 400;
	audit_reload(a, "p.yaml", false, &diag);
	assert_int_equal(audit_errors(a), 0);
	audit_close(a);

	log = text = slurp(path);
	nl = strchr(log, '\n');
	*nl = '\0';
	assert_string_equal(strchr(log, ',') + 1,
			    "\"event\":\"reload\",\"policy\":\"p.yaml\",\"result\":\"error\","
			    "\"errors\":[\"p.yaml:1:10: unsupported policy version \\\"2\\\"\","
			    "\"p.yaml:3:5: unknown key\"]}");
	log = nl + 1;
	nl = strchr(log, '\n');
	*nl = '\0';
	assert_string_equal(strchr(log, ',') + 1,
			    "\"event\":\"reload\",\"policy\":\"p.yaml\",\"result\":\"ok\",\"errors\":[]}");
	log = nl + 1;
	rec = json_parse_strict(log, strlen(log), err, sizeof(err));
	assert_non_null(rec);
	assert_true(cJSON_GetArraySize(json_get(rec, "errors")) > 10);
	assert_non_null(strstr(log, " more)\"]}"));
	cJSON_Delete(rec);
	free(text);
	unlink(path);
}

/* ---- batched mode: many threads, every record whole, nothing lost ---- */

#define BATCH_THREADS 4
/* Per thread: several batches (a shard is written from 32 KiB), yet all of
 * them fit its 128 KiB shard should the writer get no CPU at all (under
 * valgrind it can be starved past the 100 ms a decision waits for room, and
 * records would then be counted lost: test_batched_stalled_log's case). */
#define BATCH_RECORDS 400

struct batch_job {
	struct audit *a;
	int id;
};

static void *batch_worker(void *arg)
{
	struct batch_job *j = arg;
	struct decision d = { 0 };
	int i;

	d.action = ACTION_ContainerList;
	d.allow = true;
	d.outcome = OUTCOME_ALLOW;
	for (i = 0; i < BATCH_RECORDS; i++) {
		snprintf(d.user, sizeof(d.user), "t%d-%d", j->id, i);
		audit_record(j->a, &d, NULL, i);
	}
	return NULL;
}

/* Count the lines of the file at PATH that are one whole JSON record; -1 if
 * any line is not. */
static long whole_records(const char *path)
{
	char *log = slurp(path), *line = log, *nl, err[128];
	long n = 0;

	while ((nl = strchr(line, '\n')) != NULL) {
		cJSON *rec = json_parse_strict(line, (size_t)(nl - line), err, sizeof(err));

		if (!rec) {
			free(log);
			return -1;
		}
		cJSON_Delete(rec);
		n++;
		line = nl + 1;
	}
	n = *line ? -1 : n;	/* a partial last line */
	free(log);
	return n;
}

static void test_batched_threads(void **state)
{
	char path[] = "/tmp/portcullis-audit-XXXXXX", err[256];
	struct batch_job jobs[BATCH_THREADS];
	pthread_t th[BATCH_THREADS];
	struct audit *a;
	int fd = mkstemp(path), i;

	(void)state;
	close(fd);
	a = audit_open(path, err, sizeof(err));
	assert_non_null(a);
	assert_int_equal(audit_start_batching(a, err, sizeof(err)), 0);
	for (i = 0; i < BATCH_THREADS; i++) {
		jobs[i] = (struct batch_job){ a, i };
		assert_int_equal(pthread_create(&th[i], NULL, batch_worker, &jobs[i]), 0);
	}
	for (i = 0; i < BATCH_THREADS; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(audit_errors(a), 0);
	audit_close(a);		/* writes what is still queued */
	assert_int_equal(whole_records(path), BATCH_THREADS * BATCH_RECORDS);
	unlink(path);
}

/* A batch reaches the file on its own, within milliseconds, with no close;
 * a record too large for a batch (an envelope) is written directly. */
static void test_batched_flushes_by_itself(void **state)
{
	char path[] = "/tmp/portcullis-audit-XXXXXX", err[256], *body;
	struct decision d = { 0 };
	struct envelope env;
	struct audit *a;
	int fd = mkstemp(path), waited;

	(void)state;
	close(fd);
	a = audit_open(path, err, sizeof(err));
	assert_non_null(a);
	assert_int_equal(audit_start_batching(a, err, sizeof(err)), 0);
	d.action = ACTION_SystemPing;
	audit_record(a, &d, NULL, 1);
	for (waited = 0; whole_records(path) != 1 && waited < 2000; waited++)
		usleep(1000);
	assert_int_equal(whole_records(path), 1);

	audit_set_envelopes(a, true);
	body = malloc(200001);
	assert_non_null(body);
	memset(body, 'x', 200000);
	memcpy(body, "{\"Image\":\"", 10);
	memcpy(body + 200000 - 2, "\"}", 2);
	body[200000] = '\0';
	{
		char *b64 = base64_encode((unsigned char *)body, strlen(body)), *json;

		assert_non_null(b64);
		assert_true(asprintf(&json, "{\"RequestMethod\":\"POST\",\"RequestUri\":"
				     "\"/containers/create\",\"RequestBody\":\"%s\"}", b64) > 0);
		free(b64);
		assert_int_equal(envelope_decode(json, strlen(json), &env, err, sizeof(err)), 0);
		d.action = ACTION_ContainerCreate;
		audit_record(a, &d, &env, 2);
		envelope_free(&env);
		free(json);
	}
	audit_close(a);
	free(body);
	assert_int_equal(whole_records(path), 2);
	unlink(path);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void *drain(void *arg)
{
	char buf[65536];
	int fd = open(arg, O_RDONLY);

	if (fd >= 0) {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	return NULL;
}

/* A stalled log (a FIFO nobody reads: the writer blocks in write(2)) fills
 * the queue; then a decision waits at most ~100 ms once, and after that not
 * at all: its record is counted lost, Docker is not held up. */
static void test_batched_stalled_log(void **state)
{
	char dir[] = "/tmp/portcullis-audit-XXXXXX", path[64], err[256];
	struct decision d = { 0 };
	struct timespec t0;
	struct audit *a;
	pthread_t reader;
	long slowest = 0, ms;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	a = audit_open(path, err, sizeof(err));	/* O_RDWR: opens with no reader */
	assert_non_null(a);
	assert_int_equal(audit_start_batching(a, err, sizeof(err)), 0);
	d.action = ACTION_SystemPing;
	snprintf(d.user, sizeof(d.user), "alice");
	for (i = 0; i < 20000 && audit_errors(a) < 100; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		audit_record(a, &d, NULL, i);
		ms = ms_since(&t0);
		slowest = ms > slowest ? ms : slowest;
	}
	assert_true(audit_errors(a) >= 100);	/* records were dropped, and counted */
	assert_true(slowest < 1000);		/* ~100 ms once; generous for valgrind */
	/* unstick the writer so that close can finish */
	assert_int_equal(pthread_create(&reader, NULL, drain, path), 0);
	audit_close(a);
	unlink(path);
	pthread_join(reader, NULL);
	rmdir(dir);
}

/* The clock the records use: time() reads a coarser one, which can still
 * say the last second when the record already says the next. */
static time_t realtime_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* "time" is RFC 3339 UTC with microseconds, and now: records of one second
 * share its formatted date, each has its own microseconds. */
static void test_record_time(void **state)
{
	struct decision d = { 0 };
	char line[4096], err[128], want[32];
	const cJSON *t;
	struct tm tm;
	time_t before = realtime_sec(), after;
	cJSON *rec;
	int i, n;

	(void)state;
	d.action = ACTION_SystemPing;
	for (i = 0; i < 3; i++) {
		n = audit_format(&d, NULL, 1, line, sizeof(line));
		assert_true(n > 0);
		after = realtime_sec();
		rec = json_parse_strict(line, (size_t)n, err, sizeof(err));
		assert_non_null(rec);
		t = json_get(rec, "time");
		assert_true(cJSON_IsString(t));
		assert_int_equal(strlen(t->valuestring), 27);
		assert_int_equal(t->valuestring[19], '.');
		assert_int_equal(t->valuestring[26], 'Z');
		for (n = 20; n < 26; n++)
			assert_true(t->valuestring[n] >= '0' && t->valuestring[n] <= '9');
		gmtime_r(&after, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		if (strncmp(t->valuestring, want, 19) != 0) {
			gmtime_r(&before, &tm);
			strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
			assert_memory_equal(t->valuestring, want, 19);
		}
		cJSON_Delete(rec);
		before = after;
	}
}

/* A record fits a buffer whole or not at all: at every size, audit_format
 * gives the whole record (the same but for the time) or -1, never a record
 * cut short. The "time" member is 37 bytes from the start, fixed width. */
static void test_record_every_size(void **state)
{
	struct decision d = { 0 };
	char full[2048], line[2048];
	int n, got;
	size_t cap, i;

	(void)state;
	d.action = ACTION_ContainerCreate;
	d.outcome = OUTCOME_DENY;
	d.rule = "tenants";
	text_copy(d.user, sizeof(d.user), "alice", 5);
	decision_add_reason(&d, "HostConfig.Privileged=true is not allowed");
	decision_add_reason(&d, "a <second> \"reason\"");
	n = audit_format(&d, NULL, 42, full, sizeof(full));
	assert_true(n > 37 && (size_t)n < sizeof(full));
	for (cap = 1; cap <= (size_t)n + 1; cap++) {
		memset(line, 'x', sizeof(line));
		got = audit_format(&d, NULL, 42, line, cap);
		/* nothing written past the buffer it was given */
		for (i = cap; i < sizeof(line); i++)
			assert_int_equal(line[i], 'x');
		if (cap <= (size_t)n) {
			assert_int_equal(got, -1);
			continue;
		}
		assert_int_equal(got, n);
		assert_memory_equal(line + 37, full + 37, (size_t)n - 37 + 1);
	}
}

/* A log that takes no write at all at exit does not keep the process from
 * exiting: audit_close gives the writer 5 s, then says so and returns. Run in
 * a child, which leaves the stuck writer to its exit. */
static void test_batched_close_stalled(void **state)
{
	char dir[] = "/tmp/portcullis-audit-XXXXXX", path[64], err[256], out[2048] = "";
	struct timespec t0;
	int fds[2], status;
	size_t len;
	ssize_t n;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(pipe(fds), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct decision d = { 0 };
		struct audit *a;
		int i;

		dup2(fds[1], STDERR_FILENO);
		a = audit_open(path, err, sizeof(err));
		if (!a || audit_start_batching(a, err, sizeof(err)) != 0)
			_exit(3);
		d.action = ACTION_SystemPing;
		for (i = 0; i < 3000; i++)	/* fills the pipe: the writer blocks */
			audit_record(a, &d, NULL, i);
		audit_close(a);
		/* gone as an exit leaves the stuck writer, without an exit-time
		 * leak report of the queue it still holds (valgrind runs) */
		execl("/bin/true", "true", (char *)NULL);
		_exit(0);
	}
	close(fds[1]);
	/* everything the child says on stderr, until it exits */
	for (len = 0; len < sizeof(out) - 1 &&
		      (n = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0; len += (size_t)n)
		;
	out[len] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fds[0]);
	assert_true(ms_since(&t0) < 20000);
	assert_non_null(strstr(out, "audit log took no write for 5 s at exit"));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_env_redacted),
		cmocka_unit_test(test_envelope_verbatim),
		cmocka_unit_test(test_envelope_headers_dropped),
		cmocka_unit_test(test_envelope_refused),
		cmocka_unit_test(test_record_with_envelope),
		cmocka_unit_test(test_record_envelope_omitted),
		cmocka_unit_test(test_reload_record),
		cmocka_unit_test(test_record_time),
		cmocka_unit_test(test_record_every_size),
		cmocka_unit_test(test_batched_threads),
		cmocka_unit_test(test_batched_flushes_by_itself),
		cmocka_unit_test(test_batched_stalled_log),
		cmocka_unit_test(test_batched_close_stalled),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
