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
