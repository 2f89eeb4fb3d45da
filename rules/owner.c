/* SPDX-License-Identifier: Apache-2.0 */
/*
 * owner.c - multi-tenant ownership: under a rule with `owner: required`,
 * each user creates objects labelled with their name and touches nothing else.
 *
 * The record is the label dockerd stores (policy owner_label): labels cannot
 * change after creation, so nothing can drift and nothing is lost when the
 * plugin restarts. Invariants (each is a test):
 *   - a create (container, volume, network) without owner_label=<caller> is denied;
 *   - a call naming an existing container, exec, volume or network is allowed
 *     only if dockerd resolves the name (full ID, name or unique ID prefix, as
 *     it will for the real call) to an object whose owner label is the caller;
 *   - an object that cannot be looked up (dockerd gone, slow, malformed
 *     answer) denies; one that does not exist is allowed to reach dockerd,
 *     which answers 404 and creates nothing;
 *   - listings, prunes and event streams must be filtered to the caller's
 *     label unless the policy allows unfiltered listing.
 */
#include <stdio.h>
#include <string.h>

#include "body.h"
#include "json.h"
#include "mounts.h"
#include "owner.h"

/* ---------------------------------------------------------------- creates */

static bool is_create(enum action a)
{
	return a == ACTION_ContainerCreate || a == ACTION_VolumeCreate ||
	       a == ACTION_NetworkCreate;
}

/* Does the create body carry Labels[owner_label] == user? */
static int check_create_label(const struct policy *p, const struct request *rq,
			      struct decision *d)
{
	const cJSON *labels, *mine;
	cJSON *parsed = NULL;
	const cJSON *root;
	char err[128];

	if (rq->facts && rq->facts->root) {
		root = rq->facts->root;		/* decide() read the body already */
	} else if (!rq->env->has_body) {
		decision_add_reason(d, "%s has no body to read the owner label from",
				    action_name(rq->action));
		return -1;
	} else {
		root = parsed = json_parse_strict((const char *)rq->env->body, rq->env->body_len,
						  err, sizeof(err));
		if (!root) {
			decision_add_reason(d, "%s body is not JSON dockerd would read the same "
					    "way: %s", action_name(rq->action), err);
			return -1;
		}
	}
	/* Labels is a Go struct field (folded match); its keys are a map (exact). */
	labels = json_get_fold(root, "Labels");
	mine = json_get(labels, p->owner_label);
	if (labels && !cJSON_IsObject(labels) && !cJSON_IsNull(labels)) {
		decision_add_reason(d, "Labels is not an object");
		cJSON_Delete(parsed);
		return -1;
	}
	if (cJSON_IsString(mine) && strcmp(mine->valuestring, rq->user) == 0) {
		cJSON_Delete(parsed);
		return 0;
	}
	cJSON_Delete(parsed);
	decision_add_reason(d, "%s must carry the label %s=%s (add --label %s=%s)",
			    action_name(rq->action), p->owner_label, rq->user, p->owner_label,
			    rq->user);
	return 1;
}

/* ---------------------------------------------------------------- listings */

static bool is_listing(enum action a)
{
	switch (a) {
	case ACTION_ContainerList:
	case ACTION_VolumeList:
	case ACTION_NetworkList:
	case ACTION_ContainerPrune:
	case ACTION_VolumePrune:
	case ACTION_NetworkPrune:
	case ACTION_SystemEvents:
	case ACTION_SystemDataUsage:
		return true;
	default:
		return false;
	}
}

/*
 * dockerd reads ?filters= with filters.FromJSON: {"label":{"k=v":true}} or the
 * older {"label":["k=v"]}. Label filters are ANDed with every other filter, so
 * one that names our label and the caller is enough.
 */
static bool filtered_to_owner(const struct policy *p, const struct request *rq)
{
	const char *raw = uri_query_get(&rq->uri, "filters");
	const cJSON *label, *it;
	char want[512], err[64];
	bool ok = false;
	cJSON *root;

	if (!raw)
		return false;
	if ((size_t)snprintf(want, sizeof(want), "%s=%s", p->owner_label, rq->user) >= sizeof(want))
		return false;
	root = json_parse_strict(raw, strlen(raw), err, sizeof(err));
	label = json_get(root, "label");
	for (it = label ? label->child : NULL; it && !ok; it = it->next) {
		if (cJSON_IsObject(label))
			ok = cJSON_IsTrue(it) && strcmp(it->string, want) == 0;
		else
			ok = cJSON_IsString(it) && strcmp(it->valuestring, want) == 0;
	}
	cJSON_Delete(root);
	return ok;
}

static int check_listing(const struct policy *p, const struct request *rq, struct decision *d)
{
	if (p->owner_list_any)
		return 0;
	if (rq->action != ACTION_SystemDataUsage && filtered_to_owner(p, rq))
		return 0;
	if (rq->action == ACTION_SystemDataUsage)
		decision_add_reason(d, "SystemDataUsage shows every tenant's objects");
	else
		decision_add_reason(d, "%s must be filtered to your own objects "
				    "(add --filter label=%s=%s)", action_name(rq->action),
				    p->owner_label, rq->user);
	return 1;
}

/* ---------------------------------------------------------------- objects */

/* Is the object NAME of KIND the caller's? 0 yes or absent, 1 no, -1 unknown. */
int owner_check_object(const struct policy *p, const struct request *rq,
		       const struct lookup *lk, enum object_kind kind, const char *name,
		       const char *field, struct decision *d)
{
	struct object_info info;
	char err[256];
	enum lookup_result r;

	if (!lk || !lk->inspect) {
		decision_add_reason(d, "%s %s: ownership cannot be checked "
				    "(serve has no --docker-host)", object_kind_name(kind), name);
		return -1;
	}
	r = lk->inspect(lk->ctx, kind, name, p->owner_label, &info, err, sizeof(err));
	if (r == LOOKUP_ERROR) {
		decision_add_reason(d, "cannot look up %s %s: %s", object_kind_name(kind), name, err);
		return -1;
	}
	if (r == LOOKUP_NOT_FOUND)
		return 0;	/* dockerd will answer 404 and touch nothing */
	if (kind == OBJECT_EXEC)	/* an exec belongs to whoever owns its container */
		return owner_check_object(p, rq, lk, OBJECT_CONTAINER, info.container, field, d);
	if (info.has_owner && strcmp(info.owner, rq->user) == 0)
		return 0;
	decision_add_reason(d, "%s%s%s %s belongs to %s%s%s", field ? field : "",
			    field ? " names " : "", object_kind_name(kind), name,
			    info.has_owner ? "\"" : "", info.has_owner ? info.owner : "nobody",
			    info.has_owner ? "\"" : "");
	return 1;
}

/* ---------------------------------------------------------------- references */

/*
 * A create or connect names other objects in its body: the containers whose
 * namespaces or volumes it joins, the volumes it mounts, the networks it
 * joins. Each must be the caller's too. Built-in networks (none, host, bridge,
 * default) belong to nobody and are the profile's business.
 */
static bool builtin_network(const char *name)
{
	static const char *const builtin[] = { "", "none", "host", "bridge", "default", NULL };
	const char *const *b;

	for (b = builtin; *b; b++)
		if (strcmp(name, *b) == 0)
			return true;
	return false;
}

/* A mode "container:<name>" joins that container (NetworkMode, PidMode, ...). */
static int check_join(const struct policy *p, const struct request *rq, const struct lookup *lk,
		      const char *mode, const char *field, struct decision *d)
{
	if (!mode || strncmp(mode, "container:", 10) != 0)
		return 0;
	return owner_check_object(p, rq, lk, OBJECT_CONTAINER, mode + 10, field, d);
}

/* Combine results: any -1 wins (cannot check), then any 1 (violation). */
static int worst(int a, int b)
{
	return (a < 0 || b < 0) ? -1 : (a > 0 || b > 0);
}

static int check_volumes_from(const struct policy *p, const struct request *rq,
			      const struct lookup *lk, const struct facts *f,
			      struct decision *d)
{
	const cJSON *it;
	char name[512];
	int rc = 0;

	cJSON_ArrayForEach(it, f->volumes_from) {
		/* "ctr[:ro|rw]": the container is what precedes the first ':' */
		size_t n = strcspn(it->valuestring, ":");

		if (n >= sizeof(name))
			return -1;
		memcpy(name, it->valuestring, n);
		name[n] = '\0';
		rc = worst(rc, owner_check_object(p, rq, lk, OBJECT_CONTAINER, name,
						  "HostConfig.VolumesFrom", d));
	}
	return rc;
}

static int check_named_volumes(const struct policy *p, const struct request *rq,
			       const struct lookup *lk, const struct facts *f,
			       struct decision *d)
{
	struct bind_spec b;
	const cJSON *it;
	char err[128];
	size_t i;
	int rc = 0;

	cJSON_ArrayForEach(it, f->binds) {
		if (mount_parse_bind(it->valuestring, &b, err, sizeof(err)) != 0) {
			decision_add_reason(d, "HostConfig.Binds: %s", err);
			return -1;
		}
		if (b.type == MOUNT_VOLUME && b.source[0])
			rc = worst(rc, owner_check_object(p, rq, lk, OBJECT_VOLUME, b.source,
							  "HostConfig.Binds", d));
	}
	for (i = 0; i < f->nmounts; i++) {
		const struct fact_mount *m = &f->mounts[i];

		if (m->type && strcmp(m->type, "volume") == 0 && m->source && m->source[0])
			rc = worst(rc, owner_check_object(p, rq, lk, OBJECT_VOLUME, m->source,
							  "HostConfig.Mounts", d));
	}
	return rc;
}

static int check_networks(const struct policy *p, const struct request *rq,
			  const struct lookup *lk, const struct facts *f, struct decision *d)
{
	size_t i;
	int rc = 0;

	if (f->network_mode && !builtin_network(f->network_mode) &&
	    strncmp(f->network_mode, "container:", 10) != 0)
		rc = owner_check_object(p, rq, lk, OBJECT_NETWORK, f->network_mode,
					"HostConfig.NetworkMode", d);
	for (i = 0; i < f->nnets; i++)
		if (!builtin_network(f->nets[i].name))
			rc = worst(rc, owner_check_object(p, rq, lk, OBJECT_NETWORK, f->nets[i].name,
							  "NetworkingConfig.EndpointsConfig", d));
	return rc;
}

static int check_container_refs(const struct policy *p, const struct request *rq,
				const struct lookup *lk, const struct facts *f,
				struct decision *d)
{
	int rc = 0;

	rc = worst(rc, check_join(p, rq, lk, f->network_mode, "HostConfig.NetworkMode", d));
	rc = worst(rc, check_join(p, rq, lk, f->pid_mode, "HostConfig.PidMode", d));
	rc = worst(rc, check_join(p, rq, lk, f->ipc_mode, "HostConfig.IpcMode", d));
	rc = worst(rc, check_join(p, rq, lk, f->cgroup, "HostConfig.Cgroup", d));
	rc = worst(rc, check_volumes_from(p, rq, lk, f, d));
	rc = worst(rc, check_named_volumes(p, rq, lk, f, d));
	return worst(rc, check_networks(p, rq, lk, f, d));
}

/* NetworkConnect/Disconnect: the body's Container must be the caller's too. */
static int check_connect_container(const struct policy *p, const struct request *rq,
				   const struct lookup *lk, struct decision *d)
{
	const cJSON *c;
	char err[128];
	cJSON *root;
	int rc;

	root = rq->env->has_body ? json_parse_strict((const char *)rq->env->body,
						     rq->env->body_len, err, sizeof(err)) : NULL;
	c = json_get_fold(root, "Container");
	if (!cJSON_IsString(c)) {
		decision_add_reason(d, "%s body names no Container", action_name(rq->action));
		cJSON_Delete(root);
		return -1;
	}
	rc = owner_check_object(p, rq, lk, OBJECT_CONTAINER, c->valuestring, "Container", d);
	cJSON_Delete(root);
	return rc;
}

/* The objects a container create names in its body. */
static int check_create_refs(const struct policy *p, const struct request *rq,
			     const struct lookup *lk, struct decision *d)
{
	struct facts f;
	char err[256] = "";
	int rc;

	if (rq->facts)		/* decide() read the body already */
		return check_container_refs(p, rq, lk, rq->facts, d);
	if (body_facts(rq, &f, err, sizeof(err)) != 0 || !f.root) {
		decision_add_reason(d, "%s: %s", action_name(rq->action),
				    err[0] ? err : "no body to read");
		facts_free(&f);
		return -1;
	}
	rc = check_container_refs(p, rq, lk, &f, d);
	facts_free(&f);
	return rc;
}

static bool is_owned_kind(enum object_kind k)
{
	return k == OBJECT_CONTAINER || k == OBJECT_EXEC || k == OBJECT_VOLUME ||
	       k == OBJECT_NETWORK;
}

int owner_check(const struct policy *p, const struct request *rq, const struct lookup *lk,
		struct decision *d)
{
	char name[512];

	if (is_create(rq->action)) {
		int rc = check_create_label(p, rq, d);

		if (rc < 0 || rq->action != ACTION_ContainerCreate)
			return rc;
		return worst(rc, check_create_refs(p, rq, lk, d));
	}
	if (rq->action == ACTION_NetworkConnect || rq->action == ACTION_NetworkDisconnect) {
		int rc = check_connect_container(p, rq, lk, d);

		if (rc != 0)
			return rc;	/* else the network in the path, below */
	}
	if (is_listing(rq->action))
		return check_listing(p, rq, d);
	if (rq->action == ACTION_ImageCommit) {
		/* POST /commit names its container in the query, not the path */
		const char *c = uri_query_get(&rq->uri, "container");

		return owner_check_object(p, rq, lk, OBJECT_CONTAINER, c ? c : "",
					  "?container=", d);
	}
	if (!is_owned_kind(rq->route.kind))
		return 0;
	if (rq->route.object_len >= sizeof(name)) {
		decision_add_reason(d, "object name too long");
		return -1;
	}
	memcpy(name, rq->route.object, rq->route.object_len);
	name[rq->route.object_len] = '\0';
	return owner_check_object(p, rq, lk, rq->route.kind, name, NULL, d);
}
