/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lookup_docker.c - resolve object references by asking dockerd itself.
 *
 * We send dockerd the same name the user's call carries and let it resolve
 * it (full ID, name, unique ID prefix) with the same code that will run the
 * real call, instead of reimplementing its resolution rules. These GETs pass
 * through the plugin too: they carry the per-process token, and decide()
 * allows exactly those inspects when the token matches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mounts.h"
#include "lookup_docker.h"

/* Percent-encode NAME for a path segment: names may contain '/' (images) or
 * anything a caller typed; only unreserved characters pass unescaped. */
static int escape_segment(const char *name, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;

		if (n + 4 >= outlen)
			return -1;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

static void copy_str(char *dst, size_t len, const cJSON *v)
{
	snprintf(dst, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* Fill OUT from dockerd's inspect answer for KIND. -1 if it lacks the fields. */
static int read_info(enum object_kind kind, const cJSON *root, const char *owner_label,
		     struct object_info *out)
{
	const cJSON *labels = NULL, *owner;

	switch (kind) {
	case OBJECT_CONTAINER:
		copy_str(out->id, sizeof(out->id), json_get(root, "Id"));
		labels = json_get(json_get(root, "Config"), "Labels");
		break;
	case OBJECT_EXEC:
		copy_str(out->id, sizeof(out->id), json_get(root, "ID"));
		copy_str(out->container, sizeof(out->container), json_get(root, "ContainerID"));
		return out->container[0] ? 0 : -1;
	case OBJECT_VOLUME: {
		const char *device = NULL;

		copy_str(out->id, sizeof(out->id), json_get(root, "Name"));
		copy_str(out->driver, sizeof(out->driver), json_get(root, "Driver"));
		labels = json_get(root, "Labels");
		/* the options it was created with: a bind in disguise? */
		out->host_mount = mount_local_opts_host(json_get(root, "Options"), &device);
		snprintf(out->device, sizeof(out->device), "%s", device ? device : "");
		break;
	}
	case OBJECT_NETWORK:
		copy_str(out->id, sizeof(out->id), json_get(root, "Id"));
		labels = json_get(root, "Labels");
		break;
	default:
		return -1;
	}
	if (!out->id[0])
		return -1;
	owner = json_get(labels, owner_label);
	out->has_owner = cJSON_IsString(owner);
	copy_str(out->owner, sizeof(out->owner), owner);
	return 0;
}

/* dockerd's inspect endpoint for KIND: PREFIX + escaped name + SUFFIX. */
static int inspect_path(enum object_kind kind, const char *escaped, char *path, size_t len)
{
	const char *prefix, *suffix = "";
	int n;

	switch (kind) {
	case OBJECT_CONTAINER:
		prefix = "/containers/";
		suffix = "/json";
		break;
	case OBJECT_EXEC:
		prefix = "/exec/";
		suffix = "/json";
		break;
	case OBJECT_VOLUME:
		prefix = "/volumes/";
		break;
	case OBJECT_NETWORK:
		prefix = "/networks/";
		break;
	default:
		return -1;
	}
	n = snprintf(path, len, "%s%s%s", prefix, escaped, suffix);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static enum lookup_result inspect(void *ctx, enum object_kind kind, const char *name,
				  const char *owner_label, struct object_info *out,
				  char *err, size_t errlen)
{
	const struct docker_client *c = ctx;
	char escaped[1536], path[1600], *body = NULL;
	enum lookup_result r = LOOKUP_ERROR;
	cJSON *root = NULL;
	size_t len;
	int status;

	memset(out, 0, sizeof(*out));
	if (!*name || escape_segment(name, escaped, sizeof(escaped)) != 0 ||
	    inspect_path(kind, escaped, path, sizeof(path)) != 0) {
		snprintf(err, errlen, "cannot name %s \"%s\" to dockerd", object_kind_name(kind),
			 name);
		return LOOKUP_ERROR;
	}
	if (docker_get(c, path, &status, &body, &len, err, errlen) != 0)
		return LOOKUP_ERROR;
	if (status == 404) {
		r = LOOKUP_NOT_FOUND;
		goto out;
	}
	if (status != 200) {
		snprintf(err, errlen, "dockerd answered HTTP %d", status);
		goto out;
	}
	root = json_parse_strict(body, len, err, errlen);
	if (!root)
		goto out;
	if (read_info(kind, root, owner_label, out) != 0) {
		snprintf(err, errlen, "dockerd's answer has no ID");
		goto out;
	}
	r = LOOKUP_FOUND;
out:
	cJSON_Delete(root);
	free(body);
	return r;
}

void lookup_docker_init(struct lookup *lk, const struct docker_client *c)
{
	lk->inspect = inspect;
	lk->ctx = (void *)c;
	lk->token = c->token;
}
