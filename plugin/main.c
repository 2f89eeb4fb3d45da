/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - the portcullis command: serve, check, eval, test, replay.
 *
 *   portcullis serve --policy FILE [--socket PATH] [--audit-log FILE|-|syslog]
 *                    [--docker-host URL] [--dry-run]
 *                    [--audit-envelopes] [--audit-sync] [--metrics ADDR]
 *   portcullis check FILE
 *   portcullis eval --policy FILE [REQUEST|-]
 *   portcullis test [-v] POLICY CASES...
 *   portcullis replay --policy FILE [--json] AUDIT_LOG...
 *   portcullis --version | --help
 *
 * Exit codes: 0 success/allowed/all passed/no change, 1 invalid policy/denied/
 * a case failed/decisions changed, 2 usage or input error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cases.h"
#include "decide.h"
#include "envelope.h"
#include "explain.h"
#include "json.h"
#include "lookup_docker.h"
#include "mode.h"
#include "policy.h"
#include "replay.h"
#include "server.h"
#include "snapshot.h"

#define DEFAULT_SOCKET "/run/docker/plugins/portcullis.sock"
#define DEFAULT_DOCKER_HOST "unix:///var/run/docker.sock"
/* An ownership lookup runs on the decision path: dockerd waits for it. */
#define LOOKUP_TIMEOUT_MS 2000
#define MAX_EVAL_INPUT (16u << 20)

static const char usage_main[] =
	"usage: portcullis COMMAND [OPTIONS]\n"
	"\n"
	"A Docker Engine authorization plugin: allow or deny every API call from a YAML policy.\n"
	"\n"
	"commands:\n"
	"  serve   serve the plugin protocol to dockerd\n"
	"  check   validate a policy file\n"
	"  eval    decide one request offline\n"
	"  test    run table-driven policy tests (YAML case files)\n"
	"  replay  re-decide an audit log under a candidate policy and report the changes\n"
	"\n"
	"  portcullis COMMAND --help    help on a command\n"
	"  portcullis --version         print the version\n";

static const char usage_serve[] =
	"usage: portcullis serve --policy FILE [--socket PATH] [--audit-log FILE|-|syslog]\n"
	"                        [--docker-host URL] [--dry-run]\n"
	"                        [--audit-envelopes] [--audit-sync] [--metrics ADDR]\n"
	"\n"
	"Serve the authorization plugin protocol on a unix socket (mode 0600), or on the\n"
	"socket systemd passes (LISTEN_FDS). Start dockerd with --authorization-plugin=portcullis.\n"
	"\n"
	"  --policy FILE       the policy (required); SIGHUP reloads it, keeping the running\n"
	"                      one if the new one is invalid\n"
	"  --socket PATH       default " DEFAULT_SOCKET "\n"
	"  --audit-log DEST    FILE, - (stdout), stderr or syslog; SIGUSR1 reopens a FILE\n"
	"  --docker-host URL   dockerd to ask who owns an object, for owner rules\n"
	"                      (default " DEFAULT_DOCKER_HOST "); each lookup times out after 2 s\n"
	"  --dry-run           every rule in dry-run, after every reload too: what the\n"
	"                      policy would deny is logged as would-deny and allowed\n"
	"                      (requests dockerd would misroute are still denied)\n"
	"  --audit-envelopes   add the request as dockerd sent it to each request-phase\n"
	"                      audit record, Env values and other secrets redacted, so\n"
	"                      `portcullis replay` can decide it again (up to 1 MiB each)\n"
	"  --audit-sync        write each record before answering dockerd; by default\n"
	"                      records to a FILE or - are written in batches, at most\n"
	"                      5 ms late, and a crash of portcullis can lose those 5 ms\n"
	"  --metrics ADDR      serve Prometheus metrics at GET /metrics on unix:PATH,\n"
	"                      IPV4:PORT or [IPV6]:PORT (e.g. 127.0.0.1:9323)\n"
	"\n"
	"SIGTERM finishes requests in flight and exits 0.\n";

static const char usage_check[] =
	"usage: portcullis check FILE\n"
	"\n"
	"Validate a policy. Exit 0 when valid; otherwise print one FILE:LINE:COL: message\n"
	"line per problem and exit 1.\n";

static const char usage_eval[] =
	"usage: portcullis eval --policy FILE [--explain] [REQUEST|-]\n"
	"\n"
	"Decide one request offline. REQUEST (a file, or stdin when absent or -) is the JSON\n"
	"object dockerd posts to /AuthZPlugin.AuthZReq, or a line\n"
	"{\"call\": \"AuthZReq\"|\"AuthZRes\", \"request\": {...}} as in the audit corpus.\n"
	"Prints {\"allow\", \"action\", \"user\", \"rule\", \"mode\", \"reasons\"}; exits 0 when\n"
	"allowed, 1 when denied, 2 on a usage or input error.\n"
	"\n"
	"  --explain   also print, on stderr, the trace of the decision: the action, the\n"
	"              user, each rule with whether it names the user and the action, the\n"
	"              deciding rule, and each constraint of its profile with its result\n";

static const char usage_test[] =
	"usage: portcullis test [-v|--verbose] POLICY CASES...\n"
	"\n"
	"Decide every case of the YAML case files CASES with POLICY, exactly as the plugin\n"
	"would, and compare with the expected decision, reason, rule and action. Prints a\n"
	"\"not ok\" line per failing case (and an \"ok\" line per passing one with -v), then\n"
	"\"N passed, N failed\". Exit 0 when all pass, 1 when a case fails, 2 when the\n"
	"policy or a case file cannot be read (FILE:LINE:COL messages; nothing runs).\n"
	"\n"
	"  cases:\n"
	"    - name: bob may not pull\n"
	"      user: bob                  # TLS client CN; omit for a unix-socket caller\n"
	"      method: POST\n"
	"      uri: /v1.41/images/create?fromImage=busybox\n"
	"      expect: deny               # allow | deny | would-deny | error\n"
	"      reason: no rule allows     # optional: part of the reasons\n"
	"      rule: null                 # optional: the deciding rule, null for none\n"
	"\n"
	"body: (YAML, or a string of JSON text) and headers: add a request body. A case\n"
	"may give the envelope dockerd posts instead (envelope: {...}, e.g. copied from an\n"
	"audit record). See spec/rollout.md.\n";

static const char usage_replay[] =
	"usage: portcullis replay --policy FILE [--json] AUDIT_LOG...\n"
	"\n"
	"Decide every request-phase record of the audit logs (- for stdin) again under the\n"
	"policy FILE and report each request whose decision would change, then the changes\n"
	"by rule and by user and a summary. Records written with serve --audit-envelopes\n"
	"are decided from the full request, others from user, method and URI alone.\n"
	"\n"
	"  --json   one JSON object per changed request, then one with the totals\n"
	"\n"
	"Exit 0 when no decision changes, 1 when some do, 2 when the policy or a log\n"
	"cannot be read (FILE:LINE).\n";

static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

static void print_diag(const struct policy_diag *diag)
{
	size_t i;

	for (i = 0; i < diag->n; i++)
		fprintf(stderr, "%s\n", diag->lines[i]);
}

/* Load a policy, printing every problem; NULL if there was any. */
static struct policy *load_or_report(const char *path)
{
	struct policy_diag diag = { 0 };
	struct policy *p = policy_load(path, &diag);

	if (!p)
		print_diag(&diag);
	policy_diag_free(&diag);
	return p;
}

/* ---------------------------------------------------------------- check */

static int cmd_check(int argc, char **argv)
{
	struct policy *p;

	if (wants_help(argc, argv)) {
		fputs(usage_check, stdout);
		return 0;
	}
	if (argc != 2) {
		fputs(usage_check, stderr);
		return 2;
	}
	p = load_or_report(argv[1]);
	if (!p)
		return 1;
	printf("%s: ok (%zu rules)\n", argv[1], p->nrules);
	policy_free(p);
	return 0;
}

/* ---------------------------------------------------------------- eval */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = (!path || strcmp(path, "-") == 0) ? stdin : fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, got;

	if (!f) {
		fprintf(stderr, "portcullis: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			nb = cap <= MAX_EVAL_INPUT ? realloc(buf, cap) : NULL;
			if (!nb) {
				fprintf(stderr, "portcullis: request too large\n");
				free(buf);
				buf = NULL;
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		fprintf(stderr, "portcullis: cannot read request: %s\n", strerror(errno));
		free(buf);
		buf = NULL;
	}
	*len = n;
out:
	if (f != stdin)
		fclose(f);
	return buf;
}

/*
 * Accept the plain envelope or a corpus line {"call": ..., "request": {...}}.
 * Returns 0 with *env filled and *phase set, -1 with a message printed.
 */
static int read_request(const char *buf, size_t len, struct envelope *env, enum phase *phase)
{
	char err[512];
	cJSON *root = json_parse_strict(buf, len, err, sizeof(err));
	cJSON *call, *request;

	if (!root) {
		fprintf(stderr, "portcullis: invalid request: %s\n", err);
		return -1;
	}
	*phase = PHASE_REQUEST;
	call = (cJSON *)json_get(root, "call");
	request = (cJSON *)json_get(root, "request");
	if (call || request) {
		if (!cJSON_IsString(call) || !cJSON_IsObject(request) ||
		    (strcmp(call->valuestring, "AuthZReq") != 0 &&
		     strcmp(call->valuestring, "AuthZRes") != 0)) {
			fprintf(stderr, "portcullis: invalid request: \"call\" must be AuthZReq "
				"or AuthZRes and \"request\" an object\n");
			cJSON_Delete(root);
			return -1;
		}
		if (strcmp(call->valuestring, "AuthZRes") == 0)
			*phase = PHASE_RESPONSE;
		cJSON_DetachItemViaPointer(root, request);
		cJSON_Delete(root);
		root = request;
	}
	if (envelope_from_json(root, env, err, sizeof(err)) != 0) {
		fprintf(stderr, "portcullis: invalid request: %s\n", err);
		return -1;
	}
	return 0;
}

static void print_eval(const struct decision *d)
{
	char buf[8192], q[1024];
	unsigned i;

	printf("{\"allow\": %s, \"action\": ", d->allow ? "true" : "false");
	if (d->action && json_quote(q, sizeof(q), action_name(d->action)) >= 0)
		printf("%s", q);
	else
		printf("null");
	json_quote(q, sizeof(q), d->user);
	printf(", \"user\": %s, \"rule\": ", q);
	if (d->rule && json_quote(buf, sizeof(buf), d->rule) >= 0)
		printf("%s", buf);
	else
		printf("null");
	printf(", \"mode\": \"%s\", \"reasons\": [", mode_name(d->mode));
	for (i = 0; i < d->nreasons; i++)
		if (json_quote(buf, sizeof(buf), d->reasons[i]) >= 0)
			printf("%s%s", i ? ", " : "", buf);
	printf("]}\n");
}

static int cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "explain", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy_path = NULL;
	struct policy *p = NULL;
	struct envelope env;
	struct decision d;
	enum phase phase;
	char *buf = NULL;
	bool trace = false;
	size_t len = 0;
	int c, rc = 2;

	while ((c = getopt_long(argc, argv, "p:xh", opts, NULL)) != -1) {
		if (c == 'p')
			policy_path = optarg;
		else if (c == 'x')
			trace = true;
		else if (c == 'h') {
			fputs(usage_eval, stdout);
			return 0;
		} else {
			fputs(usage_eval, stderr);
			return 2;
		}
	}
	if (!policy_path || argc - optind > 1) {
		fputs(usage_eval, stderr);
		return 2;
	}
	p = load_or_report(policy_path);
	if (!p)
		return 2;
	buf = read_all(optind < argc ? argv[optind] : NULL, &len);
	if (!buf)
		goto out;
	if (read_request(buf, len, &env, &phase) != 0)
		goto out;
	decide(p, &env, phase, &d);
	if (trace)
		explain(stderr, p, &env, phase, &d);
	print_eval(&d);
	envelope_free(&env);
	rc = d.allow ? 0 : 1;
out:
	free(buf);
	policy_free(p);
	return rc;
}

/* ---------------------------------------------------------------- test */

static int cmd_test(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct case_totals t = { 0, 0 };
	struct case_file **files = NULL;
	struct policy_diag diag = { 0 };
	struct policy *p = NULL;
	bool verbose = false;
	int c, i, nfiles, rc = 2;

	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		if (c == 'v') {
			verbose = true;
		} else if (c == 'h') {
			fputs(usage_test, stdout);
			return 0;
		} else {
			fputs(usage_test, stderr);
			return 2;
		}
	}
	if (argc - optind < 2) {
		fputs(usage_test, stderr);
		return 2;
	}
	p = load_or_report(argv[optind]);
	if (!p)
		return 2;
	nfiles = argc - optind - 1;
	files = calloc((size_t)nfiles, sizeof(*files));
	if (!files) {
		fprintf(stderr, "portcullis: out of memory\n");
		goto out;
	}
	/* Every file is read before any case runs: one broken file runs nothing. */
	for (i = 0; i < nfiles; i++)
		files[i] = cases_load(argv[optind + 1 + i], &diag);
	if (diag.n) {
		print_diag(&diag);
		goto out;
	}
	for (i = 0; i < nfiles; i++)
		cases_run(files[i], p, verbose, stdout, &t);
	printf("%u passed, %u failed\n", t.passed, t.failed);
	rc = t.failed ? 1 : 0;
out:
	for (i = 0; files && i < nfiles; i++)
		cases_free(files[i]);
	free(files);
	policy_diag_free(&diag);
	policy_free(p);
	return rc;
}

/* ---------------------------------------------------------------- replay */

static int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_diag diag = { 0 };
	const char *policy_path = NULL;
	struct replay_totals t;
	struct replay *r = NULL;
	struct policy *p = NULL;
	bool json = false;
	int c, i, rc = 2;

	while ((c = getopt_long(argc, argv, "p:jh", opts, NULL)) != -1) {
		if (c == 'p') {
			policy_path = optarg;
		} else if (c == 'j') {
			json = true;
		} else if (c == 'h') {
			fputs(usage_replay, stdout);
			return 0;
		} else {
			fputs(usage_replay, stderr);
			return 2;
		}
	}
	if (!policy_path || optind == argc) {
		fputs(usage_replay, stderr);
		return 2;
	}
	p = load_or_report(policy_path);
	if (!p)
		return 2;
	r = replay_new(p, json, stdout);
	if (!r) {
		fprintf(stderr, "portcullis: out of memory\n");
		goto out;
	}
	for (i = optind; i < argc; i++)
		if (replay_file(r, argv[i], &diag) != 0) {
			print_diag(&diag);
			goto out;
		}
	replay_report(r);
	replay_totals(r, &t);
	rc = t.changed ? 1 : 0;
out:
	replay_free(r);
	policy_diag_free(&diag);
	policy_free(p);
	return rc;
}

/* ---------------------------------------------------------------- serve */

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "audit-log", required_argument, NULL, 'a' },
		{ "docker-host", required_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "audit-envelopes", no_argument, NULL, 'e' },
		{ "audit-sync", no_argument, NULL, 'y' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct server_options so = { .socket_path = DEFAULT_SOCKET };
	bool audit_sync = false;
	const char *audit_spec = NULL, *docker_host = NULL;
	struct docker_client docker;
	struct lookup lookup;
	bool envelopes = false;
	struct audit *audit;
	struct policy *p;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "p:s:a:d:neym:h", opts, NULL)) != -1) {
		switch (c) {
		case 'y':
			audit_sync = true;
			break;
		case 'p':
			so.policy_path = optarg;
			break;
		case 's':
			so.socket_path = optarg;
			break;
		case 'a':
			audit_spec = optarg;
			break;
		case 'd':
			docker_host = optarg;
			break;
		case 'n':
			so.dry_run = true;
			break;
		case 'e':
			envelopes = true;
			break;
		case 'm':
			so.metrics_addr = optarg;
			break;
		case 'h':
			fputs(usage_serve, stdout);
			return 0;
		default:
			fputs(usage_serve, stderr);
			return 2;
		}
	}
	if (!so.policy_path || optind != argc) {
		fputs(usage_serve, stderr);
		return 2;
	}
	if (docker_client_init(&docker, docker_host ? docker_host : DEFAULT_DOCKER_HOST,
			       LOOKUP_TIMEOUT_MS, err, sizeof(err)) != 0) {
		fprintf(stderr, "portcullis: %s\n", err);
		return 2;
	}
	lookup_docker_init(&lookup, &docker);
	so.lookup = &lookup;
	so.docker = &docker;
	if (envelopes && !audit_spec) {
		fprintf(stderr, "portcullis: --audit-envelopes needs --audit-log\n");
		return 2;
	}
	/* The plugin socket replaces a stale socket at its path: never the metrics one. */
	if (so.metrics_addr && strncmp(so.metrics_addr, "unix:", 5) == 0 &&
	    strcmp(so.metrics_addr + 5, so.socket_path) == 0) {
		fprintf(stderr, "portcullis: --metrics and --socket name the same path\n");
		return 2;
	}
	p = load_or_report(so.policy_path);
	if (!p)
		return 1;
	if (so.dry_run)
		policy_force_mode(p, MODE_DRY_RUN);
	if (snapshot_publish(p) != 0) {
		fprintf(stderr, "portcullis: out of memory\n");
		return 1;
	}
	audit = audit_open(audit_spec, err, sizeof(err));
	if (!audit) {
		fprintf(stderr, "portcullis: %s\n", err);
		snapshot_clear();
		return 1;
	}
	audit_set_envelopes(audit, envelopes);
	if (!audit_sync && audit_start_batching(audit, err, sizeof(err)) != 0) {
		fprintf(stderr, "portcullis: %s\n", err);
		audit_close(audit);
		snapshot_clear();
		return 1;
	}
	rc = server_run(&so, audit) == 0 ? 0 : 1;
	audit_close(audit);
	snapshot_clear();
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage_main, cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("portcullis %s\n", PORTCULLIS_VERSION);
		return 0;
	}
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "eval") == 0)
		return cmd_eval(argc - 1, argv + 1);
	if (strcmp(cmd, "test") == 0)
		return cmd_test(argc - 1, argv + 1);
	if (strcmp(cmd, "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	fprintf(stderr, "portcullis: unknown command \"%s\"\n\n%s", cmd, usage_main);
	return 2;
}
