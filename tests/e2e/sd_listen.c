/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sd_listen.c - hold a listening unix socket the way systemd's socket
 * activation does, and run a service on it, restarting it whenever it exits
 * (Restart=always). Used by tests/e2e/socket_activation.sh, so that socket
 * activation is tested on machines without systemd as PID 1.
 *
 *   sd_listen [-r RESTART_MS] [-p PIDFILE] [-t MAX_SECONDS] SOCKET -- COMMAND [ARG...]
 *
 * What it does, as systemd does for a .socket with Accept=no:
 * - binds SOCKET (mode 0600; a stale socket file is replaced, any other file
 *   is an error) and listens on it, once; the socket outlives every run of
 *   the service, so connections made while the service is down wait in the
 *   listen backlog;
 * - runs COMMAND with the listening socket as fd 3, LISTEN_FDS=1 and
 *   LISTEN_PID set to the service's own pid (sd_listen_fds(3));
 * - writes the service's pid to PIDFILE (write, then rename) before it is
 *   started, and one line per start and exit on stderr;
 * - when the service exits, for any reason, starts it again RESTART_MS later
 *   (default 1000), or at once on SIGUSR1 (a test's way to say when);
 * - on SIGTERM or SIGINT, sends SIGTERM to the service, waits for it and
 *   exits with 0 if the service exited 0, else 1; the socket file is removed.
 *
 * Bounded, so a test that dies cannot leave it behind: after MAX_SECONDS
 * (default 300) it stops as on SIGTERM, and the service gets SIGTERM if
 * sd_listen itself dies (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3

static const char usage[] =
	"usage: sd_listen [-r RESTART_MS] [-p PIDFILE] [-t MAX_SECONDS] SOCKET -- COMMAND [ARG...]\n";

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sd_listen: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "sd_listen: %s exists and is not a socket\n", path);
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("sd_listen: socket");
		return -1;
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
		fprintf(stderr, "sd_listen: cannot listen on %s: %s\n", path, strerror(errno));
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	return fd;
}

static int write_pidfile(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;

	if (!path)
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)pid);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return -1;
	return 0;
}

/* In the child: the socket as fd 3, the LISTEN_* variables, then exec. */
static void exec_service(int lfd, pid_t parent, const sigset_t *oldmask, char **argv)
{
	char pid[32];

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	if (lfd != SD_LISTEN_FDS_START) {
		if (dup2(lfd, SD_LISTEN_FDS_START) < 0)
			_exit(127);
	} else if (fcntl(lfd, F_SETFD, 0) != 0) {
		_exit(127);
	}
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (setenv("LISTEN_PID", pid, 1) != 0 || setenv("LISTEN_FDS", "1", 1) != 0)
		_exit(127);
	unsetenv("LISTEN_FDNAMES");
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	execvp(argv[0], argv);
	fprintf(stderr, "sd_listen: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void describe_exit(pid_t pid, int status)
{
	if (WIFEXITED(status))
		fprintf(stderr, "sd_listen: pid %ld exited with status %d\n", (long)pid,
			WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "sd_listen: pid %ld killed by signal %d\n", (long)pid,
			WTERMSIG(status));
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for a signal in set for at most ms milliseconds; 0 on timeout. */
static int wait_signal(const sigset_t *set, long long ms)
{
	struct timespec ts;
	int sig;

	if (ms < 0)
		ms = 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	do
		sig = sigtimedwait(set, NULL, &ts);
	while (sig < 0 && errno == EINTR);
	return sig < 0 ? 0 : sig;
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL, *path;
	long restart_ms = 1000, max_s = 300;
	long long deadline;
	sigset_t set, oldmask;
	pid_t child = -1, self = getpid();
	int c, lfd, status, stopping = 0, rc = 1;
	unsigned starts = 0;

	while ((c = getopt(argc, argv, "+r:p:t:")) != -1) {
		switch (c) {
		case 'r':
			restart_ms = strtol(optarg, NULL, 10);
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 't':
			max_s = strtol(optarg, NULL, 10);
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--") != 0 || restart_ms < 0 ||
	    max_s < 1) {
		fputs(usage, stderr);
		return 2;
	}
	path = argv[optind];
	argv += optind + 2;
	deadline = now_ms() + max_s * 1000LL;

	/* Signals are taken synchronously: no handler can race the loop. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &oldmask);

	lfd = listen_unix(path);
	if (lfd < 0)
		return 1;
	fprintf(stderr, "sd_listen: listening on %s\n", path);

	while (!stopping) {
		child = fork();
		if (child < 0) {
			perror("sd_listen: fork");
			break;
		}
		if (child == 0)
			exec_service(lfd, self, &oldmask, argv);
		starts++;
		if (write_pidfile(pidfile, child) != 0)
			fprintf(stderr, "sd_listen: cannot write %s\n", pidfile);
		fprintf(stderr, "sd_listen: started pid %ld (start %u)\n", (long)child, starts);

		/* Until the service exits, or we are told (or timed) to stop. */
		for (;;) {
			int sig;

			if (waitpid(child, &status, WNOHANG) == child) {
				describe_exit(child, status);
				child = -1;
				break;
			}
			sig = wait_signal(&set, deadline - now_ms());
			if (sig == SIGTERM || sig == SIGINT || (sig == 0 && now_ms() >= deadline)) {
				stopping = 1;
				break;
			}
		}
		if (stopping)
			break;
		/* Restart=always, RestartSec=restart_ms; SIGUSR1 cuts it short. */
		{
			long long until = now_ms() + restart_ms;

			while (!stopping && now_ms() < until) {
				int sig = wait_signal(&set, until - now_ms());

				if (sig == SIGTERM || sig == SIGINT)
					stopping = 1;
				else if (sig == SIGUSR1)
					break;
			}
		}
		if (now_ms() >= deadline) {
			fprintf(stderr, "sd_listen: %ld s limit reached\n", max_s);
			stopping = 1;
		}
	}

	if (child > 0) {
		kill(child, SIGTERM);
		/* Bounded: SIGKILL after 10 s. */
		for (c = 0; c < 100 && waitpid(child, &status, WNOHANG) != child; c++)
			wait_signal(&set, 100);
		if (c == 100) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
		}
		describe_exit(child, status);
		rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
	} else {
		rc = 0;
	}
	close(lfd);
	unlink(path);
	return rc;
}
