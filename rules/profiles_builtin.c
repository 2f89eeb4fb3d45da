/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profiles_builtin.c - the built-in profiles baseline, restricted and cis, as
 * policy text. Every load of a policy parses this text with the loader that
 * reads the policy's own "profiles" (policy.c, profile.c), so the built-ins
 * are checked exactly as a user's profile is, and a mistake here fails every
 * load (and tests/unit/test_profile.c). Each policy gets its own immutable
 * copy: rules point into it, and nothing is global.
 *
 * spec/profiles.md gives each setting's source: the Kubernetes Pod Security
 * Standards control (baseline, restricted) or the CIS Docker Benchmark
 * section-5 ID (cis). Change one, change the other.
 */
#include "loader.h"

const char ld_builtin_profiles[] =
	"# Kubernetes Pod Security Standards \"baseline\", translated to Docker.\n"
	"baseline:\n"
	"  privileged: false                  # Privileged Containers\n"
	"  capabilities:                      # Capabilities (baseline)\n"
	"    add: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,\n"
	"          NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]\n"
	"  host_namespaces: false             # Host Namespaces\n"
	"  confinement: true                  # AppArmor, SELinux, Seccomp, /proc Mount Type\n"
	"  mounts:\n"
	"    bind: deny                       # HostPath Volumes\n"
	"  devices: false                     # HostPath Volumes (a device is a host path)\n"
	"  sysctls: [kernel.shm_rmid_forced,  # Sysctls: the safe set (Kubernetes 1.29)\n"
	"            net.ipv4.ip_local_port_range,\n"
	"            net.ipv4.ip_unprivileged_port_start,\n"
	"            net.ipv4.tcp_syncookies,\n"
	"            net.ipv4.ping_group_range,\n"
	"            net.ipv4.ip_local_reserved_ports,\n"
	"            net.ipv4.tcp_keepalive_time,\n"
	"            net.ipv4.tcp_fin_timeout,\n"
	"            net.ipv4.tcp_keepalive_intvl,\n"
	"            net.ipv4.tcp_keepalive_probes]\n"
	"\n"
	"# Kubernetes Pod Security Standards \"restricted\": baseline, and more.\n"
	"restricted:\n"
	"  extends: baseline\n"
	"  capabilities:                      # Capabilities (restricted)\n"
	"    drop_all: true\n"
	"    add: [NET_BIND_SERVICE]\n"
	"  user: non-root                     # Running as Non-root (user)\n"
	"  no_new_privileges: true            # Privilege Escalation\n"
	"  join_namespaces: false             # Host Namespaces, through another container\n"
	"  mounts:                            # Volume Types\n"
	"    bind: deny\n"
	"    volume_drivers: [local]\n"
	"\n"
	"# CIS Docker Benchmark, section 5: what the request decides.\n"
	"cis:\n"
	"  confinement: true                  # 5.2, 5.3, 5.22\n"
	"  capabilities:                      # 5.4: Docker's 14 defaults\n"
	"    add: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,\n"
	"          NET_BIND_SERVICE, NET_RAW, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]\n"
	"  privileged: false                  # 5.5, 5.23\n"
	"  mounts: {}                         # 5.6, 5.32: the sensitive host paths\n"
	"  ports:\n"
	"    host_ports: [\"1024-65535\"]       # 5.8\n"
	"    host_ips: [127.0.0.1, \"::1\"]     # 5.14\n"
	"    publish_all: false               # 5.14\n"
	"  host_namespaces: false             # 5.10, 5.16, 5.17, 5.21, 5.31\n"
	"  resources:\n"
	"    memory_max: 4g                   # 5.11\n"
	"    cpus_max: 2                      # 5.12\n"
	"    pids_max: 1024                   # 5.29\n"
	"  read_only_rootfs: true             # 5.13\n"
	"  devices: false                     # 5.18\n"
	"  user: non-root                     # 5.24 (and 4.1)\n"
	"  cgroup_parent: false               # 5.25\n"
	"  no_new_privileges: true            # 5.26\n";

const size_t ld_builtin_profiles_len = sizeof(ld_builtin_profiles) - 1;
