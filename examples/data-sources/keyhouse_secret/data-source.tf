# A project's secret, by name.
data "keyhouse_secret" "cluster_key" {
  name    = "hopsworks/role/databricks-cluster/type/api-key"
  project = "featurestore"
}

# One of the provider's principal's private secrets, by name.
data "keyhouse_secret" "token" {
  name = "ci/deploy-token"
}

output "token_version" {
  value = data.keyhouse_secret.token.version
}
