# A key for the length of this run, revoked when Terraform is done with it.
ephemeral "keyhouse_api_key" "deploy" {
  scopes           = ["secrets"]
  project          = "featurestore"
  lifetime_minutes = 30
}

# Hand it to a provider configuration that acts with it for the run.
provider "keyhouse" {
  alias   = "deploy"
  api_key = ephemeral.keyhouse_api_key.deploy.key
}

resource "keyhouse_secret" "release_note" {
  provider = keyhouse.deploy
  name     = "featurestore/release-note"
  project  = "featurestore"
  value    = "deployed by a key that lives for one run"
}
