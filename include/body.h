/* SPDX-License-Identifier: Apache-2.0 */
/*
 * body.h - what a request would configure ("facts"), read from its JSON body
 * and query exactly as dockerd reads them (spec/constraints.md, "Facts").
 *
 * One strict parse per request; every fact is typed and validated, and points
 * into the parsed tree, which struct facts owns. A field that is absent or
 * JSON null is NULL / unset (Go's zero value); an empty array is not NULL
 * ("MaskedPaths": [] unmasks everything, null keeps the defaults).
 */
#ifndef PORTCULLIS_BODY_H
#define PORTCULLIS_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "action.h"
#include "request.h"

/* Bodies of this size or more are refused: dockerd before 29.3.1 does not
 * forward them to plugins at all, so no client can rely on them. */
#define BODY_MAX (1024 * 1024)

enum body_kind {
	BODY_NONE = 0,		/* the action carries nothing a profile constrains */
	BODY_CONTAINER,		/* ContainerCreate: Config (top level), HostConfig, NetworkingConfig */
	BODY_EXEC,		/* ContainerExec */
	BODY_UPDATE,		/* ContainerUpdate: Resources (top level) */
	BODY_SERVICE,		/* ServiceCreate, ServiceUpdate: a ServiceSpec */
	BODY_VOLUME,		/* VolumeCreate */
	BODY_NETWORK,		/* NetworkCreate */
	BODY_CONNECT,		/* NetworkConnect: the network is the path's object */
	BODY_BUILD,		/* ImageBuild: query networkmode, cgroupparent */
	BODY_PULL,		/* ImageCreate: query fromImage, tag */
	BODY_OPAQUE,		/* a JSON body is required but carries no facts (SecretCreate...) */
};

/* Which body an action carries, and whether it must be present. */
enum body_kind body_kind_of(enum action a);
bool body_required(enum action a);

struct fact_bool {
	bool set;			/* present and not null */
	bool value;
};

struct fact_int {
	bool set;			/* present and not null */
	long long value;
};

/* One Mounts[] entry (HostConfig.Mounts, TaskTemplate.ContainerSpec.Mounts). */
struct fact_mount {
	const char *type;		/* as sent (dockerd compares case-sensitively), NULL if absent */
	const char *source;		/* NULL if absent */
	const char *propagation;	/* BindOptions.Propagation, NULL if absent */
	bool read_only;
	bool driver_config;		/* VolumeOptions.DriverConfig present */
	const char *driver;		/* VolumeOptions.DriverConfig.Name, NULL if absent */
	const cJSON *driver_opts;	/* VolumeOptions.DriverConfig.Options (object of strings), or NULL */
};

/* One host port binding, HostConfig.PortBindings[port][index]. An empty or
 * null list is one binding with both fields "": dockerd back-fills it. */
struct fact_binding {
	const char *port;		/* the map key, "80/tcp" */
	size_t index;
	const char *host_ip;		/* "" means the daemon's default address (all interfaces) */
	const char *host_port;		/* "" means an ephemeral port */
};

/* One EndpointSpec.Ports[] entry of a service. */
struct fact_sport {
	long long published;		/* PublishedPort, 0 = assigned by swarm */
	long long target;		/* TargetPort */
};

/* A network a container or task would join. */
struct fact_net {
	const char *name;		/* EndpointsConfig key, or Networks[].Target */
	size_t index;			/* position in Networks[] (services) */
	bool legacy;			/* services: top-level Networks (API < 1.44) */
	const cJSON *driver_opts;	/* endpoint DriverOpts (object of strings), or NULL */
};

/* How the API spells each field for one kind of body; NULL when the kind has
 * no such field (the constraint does not apply to it). */
struct fact_names {
	const char *image, *user, *privileged, *cap_add, *cap_drop;
	const char *security_opt, *masked_paths, *readonly_paths, *readonly_rootfs;
	const char *network_mode, *pid_mode, *ipc_mode, *uts_mode, *userns_mode;
	const char *cgroupns_mode, *cgroup, *volumes_from;
	const char *binds, *mounts, *volume_driver;
	const char *devices, *device_cgroup_rules, *device_requests;
	const char *port_bindings, *publish_all, *ports;
	const char *memory, *nano_cpus, *cpu_quota, *cpu_period, *pids_limit;
	const char *endpoints, *networks;
	const char *log_driver, *sysctls, *runtime, *cgroup_parent, *oom_kill_disable;
	const char *privileges;		/* services: TaskTemplate.ContainerSpec.Privileges */
	const char *name, *driver, *driver_opts, *internal;	/* volume and network create */
	const char *tag;		/* ImageCreate */
};

struct facts {
	enum body_kind kind;
	const struct fact_names *names;
	cJSON *root;			/* owns every string and object below; of a
					 * container create, holds only what body.c's
					 * tables name (Labels included, for owner.c) */
	struct json_arena *arena;	/* holds root's tree (json_parse_strict_arena) */

	/* the process */
	const char *image, *user;	/* NULL when absent or null */
	struct fact_bool privileged, readonly_rootfs, publish_all, oom_kill_disable;
	const cJSON *cap_add, *cap_drop;	/* arrays of strings, or NULL */
	const cJSON *security_opt, *masked_paths, *readonly_paths;
	const char *network_mode, *pid_mode, *ipc_mode, *uts_mode, *userns_mode;
	const char *cgroupns_mode, *cgroup;
	const cJSON *volumes_from;

	/* storage */
	const cJSON *binds;
	const char *volume_driver;
	struct fact_mount *mounts;
	size_t nmounts;

	/* devices */
	const char **devices;		/* Devices[].PathOnHost ("" when absent) */
	size_t ndevices;
	const cJSON *device_cgroup_rules;
	size_t ndevice_requests;

	/* ports and networks */
	struct fact_binding *bindings;
	size_t nbindings;
	struct fact_sport *sports;
	size_t nsports;
	struct fact_net *nets;
	size_t nnets;

	/* resources, limits as the kind spells them */
	struct fact_int memory, nano_cpus, cpu_quota, cpu_period, pids_limit;

	const char *log_driver, *runtime, *cgroup_parent;
	const cJSON *sysctls;		/* object of strings, or NULL */

	/* services */
	struct {
		bool set;		/* ContainerSpec.Privileges present */
		const char *seccomp_mode, *seccomp_profile;	/* profile: base64, validated */
		const char *apparmor_mode;
		struct fact_bool selinux_disable, no_new_privileges;
		const char *selinux_user, *selinux_role, *selinux_type;
	} priv;
	const char *task_runtime;	/* TaskTemplate.Runtime */
	bool plugin_spec;		/* TaskTemplate.PluginSpec present */

	/* volume and network create */
	const char *name, *driver;
	const cJSON *driver_opts;
	struct fact_bool internal;

	/* ImageCreate */
	const char *tag;		/* image holds fromImage */
};

/*
 * body_facts - read what request RQ would configure into F. Returns 0, or -1
 * with the reason in ERR when the body cannot be read as dockerd would read
 * it: required but missing or empty, BODY_MAX or larger, not JSON, ambiguous
 * keys, or a field of the wrong JSON type (dockerd answers 400). F must be
 * released with facts_free whatever the result.
 */
int body_facts(const struct request *rq, struct facts *f, char *err, size_t errlen)
	__attribute__((warn_unused_result));

void facts_free(struct facts *f);

/* The field tables are sorted, folded and slotted as the decoder assumes
 * (run by the unit tests). */
bool body_tables_ok(void);

#endif
