# Read a project's secret for this run only: it lands in neither plan nor state.
ephemeral "keyhouse_secret" "upstream" {
  name    = "vendor/api-token"
  project = "featurestore"
}

# Copy it into another secret through a write-only argument; bump the version
# to copy it again after it changed.
resource "keyhouse_secret" "copy" {
  name             = "featurestore/vendor-token"
  project          = "featurestore"
  value_wo         = ephemeral.keyhouse_secret.upstream.value
  value_wo_version = 1
}
