resource "keyhouse_project" "featurestore" {
  name = "featurestore"
}

resource "keyhouse_role" "databricks" {
  name = "databricks-cluster"
}

resource "keyhouse_project_member" "databricks" {
  project      = keyhouse_project.featurestore.name
  machine_role = keyhouse_role.databricks.name
}

# A cluster's key, written straight into a project secret: the key is never in
# the state or the plan. The cluster reads it from the secret. Every 30 days the
# plan shows "Rotation due" and the apply rolls the key in place: the new key is
# the secret's next version (same id and arn), and the old one works for 24 more
# hours, so the cluster re-reads the secret at least that often.
resource "keyhouse_api_key" "databricks" {
  name            = "databricks"
  owner_role      = keyhouse_role.databricks.name
  project         = keyhouse_project.featurestore.name
  scopes          = ["featurestore", "project", "job", "kafka"]
  expires_in_days = 90

  store_in_secret {
    name    = "hopsworks/role/databricks-cluster/type/api-key"
    project = keyhouse_project.featurestore.name
  }

  rotation {
    every_days    = 30
    overlap_hours = 24
  }

  depends_on = [keyhouse_project_member.databricks]
}

# A personal key, kept in the state (sensitive).
resource "keyhouse_api_key" "ci" {
  name   = "ci"
  scopes = ["secrets"]
}

output "ci_key" {
  value     = keyhouse_api_key.ci.key
  sensitive = true
}
