resource "keyhouse_project" "featurestore" {
  name = "featurestore"
}

variable "kafka_password" {
  type      = string
  sensitive = true
}

# Shared with every member of the project.
resource "keyhouse_secret" "kafka" {
  name        = "featurestore/kafka/password"
  project     = keyhouse_project.featurestore.name
  value       = var.kafka_password
  description = "Password of the feature store's Kafka user"
}

# Private to the provider's principal; a file, stored as base64.
resource "keyhouse_secret" "ca" {
  name  = "certs/internal-ca.pem"
  type  = "file"
  value = base64encode("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n")
}

# Write-only (Terraform 1.11 and later): the value comes from outside and is in
# neither the plan nor the state. Bump value_wo_version to write a new value.
variable "database_password" {
  type      = string
  ephemeral = true
}

resource "keyhouse_secret" "database" {
  name             = "featurestore/database/password"
  project          = keyhouse_project.featurestore.name
  value_wo         = var.database_password
  value_wo_version = 1
}
