# SPDX-License-Identifier: Apache-2.0
# faults.mk - fault injection against a running Portcullis (tests/e2e/faults.sh):
# malformed HTTP, slowloris, thousands of idle connections, the policy broken
# under a reload, the audit disk full, dockerd gone or hung during an ownership
# lookup, SIGKILL while a real dockerd is busy (root and docker.io; skipped
# otherwise or with FAULTS_DOCKERD=0). About a minute.
#
#   make e2e-faults

.PHONY: e2e-faults

$(BUILD)/tests/faults_client: tests/e2e/faults_client.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

e2e-faults: $(BUILD)/portcullis $(BUILD)/tests/faults_client
	tests/e2e/faults.sh $(BUILD)/portcullis $(BUILD)/tests/faults_client
