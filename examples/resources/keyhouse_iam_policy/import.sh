# A policy is imported by its name. The service keeps documents in one spelling
# (single values as lists); a configuration that means the same plans no change.
terraform import keyhouse_iam_policy.read_token read-cluster-token
