/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_body.c - facts: what a request would configure, read as dockerd reads
 * it. Real bodies of the corpus decode to the expected facts; Go's JSON
 * spellings (case, escapes, Unicode folding) are read as the real fields;
 * ambiguous, mistyped, missing and oversized bodies are errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "body.h"
#include "json.h"
#include "requtil.h"

/* Facts of one request; the request stays alive as long as the facts. */
struct run {
	struct req r;
	struct facts f;
	char err[256];
	int rc;
};

static void run_corpus(struct run *x, const char *method, const char *uri, int nth)
{
	assert_int_equal(req_corpus(&x->r, "tls-alice.jsonl", method, uri, nth), 0);
	x->rc = body_facts(&x->r.rq, &x->f, x->err, sizeof(x->err));
}

static void run_body(struct run *x, const char *method, const char *uri, const char *body)
{
	assert_int_equal(req_make(&x->r, "alice", method, uri, body, body ? strlen(body) : 0), 0);
	x->rc = body_facts(&x->r.rq, &x->f, x->err, sizeof(x->err));
}

static void done(struct run *x)
{
	facts_free(&x->f);
	req_free(&x->r);
}

static const char *item(const cJSON *arr, int i)
{
	const cJSON *it = cJSON_GetArrayItem(arr, i);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static void test_body_tables_sorted(void **state)
{
	(void)state;
	assert_true(body_tables_ok());
}

static void test_body_kinds(void **state)
{
	(void)state;
	assert_int_equal(body_kind_of(ACTION_ContainerCreate), BODY_CONTAINER);
	assert_int_equal(body_kind_of(ACTION_ServiceUpdate), BODY_SERVICE);
	assert_int_equal(body_kind_of(ACTION_ExecStart), BODY_NONE);
	assert_int_equal(body_kind_of(ACTION_ContainerStart), BODY_NONE);
	assert_true(body_required(ACTION_ContainerCreate));
	assert_true(body_required(ACTION_ContainerUpdate));
	assert_true(body_required(ACTION_NetworkConnect));
	assert_true(body_required(ACTION_SecretCreate));
	assert_true(body_required(ACTION_PluginSet));
	assert_false(body_required(ACTION_ImageBuild));
	assert_false(body_required(ACTION_ImageCreate));
	assert_false(body_required(ACTION_ExecStart));
}

/* docker run -d --name web ... -m 64m --cpus 0.5 --pids-limit 50 --read-only
 * --cap-drop ALL --cap-add NET_BIND_SERVICE --security-opt no-new-privileges
 * -u 1000:1000 -v /srv/data:/data:ro */
static void test_body_corpus_hardened_create(void **state)
{
	struct run x;

	(void)state;
	run_corpus(&x, "POST", "/v1.41/containers/create?name=web", 0);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.kind, BODY_CONTAINER);
	assert_string_equal(x.f.image, "bb:latest");
	assert_string_equal(x.f.user, "1000:1000");
	assert_string_equal(item(x.f.cap_add, 0), "CAP_NET_BIND_SERVICE");
	assert_string_equal(item(x.f.cap_drop, 0), "ALL");
	assert_string_equal(item(x.f.security_opt, 0), "no-new-privileges");
	assert_string_equal(item(x.f.binds, 0), "/srv/data:/data:ro");
	assert_true(x.f.readonly_rootfs.set && x.f.readonly_rootfs.value);
	assert_false(x.f.privileged.value);
	assert_true(x.f.memory.set);
	assert_int_equal(x.f.memory.value, 67108864);
	assert_int_equal(x.f.nano_cpus.value, 500000000);
	assert_int_equal(x.f.pids_limit.value, 50);
	assert_string_equal(x.f.network_mode, "none");
	assert_null(x.f.masked_paths);		/* null: the defaults */
	assert_string_equal(x.f.log_driver, "");
	assert_int_equal(x.f.nbindings, 0);
	assert_int_equal(x.f.nnets, 0);
	assert_string_equal(x.f.names->privileged, "HostConfig.Privileged");
	done(&x);
}

/* docker create --privileged --network host --pid host -v /var/run/docker.sock:... */
static void test_body_corpus_privileged_create(void **state)
{
	struct run x;

	(void)state;
	run_corpus(&x, "POST", "/v1.41/containers/create?name=priv", 0);
	assert_int_equal(x.rc, 0);
	assert_true(x.f.privileged.value);
	assert_string_equal(x.f.network_mode, "host");
	assert_string_equal(x.f.pid_mode, "host");
	assert_string_equal(item(x.f.binds, 0), "/var/run/docker.sock:/var/run/docker.sock");
	assert_null(x.f.cap_add);		/* "CapAdd": null */
	assert_false(x.f.pids_limit.set && x.f.pids_limit.value > 0);
	done(&x);
}

/* docker create --name bad with every opt-out at once */
static void test_body_corpus_bad_create(void **state)
{
	struct run x;

	(void)state;
	run_corpus(&x, "POST", "/v1.41/containers/create?name=bad", 0);
	assert_int_equal(x.rc, 0);
	assert_string_equal(item(x.f.cap_add, 0), "ALL");
	assert_string_equal(item(x.f.cap_add, 1), "CAP_SYS_ADMIN");
	assert_string_equal(item(x.f.security_opt, 0), "seccomp=unconfined");
	assert_string_equal(item(x.f.security_opt, 1), "apparmor=unconfined");
	assert_string_equal(item(x.f.security_opt, 2), "label=disable");
	assert_int_equal(x.f.ndevices, 1);
	assert_string_equal(x.f.devices[0], "/dev/null");
	assert_string_equal(x.f.sysctls->child->string, "net.ipv4.ip_forward");
	assert_string_equal(x.f.ipc_mode, "host");
	assert_string_equal(x.f.uts_mode, "host");
	assert_string_equal(x.f.userns_mode, "host");
	assert_string_equal(x.f.cgroupns_mode, "host");
	assert_string_equal(x.f.cgroup_parent, "/evil");
	assert_true(x.f.oom_kill_disable.value);
	assert_string_equal(x.f.runtime, "runc");
	assert_string_equal(item(x.f.volumes_from, 0), "web2");
	assert_string_equal(x.f.network_mode, "container:xyz");
	done(&x);
}

/* -p 127.0.0.1:8080:80 -p 443:443/tcp -P --log-driver json-file */
static void test_body_corpus_ports_create(void **state)
{
	struct run x;
	size_t i;
	int seen = 0;

	(void)state;
	run_corpus(&x, "POST", "/v1.41/containers/create?name=ports", 0);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.nbindings, 2);
	for (i = 0; i < x.f.nbindings; i++) {
		const struct fact_binding *b = &x.f.bindings[i];

		if (strcmp(b->port, "443/tcp") == 0) {
			assert_string_equal(b->host_ip, "");
			assert_string_equal(b->host_port, "443");
			seen |= 1;
		} else {
			assert_string_equal(b->port, "80/tcp");
			assert_string_equal(b->host_ip, "127.0.0.1");
			assert_string_equal(b->host_port, "8080");
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
	assert_true(x.f.publish_all.value);
	assert_string_equal(x.f.log_driver, "json-file");
	assert_int_equal(x.f.nnets, 1);
	assert_string_equal(x.f.nets[0].name, "default");
	assert_string_equal(x.f.network_mode, "default");
	done(&x);
}

/* --mount type=bind,src=/etc,dst=/host-etc,readonly --mount type=tmpfs,dst=/tmp */
static void test_body_corpus_mounts(void **state)
{
	struct run x;

	(void)state;
	/* the first create of this URI is "run --rm ... /bin/true", the second the mounts */
	run_corpus(&x, "POST", "/v1.41/containers/create", 1);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.nmounts, 2);
	assert_string_equal(x.f.mounts[0].type, "bind");
	assert_string_equal(x.f.mounts[0].source, "/etc");
	assert_true(x.f.mounts[0].read_only);
	assert_string_equal(x.f.mounts[1].type, "tmpfs");
	assert_null(x.f.mounts[1].source);
	done(&x);

	/* --mount type=volume,src=evil2,...,volume-opt=type=none,o=bind,device=/etc */
	run_corpus(&x, "POST", "/v1.41/containers/create", 3);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.nmounts, 1);
	assert_string_equal(x.f.mounts[0].type, "volume");
	assert_string_equal(x.f.mounts[0].source, "evil2");
	assert_true(x.f.mounts[0].driver_config);
	assert_string_equal(x.f.mounts[0].driver, "local");
	assert_string_equal(json_get(x.f.mounts[0].driver_opts, "device")->valuestring, "/etc");
	done(&x);

	/* -v evil:/x: a named volume */
	run_corpus(&x, "POST", "/v1.41/containers/create", 2);
	assert_int_equal(x.rc, 0);
	assert_string_equal(item(x.f.binds, 0), "evil:/x");
	done(&x);
}

/*
 * The facts' arrays come from the tree's arena while it has room, and from
 * calloc when it has not (and always in the sanitizer builds). N mounts of
 * one type and N devices: a few fit, thousands of "{}" (2 bytes of text, a
 * 64-byte node each) overflow the arena, so both ways are read, and freed by
 * facts_free without a leak or a bad free (valgrind and ASan runs).
 */
static void many_items(size_t n, bool in_arena)
{
	size_t len = 64 + n * 40, i, k = 0;
	char *body = malloc(len);
	struct run x;

	assert_non_null(body);
	k += (size_t)snprintf(body + k, len - k, "{\"HostConfig\":{\"Mounts\":[");
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(body + k, len - k, "%s{\"Type\":\"tmpfs\"}", i ? "," : "");
	k += (size_t)snprintf(body + k, len - k, "],\"Devices\":[");
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(body + k, len - k, "%s{}", i ? "," : "");
	snprintf(body + k, len - k, "]}}");
	run_body(&x, "POST", "/v1.41/containers/create", body);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.nmounts, n);
	assert_int_equal(x.f.ndevices, n);
	/* the sanitizer builds have no arena: everything is calloc'd there */
	assert_int_equal(json_arena_holds(x.f.arena, x.f.mounts), in_arena && x.f.arena);
	assert_int_equal(json_arena_holds(x.f.arena, x.f.devices), in_arena && x.f.arena);
	for (i = 0; i < n; i++) {
		assert_string_equal(x.f.mounts[i].type, "tmpfs");
		assert_null(x.f.mounts[i].source);
		assert_false(x.f.mounts[i].read_only);
		assert_string_equal(x.f.devices[i], "");
	}
	done(&x);
	free(body);
}

static void test_body_arrays_in_arena_or_not(void **state)
{
	(void)state;
	many_items(0, true);
	many_items(3, true);
	many_items(5000, false);
}

static void test_body_corpus_exec(void **state)
{
	struct run x;

	(void)state;
	run_corpus(&x, "POST", "/v1.41/containers/web/exec", 1);	/* exec -u root --privileged */
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.kind, BODY_EXEC);
	assert_true(x.f.privileged.value);
	assert_string_equal(x.f.user, "root");
	assert_string_equal(x.f.names->privileged, "Privileged");
	done(&x);

	run_corpus(&x, "POST", "/v1.41/containers/web/exec", 0);	/* exec web id */
	assert_int_equal(x.rc, 0);
	assert_false(x.f.privileged.value);
	assert_string_equal(x.f.user, "");
	done(&x);
}

static void test_body_corpus_volume_network_update_service(void **state)
{
	struct run x;

	(void)state;
	run_corpus(&x, "POST", "/v1.41/volumes/create", 0);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.kind, BODY_VOLUME);
	assert_string_equal(x.f.name, "evil");
	assert_string_equal(x.f.driver, "local");
	assert_string_equal(json_get(x.f.driver_opts, "o")->valuestring, "bind");
	done(&x);

	run_corpus(&x, "POST", "/v1.41/networks/create", 0);
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.f.name, "tenant-a");
	assert_string_equal(x.f.driver, "bridge");
	assert_true(x.f.internal.value);
	done(&x);

	run_corpus(&x, "POST", "/v1.41/containers/web/update", 0);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.kind, BODY_UPDATE);
	assert_int_equal(x.f.memory.value, 134217728);
	assert_int_equal(x.f.pids_limit.value, 100);
	assert_true(x.f.nano_cpus.set);
	assert_int_equal(x.f.nano_cpus.value, 0);
	assert_string_equal(x.f.names->memory, "Memory");
	done(&x);

	run_corpus(&x, "POST", "/v1.41/services/create", 0);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.kind, BODY_SERVICE);
	assert_string_equal(x.f.image, "bb:latest");
	assert_string_equal(item(x.f.cap_add, 0), "CAP_SYS_ADMIN");
	assert_int_equal(x.f.nmounts, 1);
	assert_string_equal(x.f.mounts[0].type, "bind");
	assert_string_equal(x.f.mounts[0].source, "/etc");
	assert_string_equal(x.f.names->mounts, "TaskTemplate.ContainerSpec.Mounts");
	assert_false(x.f.memory.set);
	done(&x);

	/* exec start carries no configuration */
	run_body(&x, "POST", "/v1.41/exec/64fdc1386dae/start", "{\"Detach\":false,\"Tty\":false}");
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.kind, BODY_NONE);
	done(&x);
}

/* Every spelling Go's decoder maps onto a field is read as that field. */
static void test_body_go_spellings(void **state)
{
	struct run x;

	(void)state;
	run_body(&x, "POST", "/containers/create", "{\"hostconfig\":{\"privileged\":true}}");
	assert_int_equal(x.rc, 0);
	assert_true(x.f.privileged.value);
	done(&x);

	run_body(&x, "POST", "/containers/create", "{\"HostConfig\":{\"\\u0050rivileged\":true}}");
	assert_int_equal(x.rc, 0);
	assert_true(x.f.privileged.value);
	done(&x);

	run_body(&x, "POST", "/containers/create", "{\"HostConfig\":{\"Bind\xc5\xbf\":[\"/etc:/h\"]}}");
	assert_int_equal(x.rc, 0);
	assert_string_equal(item(x.f.binds, 0), "/etc:/h");
	done(&x);

	run_body(&x, "POST", "/containers/create", "{\"HostConfig\":{\"Networ\xe2\x84\xaaMode\":\"host\"}}");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.f.network_mode, "host");
	done(&x);

	/* the Resources embedded in HostConfig, Config embedded at the top */
	run_body(&x, "POST", "/containers/create",
		 "{\"IMAGE\":\"bb\",\"uSeR\":\"0\",\"HostConfig\":{\"PIDSLIMIT\":5,\"devices\":"
		 "[{\"pathonhost\":\"/dev/fuse\"}],\"Resources\":{\"Memory\":1}}}");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.f.image, "bb");
	assert_string_equal(x.f.user, "0");
	assert_int_equal(x.f.pids_limit.value, 5);
	assert_string_equal(x.f.devices[0], "/dev/fuse");
	assert_false(x.f.memory.set);	/* no field is named Resources */
	done(&x);
}

/* Keys Go would merge or let the last one win are refused as ambiguous. */
static void test_body_ambiguous_refused(void **state)
{
	static const char *const bodies[] = {
		"{\"HostConfig\":{\"Privileged\":false,\"privileged\":true}}",
		"{\"HostConfig\":{\"Privileged\":false},\"HostConfig\":{\"Privileged\":true}}",
		"{\"HostConfig\":{\"Binds\":[],\"Bind\xc5\xbf\":[\"/etc:/h\"]}}",
		"{\"HostConfig\":{\"Privileged\":true}} x",
		"{\"HostConfig\":{\"Privileged\":true}}}",
		"{\"User\":\"a\\u0000b\"}",
		"{\"User\":\"\xff\"}",
		/* in members no table names, which the guided reader leaves out */
		"{\"Env\":null,\"env\":[]}",
		"{\"HostConfig\":{\"Dns\":[],\"DNS\":null}}",
		"{\"Cmd\":[\"\xff\"]}",
		"{\"HostConfig\":{\"RestartPolicy\":{\"Name\":\"no\",\"name\":\"always\"}}}",
		"{\"HostConfig\":{\"Privileged\":false,\"ShmSize\":01}}",
	};
	struct run x;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		run_body(&x, "POST", "/containers/create", bodies[i]);
		if (x.rc != -1)
			fail_msg("accepted: %s", bodies[i]);
		assert_non_null(strstr(x.err, "not JSON that dockerd reads unambiguously"));
		done(&x);
	}
}

static void test_body_types(void **state)
{
	static const struct {
		const char *body, *err;
	} cases[] = {
		{ "{\"HostConfig\":{\"Privileged\":\"true\"}}",
		  "HostConfig.Privileged must be a boolean (dockerd would refuse the request)" },
		{ "{\"HostConfig\":{\"Memory\":1.5}}", "HostConfig.Memory must be an integer" },
		{ "{\"HostConfig\":{\"CapAdd\":\"SYS_ADMIN\"}}", "HostConfig.CapAdd must be an array of strings" },
		{ "{\"HostConfig\":{\"CapAdd\":[1]}}", "HostConfig.CapAdd must be an array of strings" },
		{ "{\"HostConfig\":{\"Sysctls\":{\"a\":1}}}", "HostConfig.Sysctls must be an object of strings" },
		{ "{\"HostConfig\":[]}", "HostConfig must be an object" },
		{ "{\"HostConfig\":{\"Mounts\":[{},{\"ReadOnly\":\"yes\"}]}}",
		  "HostConfig.Mounts[1].ReadOnly must be a boolean" },
		{ "{\"HostConfig\":{\"Mounts\":[{\"VolumeOptions\":{\"DriverConfig\":{\"Options\":[]}}}]}}",
		  "HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options must be an object of strings" },
		{ "{\"HostConfig\":{\"Mounts\":[\"x\"]}}", "HostConfig.Mounts[0] must be an object" },
		{ "{\"HostConfig\":{\"PortBindings\":{\"80/tcp\":{}}}}",
		  "HostConfig.PortBindings[80/tcp] must be an array" },
		{ "{\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":80}]}}}",
		  "HostConfig.PortBindings[80/tcp].HostPort must be a string" },
		{ "{\"NetworkingConfig\":{\"EndpointsConfig\":{\"n\":{\"DriverOpts\":[]}}}}",
		  "NetworkingConfig.EndpointsConfig[n].DriverOpts must be an object of strings" },
		{ "[]", "the body must be a JSON object" },
		{ "\"x\"", "the body must be a JSON object" },
	};
	struct run x;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_body(&x, "POST", "/containers/create", cases[i].body);
		if (x.rc != -1 || strncmp(x.err, cases[i].err, strlen(cases[i].err)) != 0)
			fail_msg("%s: rc %d, \"%s\"", cases[i].body, x.rc, x.err);
		done(&x);
	}
}

/* null is Go's zero value; [] is not null. */
static void test_body_null_and_empty(void **state)
{
	struct run x;

	(void)state;
	run_body(&x, "POST", "/containers/create",
		 "{\"HostConfig\":{\"Privileged\":null,\"MaskedPaths\":[],\"ReadonlyPaths\":null,"
		 "\"PidsLimit\":null,\"PortBindings\":{\"80/tcp\":[],\"81/tcp\":null,\"82/tcp\":[null]}}}");
	assert_int_equal(x.rc, 0);
	assert_false(x.f.privileged.set);
	assert_non_null(x.f.masked_paths);
	assert_null(x.f.masked_paths->child);
	assert_null(x.f.readonly_paths);
	assert_false(x.f.pids_limit.set);
	/* dockerd back-fills empty binding lists with one default binding */
	assert_int_equal(x.f.nbindings, 3);
	assert_string_equal(x.f.bindings[0].host_ip, "");
	assert_string_equal(x.f.bindings[1].host_port, "");
	assert_string_equal(x.f.bindings[2].host_port, "");
	done(&x);

	run_body(&x, "POST", "/containers/create", "null");
	assert_int_equal(x.rc, 0);
	assert_null(x.f.image);
	done(&x);

	run_body(&x, "POST", "/containers/create", "{\"HostConfig\":null}");
	assert_int_equal(x.rc, 0);
	done(&x);
}

static void test_body_missing_or_large(void **state)
{
	struct run x;
	char *big;

	(void)state;
	run_body(&x, "POST", "/v1.41/containers/create", NULL);
	assert_int_equal(x.rc, -1);
	assert_string_equal(x.err, "the request has no body, which ContainerCreate needs (dockerd "
			    "does not forward chunked or large bodies on some versions)");
	done(&x);

	run_body(&x, "POST", "/v1.41/containers/web/update", "");
	assert_int_equal(x.rc, -1);
	done(&x);

	run_body(&x, "POST", "/v1.41/secrets/create", NULL);
	assert_int_equal(x.rc, -1);
	done(&x);

	run_body(&x, "POST", "/v1.41/containers/create", "{\"HostConfig\":");
	assert_int_equal(x.rc, -1);
	done(&x);

	/* 2 MiB of whitespace around a privileged create */
	big = malloc(2 * BODY_MAX);
	assert_non_null(big);
	memset(big, ' ', 2 * BODY_MAX - 1);
	big[2 * BODY_MAX - 1] = '\0';
	memcpy(big, "{\"HostConfig\":{\"Privileged\":true}}", 34);
	run_body(&x, "POST", "/v1.41/containers/create", big);
	assert_int_equal(x.rc, -1);
	assert_string_equal(x.err, "the body is 2097151 bytes; 1 MiB or more is refused (dockerd "
			    "before 29.3.1 does not forward such bodies)");
	done(&x);
	free(big);

	/* actions without a body never need one */
	run_body(&x, "POST", "/v1.41/containers/web/start", NULL);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.kind, BODY_NONE);
	done(&x);

	/* plugin bodies are arrays: any JSON will do */
	run_body(&x, "POST", "/v1.41/plugins/x/set", "[\"a=b\"]");
	assert_int_equal(x.rc, 0);
	done(&x);
}

static void test_body_queries(void **state)
{
	struct run x;

	(void)state;
	run_body(&x, "POST", "/v1.41/build?t=x&networkmode=host&networkmode=none&cgroupparent=/evil",
		 NULL);
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.kind, BODY_BUILD);
	assert_string_equal(x.f.network_mode, "host");	/* the first value wins */
	assert_string_equal(x.f.cgroup_parent, "/evil");
	done(&x);

	run_body(&x, "POST", "/v1.41/images/create?fromImage=busybox&tag=1.36", NULL);
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.f.image, "busybox");
	assert_string_equal(x.f.tag, "1.36");
	done(&x);
}

static void test_body_connect_and_service(void **state)
{
	struct run x;

	(void)state;
	run_body(&x, "POST", "/v1.41/networks/bob%2Dnet/connect", "null");
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.nnets, 1);
	assert_string_equal(x.f.nets[0].name, "bob-net");
	done(&x);

	run_body(&x, "POST", "/v1.41/networks/n/connect",
		 "{\"Container\":\"c\",\"EndpointConfig\":{\"DriverOpts\":{\"k\":\"v\"}}}");
	assert_int_equal(x.rc, 0);
	assert_string_equal(json_get(x.f.nets[0].driver_opts, "k")->valuestring, "v");
	done(&x);

	run_body(&x, "POST", "/v1.41/services/create",
		 "{\"Networks\":[{\"Target\":\"old\"}],\"TaskTemplate\":{\"Networks\":[{\"Target\":\"host\"}],"
		 "\"Resources\":{\"Limits\":{\"MemoryBytes\":1048576,\"Pids\":10}},\"LogDriver\":{\"Name\":\"syslog\"},"
		 "\"ContainerSpec\":{\"User\":\"0\",\"ReadOnly\":true,\"Privileges\":{\"NoNewPrivileges\":true,"
		 "\"Seccomp\":{\"Mode\":\"unconfined\"}}}},\"EndpointSpec\":{\"Ports\":[{\"TargetPort\":80,"
		 "\"PublishedPort\":8080}]}}");
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.f.nnets, 2);
	assert_string_equal(x.f.nets[0].name, "host");
	assert_false(x.f.nets[0].legacy);
	assert_string_equal(x.f.nets[1].name, "old");
	assert_true(x.f.nets[1].legacy);
	assert_int_equal(x.f.memory.value, 1048576);
	assert_int_equal(x.f.pids_limit.value, 10);
	assert_string_equal(x.f.log_driver, "syslog");
	assert_string_equal(x.f.user, "0");
	assert_true(x.f.readonly_rootfs.value);
	assert_true(x.f.priv.set);
	assert_true(x.f.priv.no_new_privileges.value);
	assert_string_equal(x.f.priv.seccomp_mode, "unconfined");
	assert_int_equal(x.f.nsports, 1);
	assert_int_equal(x.f.sports[0].published, 8080);
	done(&x);

	run_body(&x, "POST", "/v1.41/services/create",
		 "{\"EndpointSpec\":{\"Ports\":[{\"PublishedPort\":-1}]}}");
	assert_int_equal(x.rc, -1);
	assert_string_equal(x.err, "EndpointSpec.Ports[0].PublishedPort must be a uint32 (dockerd "
			    "would refuse the request)");
	done(&x);

	run_body(&x, "POST", "/v1.41/services/create",
		 "{\"TaskTemplate\":{\"ContainerSpec\":{\"Privileges\":{\"Seccomp\":{\"Profile\":\"!!\"}}}}}");
	assert_int_equal(x.rc, -1);
	done(&x);
}

/*
 * A create's body is read under guides (only the members the tables name
 * are built); a body whose top object has a key with an escape is read
 * whole and scanned. Both must give the same facts, and the same error.
 */
static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static void add_json(char *buf, size_t len, const char *name, const cJSON *v)
{
	char *text = v ? cJSON_PrintUnformatted(v) : NULL;

	add(buf, len, "%s=%s;", name, text ? text : "-");
	free(text);
}

static void add_int(char *buf, size_t len, const char *name, struct fact_int v)
{
	add(buf, len, "%s=%d:%lld;", name, v.set, v.value);
}

#define S(v) ((v) ? (v) : "-")

static void container_facts(const struct run *x, char *buf, size_t len)
{
	const struct facts *f = &x->f;
	size_t i;

	buf[0] = '\0';
	add(buf, len, "rc=%d err=%s;", x->rc, x->rc ? x->err : "");
	if (x->rc)
		return;
	add(buf, len, "%s %s %d%d %d%d %d%d %d%d;", S(f->image), S(f->user), f->privileged.set,
	    f->privileged.value, f->readonly_rootfs.set, f->readonly_rootfs.value,
	    f->publish_all.set, f->publish_all.value, f->oom_kill_disable.set,
	    f->oom_kill_disable.value);
	add_json(buf, len, "capadd", f->cap_add);
	add_json(buf, len, "capdrop", f->cap_drop);
	add_json(buf, len, "secopt", f->security_opt);
	add_json(buf, len, "masked", f->masked_paths);
	add_json(buf, len, "ro", f->readonly_paths);
	add(buf, len, "%s %s %s %s %s %s;", S(f->network_mode), S(f->pid_mode), S(f->ipc_mode),
	    S(f->uts_mode), S(f->userns_mode), S(f->cgroupns_mode));
	add(buf, len, "%s %s %s %s %s %s;", S(f->cgroup), S(f->volume_driver), S(f->log_driver),
	    S(f->runtime), S(f->cgroup_parent), S(f->names->image));
	add_json(buf, len, "from", f->volumes_from);
	add_json(buf, len, "binds", f->binds);
	add_json(buf, len, "cgrules", f->device_cgroup_rules);
	add_json(buf, len, "sysctls", f->sysctls);
	add_int(buf, len, "mem", f->memory);
	add_int(buf, len, "cpus", f->nano_cpus);
	add_int(buf, len, "quota", f->cpu_quota);
	add_int(buf, len, "period", f->cpu_period);
	add_int(buf, len, "pids", f->pids_limit);
	for (i = 0; i < f->nmounts; i++) {
		add(buf, len, "mount %s %s %s %d %d %s;", S(f->mounts[i].type),
		    S(f->mounts[i].source), S(f->mounts[i].propagation), f->mounts[i].read_only,
		    f->mounts[i].driver_config, S(f->mounts[i].driver));
		add_json(buf, len, "opts", f->mounts[i].driver_opts);
	}
	for (i = 0; i < f->ndevices; i++)
		add(buf, len, "dev %s;", f->devices[i]);
	add(buf, len, "requests %zu;", f->ndevice_requests);
	for (i = 0; i < f->nbindings; i++)
		add(buf, len, "bind %s %zu %s %s;", f->bindings[i].port, f->bindings[i].index,
		    f->bindings[i].host_ip, f->bindings[i].host_port);
	for (i = 0; i < f->nnets; i++) {
		add(buf, len, "net %s;", f->nets[i].name);
		add_json(buf, len, "opts", f->nets[i].driver_opts);
	}
	add_json(buf, len, "labels", json_get_fold(f->root, "Labels"));
}

/* BODY's facts read guided, and read whole: the same. */
static void guided_as_whole(const char *uri, const char *body)
{
	static char a[16384], b[16384];
	char *whole = malloc(strlen(body) + 16);
	struct run x, y;

	assert_non_null(whole);
	assert_true(body[0] == '{');
	/* "\u007a" is "z", a key no table names: no fact changes, but its
	 * escape makes the guided reader give up and the whole tree be read */
	sprintf(whole, "{\"\\u007a\":0%s%s", body[1] == '}' ? "" : ",", body + 1);
	run_body(&x, "POST", uri, body);
	run_body(&y, "POST", uri, whole);
	container_facts(&x, a, sizeof(a));
	container_facts(&y, b, sizeof(b));
	assert_string_equal(a, b);
	done(&x);
	done(&y);
	free(whole);
}

static void corpus_create(const char *line, size_t len, void *ctx)
{
	cJSON *o = cJSON_ParseWithLength(line, len);
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(o, "request");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(rq, "RequestUri");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(rq, "RequestBody");
	const cJSON *call = cJSON_GetObjectItemCaseSensitive(o, "call");

	if (cJSON_IsString(call) && strcmp(call->valuestring, "AuthZReq") == 0 &&
	    cJSON_IsString(u) && strstr(u->valuestring, "/containers/create") &&
	    cJSON_IsString(b) && b->valuestring[0]) {
		size_t n = strlen(b->valuestring);
		char *body = malloc(base64_decoded_max(n) + 1);
		long k;

		assert_non_null(body);
		k = base64_decode(b->valuestring, n, (unsigned char *)body);
		assert_true(k > 0);
		body[k] = '\0';
		guided_as_whole(u->valuestring, body);
		free(body);
		(*(size_t *)ctx)++;
	}
	cJSON_Delete(o);
}

static void test_body_guided_as_whole(void **state)
{
	static const char *const bodies[] = {
		"{}",
		"{\"HostConfig\":null}",
		"{\"hostconfig\":{\"privileged\":true,\"Dns\":[\"1.1.1.1\"]},\"Env\":[\"A=b\"]}",
		"{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":\"yes\"}}",
		"{\"HostConfig\":{\"CapAdd\":[1],\"Privileged\":\"yes\"}}",
		"{\"HostConfig\":5}",
		"{\"HostConfig\":{\"Binds\":[\"/:/h\"],\"LogConfig\":{\"Type\":\"none\"}},"
		"\"Labels\":{\"io.portcullis.owner\":\"alice\"},\"User\":null}",
		"{\"Labels\":7,\"NetworkingConfig\":{\"EndpointsConfig\":{\"n\":{}}}}",
	};
	size_t i, creates = 0;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		guided_as_whole("/v1.41/containers/create", bodies[i]);
	assert_true(corpus_each(corpus_create, &creates) > 100);
	assert_true(creates >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_tables_sorted),
		cmocka_unit_test(test_body_kinds),
		cmocka_unit_test(test_body_guided_as_whole),
		cmocka_unit_test(test_body_corpus_hardened_create),
		cmocka_unit_test(test_body_corpus_privileged_create),
		cmocka_unit_test(test_body_corpus_bad_create),
		cmocka_unit_test(test_body_corpus_ports_create),
		cmocka_unit_test(test_body_corpus_mounts),
		cmocka_unit_test(test_body_arrays_in_arena_or_not),
		cmocka_unit_test(test_body_corpus_exec),
		cmocka_unit_test(test_body_corpus_volume_network_update_service),
		cmocka_unit_test(test_body_go_spellings),
		cmocka_unit_test(test_body_ambiguous_refused),
		cmocka_unit_test(test_body_types),
		cmocka_unit_test(test_body_null_and_empty),
		cmocka_unit_test(test_body_missing_or_large),
		cmocka_unit_test(test_body_queries),
		cmocka_unit_test(test_body_connect_and_service),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
