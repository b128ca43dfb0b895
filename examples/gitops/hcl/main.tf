# A platform team's Keyhouse objects, managed by the pipeline (../pipeline).
# The provider reads KEYHOUSE_URL and KEYHOUSE_API_KEY (the planner's key on pull
# requests, the deploy key on the main branch); the state is kept in PostgreSQL
# (PG_CONN_STR), so that every CI job sees the same one.

terraform {
  required_providers {
    keyhouse = {
      source  = "keyhouse/keyhouse"
      version = "0.1.0"
    }
  }
  backend "pg" {}
}

provider "keyhouse" {}

variable "db_password" {
  type        = string
  sensitive   = true
  description = "The platform database's password (TF_VAR_db_password, a CI secret)."
}

resource "keyhouse_project" "platform" {
  name        = "platform"
  description = "The platform team's services"
}

resource "keyhouse_role" "ci" {
  name        = "ci-runner"
  description = "The CI runners' machine identity"
}

resource "keyhouse_api_key" "ci" {
  name            = "ci"
  owner_role      = keyhouse_role.ci.name
  project         = keyhouse_project.platform.name
  scopes          = ["job", "project"]
  expires_in_days = 90
  store_in_secret {
    name       = "platform/ci/api-key"
    project    = keyhouse_project.platform.name
    visibility = "project"
  }
}

resource "keyhouse_secret" "db_password" {
  name        = "platform/db-password"
  project     = keyhouse_project.platform.name
  value       = var.db_password
  description = "The platform database's password"
}

output "ci_key_id" {
  value = keyhouse_api_key.ci.id
}
