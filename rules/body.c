/* SPDX-License-Identifier: Apache-2.0 */
/*
 * body.c - read what a request would configure ("facts") from its JSON body,
 * or its query for builds and pulls, exactly as dockerd will read it.
 *
 * dockerd decodes every body with Go's encoding/json into typed structs
 * (runconfig.DecodeCreateRequest, httputils.ReadJSON). We parse once with
 * json_parse_strict, which already refuses what Go could read differently
 * (two keys equal under Go's folding, invalid UTF-8, trailing data), then
 * walk each object we care about once: every key is folded as Go folds it
 * and looked up in a sorted table of that struct's fields. So a field is read
 * under every spelling Go accepts ("hostconfig", "\u0050rivileged", "Bind\u017f",
 * "NetworKMode" with U+212A) and under no other, and large objects cost one
 * pass, not one scan per field.
 *
 * Invariants (each is a test):
 *   - a body the endpoint needs is never optional: absent, empty, BODY_MAX or
 *     larger, or not JSON is an error, since dockerd may have hidden it
 *     (chunked or >= 1 MiB bodies are not forwarded by older engines);
 *   - a field of the wrong JSON type is an error (dockerd answers 400);
 *   - null is Go's zero value (absent); an empty array is not null;
 *   - embedded structs are flattened as Go flattens them: container
 *     Config fields are top level, Resources fields sit in HostConfig.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "body.h"
#include "json.h"
#include "keyword.h"

/* ---------------------------------------------------------------- actions */

enum body_kind body_kind_of(enum action a)
{
	switch (a) {
	case ACTION_ContainerCreate:
		return BODY_CONTAINER;
	case ACTION_ContainerExec:
		return BODY_EXEC;
	case ACTION_ContainerUpdate:
		return BODY_UPDATE;
	case ACTION_ServiceCreate:
	case ACTION_ServiceUpdate:
		return BODY_SERVICE;
	case ACTION_VolumeCreate:
		return BODY_VOLUME;
	case ACTION_NetworkCreate:
		return BODY_NETWORK;
	case ACTION_NetworkConnect:
		return BODY_CONNECT;
	case ACTION_ImageBuild:
		return BODY_BUILD;
	case ACTION_ImageCreate:
		return BODY_PULL;
	case ACTION_PluginPull:
	case ACTION_PluginUpgrade:
	case ACTION_PluginSet:
	case ACTION_SwarmInit:
	case ACTION_SwarmJoin:
	case ACTION_SwarmUpdate:
	case ACTION_SecretCreate:
	case ACTION_ConfigCreate:
		return BODY_OPAQUE;
	default:
		return BODY_NONE;
	}
}

bool body_required(enum action a)
{
	switch (body_kind_of(a)) {
	case BODY_NONE:
	case BODY_BUILD:	/* the body is a build context (tar), the facts are in the query */
	case BODY_PULL:		/* the body, if any, is an image tarball to import */
		return false;
	default:
		return true;
	}
}

/* ---------------------------------------------------------------- field names */

static const struct fact_names container_names = {
	.image = "Image",
	.user = "User",
	.privileged = "HostConfig.Privileged",
	.cap_add = "HostConfig.CapAdd",
	.cap_drop = "HostConfig.CapDrop",
	.security_opt = "HostConfig.SecurityOpt",
	.masked_paths = "HostConfig.MaskedPaths",
	.readonly_paths = "HostConfig.ReadonlyPaths",
	.readonly_rootfs = "HostConfig.ReadonlyRootfs",
	.network_mode = "HostConfig.NetworkMode",
	.pid_mode = "HostConfig.PidMode",
	.ipc_mode = "HostConfig.IpcMode",
	.uts_mode = "HostConfig.UTSMode",
	.userns_mode = "HostConfig.UsernsMode",
	.cgroupns_mode = "HostConfig.CgroupnsMode",
	.cgroup = "HostConfig.Cgroup",
	.volumes_from = "HostConfig.VolumesFrom",
	.binds = "HostConfig.Binds",
	.mounts = "HostConfig.Mounts",
	.volume_driver = "HostConfig.VolumeDriver",
	.devices = "HostConfig.Devices",
	.device_cgroup_rules = "HostConfig.DeviceCgroupRules",
	.device_requests = "HostConfig.DeviceRequests",
	.port_bindings = "HostConfig.PortBindings",
	.publish_all = "HostConfig.PublishAllPorts",
	.memory = "HostConfig.Memory",
	.nano_cpus = "HostConfig.NanoCpus",
	.cpu_quota = "HostConfig.CpuQuota",
	.cpu_period = "HostConfig.CpuPeriod",
	.pids_limit = "HostConfig.PidsLimit",
	.endpoints = "NetworkingConfig.EndpointsConfig",
	.log_driver = "HostConfig.LogConfig.Type",
	.sysctls = "HostConfig.Sysctls",
	.runtime = "HostConfig.Runtime",
	.cgroup_parent = "HostConfig.CgroupParent",
	.oom_kill_disable = "HostConfig.OomKillDisable",
};

static const struct fact_names exec_names = {
	.user = "User",
	.privileged = "Privileged",
};

/* UpdateConfig embeds Resources: its fields are top level. dockerd applies
 * only resources and RestartPolicy on update (container.UpdateContainer). */
static const struct fact_names update_names = {
	.memory = "Memory",
	.nano_cpus = "NanoCpus",
	.cpu_quota = "CpuQuota",
	.cpu_period = "CpuPeriod",
	.pids_limit = "PidsLimit",
};

static const struct fact_names service_names = {
	.image = "TaskTemplate.ContainerSpec.Image",
	.user = "TaskTemplate.ContainerSpec.User",
	.cap_add = "TaskTemplate.ContainerSpec.CapabilityAdd",
	.cap_drop = "TaskTemplate.ContainerSpec.CapabilityDrop",
	.readonly_rootfs = "TaskTemplate.ContainerSpec.ReadOnly",
	.mounts = "TaskTemplate.ContainerSpec.Mounts",
	.ports = "EndpointSpec.Ports",
	.memory = "TaskTemplate.Resources.Limits.MemoryBytes",
	.nano_cpus = "TaskTemplate.Resources.Limits.NanoCPUs",
	.pids_limit = "TaskTemplate.Resources.Limits.Pids",
	.networks = "TaskTemplate.Networks",
	.log_driver = "TaskTemplate.LogDriver.Name",
	.sysctls = "TaskTemplate.ContainerSpec.Sysctls",
	.privileges = "TaskTemplate.ContainerSpec.Privileges",
};

static const struct fact_names volume_names = {
	.name = "Name",
	.driver = "Driver",
	.driver_opts = "DriverOpts",
};

static const struct fact_names network_names = {
	.name = "Name",
	.driver = "Driver",
	.internal = "Internal",
};

static const struct fact_names connect_names = {
	.networks = "network",
	.endpoints = "EndpointConfig",
};

/* Query parameters of POST /build (build_routes.go newImageBuildOptions). */
static const struct fact_names build_names = {
	.network_mode = "networkmode",
	.cgroup_parent = "cgroupparent",
};

/* Query parameters of POST /images/create (image_routes.go postImagesCreate). */
static const struct fact_names pull_names = {
	.image = "fromImage",
	.tag = "tag",
};

static const struct fact_names no_names;

static const struct fact_names *names_of(enum body_kind k)
{
	switch (k) {
	case BODY_CONTAINER:
		return &container_names;
	case BODY_EXEC:
		return &exec_names;
	case BODY_UPDATE:
		return &update_names;
	case BODY_SERVICE:
		return &service_names;
	case BODY_VOLUME:
		return &volume_names;
	case BODY_NETWORK:
		return &network_names;
	case BODY_CONNECT:
		return &connect_names;
	case BODY_BUILD:
		return &build_names;
	case BODY_PULL:
		return &pull_names;
	default:
		return &no_names;
	}
}

/* ---------------------------------------------------------------- field tables */

/* The JSON type a Go field accepts (besides null, which means zero). */
enum jtype {
	J_BOOL,		/* bool */
	J_INT,		/* int64: an integral number */
	J_STR,		/* string and string kinds (NetworkMode...) */
	J_STRS,		/* []string */
	J_STRMAP,	/* map[string]string */
	J_OBJ,		/* a struct or *struct */
	J_ARR,		/* a slice of structs, items read separately */
	J_B64,		/* []byte: a base64 string */
	J_ANY,		/* kept in the tree for another reader (owner.c), not checked here */
};

struct field {
	const char *key;	/* the JSON name folded as Go folds it; tables sorted by key */
	const char *name;	/* as the API spells it, for messages */
	unsigned char type;
	unsigned char slot;
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* A key folding to more than this cannot be any field name below. */
#define KEY_MAX 64

/* POST /containers/create: container.CreateRequest, Config embedded.
 * Labels is owner.c's (the owner label), read from the tree. */
enum { CR_HOSTCONFIG, CR_IMAGE, CR_LABELS, CR_NETWORKINGCONFIG, CR_USER, CR_N };
static const struct field create_fields[] = {
	{ "hostconfig", "HostConfig", J_OBJ, CR_HOSTCONFIG },
	{ "image", "Image", J_STR, CR_IMAGE },
	{ "labels", "Labels", J_ANY, CR_LABELS },
	{ "networkingconfig", "NetworkingConfig", J_OBJ, CR_NETWORKINGCONFIG },
	{ "user", "User", J_STR, CR_USER },
};

/* container.HostConfig, Resources embedded. */
enum {
	HC_BINDS, HC_CAPADD, HC_CAPDROP, HC_CGROUP, HC_CGROUPNSMODE, HC_CGROUPPARENT,
	HC_CPUPERIOD, HC_CPUQUOTA, HC_DEVICECGROUPRULES, HC_DEVICEREQUESTS, HC_DEVICES,
	HC_IPCMODE, HC_LOGCONFIG, HC_MASKEDPATHS, HC_MEMORY, HC_MOUNTS, HC_NANOCPUS,
	HC_NETWORKMODE, HC_OOMKILLDISABLE, HC_PIDMODE, HC_PIDSLIMIT, HC_PORTBINDINGS,
	HC_PRIVILEGED, HC_PUBLISHALLPORTS, HC_READONLYPATHS, HC_READONLYROOTFS,
	HC_RUNTIME, HC_SECURITYOPT, HC_SYSCTLS, HC_USERNSMODE, HC_UTSMODE,
	HC_VOLUMEDRIVER, HC_VOLUMESFROM, HC_N
};
static const struct field hostconfig_fields[] = {
	{ "binds", "Binds", J_STRS, HC_BINDS },
	{ "capadd", "CapAdd", J_STRS, HC_CAPADD },
	{ "capdrop", "CapDrop", J_STRS, HC_CAPDROP },
	{ "cgroup", "Cgroup", J_STR, HC_CGROUP },
	{ "cgroupnsmode", "CgroupnsMode", J_STR, HC_CGROUPNSMODE },
	{ "cgroupparent", "CgroupParent", J_STR, HC_CGROUPPARENT },
	{ "cpuperiod", "CpuPeriod", J_INT, HC_CPUPERIOD },
	{ "cpuquota", "CpuQuota", J_INT, HC_CPUQUOTA },
	{ "devicecgrouprules", "DeviceCgroupRules", J_STRS, HC_DEVICECGROUPRULES },
	{ "devicerequests", "DeviceRequests", J_ARR, HC_DEVICEREQUESTS },
	{ "devices", "Devices", J_ARR, HC_DEVICES },
	{ "ipcmode", "IpcMode", J_STR, HC_IPCMODE },
	{ "logconfig", "LogConfig", J_OBJ, HC_LOGCONFIG },
	{ "maskedpaths", "MaskedPaths", J_STRS, HC_MASKEDPATHS },
	{ "memory", "Memory", J_INT, HC_MEMORY },
	{ "mounts", "Mounts", J_ARR, HC_MOUNTS },
	{ "nanocpus", "NanoCpus", J_INT, HC_NANOCPUS },
	{ "networkmode", "NetworkMode", J_STR, HC_NETWORKMODE },
	{ "oomkilldisable", "OomKillDisable", J_BOOL, HC_OOMKILLDISABLE },
	{ "pidmode", "PidMode", J_STR, HC_PIDMODE },
	{ "pidslimit", "PidsLimit", J_INT, HC_PIDSLIMIT },
	{ "portbindings", "PortBindings", J_OBJ, HC_PORTBINDINGS },
	{ "privileged", "Privileged", J_BOOL, HC_PRIVILEGED },
	{ "publishallports", "PublishAllPorts", J_BOOL, HC_PUBLISHALLPORTS },
	{ "readonlypaths", "ReadonlyPaths", J_STRS, HC_READONLYPATHS },
	{ "readonlyrootfs", "ReadonlyRootfs", J_BOOL, HC_READONLYROOTFS },
	{ "runtime", "Runtime", J_STR, HC_RUNTIME },
	{ "securityopt", "SecurityOpt", J_STRS, HC_SECURITYOPT },
	{ "sysctls", "Sysctls", J_STRMAP, HC_SYSCTLS },
	{ "usernsmode", "UsernsMode", J_STR, HC_USERNSMODE },
	{ "utsmode", "UTSMode", J_STR, HC_UTSMODE },
	{ "volumedriver", "VolumeDriver", J_STR, HC_VOLUMEDRIVER },
	{ "volumesfrom", "VolumesFrom", J_STRS, HC_VOLUMESFROM },
};

enum { LC_TYPE, LC_N };
static const struct field logconfig_fields[] = {
	{ "type", "Type", J_STR, LC_TYPE },
};

/* mount.Mount (HostConfig.Mounts, ContainerSpec.Mounts). */
enum { MT_BINDOPTIONS, MT_READONLY, MT_SOURCE, MT_TYPE, MT_VOLUMEOPTIONS, MT_N };
static const struct field mount_fields[] = {
	{ "bindoptions", "BindOptions", J_OBJ, MT_BINDOPTIONS },
	{ "readonly", "ReadOnly", J_BOOL, MT_READONLY },
	{ "source", "Source", J_STR, MT_SOURCE },
	{ "type", "Type", J_STR, MT_TYPE },
	{ "volumeoptions", "VolumeOptions", J_OBJ, MT_VOLUMEOPTIONS },
};

enum { BO_PROPAGATION, BO_N };
static const struct field bindoptions_fields[] = {
	{ "propagation", "Propagation", J_STR, BO_PROPAGATION },
};

enum { VO_DRIVERCONFIG, VO_N };
static const struct field volumeoptions_fields[] = {
	{ "driverconfig", "DriverConfig", J_OBJ, VO_DRIVERCONFIG },
};

enum { DC_NAME, DC_OPTIONS, DC_N };
static const struct field driverconfig_fields[] = {
	{ "name", "Name", J_STR, DC_NAME },
	{ "options", "Options", J_STRMAP, DC_OPTIONS },
};

enum { DV_PATHONHOST, DV_N };
static const struct field device_fields[] = {
	{ "pathonhost", "PathOnHost", J_STR, DV_PATHONHOST },
};

enum { PB_HOSTIP, PB_HOSTPORT, PB_N };
static const struct field binding_fields[] = {
	{ "hostip", "HostIp", J_STR, PB_HOSTIP },
	{ "hostport", "HostPort", J_STR, PB_HOSTPORT },
};

enum { NC_ENDPOINTSCONFIG, NC_N };
static const struct field networkingconfig_fields[] = {
	{ "endpointsconfig", "EndpointsConfig", J_OBJ, NC_ENDPOINTSCONFIG },
};

/* network.EndpointSettings; swarm.NetworkAttachmentConfig adds Target. */
enum { EP_DRIVEROPTS, EP_TARGET, EP_N };
static const struct field endpoint_fields[] = {
	{ "driveropts", "DriverOpts", J_STRMAP, EP_DRIVEROPTS },
};
static const struct field attachment_fields[] = {
	{ "driveropts", "DriverOpts", J_STRMAP, EP_DRIVEROPTS },
	{ "target", "Target", J_STR, EP_TARGET },
};

/* POST /containers/{id}/exec: container.ExecCreateRequest. */
enum { EX_PRIVILEGED, EX_USER, EX_N };
static const struct field exec_fields[] = {
	{ "privileged", "Privileged", J_BOOL, EX_PRIVILEGED },
	{ "user", "User", J_STR, EX_USER },
};

/* POST /containers/{id}/update: container.UpdateConfig, Resources embedded. */
enum { UP_CPUPERIOD, UP_CPUQUOTA, UP_MEMORY, UP_NANOCPUS, UP_PIDSLIMIT, UP_N };
static const struct field update_fields[] = {
	{ "cpuperiod", "CpuPeriod", J_INT, UP_CPUPERIOD },
	{ "cpuquota", "CpuQuota", J_INT, UP_CPUQUOTA },
	{ "memory", "Memory", J_INT, UP_MEMORY },
	{ "nanocpus", "NanoCpus", J_INT, UP_NANOCPUS },
	{ "pidslimit", "PidsLimit", J_INT, UP_PIDSLIMIT },
};

/* POST /services/create, /services/{id}/update: swarm.ServiceSpec plus the
 * legacy top-level Networks (cluster_routes.go serviceWithLegacy). */
enum { SV_ENDPOINTSPEC, SV_NETWORKS, SV_TASKTEMPLATE, SV_N };
static const struct field service_fields[] = {
	{ "endpointspec", "EndpointSpec", J_OBJ, SV_ENDPOINTSPEC },
	{ "networks", "Networks", J_ARR, SV_NETWORKS },
	{ "tasktemplate", "TaskTemplate", J_OBJ, SV_TASKTEMPLATE },
};

enum { TT_CONTAINERSPEC, TT_LOGDRIVER, TT_NETWORKS, TT_PLUGINSPEC, TT_RESOURCES, TT_RUNTIME, TT_N };
static const struct field task_fields[] = {
	{ "containerspec", "ContainerSpec", J_OBJ, TT_CONTAINERSPEC },
	{ "logdriver", "LogDriver", J_OBJ, TT_LOGDRIVER },
	{ "networks", "Networks", J_ARR, TT_NETWORKS },
	{ "pluginspec", "PluginSpec", J_OBJ, TT_PLUGINSPEC },
	{ "resources", "Resources", J_OBJ, TT_RESOURCES },
	{ "runtime", "Runtime", J_STR, TT_RUNTIME },
};

enum { CS_CAPADD, CS_CAPDROP, CS_IMAGE, CS_MOUNTS, CS_PRIVILEGES, CS_READONLY, CS_SYSCTLS, CS_USER, CS_N };
static const struct field cspec_fields[] = {
	{ "capabilityadd", "CapabilityAdd", J_STRS, CS_CAPADD },
	{ "capabilitydrop", "CapabilityDrop", J_STRS, CS_CAPDROP },
	{ "image", "Image", J_STR, CS_IMAGE },
	{ "mounts", "Mounts", J_ARR, CS_MOUNTS },
	{ "privileges", "Privileges", J_OBJ, CS_PRIVILEGES },
	{ "readonly", "ReadOnly", J_BOOL, CS_READONLY },
	{ "sysctls", "Sysctls", J_STRMAP, CS_SYSCTLS },
	{ "user", "User", J_STR, CS_USER },
};

enum { PV_APPARMOR, PV_NONEWPRIVILEGES, PV_SECCOMP, PV_SELINUXCONTEXT, PV_N };
static const struct field privileges_fields[] = {
	{ "apparmor", "AppArmor", J_OBJ, PV_APPARMOR },
	{ "nonewprivileges", "NoNewPrivileges", J_BOOL, PV_NONEWPRIVILEGES },
	{ "seccomp", "Seccomp", J_OBJ, PV_SECCOMP },
	{ "selinuxcontext", "SELinuxContext", J_OBJ, PV_SELINUXCONTEXT },
};

enum { SC_MODE, SC_PROFILE, SC_N };
static const struct field seccomp_fields[] = {
	{ "mode", "Mode", J_STR, SC_MODE },
	{ "profile", "Profile", J_B64, SC_PROFILE },
};

enum { AA_MODE, AA_N };
static const struct field apparmor_fields[] = {
	{ "mode", "Mode", J_STR, AA_MODE },
};

enum { SE_DISABLE, SE_ROLE, SE_TYPE, SE_USER, SE_N };
static const struct field selinux_fields[] = {
	{ "disable", "Disable", J_BOOL, SE_DISABLE },
	{ "role", "Role", J_STR, SE_ROLE },
	{ "type", "Type", J_STR, SE_TYPE },
	{ "user", "User", J_STR, SE_USER },
};

enum { RR_LIMITS, RR_N };
static const struct field requirements_fields[] = {
	{ "limits", "Limits", J_OBJ, RR_LIMITS },
};

enum { LM_MEMORYBYTES, LM_NANOCPUS, LM_PIDS, LM_N };
static const struct field limit_fields[] = {
	{ "memorybytes", "MemoryBytes", J_INT, LM_MEMORYBYTES },
	{ "nanocpus", "NanoCPUs", J_INT, LM_NANOCPUS },
	{ "pids", "Pids", J_INT, LM_PIDS },
};

enum { LD_NAME, LD_N };
static const struct field logdriver_fields[] = {
	{ "name", "Name", J_STR, LD_NAME },
};

enum { ES_PORTS, ES_N };
static const struct field endpointspec_fields[] = {
	{ "ports", "Ports", J_ARR, ES_PORTS },
};

enum { PC_PUBLISHEDPORT, PC_TARGETPORT, PC_N };
static const struct field portconfig_fields[] = {
	{ "publishedport", "PublishedPort", J_INT, PC_PUBLISHEDPORT },
	{ "targetport", "TargetPort", J_INT, PC_TARGETPORT },
};

/* POST /volumes/create: volume.CreateOptions. */
enum { VC_DRIVER, VC_DRIVEROPTS, VC_NAME, VC_N };
static const struct field volume_fields[] = {
	{ "driver", "Driver", J_STR, VC_DRIVER },
	{ "driveropts", "DriverOpts", J_STRMAP, VC_DRIVEROPTS },
	{ "name", "Name", J_STR, VC_NAME },
};

/* POST /networks/create: network.CreateRequest. */
enum { NW_DRIVER, NW_INTERNAL, NW_NAME, NW_N };
static const struct field network_fields[] = {
	{ "driver", "Driver", J_STR, NW_DRIVER },
	{ "internal", "Internal", J_BOOL, NW_INTERNAL },
	{ "name", "Name", J_STR, NW_NAME },
};

/* POST /networks/{id}/connect: network.ConnectRequest. */
enum { CN_ENDPOINTCONFIG, CN_N };
static const struct field connect_fields[] = {
	{ "endpointconfig", "EndpointConfig", J_OBJ, CN_ENDPOINTCONFIG },
};

/* ---------------------------------------------------------------- scanning */

/* Where a value sits, for messages: PARENT ("HostConfig.Mounts"), INDEX
 * (-1 when not in an array), KEY (a map key, or NULL). */
struct where {
	const char *parent;
	long index;
	const char *key;
};

static const struct where top = { "", -1, NULL };

static void where_format(char *buf, size_t len, const struct where *w, const char *name)
{
	int n = snprintf(buf, len, "%s", w->parent);

	if (n < 0 || (size_t)n >= len)
		return;
	if (w->key)
		n += snprintf(buf + n, len - (size_t)n, "[%s]", w->key);
	else if (w->index >= 0)
		n += snprintf(buf + n, len - (size_t)n, "[%ld]", w->index);
	if (name && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s%s", *w->parent || w->key || w->index >= 0 ?
			 "." : "", name);
}

static const char *jtype_name(enum jtype t)
{
	switch (t) {
	case J_BOOL:
		return "a boolean";
	case J_INT:
		return "an integer";
	case J_STR:
		return "a string";
	case J_STRS:
		return "an array of strings";
	case J_STRMAP:
		return "an object of strings";
	case J_OBJ:
		return "an object";
	case J_ARR:
		return "an array";
	case J_B64:
		return "a base64 string";
	case J_ANY:
		return "any value";
	}
	return "?";
}

/* NAME (at W) must be WHAT: the message dockerd's 400 would give, roughly. */
static int type_error(char *err, size_t errlen, const struct where *w, const char *name,
		      const char *what)
{
	char path[192];

	where_format(path, sizeof(path), w, name);
	snprintf(err, errlen, "%s must be %s (dockerd would refuse the request)", path, what);
	return -1;
}

static bool all_strings(const cJSON *v)
{
	const cJSON *it;

	for (it = v->child; it; it = it->next)
		if (!cJSON_IsString(it))
			return false;
	return true;
}

static bool type_ok(const cJSON *v, enum jtype t)
{
	long long n;

	switch (t) {
	case J_BOOL:
		return cJSON_IsBool(v);
	case J_INT:
		return json_int64(v, &n) == 0;
	case J_STR:
		return cJSON_IsString(v);
	case J_STRS:
		/* A null item would be "" to Go: no field we read accepts "", so
		 * refusing it only refuses what dockerd would refuse too. */
		return cJSON_IsArray(v) && all_strings(v);
	case J_STRMAP:
		return cJSON_IsObject(v) && all_strings(v);
	case J_OBJ:
		return cJSON_IsObject(v);
	case J_ARR:
		return cJSON_IsArray(v);
	case J_B64:
		return cJSON_IsString(v) &&
		       base64_decode(v->valuestring, strlen(v->valuestring), NULL) >= 0;
	case J_ANY:
		return true;
	}
	return false;
}

/*
 * A field table with an index by key hash, built once for every table
 * (tables_index): a key of the body is hashed once (json_key_hash, eight
 * bytes at a time), found in one or two probes, and compared with the one
 * field it may be. This runs for every key of every object we read.
 */
#define FIELDS_MAX 64		/* scan's slots are bits of an unsigned long */
#define INDEX_SLOTS 128		/* at most half full */

struct field_table {
	const struct field *fields;
	size_t n;
	uint64_t hash[FIELDS_MAX];		/* of fields[i].key */
	unsigned char len[FIELDS_MAX];		/* strlen(fields[i].key) */
	unsigned char index[INDEX_SLOTS];	/* i + 1 by hash slot; 0: empty */
};

static size_t index_slot(uint64_t h)
{
	return (size_t)(h >> 57);	/* the hash's top 7 bits */
}

#define TABLE(f) { .fields = f, .n = NFIELDS(f) }
static struct field_table create_table = TABLE(create_fields);
static struct field_table hostconfig_table = TABLE(hostconfig_fields);
static struct field_table logconfig_table = TABLE(logconfig_fields);
static struct field_table mount_table = TABLE(mount_fields);
static struct field_table bindoptions_table = TABLE(bindoptions_fields);
static struct field_table volumeoptions_table = TABLE(volumeoptions_fields);
static struct field_table driverconfig_table = TABLE(driverconfig_fields);
static struct field_table device_table = TABLE(device_fields);
static struct field_table binding_table = TABLE(binding_fields);
static struct field_table networkingconfig_table = TABLE(networkingconfig_fields);
static struct field_table endpoint_table = TABLE(endpoint_fields);
static struct field_table attachment_table = TABLE(attachment_fields);
static struct field_table exec_table = TABLE(exec_fields);
static struct field_table update_table = TABLE(update_fields);
static struct field_table service_table = TABLE(service_fields);
static struct field_table task_table = TABLE(task_fields);
static struct field_table cspec_table = TABLE(cspec_fields);
static struct field_table privileges_table = TABLE(privileges_fields);
static struct field_table seccomp_table = TABLE(seccomp_fields);
static struct field_table apparmor_table = TABLE(apparmor_fields);
static struct field_table selinux_table = TABLE(selinux_fields);
static struct field_table requirements_table = TABLE(requirements_fields);
static struct field_table limit_table = TABLE(limit_fields);
static struct field_table logdriver_table = TABLE(logdriver_fields);
static struct field_table endpointspec_table = TABLE(endpointspec_fields);
static struct field_table portconfig_table = TABLE(portconfig_fields);
static struct field_table volume_table = TABLE(volume_fields);
static struct field_table network_table = TABLE(network_fields);
static struct field_table connect_table = TABLE(connect_fields);
#undef TABLE

static struct field_table *const all_tables[] = {
	&create_table, &hostconfig_table, &logconfig_table, &mount_table, &bindoptions_table,
	&volumeoptions_table, &driverconfig_table, &device_table, &binding_table,
	&networkingconfig_table, &endpoint_table, &attachment_table, &exec_table, &update_table,
	&service_table, &task_table, &cspec_table, &privileges_table, &seccomp_table,
	&apparmor_table, &selinux_table, &requirements_table, &limit_table, &logdriver_table,
	&endpointspec_table, &portconfig_table, &volume_table, &network_table, &connect_table,
};

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
static bool tables_indexed;	/* every table fits and was indexed */

/* Hash every field's key into its table's index; once per process. The
 * tables are read-only from then on. */
static void tables_index(void)
{
	size_t t, i, j, len;

	for (t = 0; t < NFIELDS(all_tables); t++) {
		struct field_table *ft = all_tables[t];

		if (ft->n > FIELDS_MAX)
			return;
		for (i = 0; i < ft->n; i++) {
			ft->hash[i] = json_key_hash(ft->fields[i].key, &len);
			if (len == SIZE_MAX || len > UCHAR_MAX)
				return;		/* field keys are short ASCII */
			ft->len[i] = (unsigned char)len;
			for (j = index_slot(ft->hash[i]); ft->index[j]; j = (j + 1) % INDEX_SLOTS)
				;
			ft->index[j] = (unsigned char)(i + 1);
		}
	}
	tables_indexed = true;
}

/* field_lookup past its first slot: the probe and the compare. */
static __attribute__((noinline)) const struct field *
field_probe(const struct field_table *t, const char *key, uint64_t h, size_t ascii_len)
{
	size_t j, i;

	for (j = index_slot(h); t->index[j]; j = (j + 1) % INDEX_SLOTS) {
		i = t->index[j] - 1u;
		if (t->hash[i] != h)
			continue;
		/* an ASCII key (nearly all) compared inline, word by word */
		if (ascii_len != SIZE_MAX ? ascii_len == t->len[i] &&
					    key_ascii_equal(key, t->fields[i].key, ascii_len) :
					    json_key_equal(key, ascii_len, t->fields[i].key, t->len[i]))
			return &t->fields[i];
	}
	return NULL;
}

/* The field of T that KEY (of hash H, ASCII_LEN from json_key_hash) names
 * under Go's folding, or NULL. Most keys of a body name no field and most
 * of those find their slot empty: settled here, inline. */
static inline const struct field *field_lookup(const struct field_table *t, const char *key,
					       uint64_t h, size_t ascii_len)
{
	if (t->index[index_slot(h)] == 0)
		return NULL;
	return field_probe(t, key, h, ascii_len);
}

/* The field of T that MEMBER's key names, or NULL. */
static const struct field *field_find(const struct field_table *t, const cJSON *member)
{
	size_t ascii_len;
	uint64_t h = json_member_key_hash(member, &ascii_len);

	return field_lookup(t, member->string, h, ascii_len);
}

/*
 * scan - one pass over object OBJ (may be NULL: nothing to read): each key
 * matched as Go matches struct field names against TAB (sorted), its value
 * type-checked and stored in SLOTS[field->slot]. Unknown keys are ignored, as
 * Go ignores them; null leaves the slot NULL. json_parse_strict guarantees
 * no two keys of OBJ fold alike, so each slot is written at most once.
 */
static int scan(const cJSON *obj, const struct field_table *t, const cJSON **slots,
		const struct where *w, char *err, size_t errlen)
{
	const cJSON *it;

	memset(slots, 0, t->n * sizeof(*slots));
	if (obj == NULL)
		return 0;
	for (it = obj->child; it; it = it->next) {
		const struct field *fl = field_find(t, it);

		if (fl == NULL || cJSON_IsNull(it))
			continue;
		if (!type_ok(it, (enum jtype)fl->type))
			return type_error(err, errlen, w, fl->name, jtype_name((enum jtype)fl->type));
		slots[fl->slot] = it;
	}
	return 0;
}

/*
 * A create's body is read under guides (json_parse_strict_guided): of its
 * top object only the members create_table names are built, and of its
 * HostConfig only those hostconfig_table names (33 of the 62 the CLI
 * sends), each stored straight into its slot as it is read. The reader
 * still reads and checks every value and refuses keys that fold alike,
 * kept or not; what it leaves out is the tree of what we never read.
 */
struct guide {
	struct json_guide g;		/* first: the reader hands back &g */
	const struct field_table *t;
	const cJSON **slots;		/* by field slot, as scan() fills them */
	int inner_slot;			/* the field whose object INNER guides; -1: none */
	struct guide *inner;
};

static const cJSON **guide_keep(struct json_guide *jg, const char *key, size_t len, uint64_t h,
				struct json_guide **inner)
{
	struct guide *gd = (struct guide *)(void *)jg;
	const struct field *fl = field_lookup(gd->t, key, h, len);

	if (fl == NULL)
		return NULL;
	if (gd->inner && (int)fl->slot == gd->inner_slot)
		*inner = &gd->inner->g;
	return &gd->slots[fl->slot];
}

static void guide_init(struct guide *gd, const struct field_table *t, const cJSON **slots,
		       int inner_slot, struct guide *inner)
{
	gd->g.keep = guide_keep;
	gd->g.read = false;
	gd->t = t;
	gd->slots = slots;
	gd->inner_slot = inner_slot;
	gd->inner = inner;
	memset(slots, 0, t->n * sizeof(*slots));
}

/*
 * The slots of object OBJ by GD's table: what the reader stored there if it
 * read OBJ under GD, else scan(). Either way each value is checked as scan()
 * checks it (null is absent, a wrong type an error), the stored ones in the
 * table's order.
 */
static int read_object(const cJSON *obj, const struct guide *gd, const struct where *w,
		       char *err, size_t errlen)
{
	const struct field_table *t = gd->t;
	size_t i;

	if (!gd->g.read)
		return scan(obj, t, gd->slots, w, err, errlen);
	for (i = 0; i < t->n; i++) {
		const struct field *fl = &t->fields[i];
		const cJSON *v = gd->slots[fl->slot];

		if (v == NULL)
			continue;
		if (cJSON_IsNull(v))
			gd->slots[fl->slot] = NULL;
		else if (!type_ok(v, (enum jtype)fl->type))
			return type_error(err, errlen, w, fl->name, jtype_name((enum jtype)fl->type));
	}
	return 0;
}

static const char *str(const cJSON *v)
{
	return v ? v->valuestring : NULL;
}

static struct fact_bool boolean(const cJSON *v)
{
	struct fact_bool b = { v != NULL, cJSON_IsTrue(v) };

	return b;
}

static struct fact_int integer(const cJSON *v)
{
	struct fact_int i = { false, 0 };

	/* type_ok checked it; a failure here cannot happen but must not read junk */
	if (v && json_int64(v, &i.value) == 0)
		i.set = true;
	return i;
}

static size_t count(const cJSON *v)
{
	size_t n = 0;
	const cJSON *it;

	for (it = v ? v->child : NULL; it; it = it->next)
		n++;
	return n;
}

/* An array item must be an object, or null (Go's zero struct). */
static int item_object(const cJSON *it, const struct where *w, char *err, size_t errlen)
{
	if (cJSON_IsNull(it) || cJSON_IsObject(it))
		return 0;
	return type_error(err, errlen, w, NULL, "an object");
}

/*
 * N zeroed items of SIZE bytes (at least one) for F: from the free space of
 * the tree's arena when it has room, given back with the tree, so that a
 * decision calls no malloc for them; else calloc'd (always, in the sanitizer
 * builds, which have no arena: there an overrun is caught).
 */
static void *alloc(struct facts *f, size_t n, size_t size, char *err, size_t errlen)
{
	void *p = NULL;

	n = n ? n : 1;
	if (size <= SIZE_MAX / n)
		p = json_arena_zalloc(f->arena, n * size);
	if (p == NULL)
		p = calloc(n, size);
	if (p == NULL)
		snprintf(err, errlen, "out of memory");
	return p;
}

/* Free P unless alloc took it from F's arena. */
static void release(const struct facts *f, void *p)
{
	if (!json_arena_holds(f->arena, p))
		free(p);
}

/* ---------------------------------------------------------------- decoders */

/* Mounts[] of a container or a service task. */
static int decode_mounts(struct facts *f, const cJSON *arr, const char *path, char *err, size_t errlen)
{
	const cJSON *it, *m[MT_N], *bo[BO_N], *vo[VO_N], *dc[DC_N];
	long i = 0;

	if (arr == NULL)
		return 0;
	if ((f->mounts = alloc(f, count(arr), sizeof(*f->mounts), err, errlen)) == NULL)
		return -1;
	for (it = arr->child; it; it = it->next, i++) {
		struct where w = { path, i, NULL };
		struct fact_mount *fm = &f->mounts[f->nmounts++];
		char sub[128];

		if (item_object(it, &w, err, errlen) != 0 ||
		    scan(cJSON_IsObject(it) ? it : NULL, &mount_table, m, &w,
			 err, errlen) != 0)
			return -1;
		fm->type = str(m[MT_TYPE]);
		fm->source = str(m[MT_SOURCE]);
		fm->read_only = cJSON_IsTrue(m[MT_READONLY]);
		/* nested messages name the full path, built only when there is one */
		if (m[MT_BINDOPTIONS] != NULL) {
			snprintf(sub, sizeof(sub), "%s[%ld].BindOptions", path, i);
			if (scan(m[MT_BINDOPTIONS], &bindoptions_table, bo,
				 &(struct where){ sub, -1, NULL }, err, errlen) != 0)
				return -1;
			fm->propagation = str(bo[BO_PROPAGATION]);
		}
		if (m[MT_VOLUMEOPTIONS] == NULL)
			continue;
		snprintf(sub, sizeof(sub), "%s[%ld].VolumeOptions", path, i);
		if (scan(m[MT_VOLUMEOPTIONS], &volumeoptions_table, vo,
			 &(struct where){ sub, -1, NULL }, err, errlen) != 0)
			return -1;
		snprintf(sub, sizeof(sub), "%s[%ld].VolumeOptions.DriverConfig", path, i);
		if (scan(vo[VO_DRIVERCONFIG], &driverconfig_table, dc,
			 &(struct where){ sub, -1, NULL }, err, errlen) != 0)
			return -1;
		fm->driver_config = vo[VO_DRIVERCONFIG] != NULL;
		fm->driver = str(dc[DC_NAME]);
		fm->driver_opts = dc[DC_OPTIONS];
	}
	return 0;
}

static int decode_devices(struct facts *f, const cJSON *arr, char *err, size_t errlen)
{
	const cJSON *it, *dv[DV_N];
	long i = 0;

	if (arr == NULL)
		return 0;
	if ((f->devices = alloc(f, count(arr), sizeof(*f->devices), err, errlen)) == NULL)
		return -1;
	for (it = arr->child; it; it = it->next, i++) {
		struct where w = { "HostConfig.Devices", i, NULL };

		if (item_object(it, &w, err, errlen) != 0 ||
		    scan(cJSON_IsObject(it) ? it : NULL, &device_table, dv, &w,
			 err, errlen) != 0)
			return -1;
		f->devices[f->ndevices++] = dv[DV_PATHONHOST] ? dv[DV_PATHONHOST]->valuestring : "";
	}
	return 0;
}

/* HostConfig.PortBindings: map "port/proto" -> [{HostIp, HostPort}]. An empty
 * or null list is back-filled by dockerd to one binding on the default
 * address and an ephemeral port (handlePortBindingsBC). */
static int decode_bindings(struct facts *f, const cJSON *map, char *err, size_t errlen)
{
	const cJSON *port, *it, *pb[PB_N];
	size_t total = 0;

	if (map == NULL)
		return 0;
	for (port = map->child; port; port = port->next) {
		if (!cJSON_IsNull(port) && !cJSON_IsArray(port))
			return type_error(err, errlen,
					  &(struct where){ "HostConfig.PortBindings", -1, port->string },
					  NULL, "an array");
		total += count(port) ? count(port) : 1;
	}
	if ((f->bindings = alloc(f, total, sizeof(*f->bindings), err, errlen)) == NULL)
		return -1;
	for (port = map->child; port; port = port->next) {
		size_t i = 0;

		if (count(port) == 0) {
			f->bindings[f->nbindings++] = (struct fact_binding){ port->string, 0, "", "" };
			continue;
		}
		for (it = port->child; it; it = it->next, i++) {
			struct where w = { "HostConfig.PortBindings", -1, port->string };

			if (item_object(it, &w, err, errlen) != 0 ||
			    scan(cJSON_IsObject(it) ? it : NULL, &binding_table,
				 pb, &w, err, errlen) != 0)
				return -1;
			f->bindings[f->nbindings++] = (struct fact_binding){
				port->string, i,
				pb[PB_HOSTIP] ? pb[PB_HOSTIP]->valuestring : "",
				pb[PB_HOSTPORT] ? pb[PB_HOSTPORT]->valuestring : "",
			};
		}
	}
	return 0;
}

/* NetworkingConfig.EndpointsConfig: map network -> EndpointSettings. */
static int decode_endpoints(struct facts *f, const cJSON *map, char *err, size_t errlen)
{
	const cJSON *it, *ep[EP_N];

	if (map == NULL)
		return 0;
	if ((f->nets = alloc(f, count(map), sizeof(*f->nets), err, errlen)) == NULL)
		return -1;
	for (it = map->child; it; it = it->next) {
		struct where w = { "NetworkingConfig.EndpointsConfig", -1, it->string };

		if (item_object(it, &w, err, errlen) != 0 ||
		    scan(cJSON_IsObject(it) ? it : NULL, &endpoint_table, ep,
			 &w, err, errlen) != 0)
			return -1;
		f->nets[f->nnets++] = (struct fact_net){ it->string, 0, false, ep[EP_DRIVEROPTS] };
	}
	return 0;
}

/* GTOP: the guides the body was read under, top and HostConfig. */
static int decode_container(struct facts *f, const cJSON *root, const struct guide *gtop,
			    char *err, size_t errlen)
{
	const cJSON **cr = gtop->slots, **hc = gtop->inner->slots, *lc[LC_N], *nc[NC_N];
	const struct where host = { "HostConfig", -1, NULL };

	if (read_object(root, gtop, &top, err, errlen) != 0 ||
	    read_object(cr[CR_HOSTCONFIG], gtop->inner, &host, err, errlen) != 0 ||
	    scan(hc[HC_LOGCONFIG], &logconfig_table, lc,
		 &(struct where){ "HostConfig.LogConfig", -1, NULL }, err, errlen) != 0 ||
	    scan(cr[CR_NETWORKINGCONFIG], &networkingconfig_table,
		 nc, &(struct where){ "NetworkingConfig", -1, NULL }, err, errlen) != 0)
		return -1;

	f->image = str(cr[CR_IMAGE]);
	f->user = str(cr[CR_USER]);
	f->privileged = boolean(hc[HC_PRIVILEGED]);
	f->readonly_rootfs = boolean(hc[HC_READONLYROOTFS]);
	f->publish_all = boolean(hc[HC_PUBLISHALLPORTS]);
	f->oom_kill_disable = boolean(hc[HC_OOMKILLDISABLE]);
	f->cap_add = hc[HC_CAPADD];
	f->cap_drop = hc[HC_CAPDROP];
	f->security_opt = hc[HC_SECURITYOPT];
	f->masked_paths = hc[HC_MASKEDPATHS];
	f->readonly_paths = hc[HC_READONLYPATHS];
	f->network_mode = str(hc[HC_NETWORKMODE]);
	f->pid_mode = str(hc[HC_PIDMODE]);
	f->ipc_mode = str(hc[HC_IPCMODE]);
	f->uts_mode = str(hc[HC_UTSMODE]);
	f->userns_mode = str(hc[HC_USERNSMODE]);
	f->cgroupns_mode = str(hc[HC_CGROUPNSMODE]);
	f->cgroup = str(hc[HC_CGROUP]);
	f->volumes_from = hc[HC_VOLUMESFROM];
	f->binds = hc[HC_BINDS];
	f->volume_driver = str(hc[HC_VOLUMEDRIVER]);
	f->device_cgroup_rules = hc[HC_DEVICECGROUPRULES];
	f->ndevice_requests = count(hc[HC_DEVICEREQUESTS]);
	f->memory = integer(hc[HC_MEMORY]);
	f->nano_cpus = integer(hc[HC_NANOCPUS]);
	f->cpu_quota = integer(hc[HC_CPUQUOTA]);
	f->cpu_period = integer(hc[HC_CPUPERIOD]);
	f->pids_limit = integer(hc[HC_PIDSLIMIT]);
	f->log_driver = str(lc[LC_TYPE]);
	f->sysctls = hc[HC_SYSCTLS];
	f->runtime = str(hc[HC_RUNTIME]);
	f->cgroup_parent = str(hc[HC_CGROUPPARENT]);

	if (decode_mounts(f, hc[HC_MOUNTS], "HostConfig.Mounts", err, errlen) != 0 ||
	    decode_devices(f, hc[HC_DEVICES], err, errlen) != 0 ||
	    decode_bindings(f, hc[HC_PORTBINDINGS], err, errlen) != 0 ||
	    decode_endpoints(f, nc[NC_ENDPOINTSCONFIG], err, errlen) != 0)
		return -1;
	return 0;
}

static int decode_exec(struct facts *f, const cJSON *root, char *err, size_t errlen)
{
	const cJSON *ex[EX_N];

	if (scan(root, &exec_table, ex, &top, err, errlen) != 0)
		return -1;
	f->privileged = boolean(ex[EX_PRIVILEGED]);
	f->user = str(ex[EX_USER]);
	return 0;
}

static int decode_update(struct facts *f, const cJSON *root, char *err, size_t errlen)
{
	const cJSON *up[UP_N];

	if (scan(root, &update_table, up, &top, err, errlen) != 0)
		return -1;
	f->memory = integer(up[UP_MEMORY]);
	f->nano_cpus = integer(up[UP_NANOCPUS]);
	f->cpu_quota = integer(up[UP_CPUQUOTA]);
	f->cpu_period = integer(up[UP_CPUPERIOD]);
	f->pids_limit = integer(up[UP_PIDSLIMIT]);
	return 0;
}

/* Networks[] of a task: TaskTemplate.Networks, and the top-level Networks
 * dockerd still reads for API < 1.44 when TaskTemplate.Networks is empty. */
static int decode_attachments(struct facts *f, const cJSON *arr, bool legacy, char *err,
			      size_t errlen)
{
	const cJSON *it, *ep[EP_N];
	long i = 0;

	for (it = arr ? arr->child : NULL; it; it = it->next, i++) {
		struct where w = { legacy ? "Networks" : "TaskTemplate.Networks", i, NULL };

		if (item_object(it, &w, err, errlen) != 0 ||
		    scan(cJSON_IsObject(it) ? it : NULL, &attachment_table,
			 ep, &w, err, errlen) != 0)
			return -1;
		f->nets[f->nnets++] = (struct fact_net){
			ep[EP_TARGET] ? ep[EP_TARGET]->valuestring : "", (size_t)i, legacy,
			ep[EP_DRIVEROPTS],
		};
	}
	return 0;
}

static int decode_ports(struct facts *f, const cJSON *arr, char *err, size_t errlen)
{
	const cJSON *it, *pc[PC_N];
	long i = 0;

	if (arr == NULL)
		return 0;
	if ((f->sports = alloc(f, count(arr), sizeof(*f->sports), err, errlen)) == NULL)
		return -1;
	for (it = arr->child; it; it = it->next, i++) {
		struct where w = { "EndpointSpec.Ports", i, NULL };
		struct fact_int pub, tgt;

		if (item_object(it, &w, err, errlen) != 0 ||
		    scan(cJSON_IsObject(it) ? it : NULL, &portconfig_table,
			 pc, &w, err, errlen) != 0)
			return -1;
		pub = integer(pc[PC_PUBLISHEDPORT]);
		tgt = integer(pc[PC_TARGETPORT]);
		/* uint32 in Go: a negative or larger number is a 400 */
		if (pub.value < 0 || pub.value > 0xFFFFFFFFLL)
			return type_error(err, errlen, &w, "PublishedPort", "a uint32");
		if (tgt.value < 0 || tgt.value > 0xFFFFFFFFLL)
			return type_error(err, errlen, &w, "TargetPort", "a uint32");
		f->sports[f->nsports++] = (struct fact_sport){ pub.value, tgt.value };
	}
	return 0;
}

static int decode_service(struct facts *f, const cJSON *root, char *err, size_t errlen)
{
	const cJSON *sv[SV_N], *tt[TT_N], *cs[CS_N], *pv[PV_N], *sc[SC_N], *aa[AA_N], *se[SE_N];
	const cJSON *rr[RR_N], *lm[LM_N], *ld[LD_N], *es[ES_N];
	const struct where task = { "TaskTemplate", -1, NULL };
	const struct where cspec = { "TaskTemplate.ContainerSpec", -1, NULL };
	const struct where priv = { "TaskTemplate.ContainerSpec.Privileges", -1, NULL };

	if (scan(root, &service_table, sv, &top, err, errlen) != 0 ||
	    scan(sv[SV_TASKTEMPLATE], &task_table, tt, &task, err, errlen) != 0 ||
	    scan(tt[TT_CONTAINERSPEC], &cspec_table, cs, &cspec, err,
		 errlen) != 0 ||
	    scan(cs[CS_PRIVILEGES], &privileges_table, pv, &priv, err,
		 errlen) != 0 ||
	    scan(pv[PV_SECCOMP], &seccomp_table, sc,
		 &(struct where){ "TaskTemplate.ContainerSpec.Privileges.Seccomp", -1, NULL }, err,
		 errlen) != 0 ||
	    scan(pv[PV_APPARMOR], &apparmor_table, aa,
		 &(struct where){ "TaskTemplate.ContainerSpec.Privileges.AppArmor", -1, NULL }, err,
		 errlen) != 0 ||
	    scan(pv[PV_SELINUXCONTEXT], &selinux_table, se,
		 &(struct where){ "TaskTemplate.ContainerSpec.Privileges.SELinuxContext", -1, NULL },
		 err, errlen) != 0 ||
	    scan(tt[TT_RESOURCES], &requirements_table, rr,
		 &(struct where){ "TaskTemplate.Resources", -1, NULL }, err, errlen) != 0 ||
	    scan(rr[RR_LIMITS], &limit_table, lm,
		 &(struct where){ "TaskTemplate.Resources.Limits", -1, NULL }, err, errlen) != 0 ||
	    scan(tt[TT_LOGDRIVER], &logdriver_table, ld,
		 &(struct where){ "TaskTemplate.LogDriver", -1, NULL }, err, errlen) != 0 ||
	    scan(sv[SV_ENDPOINTSPEC], &endpointspec_table, es,
		 &(struct where){ "EndpointSpec", -1, NULL }, err, errlen) != 0)
		return -1;

	f->image = str(cs[CS_IMAGE]);
	f->user = str(cs[CS_USER]);
	f->cap_add = cs[CS_CAPADD];
	f->cap_drop = cs[CS_CAPDROP];
	f->readonly_rootfs = boolean(cs[CS_READONLY]);
	f->sysctls = cs[CS_SYSCTLS];
	f->priv.set = cs[CS_PRIVILEGES] != NULL;
	f->priv.seccomp_mode = str(sc[SC_MODE]);
	f->priv.seccomp_profile = str(sc[SC_PROFILE]);
	f->priv.apparmor_mode = str(aa[AA_MODE]);
	f->priv.selinux_disable = boolean(se[SE_DISABLE]);
	f->priv.selinux_user = str(se[SE_USER]);
	f->priv.selinux_role = str(se[SE_ROLE]);
	f->priv.selinux_type = str(se[SE_TYPE]);
	f->priv.no_new_privileges = boolean(pv[PV_NONEWPRIVILEGES]);
	f->memory = integer(lm[LM_MEMORYBYTES]);
	f->nano_cpus = integer(lm[LM_NANOCPUS]);
	f->pids_limit = integer(lm[LM_PIDS]);
	f->log_driver = str(ld[LD_NAME]);
	f->task_runtime = str(tt[TT_RUNTIME]);
	f->plugin_spec = tt[TT_PLUGINSPEC] != NULL;

	if ((f->nets = alloc(f, count(tt[TT_NETWORKS]) + count(sv[SV_NETWORKS]), sizeof(*f->nets),
			     err, errlen)) == NULL)
		return -1;
	if (decode_mounts(f, cs[CS_MOUNTS], "TaskTemplate.ContainerSpec.Mounts", err, errlen) != 0 ||
	    decode_attachments(f, tt[TT_NETWORKS], false, err, errlen) != 0 ||
	    decode_attachments(f, sv[SV_NETWORKS], true, err, errlen) != 0 ||
	    decode_ports(f, es[ES_PORTS], err, errlen) != 0)
		return -1;
	return 0;
}

static int decode_volume(struct facts *f, const cJSON *root, char *err, size_t errlen)
{
	const cJSON *vc[VC_N];

	if (scan(root, &volume_table, vc, &top, err, errlen) != 0)
		return -1;
	f->name = str(vc[VC_NAME]);
	f->driver = str(vc[VC_DRIVER]);
	f->driver_opts = vc[VC_DRIVEROPTS];
	return 0;
}

static int decode_network(struct facts *f, const cJSON *root, char *err, size_t errlen)
{
	const cJSON *nw[NW_N];

	if (scan(root, &network_table, nw, &top, err, errlen) != 0)
		return -1;
	f->name = str(nw[NW_NAME]);
	f->driver = str(nw[NW_DRIVER]);
	f->internal = boolean(nw[NW_INTERNAL]);
	return 0;
}

/* The network is the path's object; the body may set endpoint options. */
static int decode_connect(struct facts *f, const cJSON *root, const struct request *rq,
			  char *err, size_t errlen)
{
	const cJSON *cn[CN_N], *ep[EP_N];
	char *name;

	if (scan(root, &connect_table, cn, &top, err, errlen) != 0 ||
	    scan(cn[CN_ENDPOINTCONFIG], &endpoint_table, ep,
		 &(struct where){ "EndpointConfig", -1, NULL }, err, errlen) != 0)
		return -1;
	if ((f->nets = alloc(f, 1, sizeof(*f->nets), err, errlen)) == NULL)
		return -1;
	/* route.object points into the path and is not terminated */
	name = strndup(rq->route.object ? rq->route.object : "", rq->route.object_len);
	if (name == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->nets[f->nnets++] = (struct fact_net){ name, 0, false, ep[EP_DRIVEROPTS] };
	return 0;
}

/* ---------------------------------------------------------------- entry points */

int body_facts(const struct request *rq, struct facts *f, char *err, size_t errlen)
{
	const struct envelope *env = rq->env;
	const char *what = action_name(rq->action);
	const cJSON *obj, *cr[CR_N], *hc[HC_N];
	struct guide gtop, ghost;
	struct json_guide *guide = NULL;
	bool guided;
	char jerr[160];

	memset(f, 0, sizeof(*f));
	f->kind = body_kind_of(rq->action);
	f->names = names_of(f->kind);
	switch (f->kind) {
	case BODY_NONE:
		return 0;
	case BODY_BUILD:
		/* r.FormValue: the first value; form bodies were denied before us */
		f->network_mode = uri_query_get(&rq->uri, "networkmode");
		f->cgroup_parent = uri_query_get(&rq->uri, "cgroupparent");
		return 0;
	case BODY_PULL:
		f->image = uri_query_get(&rq->uri, "fromImage");
		f->tag = uri_query_get(&rq->uri, "tag");
		return 0;
	default:
		break;
	}

	/* A missing body is never "no options": dockerd before 27.1.1 (chunked)
	 * and before 29.3.1 (>= 1 MiB) processes bodies it does not forward. */
	if (env == NULL || !env->has_body || env->body_len == 0) {
		snprintf(err, errlen, "the request has no body, which %s needs (dockerd does not "
			 "forward chunked or large bodies on some versions)", what);
		return -1;
	}
	if (env->body_len >= BODY_MAX) {
		snprintf(err, errlen, "the body is %zu bytes; 1 MiB or more is refused (dockerd "
			 "before 29.3.1 does not forward such bodies)", env->body_len);
		return -1;
	}
	pthread_once(&tables_once, tables_index);
	if (!tables_indexed) {
		snprintf(err, errlen, "internal error: the body's field tables are invalid");
		return -1;
	}
	/* only a container create's body is read under guides */
	if (f->kind == BODY_CONTAINER) {
		guide_init(&ghost, &hostconfig_table, hc, -1, NULL);
		guide_init(&gtop, &create_table, cr, CR_HOSTCONFIG, &ghost);
		guide = &gtop.g;
	}
	f->root = json_parse_strict_guided((const char *)env->body, env->body_len, &f->arena,
					   guide, &guided, jerr, sizeof(jerr));
	if (f->root == NULL) {
		snprintf(err, errlen, "the body is not JSON that dockerd reads unambiguously: %s", jerr);
		return -1;
	}
	if (guide && !guided)
		gtop.g.read = ghost.g.read = false;	/* read whole: scan() decides */
	/* Plugin privileges and settings are arrays; nothing else is read. */
	if (f->kind == BODY_OPAQUE)
		return 0;
	/* Go decodes null into a struct as "nothing set" */
	obj = cJSON_IsNull(f->root) ? NULL : f->root;
	if (obj != NULL && !cJSON_IsObject(obj)) {
		snprintf(err, errlen, "the body must be a JSON object (dockerd would refuse the request)");
		return -1;
	}

	switch (f->kind) {
	case BODY_CONTAINER:
		return decode_container(f, obj, &gtop, err, errlen);
	case BODY_EXEC:
		return decode_exec(f, obj, err, errlen);
	case BODY_UPDATE:
		return decode_update(f, obj, err, errlen);
	case BODY_SERVICE:
		return decode_service(f, obj, err, errlen);
	case BODY_VOLUME:
		return decode_volume(f, obj, err, errlen);
	case BODY_NETWORK:
		return decode_network(f, obj, err, errlen);
	case BODY_CONNECT:
		return decode_connect(f, obj, rq, err, errlen);
	default:
		return 0;
	}
}

void facts_free(struct facts *f)
{
	/* a call without a body (most calls) holds nothing to free */
	if (f->kind == BODY_NONE && f->root == NULL && f->arena == NULL)
		return;
	if (f->kind == BODY_CONNECT && f->nets != NULL && f->nnets > 0)
		free((char *)f->nets[0].name);
	release(f, f->mounts);
	release(f, f->devices);
	release(f, f->bindings);
	release(f, f->sports);
	release(f, f->nets);
	json_arena_free(f->arena, f->root);
	memset(f, 0, sizeof(*f));
}

/* ---------------------------------------------------------------- self-check */

bool body_tables_ok(void)
{
	size_t t, i;

	pthread_once(&tables_once, tables_index);
	if (!tables_indexed)
		return false;
	for (t = 0; t < NFIELDS(all_tables); t++) {
		const struct field_table *ft = all_tables[t];
		unsigned long seen = 0;

		for (i = 0; i < ft->n; i++) {
			const struct field *fl = &ft->fields[i];
			char folded[KEY_MAX];
			size_t alen;
			uint64_t h = json_key_hash(fl->name, &alen);

			/* sorted, so no key twice, and each key is its own Go folding,
			 * which its name's lookup finds */
			if (i > 0 && strcmp(ft->fields[i - 1].key, fl->key) >= 0)
				return false;
			if (json_fold_key(fl->name, folded, sizeof(folded)) != 0 ||
			    strcmp(folded, fl->key) != 0 || field_lookup(ft, fl->name, h, alen) != fl)
				return false;
			/* slots are 0..n-1, once each: scan clears exactly n */
			if (fl->slot >= ft->n || (seen & (1UL << fl->slot)))
				return false;
			seen |= 1UL << fl->slot;
		}
	}
	return true;
}
