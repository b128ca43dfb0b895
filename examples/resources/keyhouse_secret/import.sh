# A secret is imported by its id, by <project>/<name> for a project's secret, by
# its name for one of the provider's principal's private secrets, or by its arn.
# (Names hold '/': when an ID reads both as a project's secret and as a private
# one and both exist, the import is refused; use the id or the arn then.)
# The refresh that follows reads the value, so a configuration with the same
# value plans no change.
terraform import keyhouse_secret.kafka featurestore/featurestore/kafka/password
terraform import keyhouse_secret.ca certs/internal-ca.pem
terraform import keyhouse_secret.kafka 0f1e2d3c4b5a69788796a5b4c3d2e1f0
