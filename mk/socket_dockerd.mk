# SPDX-License-Identifier: Apache-2.0
# socket_dockerd.mk - socket activation under load through a real dockerd
# (tests/e2e/socket_activation_dockerd.sh): sd_listen holds the plugin's socket
# as systemd does, loops of docker commands run while Portcullis is SIGKILLed
# and restarted on it; counts every command's exit status. Root, docker.io, jq,
# iproute2 (ss). About 30 s.
#
#   make e2e-socket-dockerd

.PHONY: e2e-socket-dockerd

e2e-socket-dockerd: $(BUILD)/portcullis $(BUILD)/tests/sd_listen
	tests/e2e/socket_activation_dockerd.sh $(BUILD)/portcullis $(BUILD)/tests/sd_listen
