resource "keyhouse_project" "featurestore" {
  name = "featurestore"
}

resource "keyhouse_user" "alice" {
  name = "alice"
}

resource "keyhouse_role" "databricks" {
  name = "databricks-cluster"
}

# A user collaborating on the project.
resource "keyhouse_project_member" "alice" {
  project = keyhouse_project.featurestore.name
  user    = keyhouse_user.alice.name
  role    = "member"
}

# A role (a machine identity) that only reads.
resource "keyhouse_project_member" "databricks" {
  project      = keyhouse_project.featurestore.name
  machine_role = keyhouse_role.databricks.name
  role         = "viewer"
}
