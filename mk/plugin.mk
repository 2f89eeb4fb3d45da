# SPDX-License-Identifier: Apache-2.0
# plugin.mk - the managed (v2) plugin, and the tests of the two packagings that
# need a running Portcullis.
#
#   make plugin        $(BUILD)/plugin/config.json and $(BUILD)/plugin/rootfs/, the
#                      directory `docker plugin create NAME $(BUILD)/plugin` takes
#                      (contrib/plugin/mkrootfs.sh; no root needed)
#   make e2e-plugin    tests/e2e/plugin.sh: the managed plugin in a private dockerd
#                      (root, docker.io)
#   make e2e-socket    tests/e2e/socket_activation.sh: socket activation without
#                      systemd, through tests/e2e/sd_listen.c

PLUGIN_DIR := $(BUILD)/plugin

.PHONY: plugin e2e-plugin e2e-socket

plugin: $(BUILD)/portcullis contrib/plugin/config.json contrib/plugin/mkrootfs.sh
	contrib/plugin/mkrootfs.sh $(BUILD)/portcullis $(PLUGIN_DIR) $(VERSION)

$(BUILD)/tests/sd_listen: tests/e2e/sd_listen.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

e2e-socket: $(BUILD)/portcullis $(BUILD)/tests/sd_listen
	tests/e2e/socket_activation.sh $(BUILD)/portcullis $(BUILD)/tests/sd_listen

e2e-plugin: plugin
	tests/e2e/plugin.sh $(PLUGIN_DIR)
