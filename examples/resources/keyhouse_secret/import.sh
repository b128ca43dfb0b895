# A secret is imported by its id. The refresh that follows reads its value, so
# a configuration with the same value plans no change.
terraform import keyhouse_secret.kafka 0f1e2d3c4b5a69788796a5b4c3d2e1f0
