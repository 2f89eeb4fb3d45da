# SPDX-License-Identifier: Apache-2.0
# rollout.mk - safe rollouts end to end (spec/rollout.md): dry-run on a real
# dockerd, the audit log, replay, policy tests, SIGHUP to enforce, metrics.
#
# make e2e-rollout        tests/e2e/rollout.sh against a private dockerd (root)
# make test-policies      portcullis test on every contrib/policies/X.cases.yaml

.PHONY: e2e-rollout test-policies

e2e-rollout: $(BUILD)/portcullis
	tests/e2e/rollout.sh $(BUILD)/portcullis

# Each case file is run against the policy of the same name.
test-policies: $(BUILD)/portcullis
	@fail=0; for c in contrib/policies/*.cases.yaml; do \
		[ -e "$$c" ] || continue; \
		p=$${c%.cases.yaml}.yaml; \
		echo "portcullis test $$p $$c"; \
		$(BUILD)/portcullis test $$p $$c || fail=1; \
	done; exit $$fail
