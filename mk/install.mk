# SPDX-License-Identifier: Apache-2.0
# install.mk - make install / make uninstall, and the packaging tests.
#
#   make install [PREFIX=/usr/local] [DESTDIR=]
#     $(PREFIX)/sbin/portcullis                       the binary
#     $(PREFIX)/share/man/man8/portcullis.8           portcullis(8)
#     $(PREFIX)/share/man/man5/portcullis-policy.5    portcullis-policy(5)
#     $(SYSTEMDUNITDIR)/portcullis.{socket,service}   systemd units; ExecStart names
#                                                     $(PREFIX)/sbin/portcullis
#     /etc/logrotate.d/portcullis                     audit log rotation
#     /etc/portcullis/policy.yaml                     the default policy, only if absent
#   SYSTEMDUNITDIR is /lib/systemd/system for PREFIX=/usr (a distribution's
#   place) and $(PREFIX)/lib/systemd/system otherwise (/usr/local/lib/systemd/system
#   is on systemd's unit path too); override it as needed. /etc is not under
#   PREFIX: the units and the managed plugin read /etc/portcullis/policy.yaml.
#   No /etc/docker/plugins/portcullis.spec is installed: the socket unit listens
#   on /run/docker/plugins/portcullis.sock, which dockerd finds by name first, and
#   a .spec for the same name would only be a second, stale way to it.
#
#   make uninstall [PREFIX=...] [DESTDIR=]
#     removes all of the above except a policy that differs from the default
#     and the audit logs in /var/log/portcullis.
#
#   make e2e-install      tests/e2e/install.sh: install into a DESTDIR and check the tree
#   make e2e-packaging    e2e-install, e2e-socket and e2e-plugin (mk/plugin.mk)

SBINDIR        ?= $(PREFIX)/sbin
MANDIR         ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(if $(filter /usr /usr/,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
LOGROTATEDIR   ?= /etc/logrotate.d
POLICYDIR      := /etc/portcullis

.PHONY: install uninstall e2e-install e2e-packaging

install: $(BUILD)/portcullis
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(LOGROTATEDIR) $(DESTDIR)$(POLICYDIR)
	install -m 0755 $(BUILD)/portcullis $(DESTDIR)$(SBINDIR)/portcullis
	install -m 0644 man/portcullis.8 $(DESTDIR)$(MANDIR)/man8/portcullis.8
	install -m 0644 man/portcullis-policy.5 $(DESTDIR)$(MANDIR)/man5/portcullis-policy.5
	install -m 0644 contrib/systemd/portcullis.socket $(DESTDIR)$(SYSTEMDUNITDIR)/portcullis.socket
	sed 's|/usr/local/sbin/portcullis|$(SBINDIR)/portcullis|g' contrib/systemd/portcullis.service \
		>$(BUILD)/portcullis.service
	install -m 0644 $(BUILD)/portcullis.service $(DESTDIR)$(SYSTEMDUNITDIR)/portcullis.service
	install -m 0644 contrib/logrotate/portcullis $(DESTDIR)$(LOGROTATEDIR)/portcullis
	@if [ -e $(DESTDIR)$(POLICYDIR)/policy.yaml ]; then \
		echo "kept $(DESTDIR)$(POLICYDIR)/policy.yaml (not replaced)"; \
	else \
		echo "install -m 0644 contrib/portcullis.yaml $(DESTDIR)$(POLICYDIR)/policy.yaml"; \
		install -m 0644 contrib/portcullis.yaml $(DESTDIR)$(POLICYDIR)/policy.yaml; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/portcullis \
		$(DESTDIR)$(MANDIR)/man8/portcullis.8 $(DESTDIR)$(MANDIR)/man5/portcullis-policy.5 \
		$(DESTDIR)$(SYSTEMDUNITDIR)/portcullis.socket $(DESTDIR)$(SYSTEMDUNITDIR)/portcullis.service \
		$(DESTDIR)$(LOGROTATEDIR)/portcullis
	@if cmp -s contrib/portcullis.yaml $(DESTDIR)$(POLICYDIR)/policy.yaml; then \
		echo "rm -f $(DESTDIR)$(POLICYDIR)/policy.yaml (the unchanged default)"; \
		rm -f $(DESTDIR)$(POLICYDIR)/policy.yaml; \
		rmdir $(DESTDIR)$(POLICYDIR) 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(POLICYDIR)/policy.yaml ]; then \
		echo "kept $(DESTDIR)$(POLICYDIR)/policy.yaml (changed from the default)"; \
	fi

e2e-install: $(BUILD)/portcullis
	tests/e2e/install.sh $(BUILD)/portcullis

e2e-packaging: e2e-install e2e-socket e2e-plugin
